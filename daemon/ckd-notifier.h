/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ckd-call.h"
#include "ckd-transaction.h"

G_BEGIN_DECLS

/* The incoming-call UI: desktop notifications (org.freedesktop.Notifications)
 * for ringing, ongoing and missed calls, and what their actions do. */

typedef struct _CkdNotifier CkdNotifier;

/* What the Answer button of a ringing call does, decided by validating
 * trial transactions (nothing is dispatched). */
typedef enum
{
  CKD_NOTIFIER_ANSWER,             /* answering alone is valid */
  CKD_NOTIFIER_HOLD_OR_END_ANSWER, /* another call must be held or ended first */
  CKD_NOTIFIER_HOLD_ANSWER,        /* ... and can only be held */
  CKD_NOTIFIER_END_ANSWER,         /* ... and can only be ended */
  CKD_NOTIFIER_NO_ANSWER,          /* nothing makes answering valid */
} CkdNotifierAnswer;

/* The pure parts, reachable from unit tests without a bus. */
char *ckd_notifier_caller_label (const CkdCall *call);
char *ckd_notifier_ringing_summary (const CkdCall *call);
char *ckd_notifier_ringing_body (const CkdCall *call, gboolean markup);
char *ckd_notifier_missed_summary (const CkdCall *call);
/* The live call (not @call) that answering @call would have to hold or
 * end, or NULL. */
CkdCall *ckd_notifier_find_active_call (GHashTable *live_calls, const CkdCall *call);
CkdNotifierAnswer ckd_notifier_choose_answer (GHashTable *live_calls, CkdCall *call);
/* The action keys and labels of a ringing call's notification, as the
 * Notify method takes them (key, label, key, label, ...). */
GStrv ckd_notifier_ringing_actions (CkdNotifierAnswer answer);
/* The ongoing (active or held) call's notification. */
char *ckd_notifier_ongoing_body (const CkdCall *call, gboolean markup);
GStrv ckd_notifier_ongoing_actions (const CkdCall *call);

/* Watches the notification server on @connection. @ctx is a CkdContext *
 * (its manager must be exported already). */
CkdNotifier *ckd_notifier_new (gpointer ctx, GDBusConnection *connection);
/* Closes what is still shown and stops watching. */
void ckd_notifier_free (CkdNotifier *self);

/* A call appeared or changed (state, caller, other calls): shows, updates
 * or closes its ringing notification, and refreshes the others. */
void ckd_notifier_calls_changed (CkdNotifier *self);
/* The same when only @call changed. */
void ckd_notifier_call_changed (CkdNotifier *self, CkdCall *call);
/* @call just ended; @was_ringing: it was an incoming call still ringing. */
void ckd_notifier_call_ended (CkdNotifier *self, CkdCall *call, gboolean was_ringing);

G_END_DECLS
