/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include "ckd-caller.h"
#include "ckd-error.h"
#include "ckd-session.h"

static char *
read_flatpak_app_id (guint32 pid, gboolean *sandboxed)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/root/.flatpak-info", pid);
  g_autoptr (GKeyFile) info = g_key_file_new ();

  /* Flatpak puts this file at the root of every sandbox and the app
   * cannot change it; its absence means the client is not a Flatpak. */
  *sandboxed = g_file_test (path, G_FILE_TEST_EXISTS);
  if (!*sandboxed)
    return NULL;
  if (!g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, NULL))
    return g_strdup ("");
  return g_key_file_get_string (info, "Application", "name", NULL);
}

static void
caller_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  CkdCaller *caller = user_data;
  CkdContext *ctx = caller->ctx;

  g_debug ("%s left the bus", name);
  ckd_session_owner_vanished (ctx, name);
  /* Frees @caller, which unwatches the name: allowed from here. */
  g_hash_table_remove (ctx->callers, name);
}

CkdCaller *
ckd_caller_lookup (CkdContext *ctx, const char *sender, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) credentials = NULL;
  g_autoptr (GError) local_error = NULL;
  CkdCaller *caller;

  if (sender == NULL)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                           "callkitd serves clients of a message bus only");
      return NULL;
    }

  caller = g_hash_table_lookup (ctx->callers, sender);
  if (caller != NULL)
    goto check;

  /* Synchronous, once per client connection: the answer is cached until
   * the client leaves the bus. */
  reply = g_dbus_connection_call_sync (ctx->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionCredentials", g_variant_new ("(s)", sender),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &local_error);
  if (reply == NULL)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED, "cannot identify %s: %s", sender,
                   local_error->message);
      return NULL;
    }

  caller = g_new0 (CkdCaller, 1);
  caller->ctx = ctx;
  caller->name = g_strdup (sender);
  credentials = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (credentials, "UnixUserID", "u", &caller->uid))
    caller->uid = G_MAXUINT32;
  if (g_variant_lookup (credentials, "ProcessID", "u", &caller->pid))
    caller->app_id = read_flatpak_app_id (caller->pid, &caller->sandboxed);

  g_hash_table_insert (ctx->callers, caller->name, caller);
  caller->watch_id = g_bus_watch_name_on_connection (ctx->connection, sender,
                                                     G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                                     caller_vanished, caller, NULL);
  g_debug ("%s is uid %u pid %u%s%s", sender, caller->uid, caller->pid,
           caller->sandboxed ? ", sandboxed app " : "",
           caller->sandboxed ? (caller->app_id ? caller->app_id : "?") : "");

check:
  if (caller->uid != getuid ())
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                   "callkitd serves the user %u only, not user %u", getuid (), caller->uid);
      return NULL;
    }
  return caller;
}

void
ckd_caller_free (CkdCaller *caller)
{
  g_clear_handle_id (&caller->watch_id, g_bus_unwatch_name);
  g_free (caller->name);
  g_free (caller->app_id);
  g_free (caller);
}

gboolean
ckd_caller_is_owner (CkdCaller *caller, CkdProvider *provider, GError **error)
{
  if (g_strcmp0 (caller->name, provider->owner) == 0)
    return TRUE;
  g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
               "only the connection that registered %s (%s) may do this", provider->object_path,
               provider->owner);
  return FALSE;
}

gboolean
ckd_caller_may_act (CkdCaller *caller, CkdProvider *provider, GError **error)
{
  if (g_strcmp0 (caller->name, provider->owner) == 0)
    return TRUE;
  if (caller->uid != getuid ())
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED, "user %u may not act on calls here",
                   caller->uid);
      return FALSE;
    }
  if (caller->sandboxed
      && (caller->app_id == NULL || *caller->app_id == '\0'
          || g_strcmp0 (caller->app_id, provider->app_id) != 0))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                   "the sandboxed app %s may act only on its own calls, not on calls of %s",
                   caller->app_id ? caller->app_id : "(unknown)",
                   ckd_provider_display_name (provider));
      return FALSE;
    }
  return TRUE;
}
