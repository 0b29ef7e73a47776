/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-types.h"

G_BEGIN_DECLS

/* VoIP wake-up pushes with PushKit's contract, as pure rules: what a push
 * says about itself (its metadata), and what callkitd does with it given
 * what it knows (the decision: deliver with or without the duty to report
 * a call, or drop it and why). The PushRegistry front end
 * (ckd-push-registry.c) keeps the state and applies the decision; the
 * rules live here so that unit tests reach every one of them. */

typedef enum
{
  CKD_PUSH_DELIVERED, /* PushReceived went (or goes) to the app */
  CKD_PUSH_QUEUED,    /* the app is being started; delivered once it registers */
  CKD_PUSH_EXPIRED,   /* expires_at had passed: dropped */
  CKD_PUSH_DUPLICATE, /* its push_id was delivered before: dropped */
  CKD_PUSH_CALL_ENDED, /* it names a call that ended: rings nothing */
  CKD_PUSH_THROTTLED, /* the app missed too many report deadlines */
  CKD_PUSH_N_OUTCOMES,
} CkdPushOutcome;

/* Why a delivered push does not oblige the app to report a call. */
typedef enum
{
  CKD_PUSH_REASON_NONE,        /* it does: must_report */
  CKD_PUSH_REASON_FOREGROUND,  /* the app said it is in the foreground */
  CKD_PUSH_REASON_ACTIVE_CALL, /* it names a live call, or the app has one */
  CKD_PUSH_REASON_STALE,       /* sent longer ago than the stale threshold */
} CkdPushReason;

const char *ckd_push_outcome_to_string (CkdPushOutcome outcome);
const char *ckd_push_reason_to_string (CkdPushReason reason);

/* DeliverPush's metadata (and a UnifiedPush envelope's): only the keys
 * present count. */
typedef struct
{
  char *push_id;
  gint64 sent_at;    /* 0: not known (taken as fresh) */
  gint64 expires_at; /* 0: never */
  char *call_uuid;   /* canonical lower case, or NULL */
  CkdHandle remote_handle;
  char *localized_caller_name;
  guint64 present; /* bit per key, in the order above */
} CkdPushMetadata;

enum
{
  CKD_PUSH_KEY_PUSH_ID,
  CKD_PUSH_KEY_SENT_AT,
  CKD_PUSH_KEY_EXPIRES_AT,
  CKD_PUSH_KEY_CALL_UUID,
  CKD_PUSH_KEY_REMOTE_HANDLE,
  CKD_PUSH_KEY_LOCALIZED_CALLER_NAME,
  CKD_PUSH_N_KEYS,
};

/* Parses @dict (a{sv}); unknown keys, wrong types and bad values fail
 * with InvalidArgument naming the key. */
gboolean ckd_push_metadata_parse (CkdPushMetadata *metadata, GVariant *dict, GError **error);
void ckd_push_metadata_clear (CkdPushMetadata *metadata);
/* The key @index, as DeliverPush spells it. */
const char *ckd_push_metadata_key (guint index);
/* Adds the keys present to @builder (a{sv}). */
void ckd_push_metadata_build (const CkdPushMetadata *metadata, GVariantBuilder *builder);
/* Whether it says who calls: a remote handle or a name. */
gboolean ckd_push_metadata_has_caller (const CkdPushMetadata *metadata);

/* What the push's call_uuid names. */
typedef enum
{
  CKD_PUSH_NAMES_NONE,  /* no call_uuid, or a call callkitd never saw */
  CKD_PUSH_NAMES_LIVE_CALL,  /* a live call */
  CKD_PUSH_NAMES_ENDED_CALL, /* a call that ended, or was refused or missed */
} CkdPushNamedCall;

/* What callkitd knows when the push arrives. */
typedef struct
{
  gint64 now;         /* real time, microseconds since the epoch */
  gint64 stale_after; /* microseconds */
  CkdPushNamedCall call;
  gboolean duplicate;     /* its push_id is among those delivered recently */
  gboolean app_in_call;   /* the app has a live call */
  gboolean foreground;    /* the app said so */
  gboolean throttled;     /* the app is throttled now */
} CkdPushContext;

typedef struct
{
  CkdPushOutcome outcome;
  gboolean must_report;
  CkdPushReason reason;
  /* Stale with a caller: shown (and kept) as a missed call, never rung. */
  gboolean missed_call;
} CkdPushDecision;

/* The rules, first match wins: expired; duplicate; names a live call
 * (delivered, active-call); names an ended call (call-ended); stale
 * (delivered, stale, a missed call when it names the caller); the app has
 * a live call (active-call) or is in the foreground (foreground); the app
 * is throttled (throttled); else delivered with must_report. Throttling
 * holds back only pushes that would oblige the app to report. */
void ckd_push_decide (const CkdPushMetadata *metadata, const CkdPushContext *context,
                      CkdPushDecision *decision);

/* A reverse-DNS application id ("org.example.Phone"), as a .desktop file
 * or a Flatpak is named. */
gboolean ckd_app_id_is_valid (const char *app_id);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CkdPushMetadata, ckd_push_metadata_clear)

G_END_DECLS
