/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gdesktopappinfo.h>

#include "ckd-app-launcher.h"

gboolean
ckd_app_launcher_open_uri (const char *desktop_id, const char *uri, GError **error)
{
  g_autofree char *file_name = g_str_has_suffix (desktop_id, ".desktop")
                                 ? g_strdup (desktop_id)
                                 : g_strconcat (desktop_id, ".desktop", NULL);
  g_autoptr (GDesktopAppInfo) info = g_desktop_app_info_new (file_name);
  GList uris = { .data = (gpointer) uri };

  if (info == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "there is no desktop entry %s",
                   file_name);
      return FALSE;
    }
  if (!g_app_info_supports_uris (G_APP_INFO (info)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the desktop entry %s takes no URI (its Exec has no %%u or %%U)", file_name);
      return FALSE;
    }
  g_info ("starting %s with %s", file_name, uri);
  return g_app_info_launch_uris (G_APP_INFO (info), &uris, NULL, error);
}
