/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-call-group.h"
#include "ckd-dict.h"
#include "ckd-dispatch.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-session.h"

#define PROVIDER_INTERFACE CKD_INTERFACE_PREFIX "Provider"
#define CONTROLLER_INTERFACE CKD_INTERFACE_PREFIX "CallController"

GPtrArray *
ckd_dispatch_parse_actions (GVariant *actions_variant, GError **error)
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
resolve_start_provider (CkdContext *ctx, CkdCaller *requester, CkdAction *action, guint index,
                        GError **error)
{
  if (action->provider_path != NULL)
    {
      action->provider = ckd_context_lookup_provider (ctx, action->provider_path);
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

      g_hash_table_iter_init (&iter, ctx->providers);
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
  CkdCaller *requester = user_data;

  return requester == NULL || ckd_caller_may_act (requester, provider, error);
}

static void finish_action (CkdContext *ctx, CkdAction *action, CkdOutcome outcome,
                           const char *reason, gboolean with_consequences, gint64 date);

typedef struct
{
  CkdContext *ctx;
  CkdAction *action;
} ActionDeadline;

static gboolean
action_timed_out (gpointer data)
{
  ActionDeadline *deadline = data;
  CkdContext *ctx = deadline->ctx;
  CkdAction *action = deadline->action;
  CkdProvider *provider = action->provider;

  /* The source goes with this return; finish_action must not remove it. */
  action->timeout_id = 0;
  g_info ("action %s (%s on %s) timed out", action->id, ckd_action_type_to_string (action->type),
          action->call_uuid);
  ckd_context_emit_to (ctx, provider->owner, provider->object_path, PROVIDER_INTERFACE,
                       "ActionTimedOut", g_variant_new ("(s)", action->id));
  finish_action (ctx, action, CKD_OUTCOME_TIMED_OUT, "", TRUE, 0);
  return G_SOURCE_REMOVE;
}

static void
dispatch_action (CkdContext *ctx, CkdTransaction *transaction, CkdAction *action)
{
  CkdProvider *provider = action->provider;
  CkdCall *call;
  ActionDeadline *deadline;
  guint timeout_ms = provider->config.action_timeout_ms;

  action->id = g_strdup_printf ("a%" G_GUINT64_FORMAT, ++ctx->next_action_id);
  action->deadline = g_get_real_time () + (gint64) timeout_ms * 1000;
  action->outcome = CKD_OUTCOME_PENDING;
  g_hash_table_insert (ctx->actions, action->id, action);
  provider->n_pending_actions++;
  transaction->n_pending++;

  if (action->type == CKD_ACTION_START_CALL)
    call = ckd_session_add_outgoing_call (ctx, provider, action);
  else
    call = ckd_context_lookup_call (ctx, action->call_uuid);
  /* The user chose: the ringing stops now, not when the app gets round
   * to fulfilling the action. */
  if ((action->type == CKD_ACTION_ANSWER_CALL || action->type == CKD_ACTION_END_CALL)
      && ctx->ringer != NULL)
    ckd_ringer_silence (ctx->ringer, call->uuid);
  if (call->pending_actions == NULL)
    call->pending_actions = g_ptr_array_new ();
  g_ptr_array_add (call->pending_actions, action);

  deadline = g_new0 (ActionDeadline, 1);
  deadline->ctx = ctx;
  deadline->action = action;
  action->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, timeout_ms, action_timed_out,
                                           deadline, g_free);
  ckd_context_emit_to (ctx, provider->owner, provider->object_path, PROVIDER_INTERFACE,
                       "PerformAction",
                       g_variant_new ("(sss@a{sv})", action->id,
                                      ckd_action_type_to_string (action->type), action->call_uuid,
                                      ckd_action_build_parameters (action, transaction->id)));
}

CkdTransaction *
ckd_dispatch_request (CkdContext *ctx, CkdCaller *requester, GPtrArray *actions,
                      CkdTransactionDone done, gpointer done_data, GDestroyNotify done_destroy,
                      GError **error)
{
  g_autoptr (GPtrArray) owned = actions;
  g_autofree char *id = NULL;
  CkdTransactionScope scope = {
    .live_calls = ctx->calls,
    .ended_uuids = ctx->ended_uuids,
    .may_act = requester_may_act,
    .may_act_data = requester,
  };
  CkdTransaction *transaction;

  gboolean valid = TRUE;

  for (guint i = 0; valid && i < actions->len; i++)
    {
      CkdAction *action = g_ptr_array_index (actions, i);
      if (action->type == CKD_ACTION_START_CALL)
        valid = resolve_start_provider (ctx, requester, action, i, error);
    }
  if (valid)
    valid = ckd_transaction_validate (actions, &scope, error);
  if (!valid)
    {
      if (done_destroy != NULL)
        done_destroy (done_data);
      return NULL;
    }

  id = g_strdup_printf ("t%" G_GUINT64_FORMAT, ++ctx->next_transaction_id);
  transaction = ckd_transaction_new (id, requester ? requester->name : NULL,
                                     g_steal_pointer (&owned));
  ckd_transaction_set_done (transaction, done, done_data, done_destroy);
  g_hash_table_insert (ctx->transactions, transaction->id, transaction);

  for (guint i = 0; i < transaction->actions->len; i++)
    dispatch_action (ctx, transaction, g_ptr_array_index (transaction->actions, i));
  return transaction;
}

static void
complete_transaction (CkdContext *ctx, CkdTransaction *transaction)
{
  GVariantBuilder outcomes;

  if (transaction->requester != NULL && !ctx->stopping)
    {
      g_variant_builder_init (&outcomes, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < transaction->actions->len; i++)
        g_variant_builder_add_value (&outcomes,
                                     ckd_action_build_outcome (
                                       g_ptr_array_index (transaction->actions, i)));
      ckd_context_emit_to (ctx, transaction->requester, CKD_OBJECT_ROOT, CONTROLLER_INTERFACE,
                           "TransactionCompleted",
                           g_variant_new ("(s@aa{sv})", transaction->id,
                                          g_variant_builder_end (&outcomes)));
    }
  if (transaction->done != NULL)
    transaction->done (transaction, transaction->done_data);
  g_hash_table_remove (ctx->transactions, transaction->id);
}

/* What a fulfilled action does to its call, now that the provider has
 * carried it out. */
static void
apply_fulfilled (CkdContext *ctx, CkdAction *action, CkdCall *call, gint64 date)
{
  CkdProvider *provider = call->provider;

  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      call->started = TRUE;
      ckd_session_call_changed (ctx, call);
      break;
    case CKD_ACTION_PLAY_DTMF:
      break;
    case CKD_ACTION_ANSWER_CALL:
      if (call->state == CKD_CALL_STATE_RINGING)
        {
          call->ringing_deadline = 0;
          ckd_call_answer (call, date);
          ckd_session_call_changed (ctx, call);
        }
      break;
    case CKD_ACTION_END_CALL:
      ckd_session_end_call (ctx, call, action->end_reason, date);
      break;
    case CKD_ACTION_SET_HELD:
      ckd_call_group_set_held (provider->calls, call, action->on_hold);
      ckd_session_provider_calls_changed (ctx, provider);
      break;
    case CKD_ACTION_SET_MUTED:
      call->muted = action->muted;
      ckd_session_call_changed (ctx, call);
      break;
    case CKD_ACTION_SET_GROUP:
      if (*action->group_with == '\0')
        ckd_call_group_leave (provider->calls, call);
      else
        {
          CkdCall *target = ckd_context_lookup_call (ctx, action->group_with);
          /* The target may have ended since the request: then there is
           * nothing left to merge with. */
          if (target != NULL && target->provider == provider)
            ckd_call_group_join (provider->calls, call, target);
        }
      ckd_session_provider_calls_changed (ctx, provider);
      break;
    case CKD_ACTION_N_TYPES:
    default:
      g_assert_not_reached ();
    }
}

/* The ringing timeout skips a call whose answer or decline is pending;
 * when that fails, the call still rings past its time and ends now. */
static void
end_if_rang_out (CkdContext *ctx, CkdCall *call)
{
  if (call->state == CKD_CALL_STATE_RINGING && call->ringing_deadline == 0)
    ckd_dispatch_end_unanswered (ctx, call);
}

/* What a failed or timed-out action does: calls that could not start or
 * be answered end; an end-call ends the call anyway when it timed out (the
 * user wanted it gone) or when callkitd made it. */
static void
apply_unsuccessful (CkdContext *ctx, CkdAction *action, CkdCall *call, CkdOutcome outcome)
{
  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      ckd_session_end_call (ctx, call, CKD_ENDED_REASON_FAILED, 0);
      break;
    case CKD_ACTION_ANSWER_CALL:
      if (outcome == CKD_OUTCOME_TIMED_OUT)
        ckd_session_end_call (ctx, call, CKD_ENDED_REASON_FAILED, 0);
      else
        end_if_rang_out (ctx, call);
      break;
    case CKD_ACTION_END_CALL:
      if (outcome == CKD_OUTCOME_TIMED_OUT || action->ends_call_whatever)
        ckd_session_end_call (ctx, call, action->end_reason, 0);
      else
        end_if_rang_out (ctx, call);
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
finish_action (CkdContext *ctx, CkdAction *action, CkdOutcome outcome, const char *reason,
               gboolean with_consequences, gint64 date)
{
  CkdTransaction *transaction = action->transaction;
  CkdCall *call = ckd_context_lookup_call (ctx, action->call_uuid);

  /* Out of every table first: the consequences below may end the call,
   * which must not find this action still pending. */
  g_hash_table_remove (ctx->actions, action->id);
  g_clear_handle_id (&action->timeout_id, g_source_remove);
  action->provider->n_pending_actions--;
  if (call != NULL && call->pending_actions != NULL)
    g_ptr_array_remove (call->pending_actions, action);
  action->outcome = outcome;
  g_free (action->reason);
  action->reason = g_strdup (reason);

  if (with_consequences && call != NULL)
    {
      if (outcome == CKD_OUTCOME_FULFILLED)
        apply_fulfilled (ctx, action, call, date);
      else
        apply_unsuccessful (ctx, action, call, outcome);
    }

  if (--transaction->n_pending == 0)
    complete_transaction (ctx, transaction);
}

static CkdAction *
lookup_pending (CkdContext *ctx, CkdProvider *provider, const char *action_id, GError **error)
{
  CkdAction *action = g_hash_table_lookup (ctx->actions, action_id);

  if (action == NULL || action->provider != provider)
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
ckd_dispatch_fulfill (CkdContext *ctx, CkdProvider *provider, const char *action_id,
                      GVariant *result_dict, GError **error)
{
  FulfillResult result = { 0 };
  CkdAction *action = lookup_pending (ctx, provider, action_id, error);

  if (action == NULL)
    return FALSE;
  if (!ckd_dict_parse (result_dict, fulfill_fields, G_N_ELEMENTS (fulfill_fields), &result,
                       NULL, "result", error))
    return FALSE;
  finish_action (ctx, action, CKD_OUTCOME_FULFILLED, "", TRUE, result.date);
  return TRUE;
}

gboolean
ckd_dispatch_fail (CkdContext *ctx, CkdProvider *provider, const char *action_id,
                   const char *reason, GError **error)
{
  CkdAction *action = lookup_pending (ctx, provider, action_id, error);

  if (action == NULL)
    return FALSE;
  if (strlen (reason) > CKD_MAX_STRING_LENGTH)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "reason is longer than %d bytes", CKD_MAX_STRING_LENGTH);
      return FALSE;
    }
  finish_action (ctx, action, CKD_OUTCOME_FAILED, reason, TRUE, 0);
  return TRUE;
}

void
ckd_dispatch_end_unanswered (CkdContext *ctx, CkdCall *call)
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
  if (ckd_dispatch_request (ctx, NULL, g_steal_pointer (&actions), NULL, NULL, NULL, &error)
      == NULL)
    {
      /* Only the pending-action limit can refuse it: end it all the same. */
      g_warning ("cannot ask %s to end call %s: %s", call->provider->object_path, call->uuid,
                 error->message);
      ckd_session_end_call (ctx, call, CKD_ENDED_REASON_UNANSWERED, 0);
    }
}

/* Completing an action can complete its transaction and free it, so the
 * actions to cancel are named by id and looked up one at a time. */
static void
cancel_actions (CkdContext *ctx, GPtrArray *action_ids, const char *reason)
{
  for (guint i = 0; i < action_ids->len; i++)
    {
      CkdAction *action = g_hash_table_lookup (ctx->actions, g_ptr_array_index (action_ids, i));
      if (action != NULL)
        finish_action (ctx, action, CKD_OUTCOME_FAILED, reason, FALSE, 0);
    }
}

void
ckd_dispatch_cancel_call_actions (CkdContext *ctx, CkdCall *call, const char *reason)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; call->pending_actions != NULL && i < call->pending_actions->len; i++)
    g_ptr_array_add (ids, g_strdup (((CkdAction *) g_ptr_array_index (call->pending_actions, i))->id));
  cancel_actions (ctx, ids, reason);
}

void
ckd_dispatch_cancel_provider_actions (CkdContext *ctx, CkdProvider *provider, const char *reason)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  CkdAction *action;

  if (provider->n_pending_actions == 0)
    return;
  g_hash_table_iter_init (&iter, ctx->actions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &action))
    if (action->provider == provider)
      g_ptr_array_add (ids, g_strdup (action->id));
  cancel_actions (ctx, ids, reason);
}
