/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-action.h"
#include "ckd-provider.h"
#include "ckd-recent-set.h"

G_BEGIN_DECLS

typedef void (*CkdTransactionDone) (CkdTransaction *transaction, gpointer user_data);

/* CXTransaction: actions requested together, validated together, and
 * reported together once the last one has its outcome. */
struct _CkdTransaction
{
  char *id;
  char *requester;    /* unique bus name; NULL when callkitd made it */
  GPtrArray *actions; /* CkdAction *, owned, in request order */
  guint n_pending;
  CkdTransactionDone done;
  gpointer done_data;
  GDestroyNotify done_destroy;
};

/* Takes over @actions. */
CkdTransaction *ckd_transaction_new (const char *id, const char *requester, GPtrArray *actions);
void ckd_transaction_free (CkdTransaction *transaction);
void ckd_transaction_set_done (CkdTransaction *transaction, CkdTransactionDone done,
                               gpointer user_data, GDestroyNotify destroy);
/* The first action that did not succeed, or NULL when all were fulfilled. */
CkdAction *ckd_transaction_first_unsuccessful (CkdTransaction *transaction);

typedef gboolean (*CkdMayActFunc) (CkdProvider *provider, gpointer user_data, GError **error);

/* What validation looks at: the session's live calls and who may act. */
typedef struct
{
  GHashTable *live_calls;     /* uuid -> CkdCall * */
  CkdRecentSet *ended_uuids;  /* may be NULL */
  CkdMayActFunc may_act;      /* may be NULL: anybody may act on anything */
  gpointer may_act_data;
} CkdTransactionScope;

/* Validates @actions (CkdAction *) as a whole: each action against the
 * state the earlier ones leave, then the group limits against the state
 * they all leave. start-call actions must have their provider set. Sets
 * each action's provider and, for end-call, its end reason. Changes no
 * call. */
gboolean ckd_transaction_validate (GPtrArray *actions, const CkdTransactionScope *scope,
                                   GError **error);

/* Validates @actions like ckd_transaction_validate(), and makes a phone's
 * choice where the requester left it open: when answering or starting a
 * call would leave two call groups active, the active group is held in
 * the same transaction. The set-held actions it adds (ckd_action.implicit)
 * go first in @actions (which must free its elements) and are reported
 * like the others. An end-call or set-held the requester put in the
 * transaction for that group wins; a group that cannot be held fails
 * with MaximumCallGroupsReached and a message that says to end it. */
gboolean ckd_transaction_plan (GPtrArray *actions, const CkdTransactionScope *scope,
                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdTransaction, ckd_transaction_free)

G_END_DECLS
