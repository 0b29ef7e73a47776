/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-call-group.h"
#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-session-private.h"

/* Transactions from request to outcome: validation as a whole, dispatch of
 * each action to its provider (play-dtmf one at a time per call),
 * deadlines, and the call changes a fulfilled, failed or timed-out action
 * brings. */

GPtrArray *
ckd_session_parse_actions (GVariant *actions_variant, GError **error)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  gsize n = g_variant_n_children (actions_variant);

  /* Checked before parsing so a huge request costs nothing. */
  if (n > CKD_MAX_ACTIONS_PER_TRANSACTION)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "the transaction has %" G_GSIZE_FORMAT " actions, the limit is %d", n,
                   CKD_MAX_ACTIONS_PER_TRANSACTION);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) dict = g_variant_get_child_value (actions_variant, i);
      CkdAction *action = ckd_action_parse (dict, (guint) i, error);
      if (action == NULL)
        return NULL;
      g_ptr_array_add (actions, action);
    }
  return g_steal_pointer (&actions);
}

/* start-call names its provider, or the requester owns exactly one. */
static gboolean
resolve_start_provider (CkdSession *self, const CkdCaller *requester, CkdAction *action,
                        guint index, GError **error)
{
  CkdRegistry *registry = self->registry;

  if (action->provider_path != NULL)
    {
      guint id = ckd_provider_id_from_path (action->provider_path);

      action->provider = id != 0 ? ckd_registry_lookup_provider (registry, id) : NULL;
      if (action->provider == NULL)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_PROVIDER,
                       "action %u: no provider at %s", index, action->provider_path);
          return FALSE;
        }
      return TRUE;
    }

  if (requester != NULL)
    {
      GHashTableIter iter;
      CkdProvider *provider, *found = NULL;
      guint n = 0;

      g_hash_table_iter_init (&iter, ckd_registry_get_providers (registry));
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
        if (g_str_equal (provider->owner, requester->name))
          {
            found = provider;
            n++;
          }
      if (n == 1)
        {
          action->provider = found;
          return TRUE;
        }
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_PROVIDER,
                   "action %u: start-call needs 'provider': the requester owns %u providers",
                   index, n);
      return FALSE;
    }
  g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_PROVIDER,
               "action %u: start-call needs 'provider'", index);
  return FALSE;
}

static gboolean
requester_may_act (CkdProvider *provider, gpointer user_data, GError **error)
{
  const CkdCaller *requester = user_data;

  return requester == NULL || ckd_caller_may_act (requester, provider, error);
}

static void finish_action (CkdSession *self, CkdAction *action, CkdOutcome outcome,
                           const char *reason, gboolean with_consequences, gint64 date);

typedef struct
{
  CkdSession *self;
  CkdAction *action;
} ActionDeadline;

static gboolean
action_timed_out (gpointer data)
{
  ActionDeadline *deadline = data;
  CkdSession *self = deadline->self;
  CkdAction *action = deadline->action;

  /* The source goes with this return; finish_action must not remove it. */
  action->timeout_id = 0;
  g_info ("action %s (%s on %s) timed out", action->id, ckd_action_type_to_string (action->type),
          action->call_uuid);
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_ACTION_TIMED_OUT], 0, action);
  finish_action (self, action, CKD_OUTCOME_TIMED_OUT, "", TRUE, 0);
  return G_SOURCE_REMOVE;
}

/* Sends @action to its provider and starts its deadline. */
static void
perform (CkdSession *self, CkdAction *action)
{
  ActionDeadline *deadline;
  guint timeout_ms = action->provider->config.action_timeout_ms;

  action->queued = FALSE;
  action->deadline = g_get_real_time () + (gint64) timeout_ms * 1000;
  deadline = g_new0 (ActionDeadline, 1);
  deadline->self = self;
  deadline->action = action;
  action->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, timeout_ms, action_timed_out,
                                           deadline, g_free);
  g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_PERFORM_ACTION], 0, action);
}

/* CXPlayDTMFCallAction's rule: a call's tones reach the provider one
 * action at a time, so that "1" then "2" cannot be played out of order or
 * on top of each other. */
static gboolean
dtmf_in_flight (CkdCall *call, CkdAction *except)
{
  for (guint i = 0; call->pending_actions != NULL && i < call->pending_actions->len; i++)
    {
      CkdAction *other = g_ptr_array_index (call->pending_actions, i);
      if (other != except && other->type == CKD_ACTION_PLAY_DTMF && !other->queued)
        return TRUE;
    }
  return FALSE;
}

static void
dispatch_action (CkdSession *self, CkdTransaction *transaction, CkdAction *action)
{
  CkdProvider *provider = action->provider;
  CkdCall *call;

  action->id = g_strdup_printf ("a%" G_GUINT64_FORMAT, ++self->next_action_id);
  action->outcome = CKD_OUTCOME_PENDING;
  g_hash_table_insert (self->actions, action->id, action);
  provider->n_pending_actions++;
  transaction->n_pending++;

  if (action->type == CKD_ACTION_START_CALL)
    call = ckd_session_add_outgoing_call (self, provider, action);
  else
    call = ckd_registry_lookup_call (self->registry, action->call_uuid);
  /* The user chose: the ringing stops now, not when the app gets round
   * to fulfilling the action. */
  if ((action->type == CKD_ACTION_ANSWER_CALL || action->type == CKD_ACTION_END_CALL)
      && ckd_call_is_ringing_incoming (call) && !call->silenced)
    {
      call->silenced = TRUE;
      ckd_registry_call_changed (self->registry, call, CKD_CALL_CHANGED_SILENCED);
    }
  if (call->pending_actions == NULL)
    call->pending_actions = g_ptr_array_new ();
  g_ptr_array_add (call->pending_actions, action);

  if (action->type == CKD_ACTION_PLAY_DTMF && dtmf_in_flight (call, action))
    {
      action->queued = TRUE;
      if (call->queued_dtmf == NULL)
        call->queued_dtmf = g_queue_new ();
      g_queue_push_tail (call->queued_dtmf, action);
      g_debug ("action %s waits for the tones before it on call %s", action->id, call->uuid);
      return;
    }
  perform (self, action);
}

CkdTransaction *
ckd_session_request_transaction (CkdSession *self, const CkdCaller *requester,
                                 GPtrArray *actions, CkdTransactionDone done, gpointer done_data,
                                 GDestroyNotify done_destroy, GError **error)
{
  g_autoptr (GPtrArray) owned = actions;
  g_autofree char *id = NULL;
  CkdTransactionScope scope = {
    .live_calls = ckd_registry_get_calls (self->registry),
    .ended_uuids = NULL,
    .may_act = requester_may_act,
    .may_act_data = (gpointer) requester,
  };
  CkdTransaction *transaction;
  gboolean valid = TRUE;

  for (guint i = 0; valid && i < actions->len; i++)
    {
      CkdAction *action = g_ptr_array_index (actions, i);

      if (action->type != CKD_ACTION_START_CALL)
        continue;
      valid = resolve_start_provider (self, requester, action, i, error);
      if (valid && ckd_registry_uuid_is_taken (self->registry, action->call_uuid))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_CALL_UUID_ALREADY_EXISTS,
                       "action %u: call %s already exists", i, action->call_uuid);
          valid = FALSE;
        }
    }
  if (valid && g_hash_table_size (self->actions) + actions->len > CKD_MAX_PENDING_ACTIONS)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "the session has %u pending actions, the limit is %d",
                   g_hash_table_size (self->actions), CKD_MAX_PENDING_ACTIONS);
      valid = FALSE;
    }
  for (guint i = 0; valid && i < actions->len; i++)
    {
      CkdAction *action = g_ptr_array_index (actions, i);

      if (action->type == CKD_ACTION_START_CALL && action->provider != NULL)
        valid = ckd_session_check_call_limits (self, action->provider, 1, error);
    }
  if (valid)
    valid = ckd_transaction_plan (actions, &scope, error);
  if (!valid)
    {
      if (done_destroy != NULL)
        done_destroy (done_data);
      return NULL;
    }

  id = g_strdup_printf ("t%" G_GUINT64_FORMAT, ++self->next_transaction_id);
  transaction = ckd_transaction_new (id, requester ? requester->name : NULL,
                                     g_steal_pointer (&owned));
  ckd_transaction_set_done (transaction, done, done_data, done_destroy);
  g_hash_table_insert (self->transactions, transaction->id, transaction);

  for (guint i = 0; i < transaction->actions->len; i++)
    {
      CkdAction *action = g_ptr_array_index (transaction->actions, i);
      if (action->implicit)
        g_info ("transaction %s holds call %s first", transaction->id, action->call_uuid);
      dispatch_action (self, transaction, action);
    }
  return transaction;
}

static void
complete_transaction (CkdSession *self, CkdTransaction *transaction)
{
  if (!self->stopping)
    g_signal_emit (self, ckd_session_signals[CKD_SESSION_SIGNAL_TRANSACTION_COMPLETED], 0,
                   transaction);
  if (transaction->done != NULL)
    transaction->done (transaction, transaction->done_data);
  g_hash_table_remove (self->transactions, transaction->id);
}

/* What a fulfilled action does to its call, now that the provider has
 * carried it out. */
static void
apply_fulfilled (CkdSession *self, CkdAction *action, CkdCall *call, gint64 date)
{
  CkdProvider *provider = call->provider;
  CkdCall *target = NULL;
  CkdChangeSet changes;

  if (action->type == CKD_ACTION_END_CALL)
    {
      ckd_session_end_call (self, call, action->end_reason, date);
      return;
    }
  if (action->type == CKD_ACTION_PLAY_DTMF)
    return;

  ckd_change_set_init (&changes);
  if (action->type == CKD_ACTION_SET_HELD || action->type == CKD_ACTION_SET_GROUP)
    ckd_change_set_add_provider (&changes, provider);
  else
    ckd_change_set_add_call (&changes, call);
  if (action->type == CKD_ACTION_SET_GROUP && *action->group_with != '\0')
    target = ckd_registry_lookup_call (self->registry, action->group_with);
  ckd_action_apply (action, provider->calls, call, target, date);
  ckd_change_set_commit (self, &changes);
}

/* The ringing timeout skips a call whose answer or decline is pending;
 * when that fails, the call still rings past its time and ends now. */
static void
end_if_rang_out (CkdSession *self, CkdCall *call)
{
  if (call->state == CKD_CALL_STATE_RINGING && call->ringing_deadline == 0)
    ckd_session_end_unanswered (self, call);
}

/* What a failed or timed-out action does: calls that could not start or
 * be answered end; an end-call ends the call anyway when it timed out (the
 * user wanted it gone) or when callkitd made it. */
static void
apply_unsuccessful (CkdSession *self, CkdAction *action, CkdCall *call, CkdOutcome outcome)
{
  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      ckd_session_end_call (self, call, CKD_ENDED_REASON_FAILED, 0);
      break;
    case CKD_ACTION_ANSWER_CALL:
      if (outcome == CKD_OUTCOME_TIMED_OUT)
        ckd_session_end_call (self, call, CKD_ENDED_REASON_FAILED, 0);
      else
        end_if_rang_out (self, call);
      break;
    case CKD_ACTION_END_CALL:
      if (outcome == CKD_OUTCOME_TIMED_OUT || action->ends_call_whatever)
        ckd_session_end_call (self, call, action->end_reason, 0);
      else
        end_if_rang_out (self, call);
      break;
    case CKD_ACTION_SET_HELD:
    case CKD_ACTION_SET_MUTED:
    case CKD_ACTION_SET_GROUP:
    case CKD_ACTION_PLAY_DTMF:
    case CKD_ACTION_N_TYPES:
    default:
      break;
    }
}

static void
finish_action (CkdSession *self, CkdAction *action, CkdOutcome outcome, const char *reason,
               gboolean with_consequences, gint64 date)
{
  CkdTransaction *transaction = action->transaction;
  CkdCall *call = ckd_registry_lookup_call (self->registry, action->call_uuid);
  CkdAction *next_dtmf = NULL;

  /* Out of every table first: the consequences below may end the call,
   * which must not find this action still pending. */
  g_hash_table_remove (self->actions, action->id);
  g_clear_handle_id (&action->timeout_id, g_source_remove);
  action->provider->n_pending_actions--;
  if (call != NULL && call->pending_actions != NULL)
    g_ptr_array_remove (call->pending_actions, action);
  if (call != NULL && call->queued_dtmf != NULL)
    {
      if (action->queued)
        g_queue_remove (call->queued_dtmf, action);
      else if (action->type == CKD_ACTION_PLAY_DTMF)
        next_dtmf = g_queue_pop_head (call->queued_dtmf);
    }
  action->queued = FALSE;
  action->outcome = outcome;
  g_free (action->reason);
  action->reason = g_strdup (reason);

  /* The next tones go out before anything else can end the call. */
  if (next_dtmf != NULL)
    perform (self, next_dtmf);
  if (with_consequences && call != NULL)
    {
      if (outcome == CKD_OUTCOME_FULFILLED)
        apply_fulfilled (self, action, call, date);
      else
        apply_unsuccessful (self, action, call, outcome);
    }

  if (--transaction->n_pending == 0)
    complete_transaction (self, transaction);
}

static CkdAction *
lookup_pending (CkdSession *self, CkdProvider *provider, const char *action_id, GError **error)
{
  CkdAction *action = g_hash_table_lookup (self->actions, action_id);

  if (action == NULL || action->provider != provider || action->queued)
    {
      g_autofree char *shown = ckd_shorten (action_id);
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_ACTION,
                   "%s has no pending action '%s': it was already fulfilled or failed, it "
                   "timed out, or it is not this provider's",
                   provider->object_path, shown);
      return NULL;
    }
  return action;
}

typedef struct
{
  gint64 date;
} FulfillResult;

static const CkdDictField fulfill_fields[] = {
  { "date", CKD_FIELD_TIME, G_STRUCT_OFFSET (FulfillResult, date), 0, 0, NULL },
};

gboolean
ckd_session_fulfill_action (CkdSession *self, CkdProvider *provider, const char *action_id,
                            GVariant *result_dict, GError **error)
{
  FulfillResult result = { 0 };
  CkdAction *action = lookup_pending (self, provider, action_id, error);

  if (action == NULL)
    return FALSE;
  if (!ckd_dict_parse (result_dict, fulfill_fields, G_N_ELEMENTS (fulfill_fields), &result,
                       NULL, "result", error))
    return FALSE;
  finish_action (self, action, CKD_OUTCOME_FULFILLED, "", TRUE, result.date);
  return TRUE;
}

gboolean
ckd_session_fail_action (CkdSession *self, CkdProvider *provider, const char *action_id,
                         const char *reason, GError **error)
{
  CkdAction *action = lookup_pending (self, provider, action_id, error);

  if (action == NULL)
    return FALSE;
  if (strlen (reason) > CKD_MAX_STRING_LENGTH)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "reason is longer than %d bytes", CKD_MAX_STRING_LENGTH);
      return FALSE;
    }
  finish_action (self, action, CKD_OUTCOME_FAILED, reason, TRUE, 0);
  return TRUE;
}

void
ckd_session_end_unanswered (CkdSession *self, CkdCall *call)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GError) error = NULL;
  CkdAction *end;

  if (call->state != CKD_CALL_STATE_RINGING)
    return;
  /* Someone is already answering or declining it: that action's own
   * outcome or deadline decides. */
  for (guint i = 0; call->pending_actions != NULL && i < call->pending_actions->len; i++)
    {
      CkdAction *pending = g_ptr_array_index (call->pending_actions, i);
      if (pending->type == CKD_ACTION_ANSWER_CALL || pending->type == CKD_ACTION_END_CALL)
        return;
    }

  end = ckd_action_new (CKD_ACTION_END_CALL, call->uuid);
  end->end_reason = CKD_ENDED_REASON_UNANSWERED;
  end->ends_call_whatever = TRUE;
  g_ptr_array_add (actions, end);
  g_info ("call %s rang for %u ms unanswered", call->uuid,
          call->provider->config.ringing_timeout_ms);
  if (ckd_session_request_transaction (self, NULL, g_steal_pointer (&actions), NULL, NULL, NULL,
                                       &error)
      == NULL)
    {
      /* Only the pending-action limit can refuse it: end it all the same. */
      g_warning ("cannot ask %s to end call %s: %s", call->provider->object_path, call->uuid,
                 error->message);
      ckd_session_end_call (self, call, CKD_ENDED_REASON_UNANSWERED, 0);
    }
}

/* Completing an action can complete its transaction and free it, so the
 * actions to cancel are named by id and looked up one at a time. Queued
 * ones go first, so that cancelling the tones in flight does not send
 * the next. */
static void
cancel_actions (CkdSession *self, GPtrArray *action_ids, const char *reason)
{
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < action_ids->len; i++)
      {
        CkdAction *action = g_hash_table_lookup (self->actions, g_ptr_array_index (action_ids, i));
        if (action != NULL && action->queued == (pass == 0))
          finish_action (self, action, CKD_OUTCOME_FAILED, reason, FALSE, 0);
      }
}

void
ckd_session_cancel_call_actions (CkdSession *self, CkdCall *call, const char *reason)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; call->pending_actions != NULL && i < call->pending_actions->len; i++)
    g_ptr_array_add (ids, g_strdup (((CkdAction *) g_ptr_array_index (call->pending_actions, i))->id));
  cancel_actions (self, ids, reason);
}

void
ckd_session_cancel_provider_actions (CkdSession *self, CkdProvider *provider, const char *reason)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  CkdAction *action;

  if (provider->n_pending_actions == 0)
    return;
  g_hash_table_iter_init (&iter, self->actions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &action))
    if (action->provider == provider)
      g_ptr_array_add (ids, g_strdup (action->id));
  cancel_actions (self, ids, reason);
}

void
ckd_session_clear_actions (CkdSession *self)
{
  GHashTableIter iter;
  CkdCall *call;

  /* The calls outlive the session's tables only in the registry: they must
   * not point to freed actions. */
  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_clear_pointer (&call->pending_actions, g_ptr_array_unref);
      if (call->queued_dtmf != NULL)
        g_queue_clear (call->queued_dtmf);
    }
  g_clear_pointer (&self->transactions, g_hash_table_destroy);
  g_clear_pointer (&self->actions, g_hash_table_destroy);
}
