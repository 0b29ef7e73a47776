/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-audio-session.h"
#include "ckd-call-group.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-session-private.h"

guint ckd_session_signals[CKD_SESSION_N_SIGNALS];

G_DEFINE_FINAL_TYPE (CkdSession, ckd_session, G_TYPE_OBJECT)

static void
ckd_session_dispose (GObject *object)
{
  CkdSession *self = CKD_SESSION (object);

  g_clear_handle_id (&self->ringing_timer_id, g_source_remove);
  if (self->transactions != NULL)
    ckd_session_clear_actions (self);
  g_clear_pointer (&self->incoming_filters, g_array_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->registry);
  G_OBJECT_CLASS (ckd_session_parent_class)->dispose (object);
}

static void
ckd_session_class_init (CkdSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = ckd_session_dispose;
#define POINTER_SIGNAL(id, name)                                                          \
  G_STMT_START                                                                            \
  {                                                                                       \
    ckd_session_signals[id] = g_signal_new (name, type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, \
                                            g_cclosure_marshal_VOID__POINTER,             \
                                            G_TYPE_NONE, 1, G_TYPE_POINTER);              \
    g_signal_set_va_marshaller (ckd_session_signals[id], type,                            \
                                g_cclosure_marshal_VOID__POINTERv);                       \
  }                                                                                       \
  G_STMT_END
  POINTER_SIGNAL (CKD_SESSION_SIGNAL_PERFORM_ACTION, "perform-action");
  POINTER_SIGNAL (CKD_SESSION_SIGNAL_ACTION_TIMED_OUT, "action-timed-out");
  POINTER_SIGNAL (CKD_SESSION_SIGNAL_TRANSACTION_COMPLETED, "transaction-completed");
  POINTER_SIGNAL (CKD_SESSION_SIGNAL_SHOW_CALL_REQUESTED, "show-call-requested");
  POINTER_SIGNAL (CKD_SESSION_SIGNAL_MISSED_CALL, "missed-call");
#undef POINTER_SIGNAL
  ckd_session_signals[CKD_SESSION_SIGNAL_PROVIDER_RESET] =
    g_signal_new ("provider-reset", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                  2, G_TYPE_POINTER, G_TYPE_STRING);
  ckd_session_signals[CKD_SESSION_SIGNAL_DEVELOPER_NOTICE] =
    g_signal_new ("developer-notice", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                  2, G_TYPE_STRING, G_TYPE_STRING);
  ckd_session_signals[CKD_SESSION_SIGNAL_DO_NOT_DISTURB_REQUESTED] =
    g_signal_new ("do-not-disturb-requested", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  ckd_session_signals[CKD_SESSION_SIGNAL_AUDIO_SESSION_CHANGED] =
    g_signal_new ("audio-session-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_BOOLEAN, G_TYPE_STRV);
}

static void
ckd_session_init (CkdSession *self)
{
  self->transactions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify) ckd_transaction_free);
  self->actions = g_hash_table_new (g_str_hash, g_str_equal);
  self->incoming_filters = g_array_new (FALSE, FALSE, sizeof (CkdIncomingFilter));
}

CkdSession *
ckd_session_new (CkdRegistry *registry, CkdSettings *settings)
{
  CkdSession *self = g_object_new (CKD_TYPE_SESSION, NULL);

  self->registry = g_object_ref (registry);
  self->settings = g_object_ref (settings);
  return self;
}

CkdRegistry *
ckd_session_get_registry (CkdSession *self)
{
  return self->registry;
}

CkdSettings *
ckd_session_get_settings (CkdSession *self)
{
  return self->settings;
}

static const CkdOptions *
options (CkdSession *self)
{
  return ckd_settings_get_options (self->settings);
}

/* ---- change sets ---------------------------------------------------- */

void
ckd_change_set_init (CkdChangeSet *changes)
{
  changes->calls = g_ptr_array_new ();
  changes->snapshots = g_array_new (FALSE, FALSE, sizeof (CkdCallSnapshot));
}

void
ckd_change_set_add_call (CkdChangeSet *changes, CkdCall *call)
{
  CkdCallSnapshot snapshot;

  if (g_ptr_array_find (changes->calls, call, NULL))
    return;
  ckd_call_snapshot_take (&snapshot, call);
  g_ptr_array_add (changes->calls, call);
  g_array_append_val (changes->snapshots, snapshot);
}

void
ckd_change_set_add_provider (CkdChangeSet *changes, CkdProvider *provider)
{
  for (guint i = 0; i < provider->calls->len; i++)
    ckd_change_set_add_call (changes, g_ptr_array_index (provider->calls, i));
}

void
ckd_change_set_commit (CkdSession *self, CkdChangeSet *changes)
{
  g_autoptr (GPtrArray) providers = g_ptr_array_new ();

  for (guint i = 0; i < changes->calls->len; i++)
    {
      CkdCall *call = g_ptr_array_index (changes->calls, i);
      CkdCallSnapshot *snapshot = &g_array_index (changes->snapshots, CkdCallSnapshot, i);
      CkdCallChanges what;

      /* A call that ended since the snapshot is gone (its end announced
       * it): found by UUID, as a new call could have the freed one's
       * address. */
      if (ckd_registry_lookup_call (self->registry, snapshot->before.uuid) != call)
        {
          ckd_call_snapshot_clear (snapshot);
          continue;
        }
      what = ckd_call_snapshot_finish (snapshot, call);
      ckd_registry_call_changed (self->registry, call, what);
      if (!g_ptr_array_find (providers, call->provider, NULL))
        g_ptr_array_add (providers, call->provider);
    }
  g_ptr_array_unref (changes->calls);
  g_array_unref (changes->snapshots);
  if (providers->len > 0)
    ckd_session_update_audio_sessions (self, providers);
}

/* ---- providers ------------------------------------------------------ */

static guint
count_providers_of (CkdSession *self, const char *owner)
{
  GHashTableIter iter;
  CkdProvider *provider;
  guint n = 0;

  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (g_str_equal (provider->owner, owner))
      n++;
  return n;
}

CkdProvider *
ckd_session_register_provider (CkdSession *self, CkdCaller *owner, GVariant *configuration,
                               GError **error)
{
  CkdProviderConfig config = { 0 };
  CkdProvider *provider;
  guint n = count_providers_of (self, owner->name);

  if (n >= CKD_MAX_PROVIDERS_PER_CONNECTION)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "this connection already has %u providers, the limit", n);
      return NULL;
    }
  if (!ckd_provider_config_parse (&config, configuration, options (self)->ringing_timeout_ms,
                                  error))
    return NULL;

  provider = ckd_provider_new (ckd_registry_next_provider_id (self->registry), owner->name,
                               owner->app_id, &config,
                               options (self)->incoming_reports_per_second);
  provider->owner_pid = owner->pid;
  provider->sandboxed = owner->sandboxed;
  ckd_registry_add_provider (self->registry, provider);
  g_info ("provider %s registered by %s (%s)", provider->object_path, provider->owner,
          ckd_provider_display_name (provider));
  return provider;
}

gboolean
ckd_session_set_configuration (CkdSession *self, CkdProvider *provider, GVariant *configuration,
                               GError **error)
{
  if (!ckd_provider_config_parse (&provider->config, configuration,
                                  options (self)->ringing_timeout_ms, error))
    return FALSE;
  ckd_registry_provider_changed (self->registry, provider, CKD_PROVIDER_CHANGED_CONFIGURATION);
  return TRUE;
}

static void
end_all_calls (CkdSession *self, CkdProvider *provider)
{
  while (provider->calls->len > 0)
    ckd_session_end_call (self, g_ptr_array_index (provider->calls, provider->calls->len - 1),
                          CKD_ENDED_REASON_FAILED, 0);
}

void
ckd_session_reset_provider (CkdSession *self, CkdProvider *provider, const char *reason)
{
  g_info ("resetting %s: %s", provider->object_path, reason);
  ckd_session_cancel_provider_actions (self, provider, "provider-reset");
  end_all_calls (self, provider);
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_PROVIDER_RESET], 0, provider,
                 reason);
}

void
ckd_session_remove_provider (CkdSession *self, CkdProvider *provider, const char *why)
{
  g_info ("removing %s: %s", provider->object_path, why);
  ckd_session_cancel_provider_actions (self, provider, why);
  end_all_calls (self, provider);
  ckd_registry_remove_provider (self->registry, provider);
}

void
ckd_session_owner_vanished (CkdSession *self, const char *owner)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  CkdProvider *provider;

  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (g_str_equal (provider->owner, owner))
      g_ptr_array_add (gone, provider);
  for (guint i = 0; i < gone->len; i++)
    ckd_session_remove_provider (self, g_ptr_array_index (gone, i), "provider-gone");
}

void
ckd_session_stop (CkdSession *self)
{
  GHashTableIter iter;
  CkdProvider *provider;

  self->stopping = TRUE;
  g_clear_handle_id (&self->ringing_timer_id, g_source_remove);
  /* Pending actions fail, so that Call methods waiting on them get an
   * answer; providers learn they must register again when callkitd is
   * back. */
  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    {
      ckd_session_cancel_provider_actions (self, provider, "daemon-stopping");
      g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_PROVIDER_RESET], 0, provider,
                     "daemon-stopping");
    }
}

/* ---- reports -------------------------------------------------------- */

static CkdCall *
lookup_own_call (CkdSession *self, CkdProvider *provider, const char *uuid, GError **error)
{
  g_autofree char *canonical = ckd_uuid_normalize (uuid, error);
  CkdCall *call;

  if (canonical == NULL)
    return NULL;
  call = ckd_registry_lookup_call (self->registry, canonical);
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
schedule_ringing_timer (CkdSession *self, gint64 deadline)
{
  gint64 now = g_get_monotonic_time ();

  if (self->ringing_timer_id != 0 && self->ringing_timer_at <= deadline)
    return;
  g_clear_handle_id (&self->ringing_timer_id, g_source_remove);
  self->ringing_timer_at = deadline;
  /* Rounded up: firing a little late is fine, early is a wasted wake-up. */
  self->ringing_timer_id = g_timeout_add ((guint) ((MAX (deadline - now, 0) + 999) / 1000),
                                          ringing_timer_fired, self);
}

/* Ends the calls that rang out, then waits for the next deadline. A call
 * that was answered or ended meanwhile simply is not found. */
static gboolean
ringing_timer_fired (gpointer user_data)
{
  CkdSession *self = user_data;
  g_autoptr (GPtrArray) rung_out = g_ptr_array_new_with_free_func (g_free);
  gint64 now = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;
  GHashTableIter iter;
  CkdCall *call;

  self->ringing_timer_id = 0;
  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
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
    schedule_ringing_timer (self, next);

  /* By UUID: ending one call can end others (a provider failing). */
  for (guint i = 0; i < rung_out->len; i++)
    {
      call = ckd_registry_lookup_call (self->registry, g_ptr_array_index (rung_out, i));
      if (call != NULL)
        ckd_session_end_unanswered (self, call);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
check_new_uuid (CkdSession *self, CkdProvider *provider, const char *uuid, GError **error)
{
  if (ckd_registry_uuid_is_taken (self->registry, uuid))
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

/* ---- incoming-call filters ------------------------------------------ */

void
ckd_session_add_incoming_call_filter (CkdSession *self, CkdIncomingCallFilterFunc func,
                                      gpointer user_data)
{
  CkdIncomingFilter filter = { func, user_data };

  g_array_append_val (self->incoming_filters, filter);
}

void
ckd_session_remove_incoming_call_filter (CkdSession *self, CkdIncomingCallFilterFunc func,
                                         gpointer user_data)
{
  /* After dispose: the front ends go after the session. */
  if (self->incoming_filters == NULL)
    return;
  for (guint i = 0; i < self->incoming_filters->len; i++)
    {
      CkdIncomingFilter *filter = &g_array_index (self->incoming_filters, CkdIncomingFilter, i);

      if (filter->func == func && filter->user_data == user_data)
        {
          g_array_remove_index (self->incoming_filters, i);
          return;
        }
    }
}

static CkdCallFilter
ask_incoming_filters (CkdSession *self, const CkdCall *call)
{
  for (guint i = 0; i < self->incoming_filters->len; i++)
    {
      CkdIncomingFilter *filter = &g_array_index (self->incoming_filters, CkdIncomingFilter, i);
      CkdCallFilter kind = filter->func (call, filter->user_data);

      if (kind != CKD_CALL_FILTER_NONE)
        return kind;
    }
  return CKD_CALL_FILTER_NONE;
}

/* @call, new and never live, is kept from the user by @filter: it ends as
 * unanswered at once and goes to the front ends (the history) as ended. */
static void
end_filtered_call (CkdSession *self, CkdCall *call, CkdCallFilter filter)
{
  call->filter = filter;
  ckd_call_end (call, CKD_ENDED_REASON_UNANSWERED, 0);
  /* Reported again, it is refused like any call that ended. */
  ckd_registry_remember_uuid (self->registry, call->uuid);
  g_info ("incoming call %s from '%s' on %s filtered: %s", call->uuid, call->remote_handle.value,
          call->provider->object_path, ckd_call_filter_to_string (filter));
  ckd_registry_call_ended (self->registry, call);
}

/* Only the block list and do not disturb filter reports; the other
 * kinds are calls that never were reported. */
static void
set_filtered_error (GError **error, CkdCallFilter filter)
{
  g_warn_if_fail (filter == CKD_CALL_FILTER_BLOCK_LIST || filter == CKD_CALL_FILTER_DO_NOT_DISTURB);
  if (filter == CKD_CALL_FILTER_DO_NOT_DISTURB)
    g_set_error_literal (error, CKD_ERROR, CKD_ERROR_FILTERED_BY_DO_NOT_DISTURB,
                         "do not disturb is on");
  else
    g_set_error_literal (error, CKD_ERROR, CKD_ERROR_FILTERED_BY_BLOCK_LIST,
                         "the caller is on a block list");
}

CkdCall *
ckd_session_report_new_incoming_call (CkdSession *self, CkdProvider *provider, const char *uuid,
                                      GVariant *update_dict, GError **error)
{
  g_autofree char *canonical = ckd_uuid_normalize (uuid, error);
  g_auto (CkdCallUpdate) update = { 0 };
  CkdCallFilter filter;
  CkdCall *call;

  if (canonical == NULL || !ckd_call_update_parse (&update, update_dict, error)
      || !check_new_uuid (self, provider, canonical, error))
    return NULL;
  /* Last, so that refused reports do not use up the budget. */
  if (!ckd_rate_limit_take (&provider->incoming_reports, g_get_monotonic_time ()))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "%s reports incoming calls faster than %u a second", provider->object_path,
                   provider->incoming_reports.rate);
      return NULL;
    }

  call = ckd_call_new (canonical, provider, FALSE, g_get_real_time ());
  ckd_call_apply_update (call, &update);
  filter = ask_incoming_filters (self, call);
  if (filter != CKD_CALL_FILTER_NONE)
    {
      g_autoptr (CkdCall) filtered = call;

      end_filtered_call (self, filtered, filter);
      set_filtered_error (error, filter);
      return NULL;
    }
  call->ringing_deadline =
    g_get_monotonic_time () + (gint64) provider->config.ringing_timeout_ms * 1000;
  schedule_ringing_timer (self, call->ringing_deadline);
  g_info ("incoming call %s from '%s' on %s", call->uuid, call->remote_handle.value,
          provider->object_path);
  ckd_registry_add_call (self->registry, call);
  return call;
}

gboolean
ckd_session_report_call_updated (CkdSession *self, CkdProvider *provider, const char *uuid,
                                 GVariant *update_dict, GError **error)
{
  g_auto (CkdCallUpdate) update = { 0 };
  CkdCall *call = lookup_own_call (self, provider, uuid, error);
  CkdChangeSet changes;

  if (call == NULL || !ckd_call_update_parse (&update, update_dict, error))
    return FALSE;
  ckd_change_set_init (&changes);
  ckd_change_set_add_call (&changes, call);
  ckd_call_apply_update (call, &update);
  ckd_change_set_commit (self, &changes);
  return TRUE;
}

gboolean
ckd_session_report_call_ended (CkdSession *self, CkdProvider *provider, const char *uuid,
                               const char *reason_name, gint64 ended_at, GError **error)
{
  CkdEndedReason reason;
  CkdCall *call;

  if (!ckd_ended_reason_from_string (reason_name, &reason)
      || !ckd_ended_reason_is_reportable (reason))
    {
      g_autofree char *shown = ckd_shorten (reason_name);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a reason a provider reports: expected failed, remote-ended, "
                   "unanswered, answered-elsewhere or declined-elsewhere",
                   shown);
      return FALSE;
    }
  if (ended_at < 0)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "ended_at is a time before 1970");
      return FALSE;
    }
  call = lookup_own_call (self, provider, uuid, error);
  if (call == NULL)
    return FALSE;
  ckd_session_end_call (self, call, reason, ended_at);
  return TRUE;
}

typedef gboolean (*OutgoingReport) (CkdCall *call, gint64 at, GError **error);

static gboolean
report_started_connecting (CkdCall *call, gint64 at, GError **error)
{
  return ckd_call_report_started_connecting (call, error);
}

static gboolean
report_outgoing (CkdSession *self, CkdProvider *provider, const char *uuid, gint64 at,
                 OutgoingReport report, GError **error)
{
  CkdChangeSet changes;
  CkdCall *call;

  if (at < 0)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "at is before 1970");
      return FALSE;
    }
  call = lookup_own_call (self, provider, uuid, error);
  if (call == NULL)
    return FALSE;
  ckd_change_set_init (&changes);
  ckd_change_set_add_call (&changes, call);
  if (!report (call, at, error))
    {
      /* Nothing changed: announce nothing. */
      ckd_change_set_commit (self, &changes);
      return FALSE;
    }
  ckd_change_set_commit (self, &changes);
  return TRUE;
}

gboolean
ckd_session_report_outgoing_started_connecting (CkdSession *self, CkdProvider *provider,
                                                const char *uuid, gint64 at, GError **error)
{
  return report_outgoing (self, provider, uuid, at, report_started_connecting, error);
}

gboolean
ckd_session_report_outgoing_connected (CkdSession *self, CkdProvider *provider,
                                       const char *uuid, gint64 at, GError **error)
{
  return report_outgoing (self, provider, uuid, at, ckd_call_report_connected, error);
}

gboolean
ckd_session_record_filtered_call (CkdSession *self, CkdProvider *provider, const char *uuid,
                                  GVariant *update_dict, CkdCallFilter filter, GError **error)
{
  g_autofree char *canonical = ckd_uuid_normalize (uuid, error);
  g_auto (CkdCallUpdate) update = { 0 };
  g_autoptr (CkdCall) call = NULL;

  g_return_val_if_fail (filter != CKD_CALL_FILTER_NONE, FALSE);

  if (canonical == NULL || !ckd_call_update_parse (&update, update_dict, error)
      || !check_new_uuid (self, provider, canonical, error))
    return FALSE;
  call = ckd_call_new (canonical, provider, FALSE, g_get_real_time ());
  ckd_call_apply_update (call, &update);
  end_filtered_call (self, call, filter);
  return TRUE;
}

CkdCall *
ckd_session_add_outgoing_call (CkdSession *self, CkdProvider *provider, const CkdAction *start)
{
  CkdCall *call = ckd_call_new (start->call_uuid, provider, TRUE, g_get_real_time ());

  ckd_handle_copy (&call->remote_handle, &start->handle);
  call->has_video = start->video;
  ckd_registry_add_call (self->registry, call);
  return call;
}

/* ---- the end of a call ---------------------------------------------- */

void
ckd_session_end_call (CkdSession *self, CkdCall *call, CkdEndedReason reason, gint64 at)
{
  CkdProvider *provider = call->provider;
  gboolean grouped = call->group != NULL;
  gboolean had_audio = provider->audio_calls != NULL;
  CkdChangeSet changes;
  CkdCallSnapshot snapshot;

  g_return_if_fail (call->state != CKD_CALL_STATE_ENDED);

  ckd_call_snapshot_take (&snapshot, call);
  ckd_change_set_init (&changes);
  if (grouped)
    ckd_change_set_add_provider (&changes, provider);
  call->ringing_deadline = 0;
  ckd_call_end (call, reason, at);
  /* Remembered before anything else can run, so a duplicate report of
   * this call is refused from now on. */
  ckd_registry_remember_uuid (self->registry, call->uuid);
  ckd_session_cancel_call_actions (self, call, "call-ended");
  ckd_call_group_forget_ended (provider->calls, call);

  g_info ("call %s ended: %s", call->uuid, ckd_ended_reason_to_string (reason));
  /* Kept (the history) before anything announces the end; then the final
   * state, while the call can still be found; then the group's other
   * calls; then the call leaves. */
  ckd_registry_call_ended (self->registry, call);
  ckd_registry_call_changed (self->registry, call, ckd_call_snapshot_finish (&snapshot, call));
  ckd_registry_remove_call (self->registry, call);
  ckd_change_set_commit (self, &changes);
  if (had_audio && !grouped)
    {
      g_autoptr (GPtrArray) providers = g_ptr_array_new ();

      g_ptr_array_add (providers, provider);
      ckd_session_update_audio_sessions (self, providers);
    }
}

/* ---- audio sessions ------------------------------------------------- */

static void
emit_audio_session (CkdSession *self, CkdProvider *provider, gboolean active, char **calls)
{
  g_info ("%s %s the audio session", provider->object_path, active ? "gained" : "lost");
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_AUDIO_SESSION_CHANGED], 0,
                 provider, active, calls);
  ckd_registry_provider_changed (self->registry, provider,
                                 CKD_PROVIDER_CHANGED_AUDIO_SESSION_ACTIVE);
}

void
ckd_session_update_audio_sessions (CkdSession *self, GPtrArray *only)
{
  g_autoptr (GPtrArray) providers = NULL;
  g_autoptr (GPtrArray) gained = g_ptr_array_new ();
  g_autoptr (GPtrArray) lost = g_ptr_array_new ();
  g_autoptr (GPtrArray) lost_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  if (only != NULL)
    providers = g_ptr_array_ref (only);
  else
    {
      GHashTableIter iter;
      gpointer provider;

      providers = g_ptr_array_new ();
      g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
      while (g_hash_table_iter_next (&iter, NULL, &provider))
        g_ptr_array_add (providers, provider);
    }

  for (guint i = 0; i < providers->len; i++)
    {
      CkdProvider *provider = g_ptr_array_index (providers, i);
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
    emit_audio_session (self, g_ptr_array_index (lost, i), FALSE,
                        g_ptr_array_index (lost_calls, i));
  for (guint i = 0; i < gained->len; i++)
    {
      CkdProvider *provider = g_ptr_array_index (gained, i);
      emit_audio_session (self, provider, TRUE, provider->audio_calls);
    }
}

/* ---- the user ------------------------------------------------------- */

guint
ckd_session_silence_ringing (CkdSession *self, const CkdCaller *caller, const char *uuid)
{
  g_autoptr (GPtrArray) silenced = g_ptr_array_new ();
  GHashTableIter iter;
  CkdCall *call;

  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (ckd_call_is_ringing_incoming (call) && !call->silenced
        && (uuid == NULL || g_str_equal (uuid, call->uuid))
        && (caller == NULL || ckd_caller_may_act (caller, call->provider, NULL)))
      g_ptr_array_add (silenced, call);
  for (guint i = 0; i < silenced->len; i++)
    {
      call = g_ptr_array_index (silenced, i);
      call->silenced = TRUE;
      ckd_registry_call_changed (self->registry, call, CKD_CALL_CHANGED_SILENCED);
    }
  return silenced->len;
}

void
ckd_session_request_show_call (CkdSession *self, CkdCall *call)
{
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_SHOW_CALL_REQUESTED], 0, call);
}

void
ckd_session_report_missed_call (CkdSession *self, const CkdMissedCall *missed)
{
  if (missed->uuid != NULL)
    ckd_registry_remember_uuid (self->registry, missed->uuid);
  g_info ("missed call %s from '%s' (%s), never rung", missed->uuid ? missed->uuid : "-",
          missed->handle.value ? missed->handle.value : "",
          ckd_call_filter_to_string (missed->filtered));
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_MISSED_CALL], 0, missed);
}

gboolean
ckd_session_set_do_not_disturb (CkdSession *self, const CkdCaller *caller, gboolean on,
                                GError **error)
{
  guint id = ckd_session_signals[CKD_SESSION_SIGNAL_DO_NOT_DISTURB_REQUESTED];

  /* The switch is the user's: an app in a sandbox may see it, not turn
   * it. */
  if (caller != NULL && caller->sandboxed)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                           "a sandboxed app may not turn do not disturb on or off");
      return FALSE;
    }
  if (!g_signal_has_handler_pending (self, id, 0, FALSE))
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION,
                           "do not disturb is not available in this callkitd");
      return FALSE;
    }
  g_info ("%s turned do not disturb %s", caller != NULL ? caller->name : "callkitd",
          on ? "on" : "off");
  g_signal_emit (self, id, 0, on);
  return TRUE;
}

void
ckd_session_refuse_call (CkdSession *self, const char *uuid)
{
  ckd_registry_remember_uuid (self->registry, uuid);
}

void
ckd_session_report_developer_notice (CkdSession *self, const char *app_id, const char *text)
{
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_DEVELOPER_NOTICE], 0, app_id,
                 text);
}
