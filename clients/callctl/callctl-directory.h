/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "callctl-history.h"

G_BEGIN_DECLS

/* callctl's call directory commands, on libcallkit's CkCallDirectory,
 * for the user's own lists:
 *
 *   block NUMBER...          add numbers to the user's blocking list
 *   unblock NUMBER...        remove them
 *   blocked [--json]         the numbers the user blocks
 *   lookup NUMBER [--json]   what every list says of a number
 *
 * callctl.c hooks them into its verbs table; they take what the history's
 * commands take (CallctlHistoryRun). */
int callctl_directory_verb_block (const CallctlHistoryRun *run, int argc, char **argv);
int callctl_directory_verb_blocked (const CallctlHistoryRun *run, int argc, char **argv);
int callctl_directory_verb_lookup (const CallctlHistoryRun *run, int argc, char **argv);

G_END_DECLS
