/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* callctl identity stats: the counters of caller identification (lookups,
 * cache hits, timeouts, skipped lookups), in total and per lookup service.
 * Its own connection to the session bus (GDBus); @argv starts with
 * "identity". Returns callctl's exit status: 0; 1 an error from callkitd;
 * 2 a usage error; 4 no callkitd or no bus. */
int callctl_identity (gboolean json, gboolean no_legend, int argc, char **argv);

G_END_DECLS
