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
 * @argv starts with "push". Returns callctl's exit status (0, 1, 2 for a
 * usage error, printed), or -1 with @error set by D-Bus, for the caller to
 * report with its exit status. */
int callctl_push (GDBusConnection *bus, gboolean json, gboolean no_legend, int argc, char **argv,
                  GError **error);

G_END_DECLS
