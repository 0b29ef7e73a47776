/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live-calls file, without a bus: a callkitd restores the calls a
 * crashed one left, but not those of the callkitd it replaced
 * (--replace), which drops them, even when that one has exited before
 * its file is read. */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "ckd-call-store.h"

#define UUID_A "6a0e5a52-1e5b-4a43-9b43-1d1c6c0f0a01"

typedef struct
{
  CkdSettings *settings;
  CkdRegistry *registry;
  CkdSession *session;
} Daemon;

static void
daemon_init (Daemon *d)
{
  CkdOptions options = { .ringing_timeout_ms = 60000 };

  d->settings = ckd_settings_new (&options, NULL);
  d->registry = ckd_registry_new ();
  d->session = ckd_session_new (d->registry, d->settings);
}

static void
daemon_clear (Daemon *d)
{
  ckd_session_stop (d->session);
  g_clear_object (&d->session);
  g_clear_object (&d->registry);
  g_clear_object (&d->settings);
}

/* A file with one ringing call, written by this process as a callkitd
 * would be: its store is freed without being stopped, as at a crash. */
static void
write_file_with_a_call (const char *path)
{
  g_autoptr (CkdCaller) owner = ckd_caller_new (":1.7", 1000, 1, FALSE, NULL);
  g_autoptr (GVariant) config =
    g_variant_parse (NULL, "{'desktop_entry': <'org.example.Phone'>}", NULL, NULL, NULL);
  g_autoptr (GVariant) update = g_variant_ref_sink (g_variant_new_parsed ("@a{sv} {}"));
  g_autoptr (GError) error = NULL;
  Daemon d;
  CkdCallStore *store;
  CkdProvider *provider;

  daemon_init (&d);
  store = ckd_call_store_new (d.session, path, 0);
  provider = ckd_session_register_provider (d.session, owner, config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ckd_session_report_new_incoming_call (d.session, provider, UUID_A, update,
                                                          &error));
  g_assert_no_error (error);
  /* The write waits for the main loop to be idle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  ckd_call_store_free (store);
  daemon_clear (&d);
}

/* How many calls a new callkitd restores from @path. */
static guint
restored_calls (const char *path, pid_t replaced_pid)
{
  Daemon d;
  CkdCallStore *store;
  guint n;

  daemon_init (&d);
  store = ckd_call_store_new (d.session, path, replaced_pid);
  n = g_hash_table_size (ckd_registry_get_calls (d.registry));
  ckd_call_store_free (store);
  daemon_clear (&d);
  return n;
}

static void
test_restores_what_a_crashed_callkitd_left (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-call-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "live-calls", NULL);
  g_autofree char *ended = g_strconcat (path, ".ended", NULL);

  write_file_with_a_call (path);
  /* The writer is this process, which a store never takes for a running
   * callkitd: as if it had crashed. */
  g_assert_cmpuint (restored_calls (path, 0), ==, 1);
  g_unlink (path);
  g_unlink (ended);
  g_rmdir (dir);
}

static void
test_does_not_restore_the_replaced_callkitds_calls (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-call-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "live-calls", NULL);
  g_autofree char *ended = g_strconcat (path, ".ended", NULL);

  write_file_with_a_call (path);
  /* The writer, gone as far as the store can tell, is the one replaced. */
  g_assert_cmpuint (restored_calls (path, getpid ()), ==, 0);
  g_unlink (path);
  g_unlink (ended);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/call-store/restores-what-a-crashed-callkitd-left",
                   test_restores_what_a_crashed_callkitd_left);
  g_test_add_func ("/call-store/does-not-restore-the-replaced-callkitds-calls",
                   test_does_not_restore_the_replaced_callkitds_calls);
  return g_test_run ();
}
