/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>
#include <json-glib/json-glib.h>

#include <unistd.h>

#include "callkit-names.h"
#include "ckd-audio-policy.h"
#include "ckd-audio-session.h"

#define CAPABILITY "audio-policy"

struct _CkdAudioPolicy
{
  CkdRegistry *registry;
  CkdPipewire *pipewire;
  gulong changed_id;
  gulong call_added_id, call_changed_id, call_removed_id;
  struct pw_metadata *metadata; /* the one listened to, not owned */
  struct spa_hook metadata_listener;
  guint32 subject;              /* callkitd's client id */
  GHashTable *published;        /* key -> JSON value, what the metadata holds */
  gboolean module_present;
};

/* ---- pure parts ---------------------------------------------------- */

/* A compact JSON object from @builder, which holds one. */
static char *
builder_to_json (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
ckd_audio_policy_daemon_json (guint32 pid, const char *version)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, version);
  json_builder_end_object (builder);
  return builder_to_json (builder);
}

char *
ckd_audio_policy_call_json (const CkdCall *call, guint32 pid)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, ckd_call_state_to_string (call->state));
  json_builder_set_member_name (builder, "audio");
  json_builder_add_boolean_value (builder, ckd_audio_session_holds (call));
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_set_member_name (builder, "provider");
  json_builder_add_string_value (builder, call->provider->object_path);
  json_builder_end_object (builder);
  return builder_to_json (builder);
}

gboolean
ckd_audio_policy_module_present (const char *type, const char *value)
{
  /* Deleting the entry (NULL) is the module unloading. */
  return value != NULL && *value == '{';
}

/* ---- the metadata -------------------------------------------------- */

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
  g_autofree char *json = ckd_audio_policy_call_json (call, call->provider->owner_pid);

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
  ckd_registry_set_capability (self->registry, CAPABILITY, present);
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
  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
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

/* ---- the calls ----------------------------------------------------- */

static void
on_call_changed (CkdAudioPolicy *self, CkdCall *call, guint changes)
{
  /* Loaded with the first call: a session without calls keeps no
   * PipeWire context. */
  ckd_pipewire_start (self->pipewire);
  if (self->metadata != NULL && call->state != CKD_CALL_STATE_ENDED
      && (changes & (CKD_CALL_CHANGED_STATE | CKD_CALL_CHANGED_STARTED)))
    publish_call (self, call);
}

static void
on_call_added (CkdAudioPolicy *self, CkdCall *call)
{
  on_call_changed (self, call, CKD_CALL_CHANGED_STATE);
}

static void
on_call_removed (CkdAudioPolicy *self, CkdCall *call)
{
  g_autofree char *key = call_key (call->uuid);

  publish (self, key, NULL);
}

CkdAudioPolicy *
ckd_audio_policy_new (CkdRegistry *registry, CkdPipewire *pipewire)
{
  CkdAudioPolicy *self = g_new0 (CkdAudioPolicy, 1);

  self->registry = g_object_ref (registry);
  self->pipewire = g_object_ref (pipewire);
  self->published = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->changed_id = g_signal_connect (pipewire, "changed", G_CALLBACK (on_pipewire_changed),
                                       self);
  self->call_added_id = g_signal_connect_swapped (registry, "call-added",
                                                  G_CALLBACK (on_call_added), self);
  self->call_changed_id = g_signal_connect_swapped (registry, "call-changed",
                                                    G_CALLBACK (on_call_changed), self);
  self->call_removed_id = g_signal_connect_swapped (registry, "call-removed",
                                                    G_CALLBACK (on_call_removed), self);
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
  g_clear_signal_handler (&self->call_added_id, self->registry);
  g_clear_signal_handler (&self->call_changed_id, self->registry);
  g_clear_signal_handler (&self->call_removed_id, self->registry);
  g_clear_object (&self->pipewire);
  g_clear_object (&self->registry);
  g_hash_table_destroy (self->published);
  g_free (self);
}
