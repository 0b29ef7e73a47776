/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl block, unblock, blocked, lookup: the user's own call directory
 * lists, on libcallkit. See callctl-directory.h and callctl(1). */

#include "config.h"

#include <stdio.h>

#include "callctl-directory.h"
#include "callkit.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkCallDirectory, ck_call_directory_unref)

enum
{
  EXIT_OK = 0,
  EXIT_ERROR = 1,
};

static CkCallDirectory *
open_directory (const CallctlHistoryRun *run)
{
  CkCallDirectory *directory = NULL;
  int r = ck_call_directory_new (run->bus, &directory);

  if (r < 0)
    g_printerr ("callctl: cannot reach the call directory: %s\n", g_strerror (-r));
  return directory;
}

static int
report (const CallctlHistoryRun *run, CkCallDirectory *directory, int r, const char *doing)
{
  return callctl_report_bus_error (run->ctl, ck_call_directory_get_last_bus_error (directory), r,
                                   doing);
}

/* block and unblock: argv[0] says which. */
int
callctl_directory_verb_block (const CallctlHistoryRun *run, int argc, char **argv)
{
  g_autoptr (CkCallDirectory) directory = open_directory (run);
  gboolean block = g_str_equal (argv[0], "block");
  int r;

  if (directory == NULL)
    return EXIT_ERROR;
  r = block ? ck_call_directory_add_blocking (directory, (const char *const *) argv + 1, NULL)
            : ck_call_directory_remove_blocking (directory, (const char *const *) argv + 1, NULL);
  if (r < 0)
    return report (run, directory, r, block ? "block the numbers" : "unblock the numbers");
  return callctl_finish_output ();
}

int
callctl_directory_verb_blocked (const CallctlHistoryRun *run, int argc, char **argv)
{
  g_autoptr (CkCallDirectory) directory = open_directory (run);
  char **numbers = NULL;
  int r;

  if (directory == NULL)
    return EXIT_ERROR;
  /* The user's own list is short: one page of 10000 holds it. */
  r = ck_call_directory_get_entries (directory, CK_CALL_DIRECTORY_BLOCKING, NULL, 0, 0, &numbers,
                                     NULL);
  if (r < 0)
    return report (run, directory, r, "read the blocked numbers");
  if (run->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (char **n = numbers; *n != NULL; n++)
        json_builder_add_string_value (builder, *n);
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      ck_call_directory_strv_free (numbers);
      return callctl_print_json (run->json, root);
    }
  for (char **n = numbers; *n != NULL; n++)
    printf ("%s\n", *n);
  ck_call_directory_strv_free (numbers);
  return callctl_finish_output ();
}

int
callctl_directory_verb_lookup (const CallctlHistoryRun *run, int argc, char **argv)
{
  g_autoptr (CkCallDirectory) directory = open_directory (run);
  CkCallDirectoryMatch match = { 0 };
  g_autofree char *blocked_by = NULL;
  int r;

  if (directory == NULL)
    return EXIT_ERROR;
  r = ck_call_directory_lookup (directory, "phone-number", argv[1], &match);
  if (r < 0)
    return report (run, directory, r, "look the number up");
  if (run->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "number");
      json_builder_add_string_value (builder, match.number);
      json_builder_set_member_name (builder, "blocked");
      json_builder_add_boolean_value (builder, match.blocked);
      json_builder_set_member_name (builder, "blocked_by");
      json_builder_begin_array (builder);
      for (char **a = match.blocked_by; *a != NULL; a++)
        json_builder_add_string_value (builder, *a);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, match.label);
      json_builder_set_member_name (builder, "label_app");
      json_builder_add_string_value (builder, match.label_app);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      ck_call_directory_match_clear (&match);
      return callctl_print_json (run->json, root);
    }
  {
    g_autoptr (GPtrArray) whose = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *number = callctl_sanitize (match.number);
    g_autofree char *label = callctl_sanitize (match.label);

    for (char **a = match.blocked_by; *a != NULL; a++)
      g_ptr_array_add (whose, **a != '\0' ? callctl_sanitize (*a) : g_strdup ("you"));
    g_ptr_array_add (whose, NULL);
    blocked_by = g_strjoinv (", ", (char **) whose->pdata);
    printf ("Number: %s\n", *number != '\0' ? number : "(not a phone number)");
    printf ("Blocked: %s%s%s%s\n", match.blocked ? "yes" : "no", match.blocked ? " (by " : "",
            match.blocked ? blocked_by : "", match.blocked ? ")" : "");
    if (*label != '\0')
      printf ("Label: %s (from %s)\n", label, *match.label_app != '\0' ? match.label_app : "you");
  }
  ck_call_directory_match_clear (&match);
  return callctl_finish_output ();
}
