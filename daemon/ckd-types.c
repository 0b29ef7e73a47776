/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-types.h"

static const char *const call_states[] = {
  "ringing", "dialing", "connecting", "active", "held", "ended",
};
static const char *const action_types[] = {
  "start-call", "answer-call", "end-call", "set-held", "set-muted", "set-group", "play-dtmf",
};
static const char *const ended_reasons[] = {
  "",          "failed",     "remote-ended", "unanswered", "answered-elsewhere",
  "declined-elsewhere", "hung-up", "declined",
};
static const char *const handle_types[] = { "generic", "phone-number", "email-address" };
static const char *const dtmf_types[] = { "single-tone", "soft-pause", "hard-pause" };
static const char *const outcomes[] = { "pending", "fulfilled", "failed", "timed-out" };
static const char *const call_filters[] = { "",           "block-list",      "do-not-disturb",
                                            "stale-push", "push-undelivered" };

G_STATIC_ASSERT (G_N_ELEMENTS (action_types) == CKD_ACTION_N_TYPES);
G_STATIC_ASSERT (G_N_ELEMENTS (handle_types) == CKD_HANDLE_N_TYPES);
G_STATIC_ASSERT (G_N_ELEMENTS (call_filters) == CKD_CALL_FILTER_N_KINDS);

static gboolean
lookup (const char *const *names, guint n_names, const char *s, int *out)
{
  for (guint i = 0; i < n_names; i++)
    if (g_str_equal (names[i], s))
      {
        *out = (int) i;
        return TRUE;
      }
  return FALSE;
}

#define DEFINE_ENUM_STRINGS(prefix, Type, table)                          \
  const char *prefix##_to_string (Type value)                             \
  {                                                                       \
    g_return_val_if_fail ((guint) value < G_N_ELEMENTS (table), "");      \
    return table[value];                                                  \
  }                                                                       \
  gboolean prefix##_from_string (const char *s, Type *out)                \
  {                                                                       \
    int v;                                                                \
    if (s == NULL || !lookup (table, G_N_ELEMENTS (table), s, &v))        \
      return FALSE;                                                       \
    *out = (Type) v;                                                      \
    return TRUE;                                                          \
  }

DEFINE_ENUM_STRINGS (ckd_action_type, CkdActionType, action_types)
DEFINE_ENUM_STRINGS (ckd_ended_reason, CkdEndedReason, ended_reasons)
DEFINE_ENUM_STRINGS (ckd_handle_type, CkdHandleType, handle_types)
DEFINE_ENUM_STRINGS (ckd_dtmf_type, CkdDtmfType, dtmf_types)
DEFINE_ENUM_STRINGS (ckd_call_filter, CkdCallFilter, call_filters)

const char *
ckd_call_state_to_string (CkdCallState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (call_states), "");
  return call_states[state];
}

const char *
ckd_outcome_to_string (CkdOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcomes), "");
  return outcomes[outcome];
}

gboolean
ckd_ended_reason_is_reportable (CkdEndedReason reason)
{
  switch (reason)
    {
    case CKD_ENDED_REASON_FAILED:
    case CKD_ENDED_REASON_REMOTE_ENDED:
    case CKD_ENDED_REASON_UNANSWERED:
    case CKD_ENDED_REASON_ANSWERED_ELSEWHERE:
    case CKD_ENDED_REASON_DECLINED_ELSEWHERE:
      return TRUE;
    case CKD_ENDED_REASON_NONE:
    case CKD_ENDED_REASON_HUNG_UP:
    case CKD_ENDED_REASON_DECLINED:
    default:
      return FALSE;
    }
}

gboolean
ckd_call_state_is_live_group (CkdCallState state)
{
  return state != CKD_CALL_STATE_RINGING && state != CKD_CALL_STATE_ENDED;
}

gboolean
ckd_call_state_is_active_like (CkdCallState state)
{
  return state == CKD_CALL_STATE_DIALING || state == CKD_CALL_STATE_CONNECTING
         || state == CKD_CALL_STATE_ACTIVE;
}

void
ckd_handle_clear (CkdHandle *handle)
{
  g_clear_pointer (&handle->value, g_free);
  handle->type = CKD_HANDLE_GENERIC;
}

void
ckd_handle_copy (CkdHandle *dest, const CkdHandle *src)
{
  g_free (dest->value);
  dest->type = src->type;
  dest->value = g_strdup (src->value ? src->value : "");
}

char *
ckd_shorten (const char *s)
{
  gsize len;

  if (s == NULL)
    return g_strdup ("");
  len = strlen (s);
  if (len <= 64)
    return g_utf8_make_valid (s, len);
  {
    g_autofree char *head = g_utf8_make_valid (s, 64);
    return g_strconcat (head, "…", NULL);
  }
}

gboolean
ckd_time_check (gint64 t, const char *what, GError **error)
{
  if (t < 0)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s is a time before 1970",
                   what);
      return FALSE;
    }
  if (t > CKD_MAX_TIME_US)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s is a time after the year 9999 (%" G_GINT64_FORMAT
                   " microseconds since 1970, at most %" G_GINT64_FORMAT ")",
                   what, t, CKD_MAX_TIME_US);
      return FALSE;
    }
  return TRUE;
}
