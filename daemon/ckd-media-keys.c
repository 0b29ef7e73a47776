/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-action.h"
#include "ckd-media-keys.h"

#define CAPABILITY "media-keys"
#define PLAYER_NAME "org.mpris.MediaPlayer2.callkitd"
#define PLAYER_PATH "/org/mpris/MediaPlayer2"
#define ROOT_INTERFACE "org.mpris.MediaPlayer2"
#define PLAYER_INTERFACE "org.mpris.MediaPlayer2.Player"
/* The track of a call, as MPRIS wants one: an object path of our own. */
#define TRACK_PREFIX "/io/github/callkitd/CallKit1/call/"

struct _CkdMediaKeys
{
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  sd_bus *bus;
  sd_bus_slot *root_slot, *player_slot, *name_slot;
  gboolean exported;
  gboolean name_refused; /* another process owns the player's name */
  gulong call_added_id, call_changed_id, call_removed_id, settings_changed_id;
};

/* ---- which call a key is about -------------------------------------- */

/* The oldest live call for which @pick says yes. */
static CkdCall *
oldest_call (CkdMediaKeys *self, gboolean (*pick) (const CkdCall *call))
{
  GHashTableIter iter;
  gpointer value;
  CkdCall *found = NULL;

  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CkdCall *call = value;

      if (pick (call) && (found == NULL || call->created_at < found->created_at))
        found = call;
    }
  return found;
}

static gboolean
is_ringing (const CkdCall *call)
{
  return ckd_call_is_ringing_incoming (call);
}

/* The call the user is talking in (or dialing). */
static gboolean
is_current (const CkdCall *call)
{
  return call->state != CKD_CALL_STATE_RINGING && ckd_call_state_is_active_like (call->state);
}

static gboolean
is_any (const CkdCall *call)
{
  return TRUE;
}

/* What the player shows: the ringing call, else the current one, else a
 * held one. */
static CkdCall *
shown_call (CkdMediaKeys *self)
{
  CkdCall *call = oldest_call (self, is_ringing);

  if (call == NULL)
    call = oldest_call (self, is_current);
  return call != NULL ? call : oldest_call (self, is_any);
}

static gboolean
pause_mutes (CkdMediaKeys *self)
{
  return ckd_settings_get (self->settings)->media_keys.pause_mutes;
}

/* ---- the keys ------------------------------------------------------- */

static void
request (CkdMediaKeys *self, CkdAction *action, const char *key)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (actions, action);
  g_info ("media key %s: %s call %s", key, ckd_action_type_to_string (action->type),
          action->call_uuid);
  if (ckd_session_request_transaction (self->session, NULL, g_steal_pointer (&actions), NULL,
                                       NULL, NULL, &error)
      == NULL)
    g_message ("cannot act on media key %s: %s", key, error->message);
}

static void
set_muted (CkdMediaKeys *self, CkdCall *call, gboolean muted, const char *key)
{
  CkdAction *action = ckd_action_new (CKD_ACTION_SET_MUTED, call->uuid);

  action->muted = muted;
  request (self, action, key);
}

static void
answer (CkdMediaKeys *self, CkdCall *call, const char *key)
{
  request (self, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid), key);
}

/* Pause on the call the user is in: hang up, or mute. */
static void
pause_current (CkdMediaKeys *self, CkdCall *call, const char *key)
{
  if (pause_mutes (self))
    set_muted (self, call, !call->muted || !g_str_equal (key, "PlayPause"), key);
  else
    request (self, ckd_action_new (CKD_ACTION_END_CALL, call->uuid), key);
}

static int
method_play_pause (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  CkdCall *ringing = oldest_call (self, is_ringing);
  CkdCall *current = oldest_call (self, is_current);

  /* A call that rings is what the button is pressed for: answering it
   * holds the current one when it can, as a phone does. */
  if (ringing != NULL)
    answer (self, ringing, "PlayPause");
  else if (current != NULL)
    pause_current (self, current, "PlayPause");
  return sd_bus_reply_method_return (m, NULL);
}

static int
method_play (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  CkdCall *ringing = oldest_call (self, is_ringing);
  CkdCall *current = oldest_call (self, is_current);

  if (ringing != NULL)
    answer (self, ringing, "Play");
  else if (current != NULL && current->muted && pause_mutes (self))
    set_muted (self, current, FALSE, "Play");
  return sd_bus_reply_method_return (m, NULL);
}

static int
method_pause (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  CkdCall *current = oldest_call (self, is_current);

  /* Pausing a ringing call means nothing: it is answered or declined. */
  if (current != NULL && !(pause_mutes (self) && current->muted))
    pause_current (self, current, "Pause");
  return sd_bus_reply_method_return (m, NULL);
}

static int
method_stop (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  CkdCall *call = oldest_call (self, is_current);

  if (call == NULL)
    call = oldest_call (self, is_ringing);
  if (call != NULL)
    request (self, ckd_action_new (CKD_ACTION_END_CALL, call->uuid), "Stop");
  return sd_bus_reply_method_return (m, NULL);
}

/* Next, Previous, Seek, SetPosition: a call has no tracks to move in. */
static int
method_nothing (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_reply_method_return (m, NULL);
}

static int
method_open_uri (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_error_set (ret_error, SD_BUS_ERROR_NOT_SUPPORTED,
                           "callkitd plays calls, not URIs");
}

static int
method_raise (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  CkdCall *call = shown_call (self);

  if (call != NULL)
    ckd_session_request_show_call (self->session, call);
  return sd_bus_reply_method_return (m, NULL);
}

/* ---- properties ----------------------------------------------------- */

static int
get_root_property (sd_bus *bus, const char *path, const char *interface, const char *property,
                   sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  if (g_str_equal (property, "CanQuit") || g_str_equal (property, "HasTrackList"))
    return sd_bus_message_append (reply, "b", FALSE);
  if (g_str_equal (property, "CanRaise"))
    return sd_bus_message_append (reply, "b", TRUE);
  if (g_str_equal (property, "Identity"))
    return sd_bus_message_append (reply, "s", "Calls");
  /* SupportedUriSchemes, SupportedMimeTypes */
  return sd_bus_message_append (reply, "as", 0);
}

static int
append_metadata (CkdMediaKeys *self, sd_bus_message *reply)
{
  CkdCall *call = shown_call (self);
  g_autofree char *track = NULL;
  const char *title;
  int r;

  if (call == NULL)
    return sd_bus_message_append (reply, "a{sv}", 1, "mpris:trackid", "o",
                                  "/org/mpris/MediaPlayer2/TrackList/NoTrack");
  track = g_strdelimit (g_strconcat (TRACK_PREFIX, call->uuid, NULL), "-", '_');
  title = call->localized_caller_name != NULL && *call->localized_caller_name != '\0'
            ? call->localized_caller_name
            : call->remote_handle.value;
  r = sd_bus_message_open_container (reply, 'a', "{sv}");
  if (r >= 0)
    r = sd_bus_message_append (reply, "{sv}", "mpris:trackid", "o", track);
  if (r >= 0 && title != NULL && *title != '\0')
    r = sd_bus_message_append (reply, "{sv}", "xesam:title", "s", title);
  if (r >= 0)
    r = sd_bus_message_append (reply, "{sv}", "xesam:artist", "as", 1,
                               ckd_provider_display_name (call->provider));
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  return r;
}

static int
get_player_property (sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  CkdCall *ringing = oldest_call (self, is_ringing);
  CkdCall *current = oldest_call (self, is_current);

  if (g_str_equal (property, "PlaybackStatus"))
    /* Playing while a call rings or is talked in, so that the desktop
     * sends the keys here rather than to a paused music player. */
    return sd_bus_message_append (reply, "s",
                                  ringing != NULL || current != NULL ? "Playing" : "Paused");
  if (g_str_equal (property, "Metadata"))
    return append_metadata (self, reply);
  /* The spec's CanPlay covers PlayPause too, and consumers (playerctl)
   * send PlayPause only to a player that can play: true whenever the
   * button does something. */
  if (g_str_equal (property, "CanPlay"))
    return sd_bus_message_append (reply, "b", ringing != NULL || current != NULL);
  if (g_str_equal (property, "CanPause"))
    return sd_bus_message_append (reply, "b", current != NULL);
  if (g_str_equal (property, "CanControl"))
    return sd_bus_message_append (reply, "b", TRUE);
  if (g_str_equal (property, "Position"))
    return sd_bus_message_append (reply, "x", (int64_t) 0);
  if (g_str_equal (property, "Rate") || g_str_equal (property, "MinimumRate")
      || g_str_equal (property, "MaximumRate") || g_str_equal (property, "Volume"))
    return sd_bus_message_append (reply, "d", 1.0);
  /* CanGoNext, CanGoPrevious, CanSeek */
  return sd_bus_message_append (reply, "b", FALSE);
}

static const sd_bus_vtable root_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD ("Raise", "", "", method_raise, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD ("Quit", "", "", method_nothing, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY ("CanQuit", "b", get_root_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("CanRaise", "b", get_root_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("HasTrackList", "b", get_root_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("Identity", "s", get_root_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("SupportedUriSchemes", "as", get_root_property, 0,
                   SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("SupportedMimeTypes", "as", get_root_property, 0,
                   SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_VTABLE_END,
};

#define PLAYER_PROPERTY(name, signature, flags) \
  SD_BUS_PROPERTY (name, signature, get_player_property, 0, flags)
#define CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST

static const sd_bus_vtable player_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD ("Next", "", "", method_nothing, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD ("Previous", "", "", method_nothing, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD ("Pause", "", "", method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD ("PlayPause", "", "", method_play_pause, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD ("Stop", "", "", method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD ("Play", "", "", method_play, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Seek", SD_BUS_ARGS ("x", offset), SD_BUS_NO_RESULT, method_nothing,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("SetPosition", SD_BUS_ARGS ("o", track_id, "x", position),
                           SD_BUS_NO_RESULT, method_nothing, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("OpenUri", SD_BUS_ARGS ("s", uri), SD_BUS_NO_RESULT, method_open_uri,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_SIGNAL_WITH_ARGS ("Seeked", SD_BUS_ARGS ("x", position), 0),
  PLAYER_PROPERTY ("PlaybackStatus", "s", CHANGES),
  PLAYER_PROPERTY ("Rate", "d", CONST),
  PLAYER_PROPERTY ("Metadata", "a{sv}", CHANGES),
  PLAYER_PROPERTY ("Volume", "d", CONST),
  SD_BUS_PROPERTY ("Position", "x", get_player_property, 0,
                   0),
  PLAYER_PROPERTY ("MinimumRate", "d", CONST),
  PLAYER_PROPERTY ("MaximumRate", "d", CONST),
  PLAYER_PROPERTY ("CanGoNext", "b", CONST),
  PLAYER_PROPERTY ("CanGoPrevious", "b", CONST),
  PLAYER_PROPERTY ("CanPlay", "b", CHANGES),
  PLAYER_PROPERTY ("CanPause", "b", CHANGES),
  PLAYER_PROPERTY ("CanSeek", "b", CONST),
  PLAYER_PROPERTY ("CanControl", "b", CONST),
  SD_BUS_VTABLE_END,
};

/* ---- the player's lifetime ------------------------------------------ */

static int
on_name_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdMediaKeys *self = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  uint32_t result = 0;
  gboolean owned;

  self->name_slot = sd_bus_slot_unref (self->name_slot);
  owned = error == NULL && sd_bus_message_read (reply, "u", &result) >= 0
          && (result == 1 || result == 4); /* primary owner, or already it */
  if (owned == !self->name_refused)
    return 0;
  self->name_refused = !owned;
  if (owned)
    g_message ("media keys and headset buttons reach calls again");
  else
    g_message ("cannot be the media player %s, media keys do not reach calls: %s", PLAYER_NAME,
               error != NULL ? error->message : "another process owns the name");
  ckd_registry_set_capability (self->registry, CAPABILITY,
                               owned && ckd_settings_get (self->settings)->media_keys.enabled);
  return 0;
}

static void
export (CkdMediaKeys *self)
{
  int r;

  r = sd_bus_add_object_vtable (self->bus, &self->root_slot, PLAYER_PATH, ROOT_INTERFACE,
                                root_vtable, self);
  if (r >= 0)
    r = sd_bus_add_object_vtable (self->bus, &self->player_slot, PLAYER_PATH, PLAYER_INTERFACE,
                                  player_vtable, self);
  if (r >= 0)
    r = sd_bus_request_name_async (self->bus, &self->name_slot, PLAYER_NAME, 0, on_name_reply,
                                   self);
  if (r < 0)
    {
      g_message ("cannot serve the media player: %s", g_strerror (-r));
      self->root_slot = sd_bus_slot_unref (self->root_slot);
      self->player_slot = sd_bus_slot_unref (self->player_slot);
      return;
    }
  self->exported = TRUE;
  g_debug ("serving the media player %s", PLAYER_NAME);
}

static void
unexport (CkdMediaKeys *self)
{
  int r;

  self->name_slot = sd_bus_slot_unref (self->name_slot);
  self->root_slot = sd_bus_slot_unref (self->root_slot);
  self->player_slot = sd_bus_slot_unref (self->player_slot);
  /* Without a reply to wait for: the bus handles it in order, after the
   * request. */
  r = sd_bus_release_name_async (self->bus, NULL, PLAYER_NAME, NULL, NULL);
  if (r < 0)
    g_message ("cannot give up the media player's name: %s", g_strerror (-r));
  self->exported = FALSE;
  g_debug ("no media player: no call is left");
}

static void
update (CkdMediaKeys *self)
{
  gboolean wanted = ckd_settings_get (self->settings)->media_keys.enabled
                    && ckd_registry_get_n_calls (self->registry) > 0;

  if (wanted && !self->exported)
    export (self);
  else if (!wanted && self->exported)
    unexport (self);
  else if (wanted)
    {
      int r = sd_bus_emit_properties_changed (self->bus, PLAYER_PATH, PLAYER_INTERFACE,
                                              "PlaybackStatus", "Metadata", "CanPlay",
                                              "CanPause", NULL);
      if (r < 0)
        g_message ("cannot tell the media player's state: %s", g_strerror (-r));
    }
}

static void
on_call_changed (CkdMediaKeys *self, CkdCall *call, CkdCallChanges changes)
{
  if (changes
      & (CKD_CALL_CHANGED_STATE | CKD_CALL_CHANGED_IS_MUTED | CKD_CALL_CHANGED_REMOTE_HANDLE
         | CKD_CALL_CHANGED_LOCALIZED_CALLER_NAME))
    update (self);
}

static void
on_settings_changed (CkdMediaKeys *self)
{
  ckd_registry_set_capability (self->registry, CAPABILITY,
                               ckd_settings_get (self->settings)->media_keys.enabled
                                 && !self->name_refused);
  update (self);
}

CkdMediaKeys *
ckd_media_keys_new (CkdSession *session, sd_bus *bus)
{
  CkdMediaKeys *self = g_new0 (CkdMediaKeys, 1);

  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->settings = g_object_ref (ckd_session_get_settings (session));
  self->bus = sd_bus_ref (bus);
  self->call_added_id = g_signal_connect_swapped (self->registry, "call-added",
                                                  G_CALLBACK (update), self);
  self->call_changed_id = g_signal_connect_swapped (self->registry, "call-changed",
                                                    G_CALLBACK (on_call_changed), self);
  self->call_removed_id = g_signal_connect_swapped (self->registry, "call-removed",
                                                    G_CALLBACK (update), self);
  self->settings_changed_id = g_signal_connect_swapped (self->settings, "changed",
                                                        G_CALLBACK (on_settings_changed), self);
  on_settings_changed (self);
  return self;
}

void
ckd_media_keys_free (CkdMediaKeys *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->call_added_id, self->registry);
  g_clear_signal_handler (&self->call_changed_id, self->registry);
  g_clear_signal_handler (&self->call_removed_id, self->registry);
  g_clear_signal_handler (&self->settings_changed_id, self->settings);
  if (self->exported)
    unexport (self);
  ckd_registry_set_capability (self->registry, CAPABILITY, FALSE);
  sd_bus_unref (self->bus);
  g_object_unref (self->settings);
  g_object_unref (self->registry);
  g_object_unref (self->session);
  g_free (self);
}
