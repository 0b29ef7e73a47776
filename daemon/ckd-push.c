/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-push.h"

static const char *const outcomes[] = {
  [CKD_PUSH_DELIVERED] = "delivered",
  [CKD_PUSH_QUEUED] = "queued",
  [CKD_PUSH_EXPIRED] = "expired",
  [CKD_PUSH_DUPLICATE] = "duplicate",
  [CKD_PUSH_CALL_ENDED] = "call-ended",
  [CKD_PUSH_THROTTLED] = "throttled",
};

G_STATIC_ASSERT (G_N_ELEMENTS (outcomes) == CKD_PUSH_N_OUTCOMES);

static const char *const reasons[] = {
  [CKD_PUSH_REASON_NONE] = "",
  [CKD_PUSH_REASON_FOREGROUND] = "foreground",
  [CKD_PUSH_REASON_ACTIVE_CALL] = "active-call",
  [CKD_PUSH_REASON_STALE] = "stale",
};

const char *
ckd_push_outcome_to_string (CkdPushOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcomes), "");
  return outcomes[outcome];
}

const char *
ckd_push_reason_to_string (CkdPushReason reason)
{
  g_return_val_if_fail ((guint) reason < G_N_ELEMENTS (reasons), "");
  return reasons[reason];
}

/* ---- metadata ------------------------------------------------------- */

static gboolean
check_uuid (const char *what, const char *key, gconstpointer field, GError **error)
{
  const char *uuid = *(char *const *) field;

  if (g_uuid_string_is_valid (uuid))
    return TRUE;
  {
    g_autofree char *shown = ckd_shorten (uuid);
    g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                 "%s: '%s' is '%s', not a UUID (expected 8-4-4-4-12 hex digits)", what, key,
                 shown);
  }
  return FALSE;
}

#define FIELD(name, kind, check) \
  { #name, kind, G_STRUCT_OFFSET (CkdPushMetadata, name), 0, 0, check }

/* In the order of CKD_PUSH_KEY_*. */
static const CkdDictField metadata_fields[] = {
  FIELD (push_id, CKD_FIELD_STRING, NULL),
  FIELD (sent_at, CKD_FIELD_TIME, NULL),
  FIELD (expires_at, CKD_FIELD_TIME, NULL),
  FIELD (call_uuid, CKD_FIELD_STRING, check_uuid),
  FIELD (remote_handle, CKD_FIELD_HANDLE, NULL),
  FIELD (localized_caller_name, CKD_FIELD_STRING, NULL),
};

G_STATIC_ASSERT (G_N_ELEMENTS (metadata_fields) == CKD_PUSH_N_KEYS);

#define HAS(metadata, key) (((metadata)->present & (G_GUINT64_CONSTANT (1) << (key))) != 0)

gboolean
ckd_push_metadata_parse (CkdPushMetadata *metadata, GVariant *dict, GError **error)
{
  if (!ckd_dict_parse (dict, metadata_fields, G_N_ELEMENTS (metadata_fields), metadata,
                       &metadata->present, "metadata", error))
    return FALSE;
  if (metadata->call_uuid != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (metadata->call_uuid, -1);
      g_free (metadata->call_uuid);
      metadata->call_uuid = g_steal_pointer (&lower);
    }
  return TRUE;
}

void
ckd_push_metadata_clear (CkdPushMetadata *metadata)
{
  ckd_dict_clear (metadata_fields, G_N_ELEMENTS (metadata_fields), metadata);
  *metadata = (CkdPushMetadata) { 0 };
}

const char *
ckd_push_metadata_key (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (metadata_fields), NULL);
  return metadata_fields[index].key;
}

void
ckd_push_metadata_build (const CkdPushMetadata *metadata, GVariantBuilder *builder)
{
  for (guint i = 0; i < G_N_ELEMENTS (metadata_fields); i++)
    if (HAS (metadata, i))
      ckd_dict_build (&metadata_fields[i], 1, metadata, builder);
}

gboolean
ckd_push_metadata_has_caller (const CkdPushMetadata *metadata)
{
  return (metadata->remote_handle.value != NULL && *metadata->remote_handle.value != '\0')
         || (metadata->localized_caller_name != NULL && *metadata->localized_caller_name != '\0');
}

/* ---- the rules ------------------------------------------------------ */

static void
decide (CkdPushDecision *decision, CkdPushOutcome outcome, gboolean must_report,
        CkdPushReason reason)
{
  *decision = (CkdPushDecision) {
    .outcome = outcome,
    .must_report = must_report,
    .reason = reason,
  };
}

void
ckd_push_decide (const CkdPushMetadata *metadata, const CkdPushContext *context,
                 CkdPushDecision *decision)
{
  /* A sender's clock ahead of ours makes a push from the future: fresh. */
  gboolean stale = metadata->sent_at != 0 && context->now - metadata->sent_at > context->stale_after;

  if (metadata->expires_at != 0 && metadata->expires_at <= context->now)
    decide (decision, CKD_PUSH_EXPIRED, FALSE, CKD_PUSH_REASON_NONE);
  else if (context->duplicate)
    decide (decision, CKD_PUSH_DUPLICATE, FALSE, CKD_PUSH_REASON_NONE);
  /* A cancel, a decline or an answer elsewhere reaching the ringing call:
   * the app ends or updates it, it reports nothing new. */
  else if (context->call == CKD_PUSH_NAMES_LIVE_CALL)
    decide (decision, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_ACTIVE_CALL);
  else if (context->call == CKD_PUSH_NAMES_ENDED_CALL)
    decide (decision, CKD_PUSH_CALL_ENDED, FALSE, CKD_PUSH_REASON_NONE);
  else if (stale)
    {
      decide (decision, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_STALE);
      decision->missed_call = ckd_push_metadata_has_caller (metadata);
    }
  else if (context->app_in_call)
    decide (decision, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_ACTIVE_CALL);
  else if (context->foreground)
    decide (decision, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_FOREGROUND);
  else if (context->throttled)
    decide (decision, CKD_PUSH_THROTTLED, FALSE, CKD_PUSH_REASON_NONE);
  else
    decide (decision, CKD_PUSH_DELIVERED, TRUE, CKD_PUSH_REASON_NONE);
}

gboolean
ckd_app_id_is_valid (const char *app_id)
{
  return app_id != NULL && g_application_id_is_valid (app_id);
}
