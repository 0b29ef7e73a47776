/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metadata a{sv} of DeliverPush (ckd_push_metadata_parse), and the
 * decision taken on it in every context. */
#include "config.h"

#include "ckd-push.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };
  guint8 context_bits = ckd_fuzz_take_byte (&input);
  g_autoptr (GVariant) dict = NULL;
  g_autoptr (GVariant) built = NULL;
  g_autoptr (GVariant) rebuilt = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (CkdPushMetadata) metadata = { 0 };
  g_auto (CkdPushMetadata) again = { 0 };
  GVariantBuilder builder;
  CkdPushContext context;
  CkdPushDecision decision;

  ckd_fuzz_init ();
  dict = ckd_fuzz_variant (input.data, input.size, "a{sv}");
  if (!ckd_push_metadata_parse (&metadata, dict, &error))
    {
      g_assert (error != NULL);
      return 0;
    }

  /* What is read is passed on to the app as read. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ckd_push_metadata_build (&metadata, &builder);
  built = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (!ckd_push_metadata_parse (&again, built, &error))
    g_error ("the metadata passed on is refused: %s", error->message);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ckd_push_metadata_build (&again, &builder);
  rebuilt = g_variant_ref_sink (g_variant_builder_end (&builder));
  g_assert (g_variant_equal (built, rebuilt));

  context = (CkdPushContext) {
    .now = (context_bits & 1) ? G_MAXINT64 : G_GINT64_CONSTANT (1700000000000000),
    .stale_after = (context_bits & 2) ? 0 : G_GINT64_CONSTANT (30000000),
    .call = (context_bits >> 2) % 3,
    .duplicate = (context_bits >> 4) & 1,
    .app_in_call = (context_bits >> 5) & 1,
    .foreground = (context_bits >> 6) & 1,
    .throttled = (context_bits >> 7) & 1,
  };
  ckd_push_decide (&metadata, &context, &decision);
  g_assert (decision.outcome < CKD_PUSH_N_OUTCOMES);
  /* Only a delivered push can oblige the app to report a call. */
  g_assert (!decision.must_report || decision.outcome == CKD_PUSH_DELIVERED);
  g_assert (!decision.missed_call || ckd_push_metadata_has_caller (&metadata));
  return 0;
}
