/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-call.h"
#include "ckd-types.h"

G_BEGIN_DECLS

typedef struct _CkdTransaction CkdTransaction;

/* CXAction: one step of a transaction, from the request to its outcome. */
typedef struct
{
  char *id;
  CkdActionType type;
  char *call_uuid;

  /* Request keys, by type (see RequestTransaction in the XML). */
  char *type_name;
  char *call;
  CkdHandle handle;
  gboolean video;
  char *contact_identifier;
  char *provider_path;
  gboolean on_hold;
  gboolean muted;
  char *group_with; /* canonical UUID, or "" to leave the group */
  char *digits;     /* upper case */
  char *dtmf_type_name;
  CkdDtmfType dtmf_type;
  guint64 present;

  /* Dispatch. */
  CkdProvider *provider;         /* not owned */
  CkdTransaction *transaction;   /* not owned, the transaction owns us */
  CkdEndedReason end_reason;     /* end-call: what the call ends as */
  gboolean ends_call_whatever;   /* end-call made by callkitd: ends on any outcome */
  gboolean implicit;             /* set-held added to hold the active call (ckd_transaction_plan) */
  gboolean queued;               /* play-dtmf waiting for the one before it on its call */
  gint64 deadline;
  guint timeout_id;
  CkdOutcome outcome;
  char *reason;
} CkdAction;

/* Parses one a{sv} of RequestTransaction; @index names it in errors. */
CkdAction *ckd_action_parse (GVariant *dict, guint index, GError **error);
/* An action callkitd makes itself (an unanswered call's end-call). */
CkdAction *ckd_action_new (CkdActionType type, const char *call_uuid);
void ckd_action_free (CkdAction *action);

/* The parameters of PerformAction: the action's keys, transaction id and
 * deadline. */
GVariant *ckd_action_build_parameters (const CkdAction *action, const char *transaction_id);
/* One outcome of TransactionCompleted. */
GVariant *ckd_action_build_outcome (const CkdAction *action);

/* What fulfilling @action does to @call, one of @calls (all the calls of
 * its provider): the same on the live calls and on the copies a
 * transaction is validated with. @target is the call a set-group action
 * joins (NULL when it is gone). end-call and play-dtmf change nothing
 * here: ending a call is the session's. */
void ckd_action_apply (const CkdAction *action, GPtrArray *calls, CkdCall *call, CkdCall *target,
                       gint64 date);

/* Digits of a play-dtmf action: 0-9, *, #, A-D (any case). */
gboolean ckd_dtmf_digits_validate (const char *digits, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdAction, ckd_action_free)

G_END_DECLS
