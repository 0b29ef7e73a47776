/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history's SQLite store: entries in and out, filters, privacy scopes,
 * retention, the schema's migrations, and files that are not ours or are
 * broken. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "ckd-history-db.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-history-db-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "callkitd", "history.sqlite", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static CkdHistoryEntry *
make_entry (const char *call, const char *app_id, const char *number, gint64 ended_at,
            gboolean missed)
{
  CkdHistoryEntry *entry = ckd_history_entry_new ();

  g_free (entry->call);
  entry->call = g_strdup (call);
  g_free (entry->app_id);
  entry->app_id = g_strdup (app_id);
  g_free (entry->provider_name);
  entry->provider_name = g_strdup ("Phone");
  entry->remote_handle.type = CKD_HANDLE_PHONE_NUMBER;
  g_free (entry->remote_handle.value);
  entry->remote_handle.value = g_strdup (number);
  entry->started_at = ended_at - 1000;
  entry->ended_at = ended_at;
  entry->ended_reason = missed ? CKD_ENDED_REASON_UNANSWERED : CKD_ENDED_REASON_HUNG_UP;
  entry->connected_at = missed ? 0 : ended_at - 500;
  entry->missed = missed;
  return entry;
}

static gint64
add (CkdHistoryDb *db, const char *call, const char *app_id, const char *number,
     gint64 ended_at, gboolean missed)
{
  g_autoptr (CkdHistoryEntry) entry = make_entry (call, app_id, number, ended_at, missed);
  g_autoptr (GError) error = NULL;

  g_assert_true (ckd_history_db_insert (db, entry, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (entry->id, >, 0);
  return entry->id;
}

static GPtrArray *
query (CkdHistoryDb *db, const CkdHistoryQuery *q)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *entries = ckd_history_db_query (db, q, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static const char *
call_of (GPtrArray *entries, guint i)
{
  return ((CkdHistoryEntry *) g_ptr_array_index (entries, i))->call;
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = ckd_history_db_open (f->path, &error);
  g_autoptr (CkdHistoryEntry) entry = make_entry ("c1", "org.example.Phone", "+4930123", 5000,
                                                  TRUE);
  g_autoptr (CkdHistoryEntry) read = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  entry->has_video = TRUE;
  entry->filtered = CKD_CALL_FILTER_STALE_PUSH;
  g_free (entry->localized_caller_name);
  entry->localized_caller_name = g_strdup ("Alice «A»");
  g_free (entry->icon_name);
  entry->icon_name = g_strdup ("phone");
  g_assert_true (ckd_history_db_insert (db, entry, 0, &error));
  g_assert_no_error (error);
  g_clear_pointer (&db, ckd_history_db_close);

  /* Only the user reads the file. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  db = ckd_history_db_open (f->path, &error);
  g_assert_no_error (error);
  read = ckd_history_db_lookup (db, entry->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (read);
  g_assert_cmpstr (read->call, ==, "c1");
  g_assert_cmpstr (read->app_id, ==, "org.example.Phone");
  g_assert_cmpstr (read->provider_name, ==, "Phone");
  g_assert_cmpint (read->remote_handle.type, ==, CKD_HANDLE_PHONE_NUMBER);
  g_assert_cmpstr (read->remote_handle.value, ==, "+4930123");
  g_assert_cmpstr (read->localized_caller_name, ==, "Alice «A»");
  g_assert_false (read->is_outgoing);
  g_assert_true (read->has_video);
  g_assert_cmpint (read->started_at, ==, 4000);
  g_assert_cmpint (read->connected_at, ==, 0);
  g_assert_cmpint (read->ended_at, ==, 5000);
  g_assert_cmpint (read->ended_reason, ==, CKD_ENDED_REASON_UNANSWERED);
  g_assert_true (read->missed);
  g_assert_false (read->seen);
  g_assert_cmpint (read->filtered, ==, CKD_CALL_FILTER_STALE_PUSH);
  g_assert_cmpstr (read->icon_name, ==, "phone");
  g_assert_cmpstr (read->desktop_entry, ==, "");
  /* Another app's scope does not find it. */
  g_clear_pointer (&read, ckd_history_entry_free);
  read = ckd_history_db_lookup (db, entry->id, "org.example.Other", &error);
  g_assert_no_error (error);
  g_assert_null (read);
}

static void
test_filters (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = ckd_history_db_open (NULL, &error);
  CkdHandle alice = { CKD_HANDLE_PHONE_NUMBER, (char *) "+1" };
  g_autoptr (GPtrArray) entries = NULL;

  g_assert_no_error (error);
  g_assert_null (ckd_history_db_get_path (db));
  add (db, "a", "org.example.A", "+1", 100, FALSE);
  add (db, "b", "org.example.B", "+2", 200, TRUE);
  add (db, "c", "org.example.A", "+1", 300, TRUE);
  /* Same end as c: the later id comes first. */
  add (db, "d", "org.example.B", "+3", 300, FALSE);

  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 4);
  g_assert_cmpstr (call_of (entries, 0), ==, "d");
  g_assert_cmpstr (call_of (entries, 1), ==, "c");
  g_assert_cmpstr (call_of (entries, 3), ==, "a");
  g_clear_pointer (&entries, g_ptr_array_unref);

  entries = query (db, &(CkdHistoryQuery) { .limit = 2 });
  g_assert_cmpuint (entries->len, ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = query (db, &(CkdHistoryQuery) { .since = 200, .before = 300 });
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (call_of (entries, 0), ==, "b");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = query (db, &(CkdHistoryQuery) { .missed_only = TRUE });
  g_assert_cmpuint (entries->len, ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = query (db, &(CkdHistoryQuery) { .app_id = "org.example.A" });
  g_assert_cmpuint (entries->len, ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = query (db, &(CkdHistoryQuery) { .handle = &alice, .missed_only = TRUE });
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (call_of (entries, 0), ==, "c");
  g_clear_pointer (&entries, g_ptr_array_unref);
  /* The same number as another handle type is another caller. */
  alice.type = CKD_HANDLE_GENERIC;
  entries = query (db, &(CkdHistoryQuery) { .handle = &alice });
  g_assert_cmpuint (entries->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);
  /* Unseen missed calls, through their own index. */
  entries = query (db, &(CkdHistoryQuery) { .missed_only = TRUE, .unseen_only = TRUE });
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpstr (call_of (entries, 0), ==, "c");
}

static void
test_seen_delete_clear (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = ckd_history_db_open (f->path, &error);
  g_autoptr (GPtrArray) entries = NULL;
  gint64 a, b, c, d;
  gint64 ids[2];

  g_assert_no_error (error);
  a = add (db, "a", "org.example.A", "+1", 100, TRUE);
  b = add (db, "b", "org.example.B", "+2", 200, TRUE);
  c = add (db, "c", "org.example.A", "+1", 300, TRUE);
  d = add (db, "d", "org.example.B", "+3", 400, FALSE);
  g_assert_cmpint (ckd_history_db_count_unseen_missed (db, NULL, &error), ==, 3);
  g_assert_cmpint (ckd_history_db_count_unseen_missed (db, "org.example.B", &error), ==, 1);

  /* Another app's scope changes nothing; seen twice counts once. */
  ids[0] = a;
  ids[1] = b;
  g_assert_cmpint (ckd_history_db_mark_seen (db, ids, 2, "org.example.A", &error), ==, 1);
  g_assert_cmpint (ckd_history_db_mark_seen (db, ids, 2, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (ckd_history_db_count_unseen_missed (db, NULL, &error), ==, 1);
  /* No ids: every missed call of the scope. */
  g_assert_cmpint (ckd_history_db_mark_seen (db, NULL, 0, "org.example.B", &error), ==, 0);
  g_assert_cmpint (ckd_history_db_mark_seen (db, NULL, 0, NULL, &error), ==, 1);
  g_assert_cmpint (ckd_history_db_count_unseen_missed (db, NULL, &error), ==, 0);

  ids[0] = d;
  ids[1] = 999;
  g_assert_cmpint (ckd_history_db_delete (db, ids, 2, "org.example.A", &error), ==, 0);
  g_assert_cmpint (ckd_history_db_delete (db, ids, 2, NULL, &error), ==, 1);
  g_assert_no_error (error);

  g_assert_cmpint (ckd_history_db_clear (db, &(CkdHistoryQuery) { .app_id = "org.example.A",
                                                                  .since = 200 },
                                         &error),
                   ==, 1);
  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpint (((CkdHistoryEntry *) g_ptr_array_index (entries, 0))->id, ==, b);
  g_assert_cmpint (((CkdHistoryEntry *) g_ptr_array_index (entries, 1))->id, ==, a);
  g_assert_cmpint (c, >, b);
  g_assert_cmpint (ckd_history_db_clear (db, &(CkdHistoryQuery) { 0 }, &error), ==, 2);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 0);
  /* Ids are never given again, even after a clear. */
  g_assert_cmpint (add (db, "e", "org.example.A", "+1", 500, FALSE), >, d);
}

static void
test_retention (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = ckd_history_db_open (f->path, &error);
  g_autoptr (GPtrArray) entries = NULL;

  g_assert_no_error (error);
  for (int i = 1; i <= 10; i++)
    {
      g_autofree char *call = g_strdup_printf ("c%d", i);
      g_autoptr (CkdHistoryEntry) entry = make_entry (call, "org.example.A", "+1", i * 100,
                                                      FALSE);
      /* Ended out of order: the oldest by end go first, not by id. */
      if (i == 10)
        entry->ended_at = 50;
      g_assert_true (ckd_history_db_insert (db, entry, 5, &error));
      g_assert_no_error (error);
    }
  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 5);
  g_assert_cmpstr (call_of (entries, 0), ==, "c9");
  g_assert_cmpstr (call_of (entries, 4), ==, "c5");
  g_clear_pointer (&entries, g_ptr_array_unref);

  g_assert_cmpint (ckd_history_db_prune (db, 700, 0, &error), ==, 2);
  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (call_of (entries, 2), ==, "c7");
  g_clear_pointer (&entries, g_ptr_array_unref);
  /* A lower maximum applies at once. */
  g_assert_cmpint (ckd_history_db_prune (db, 0, 1, &error), ==, 2);
  g_assert_no_error (error);
  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (call_of (entries, 0), ==, "c9");
}

static void
run_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* A database of format 1 (no notification columns) keeps its entries and
 * gets the new columns with their defaults. */
static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);
  CkdHistoryEntry *entry;

  g_mkdir_with_parents (dir, 0700);
  run_sql (f->path,
           "PRAGMA journal_mode = WAL;"
           "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, call TEXT NOT NULL,"
           " app_id TEXT NOT NULL, provider_name TEXT NOT NULL, handle_type TEXT NOT NULL,"
           " handle TEXT NOT NULL, caller_name TEXT NOT NULL, outgoing INTEGER NOT NULL,"
           " video INTEGER NOT NULL, started_at INTEGER NOT NULL,"
           " connected_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,"
           " ended_reason TEXT NOT NULL, missed INTEGER NOT NULL, seen INTEGER NOT NULL,"
           " filtered TEXT NOT NULL);"
           "CREATE INDEX entries_by_end ON entries (ended_at, id);"
           "INSERT INTO entries VALUES (7, 'old', 'org.example.A', 'Phone', 'phone-number',"
           " '+1', 'Bob', 0, 0, 10, 0, 20, 'remote-ended', 1, 0, '');"
           "PRAGMA user_version = 1;"
           "PRAGMA application_id = 1129006152;");
  db = ckd_history_db_open (f->path, &error);
  g_assert_no_error (error);
  entries = query (db, &(CkdHistoryQuery) { .missed_only = TRUE, .unseen_only = TRUE });
  g_assert_cmpuint (entries->len, ==, 1);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpint (entry->id, ==, 7);
  g_assert_cmpstr (entry->localized_caller_name, ==, "Bob");
  g_assert_cmpint (entry->ended_reason, ==, CKD_ENDED_REASON_REMOTE_ENDED);
  g_assert_cmpstr (entry->icon_name, ==, "");
  g_assert_cmpint (add (db, "new", "org.example.A", "+2", 30, FALSE), ==, 8);
  g_clear_pointer (&db, ckd_history_db_close);

  /* Opened again: nothing more to do, nothing lost. */
  db = ckd_history_db_open (f->path, &error);
  g_assert_no_error (error);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = query (db, &(CkdHistoryQuery) { 0 });
  g_assert_cmpuint (entries->len, ==, 2);
}

static guint
count_aside (Fixture *f)
{
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "history.sqlite.broken-") && !g_str_has_suffix (name, "-wal"))
      n++;
  return n;
}

static void
test_broken_files_moved_aside (Fixture *f, gconstpointer data)
{
  const char *contents[] = {
    /* not SQLite at all */
    "this is not a database, but it is long enough to look like a header\n",
    /* SQLite, but someone else's */
    NULL,
  };
  g_autofree char *dir = g_path_get_dirname (f->path);

  g_mkdir_with_parents (dir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (contents); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CkdHistoryDb) db = NULL;
      g_autoptr (GPtrArray) entries = NULL;

      if (contents[i] != NULL)
        g_assert_true (g_file_set_contents (f->path, contents[i], -1, NULL));
      else
        run_sql (f->path, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');");
      g_test_expect_message ("callkitd", G_LOG_LEVEL_WARNING, "*moved to*a new one is started");
      db = ckd_history_db_open (f->path, &error);
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      g_assert_cmpuint (count_aside (f), ==, i + 1);
      /* The new one works. */
      add (db, "a", "org.example.A", "+1", 100, FALSE);
      entries = query (db, &(CkdHistoryQuery) { 0 });
      g_assert_cmpuint (entries->len, ==, 1);
      g_clear_pointer (&db, ckd_history_db_close);
      g_unlink (f->path);
    }
}

/* A newer callkitd's database is neither used nor moved. */
static void
test_newer_left_alone (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);

  g_mkdir_with_parents (dir, 0700);
  run_sql (f->path, "CREATE TABLE entries (id INTEGER PRIMARY KEY);"
                    "PRAGMA user_version = 99; PRAGMA application_id = 1129006152;");
  db = ckd_history_db_open (f->path, &error);
  g_assert_null (db);
  g_assert_error (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_NEWER);
  g_assert_cmpuint (count_aside (f), ==, 0);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

/* A commit reaches the WAL; a checkpoint empties it into the database. */
static void
test_checkpoint (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdHistoryDb) db = ckd_history_db_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ckd_history_db_get_wal_frames (db), ==, 0);
  add (db, "a", "org.example.A", "+1", 100, FALSE);
  g_assert_cmpuint (ckd_history_db_get_wal_frames (db), >, 0);
  g_assert_true (ckd_history_db_checkpoint (db, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ckd_history_db_get_wal_frames (db), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add ("/history-db/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("round-trip", test_round_trip);
  ADD ("filters", test_filters);
  ADD ("seen-delete-clear", test_seen_delete_clear);
  ADD ("retention", test_retention);
  ADD ("migration", test_migration);
  ADD ("broken-files-moved-aside", test_broken_files_moved_aside);
  ADD ("newer-left-alone", test_newer_left_alone);
  ADD ("checkpoint", test_checkpoint);
#undef ADD
  return g_test_run ();
}
