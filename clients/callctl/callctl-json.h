/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void callctl_json_append_string  (GString    *out,
                                  const char *str);
void callctl_json_append_variant (GString    *out,
                                  GVariant   *value);
char *callctl_json_key_from_property (const char *property_name);

G_END_DECLS
