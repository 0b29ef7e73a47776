/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl history, history clear/seen/delete, call-back: the recents, on
 * libcallkit. See callctl-history.h and callctl(1). */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "callctl-history.h"
#include "callctl-json.h"
#include "callkit.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkHistory, ck_history_unref)

/* callctl(1)'s exit statuses. */
enum
{
  EXIT_OK = 0,
  EXIT_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_NOT_FOUND = 3,
  EXIT_NO_DAEMON = 4,
};

static gboolean opt_missed;
static char *opt_since;

static const GOptionEntry option_entries[] = {
  { "missed", 0, 0, G_OPTION_ARG_NONE, &opt_missed,
    "For history: missed calls only", NULL },
  { "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
    "For history: calls that ended since WHEN (30m, 2h, 7d, today, yesterday, 2026-01-31, "
    "2026-01-31T08:00)", "WHEN" },
  { NULL },
};

const GOptionEntry *
callctl_history_option_entries (void)
{
  return option_entries;
}

/* ---- usage ---------------------------------------------------------- */

static gint64
usec_of (GDateTime *moment)
{
  return g_date_time_to_unix (moment) * G_USEC_PER_SEC + g_date_time_get_microsecond (moment);
}

/* --since: how long ago, a day, or a moment; in µs since the epoch. */
static gboolean
parse_since (const char *text, gint64 *ret, GError **error)
{
  static const struct
  {
    char unit;
    gint64 usec;
  } units[] = {
    { 's', G_USEC_PER_SEC },
    { 'm', G_GINT64_CONSTANT (60) * G_USEC_PER_SEC },
    { 'h', G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC },
    { 'd', G_GINT64_CONSTANT (24 * 3600) * G_USEC_PER_SEC },
    { 'w', G_GINT64_CONSTANT (7 * 24 * 3600) * G_USEC_PER_SEC },
  };
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) moment = NULL;
  g_autoptr (GTimeZone) local = g_time_zone_new_local ();
  gsize len = strlen (text);
  guint64 count;

  for (gsize i = 0; len > 1 && i < G_N_ELEMENTS (units); i++)
    {
      g_autofree char *number = g_strndup (text, len - 1);

      if (text[len - 1] == units[i].unit
          && g_ascii_string_to_unsigned (number, 10, 0, G_MAXINT64 / units[i].usec, &count,
                                         NULL))
        {
          *ret = MAX (usec_of (now) - (gint64) count * units[i].usec, 0);
          return TRUE;
        }
    }
  if (g_str_equal (text, "today") || g_str_equal (text, "yesterday"))
    moment = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), 0, 0, 0);
  if (moment != NULL && g_str_equal (text, "yesterday"))
    {
      GDateTime *day_before = g_date_time_add_days (moment, -1);
      g_date_time_unref (moment);
      moment = day_before;
    }
  if (moment == NULL && len == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);
      moment = g_date_time_new_from_iso8601 (midnight, local);
    }
  if (moment == NULL)
    {
      /* "2026-01-31 08:00" and "2026-01-31T08:00" too: seconds optional. */
      g_autofree char *iso = g_strdelimit (g_strdup (text), " ", 'T');
      g_autofree char *with_seconds = g_strconcat (iso, ":00", NULL);

      moment = g_date_time_new_from_iso8601 (iso, local);
      if (moment == NULL && len == 16)
        moment = g_date_time_new_from_iso8601 (with_seconds, local);
    }
  if (moment == NULL)
    {
      g_autofree char *shown = callctl_sanitize (text);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--since: \"%s\" is not a time: use 30m, 2h, 7d, today, yesterday, "
                   "2026-01-31 or 2026-01-31T08:00",
                   shown);
      return FALSE;
    }
  *ret = MAX (usec_of (moment), 0);
  return TRUE;
}

gboolean
callctl_history_check_usage (const char *verb, int n_args, char **args, GError **error)
{
  gboolean history = g_str_equal (verb, "history");
  const char *sub = history && n_args > 0 ? args[0] : NULL;
  gint64 since;

  if ((opt_missed || opt_since != NULL)
      && (!history || (sub != NULL && !g_str_equal (sub, "clear"))))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "%s%s%s: --missed and --since apply to history and history clear", verb,
                   sub ? " " : "", sub ? sub : "");
      return FALSE;
    }
  if (opt_since != NULL && !parse_since (opt_since, &since, error))
    return FALSE;
  if (sub == NULL)
    return TRUE;
  if (g_str_equal (sub, "clear") && n_args == 1)
    return TRUE;
  if (g_str_equal (sub, "seen"))
    return TRUE;
  if (g_str_equal (sub, "delete") && n_args > 1)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
               "history: usage: callctl history [clear | seen [ID...] | delete ID...]");
  return FALSE;
}

/* ---- talking to callkitd -------------------------------------------- */

static CkHistory *
connect_history (int *exit_code)
{
  g_autoptr (GError) error = NULL;
  sd_bus *bus = NULL;
  CkHistory *history = NULL;
  int r;

  r = sd_bus_open_user (&bus);
  if (r >= 0)
    r = ck_history_new (bus, NULL, NULL, &history);
  sd_bus_unref (bus);
  if (r < 0)
    {
      g_printerr ("callctl: cannot connect to the session bus: %s\n", g_strerror (-r));
      *exit_code = EXIT_NO_DAEMON;
      return NULL;
    }
  return history;
}

/* Prints what went wrong as callctl does ("callctl: NAME: message") and
 * returns the exit status. */
static int
report (CkHistory *history, int r)
{
  CkError e = ck_history_get_last_error (history);
  g_autofree char *message = callctl_sanitize (ck_history_get_last_error_message (history));

  if (r == -EBADR)
    {
      g_printerr ("callctl: io.github.callkitd.CallKit1.Error.%s: %s\n", ck_error_to_string (e),
                  message);
      return e == CK_ERROR_UNKNOWN_ENTRY ? EXIT_NOT_FOUND : EXIT_ERROR;
    }
  /* The name has no owner (any more), or the bus is gone. */
  if (r == -EHOSTUNREACH || r == -ENXIO || r == -ENOTCONN || r == -ECONNRESET)
    {
      g_printerr ("callctl: callkitd is not running on the session bus\n");
      return EXIT_NO_DAEMON;
    }
  g_printerr ("callctl: %s\n", *message != '\0' ? message : g_strerror (-r));
  return EXIT_ERROR;
}

/* ---- printing ------------------------------------------------------- */

static char *
caller_of (CkHistoryEntry *entry)
{
  const char *name = ck_history_entry_get_localized_caller_name (entry);
  const char *type, *value;

  ck_history_entry_get_remote_handle (entry, &type, &value);
  if (*name != '\0' && *value != '\0')
    return g_strdup_printf ("%s <%s>", name, value);
  if (*name != '\0' || *value != '\0')
    return g_strdup (*name != '\0' ? name : value);
  return g_strdup ("Unknown");
}

/* What kind of call it was, as one word or two. */
static char *
kind_of (CkHistoryEntry *entry)
{
  const char *filtered = ck_history_entry_get_filtered (entry);

  if (g_str_equal (filtered, "block-list"))
    return g_strdup ("blocked");
  if (ck_history_entry_is_missed (entry))
    return g_strdup_printf ("missed%s%s%s", ck_history_entry_is_seen (entry) ? "" : " (new)",
                            *filtered != '\0' ? ", " : "", filtered);
  return g_strdup (ck_history_entry_is_outgoing (entry) ? "outgoing" : "incoming");
}

static char *
when_of (guint64 usec)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc ((gint64) (usec / G_USEC_PER_SEC));
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static char *
duration_of (CkHistoryEntry *entry)
{
  guint64 from = ck_history_entry_get_connected_at (entry);
  guint64 to = ck_history_entry_get_ended_at (entry);
  guint64 s;

  if (from == 0 || to < from)
    return g_strdup ("-");
  s = (to - from) / G_USEC_PER_SEC;
  if (s >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600,
                            (guint) (s % 3600 / 60), (guint) (s % 60));
  return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

enum
{
  COLUMN_ID,
  COLUMN_ENDED,
  COLUMN_KIND,
  COLUMN_CALLER,
  COLUMN_APP,
  COLUMN_DURATION,
  COLUMN_REASON,
  N_COLUMNS,
};

static void
print_table (CkHistoryEntry **entries, gboolean no_legend)
{
  static const char *const headers[N_COLUMNS] = {
    "ID", "ENDED", "KIND", "CALLER", "APP", "DURATION", "REASON",
  };
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  glong widths[N_COLUMNS] = { 0 };

  if (!no_legend)
    g_ptr_array_add (rows, g_strdupv ((char **) headers));
  for (CkHistoryEntry **e = entries; *e != NULL; e++)
    {
      char **row = g_new0 (char *, N_COLUMNS + 1);

      row[COLUMN_ID] = g_strdup (ck_history_entry_get_id (*e));
      row[COLUMN_ENDED] = when_of (ck_history_entry_get_ended_at (*e));
      row[COLUMN_KIND] = kind_of (*e);
      row[COLUMN_CALLER] = caller_of (*e);
      row[COLUMN_APP] = g_strdup (ck_history_entry_get_provider_name (*e));
      row[COLUMN_DURATION] = duration_of (*e);
      row[COLUMN_REASON] = g_strdup (ck_history_entry_get_ended_reason (*e));
      /* Names and handles come from other apps: never raw to a terminal. */
      for (int c = 0; c < N_COLUMNS; c++)
        {
          char *clean = callctl_sanitize (row[c]);
          g_free (row[c]);
          row[c] = clean;
        }
      g_ptr_array_add (rows, row);
    }
  for (guint i = 0; i < rows->len; i++)
    for (int c = 0; c < N_COLUMNS; c++)
      widths[c] = MAX (widths[c], g_utf8_strlen (((char **) rows->pdata[i])[c], -1));
  for (guint i = 0; i < rows->len; i++)
    {
      char **row = rows->pdata[i];
      g_autoptr (GString) line = g_string_new (NULL);

      for (int c = 0; c < N_COLUMNS; c++)
        {
          g_string_append (line, row[c]);
          if (c + 1 < N_COLUMNS)
            for (glong pad = g_utf8_strlen (row[c], -1); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      printf ("%s\n", line->str);
    }
}

static void
append_json_field (GString *out, const char *key, const char *value)
{
  callctl_json_append_string (out, key);
  g_string_append (out, ": ");
  callctl_json_append_string (out, value);
  g_string_append (out, ", ");
}

static void
print_json (CkHistoryEntry **entries)
{
  g_autoptr (GString) out = g_string_new ("[");

  for (CkHistoryEntry **e = entries; *e != NULL; e++)
    {
      const char *type, *value;

      ck_history_entry_get_remote_handle (*e, &type, &value);
      g_string_append (out, e == entries ? "\n  {" : ",\n  {");
      append_json_field (out, "id", ck_history_entry_get_id (*e));
      append_json_field (out, "call", ck_history_entry_get_call (*e));
      append_json_field (out, "app_id", ck_history_entry_get_app_id (*e));
      append_json_field (out, "provider_name", ck_history_entry_get_provider_name (*e));
      g_string_append (out, "\"remote_handle\": {");
      append_json_field (out, "type", type);
      callctl_json_append_string (out, "value");
      g_string_append (out, ": ");
      callctl_json_append_string (out, value);
      g_string_append (out, "}, ");
      append_json_field (out, "localized_caller_name",
                         ck_history_entry_get_localized_caller_name (*e));
      g_string_append_printf (out,
                              "\"is_outgoing\": %s, \"has_video\": %s, "
                              "\"started_at\": %" G_GUINT64_FORMAT
                              ", \"connected_at\": %" G_GUINT64_FORMAT
                              ", \"ended_at\": %" G_GUINT64_FORMAT ", ",
                              ck_history_entry_is_outgoing (*e) ? "true" : "false",
                              ck_history_entry_has_video (*e) ? "true" : "false",
                              ck_history_entry_get_started_at (*e),
                              ck_history_entry_get_connected_at (*e),
                              ck_history_entry_get_ended_at (*e));
      append_json_field (out, "ended_reason", ck_history_entry_get_ended_reason (*e));
      g_string_append_printf (out, "\"missed\": %s, \"seen\": %s, ",
                              ck_history_entry_is_missed (*e) ? "true" : "false",
                              ck_history_entry_is_seen (*e) ? "true" : "false");
      append_json_field (out, "filtered", ck_history_entry_get_filtered (*e));
      append_json_field (out, "icon_name", ck_history_entry_get_icon_name (*e));
      callctl_json_append_string (out, "desktop_entry");
      g_string_append (out, ": ");
      callctl_json_append_string (out, ck_history_entry_get_desktop_entry (*e));
      g_string_append (out, "}");
    }
  g_string_append (out, entries[0] != NULL ? "\n]\n" : "]\n");
  fputs (out->str, stdout);
}

/* ---- the commands --------------------------------------------------- */

static CkHistoryFilter
filter_from_options (void)
{
  CkHistoryFilter filter = { .missed_only = opt_missed };
  gint64 since = 0;

  /* Checked by callctl_history_check_usage() already. */
  if (opt_since != NULL && parse_since (opt_since, &since, NULL))
    filter.since = (uint64_t) since;
  return filter;
}

static int
list (CkHistory *history, gboolean json, gboolean no_legend)
{
  CkHistoryFilter filter = filter_from_options ();
  CkHistoryEntry **entries = NULL;
  size_t n = 0;
  unsigned missed = 0;
  int r;

  r = ck_history_get_entries (history, &filter, &entries, &n);
  if (r >= 0 && !json && !no_legend)
    r = ck_history_get_missed_count (history, &missed);
  if (r < 0)
    {
      ck_history_entries_free (entries);
      return report (history, r);
    }
  if (json)
    print_json (entries);
  else
    print_table (entries, no_legend);
  if (!json && !no_legend)
    printf ("\n%zu %s%s, %u missed %s not seen\n", n, n == 1 ? "entry" : "entries",
            /* One reply's worth: callkitd's limit. */
            n == 1000 ? " (the newest; narrow with --since)" : "", missed,
            missed == 1 ? "call" : "calls");
  ck_history_entries_free (entries);
  return callctl_finish_output ();
}

int
callctl_history_verb_history (gboolean json, gboolean no_legend, int argc, char **argv)
{
  int exit_code = EXIT_OK;
  g_autoptr (CkHistory) history = connect_history (&exit_code);
  const char *sub = argc > 1 ? argv[1] : NULL;
  int r;

  if (history == NULL)
    return exit_code;
  if (sub == NULL)
    return list (history, json, no_legend);
  if (g_str_equal (sub, "clear"))
    {
      CkHistoryFilter filter = filter_from_options ();
      r = ck_history_clear (history, &filter);
    }
  else if (g_str_equal (sub, "seen"))
    r = ck_history_mark_seen (history, (const char *const *) argv + 2);
  else
    r = ck_history_delete_entries (history, (const char *const *) argv + 2);
  return r < 0 ? report (history, r) : callctl_finish_output ();
}

int
callctl_history_verb_call_back (int argc, char **argv)
{
  int exit_code = EXIT_OK;
  g_autoptr (CkHistory) history = connect_history (&exit_code);
  g_autofree char *transaction = NULL;
  int r;

  if (history == NULL)
    return exit_code;
  r = ck_history_call_back (history, argv[1], &transaction);
  if (r < 0)
    return report (history, r);
  if (*transaction != '\0')
    printf ("%s\n", transaction);
  else
    printf ("no provider of the app is registered: callkitd started the app to place the call\n");
  return callctl_finish_output ();
}
