/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The limits callkitd enforces against misbehaving or hostile clients.
 * They are published in Manager.Limits and documented in callkitd(8); keep
 * all three in step. */

#define CKD_MAX_PROVIDERS_PER_CONNECTION 16
#define CKD_MAX_CALLS_PER_PROVIDER 256
#define CKD_MAX_ACTIONS_PER_TRANSACTION 32
#define CKD_MAX_PENDING_ACTIONS_PER_PROVIDER 256
/* Bytes, for names, handles, reasons and ids (SIP URIs can be long). */
#define CKD_MAX_STRING_LENGTH 1024
#define CKD_MAX_PATH_LENGTH 4096
#define CKD_MAX_DTMF_DIGITS 128
/* Ended call UUIDs remembered so that a late duplicate report of a call
 * that already ended is refused rather than ringing again. */
#define CKD_REMEMBERED_ENDED_CALLS 1024
/* Missed-call notifications kept (shown, or waiting for a notification
 * server): a flood of missed calls closes the oldest rather than growing
 * without bound. */
#define CKD_MAX_MISSED_CALL_NOTIFICATIONS 100
/* History entries one GetEntries reply carries at most (page with
 * `before` for more), and entry ids one MarkSeen or DeleteEntries takes. */
#define CKD_MAX_HISTORY_ENTRIES_PER_REPLY 1000
#define CKD_MAX_HISTORY_IDS_PER_CALL 1000
/* How long callkitd, stopping, waits for the notification server to answer
 * Notify calls still in flight, so that it can close those notifications
 * too. */
#define CKD_NOTIFIER_SHUTDOWN_WAIT_MS 2000

#define CKD_DEFAULT_INCOMING_REPORTS_PER_SECOND 10
#define CKD_DEFAULT_RINGING_TIMEOUT_MS 60000
#define CKD_DEFAULT_ACTION_TIMEOUT_MS 10000
#define CKD_DEFAULT_MAXIMUM_CALL_GROUPS 2
#define CKD_DEFAULT_MAXIMUM_CALLS_PER_CALL_GROUP 5
