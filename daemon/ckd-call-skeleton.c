/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-call-skeleton.h"
#include "ckd-caller.h"
#include "ckd-dispatch.h"
#include "ckd-error.h"

struct _CkdCallSkeleton
{
  CkdDbusCallSkeleton parent_instance;
  CkdContext *ctx;
};

static void ckd_call_skeleton_iface_init (CkdDbusCallIface *iface);

/* Re-implementing the generated interface puts our handlers in its vtable:
 * no per-call signal connections, which matters with thousands of calls. */
G_DEFINE_TYPE_WITH_CODE (CkdCallSkeleton, ckd_call_skeleton, CKD_DBUS_TYPE_CALL_SKELETON,
                         G_IMPLEMENT_INTERFACE (CKD_DBUS_TYPE_CALL, ckd_call_skeleton_iface_init))

/* Answers the Call method that made @transaction; takes over the
 * invocation the handler was given. */
static void
method_transaction_done (CkdTransaction *transaction, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  CkdAction *action = g_ptr_array_index (transaction->actions, 0);

  switch (action->outcome)
    {
    case CKD_OUTCOME_FULFILLED:
      g_dbus_method_invocation_return_value (invocation, NULL);
      break;
    case CKD_OUTCOME_TIMED_OUT:
      g_dbus_method_invocation_return_error (invocation, CKD_ERROR,
                                             CKD_ERROR_ACTION_TIMED_OUT,
                                             "the provider did not answer %s in time",
                                             ckd_action_type_to_string (action->type));
      break;
    case CKD_OUTCOME_FAILED:
    case CKD_OUTCOME_PENDING:
    default:
      g_dbus_method_invocation_return_error (invocation, CKD_ERROR,
                                             CKD_ERROR_ACTION_FAILED, "%s failed: %s",
                                             ckd_action_type_to_string (action->type),
                                             action->reason && *action->reason ? action->reason
                                                                               : "no reason given");
      break;
    }
}

/* Runs @action as a transaction of its own and answers @invocation with
 * its outcome. Who may act on the call is checked by the transaction's
 * validation, like for RequestTransaction. */
static gboolean
request_one (CkdCallSkeleton *self, GDBusMethodInvocation *invocation, CkdAction *action)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GError) error = NULL;
  CkdCaller *caller;

  g_ptr_array_add (actions, action);
  caller = ckd_caller_lookup (self->ctx, g_dbus_method_invocation_get_sender (invocation), &error);
  if (caller == NULL
      || ckd_dispatch_request (self->ctx, caller, g_steal_pointer (&actions),
                               method_transaction_done, invocation, NULL, &error)
           == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static CkdAction *
new_action (CkdDbusCall *object, CkdActionType type)
{
  return ckd_action_new (type, ckd_dbus_call_get_uuid (object));
}

static gboolean
handle_answer (CkdDbusCall *object, GDBusMethodInvocation *invocation)
{
  return request_one (CKD_CALL_SKELETON (object), invocation,
                      new_action (object, CKD_ACTION_ANSWER_CALL));
}

static gboolean
handle_end (CkdDbusCall *object, GDBusMethodInvocation *invocation)
{
  return request_one (CKD_CALL_SKELETON (object), invocation,
                      new_action (object, CKD_ACTION_END_CALL));
}

static gboolean
handle_set_held (CkdDbusCall *object, GDBusMethodInvocation *invocation, gboolean on_hold)
{
  CkdAction *action = new_action (object, CKD_ACTION_SET_HELD);

  action->on_hold = on_hold;
  return request_one (CKD_CALL_SKELETON (object), invocation, action);
}

static gboolean
handle_set_muted (CkdDbusCall *object, GDBusMethodInvocation *invocation, gboolean muted)
{
  CkdAction *action = new_action (object, CKD_ACTION_SET_MUTED);

  action->muted = muted;
  return request_one (CKD_CALL_SKELETON (object), invocation, action);
}

static gboolean
handle_play_dtmf (CkdDbusCall *object, GDBusMethodInvocation *invocation, const char *digits)
{
  g_autoptr (GError) error = NULL;
  CkdAction *action;

  if (!ckd_dtmf_digits_validate (digits, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  action = new_action (object, CKD_ACTION_PLAY_DTMF);
  action->digits = g_ascii_strup (digits, -1);
  action->dtmf_type = CKD_DTMF_SINGLE_TONE;
  return request_one (CKD_CALL_SKELETON (object), invocation, action);
}

static void
ckd_call_skeleton_iface_init (CkdDbusCallIface *iface)
{
  iface->handle_answer = handle_answer;
  iface->handle_end = handle_end;
  iface->handle_set_held = handle_set_held;
  iface->handle_set_muted = handle_set_muted;
  iface->handle_play_dtmf = handle_play_dtmf;
}

static void
ckd_call_skeleton_class_init (CkdCallSkeletonClass *klass)
{
}

static void
ckd_call_skeleton_init (CkdCallSkeleton *self)
{
}

void
ckd_call_skeleton_sync (CkdCall *call)
{
  CkdDbusCall *iface = call->skeleton;

  if (iface == NULL)
    return;
  ckd_dbus_call_set_uuid (iface, call->uuid);
  ckd_dbus_call_set_provider (iface, call->provider->object_path);
  ckd_dbus_call_set_remote_handle (
    iface, g_variant_new ("(ss)", ckd_handle_type_to_string (call->remote_handle.type),
                          call->remote_handle.value ? call->remote_handle.value : ""));
  ckd_dbus_call_set_localized_caller_name (iface, call->localized_caller_name);
  ckd_dbus_call_set_is_outgoing (iface, call->outgoing);
  ckd_dbus_call_set_is_on_hold (iface, ckd_call_is_on_hold (call));
  ckd_dbus_call_set_is_muted (iface, call->muted);
  ckd_dbus_call_set_has_connected (iface, ckd_call_has_connected (call));
  ckd_dbus_call_set_has_ended (iface, call->state == CKD_CALL_STATE_ENDED);
  ckd_dbus_call_set_has_video (iface, call->has_video);
  ckd_dbus_call_set_state (iface, ckd_call_state_to_string (call->state));
  ckd_dbus_call_set_group (iface, call->group ? call->group : "");
  ckd_dbus_call_set_supports_holding (iface, call->supports_holding);
  ckd_dbus_call_set_supports_grouping (iface, call->supports_grouping);
  ckd_dbus_call_set_supports_ungrouping (iface, call->supports_ungrouping);
  ckd_dbus_call_set_supports_dtmf (iface, call->supports_dtmf);
  ckd_dbus_call_set_connected_at (iface, call->connected_at);
  ckd_dbus_call_set_ended_at (iface, call->ended_at);
  ckd_dbus_call_set_ended_reason (iface, ckd_ended_reason_to_string (call->ended_reason));
}

void
ckd_call_skeleton_export (CkdContext *ctx, CkdCall *call)
{
  g_autoptr (CkdDbusObjectSkeleton) object = ckd_dbus_object_skeleton_new (call->object_path);
  CkdCallSkeleton *skeleton = g_object_new (CKD_TYPE_CALL_SKELETON, NULL);

  skeleton->ctx = ctx;
  call->skeleton = skeleton;
  /* Filled before export so that InterfacesAdded carries every property
   * and no PropertiesChanged follows it. */
  ckd_call_skeleton_sync (call);
  ckd_dbus_object_skeleton_set_call (object, CKD_DBUS_CALL (skeleton));
  g_dbus_object_manager_server_export (ctx->object_manager, G_DBUS_OBJECT_SKELETON (object));
}

void
ckd_call_skeleton_unexport (CkdContext *ctx, CkdCall *call)
{
  g_autoptr (CkdCallSkeleton) skeleton = g_steal_pointer ((CkdCallSkeleton **) &call->skeleton);

  if (skeleton == NULL)
    return;
  call->skeleton = skeleton;
  ckd_call_skeleton_sync (call);
  call->skeleton = NULL;
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (skeleton));
  g_dbus_object_manager_server_unexport (ctx->object_manager, call->object_path);
}
