/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-types.h"

G_BEGIN_DECLS

typedef struct _CkdProvider CkdProvider;

/* A call as callkitd models it: CXCall plus what the daemon needs to run
 * it. Pure data and transitions, no D-Bus: the call's skeleton is synced
 * from it by ckd-call-skeleton.c. Owned by the context while it lives. */
typedef struct _CkdCall
{
  char *uuid;            /* canonical lower case */
  CkdProvider *provider; /* not owned: a provider outlives its calls */
  CkdHandle remote_handle;
  char *localized_caller_name;
  char *group; /* NULL when alone */
  CkdCallState state;
  CkdEndedReason ended_reason;
  gint64 created_at;
  gint64 connected_at;
  gint64 ended_at;
  guint outgoing : 1;
  guint muted : 1;
  guint has_video : 1;
  guint supports_holding : 1;
  guint supports_grouping : 1;
  guint supports_ungrouping : 1;
  guint supports_dtmf : 1;
  guint started : 1; /* outgoing: its start-call action was fulfilled */
  gint64 ringing_deadline; /* monotonic µs; 0 once answered or rung out */
  GPtrArray *pending_actions; /* CkdAction *, not owned; NULL when none */
  gpointer skeleton;          /* CkdCallSkeleton *, owned */
} CkdCall;

/* CXCallUpdate: only the keys present change a call. */
typedef struct
{
  CkdHandle remote_handle;
  char *localized_caller_name;
  gboolean supports_holding;
  gboolean supports_grouping;
  gboolean supports_ungrouping;
  gboolean supports_dtmf;
  gboolean has_video;
  guint64 present; /* bit per key, in the order above */
} CkdCallUpdate;

gboolean ckd_call_update_parse (CkdCallUpdate *update, GVariant *dict, GError **error);
void ckd_call_update_clear (CkdCallUpdate *update);

/* Checks @s is a UUID; returns it in canonical lower case. */
char *ckd_uuid_normalize (const char *s, GError **error);
/* call/<uuid with _ for -> below the object root */
char *ckd_call_path_for_uuid (const char *uuid);

CkdCall *ckd_call_new (const char *uuid, CkdProvider *provider, gboolean outgoing, gint64 now);
void ckd_call_free (CkdCall *call);
void ckd_call_apply_update (CkdCall *call, const CkdCallUpdate *update);

/* Reports from the provider. They fail with InvalidAction when they do not
 * fit the call's state and change nothing then. */
gboolean ckd_call_report_started_connecting (CkdCall *call, GError **error);
gboolean ckd_call_report_connected (CkdCall *call, gint64 at, GError **error);

/* Fulfilled actions. */
void ckd_call_answer (CkdCall *call, gint64 at);
void ckd_call_set_held (CkdCall *call, gboolean on_hold);
void ckd_call_end (CkdCall *call, CkdEndedReason reason, gint64 at);

/* What an end-call action ends the call as: declined while it rings
 * incoming, hung up otherwise. */
CkdEndedReason ckd_call_local_end_reason (const CkdCall *call);

gboolean ckd_call_is_on_hold (const CkdCall *call);
gboolean ckd_call_has_connected (const CkdCall *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdCall, ckd_call_free)

G_END_DECLS
