/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-session.h"

G_BEGIN_DECLS

/* Shared by the two files of CkdSession: ckd-session.c (providers, reports,
 * the end of calls, audio sessions) and ckd-session-actions.c
 * (transactions and their actions). */

typedef struct
{
  CkdIncomingCallFilterFunc func;
  gpointer user_data;
} CkdIncomingFilter;

struct _CkdSession
{
  GObject parent_instance;
  CkdRegistry *registry;
  CkdSettings *settings;

  GHashTable *transactions; /* id -> CkdTransaction *, owned, until complete */
  GHashTable *actions;      /* id -> CkdAction *, pending, owned by their transaction */
  guint64 next_action_id;
  guint64 next_transaction_id;

  /* One timer for every ringing call, set to the earliest deadline: a
   * GSource per call would cost memory and main-loop work per call. */
  guint ringing_timer_id;
  gint64 ringing_timer_at;
  GArray *incoming_filters; /* CkdIncomingFilter, in the order added */
  gboolean stopping;
};

enum
{
  CKD_SESSION_SIGNAL_PERFORM_ACTION,
  CKD_SESSION_SIGNAL_ACTION_TIMED_OUT,
  CKD_SESSION_SIGNAL_TRANSACTION_COMPLETED,
  CKD_SESSION_SIGNAL_PROVIDER_RESET,
  CKD_SESSION_SIGNAL_AUDIO_SESSION_CHANGED,
  CKD_SESSION_SIGNAL_SHOW_CALL_REQUESTED,
  CKD_SESSION_SIGNAL_MISSED_CALL,
  CKD_SESSION_SIGNAL_DEVELOPER_NOTICE,
  CKD_SESSION_SIGNAL_DO_NOT_DISTURB_REQUESTED,
  CKD_SESSION_N_SIGNALS,
};

extern guint ckd_session_signals[CKD_SESSION_N_SIGNALS];

/* Changes to calls, gathered so that each changed call is announced once
 * with exactly what changed, and the audio sessions follow after. */
typedef struct
{
  GPtrArray *calls;    /* CkdCall * */
  GArray *snapshots;   /* CkdCallSnapshot, one per call */
} CkdChangeSet;

void ckd_change_set_init (CkdChangeSet *changes);
/* Before changing @call. Adding a call twice is harmless. */
void ckd_change_set_add_call (CkdChangeSet *changes, CkdCall *call);
/* Before changing several calls of @provider (groups). */
void ckd_change_set_add_provider (CkdChangeSet *changes, CkdProvider *provider);
/* Announces what changed (calls that ended in between are skipped: their
 * end announced them) and hands the audio sessions on. */
void ckd_change_set_commit (CkdSession *self, CkdChangeSet *changes);

/* The one way a call ends: pending actions fail, the group is fixed up,
 * the final properties go out and the call leaves the registry. */
void ckd_session_end_call (CkdSession *self, CkdCall *call, CkdEndedReason reason, gint64 at);
/* A start-call action was dispatched: the call exists from now on. */
CkdCall *ckd_session_add_outgoing_call (CkdSession *self, CkdProvider *provider,
                                        const CkdAction *start);
/* Hands the audio session to the calls that hold it now, among the calls
 * of @providers (CkdProvider *; NULL: every provider). */
void ckd_session_update_audio_sessions (CkdSession *self, GPtrArray *providers);

/* ckd-session-actions.c */

/* A ringing call rang too long: callkitd asks its provider to end it and
 * ends it as unanswered whatever the answer. */
void ckd_session_end_unanswered (CkdSession *self, CkdCall *call);
/* Pending actions that can no longer happen fail with @reason, without
 * further consequences for the calls. */
void ckd_session_cancel_call_actions (CkdSession *self, CkdCall *call, const char *reason);
void ckd_session_cancel_provider_actions (CkdSession *self, CkdProvider *provider,
                                          const char *reason);
void ckd_session_clear_actions (CkdSession *self);

G_END_DECLS
