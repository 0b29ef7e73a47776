/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The limits callkitd enforces against misbehaving or hostile clients.
 * They are published in Manager.Limits and documented in callkitd(8); keep
 * all three in step. */

#define CKD_MAX_PROVIDERS_PER_CONNECTION 16
/* ---- the whole user session, across all connections ----
 * Per-connection and per-provider limits alone do not bound callkitd: 50
 * clients with 16 providers each could make 800 providers and 200,000
 * calls. These bound the session's total, so that memory and the work per
 * message stay bounded whatever the number of clients; the per-connection
 * limits keep one client from taking all of it. */
#define CKD_MAX_PROVIDERS 64
#define CKD_MAX_LIVE_CALLS 2048
#define CKD_MAX_CALLS_PER_CONNECTION 512
#define CKD_MAX_PENDING_ACTIONS 1024
/* Method calls one connection may make per second (and twice that in a
 * burst) before callkitd refuses them with LimitExceeded unread
 * (--method-call-rate): far above what any app needs (a benchmark's
 * back-to-back calls stay below it), it keeps a flooding client's work
 * per second bounded (see FAIRNESS in callkitd(8)). */
#define CKD_DEFAULT_METHOD_CALLS_PER_SECOND 5000
#define CKD_MAX_CALLS_PER_PROVIDER 256
#define CKD_MAX_ACTIONS_PER_TRANSACTION 32
#define CKD_MAX_PENDING_ACTIONS_PER_PROVIDER 256
/* Bytes, for names, handles, reasons and ids (SIP URIs can be long). */
#define CKD_MAX_STRING_LENGTH 1024
#define CKD_MAX_PATH_LENGTH 4096
#define CKD_MAX_DTMF_DIGITS 128
/* The latest time (microseconds since 1970) any argument may carry:
 * 9999-12-31T23:59:59.999999Z, the last instant GDateTime and the date
 * types of most clients can show. A later one is a bug or an attack (an
 * end in the year 146,000 breaks every duration computed from it). */
#define CKD_MAX_TIME_US G_GINT64_CONSTANT (253402300799999999)
/* Bytes of a ringtone file: a ringtone is decoded into memory when it
 * rings, and 16 MiB is over a minute of uncompressed CD-quality sound. */
#define CKD_MAX_RINGTONE_BYTES (16 * 1024 * 1024)
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
/* Seconds between updates of the ongoing call's duration in its
 * notification ([Notifications] duration-interval): a minute by default,
 * as each update is a D-Bus call and a redraw for the server. */
#define CKD_DEFAULT_DURATION_INTERVAL_SECONDS 60
#define CKD_MAX_DURATION_INTERVAL_SECONDS 3600

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

/* ---- caller identification (lookup services) ---- */

/* Lookup services registered, of every connection together. */
#define CKD_MAX_IDENTIFICATION_SERVICES 16
/* Answers a service's cache keeps (the least recently used go first),
 * and the longest an answer is kept, whatever the service asks. */
#define CKD_MAX_IDENTIFICATION_CACHE_ENTRIES 1024
#define CKD_MAX_IDENTIFICATION_CACHE_SECONDS 86400
#define CKD_DEFAULT_IDENTIFICATION_CACHE_SECONDS 3600
/* How long a new call waits for lookups before it rings and shows
 * ([Identification] deadline-ms), and how long a later answer is still
 * taken (lookup-timeout-ms). */
/* A caller's picture (image_path, image_data): at most this many bytes,
 * PNG or JPEG, at most this many pixels on a side; it is shown scaled to
 * fit a square of CKD_IDENTITY_IMAGE_SHOWN_SIDE pixels. */
#define CKD_MAX_IDENTITY_IMAGE_BYTES (1024 * 1024)
#define CKD_MAX_IDENTITY_IMAGE_SIDE 4096
#define CKD_IDENTITY_IMAGE_SHOWN_SIDE 128
#define CKD_DEFAULT_IDENTIFICATION_DEADLINE_MS 300
#define CKD_MAX_IDENTIFICATION_DEADLINE_MS 5000
#define CKD_DEFAULT_IDENTIFICATION_LOOKUP_TIMEOUT_MS 5000
#define CKD_MAX_IDENTIFICATION_LOOKUP_TIMEOUT_MS 60000

#define CKD_DEFAULT_INCOMING_REPORTS_PER_SECOND 10
#define CKD_DEFAULT_RINGING_TIMEOUT_MS 60000
/* How long the calls restored after a crash of callkitd wait for their
 * provider to register again (--reclaim-grace): libcallkit registers again
 * as soon as the new callkitd owns the bus name, so this only has to
 * cover an app that is busy or restarting. */
#define CKD_DEFAULT_RECLAIM_GRACE_MS 30000
#define CKD_DEFAULT_ACTION_TIMEOUT_MS 10000
#define CKD_DEFAULT_MAXIMUM_CALL_GROUPS 2
#define CKD_DEFAULT_MAXIMUM_CALLS_PER_CALL_GROUP 5

/* ---- the call directory (CallDirectory) ---- */

/* Entries of one list (one app, one kind), and bytes of the text a
 * Replace*Entries reads: a longer stream fails with LimitExceeded and
 * leaves the old list. */
#define CKD_MAX_DIRECTORY_ENTRIES 10000000
#define CKD_MAX_DIRECTORY_INPUT_BYTES (256 * 1024 * 1024)
/* Bytes of one line of that text. */
#define CKD_MAX_DIRECTORY_LINE_LENGTH 4096
/* Numbers (or entries) one Add*Entries or Remove*Entries takes. */
#define CKD_MAX_DIRECTORY_ENTRIES_PER_CALL 10000
/* How long the whole text of a Replace*Entries may take to arrive (a pipe
 * whose writer never closes it fails with TimedOut then):
 * [Directory] read-timeout-seconds= in callkitd.conf. */
#define CKD_DEFAULT_DIRECTORY_READ_TIMEOUT_SECONDS 60
/* Lists of every app together, and changes of one list waiting their
 * turn. */
#define CKD_MAX_DIRECTORY_LISTS 512
#define CKD_MAX_DIRECTORY_PENDING_CHANGES 16
/* Changes (of different lists) read and stored at once, each in a worker
 * thread: more wait their turn, so that pipes kept open cannot tie up
 * more threads than this. */
#define CKD_MAX_DIRECTORY_RUNNING_CHANGES 4

/* Identity (ckd-peers.c): a /.flatpak-info larger than this is not
 * parsed, and its client counts as a sandbox with no app id. */
#define CKD_MAX_FLATPAK_INFO_SIZE 65536
