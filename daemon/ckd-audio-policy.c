/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>

#include <unistd.h>

#include "callkit-names.h"
#include "ckd-audio-policy.h"
#include "ckd-audio-session.h"
#include "ckd-caller.h"
#include "ckd-context.h"
#include "ckd-manager.h"

#define CAPABILITY "audio-policy"

struct _CkdAudioPolicy
{
  CkdContext *ctx;
  CkdPipewire *pipewire;
  gulong changed_id;
  struct pw_metadata *metadata; /* the one listened to, not owned */
  struct spa_hook metadata_listener;
  guint32 subject;              /* callkitd's client id */
  GHashTable *published;        /* key -> JSON value, what the metadata holds */
  gboolean module_present;
};

/* ---- pure parts ---------------------------------------------------- */

static void
append_json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

char *
ckd_audio_policy_daemon_json (guint32 pid, const char *version)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"pid\": %u, \"version\": ", pid);
  append_json_string (out, version);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
ckd_audio_policy_call_json (const CkdCall *call, guint32 pid)
{
  GString *out = g_string_new ("{\"state\": ");

  append_json_string (out, ckd_call_state_to_string (call->state));
  g_string_append_printf (out, ", \"audio\": %s, \"pid\": %u, \"provider\": ",
                          ckd_audio_session_holds (call) ? "true" : "false", pid);
  append_json_string (out, call->provider->object_path);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

gboolean
ckd_audio_policy_module_present (const char *type, const char *value)
{
  /* Deleting the entry (NULL) is the module unloading. */
  return value != NULL && *value == '{';
}

/* ---- the metadata -------------------------------------------------- */

static guint32
provider_pid (CkdContext *ctx, CkdProvider *provider)
{
  CkdCaller *owner = g_hash_table_lookup (ctx->callers, provider->owner);

  return owner != NULL ? owner->pid : 0;
}

static char *
call_key (const char *uuid)
{
  return g_strconcat (CALLKIT_KEY_CALL_PREFIX, uuid, NULL);
}

static void
publish (CkdAudioPolicy *self, const char *key, const char *json)
{
  const char *old = g_hash_table_lookup (self->published, key);

  if (self->metadata == NULL || g_strcmp0 (old, json) == 0)
    return;
  if (json == NULL && !g_hash_table_contains (self->published, key))
    return;
  pw_metadata_set_property (self->metadata, self->subject, key,
                            json != NULL ? CALLKIT_METADATA_TYPE_JSON : NULL, json);
  if (json != NULL)
    g_hash_table_replace (self->published, g_strdup (key), g_strdup (json));
  else
    g_hash_table_remove (self->published, key);
}

static void
publish_call (CkdAudioPolicy *self, CkdCall *call)
{
  g_autofree char *key = call_key (call->uuid);
  g_autofree char *json = ckd_audio_policy_call_json (call, provider_pid (self->ctx, call->provider));

  publish (self, key, json);
}

static void
set_module_present (CkdAudioPolicy *self, gboolean present)
{
  if (self->module_present == present)
    return;
  self->module_present = present;
  g_message (present ? "the PipeWire module enforces the audio policy"
                     : "no PipeWire module enforces the audio policy");
  ckd_manager_set_capability (self->ctx->manager, CAPABILITY, present);
}

static int
on_metadata_property (void *data, uint32_t subject, const char *key, const char *type,
                      const char *value)
{
  CkdAudioPolicy *self = data;

  if (key == NULL)
    {
      /* Everything cleared (pw-metadata -d): callkitd's entries too. */
      set_module_present (self, FALSE);
      g_hash_table_remove_all (self->published);
      return 0;
    }
  if (subject == PW_ID_CORE && g_str_equal (key, CALLKIT_KEY_POLICY))
    set_module_present (self, ckd_audio_policy_module_present (type, value));
  else if (g_str_equal (key, CALLKIT_KEY_STREAM))
    g_debug ("the PipeWire module on stream %u: %s", subject, value ? value : "(gone)");
  return 0;
}

static const struct pw_metadata_events metadata_events = {
  PW_VERSION_METADATA_EVENTS,
  .property = on_metadata_property,
};

static void
publish_all (CkdAudioPolicy *self)
{
  g_autofree char *daemon = ckd_audio_policy_daemon_json ((guint32) getpid (), PACKAGE_VERSION);
  GHashTableIter iter;
  CkdCall *call;

  publish (self, CALLKIT_KEY_DAEMON, daemon);
  g_hash_table_iter_init (&iter, self->ctx->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (call->state != CKD_CALL_STATE_ENDED)
      publish_call (self, call);
}

static void
stop_listening (CkdAudioPolicy *self)
{
  if (self->metadata == NULL)
    return;
  spa_hook_remove (&self->metadata_listener);
  spa_zero (self->metadata_listener);
  self->metadata = NULL;
}

static void
on_pipewire_changed (CkdPipewire *pipewire, gpointer user_data)
{
  CkdAudioPolicy *self = user_data;
  struct pw_metadata *metadata = ckd_pipewire_get_metadata (pipewire);

  if (metadata == self->metadata)
    return;
  stop_listening (self);
  /* What an old metadata object held went with it (or with our client). */
  g_hash_table_remove_all (self->published);
  set_module_present (self, FALSE);
  if (metadata == NULL)
    return;
  self->metadata = metadata;
  self->subject = ckd_pipewire_get_client_id (pipewire);
  pw_metadata_add_listener (metadata, &self->metadata_listener, &metadata_events, self);
  publish_all (self);
}

CkdAudioPolicy *
ckd_audio_policy_new (gpointer ctx, CkdPipewire *pipewire)
{
  CkdAudioPolicy *self = g_new0 (CkdAudioPolicy, 1);

  self->ctx = ctx;
  self->pipewire = g_object_ref (pipewire);
  self->published = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->changed_id = g_signal_connect (pipewire, "changed", G_CALLBACK (on_pipewire_changed),
                                       self);
  on_pipewire_changed (pipewire, self);
  return self;
}

void
ckd_audio_policy_free (CkdAudioPolicy *self)
{
  if (self == NULL)
    return;
  /* An orderly stop takes callkitd's entries away itself; after a crash
   * the module drops them with our client. */
  if (self->metadata != NULL)
    {
      GHashTableIter iter;
      const char *key;

      g_hash_table_iter_init (&iter, self->published);
      while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
        pw_metadata_set_property (self->metadata, self->subject, key, NULL, NULL);
    }
  stop_listening (self);
  g_clear_signal_handler (&self->changed_id, self->pipewire);
  g_clear_object (&self->pipewire);
  g_hash_table_destroy (self->published);
  g_free (self);
}

void
ckd_audio_policy_call_changed (CkdAudioPolicy *self, CkdCall *call)
{
  if (self->metadata != NULL && call->state != CKD_CALL_STATE_ENDED)
    publish_call (self, call);
}

void
ckd_audio_policy_call_ended (CkdAudioPolicy *self, const char *uuid)
{
  g_autofree char *key = call_key (uuid);

  publish (self, key, NULL);
}
