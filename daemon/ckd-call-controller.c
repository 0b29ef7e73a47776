/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-call-controller.h"
#include "ckd-caller.h"
#include "ckd-dispatch.h"

static gboolean
handle_request_transaction (CkdDbusCallController *controller,
                            GDBusMethodInvocation *invocation, GVariant *actions_variant,
                            gpointer user_data)
{
  CkdContext *ctx = user_data;
  g_autoptr (GError) error = NULL;
  CkdTransaction *transaction = NULL;
  GPtrArray *actions;
  CkdCaller *requester;

  requester = ckd_caller_lookup (ctx, g_dbus_method_invocation_get_sender (invocation), &error);
  actions = requester ? ckd_dispatch_parse_actions (actions_variant, &error) : NULL;
  if (actions != NULL)
    transaction = ckd_dispatch_request (ctx, requester, actions, NULL, NULL, NULL, &error);
  if (transaction == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  ckd_dbus_call_controller_complete_request_transaction (controller, invocation,
                                                         transaction->id);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

CkdDbusCallController *
ckd_call_controller_new (CkdContext *ctx)
{
  CkdDbusCallController *controller = ckd_dbus_call_controller_skeleton_new ();

  g_signal_connect (controller, "handle-request-transaction",
                    G_CALLBACK (handle_request_transaction), ctx);
  return controller;
}
