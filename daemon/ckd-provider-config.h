/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-types.h"

G_BEGIN_DECLS

/* CXProviderConfiguration: what an app tells callkitd about itself. */
typedef struct
{
  char *localized_name;
  char *icon_name;
  char *ringtone;
  char *desktop_entry;
  guint32 maximum_call_groups;
  guint32 maximum_calls_per_call_group;
  char **supported_handle_types;
  gboolean supports_video;
  gboolean includes_calls_in_recents;
  guint32 action_timeout_ms;
  guint32 ringing_timeout_ms;
} CkdProviderConfig;

/* Parses @dict into @config, starting from the defaults (so that keys left
 * out take their defaults). @config is untouched on failure. */
gboolean ckd_provider_config_parse (CkdProviderConfig *config, GVariant *dict,
                                    guint32 default_ringing_timeout_ms, GError **error);
void ckd_provider_config_clear (CkdProviderConfig *config);
GVariant *ckd_provider_config_to_variant (const CkdProviderConfig *config);
gboolean ckd_provider_config_supports_handle_type (const CkdProviderConfig *config,
                                                   CkdHandleType type);

G_END_DECLS
