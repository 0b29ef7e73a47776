/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* callctl's history commands, on libcallkit's CkHistory with a bus
 * connection of their own:
 *
 *   history [--missed] [--since WHEN] [--json]   list the recents
 *   history clear [--missed] [--since WHEN]      delete them
 *   history seen [ID...]                         mark missed calls seen
 *   history delete ID...                         delete entries
 *   call-back ID                                 call an entry back
 *
 * callctl.c hooks them into its verbs table and option group. */

/* Their options, added to callctl's main group. */
const GOptionEntry *callctl_history_option_entries (void);
/* Usage checks, before anything touches the bus: FALSE with @error for
 * callctl's usage error. @verb is the command, @args what follows it. */
gboolean callctl_history_check_usage (const char *verb, int n_args, char **args, GError **error);

/* The commands; argv[0] is the verb. They return callctl's exit status
 * and print errors themselves. */
int callctl_history_verb_history (gboolean json, gboolean no_legend, int argc, char **argv);
int callctl_history_verb_call_back (int argc, char **argv);

/* From callctl.c: @str with what a terminal would obey made harmless; the
 * exit status after flushing standard output. */
char *callctl_sanitize (const char *str);
int callctl_finish_output (void);

G_END_DECLS
