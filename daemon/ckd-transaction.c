/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-call-group.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-transaction.h"

CkdTransaction *
ckd_transaction_new (const char *id, const char *requester, GPtrArray *actions)
{
  CkdTransaction *transaction = g_new0 (CkdTransaction, 1);

  transaction->id = g_strdup (id);
  transaction->requester = g_strdup (requester);
  transaction->actions = actions;
  for (guint i = 0; i < actions->len; i++)
    ((CkdAction *) g_ptr_array_index (actions, i))->transaction = transaction;
  return transaction;
}

void
ckd_transaction_free (CkdTransaction *transaction)
{
  if (transaction == NULL)
    return;
  if (transaction->done_destroy != NULL)
    transaction->done_destroy (transaction->done_data);
  g_ptr_array_unref (transaction->actions);
  g_free (transaction->id);
  g_free (transaction->requester);
  g_free (transaction);
}

void
ckd_transaction_set_done (CkdTransaction *transaction, CkdTransactionDone done,
                          gpointer user_data, GDestroyNotify destroy)
{
  transaction->done = done;
  transaction->done_data = user_data;
  transaction->done_destroy = destroy;
}

CkdAction *
ckd_transaction_first_unsuccessful (CkdTransaction *transaction)
{
  for (guint i = 0; i < transaction->actions->len; i++)
    {
      CkdAction *action = g_ptr_array_index (transaction->actions, i);
      if (action->outcome != CKD_OUTCOME_FULFILLED)
        return action;
    }
  return NULL;
}

/* The world as the transaction would leave it: copies of the calls of every
 * provider it touches, changed action by action. The copies start from the
 * state the actions already dispatched will leave when they are fulfilled:
 * an answer that is on its way counts as given, or two quick answers would
 * make two calls active. */
typedef struct
{
  const CkdTransactionScope *scope;
  GHashTable *provider_calls; /* CkdProvider * -> GPtrArray of copies */
  GHashTable *groups_before;  /* CkdProvider * -> live groups before this transaction */
  GHashTable *by_uuid;        /* uuid -> copy, borrowed from provider_calls */
  GHashTable *touched;        /* uuid -> action types seen, as a bit mask */
  GHashTable *pending;        /* CkdProvider * -> actions added */
  guint active_groups_before;
} Simulation;

static void
simulation_init (Simulation *sim, const CkdTransactionScope *scope)
{
  sim->scope = scope;
  sim->provider_calls = g_hash_table_new_full (NULL, NULL, NULL,
                                               (GDestroyNotify) g_ptr_array_unref);
  sim->groups_before = g_hash_table_new (NULL, NULL);
  sim->by_uuid = g_hash_table_new (g_str_hash, g_str_equal);
  sim->touched = g_hash_table_new (g_str_hash, g_str_equal);
  sim->pending = g_hash_table_new (NULL, NULL);
}

static void
simulation_clear (Simulation *sim)
{
  g_hash_table_destroy (sim->touched);
  g_hash_table_destroy (sim->by_uuid);
  g_hash_table_destroy (sim->provider_calls);
  g_hash_table_destroy (sim->groups_before);
  g_hash_table_destroy (sim->pending);
}

/* What a dispatched action will do once fulfilled, on the copies. */
/* What a dispatched action will do once fulfilled, on the copies. An
 * end-call is not counted as done: the call may still be acted on (a
 * second hang-up from another window), and it keeps its group until the
 * provider has really ended it. */
static void
apply_pending (Simulation *sim, GPtrArray *copies, CkdCall *copy, const CkdAction *action)
{
  CkdCall *target = NULL;

  if (action->type == CKD_ACTION_SET_GROUP && *action->group_with != '\0')
    target = g_hash_table_lookup (sim->by_uuid, action->group_with);
  ckd_action_apply (action, copies, copy, target, 1);
}

static GPtrArray *
simulation_calls_of (Simulation *sim, CkdProvider *provider)
{
  GPtrArray *copies = g_hash_table_lookup (sim->provider_calls, provider);

  if (copies != NULL)
    return copies;

  copies = g_ptr_array_new_full (provider->calls->len + 1, (GDestroyNotify) ckd_call_free);
  for (guint i = 0; i < provider->calls->len; i++)
    {
      CkdCall *copy = ckd_call_copy_for_simulation (g_ptr_array_index (provider->calls, i));
      g_ptr_array_add (copies, copy);
      g_hash_table_insert (sim->by_uuid, copy->uuid, copy);
    }
  for (guint i = 0; provider->n_pending_actions > 0 && i < provider->calls->len; i++)
    {
      CkdCall *call = g_ptr_array_index (provider->calls, i);
      for (guint j = 0; call->pending_actions != NULL && j < call->pending_actions->len; j++)
        apply_pending (sim, copies, g_ptr_array_index (copies, i),
                       g_ptr_array_index (call->pending_actions, j));
    }
  g_hash_table_insert (sim->provider_calls, provider, copies);
  {
    g_autoptr (GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
    ckd_call_group_collect (copies, ckd_call_state_is_live_group, keys, NULL, NULL);
    g_hash_table_insert (sim->groups_before, provider, GUINT_TO_POINTER (g_hash_table_size (keys)));
  }
  return copies;
}

static guint count_groups (Simulation *sim, CkdProvider *only,
                           gboolean (*pred) (CkdCallState), const CkdCall **example);

/* Providers with dispatched actions are copied first, so that "before"
 * already includes what those actions will do. */
static void
simulation_start (Simulation *sim)
{
  GHashTableIter iter;
  CkdCall *call;

  g_hash_table_iter_init (&iter, sim->scope->live_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (call->provider->n_pending_actions > 0)
      simulation_calls_of (sim, call->provider);
  sim->active_groups_before = count_groups (sim, NULL, ckd_call_state_is_active_like, NULL);
}

static CkdCall *
simulation_lookup (Simulation *sim, const char *uuid)
{
  CkdCall *copy = g_hash_table_lookup (sim->by_uuid, uuid);
  CkdCall *real;

  if (copy != NULL)
    return copy;
  real = g_hash_table_lookup (sim->scope->live_calls, uuid);
  if (real == NULL)
    return NULL;
  simulation_calls_of (sim, real->provider);
  return g_hash_table_lookup (sim->by_uuid, uuid);
}

static CkdCall *
simulation_add_outgoing (Simulation *sim, CkdProvider *provider, const CkdAction *action)
{
  GPtrArray *copies = simulation_calls_of (sim, provider);
  CkdCall *call = ckd_call_new (action->call_uuid, provider, TRUE, 0);

  call->has_video = action->video;
  g_ptr_array_add (copies, call);
  g_hash_table_insert (sim->by_uuid, call->uuid, call);
  return call;
}

/* Distinct group keys among calls satisfying @pred, where copies stand in
 * for the calls of the providers simulated so far. */
static guint
count_groups (Simulation *sim, CkdProvider *only, gboolean (*pred) (CkdCallState),
              const CkdCall **example)
{
  g_autoptr (GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) providers = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  CkdProvider *provider;
  CkdCall *call;

  if (only != NULL)
    g_hash_table_add (providers, only);
  else
    {
      g_hash_table_iter_init (&iter, sim->scope->live_calls);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
        g_hash_table_add (providers, call->provider);
      g_hash_table_iter_init (&iter, sim->provider_calls);
      while (g_hash_table_iter_next (&iter, (gpointer *) &provider, NULL))
        g_hash_table_add (providers, provider);
    }

  g_hash_table_iter_init (&iter, providers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &provider, NULL))
    {
      GPtrArray *copies = g_hash_table_lookup (sim->provider_calls, provider);
      ckd_call_group_collect (copies != NULL ? copies : provider->calls, pred, keys, sim->touched,
                              example);
    }
  return g_hash_table_size (keys);
}

static gboolean
check_limits (Simulation *sim, gboolean *active_conflict, GError **error)
{
  GHashTableIter iter;
  CkdProvider *provider;
  const CkdCall *example = NULL;
  guint before, after;

  /* Per provider, as CXProviderConfiguration.maximumCallGroups. Only a
   * transaction that adds groups is refused, so that lowering the limit
   * never blocks ending or muting calls. */
  g_hash_table_iter_init (&iter, sim->provider_calls);
  while (g_hash_table_iter_next (&iter, (gpointer *) &provider, NULL))
    {
      before = GPOINTER_TO_UINT (g_hash_table_lookup (sim->groups_before, provider));
      after = count_groups (sim, provider, ckd_call_state_is_live_group, NULL);
      if (after > provider->config.maximum_call_groups && after > before)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED,
                       "%s would have %u call groups, its maximum_call_groups is %u: end a "
                       "call in the same transaction",
                       ckd_provider_display_name (provider), after,
                       provider->config.maximum_call_groups);
          return FALSE;
        }
    }

  /* Across the session: the audio session follows one active group, so a
   * second one can only become active if the first is held or ended in the
   * same transaction ("hold & answer", "end & answer"). */
  after = count_groups (sim, NULL, ckd_call_state_is_active_like, &example);
  if (after > 1 && after > sim->active_groups_before)
    {
      *active_conflict = TRUE;
      g_set_error (error, CKD_ERROR, CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED,
                   "call %s is active: hold or end it in the same transaction",
                   example != NULL ? example->uuid : "(unknown)");
      return FALSE;
    }
  return TRUE;
}

#define TYPE_BIT(t) (1u << (t))

static gboolean
invalid (GError **error, guint index, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid (GError **error, guint index, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION, "action %u: %s", index, message);
  return FALSE;
}

static gboolean
validate_one (Simulation *sim, CkdAction *action, guint index, GError **error)
{
  const CkdTransactionScope *scope = sim->scope;
  const char *uuid = action->call_uuid;
  CkdCall *call;
  GPtrArray *calls;
  guint seen;
  gpointer pending;

  if (action->type == CKD_ACTION_START_CALL)
    {
      CkdProvider *provider = action->provider;

      g_return_val_if_fail (provider != NULL, FALSE);
      if (simulation_lookup (sim, uuid) != NULL
          || (scope->ended_uuids != NULL && ckd_recent_set_contains (scope->ended_uuids, uuid)))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_CALL_UUID_ALREADY_EXISTS,
                       "action %u: call %s already exists", index, uuid);
          return FALSE;
        }
      if (scope->may_act != NULL && !scope->may_act (provider, scope->may_act_data, error))
        return FALSE;
      if (*action->handle.value != '\0'
          && !ckd_provider_config_supports_handle_type (&provider->config, action->handle.type))
        return invalid (error, index, "%s does not support handles of type %s",
                        ckd_provider_display_name (provider),
                        ckd_handle_type_to_string (action->handle.type));
      if (action->video && !provider->config.supports_video)
        return invalid (error, index, "%s does not support video",
                        ckd_provider_display_name (provider));
      if (simulation_calls_of (sim, provider)->len >= CKD_MAX_CALLS_PER_PROVIDER)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                       "action %u: %s has %d live calls, the limit", index,
                       ckd_provider_display_name (provider), CKD_MAX_CALLS_PER_PROVIDER);
          return FALSE;
        }
      call = simulation_add_outgoing (sim, provider, action);
    }
  else
    {
      call = simulation_lookup (sim, uuid);
      if (call == NULL)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_UUID,
                       "action %u: no live call has UUID %s", index, uuid);
          return FALSE;
        }
      if (scope->may_act != NULL && !scope->may_act (call->provider, scope->may_act_data, error))
        return FALSE;
      action->provider = call->provider;
      if (call->state == CKD_CALL_STATE_ENDED)
        return invalid (error, index, "call %s is ended by an earlier action", uuid);
    }

  seen = GPOINTER_TO_UINT (g_hash_table_lookup (sim->touched, call->uuid));
  if (seen & TYPE_BIT (action->type))
    return invalid (error, index, "a second %s action on call %s",
                    ckd_action_type_to_string (action->type), uuid);
  g_hash_table_insert (sim->touched, call->uuid,
                       GUINT_TO_POINTER (seen | TYPE_BIT (action->type)));

  pending = g_hash_table_lookup (sim->pending, action->provider);
  if (action->provider->n_pending_actions + GPOINTER_TO_UINT (pending) + 1
      > CKD_MAX_PENDING_ACTIONS_PER_PROVIDER)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "action %u: %s already has %d pending actions, the limit", index,
                   ckd_provider_display_name (action->provider),
                   CKD_MAX_PENDING_ACTIONS_PER_PROVIDER);
      return FALSE;
    }
  g_hash_table_insert (sim->pending, action->provider,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (pending) + 1));

  calls = simulation_calls_of (sim, call->provider);
  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      break;

    case CKD_ACTION_ANSWER_CALL:
      if (call->outgoing)
        return invalid (error, index, "call %s is outgoing: only incoming calls are answered",
                        uuid);
      if (call->state != CKD_CALL_STATE_RINGING)
        return invalid (error, index, "call %s is %s, not ringing", uuid,
                        ckd_call_state_to_string (call->state));
      break;

    case CKD_ACTION_END_CALL:
      if (seen & (TYPE_BIT (CKD_ACTION_START_CALL) | TYPE_BIT (CKD_ACTION_ANSWER_CALL)))
        return invalid (error, index, "call %s is both %s and ended in one transaction", uuid,
                        (seen & TYPE_BIT (CKD_ACTION_START_CALL)) ? "started" : "answered");
      if (action->end_reason == CKD_ENDED_REASON_NONE)
        action->end_reason = ckd_call_local_end_reason (call);
      ckd_call_end (call, action->end_reason, 1);
      ckd_call_group_forget_ended (calls, call);
      break;

    case CKD_ACTION_SET_HELD:
      if (!call->supports_holding)
        return invalid (error, index, "call %s does not support holding", uuid);
      if (call->state != CKD_CALL_STATE_ACTIVE && call->state != CKD_CALL_STATE_HELD)
        return invalid (error, index, "call %s is %s: only a connected call can be held or "
                        "resumed", uuid, ckd_call_state_to_string (call->state));
      break;

    case CKD_ACTION_SET_MUTED:
      break;

    case CKD_ACTION_SET_GROUP:
      if (*action->group_with == '\0')
        {
          if (call->group == NULL)
            return invalid (error, index, "call %s is not in a group", uuid);
          if (!call->supports_ungrouping)
            return invalid (error, index, "call %s does not support ungrouping", uuid);
        }
      else
        {
          CkdCall *target = simulation_lookup (sim, action->group_with);
          g_autoptr (GPtrArray) members = NULL;

          if (target == NULL || target->state == CKD_CALL_STATE_ENDED)
            {
              g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_UUID,
                           "action %u: no live call has UUID %s (group_with)", index,
                           action->group_with);
              return FALSE;
            }
          if (target == call)
            return invalid (error, index, "call %s cannot be grouped with itself", uuid);
          if (target->provider != call->provider)
            return invalid (error, index, "calls %s and %s belong to different providers", uuid,
                            target->uuid);
          if (!call->supports_grouping || !target->supports_grouping)
            return invalid (error, index, "call %s does not support grouping",
                            call->supports_grouping ? target->uuid : uuid);
          if (!ckd_call_has_connected (call) || !ckd_call_has_connected (target)
              || (call->state != CKD_CALL_STATE_ACTIVE && call->state != CKD_CALL_STATE_HELD)
              || (target->state != CKD_CALL_STATE_ACTIVE && target->state != CKD_CALL_STATE_HELD))
            return invalid (error, index, "only connected calls can be grouped");
          members = ckd_call_group_members (calls, target);
          if (g_strcmp0 (call->group, target->group) != 0 || call->group == NULL)
            if (members->len + 1 > call->provider->config.maximum_calls_per_call_group)
              return invalid (error, index,
                              "the group would have %u calls, maximum_calls_per_call_group is %u",
                              members->len + 1,
                              call->provider->config.maximum_calls_per_call_group);
        }
      break;

    case CKD_ACTION_PLAY_DTMF:
      if (!call->supports_dtmf)
        return invalid (error, index, "call %s does not support DTMF", uuid);
      if (call->state != CKD_CALL_STATE_ACTIVE && call->state != CKD_CALL_STATE_CONNECTING)
        return invalid (error, index, "call %s is %s: DTMF needs a connecting or active call",
                        uuid, ckd_call_state_to_string (call->state));
      break;

    case CKD_ACTION_N_TYPES:
    default:
      g_assert_not_reached ();
    }
  /* Valid: the copies change as the fulfilled action will change the
   * calls (an end-call ended the copy above). */
  if (action->type != CKD_ACTION_START_CALL && action->type != CKD_ACTION_END_CALL)
    apply_pending (sim, calls, call, action);
  return TRUE;
}

static gboolean
validate (GPtrArray *actions, const CkdTransactionScope *scope, gboolean *active_conflict,
          GError **error)
{
  Simulation sim;
  gboolean ok = TRUE;

  *active_conflict = FALSE;
  if (actions->len == 0)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_EMPTY_TRANSACTION,
                           "the transaction has no actions");
      return FALSE;
    }
  if (actions->len > CKD_MAX_ACTIONS_PER_TRANSACTION)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "the transaction has %u actions, the limit is %d", actions->len,
                   CKD_MAX_ACTIONS_PER_TRANSACTION);
      return FALSE;
    }

  simulation_init (&sim, scope);
  simulation_start (&sim);
  for (guint i = 0; ok && i < actions->len; i++)
    ok = validate_one (&sim, g_ptr_array_index (actions, i), i, error);
  if (ok)
    ok = check_limits (&sim, active_conflict, error);
  simulation_clear (&sim);
  return ok;
}

gboolean
ckd_transaction_validate (GPtrArray *actions, const CkdTransactionScope *scope, GError **error)
{
  gboolean active_conflict;

  return validate (actions, scope, &active_conflict, error);
}

/* ---- implicit holds ------------------------------------------------- */

static gboolean
answers_or_starts (GPtrArray *actions)
{
  for (guint i = 0; i < actions->len; i++)
    {
      const CkdAction *action = g_ptr_array_index (actions, i);
      if (action->type == CKD_ACTION_ANSWER_CALL || action->type == CKD_ACTION_START_CALL)
        return TRUE;
    }
  return FALSE;
}

/* Whether the transaction holds, resumes or ends @call's group itself:
 * then what the requester asked for wins, and nothing is added. */
static gboolean
touches_group (GPtrArray *actions, GPtrArray *members)
{
  for (guint i = 0; i < actions->len; i++)
    {
      const CkdAction *action = g_ptr_array_index (actions, i);

      if (action->type != CKD_ACTION_SET_HELD && action->type != CKD_ACTION_END_CALL)
        continue;
      for (guint j = 0; j < members->len; j++)
        if (g_str_equal (action->call_uuid, ((CkdCall *) g_ptr_array_index (members, j))->uuid))
          return TRUE;
    }
  return FALSE;
}

/* The active groups (one call of each) as the session stands with every
 * dispatched action fulfilled, that the transaction leaves alone. Fails
 * naming a group that is active and cannot be held. */
static GPtrArray *
groups_to_hold (GPtrArray *actions, const CkdTransactionScope *scope, GError **error)
{
  g_autoptr (GPtrArray) holds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  Simulation sim;
  GHashTableIter iter;
  CkdCall *real;
  gboolean ok = TRUE;

  simulation_init (&sim, scope);
  simulation_start (&sim);
  g_hash_table_iter_init (&iter, scope->live_calls);
  while (ok && g_hash_table_iter_next (&iter, NULL, (gpointer *) &real))
    {
      CkdCall *call = simulation_lookup (&sim, real->uuid);
      GPtrArray *calls = simulation_calls_of (&sim, call->provider);
      g_autoptr (GPtrArray) members = NULL;
      const char *key = call->group != NULL ? call->group : call->uuid;

      if (!ckd_call_state_is_active_like (call->state) || g_hash_table_contains (seen, key))
        continue;
      g_hash_table_add (seen, (gpointer) key);
      members = ckd_call_group_members (calls, call);
      if (touches_group (actions, members))
        continue;
      /* Only a call that is active now: one still being answered or
       * dialing cannot be held yet. */
      if (real->state != CKD_CALL_STATE_ACTIVE || call->state != CKD_CALL_STATE_ACTIVE
          || !call->supports_holding)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED,
                       "call %s is active and %s: end it in the same transaction", call->uuid,
                       !call->supports_holding ? "does not support holding"
                       : real->state == CKD_CALL_STATE_RINGING
                         ? "is still being answered, so it cannot be held yet"
                         : "cannot be held before it connects");
          ok = FALSE;
          break;
        }
      g_ptr_array_add (holds, g_strdup (call->uuid));
    }
  simulation_clear (&sim);
  return ok ? g_steal_pointer (&holds) : NULL;
}

gboolean
ckd_transaction_plan (GPtrArray *actions, const CkdTransactionScope *scope, GError **error)
{
  g_autoptr (GError) strict_error = NULL;
  g_autoptr (GPtrArray) holds = NULL;
  g_autoptr (GPtrArray) planned = NULL;
  g_autoptr (GError) planned_error = NULL;
  gboolean active_conflict;

  if (validate (actions, scope, &active_conflict, &strict_error))
    return TRUE;
  if (!active_conflict || !answers_or_starts (actions))
    {
      g_propagate_error (error, g_steal_pointer (&strict_error));
      return FALSE;
    }
  holds = groups_to_hold (actions, scope, error);
  if (holds == NULL)
    return FALSE;
  if (holds->len == 0)
    {
      g_propagate_error (error, g_steal_pointer (&strict_error));
      return FALSE;
    }

  /* The holds go first, as a phone holds the call before it answers the
   * next; they are the transaction's own actions from now on. */
  planned = g_ptr_array_new ();
  for (guint i = 0; i < holds->len; i++)
    {
      CkdAction *hold = ckd_action_new (CKD_ACTION_SET_HELD, g_ptr_array_index (holds, i));
      hold->on_hold = TRUE;
      hold->implicit = TRUE;
      g_ptr_array_add (planned, hold);
    }
  for (guint i = 0; i < actions->len; i++)
    g_ptr_array_add (planned, g_ptr_array_index (actions, i));
  if (!validate (planned, scope, &active_conflict, &planned_error))
    {
      for (guint i = 0; i < holds->len; i++)
        ckd_action_free (g_ptr_array_index (planned, i));
      if (planned_error->code == CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED)
        g_set_error (error, CKD_ERROR, CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED,
                     "holding call %s is not enough (%s): end it in the same transaction",
                     (const char *) g_ptr_array_index (holds, 0), planned_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&planned_error));
      return FALSE;
    }
  /* @actions owns its elements: put the holds in front of them. */
  for (guint i = holds->len; i > 0; i--)
    g_ptr_array_insert (actions, 0, g_ptr_array_index (planned, i - 1));
  return TRUE;
}
