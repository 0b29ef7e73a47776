/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsmartcols.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* callctl's history commands, on libcallkit's CkHistory:
 *
 *   history [--missed] [--since WHEN] [--json]   list the recents
 *   history clear [--missed] [--since WHEN]      delete them
 *   history seen [ID...]                         mark missed calls seen
 *   history delete ID...                         delete entries
 *   call-back ID                                 call an entry back
 *
 * callctl.c hooks them into its verbs table and its options. */

/* What callctl.c hands a history command. */
typedef struct
{
  gpointer ctl;       /* callctl's own state, for callctl_report_bus_error() */
  sd_bus *bus;        /* callctl's connection; callkitd was running */
  int json;           /* callctl's JsonMode: 0 text, else JSON */
  gboolean no_legend;
} CallctlHistoryRun;

/* Their options, added to callctl's main group. */
const GOptionEntry *callctl_history_option_entries (void);
/* Usage checks, before anything touches the bus: FALSE with @error for
 * callctl's usage error. @verb is the command, @args what follows it. */
gboolean callctl_history_check_usage (const char *verb, int n_args, char **args, GError **error);

/* The commands; argv[0] is the verb. They return callctl's exit status
 * and print errors themselves. */
int callctl_history_verb_history (const CallctlHistoryRun *run, int argc, char **argv);
int callctl_history_verb_call_back (const CallctlHistoryRun *run, int argc, char **argv);

/* From callctl.c, so that these commands print as the others do. */
char *callctl_sanitize (const char *str);
int callctl_finish_output (void);
int callctl_print_json (int json, JsonNode *node);
/* Prints a failed request's error as callctl does ("Could not @doing:
 * ..."), and returns the exit status. */
int callctl_report_bus_error (gpointer ctl, const sd_bus_error *error, int r, const char *doing);
struct libscols_table *callctl_table_new (const char *const *headers, gboolean no_legend);
void callctl_table_add_row (struct libscols_table *table, const char *const *cells);

G_END_DECLS
