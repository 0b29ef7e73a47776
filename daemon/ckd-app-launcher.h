/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Starts an app the desktop's way: through its desktop entry (found in
 * $XDG_DATA_HOME and $XDG_DATA_DIRS), handing it @uri as a file manager
 * hands a document, so that the app opens it (a tel: or sip: URI: it
 * places the call). Fails with G_IO_ERROR_NOT_FOUND when there is no
 * entry @desktop_id (with or without ".desktop"), G_IO_ERROR_NOT_SUPPORTED
 * when the entry takes no URIs, or the error of the launch itself. Does
 * not wait for the app: a D-Bus activatable app is asked to open the URI,
 * any other one is spawned and left to run by itself. */
gboolean ckd_app_launcher_open_uri (const char *desktop_id, const char *uri, GError **error);

G_END_DECLS
