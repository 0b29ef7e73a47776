/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-history.h"
#include "ckd-notification-client.h"

G_BEGIN_DECLS

/* The missed-call notifications, part of the call presenter: the history's
 * missed calls that the user has not seen, shown until they are seen, so
 * again after callkitd or the notification server restarts
 * ([Notifications] missed-persistent; otherwise only as they happen).
 * Dismissing one marks its entry seen; Call back calls back through the
 * history (ckd_history_call_back()). It follows the history and the
 * settings itself; the presenter owns the notification client and hands
 * its events on. */

typedef struct _CkdMissedCalls CkdMissedCalls;

CkdMissedCalls *ckd_missed_calls_new (CkdHistory *history, CkdSettings *settings,
                                      CkdNotificationClient *client);
/* After ckd_missed_calls_stop() and once @client is freed. */
void ckd_missed_calls_free (CkdMissedCalls *self);

/* The client's events; those two return whether the notification was one
 * of ours. */
void ckd_missed_calls_server_changed (CkdMissedCalls *self);
gboolean ckd_missed_calls_action_invoked (CkdMissedCalls *self, guint32 id, const char *key);
gboolean ckd_missed_calls_closed (CkdMissedCalls *self, guint32 id, guint32 reason);

/* callkitd is stopping: what is shown closes (what is in flight closes
 * when its id comes), and nothing new is shown. */
void ckd_missed_calls_stop (CkdMissedCalls *self);
/* Notify calls not answered yet. */
guint ckd_missed_calls_get_in_flight (CkdMissedCalls *self);

G_END_DECLS
