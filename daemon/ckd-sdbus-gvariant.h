/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* The model parses and builds dictionaries as GVariants (ckd-dict.c); the
 * bus speaks sd_bus_message. These two bridge them for the arguments that
 * are dictionaries; the hot paths append their values directly. */

/* Reads the next complete value of @m, which must be of @type, as a
 * floating-free GVariant in *@ret (owned). Negative errno on failure. */
int ckd_sdbus_read_gvariant (sd_bus_message *m, const char *type, GVariant **ret);
/* Reads an a{sv} into *@ret. When a value cannot be read, *@failed_key
 * (if not NULL) is set to a copy of its key, for the error message: the
 * bus let the message through, so it is a value sd-bus takes stricter
 * (an object path over 64 KiB). */
int ckd_sdbus_read_vardict (sd_bus_message *m, GVariant **ret, char **failed_key);
/* Appends @value (any type) to @m. */
int ckd_sdbus_append_gvariant (sd_bus_message *m, GVariant *value);

G_END_DECLS
