/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* callkitd.conf: parsing, layering of the XDG directories, and following
 * the files as they change. */
#include "config.h"

#include <glib/gstdio.h>

#include "ckd-limits.h"
#include "ckd-settings.h"

static void
apply_text (CkdUserSettings *settings, const char *text, GPtrArray *problems)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (g_key_file_load_from_data (key_file, text, -1, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  ckd_user_settings_apply (settings, key_file, "/x/callkitd.conf", problems);
}

static void
test_defaults (void)
{
  CkdUserSettings settings;

  ckd_user_settings_init (&settings);
  g_assert_true (settings.notifications.ringing);
  g_assert_true (settings.notifications.ongoing);
  g_assert_true (settings.notifications.missed);
  g_assert_true (settings.notifications.missed_persistent);
  g_assert_true (settings.sounds.ringtone);
  g_assert_true (settings.sounds.call_waiting);
}

static void
test_each_key (void)
{
  const char *keys[] = { "ringing", "ongoing", "missed", "missed-persistent" };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *text = g_strdup_printf ("[Notifications]\n%s=false\n", keys[i]);
      CkdUserSettings settings, defaults;
      gboolean *values = (gboolean *) &settings.notifications;

      ckd_user_settings_init (&settings);
      ckd_user_settings_init (&defaults);
      apply_text (&settings, text, problems);
      g_assert_cmpuint (problems->len, ==, 0);
      g_assert_false (ckd_user_settings_equal (&settings, &defaults));
      /* That key alone, in the order of the struct. */
      for (gsize j = 0; j < G_N_ELEMENTS (keys); j++)
        g_assert_cmpint (values[j], ==, i != j);
    }
}

static void
test_do_not_disturb (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) many = g_string_new ("[DoNotDisturb]\nallow-list=");
  CkdUserSettings settings, defaults;

  ckd_user_settings_init (&defaults);
  ckd_user_settings_init (&settings);
  g_assert_false (settings.do_not_disturb.enabled);
  g_assert_true (settings.do_not_disturb.follow_desktop);
  g_assert_null (settings.do_not_disturb.allow_list);
  g_assert_cmpuint (settings.do_not_disturb.repeated_call_window_seconds, ==, 180);

  /* Entries are trimmed, empty ones dropped; a list differs from none. */
  apply_text (&settings,
              "[DoNotDisturb]\nenabled=true\nallow-list= +4930 1;;sip:ada@example.org ;\n"
              "repeated-call-window-seconds=60\n",
              problems);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (settings.do_not_disturb.enabled);
  g_assert_cmpuint (g_strv_length (settings.do_not_disturb.allow_list), ==, 2);
  g_assert_cmpstr (settings.do_not_disturb.allow_list[0], ==, "+4930 1");
  g_assert_cmpstr (settings.do_not_disturb.allow_list[1], ==, "sip:ada@example.org");
  g_assert_cmpuint (settings.do_not_disturb.repeated_call_window_seconds, ==, 60);
  g_assert_false (ckd_user_settings_equal (&settings, &defaults));

  /* A list too long is refused whole, naming the limit; the earlier one
   * stays. */
  for (guint i = 0; i <= CKD_MAX_DO_NOT_DISTURB_ALLOW_LIST; i++)
    g_string_append_printf (many, "+49%u;", i);
  g_string_append_c (many, '\n');
  apply_text (&settings, many->str, problems);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (problems, 0), "more than 1000 entries"));
  g_assert_cmpuint (g_strv_length (settings.do_not_disturb.allow_list), ==, 2);

  /* An empty list is none. */
  apply_text (&settings, "[DoNotDisturb]\nallow-list=\n", problems);
  g_assert_null (settings.do_not_disturb.allow_list);
  ckd_user_settings_clear (&settings);
  ckd_user_settings_clear (&defaults);
}

static void
test_sounds (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings settings, defaults;

  ckd_user_settings_init (&defaults);
  ckd_user_settings_init (&settings);
  apply_text (&settings, "[Sounds]\nringtone=false\n", problems);
  g_assert_false (settings.sounds.ringtone);
  g_assert_true (settings.sounds.call_waiting);
  g_assert_false (ckd_user_settings_equal (&settings, &defaults));

  ckd_user_settings_init (&settings);
  apply_text (&settings, "[Sounds]\ncall-waiting=false\n", problems);
  g_assert_true (settings.sounds.ringtone);
  g_assert_false (settings.sounds.call_waiting);
  g_assert_false (ckd_user_settings_equal (&settings, &defaults));
  /* [Notifications] ringing= is another thing: the sound stays on. */
  g_assert_true (settings.notifications.ringing);

  /* Same names in the other group are not these keys. */
  ckd_user_settings_init (&settings);
  apply_text (&settings, "[Sounds]\nringing=false\n[Notifications]\nringtone=false\n",
              problems);
  g_assert_true (ckd_user_settings_equal (&settings, &defaults));
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (problems, 0), ==,
                   "/x/callkitd.conf: [Sounds] ringing: unknown key, ignored");
  g_assert_cmpstr (g_ptr_array_index (problems, 1), ==,
                   "/x/callkitd.conf: [Notifications] ringtone: unknown key, ignored");

  g_ptr_array_set_size (problems, 0);
  ckd_user_settings_init (&settings);
  apply_text (&settings, "[Sounds]\nringtone=off\n", problems);
  g_assert_true (settings.sounds.ringtone);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (problems, 0), ==,
                   "/x/callkitd.conf: [Sounds] ringtone: \"off\" is not true or false, "
                   "default used");
}

static void
test_push (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings settings, defaults;

  ckd_user_settings_init (&defaults);
  g_assert_cmpuint (defaults.push.stale_after_seconds, ==, 30);
  g_assert_cmpuint (defaults.push.report_deadline_ms, ==, 10000);
  g_assert_cmpuint (defaults.push.violations_before_throttle, ==, 3);
  g_assert_cmpuint (defaults.push.throttle_seconds, ==, 300);
  g_assert_cmpuint (defaults.push.activation_timeout_ms, ==, 30000);
  g_assert_true (defaults.push.unifiedpush);

  ckd_user_settings_init (&settings);
  apply_text (&settings,
              "[Push]\nstale-after-seconds=5\nreport-deadline-ms= 700 \n"
              "violations-before-throttle=2\nthrottle-seconds=60\n"
              "activation-timeout-ms=2500\nunifiedpush=false\n",
              problems);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (settings.push.stale_after_seconds, ==, 5);
  g_assert_cmpuint (settings.push.report_deadline_ms, ==, 700);
  g_assert_cmpuint (settings.push.violations_before_throttle, ==, 2);
  g_assert_cmpuint (settings.push.throttle_seconds, ==, 60);
  g_assert_cmpuint (settings.push.activation_timeout_ms, ==, 2500);
  g_assert_false (settings.push.unifiedpush);
  g_assert_false (ckd_user_settings_equal (&settings, &defaults));

  /* Out of range, not a number, negative: the default stays, named. */
  ckd_user_settings_init (&settings);
  apply_text (&settings,
              "[Push]\nstale-after-seconds=0\nreport-deadline-ms=soon\nthrottle-seconds=-1\n",
              problems);
  g_assert_true (ckd_user_settings_equal (&settings, &defaults));
  g_assert_cmpuint (problems->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (problems, 0), ==,
                   "/x/callkitd.conf: [Push] stale-after-seconds: \"0\" is not a whole number "
                   "from 1 to 86400, default used");
  g_assert_cmpstr (g_ptr_array_index (problems, 1), ==,
                   "/x/callkitd.conf: [Push] report-deadline-ms: \"soon\" is not a whole "
                   "number from 100 to 600000, default used");
}

static void
test_bad_values (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings settings;

  ckd_user_settings_init (&settings);
  apply_text (&settings,
              "# comment\n"
              "[Notifications]\n"
              "ringing=maybe\n"
              "ongoing=0\n"
              "misssed=false\n"
              "missed[de]=falsch\n"
              "[Ringtone]\n"
              "volume=loud\n",
              problems);
  /* The bad value keeps the default; 0 is false; the typo is named; a
   * group for someone else is not a problem here. */
  g_assert_true (settings.notifications.ringing);
  g_assert_false (settings.notifications.ongoing);
  g_assert_true (settings.notifications.missed);
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (problems, 0), ==,
                   "/x/callkitd.conf: [Notifications] ringing: \"maybe\" is not true or "
                   "false, default used");
  g_assert_cmpstr (g_ptr_array_index (problems, 1), ==,
                   "/x/callkitd.conf: [Notifications] misssed: unknown key, ignored");
}

static void
test_history (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings settings, defaults;

  ckd_user_settings_init (&defaults);
  g_assert_true (defaults.history.keep);
  g_assert_cmpuint (defaults.history.max_entries, ==, 10000);
  g_assert_cmpuint (defaults.history.max_age_days, ==, 365);

  ckd_user_settings_init (&settings);
  apply_text (&settings, "[History]\nkeep=false\nmax-entries= 50 \nmax-age-days=0\n", problems);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_false (settings.history.keep);
  g_assert_cmpuint (settings.history.max_entries, ==, 50);
  g_assert_cmpuint (settings.history.max_age_days, ==, 0);
  g_assert_false (ckd_user_settings_equal (&settings, &defaults));
  settings.history.keep = TRUE;
  settings.history.max_age_days = 365;
  /* A number alone makes a difference too. */
  g_assert_false (ckd_user_settings_equal (&settings, &defaults));

  /* Out of range, not a number, negative: the default stays, each named. */
  ckd_user_settings_init (&settings);
  apply_text (&settings, "[History]\nmax-entries=0\nmax-age-days=-1\n", problems);
  apply_text (&settings, "[History]\nmax-age-days=ten\n", problems);
  g_assert_cmpuint (settings.history.max_entries, ==, 10000);
  g_assert_cmpuint (settings.history.max_age_days, ==, 365);
  g_assert_cmpuint (problems->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (problems, 0), ==,
                   "/x/callkitd.conf: [History] max-entries: \"0\" is not a whole number "
                   "from 1 to 1000000, default used");
  g_assert_cmpstr (g_ptr_array_index (problems, 1), ==,
                   "/x/callkitd.conf: [History] max-age-days: \"-1\" is not a whole number "
                   "from 0 to 36500, default used");
  g_assert_cmpstr (g_ptr_array_index (problems, 2), ==,
                   "/x/callkitd.conf: [History] max-age-days: \"ten\" is not a whole number "
                   "from 0 to 36500, default used");
}

static void
test_layers (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings settings;

  /* The system file, then the user's on top: only the keys it has. */
  ckd_user_settings_init (&settings);
  apply_text (&settings, "[Notifications]\nringing=false\nmissed=false\n", problems);
  apply_text (&settings, "[Notifications]\nmissed=true\n", problems);
  g_assert_false (settings.notifications.ringing);
  g_assert_true (settings.notifications.missed);
  g_assert_cmpuint (problems->len, ==, 0);
}

static void
test_paths (void)
{
  g_auto (GStrv) paths = ckd_user_settings_paths ();
  const char *const expect[] = { "/b/callkitd/callkitd.conf", "/a/callkitd/callkitd.conf",
                                 "/home/u/.config/callkitd/callkitd.conf", NULL };

  /* main() set XDG_CONFIG_DIRS=/a:/b and XDG_CONFIG_HOME before GLib read
   * them: /a matters more than /b, the user's file most. */
  g_assert_true (g_strv_equal ((const char *const *) paths, expect));
}

static void
on_changed (CkdSettings *monitor, gpointer user_data)
{
  guint *changes = user_data;

  (*changes)++;
}

/* Replaces @path's contents the way editors do: a new file renamed over
 * it, so that the monitor never reads half a file. */
static void
write_atomically (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
wait_for_changes (guint *changes, guint count)
{
  while (*changes < count)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_monitor (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-settings-XXXXXX", &error);
  g_autofree char *subdir = g_build_filename (dir, "callkitd", NULL);
  g_autofree char *path = g_build_filename (subdir, "callkitd.conf", NULL);
  const char *paths[] = { path, NULL };
  g_autoptr (CkdSettings) monitor = NULL;
  CkdOptions options = { 0 };
  guint changes = 0;

  g_assert_no_error (error);
  /* Neither the file nor its directory exists yet. */
  monitor = ckd_settings_new (&options, paths);
  g_signal_connect (monitor, "changed", G_CALLBACK (on_changed), &changes);
  g_assert_true (ckd_settings_get (monitor)->notifications.ringing);

  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);
  write_atomically (path, "[Notifications]\nringing=false\n");
  wait_for_changes (&changes, 1);
  g_assert_false (ckd_settings_get (monitor)->notifications.ringing);

  write_atomically (path, "[Notifications]\nringing=false\nongoing=false\n");
  wait_for_changes (&changes, 2);
  g_assert_false (ckd_settings_get (monitor)->notifications.ongoing);

  /* Deleted: the defaults again. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  wait_for_changes (&changes, 3);
  g_assert_true (ckd_settings_get (monitor)->notifications.ringing);
  g_assert_true (ckd_settings_get (monitor)->notifications.ongoing);

  g_rmdir (subdir);
  g_rmdir (dir);
}

/* The command line wins over the files, whatever they say later. */
static void
test_options_win (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-settings-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "callkitd.conf", NULL);
  const char *paths[] = { path, NULL };
  CkdOptions options = { .no_ringtone = TRUE, .no_missed_call_notifications = TRUE,
                         .no_history = TRUE };
  g_autoptr (CkdSettings) settings = NULL;

  g_assert_no_error (error);
  write_atomically (path, "[Sounds]\nringtone=true\n[Notifications]\nmissed=true\n"
                          "ringing=false\n[History]\nkeep=true\nmax-entries=7\n");
  settings = ckd_settings_new (&options, paths);
  g_assert_false (ckd_settings_get (settings)->sounds.ringtone);
  g_assert_false (ckd_settings_get (settings)->notifications.missed);
  /* What the options leave alone comes from the file. */
  g_assert_false (ckd_settings_get (settings)->notifications.ringing);
  g_assert_true (ckd_settings_get (settings)->notifications.ongoing);
  g_assert_true (ckd_settings_get_options (settings)->no_ringtone);
  g_assert_false (ckd_settings_get (settings)->history.keep);
  g_assert_cmpuint (ckd_settings_get (settings)->history.max_entries, ==, 7);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("XDG_CONFIG_DIRS", "/a:/b", TRUE);
  g_setenv ("XDG_CONFIG_HOME", "/home/u/.config", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/settings/defaults", test_defaults);
  g_test_add_func ("/settings/each-key", test_each_key);
  g_test_add_func ("/settings/sounds", test_sounds);
  g_test_add_func ("/settings/do-not-disturb", test_do_not_disturb);
  g_test_add_func ("/settings/push", test_push);
  g_test_add_func ("/settings/bad-values", test_bad_values);
  g_test_add_func ("/settings/history", test_history);
  g_test_add_func ("/settings/layers", test_layers);
  g_test_add_func ("/settings/paths", test_paths);
  g_test_add_func ("/settings/monitor", test_monitor);
  g_test_add_func ("/settings/options-win", test_options_win);
  return g_test_run ();
}
