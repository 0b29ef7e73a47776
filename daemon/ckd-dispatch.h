/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-caller.h"
#include "ckd-context.h"

G_BEGIN_DECLS

/* Transactions from request to outcome: validation as a whole, dispatch of
 * each action to its provider, deadlines, and the call changes a fulfilled,
 * failed or timed-out action brings. */

/* Parses RequestTransaction's aa{sv}. */
GPtrArray *ckd_dispatch_parse_actions (GVariant *actions, GError **error);

/* Validates @actions for @requester and dispatches them. @done, if not
 * NULL, runs once every action has its outcome. Takes @actions and
 * @done_data (destroyed at once when validation fails). Returns the
 * transaction, owned by @ctx until it completes. */
CkdTransaction *ckd_dispatch_request (CkdContext *ctx, CkdCaller *requester, GPtrArray *actions,
                                      CkdTransactionDone done, gpointer done_data,
                                      GDestroyNotify done_destroy, GError **error);

gboolean ckd_dispatch_fulfill (CkdContext *ctx, CkdProvider *provider, const char *action_id,
                               GVariant *result, GError **error);
gboolean ckd_dispatch_fail (CkdContext *ctx, CkdProvider *provider, const char *action_id,
                            const char *reason, GError **error);

/* A ringing call rang too long: callkitd asks its provider to end it and
 * ends it as unanswered whatever the answer. */
void ckd_dispatch_end_unanswered (CkdContext *ctx, CkdCall *call);

/* Pending actions that can no longer happen fail with @reason, without
 * further consequences for the calls. */
void ckd_dispatch_cancel_call_actions (CkdContext *ctx, CkdCall *call, const char *reason);
void ckd_dispatch_cancel_provider_actions (CkdContext *ctx, CkdProvider *provider,
                                           const char *reason);

G_END_DECLS
