/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-ringer.h"
#include "ckd-sound-player.h"

#define CAPABILITY "ringtone"
#define THEME_RINGTONE "phone-incoming-call"
#define TONE_RATE 48000

struct _CkdRinger
{
  CkdRegistry *registry;
  CkdSettings *settings;
  CkdPipewire *pipewire;
  CkdSoundPlayer *player;

  /* What plays now. */
  CkdRingKind kind;
  char *ringtone; /* the configured ringtone it plays, with CKD_RING_RINGTONE */

  /* The last ringtone decoded, so that every call of a provider does not
   * decode its file again. */
  char *cached_path;
  CkdSound *cached_sound;
};

/* ---- pure parts ---------------------------------------------------- */

static gboolean
is_on_a_call (const CkdCall *call)
{
  switch (call->state)
    {
    case CKD_CALL_STATE_ACTIVE:
    case CKD_CALL_STATE_HELD:
    case CKD_CALL_STATE_DIALING:
    case CKD_CALL_STATE_CONNECTING:
      return TRUE;
    case CKD_CALL_STATE_RINGING:
    case CKD_CALL_STATE_ENDED:
    default:
      return FALSE;
    }
}

static gboolean
rings_first (const CkdCall *a, const CkdCall *b)
{
  if (a->created_at != b->created_at)
    return a->created_at < b->created_at;
  return strcmp (a->uuid, b->uuid) < 0;
}

CkdRingChoice
ckd_ringer_choose (GHashTable *live_calls)
{
  CkdRingChoice choice = { CKD_RING_NONE, NULL };
  gboolean on_a_call = FALSE;
  GHashTableIter iter;
  CkdCall *call;

  g_hash_table_iter_init (&iter, live_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      if (is_on_a_call (call))
        on_a_call = TRUE;
      else if (ckd_call_is_alerting (call) && !call->silenced
               && (choice.call == NULL || rings_first (call, choice.call)))
        choice.call = call;
    }
  if (choice.call != NULL)
    choice.kind = on_a_call ? CKD_RING_CALL_WAITING : CKD_RING_RINGTONE;
  return choice;
}

static char *
find_in (const char *data_dir, const char *name)
{
  static const char *const extensions[] = { ".oga", ".ogg", ".wav" };

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    {
      g_autofree char *file = g_strconcat (name, extensions[i], NULL);
      g_autofree char *path =
        g_build_filename (data_dir, "sounds", "freedesktop", "stereo", file, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

char *
ckd_ringer_find_theme_sound (const char *name)
{
  const char *const *dirs = g_get_system_data_dirs ();
  char *path = find_in (g_get_user_data_dir (), name);

  for (guint i = 0; path == NULL && dirs[i] != NULL; i++)
    path = find_in (dirs[i], name);
  return path;
}

/* ---- playing ------------------------------------------------------- */

static CkdSound *
load_cached (CkdRinger *self, const char *path, GError **error)
{
  CkdSound *sound;

  if (g_strcmp0 (self->cached_path, path) == 0)
    return ckd_sound_ref (self->cached_sound);
  sound = ckd_sound_load (path, error);
  if (sound == NULL)
    return NULL;
  g_clear_pointer (&self->cached_sound, ckd_sound_unref);
  g_free (self->cached_path);
  self->cached_path = g_strdup (path);
  self->cached_sound = ckd_sound_ref (sound);
  return sound;
}

/* The sound of @ringtone (a path, a theme sound name, or "" for the
 * default); whatever fails falls back to the theme's ringtone, then to a
 * generated ring, so that an incoming call is never silent. */
static CkdSound *
ringtone_sound (CkdRinger *self, CkdProvider *provider, const char *ringtone)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  CkdSound *sound = NULL;

  if (g_path_is_absolute (ringtone))
    {
      sound = load_cached (self, ringtone, &error);
      if (sound != NULL)
        return sound;
      g_message ("cannot play the ringtone of %s: %s; playing the sound theme's",
                 provider->object_path, error->message);
      g_clear_error (&error);
    }
  else if (*ringtone != '\0')
    {
      path = ckd_ringer_find_theme_sound (ringtone);
      if (path == NULL)
        g_message ("the sound theme has no '%s' (ringtone of %s); playing its '%s'", ringtone,
                   provider->object_path, THEME_RINGTONE);
    }
  if (path == NULL)
    path = ckd_ringer_find_theme_sound (THEME_RINGTONE);
  if (path != NULL)
    {
      sound = load_cached (self, path, &error);
      if (sound != NULL)
        return sound;
      g_message ("cannot play %s: %s", path, error->message);
    }
  else
    g_message ("the sound theme has no '%s': ringing with a tone", THEME_RINGTONE);
  return ckd_sound_new_tone (TONE_RATE, 440.0, 2, 400, 200, 2000);
}

static void
play (CkdRinger *self, CkdRingChoice choice)
{
  const char *ringtone = choice.kind == CKD_RING_RINGTONE
                           ? choice.call->provider->config.ringtone : NULL;
  g_autoptr (CkdSound) sound = NULL;

  /* Another ringing call with the same sound keeps the loop going. */
  if (choice.kind == self->kind && g_strcmp0 (ringtone, self->ringtone) == 0)
    return;
  self->kind = choice.kind;
  g_free (self->ringtone);
  self->ringtone = g_strdup (ringtone);
  switch (choice.kind)
    {
    case CKD_RING_RINGTONE:
      g_info ("ringing for call %s", choice.call->uuid);
      sound = ringtone_sound (self, choice.call->provider, ringtone);
      ckd_sound_player_play (self->player, sound, "ringtone");
      break;
    case CKD_RING_CALL_WAITING:
      g_info ("call-waiting tone for call %s", choice.call->uuid);
      /* Two short beeps every three seconds: heard over the call
       * without drowning it. */
      sound = ckd_sound_new_tone (TONE_RATE, 440.0, 2, 150, 150, 2700);
      ckd_sound_player_play (self->player, sound, "call-waiting");
      break;
    case CKD_RING_NONE:
    default:
      g_info ("ringing stopped");
      ckd_sound_player_stop (self->player);
      break;
    }
}

static CkdSoundSettings
sound_settings (CkdRinger *self)
{
  return ckd_settings_get (self->settings)->sounds;
}

/* Whether callkitd makes the ringing sound itself: connected to PipeWire,
 * ringtones not turned off. */
static gboolean
plays_sound (CkdRinger *self)
{
  return sound_settings (self).ringtone && ckd_pipewire_get_core (self->pipewire) != NULL;
}

static void
update (CkdRinger *self)
{
  CkdRingChoice choice;

  /* Without a server nothing is decoded or kept: it is decided again
   * when PipeWire comes. */
  if (!plays_sound (self))
    return;
  choice = ckd_ringer_choose (ckd_registry_get_calls (self->registry));
  if (choice.kind == CKD_RING_CALL_WAITING && !sound_settings (self).call_waiting)
    choice = (CkdRingChoice) { CKD_RING_NONE, NULL };
  play (self, choice);
}

/* PipeWire came or went, or the user's [Sounds] changed. */
static void
reconsider (CkdRinger *self)
{
  gboolean plays = plays_sound (self);

  ckd_registry_set_capability (self->registry, CAPABILITY, plays);
  if (plays)
    update (self);
  else if (self->kind != CKD_RING_NONE)
    {
      /* Turned off, or the stream went with the connection. */
      self->kind = CKD_RING_NONE;
      g_clear_pointer (&self->ringtone, g_free);
      ckd_sound_player_stop (self->player);
    }
}

static void
on_call_changed (CkdRinger *self, CkdCall *call, guint changes)
{
  /* Loaded when a call first rings: a session without calls keeps no
   * PipeWire context. */
  if (ckd_call_is_alerting (call) && !call->silenced && sound_settings (self).ringtone)
    ckd_pipewire_start (self->pipewire);
  if (changes & (CKD_CALL_CHANGED_STATE | CKD_CALL_CHANGED_SILENCED | CKD_CALL_CHANGED_IDENTIFYING))
    update (self);
}

static void
on_call_added (CkdRinger *self, CkdCall *call)
{
  on_call_changed (self, call, CKD_CALL_CHANGED_STATE);
}

static void
on_call_removed (CkdRinger *self, CkdCall *call)
{
  update (self);
}

static void
on_provider_changed (CkdRinger *self, CkdProvider *provider, guint changes)
{
  /* A new ringtone plays from now on. */
  if (changes & CKD_PROVIDER_CHANGED_CONFIGURATION)
    update (self);
}

CkdRinger *
ckd_ringer_new (CkdRegistry *registry, CkdSettings *settings, CkdPipewire *pipewire)
{
  CkdRinger *self = g_new0 (CkdRinger, 1);

  self->registry = g_object_ref (registry);
  self->settings = g_object_ref (settings);
  self->pipewire = g_object_ref (pipewire);
  self->player = ckd_sound_player_new (pipewire);
  g_signal_connect_swapped (pipewire, "changed", G_CALLBACK (reconsider), self);
  g_signal_connect_swapped (settings, "changed", G_CALLBACK (reconsider), self);
  g_signal_connect_swapped (registry, "call-added", G_CALLBACK (on_call_added), self);
  g_signal_connect_swapped (registry, "call-changed", G_CALLBACK (on_call_changed), self);
  g_signal_connect_swapped (registry, "call-removed", G_CALLBACK (on_call_removed), self);
  g_signal_connect_swapped (registry, "provider-changed", G_CALLBACK (on_provider_changed), self);
  reconsider (self);
  return self;
}

void
ckd_ringer_free (CkdRinger *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->pipewire, self);
  g_signal_handlers_disconnect_by_data (self->settings, self);
  g_signal_handlers_disconnect_by_data (self->registry, self);
  g_clear_pointer (&self->player, ckd_sound_player_free);
  g_clear_object (&self->pipewire);
  g_clear_object (&self->settings);
  g_clear_object (&self->registry);
  g_free (self->ringtone);
  g_free (self->cached_path);
  g_clear_pointer (&self->cached_sound, ckd_sound_unref);
  g_free (self);
}
