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

/* ---- pushes (PushRegistry) ---- */

/* Bytes of a push's payload (DeliverPush, a UnifiedPush message). Web Push
 * servers take 4096 bytes; the envelope around it needs a little more. */
#define CKD_MAX_PUSH_PAYLOAD 8192
/* Registered app ids, of every connection together. */
#define CKD_MAX_PUSH_REGISTRATIONS 256
/* Pushes one token takes per second, and in a burst. */
#define CKD_PUSH_RATE_PER_SECOND 10
/* Pushes waiting for an app that is being started. */
#define CKD_MAX_QUEUED_PUSHES 32
/* push_id values remembered per token, and for how long: a duplicate
 * within both is not delivered again. */
#define CKD_PUSH_DUPLICATE_IDS 256
#define CKD_PUSH_DUPLICATE_WINDOW_SECONDS 86400
/* Pushes waiting for their call to be reported, per token. */
#define CKD_MAX_PENDING_REPORTS 64

/* Do not disturb: numbers on the user's allow list ([DoNotDisturb]
 * allow-list=), and callers remembered for the repeated-call exception
 * (the oldest are forgotten first). */
#define CKD_MAX_DO_NOT_DISTURB_ALLOW_LIST 1000
#define CKD_MAX_DO_NOT_DISTURB_REMEMBERED_CALLERS 256

#define CKD_DEFAULT_PUSH_STALE_AFTER_SECONDS 30
#define CKD_DEFAULT_PUSH_REPORT_DEADLINE_MS 10000
#define CKD_DEFAULT_PUSH_VIOLATIONS_BEFORE_THROTTLE 3
#define CKD_DEFAULT_PUSH_THROTTLE_SECONDS 300
#define CKD_DEFAULT_PUSH_ACTIVATION_TIMEOUT_MS 30000

#define CKD_DEFAULT_INCOMING_REPORTS_PER_SECOND 10
#define CKD_DEFAULT_RINGING_TIMEOUT_MS 60000
#define CKD_DEFAULT_ACTION_TIMEOUT_MS 10000
#define CKD_DEFAULT_MAXIMUM_CALL_GROUPS 2
#define CKD_DEFAULT_MAXIMUM_CALLS_PER_CALL_GROUP 5
