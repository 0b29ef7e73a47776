/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON envelope of a UnifiedPush message (ckd_push_envelope_parse):
 * whatever the app's server POSTs, what is read is valid metadata. */
#include "config.h"

#include "ckd-push-registry-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) message = g_bytes_new (data, size);
  g_auto (CkdPushMetadata) metadata = { 0 };
  g_auto (CkdPushMetadata) again = { 0 };
  g_autofree char *envelope_error = NULL;
  g_autoptr (GVariant) built = NULL;
  g_autoptr (GError) error = NULL;
  GVariantBuilder builder;

  ckd_fuzz_init ();
  ckd_push_envelope_parse (message, &metadata, &envelope_error);
  g_assert (envelope_error == NULL || g_utf8_validate (envelope_error, -1, NULL));

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ckd_push_metadata_build (&metadata, &builder);
  built = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (!ckd_push_metadata_parse (&again, built, &error))
    g_error ("the envelope's metadata is refused: %s", error->message);
  return 0;
}
