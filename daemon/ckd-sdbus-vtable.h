/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* Reading sd-bus vtables, for the checks every front end that serves an
 * interface makes before sd-bus dispatches a call. */

/* The method (or, with @property, the property) @member of @vtable, or
 * NULL. */
const sd_bus_vtable *ckd_sdbus_vtable_find (const sd_bus_vtable *vtable, gboolean property,
                                            const char *member);

/* When @m calls a method of @vtable with another signature than the
 * vtable's, replies InvalidArgument (@error_name) naming both and returns
 * 1 (handled); else returns 0. */
int ckd_sdbus_vtable_check_signature (const sd_bus_vtable *vtable, sd_bus_message *m,
                                      const char *error_name);

G_END_DECLS
