/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "ckd-context.h"
#include "ckd-limits.h"
#include "ckd-systemd.h"

typedef struct
{
  GMainLoop *loop;
  CkdContext *ctx;
  gboolean name_acquired;
  int exit_status;
} Daemon;

static void
stop (Daemon *daemon, int exit_status)
{
  daemon->exit_status = exit_status;
  g_main_loop_quit (daemon->loop);
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->name_acquired = TRUE;
  g_message ("callkitd %s serving %s", PACKAGE_VERSION, name);
  ckd_systemd_notify_ready ();
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->name_acquired)
    {
      g_message ("another callkitd replaced this one");
      stop (daemon, EXIT_SUCCESS);
    }
  else
    {
      g_printerr ("callkitd: cannot own %s: another callkitd is running (use --replace)\n", name);
      stop (daemon, EXIT_FAILURE);
    }
}

static void
on_connection_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                      gpointer user_data)
{
  g_message ("the session bus went away");
  stop (user_data, EXIT_FAILURE);
}

static gboolean
on_terminate (gpointer user_data)
{
  g_message ("stopping on signal");
  stop (user_data, EXIT_SUCCESS);
  return G_SOURCE_REMOVE;
}

/* CALLKITD_LOCALEDIR runs callkitd from a build tree with its catalogs
 * (meson devenv sets it), as G_MESSAGES_DEBUG or GSETTINGS_SCHEMA_DIR do
 * for GLib. */
static void
setup_translations (void)
{
  const char *localedir = g_getenv ("CALLKITD_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
main (int argc, char **argv)
{
  gboolean replace = FALSE, verbose = FALSE, version = FALSE;
  int ringing_timeout_s = CKD_DEFAULT_RINGING_TIMEOUT_MS / 1000;
  int report_rate = CKD_DEFAULT_INCOMING_REPORTS_PER_SECOND;
  CkdSettings settings = { 0 };
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running callkitd", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { "ringing-timeout", 0, 0, G_OPTION_ARG_INT, &ringing_timeout_s,
      "Seconds an unanswered incoming call rings before it ends as unanswered (default 60)",
      "SECONDS" },
    { "incoming-report-rate", 0, 0, G_OPTION_ARG_INT, &report_rate,
      "Incoming calls a provider may report per second, 0 for no limit (default 10)", "N" },
    { "no-ringing-notifications", 0, 0, G_OPTION_ARG_NONE, &settings.no_ringing_notifications,
      "Do not show ringing calls as notifications", NULL },
    { "no-ongoing-notifications", 0, 0, G_OPTION_ARG_NONE, &settings.no_ongoing_notifications,
      "Do not show a notification for the ongoing call", NULL },
    { "no-missed-call-notifications", 0, 0, G_OPTION_ARG_NONE,
      &settings.no_missed_call_notifications, "Do not show missed calls as notifications",
      NULL },
    { "transient-missed-calls", 0, 0, G_OPTION_ARG_NONE, &settings.transient_missed_calls,
      "Let missed-call notifications expire instead of staying until dismissed", NULL },
    { "no-ringtone", 0, 0, G_OPTION_ARG_NONE, &settings.no_ringtone,
      "Do not play ringtones; the notification server may make its own sound", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) options = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  Daemon daemon = { 0 };
  guint owner_id, watchdog_id;

  setlocale (LC_ALL, "");
  setup_translations ();
  options = g_option_context_new ("- the call-integration service of the desktop session");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("callkitd: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("callkitd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (ringing_timeout_s < 1 || ringing_timeout_s > 3600 || report_rate < 0)
    {
      g_printerr ("callkitd: --ringing-timeout must be 1 to 3600 and --incoming-report-rate "
                  "0 or more\n");
      return 2;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  settings.ringing_timeout_ms = (guint) ringing_timeout_s * 1000;
  settings.incoming_reports_per_second = (guint) report_rate;

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("callkitd: cannot connect to the session bus: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_dbus_connection_set_exit_on_close (connection, FALSE);

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.ctx = ckd_context_new (&settings);
  if (!ckd_context_export (daemon.ctx, connection, &error))
    {
      g_printerr ("callkitd: cannot export the API: %s\n", error->message);
      ckd_context_free (daemon.ctx);
      return EXIT_FAILURE;
    }

  g_signal_connect (connection, "closed", G_CALLBACK (on_connection_closed), &daemon);
  g_unix_signal_add (SIGTERM, on_terminate, &daemon);
  g_unix_signal_add (SIGINT, on_terminate, &daemon);
  owner_id = g_bus_own_name_on_connection (connection, CKD_BUS_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT
                                             | (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                           on_name_acquired, on_name_lost, &daemon, NULL);
  watchdog_id = ckd_systemd_start_watchdog ();

  g_main_loop_run (loop);

  ckd_systemd_notify_stopping ();
  g_clear_handle_id (&watchdog_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (connection, &daemon);
  /* While the name is still ours: clients match our signals by it, and
   * DidReset("daemon-stopping") must reach them. */
  ckd_context_free (daemon.ctx);
  g_bus_unown_name (owner_id);
  return daemon.exit_status;
}
