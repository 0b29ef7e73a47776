/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-session-private.h"

/* Calls that survive a crash of callkitd: the call store (ckd-call-store.c)
 * saves every provider's live calls and, after a restart, hands them here.
 * They are live calls again at once (the desktop shows them, the audio
 * policy keeps their audio), owned by nobody until their app registers its
 * provider again; then that app gets them back as they were. */

static gboolean reclaim_timer_fired (gpointer user_data);

static void
schedule_reclaim_timer (CkdSession *self)
{
  GHashTableIter iter;
  CkdProvider *provider;
  gint64 next = G_MAXINT64;

  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (ckd_provider_awaits_owner (provider))
      next = MIN (next, provider->reclaim_deadline);
  g_clear_handle_id (&self->reclaim_timer_id, g_source_remove);
  if (next == G_MAXINT64)
    return;
  self->reclaim_timer_id = g_timeout_add (
    (guint) ((MAX (next - g_get_monotonic_time (), 0) + 999) / 1000), reclaim_timer_fired, self);
}

static gboolean
reclaim_timer_fired (gpointer user_data)
{
  CkdSession *self = user_data;
  g_autoptr (GPtrArray) expired = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  CkdProvider *provider;

  self->reclaim_timer_id = 0;
  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (ckd_provider_awaits_owner (provider) && provider->reclaim_deadline <= now)
      g_ptr_array_add (expired, provider);
  for (guint i = 0; i < expired->len; i++)
    {
      provider = g_ptr_array_index (expired, i);
      g_message ("%s (%s) was not registered again in time after the restart: its %u calls "
                 "end as failed",
                 provider->object_path, ckd_provider_display_name (provider),
                 provider->calls->len);
      ckd_session_remove_provider (self, provider, "provider-gone");
    }
  schedule_reclaim_timer (self);
  return G_SOURCE_REMOVE;
}

static gboolean
check_restorable (CkdSession *self, CkdProvider *provider, GPtrArray *calls, GError **error)
{
  if (provider->id == 0 || ckd_registry_lookup_provider (self->registry, provider->id) != NULL)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "provider id %u is in use",
                   provider->id);
      return FALSE;
    }
  if (calls->len > CKD_MAX_CALLS_PER_PROVIDER)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED, "%u calls, more than %d",
                   calls->len, CKD_MAX_CALLS_PER_PROVIDER);
      return FALSE;
    }
  for (guint i = 0; i < calls->len; i++)
    {
      CkdCall *call = g_ptr_array_index (calls, i);

      if (call->provider != provider || call->state == CKD_CALL_STATE_ENDED
          || ckd_registry_uuid_is_taken (self->registry, call->uuid))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_CALL_UUID_ALREADY_EXISTS,
                       "call %s cannot be restored", call->uuid);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (call->uuid, ((CkdCall *) g_ptr_array_index (calls, j))->uuid))
          {
            g_set_error (error, CKD_ERROR, CKD_ERROR_CALL_UUID_ALREADY_EXISTS,
                         "call %s is there twice", call->uuid);
            return FALSE;
          }
    }
  return TRUE;
}

gboolean
ckd_session_restore_provider (CkdSession *self, CkdProvider *provider_in, GPtrArray *calls_in,
                              guint grace_ms, GError **error)
{
  g_autoptr (CkdProvider) provider = provider_in;
  g_autoptr (GPtrArray) calls = calls_in;
  g_autoptr (GPtrArray) only = g_ptr_array_new ();
  CkdProvider *restored;
  gint64 now = g_get_monotonic_time ();

  if (!check_restorable (self, provider, calls, error))
    {
      for (guint i = 0; i < calls->len; i++)
        ckd_call_free (g_ptr_array_index (calls, i));
      return FALSE;
    }
  g_free (provider->owner);
  provider->owner = g_strdup ("");
  provider->owner_pid = 0;
  provider->reclaim_deadline = now + (gint64) grace_ms * 1000;
  restored = g_steal_pointer (&provider);
  ckd_registry_claim_provider_id (self->registry, restored->id);
  ckd_registry_add_provider (self->registry, restored);
  for (guint i = 0; i < calls->len; i++)
    {
      CkdCall *call = g_ptr_array_index (calls, i);

      /* Rings again for a full ringing timeout: nobody could answer it
       * while callkitd was gone. */
      if (ckd_call_is_ringing_incoming (call))
        {
          call->ringing_deadline = now + (gint64) restored->config.ringing_timeout_ms * 1000;
          ckd_session_schedule_ringing (self, call->ringing_deadline);
        }
      ckd_registry_add_call (self->registry, call);
    }
  g_info ("restored %s (%s) with %u calls; it has %u ms to register again",
          restored->object_path, ckd_provider_display_name (restored), calls->len, grace_ms);
  g_ptr_array_set_size (calls, 0);
  /* The audio session goes where it was: to the calls that held it. */
  g_ptr_array_add (only, restored);
  ckd_session_update_audio_sessions (self, only);
  schedule_reclaim_timer (self);
  return TRUE;
}

CkdProvider *
ckd_session_reclaim_provider (CkdSession *self, CkdCaller *owner, CkdProviderConfig *config)
{
  g_autoptr (GStrvBuilder) uuids = g_strv_builder_new ();
  g_auto (GStrv) calls = NULL;
  GHashTableIter iter;
  CkdProvider *provider, *found = NULL;

  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (ckd_provider_awaits_owner (provider)
        && ckd_provider_is_same_app (provider, owner->app_id, owner->sandboxed, config)
        && (found == NULL || provider->id < found->id))
      found = provider;
  if (found == NULL)
    return NULL;

  /* Actions requested while nobody owned it reached nobody. */
  ckd_session_cancel_provider_actions (self, found, "provider-gone");
  g_free (found->owner);
  found->owner = g_strdup (owner->name);
  found->owner_pid = owner->pid;
  found->reclaim_deadline = 0;
  /* Its configuration is what the app says now. */
  ckd_provider_config_clear (&found->config);
  found->config = *config;
  *config = (CkdProviderConfig){ 0 };
  for (guint i = 0; i < found->calls->len; i++)
    g_strv_builder_add (uuids, ((CkdCall *) g_ptr_array_index (found->calls, i))->uuid);
  calls = g_strv_builder_end (uuids);
  g_info ("%s (%s) registered again by %s: it has its %u calls back", found->object_path,
          ckd_provider_display_name (found), found->owner, found->calls->len);
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_PROVIDER_RECLAIMED], 0, found,
                 calls);
  ckd_registry_provider_changed (self->registry, found, CKD_PROVIDER_CHANGED_CONFIGURATION);
  schedule_reclaim_timer (self);
  return found;
}
