/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-audio-session.h"
#include "ckd-call-group.h"
#include "ckd-call-skeleton.h"
#include "ckd-dispatch.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-provider-skeleton.h"
#include "ckd-session.h"

CkdProvider *
ckd_session_register_provider (CkdContext *ctx, CkdCaller *owner, GVariant *configuration,
                               GError **error)
{
  CkdProviderConfig config = { 0 };
  CkdProvider *provider;

  if (owner->n_providers >= CKD_MAX_PROVIDERS_PER_CONNECTION)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "this connection already has %u providers, the limit", owner->n_providers);
      return NULL;
    }
  if (!ckd_provider_config_parse (&config, configuration, ctx->settings.ringing_timeout_ms,
                                  error))
    return NULL;

  provider = ckd_provider_new (++ctx->next_provider_id, owner->name, owner->app_id, &config,
                               ctx->settings.incoming_reports_per_second);
  owner->n_providers++;
  g_hash_table_insert (ctx->providers, provider->object_path, provider);
  ckd_provider_skeleton_export (ctx, provider);
  g_info ("provider %s registered by %s (%s)", provider->object_path, provider->owner,
          ckd_provider_display_name (provider));
  return provider;
}

/* Audio follows every change of a call: the metadata the PipeWire module
 * reads, and the ringing sound. */
static void
audio_call_changed (CkdContext *ctx, CkdCall *call)
{
  if (ctx->audio_policy != NULL)
    ckd_audio_policy_call_changed (ctx->audio_policy, call);
  if (ctx->ringer != NULL)
    ckd_ringer_update (ctx->ringer);
}

gboolean
ckd_session_set_configuration (CkdContext *ctx, CkdProvider *provider, GVariant *configuration,
                               GError **error)
{
  if (!ckd_provider_config_parse (&provider->config, configuration,
                                  ctx->settings.ringing_timeout_ms, error))
    return FALSE;
  ckd_provider_skeleton_sync (provider);
  /* A new ringtone plays from now on. */
  if (ctx->ringer != NULL)
    ckd_ringer_update (ctx->ringer);
  /* Name, icon and desktop entry show in its calls' notifications. */
  if (ctx->notifier != NULL)
    ckd_notifier_calls_changed (ctx->notifier);
  return TRUE;
}

static CkdCall *
lookup_own_call (CkdContext *ctx, CkdProvider *provider, const char *uuid, GError **error)
{
  g_autofree char *canonical = ckd_uuid_normalize (uuid, error);
  CkdCall *call;

  if (canonical == NULL)
    return NULL;
  call = g_hash_table_lookup (ctx->calls, canonical);
  if (call == NULL || call->provider != provider)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_UUID,
                   "%s has no live call with UUID %s", provider->object_path, canonical);
      return NULL;
    }
  return call;
}

static gboolean ringing_timer_fired (gpointer user_data);

static void
schedule_ringing_timer (CkdContext *ctx, gint64 deadline)
{
  gint64 now = g_get_monotonic_time ();

  if (ctx->ringing_timer_id != 0 && ctx->ringing_timer_at <= deadline)
    return;
  g_clear_handle_id (&ctx->ringing_timer_id, g_source_remove);
  ctx->ringing_timer_at = deadline;
  /* Rounded up: firing a little late is fine, early is a wasted wake-up. */
  ctx->ringing_timer_id = g_timeout_add ((guint) ((MAX (deadline - now, 0) + 999) / 1000),
                                         ringing_timer_fired, ctx);
}

/* Ends the calls that rang out, then waits for the next deadline. A call
 * that was answered or ended meanwhile simply is not found. */
static gboolean
ringing_timer_fired (gpointer user_data)
{
  CkdContext *ctx = user_data;
  g_autoptr (GPtrArray) rung_out = g_ptr_array_new_with_free_func (g_free);
  gint64 now = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;
  GHashTableIter iter;
  CkdCall *call;

  ctx->ringing_timer_id = 0;
  g_hash_table_iter_init (&iter, ctx->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      if (call->ringing_deadline == 0)
        continue;
      if (call->ringing_deadline <= now)
        {
          call->ringing_deadline = 0;
          g_ptr_array_add (rung_out, g_strdup (call->uuid));
        }
      else
        next = MIN (next, call->ringing_deadline);
    }
  if (next != G_MAXINT64)
    schedule_ringing_timer (ctx, next);

  /* By UUID: ending one call can end others (a group dissolving does not,
   * but a provider failing can). */
  for (guint i = 0; i < rung_out->len; i++)
    {
      call = g_hash_table_lookup (ctx->calls, g_ptr_array_index (rung_out, i));
      if (call != NULL)
        ckd_dispatch_end_unanswered (ctx, call);
    }
  return G_SOURCE_REMOVE;
}

static void
add_call (CkdContext *ctx, CkdProvider *provider, CkdCall *call)
{
  g_hash_table_insert (ctx->calls, call->uuid, call);
  ckd_provider_add_call (provider, call);
}

void
ckd_session_publish_call (CkdContext *ctx, CkdCall *call)
{
  ckd_call_skeleton_export (ctx, call);
  audio_call_changed (ctx, call);
  if (ctx->notifier != NULL)
    ckd_notifier_call_changed (ctx->notifier, call);
}

static gboolean
check_new_uuid (CkdContext *ctx, CkdProvider *provider, const char *uuid, GError **error)
{
  if (g_hash_table_contains (ctx->calls, uuid) || ckd_recent_set_contains (ctx->ended_uuids, uuid))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_CALL_UUID_ALREADY_EXISTS,
                   "call %s was already reported", uuid);
      return FALSE;
    }
  if (provider->calls->len >= CKD_MAX_CALLS_PER_PROVIDER)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "%s has %d live calls, the limit", provider->object_path,
                   CKD_MAX_CALLS_PER_PROVIDER);
      return FALSE;
    }
  return TRUE;
}

CkdCall *
ckd_session_report_new_incoming_call (CkdContext *ctx, CkdProvider *provider, const char *uuid,
                                      GVariant *update_dict, GError **error)
{
  g_autofree char *canonical = ckd_uuid_normalize (uuid, error);
  CkdCallUpdate update = { 0 };
  CkdCall *call;

  if (canonical == NULL)
    return NULL;
  if (!ckd_call_update_parse (&update, update_dict, error))
    {
      ckd_call_update_clear (&update);
      return NULL;
    }
  if (!check_new_uuid (ctx, provider, canonical, error))
    {
      ckd_call_update_clear (&update);
      return NULL;
    }
  /* Last, so that refused reports do not use up the budget. */
  if (!ckd_rate_limit_take (&provider->incoming_reports, g_get_monotonic_time ()))
    {
      ckd_call_update_clear (&update);
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "%s reports incoming calls faster than %u a second", provider->object_path,
                   provider->incoming_reports.rate);
      return NULL;
    }

  call = ckd_call_new (canonical, provider, FALSE, g_get_real_time ());
  ckd_call_apply_update (call, &update);
  ckd_call_update_clear (&update);
  add_call (ctx, provider, call);

  call->ringing_deadline =
    g_get_monotonic_time () + (gint64) provider->config.ringing_timeout_ms * 1000;
  schedule_ringing_timer (ctx, call->ringing_deadline);
  g_info ("incoming call %s from '%s' on %s", call->uuid, call->remote_handle.value,
          provider->object_path);
  return call;
}

gboolean
ckd_session_report_call_updated (CkdContext *ctx, CkdProvider *provider, const char *uuid,
                                 GVariant *update_dict, GError **error)
{
  CkdCallUpdate update = { 0 };
  CkdCall *call = lookup_own_call (ctx, provider, uuid, error);

  if (call == NULL)
    return FALSE;
  if (!ckd_call_update_parse (&update, update_dict, error))
    {
      ckd_call_update_clear (&update);
      return FALSE;
    }
  ckd_call_apply_update (call, &update);
  ckd_call_update_clear (&update);
  ckd_session_call_changed (ctx, call);
  return TRUE;
}

CkdCall *
ckd_session_check_call_ended (CkdContext *ctx, CkdProvider *provider, const char *uuid,
                              const char *reason_name, gint64 ended_at, CkdEndedReason *reason,
                              GError **error)
{
  if (!ckd_ended_reason_from_string (reason_name, reason)
      || !ckd_ended_reason_is_reportable (*reason))
    {
      g_autofree char *shown = ckd_shorten (reason_name);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a reason a provider reports: expected failed, remote-ended, "
                   "unanswered, answered-elsewhere or declined-elsewhere",
                   shown);
      return NULL;
    }
  if (ended_at < 0)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "ended_at is a time before 1970");
      return NULL;
    }
  return lookup_own_call (ctx, provider, uuid, error);
}

gboolean
ckd_session_report_outgoing_started_connecting (CkdContext *ctx, CkdProvider *provider,
                                                const char *uuid, gint64 at, GError **error)
{
  CkdCall *call;

  if (at < 0)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "at is before 1970");
      return FALSE;
    }
  call = lookup_own_call (ctx, provider, uuid, error);
  if (call == NULL || !ckd_call_report_started_connecting (call, error))
    return FALSE;
  ckd_session_call_changed (ctx, call);
  return TRUE;
}

gboolean
ckd_session_report_outgoing_connected (CkdContext *ctx, CkdProvider *provider, const char *uuid,
                                       gint64 at, GError **error)
{
  CkdCall *call;

  if (at < 0)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "at is before 1970");
      return FALSE;
    }
  call = lookup_own_call (ctx, provider, uuid, error);
  if (call == NULL || !ckd_call_report_connected (call, at, error))
    return FALSE;
  ckd_session_call_changed (ctx, call);
  return TRUE;
}

CkdCall *
ckd_session_add_outgoing_call (CkdContext *ctx, CkdProvider *provider, const CkdAction *start)
{
  CkdCall *call = ckd_call_new (start->call_uuid, provider, TRUE, g_get_real_time ());

  ckd_handle_copy (&call->remote_handle, &start->handle);
  call->has_video = start->video;
  add_call (ctx, provider, call);
  ckd_session_publish_call (ctx, call);
  return call;
}

void
ckd_session_end_call (CkdContext *ctx, CkdCall *call, CkdEndedReason reason, gint64 at)
{
  CkdProvider *provider = call->provider;
  gboolean grouped = call->group != NULL;
  gboolean was_ringing = call->state == CKD_CALL_STATE_RINGING && !call->outgoing;

  g_return_if_fail (call->state != CKD_CALL_STATE_ENDED);

  call->ringing_deadline = 0;
  ckd_call_end (call, reason, at);
  /* Remembered before anything else can run, so a duplicate report of
   * this call is refused from now on. */
  ckd_recent_set_add (ctx->ended_uuids, call->uuid);
  ckd_dispatch_cancel_call_actions (ctx, call, "call-ended");

  ckd_provider_remove_call (provider, call);
  ckd_call_group_forget_ended (provider->calls, call);
  if (grouped)
    ckd_session_provider_calls_changed (ctx, provider);

  g_info ("call %s ended: %s", call->uuid, ckd_ended_reason_to_string (reason));
  ckd_call_skeleton_unexport (ctx, call);
  if (ctx->audio_policy != NULL)
    ckd_audio_policy_call_ended (ctx->audio_policy, call->uuid);
  if (ctx->ringer != NULL)
    ckd_ringer_call_ended (ctx->ringer, call->uuid);
  if (ctx->notifier != NULL)
    ckd_notifier_call_ended (ctx->notifier, call, was_ringing);
  g_hash_table_remove (ctx->calls, call->uuid);
  if (provider->audio_calls != NULL)
    ckd_session_update_audio_sessions (ctx);
}

void
ckd_session_call_changed (CkdContext *ctx, CkdCall *call)
{
  ckd_call_skeleton_sync (call);
  ckd_session_update_audio_sessions (ctx);
  audio_call_changed (ctx, call);
  if (ctx->notifier != NULL)
    ckd_notifier_call_changed (ctx->notifier, call);
}

void
ckd_session_provider_calls_changed (CkdContext *ctx, CkdProvider *provider)
{
  for (guint i = 0; i < provider->calls->len; i++)
    ckd_call_skeleton_sync (g_ptr_array_index (provider->calls, i));
  ckd_session_update_audio_sessions (ctx);
  if (ctx->audio_policy != NULL)
    for (guint i = 0; i < provider->calls->len; i++)
      ckd_audio_policy_call_changed (ctx->audio_policy, g_ptr_array_index (provider->calls, i));
  if (ctx->ringer != NULL)
    ckd_ringer_update (ctx->ringer);
  if (ctx->notifier != NULL)
    ckd_notifier_calls_changed (ctx->notifier);
}

static void
emit_audio_session (CkdContext *ctx, CkdProvider *provider, const char *signal_name,
                    char *const *calls)
{
  GVariantBuilder info;

  g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&info, "{sv}", "calls",
                         g_variant_new_strv ((const char *const *) calls, -1));
  ckd_context_emit_to (ctx, provider->owner, provider->object_path,
                       CKD_INTERFACE_PREFIX "Provider", signal_name,
                       g_variant_new ("(a{sv})", &info));
}

void
ckd_session_update_audio_sessions (CkdContext *ctx)
{
  g_autoptr (GPtrArray) gained = g_ptr_array_new ();
  g_autoptr (GPtrArray) lost = g_ptr_array_new ();
  g_autoptr (GPtrArray) lost_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  GHashTableIter iter;
  CkdProvider *provider;

  g_hash_table_iter_init (&iter, ctx->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    {
      char **now = ckd_audio_session_calls_of (provider);

      if (provider->audio_calls == NULL && now != NULL)
        g_ptr_array_add (gained, provider);
      else if (provider->audio_calls != NULL && now == NULL)
        {
          g_ptr_array_add (lost, provider);
          g_ptr_array_add (lost_calls, g_steal_pointer (&provider->audio_calls));
        }
      g_strfreev (provider->audio_calls);
      provider->audio_calls = now;
      provider->audio_session_active = now != NULL;
    }

  /* The old owner stops its audio before the new one starts it. */
  for (guint i = 0; i < lost->len; i++)
    {
      provider = g_ptr_array_index (lost, i);
      g_info ("%s lost the audio session", provider->object_path);
      emit_audio_session (ctx, provider, "DidDeactivateAudioSession",
                          g_ptr_array_index (lost_calls, i));
      ckd_provider_skeleton_sync (provider);
    }
  for (guint i = 0; i < gained->len; i++)
    {
      provider = g_ptr_array_index (gained, i);
      g_info ("%s gained the audio session", provider->object_path);
      emit_audio_session (ctx, provider, "DidActivateAudioSession", provider->audio_calls);
      ckd_provider_skeleton_sync (provider);
    }
}

static void
end_all_calls (CkdContext *ctx, CkdProvider *provider)
{
  while (provider->calls->len > 0)
    ckd_session_end_call (ctx, g_ptr_array_index (provider->calls, provider->calls->len - 1),
                          CKD_ENDED_REASON_FAILED, 0);
}

void
ckd_session_reset_provider (CkdContext *ctx, CkdProvider *provider, const char *reason)
{
  g_info ("resetting %s: %s", provider->object_path, reason);
  ckd_dispatch_cancel_provider_actions (ctx, provider, "provider-reset");
  end_all_calls (ctx, provider);
  ckd_context_emit_to (ctx, provider->owner, provider->object_path,
                       CKD_INTERFACE_PREFIX "Provider", "DidReset",
                       g_variant_new ("(s)", reason));
}

void
ckd_session_remove_provider (CkdContext *ctx, CkdProvider *provider, const char *why)
{
  CkdCaller *owner = g_hash_table_lookup (ctx->callers, provider->owner);

  g_info ("removing %s: %s", provider->object_path, why);
  ckd_dispatch_cancel_provider_actions (ctx, provider, why);
  end_all_calls (ctx, provider);
  if (owner != NULL && owner->n_providers > 0)
    owner->n_providers--;
  ckd_provider_skeleton_unexport (ctx, provider);
  g_hash_table_remove (ctx->providers, provider->object_path);
}

void
ckd_session_owner_vanished (CkdContext *ctx, const char *name)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  CkdProvider *provider;

  g_hash_table_iter_init (&iter, ctx->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (g_str_equal (provider->owner, name))
      g_ptr_array_add (gone, provider);
  for (guint i = 0; i < gone->len; i++)
    ckd_session_remove_provider (ctx, g_ptr_array_index (gone, i), "provider-gone");
}
