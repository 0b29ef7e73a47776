/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-identity.h"
#include "ckd-types.h"

G_BEGIN_DECLS

typedef struct _CkdProvider CkdProvider;

/* A call as callkitd models it: CXCall plus what the daemon needs to run
 * it. Pure data and transitions, no D-Bus. Owned by the registry while it
 * lives (ckd-registry.c). */
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
  guint silenced : 1; /* ringing without a sound: SilenceRinging, a dismissed notification */
  /* Incoming, and its caller is being looked up: it neither rings nor
   * shows until the answers came or the lookup deadline passed
   * (ckd-identification.c). */
  guint identifying : 1;
  /* Who calls, from every source (the provider's part kept by
   * ckd_call_apply_update()). */
  CkdIdentity identity;
  /* Set by whoever kept the call from the user (ckd-types.h); the history
   * records it. */
  CkdCallFilter filter;
  gint64 ringing_deadline; /* monotonic µs; 0 once answered or rung out */
  GPtrArray *pending_actions; /* CkdAction *, not owned; NULL when none */
  GQueue *queued_dtmf;        /* play-dtmf CkdAction * waiting for the one in flight; NULL when none */
} CkdCall;

/* What changed about a call: one bit per property of the D-Bus Call
 * interface, in the XML's order, then what only callkitd sees. Front ends
 * get these with every change, so that each sends or redraws only what
 * changed. */
typedef enum
{
  CKD_CALL_CHANGED_UUID = 1u << 0,
  CKD_CALL_CHANGED_PROVIDER = 1u << 1,
  CKD_CALL_CHANGED_REMOTE_HANDLE = 1u << 2,
  CKD_CALL_CHANGED_LOCALIZED_CALLER_NAME = 1u << 3,
  CKD_CALL_CHANGED_IS_OUTGOING = 1u << 4,
  CKD_CALL_CHANGED_IS_ON_HOLD = 1u << 5,
  CKD_CALL_CHANGED_IS_MUTED = 1u << 6,
  CKD_CALL_CHANGED_HAS_CONNECTED = 1u << 7,
  CKD_CALL_CHANGED_HAS_ENDED = 1u << 8,
  CKD_CALL_CHANGED_HAS_VIDEO = 1u << 9,
  CKD_CALL_CHANGED_STATE = 1u << 10,
  CKD_CALL_CHANGED_GROUP = 1u << 11,
  CKD_CALL_CHANGED_SUPPORTS_HOLDING = 1u << 12,
  CKD_CALL_CHANGED_SUPPORTS_GROUPING = 1u << 13,
  CKD_CALL_CHANGED_SUPPORTS_UNGROUPING = 1u << 14,
  CKD_CALL_CHANGED_SUPPORTS_DTMF = 1u << 15,
  CKD_CALL_CHANGED_CONNECTED_AT = 1u << 16,
  CKD_CALL_CHANGED_ENDED_AT = 1u << 17,
  CKD_CALL_CHANGED_ENDED_REASON = 1u << 18,
  CKD_CALL_CHANGED_IDENTITY = 1u << 19,
  /* Not on the bus. */
  CKD_CALL_CHANGED_STARTED = 1u << 24,  /* an outgoing call's start-call was fulfilled */
  CKD_CALL_CHANGED_SILENCED = 1u << 25, /* ringing goes on without a sound */
  CKD_CALL_CHANGED_IDENTIFYING = 1u << 26, /* its lookup began or ended */
} CkdCallChanges;

#define CKD_CALL_N_PROPERTIES 20
#define CKD_CALL_CHANGED_PROPERTIES ((1u << CKD_CALL_N_PROPERTIES) - 1)

/* What a call looked like before a change, to tell what the change did.
 * Cheap: a few fields and four short strings. */
typedef struct
{
  CkdCall before;
} CkdCallSnapshot;

void ckd_call_snapshot_take (CkdCallSnapshot *snapshot, const CkdCall *call);
/* The properties that differ between @snapshot and @call now; clears
 * @snapshot. */
CkdCallChanges ckd_call_snapshot_finish (CkdCallSnapshot *snapshot, const CkdCall *call);
/* Forgets @snapshot (its call is gone). */
void ckd_call_snapshot_clear (CkdCallSnapshot *snapshot);

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
  char *caller_label;
  gboolean suspected_spam;
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
/* An incoming call that rings (silenced or not). */
gboolean ckd_call_is_ringing_incoming (const CkdCall *call);
/* The name the merged identity gives (the provider's, else the
 * contacts', a list's or a lookup service's), or "". */
const char *ckd_call_identity_name (const CkdCall *call);
/* A ringing incoming call the user is told of: it rings and shows,
 * unless its caller is still being looked up. */
gboolean ckd_call_is_alerting (const CkdCall *call);
/* An ended incoming call that was never answered and was not declined
 * here: a missed call (nobody answered, or the caller gave up). */
gboolean ckd_call_is_missed (const CkdCall *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdCall, ckd_call_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CkdCallUpdate, ckd_call_update_clear)

G_END_DECLS
