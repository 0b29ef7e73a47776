/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* callctl push: the PushRegistry, as `xcrun simctl push` is for iOS apps.
 *
 *   callctl push list
 *   callctl push send TOKEN [--call UUID] [--caller HANDLE] [--caller-name NAME]
 *                     [--push-id ID] [--sent-at TIME | --sent-ago SECONDS]
 *                     [--expires-in SECONDS] [--payload TEXT]
 *
 * It needs nothing of the rest of callctl: its own connection to the
 * session bus (GDBus), its own JSON (json-glib). @argv starts with "push".
 * Returns callctl's exit status, having printed what went wrong: 0; 1 an
 * error from callkitd; 2 a usage error; 3 UnknownPushToken; 4 no
 * callkitd or no bus. */
int callctl_push (gboolean json, gboolean no_legend, int argc, char **argv);

G_END_DECLS
