/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history on the registry and the session, without a bus: an entry is
 * in the database before anyone hears that its call ended, it is announced
 * once the call is gone, and calls kept from the user by a filter go in
 * as such. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ckd-error.h"
#include "ckd-history.h"

#define UUID_A "6a0e5a52-1e5b-4a43-9b43-1d1c6c0f0a01"
#define UUID_B "6a0e5a52-1e5b-4a43-9b43-1d1c6c0f0a02"

typedef struct
{
  char *dir;
  char *path;
  CkdSettings *settings;
  CkdRegistry *registry;
  CkdSession *session;
  CkdHistory *history;
  CkdProvider *provider;
  GPtrArray *events; /* char *, in order */
} Fixture;

static CkdProvider *
register_provider (Fixture *f, const char *config_text)
{
  g_autoptr (CkdCaller) owner = ckd_caller_new (":1.7", 1000, 1, FALSE, NULL);
  g_autoptr (GVariant) config = g_variant_parse (NULL, config_text, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  CkdProvider *provider = ckd_session_register_provider (f->session, owner, config, &error);

  g_assert_no_error (error);
  return provider;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  CkdOptions options = { .ringing_timeout_ms = 60000 };
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "history.sqlite", NULL);
  f->settings = ckd_settings_new (&options, NULL);
  f->registry = ckd_registry_new ();
  f->session = ckd_session_new (f->registry, f->settings);
  f->events = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  g_clear_object (&f->history);
  ckd_session_stop (f->session);
  g_clear_object (&f->session);
  g_clear_object (&f->registry);
  g_clear_object (&f->settings);
  g_ptr_array_unref (f->events);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* Entries of @uuid in the file, as another process would read them. */
static int
count_in_file (Fixture *f, const char *uuid)
{
  g_autofree char *uri = g_strdup_printf ("file:%s?mode=ro", f->path);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  g_assert_cmpint (sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM entries WHERE call = ?1", -1,
                                       &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
on_call_changed (CkdRegistry *registry, CkdCall *call, guint changes, Fixture *f)
{
  if (changes & CKD_CALL_CHANGED_ENDED_AT)
    g_ptr_array_add (f->events, g_strdup_printf ("ended, %d in the file",
                                                 count_in_file (f, call->uuid)));
}

static void
on_call_removed (CkdRegistry *registry, CkdCall *call, Fixture *f)
{
  g_ptr_array_add (f->events, g_strdup ("removed"));
}

static void
on_entry_added (CkdHistory *history, const CkdHistoryEntry *entry, Fixture *f)
{
  g_ptr_array_add (f->events, g_strdup_printf ("entry %s", entry->call));
}

static GVariant *
empty_dict (void)
{
  return g_variant_new ("a{sv}", NULL);
}

static void
ring (Fixture *f, const char *uuid)
{
  g_autoptr (GVariant) update =
    g_variant_parse (NULL, "{'remote_handle': <('phone-number', '+4930123')>}", NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (ckd_session_report_new_incoming_call (f->session, f->provider, uuid, update,
                                                          &error));
  g_assert_no_error (error);
}

static GPtrArray *
all_entries (Fixture *f)
{
  g_autoptr (GVariant) filter = g_variant_ref_sink (empty_dict ());
  g_autoptr (GError) error = NULL;
  GPtrArray *entries = ckd_history_get_entries (f->history, NULL, filter, &error);

  g_assert_no_error (error);
  return entries;
}

/* Whatever the order front ends connected in, a handler that hears of the
 * end (here one connected before the history) finds the entry stored. */
static void
test_stored_before_announced (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_signal_connect (f->registry, "call-changed", G_CALLBACK (on_call_changed), f);
  g_signal_connect (f->registry, "call-removed", G_CALLBACK (on_call_removed), f);
  f->history = ckd_history_new (f->session, f->path);
  g_signal_connect (f->history, "entry-added", G_CALLBACK (on_entry_added), f);
  f->provider = register_provider (f, "{'desktop_entry': <'org.example.Phone'>}");

  ring (f, UUID_A);
  g_assert_cmpint (count_in_file (f, UUID_A), ==, 0);
  g_assert_true (ckd_session_report_call_ended (f->session, f->provider, UUID_A, "remote-ended",
                                                0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->events->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "ended, 1 in the file");
  /* Announced to the front ends that show it once the call is gone. */
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "removed");
  g_assert_cmpstr (g_ptr_array_index (f->events, 2), ==, "entry " UUID_A);
  g_assert_cmpuint (ckd_history_get_missed_count (f->history, NULL), ==, 1);
  g_assert_cmpuint (ckd_history_get_missed_count (f->history, "org.example.Phone"), ==, 1);
  g_assert_cmpuint (ckd_history_get_missed_count (f->history, "org.example.Other"), ==, 0);
}

static void
test_filtered_calls (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) update =
    g_variant_parse (NULL, "{'remote_handle': <('phone-number', '+1999')>}", NULL, NULL, NULL);
  g_autoptr (GVariant) empty = g_variant_ref_sink (empty_dict ());
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  CkdHistoryEntry *entry;

  f->history = ckd_history_new (f->session, f->path);
  g_signal_connect (f->history, "entry-added", G_CALLBACK (on_entry_added), f);
  f->provider = register_provider (f, "@a{sv} {}");

  g_assert_true (ckd_session_record_filtered_call (f->session, f->provider, UUID_A, update,
                                                   CKD_CALL_FILTER_BLOCK_LIST, &error));
  g_assert_no_error (error);
  g_assert_true (ckd_session_record_filtered_call (f->session, f->provider, UUID_B, empty,
                                                   CKD_CALL_FILTER_DO_NOT_DISTURB, &error));
  g_assert_no_error (error);
  /* It never lived, and was announced at once. */
  g_assert_cmpuint (ckd_registry_get_n_calls (f->registry), ==, 0);
  g_assert_cmpuint (f->events->len, ==, 2);

  entries = all_entries (f);
  g_assert_cmpuint (entries->len, ==, 2);
  entry = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (entry->call, ==, UUID_A);
  g_assert_cmpint (entry->filtered, ==, CKD_CALL_FILTER_BLOCK_LIST);
  g_assert_cmpstr (entry->remote_handle.value, ==, "+1999");
  g_assert_cmpint (entry->ended_reason, ==, CKD_ENDED_REASON_UNANSWERED);
  /* A blocked caller is not a missed call; one held back by do not
   * disturb is. */
  g_assert_false (entry->missed);
  g_assert_true (entry->seen);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpint (entry->filtered, ==, CKD_CALL_FILTER_DO_NOT_DISTURB);
  g_assert_true (entry->missed);
  g_assert_false (entry->seen);

  /* Reported again, it is a duplicate like any call that ended. */
  g_assert_null (ckd_session_report_new_incoming_call (f->session, f->provider, UUID_A, empty,
                                                       &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_CALL_UUID_ALREADY_EXISTS);
}

/* Blocks calls from +1999; counts how often it was asked. */
static CkdCallFilter
block_1999 (const CkdCall *call, gpointer user_data)
{
  guint *asked = user_data;

  (*asked)++;
  return g_strcmp0 (call->remote_handle.value, "+1999") == 0 ? CKD_CALL_FILTER_BLOCK_LIST
                                                             : CKD_CALL_FILTER_NONE;
}

static CkdCallFilter
quiet (const CkdCall *call, gpointer user_data)
{
  guint *asked = user_data;

  (*asked)++;
  return CKD_CALL_FILTER_DO_NOT_DISTURB;
}

static void
test_incoming_filters (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) blocked =
    g_variant_parse (NULL, "{'remote_handle': <('phone-number', '+1999')>}", NULL, NULL, NULL);
  g_autoptr (GVariant) other =
    g_variant_parse (NULL, "{'remote_handle': <('phone-number', '+1555')>}", NULL, NULL, NULL);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  guint block_asked = 0, quiet_asked = 0;

  f->history = ckd_history_new (f->session, f->path);
  f->provider = register_provider (f, "@a{sv} {}");
  ckd_session_add_incoming_call_filter (f->session, block_1999, &block_asked);
  ckd_session_add_incoming_call_filter (f->session, quiet, &quiet_asked);

  /* The first filter that keeps the call decides; the rest are not asked. */
  g_assert_null (ckd_session_report_new_incoming_call (f->session, f->provider, UUID_A, blocked,
                                                       &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_FILTERED_BY_BLOCK_LIST);
  g_clear_error (&error);
  g_assert_cmpuint (block_asked, ==, 1);
  g_assert_cmpuint (quiet_asked, ==, 0);
  g_assert_null (ckd_session_report_new_incoming_call (f->session, f->provider, UUID_B, other,
                                                       &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_FILTERED_BY_DO_NOT_DISTURB);
  g_clear_error (&error);
  g_assert_cmpuint (block_asked, ==, 2);
  g_assert_cmpuint (quiet_asked, ==, 1);
  g_assert_cmpuint (ckd_registry_get_n_calls (f->registry), ==, 0);

  /* Both went to the history as filtered. */
  entries = all_entries (f);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpint (((CkdHistoryEntry *) g_ptr_array_index (entries, 0))->filtered, ==,
                   CKD_CALL_FILTER_DO_NOT_DISTURB);
  g_assert_cmpint (((CkdHistoryEntry *) g_ptr_array_index (entries, 1))->filtered, ==,
                   CKD_CALL_FILTER_BLOCK_LIST);

  /* Removed, a filter is not asked again: the call rings. */
  ckd_session_remove_incoming_call_filter (f->session, quiet, &quiet_asked);
  ckd_session_remove_incoming_call_filter (f->session, block_1999, &block_asked);
  g_assert_nonnull (ckd_session_report_new_incoming_call (
    f->session, f->provider, "6a0e5a52-1e5b-4a43-9b43-1d1c6c0f0a03", blocked, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (block_asked, ==, 2);
  g_assert_cmpuint (quiet_asked, ==, 1);
  g_assert_true (ckd_session_report_call_ended (f->session, f->provider,
                                                "6a0e5a52-1e5b-4a43-9b43-1d1c6c0f0a03",
                                                "remote-ended", 0, &error));
}

static void
test_recents_off (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;

  f->history = ckd_history_new (f->session, f->path);
  f->provider = register_provider (f, "{'includes_calls_in_recents': <false>}");
  ring (f, UUID_A);
  g_assert_true (ckd_session_report_call_ended (f->session, f->provider, UUID_A, "remote-ended",
                                                0, &error));
  entries = all_entries (f);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_cmpint (count_in_file (f, UUID_A), ==, 0);
}

/* Who may see what: callkitd itself every entry; a sandboxed caller its
 * own app's; nobody a malformed or foreign app id. */
static void
test_scopes (Fixture *f, gconstpointer data)
{
  g_autoptr (CkdCaller) user = ckd_caller_new (":1.8", 1000, 2, FALSE, NULL);
  g_autoptr (CkdCaller) sandboxed = ckd_caller_new (":1.9", 1000, 3, TRUE, "org.example.Phone");
  g_autoptr (CkdCaller) anonymous = ckd_caller_new (":1.10", 1000, 4, TRUE, NULL);
  g_autofree char *scope = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (ckd_caller_app_scope (user, NULL, &scope, &error));
  g_assert_null (scope);
  g_assert_true (ckd_caller_app_scope (user, "org.example.Other", &scope, &error));
  g_assert_cmpstr (scope, ==, "org.example.Other");
  g_clear_pointer (&scope, g_free);
  g_assert_false (ckd_caller_app_scope (user, "no-dots", &scope, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (ckd_caller_app_scope (sandboxed, "", &scope, &error));
  g_assert_cmpstr (scope, ==, "org.example.Phone");
  g_clear_pointer (&scope, g_free);
  g_assert_false (ckd_caller_app_scope (sandboxed, "org.example.Other", &scope, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED);
  g_clear_error (&error);
  g_assert_false (ckd_caller_app_scope (anonymous, NULL, &scope, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED);
  g_assert_null (scope);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add ("/history/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("stored-before-announced", test_stored_before_announced);
  ADD ("filtered-calls", test_filtered_calls);
  ADD ("incoming-filters", test_incoming_filters);
  ADD ("recents-off", test_recents_off);
  ADD ("scopes", test_scopes);
#undef ADD
  return g_test_run ();
}
