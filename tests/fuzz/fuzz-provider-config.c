/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The provider configuration a{sv} of RegisterProvider and
 * SetConfiguration (ckd_provider_config_parse): what it accepts it gives
 * back (the Configuration property) in a form it accepts again, unchanged. */
#include "config.h"

#include "ckd-provider-config.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GVariant) dict = NULL;
  g_autoptr (GVariant) served = NULL;
  g_autoptr (GVariant) served_again = NULL;
  g_autoptr (GError) error = NULL;
  CkdProviderConfig config = { 0 };
  CkdProviderConfig again = { 0 };

  ckd_fuzz_init ();
  dict = ckd_fuzz_variant (data, size, "a{sv}");
  if (!ckd_provider_config_parse (&config, dict, 30000, &error))
    {
      g_assert (error != NULL);
      /* Untouched on failure. */
      g_assert (config.localized_name == NULL && config.supported_handle_types == NULL);
      return 0;
    }

  served = g_variant_ref_sink (ckd_provider_config_to_variant (&config));
  if (!ckd_provider_config_parse (&again, served, 1000, &error))
    g_error ("the configuration served is refused: %s", error->message);
  served_again = g_variant_ref_sink (ckd_provider_config_to_variant (&again));
  g_assert (g_variant_equal (served, served_again));
  g_assert (config.maximum_call_groups >= 1 && config.maximum_calls_per_call_group >= 1);
  g_assert (config.supported_handle_types != NULL && config.supported_handle_types[0] != NULL);

  ckd_provider_config_clear (&config);
  ckd_provider_config_clear (&again);
  return 0;
}
