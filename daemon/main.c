/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "ckd-daemon.h"
#include "ckd-limits.h"
#include "ckd-systemd.h"

typedef struct
{
  GMainLoop *loop;
  int exit_status;
} Daemon;

static void
stop (int exit_status, gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->exit_status = exit_status;
  g_main_loop_quit (daemon->loop);
}

static gboolean
on_terminate (gpointer user_data)
{
  g_message ("stopping on signal");
  stop (EXIT_SUCCESS, user_data);
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
  int push_rate = CKD_PUSH_RATE_PER_SECOND;
  int reclaim_grace_s = CKD_DEFAULT_RECLAIM_GRACE_MS / 1000;
  int method_call_rate = CKD_DEFAULT_METHOD_CALLS_PER_SECOND;
  CkdOptions options = { 0 };
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running callkitd", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { "ringing-timeout", 0, 0, G_OPTION_ARG_INT, &ringing_timeout_s,
      "Seconds an unanswered incoming call rings before it ends as unanswered (default 60)",
      "SECONDS" },
    { "incoming-report-rate", 0, 0, G_OPTION_ARG_INT, &report_rate,
      "Incoming calls a provider may report per second, 0 for no limit (default 10)", "N" },
    { "push-rate", 0, 0, G_OPTION_ARG_INT, &push_rate,
      "Pushes one push token takes per second, 0 for no limit (default 10)", "N" },
    { "reclaim-grace", 0, 0, G_OPTION_ARG_INT, &reclaim_grace_s,
      "Seconds the calls restored after a crash wait for their app to register again before "
      "they end as failed (default 30)",
      "SECONDS" },
    { "method-call-rate", 0, 0, G_OPTION_ARG_INT, &method_call_rate,
      "Method calls one connection may make per second, 0 for no limit (default 5000)", "N" },
    { "no-ringing-notifications", 0, 0, G_OPTION_ARG_NONE, &options.no_ringing_notifications,
      "Do not show ringing calls as notifications", NULL },
    { "no-ongoing-notifications", 0, 0, G_OPTION_ARG_NONE, &options.no_ongoing_notifications,
      "Do not show a notification for the ongoing call", NULL },
    { "no-missed-call-notifications", 0, 0, G_OPTION_ARG_NONE,
      &options.no_missed_call_notifications, "Do not show missed calls as notifications",
      NULL },
    { "transient-missed-calls", 0, 0, G_OPTION_ARG_NONE, &options.transient_missed_calls,
      "Let missed-call notifications expire instead of staying until dismissed", NULL },
    { "no-ringtone", 0, 0, G_OPTION_ARG_NONE, &options.no_ringtone,
      "Do not play ringtones; the notification server may make its own sound", NULL },
    { "no-history", 0, 0, G_OPTION_ARG_NONE, &options.no_history,
      "Keep no call history on disk (missed calls are still shown until callkitd stops)",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) option_context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  CkdDaemon *ckd;
  Daemon daemon = { 0 };
  guint watchdog_id;

  setlocale (LC_ALL, "");
  setup_translations ();
  option_context = g_option_context_new ("- the call-integration service of the desktop session");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("callkitd: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("callkitd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (ringing_timeout_s < 1 || ringing_timeout_s > 3600 || report_rate < 0 || push_rate < 0
      || reclaim_grace_s < 1 || reclaim_grace_s > 3600 || method_call_rate < 0)
    {
      g_printerr ("callkitd: --ringing-timeout and --reclaim-grace must be 1 to 3600, "
                  "--incoming-report-rate, --push-rate and --method-call-rate 0 or more\n");
      return 2;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  options.ringing_timeout_ms = (guint) ringing_timeout_s * 1000;
  options.incoming_reports_per_second = (guint) report_rate;
  options.pushes_per_second = (guint) push_rate;
  options.reclaim_grace_ms = (guint) reclaim_grace_s * 1000;
  options.method_calls_per_second = (guint) method_call_rate;

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  ckd = ckd_daemon_new (&options, replace, stop, &daemon, &error);
  if (ckd == NULL)
    {
      g_printerr ("callkitd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_unix_signal_add (SIGTERM, on_terminate, &daemon);
  g_unix_signal_add (SIGINT, on_terminate, &daemon);
  watchdog_id = ckd_systemd_start_watchdog ();

  g_main_loop_run (loop);

  ckd_systemd_notify_stopping ();
  g_clear_handle_id (&watchdog_id, g_source_remove);
  ckd_daemon_free (ckd);
  return daemon.exit_status;
}
