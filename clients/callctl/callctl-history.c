/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl history, history clear/seen/delete, call-back: the recents, on
 * libcallkit. See callctl-history.h and callctl(1). */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "callctl-history.h"
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
open_history (const CallctlHistoryRun *run, int *exit_code)
{
  CkHistory *history = NULL;
  int r = ck_history_new (run->bus, NULL, NULL, &history);

  if (r < 0)
    {
      g_printerr ("callctl: cannot read the history: %s\n", g_strerror (-r));
      *exit_code = EXIT_ERROR;
    }
  return history;
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

static void
print_table (CkHistoryEntry **entries, gboolean no_legend)
{
  static const char *const headers[] = {
    "ID", "ENDED", "KIND", "CALLER", "APP", "DURATION", "REASON", NULL,
  };
  struct libscols_table *table = callctl_table_new (headers, no_legend);

  for (CkHistoryEntry **e = entries; *e != NULL; e++)
    {
      g_autofree char *ended = when_of (ck_history_entry_get_ended_at (*e));
      g_autofree char *kind = kind_of (*e);
      g_autofree char *caller = caller_of (*e);
      g_autofree char *duration = duration_of (*e);

      /* The table sanitizes every cell: names come from other apps. */
      callctl_table_add_row (table, (const char *[]) {
        ck_history_entry_get_id (*e),
        ended,
        kind,
        caller,
        ck_history_entry_get_provider_name (*e),
        duration,
        ck_history_entry_get_ended_reason (*e),
        NULL,
      });
    }
  if (entries[0] != NULL || !no_legend)
    scols_print_table (table);
  scols_unref_table (table);
}

static void
add_string (JsonBuilder *builder, const char *key, const char *value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_string_value (builder, value);
}

static void
add_boolean (JsonBuilder *builder, const char *key, gboolean value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_boolean_value (builder, value);
}

static void
add_time (JsonBuilder *builder, const char *key, guint64 value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_int_value (builder, (gint64) value);
}

/* One entry with the keys of the D-Bus entries. */
static void
add_entry (JsonBuilder *builder, CkHistoryEntry *e)
{
  const char *type, *value;

  ck_history_entry_get_remote_handle (e, &type, &value);
  json_builder_begin_object (builder);
  add_string (builder, "id", ck_history_entry_get_id (e));
  add_string (builder, "call", ck_history_entry_get_call (e));
  add_string (builder, "app_id", ck_history_entry_get_app_id (e));
  add_string (builder, "provider_name", ck_history_entry_get_provider_name (e));
  json_builder_set_member_name (builder, "remote_handle");
  json_builder_begin_object (builder);
  add_string (builder, "type", type);
  add_string (builder, "value", value);
  json_builder_end_object (builder);
  add_string (builder, "localized_caller_name", ck_history_entry_get_localized_caller_name (e));
  add_boolean (builder, "is_outgoing", ck_history_entry_is_outgoing (e));
  add_boolean (builder, "has_video", ck_history_entry_has_video (e));
  add_time (builder, "started_at", ck_history_entry_get_started_at (e));
  add_time (builder, "connected_at", ck_history_entry_get_connected_at (e));
  add_time (builder, "ended_at", ck_history_entry_get_ended_at (e));
  add_string (builder, "ended_reason", ck_history_entry_get_ended_reason (e));
  add_boolean (builder, "missed", ck_history_entry_is_missed (e));
  add_boolean (builder, "seen", ck_history_entry_is_seen (e));
  add_string (builder, "filtered", ck_history_entry_get_filtered (e));
  add_string (builder, "icon_name", ck_history_entry_get_icon_name (e));
  add_string (builder, "desktop_entry", ck_history_entry_get_desktop_entry (e));
  json_builder_end_object (builder);
}

static int
print_json (int json, CkHistoryEntry **entries)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (CkHistoryEntry **e = entries; *e != NULL; e++)
    add_entry (builder, *e);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return callctl_print_json (json, root);
}

/* ---- the commands --------------------------------------------------- */

static int
report (const CallctlHistoryRun *run, CkHistory *history, int r, const char *doing)
{
  return callctl_report_bus_error (run->ctl, ck_history_get_last_bus_error (history), r, doing);
}

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
list (CkHistory *history, const CallctlHistoryRun *run)
{
  CkHistoryFilter filter = filter_from_options ();
  CkHistoryEntry **entries = NULL;
  size_t n = 0;
  unsigned missed = 0;
  int r;

  r = ck_history_get_entries (history, &filter, &entries, &n);
  if (r >= 0 && !run->json && !run->no_legend)
    r = ck_history_get_missed_count (history, &missed);
  if (r < 0)
    {
      ck_history_entries_free (entries);
      return report (run, history, r, "read the history");
    }
  if (run->json)
    {
      r = print_json (run->json, entries);
      ck_history_entries_free (entries);
      return r;
    }
  print_table (entries, run->no_legend);
  if (!run->no_legend)
    printf ("\n%zu %s%s, %u missed %s not seen\n", n, n == 1 ? "entry" : "entries",
            /* One reply's worth: callkitd's limit. */
            n == 1000 ? " (the newest; narrow with --since)" : "", missed,
            missed == 1 ? "call" : "calls");
  ck_history_entries_free (entries);
  return callctl_finish_output ();
}

int
callctl_history_verb_history (const CallctlHistoryRun *run, int argc, char **argv)
{
  int exit_code = EXIT_OK;
  g_autoptr (CkHistory) history = open_history (run, &exit_code);
  const char *sub = argc > 1 ? argv[1] : NULL;
  const char *doing;
  int r;

  if (history == NULL)
    return exit_code;
  if (sub == NULL)
    return list (history, run);
  if (g_str_equal (sub, "clear"))
    {
      CkHistoryFilter filter = filter_from_options ();
      doing = "clear the history";
      r = ck_history_clear (history, &filter);
    }
  else if (g_str_equal (sub, "seen"))
    {
      doing = "mark the missed calls seen";
      r = ck_history_mark_seen (history, (const char *const *) argv + 2);
    }
  else
    {
      doing = "delete the entries";
      r = ck_history_delete_entries (history, (const char *const *) argv + 2);
    }
  return r < 0 ? report (run, history, r, doing) : callctl_finish_output ();
}

int
callctl_history_verb_call_back (const CallctlHistoryRun *run, int argc, char **argv)
{
  int exit_code = EXIT_OK;
  g_autoptr (CkHistory) history = open_history (run, &exit_code);
  g_autofree char *transaction = NULL;
  int r;

  if (history == NULL)
    return exit_code;
  r = ck_history_call_back (history, argv[1], &transaction);
  if (r < 0)
    {
      g_autofree char *doing = g_strdup_printf ("call back entry %s", argv[1]);
      return report (run, history, r, doing);
    }
  if (*transaction != '\0')
    printf ("%s\n", transaction);
  else
    printf ("no provider of the app is registered: callkitd started the app to place the call\n");
  return callctl_finish_output ();
}
