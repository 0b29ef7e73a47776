/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push rules (ckd-push.c): metadata parsing and the decision of what
 * a push does, rule by rule and in their order. */
#include "config.h"

#include "ckd-error.h"
#include "ckd-push.h"

#define NOW G_GINT64_CONSTANT (1700000000000000)
#define SECOND G_GINT64_CONSTANT (1000000)

static GVariant *
parse_dict (const char *text)
{
  g_autoptr (GError) error = NULL;
  /* Not floating: the caller owns it. */
  GVariant *v = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

  g_assert_no_error (error);
  return v;
}

static void
test_metadata (void)
{
  g_autoptr (GVariant) dict = parse_dict (
    "{'push_id': <'p1'>, 'sent_at': <int64 5>, 'expires_at': <int64 9>, "
    "'call_uuid': <'6F1D2C3B-0000-4000-8000-00000000ABCD'>, "
    "'remote_handle': <('phone-number', '+4930123')>, 'localized_caller_name': <'Ada'>}");
  g_auto (CkdPushMetadata) metadata = { 0 };
  g_autoptr (GError) error = NULL;
  GVariantBuilder builder;
  g_autoptr (GVariant) built = NULL;

  g_assert_true (ckd_push_metadata_parse (&metadata, dict, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (metadata.push_id, ==, "p1");
  g_assert_cmpint (metadata.sent_at, ==, 5);
  g_assert_cmpint (metadata.expires_at, ==, 9);
  /* Canonical lower case, as call UUIDs are everywhere. */
  g_assert_cmpstr (metadata.call_uuid, ==, "6f1d2c3b-0000-4000-8000-00000000abcd");
  g_assert_cmpstr (metadata.remote_handle.value, ==, "+4930123");
  g_assert_true (ckd_push_metadata_has_caller (&metadata));
  g_assert_cmpuint (metadata.present, ==, (1u << CKD_PUSH_N_KEYS) - 1);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ckd_push_metadata_build (&metadata, &builder);
  built = g_variant_ref_sink (g_variant_builder_end (&builder));
  g_assert_cmpuint (g_variant_n_children (built), ==, CKD_PUSH_N_KEYS);
}

static void
test_metadata_errors (void)
{
  const struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "{'sent_at': <'yesterday'>}", "metadata: 'sent_at' must be of type x, not s" },
    { "{'call_uuid': <'not-a-uuid'>}", "metadata: 'call_uuid' is 'not-a-uuid', not a UUID" },
    { "{'remote_handle': <'+4930123'>}", "metadata: 'remote_handle' must be of type (ss), not s" },
    { "{'expires_at': <int64 -1>}", "metadata: 'expires_at' is a time before 1970" },
    { "{'priority': <'high'>}", "metadata: unknown key 'priority'" },
    { "{'push_id': <uint32 7>}", "metadata: 'push_id' must be of type s, not u" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GVariant) dict = parse_dict (cases[i].text);
      g_auto (CkdPushMetadata) metadata = { 0 };
      g_autoptr (GError) error = NULL;

      g_assert_false (ckd_push_metadata_parse (&metadata, dict, &error));
      g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, cases[i].message));
    }
}

/* A push that would ring, and what callkitd knows of an idle app. */
static void
setup (CkdPushMetadata *metadata, CkdPushContext *context)
{
  ckd_push_metadata_clear (metadata);
  metadata->sent_at = NOW - SECOND;
  metadata->remote_handle.value = g_strdup ("+4930123");
  *context = (CkdPushContext) {
    .now = NOW,
    .stale_after = 30 * SECOND,
    .call = CKD_PUSH_NAMES_NONE,
  };
}

static void
assert_decision (const CkdPushMetadata *metadata, const CkdPushContext *context,
                 CkdPushOutcome outcome, gboolean must_report, CkdPushReason reason)
{
  CkdPushDecision decision;

  ckd_push_decide (metadata, context, &decision);
  g_assert_cmpstr (ckd_push_outcome_to_string (decision.outcome), ==,
                   ckd_push_outcome_to_string (outcome));
  g_assert_cmpint (decision.must_report, ==, must_report);
  g_assert_cmpstr (ckd_push_reason_to_string (decision.reason), ==,
                   ckd_push_reason_to_string (reason));
}

static void
test_each_rule (void)
{
  g_auto (CkdPushMetadata) metadata = { 0 };
  CkdPushContext context;
  CkdPushDecision decision;

  setup (&metadata, &context);
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, TRUE, CKD_PUSH_REASON_NONE);

  metadata.expires_at = NOW;
  assert_decision (&metadata, &context, CKD_PUSH_EXPIRED, FALSE, CKD_PUSH_REASON_NONE);
  metadata.expires_at = NOW + 1;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, TRUE, CKD_PUSH_REASON_NONE);

  context.duplicate = TRUE;
  assert_decision (&metadata, &context, CKD_PUSH_DUPLICATE, FALSE, CKD_PUSH_REASON_NONE);
  context.duplicate = FALSE;

  context.call = CKD_PUSH_NAMES_LIVE_CALL;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_ACTIVE_CALL);
  context.call = CKD_PUSH_NAMES_ENDED_CALL;
  assert_decision (&metadata, &context, CKD_PUSH_CALL_ENDED, FALSE, CKD_PUSH_REASON_NONE);
  context.call = CKD_PUSH_NAMES_NONE;

  /* Stale: older than the threshold, not at it. */
  metadata.sent_at = NOW - 30 * SECOND;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, TRUE, CKD_PUSH_REASON_NONE);
  metadata.sent_at = NOW - 30 * SECOND - 1;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_STALE);
  ckd_push_decide (&metadata, &context, &decision);
  g_assert_true (decision.missed_call);
  /* Without a caller it is no missed call. */
  g_clear_pointer (&metadata.remote_handle.value, g_free);
  ckd_push_decide (&metadata, &context, &decision);
  g_assert_false (decision.missed_call);
  metadata.localized_caller_name = g_strdup ("Ada");
  ckd_push_decide (&metadata, &context, &decision);
  g_assert_true (decision.missed_call);
  /* From the future (a sender's clock ahead): fresh. */
  metadata.sent_at = NOW + 3600 * SECOND;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, TRUE, CKD_PUSH_REASON_NONE);
  metadata.sent_at = 0;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, TRUE, CKD_PUSH_REASON_NONE);

  context.app_in_call = TRUE;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_ACTIVE_CALL);
  context.app_in_call = FALSE;
  context.foreground = TRUE;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_FOREGROUND);
  context.foreground = FALSE;
  context.throttled = TRUE;
  assert_decision (&metadata, &context, CKD_PUSH_THROTTLED, FALSE, CKD_PUSH_REASON_NONE);
}

static void
test_order (void)
{
  g_auto (CkdPushMetadata) metadata = { 0 };
  CkdPushContext context;

  /* Expired wins over everything; duplicate over the call. */
  setup (&metadata, &context);
  metadata.expires_at = NOW - 1;
  context.duplicate = TRUE;
  context.call = CKD_PUSH_NAMES_LIVE_CALL;
  assert_decision (&metadata, &context, CKD_PUSH_EXPIRED, FALSE, CKD_PUSH_REASON_NONE);
  metadata.expires_at = 0;
  assert_decision (&metadata, &context, CKD_PUSH_DUPLICATE, FALSE, CKD_PUSH_REASON_NONE);

  /* A cancel for the ringing call arrives even late and even to a
   * throttled app: it asks for no report. */
  setup (&metadata, &context);
  metadata.sent_at = NOW - 3600 * SECOND;
  context.call = CKD_PUSH_NAMES_LIVE_CALL;
  context.throttled = TRUE;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_ACTIVE_CALL);
  /* A late push about an ended call rings nothing, stale or not. */
  context.call = CKD_PUSH_NAMES_ENDED_CALL;
  assert_decision (&metadata, &context, CKD_PUSH_CALL_ENDED, FALSE, CKD_PUSH_REASON_NONE);

  /* Throttling holds back only pushes that would oblige a report. */
  setup (&metadata, &context);
  context.throttled = TRUE;
  context.foreground = TRUE;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_FOREGROUND);
  context.foreground = FALSE;
  metadata.sent_at = NOW - 60 * SECOND;
  assert_decision (&metadata, &context, CKD_PUSH_DELIVERED, FALSE, CKD_PUSH_REASON_STALE);
}

static void
test_app_ids (void)
{
  g_assert_true (ckd_app_id_is_valid ("org.example.Phone"));
  g_assert_true (ckd_app_id_is_valid ("io.github.some_one.App2"));
  g_assert_false (ckd_app_id_is_valid (NULL));
  g_assert_false (ckd_app_id_is_valid (""));
  g_assert_false (ckd_app_id_is_valid ("Phone"));
  g_assert_false (ckd_app_id_is_valid ("org..example"));
  g_assert_false (ckd_app_id_is_valid ("org.example.Phone/../x"));
  g_assert_false (ckd_app_id_is_valid (":1.42"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/push/metadata", test_metadata);
  g_test_add_func ("/push/metadata-errors", test_metadata_errors);
  g_test_add_func ("/push/each-rule", test_each_rule);
  g_test_add_func ("/push/order", test_order);
  g_test_add_func ("/push/app-ids", test_app_ids);
  return g_test_run ();
}
