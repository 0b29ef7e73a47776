/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Enumerations travel as strings on the bus; these tables are the one place
 * where the strings are spelled. */

typedef enum
{
  CKD_CALL_STATE_RINGING,
  CKD_CALL_STATE_DIALING,
  CKD_CALL_STATE_CONNECTING,
  CKD_CALL_STATE_ACTIVE,
  CKD_CALL_STATE_HELD,
  CKD_CALL_STATE_ENDED,
} CkdCallState;

typedef enum
{
  CKD_ACTION_START_CALL,
  CKD_ACTION_ANSWER_CALL,
  CKD_ACTION_END_CALL,
  CKD_ACTION_SET_HELD,
  CKD_ACTION_SET_MUTED,
  CKD_ACTION_SET_GROUP,
  CKD_ACTION_PLAY_DTMF,
  CKD_ACTION_N_TYPES,
} CkdActionType;

typedef enum
{
  CKD_ENDED_REASON_NONE,
  CKD_ENDED_REASON_FAILED,
  CKD_ENDED_REASON_REMOTE_ENDED,
  CKD_ENDED_REASON_UNANSWERED,
  CKD_ENDED_REASON_ANSWERED_ELSEWHERE,
  CKD_ENDED_REASON_DECLINED_ELSEWHERE,
  CKD_ENDED_REASON_HUNG_UP,
  CKD_ENDED_REASON_DECLINED,
} CkdEndedReason;

typedef enum
{
  CKD_HANDLE_GENERIC,
  CKD_HANDLE_PHONE_NUMBER,
  CKD_HANDLE_EMAIL_ADDRESS,
  CKD_HANDLE_N_TYPES,
} CkdHandleType;

typedef enum
{
  CKD_DTMF_SINGLE_TONE,
  CKD_DTMF_SOFT_PAUSE,
  CKD_DTMF_HARD_PAUSE,
} CkdDtmfType;

/* Why callkitd kept an incoming call from the user: it never rang (a
 * blocked caller, do not disturb) or it rang nothing because its push
 * came too late or its app never started to take it. The call still goes
 * to the history, marked so. */
typedef enum
{
  CKD_CALL_FILTER_NONE,
  CKD_CALL_FILTER_BLOCK_LIST,
  CKD_CALL_FILTER_DO_NOT_DISTURB,
  CKD_CALL_FILTER_STALE_PUSH,
  CKD_CALL_FILTER_PUSH_UNDELIVERED,
  CKD_CALL_FILTER_N_KINDS,
} CkdCallFilter;

typedef enum
{
  CKD_OUTCOME_PENDING,
  CKD_OUTCOME_FULFILLED,
  CKD_OUTCOME_FAILED,
  CKD_OUTCOME_TIMED_OUT,
} CkdOutcome;

const char *ckd_call_state_to_string (CkdCallState state);
const char *ckd_action_type_to_string (CkdActionType type);
gboolean ckd_action_type_from_string (const char *s, CkdActionType *out);
const char *ckd_ended_reason_to_string (CkdEndedReason reason);
gboolean ckd_ended_reason_from_string (const char *s, CkdEndedReason *out);
/* Only the reasons a provider may report (not hung-up or declined). */
gboolean ckd_ended_reason_is_reportable (CkdEndedReason reason);
const char *ckd_handle_type_to_string (CkdHandleType type);
gboolean ckd_handle_type_from_string (const char *s, CkdHandleType *out);
const char *ckd_dtmf_type_to_string (CkdDtmfType type);
gboolean ckd_dtmf_type_from_string (const char *s, CkdDtmfType *out);
const char *ckd_outcome_to_string (CkdOutcome outcome);
/* "" for CKD_CALL_FILTER_NONE. */
const char *ckd_call_filter_to_string (CkdCallFilter filter);
gboolean ckd_call_filter_from_string (const char *s, CkdCallFilter *out);

/* Live calls that count as a call group: everything but ringing and ended. */
gboolean ckd_call_state_is_live_group (CkdCallState state);
/* Calls that count as the active group of the session (not held). */
gboolean ckd_call_state_is_active_like (CkdCallState state);

/* A remote party; an empty value means the caller is unknown. */
typedef struct
{
  CkdHandleType type;
  char *value;
} CkdHandle;

void ckd_handle_clear (CkdHandle *handle);
void ckd_handle_copy (CkdHandle *dest, const CkdHandle *src);

/* Client input quoted in an error message: at most 64 bytes, still valid
 * UTF-8, so that a huge argument is not echoed back whole. */
char *ckd_shorten (const char *s);

/* Whether @t (microseconds since 1970, from a client) is within the
 * documented bounds: not before 1970, not after CKD_MAX_TIME_US. Else
 * sets InvalidArgument naming @what. */
gboolean ckd_time_check (gint64 t, const char *what, GError **error);

/* Microseconds since the Unix epoch; 0 on the bus means now. */
static inline gint64
ckd_time_or_now (gint64 t)
{
  return t != 0 ? t : g_get_real_time ();
}

G_END_DECLS
