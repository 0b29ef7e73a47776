/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-history.h"
#include "ckd-notification-client.h"
#include "ckd-session.h"

G_BEGIN_DECLS

/* The incoming-call UI: ringing, ongoing and missed calls as desktop
 * notifications, and what their buttons do. It follows the registry
 * (calls, their providers, the ringtone capability), the history (missed
 * calls, ckd-missed-calls.c) and the settings, shows through a
 * CkdNotificationClient, and turns clicks into transactions of the session
 * or calls back through the history. It sets the `notifications`
 * capability while a server with actions runs. */

typedef struct _CkdCallPresenter CkdCallPresenter;

CkdCallPresenter *ckd_call_presenter_new (CkdSession *session, CkdHistory *history,
                                          sd_bus *bus);
/* Closes what is still shown (waiting a moment for answers to Notify
 * calls in flight, so that those close too) and stops. */
void ckd_call_presenter_free (CkdCallPresenter *self);

G_END_DECLS
