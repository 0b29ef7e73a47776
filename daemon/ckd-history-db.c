/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ckd-history-db-private.h"

G_DEFINE_QUARK (ckd-history-db-error-quark, ckd_history_db_error)

/* ---- the schema ----------------------------------------------------- */

/* Step N brings a database from version N to N + 1. A new database goes
 * through every step, so each is run wherever callkitd runs. Never change
 * a step that shipped: add one. */
static const char *const migrations[] = {
  /* 0 -> 1: the entries, found by when they ended. */
  "CREATE TABLE entries ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  call TEXT NOT NULL,"
  "  app_id TEXT NOT NULL,"
  "  provider_name TEXT NOT NULL,"
  "  handle_type TEXT NOT NULL,"
  "  handle TEXT NOT NULL,"
  "  caller_name TEXT NOT NULL,"
  "  outgoing INTEGER NOT NULL,"
  "  video INTEGER NOT NULL,"
  "  started_at INTEGER NOT NULL,"
  "  connected_at INTEGER NOT NULL,"
  "  ended_at INTEGER NOT NULL,"
  "  ended_reason TEXT NOT NULL,"
  "  missed INTEGER NOT NULL,"
  "  seen INTEGER NOT NULL,"
  "  filtered TEXT NOT NULL"
  ");"
  "CREATE INDEX entries_by_end ON entries (ended_at, id);",
  /* 1 -> 2: what a missed-call notification shows, and the unseen missed
   * calls at once (they are counted and shown again at every start). */
  "ALTER TABLE entries ADD COLUMN icon_name TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE entries ADD COLUMN desktop_entry TEXT NOT NULL DEFAULT '';"
  "CREATE INDEX entries_unseen_missed ON entries (ended_at, id) WHERE missed AND NOT seen;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CKD_HISTORY_DB_VERSION);

#define ENTRY_COLUMNS                                                                      \
  "id, call, app_id, provider_name, handle_type, handle, caller_name, outgoing, video, "  \
  "started_at, connected_at, ended_at, ended_reason, missed, seen, filtered, icon_name, " \
  "desktop_entry"

/* What a query selects: parameters that select everything when unset, so
 * that one prepared statement serves every filter. */
#define QUERY_CONDITIONS                                                            \
  "ended_at >= ?1 AND ended_at < ?2 AND missed >= ?3 AND seen <= ?4"                \
  " AND (?5 IS NULL OR app_id = ?5) AND (?6 IS NULL OR (handle_type = ?6 AND handle = ?7))"

static const char *const statements[N_STMTS] = {
  [STMT_INSERT] = "INSERT INTO entries (call, app_id, provider_name, handle_type, handle,"
                  " caller_name, outgoing, video, started_at, connected_at, ended_at,"
                  " ended_reason, missed, seen, filtered, icon_name, desktop_entry)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                  " ?16, ?17)",
  [STMT_QUERY] = "SELECT " ENTRY_COLUMNS " FROM entries WHERE " QUERY_CONDITIONS
                 " ORDER BY ended_at DESC, id DESC LIMIT ?8",
  /* The same as a query with missed_only and unseen_only, through the
   * index of the unseen missed calls. */
  [STMT_QUERY_UNSEEN_MISSED] = "SELECT " ENTRY_COLUMNS " FROM entries WHERE missed AND NOT seen"
                               " ORDER BY ended_at DESC, id DESC LIMIT ?1",
  [STMT_LOOKUP] = "SELECT " ENTRY_COLUMNS " FROM entries WHERE id = ?1"
                  " AND (?2 IS NULL OR app_id = ?2)",
  [STMT_COUNT] = "SELECT count(*) FROM entries",
  /* Every app's from the index alone; one app's reads the rows. */
  [STMT_COUNT_UNSEEN_MISSED] = "SELECT count(*) FROM entries WHERE missed AND NOT seen",
  [STMT_COUNT_UNSEEN_MISSED_OF_APP] = "SELECT count(*) FROM entries WHERE missed AND NOT seen"
                                      " AND app_id = ?1",
  [STMT_MARK_SEEN] = "UPDATE entries SET seen = 1 WHERE id = ?1 AND NOT seen"
                     " AND (?2 IS NULL OR app_id = ?2)",
  [STMT_MARK_ALL_SEEN] = "UPDATE entries SET seen = 1 WHERE missed AND NOT seen"
                         " AND (?1 IS NULL OR app_id = ?1)",
  [STMT_DELETE] = "DELETE FROM entries WHERE id = ?1 AND (?2 IS NULL OR app_id = ?2)",
  [STMT_CLEAR] = "DELETE FROM entries WHERE " QUERY_CONDITIONS,
  [STMT_PRUNE_AGE] = "DELETE FROM entries WHERE ended_at < ?1",
  [STMT_PRUNE_OLDEST] = "DELETE FROM entries WHERE id IN"
                        " (SELECT id FROM entries ORDER BY ended_at, id LIMIT ?1)",
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
};

/* ---- entries -------------------------------------------------------- */

CkdHistoryEntry *
ckd_history_entry_new (void)
{
  CkdHistoryEntry *entry = g_new0 (CkdHistoryEntry, 1);

  entry->call = g_strdup ("");
  entry->app_id = g_strdup ("");
  entry->provider_name = g_strdup ("");
  entry->remote_handle.value = g_strdup ("");
  entry->localized_caller_name = g_strdup ("");
  entry->icon_name = g_strdup ("");
  entry->desktop_entry = g_strdup ("");
  return entry;
}

void
ckd_history_entry_free (CkdHistoryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->call);
  g_free (entry->app_id);
  g_free (entry->provider_name);
  ckd_handle_clear (&entry->remote_handle);
  g_free (entry->localized_caller_name);
  g_free (entry->icon_name);
  g_free (entry->desktop_entry);
  g_free (entry);
}

/* ---- errors --------------------------------------------------------- */

static gboolean
is_corruption (int code)
{
  code &= 0xff;
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

gboolean
ckd_history_db_set_error (CkdHistoryDb *self, GError **error, int code, const char *what)
{
  g_set_error (error, CKD_HISTORY_DB_ERROR,
               is_corruption (code) ? CKD_HISTORY_DB_ERROR_CORRUPT : CKD_HISTORY_DB_ERROR_FAILED,
               "%s: %s (%s)", what, self->db != NULL ? sqlite3_errmsg (self->db) : "",
               sqlite3_errstr (code));
  return FALSE;
}

/* Runs @stmt to its end; resets it either way. */
int
ckd_history_db_step_done (sqlite3_stmt *stmt)
{
  int r = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return r == SQLITE_ROW ? SQLITE_DONE : r;
}

gboolean
ckd_history_db_begin (CkdHistoryDb *self, GError **error)
{
  int r = ckd_history_db_step_done (self->stmts[STMT_BEGIN]);

  return r == SQLITE_DONE
         || ckd_history_db_set_error (self, error, r, "cannot begin a transaction");
}

gboolean
ckd_history_db_commit (CkdHistoryDb *self, GError **error)
{
  int r = ckd_history_db_step_done (self->stmts[STMT_COMMIT]);

  if (r == SQLITE_DONE)
    return TRUE;
  ckd_history_db_set_error (self, error, r, "cannot commit");
  if (!sqlite3_get_autocommit (self->db))
    ckd_history_db_step_done (self->stmts[STMT_ROLLBACK]);
  return FALSE;
}

void
ckd_history_db_rollback (CkdHistoryDb *self)
{
  if (!sqlite3_get_autocommit (self->db))
    ckd_history_db_step_done (self->stmts[STMT_ROLLBACK]);
}

/* ---- opening -------------------------------------------------------- */

static int
on_wal_commit (void *user_data, sqlite3 *db, const char *name, int n_frames)
{
  CkdHistoryDb *self = user_data;

  self->wal_frames = (guint) MAX (n_frames, 0);
  return SQLITE_OK;
}

static gint64
pragma_int (CkdHistoryDb *self, const char *pragma, int *code)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragma);
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;

  *code = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (*code == SQLITE_OK)
    {
      *code = sqlite3_step (stmt);
      if (*code == SQLITE_ROW)
        {
          value = sqlite3_column_int64 (stmt, 0);
          *code = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  return value;
}

static int
exec (CkdHistoryDb *self, const char *sql)
{
  return sqlite3_exec (self->db, sql, NULL, NULL, NULL);
}

/* Brings the schema to CKD_HISTORY_DB_VERSION in one transaction: a kill
 * midway leaves the old version whole. */
static gboolean
migrate (CkdHistoryDb *self, gint64 version, GError **error)
{
  g_autofree char *stamp = NULL;
  int r;

  if (version == CKD_HISTORY_DB_VERSION)
    return TRUE;
  r = exec (self, "BEGIN IMMEDIATE");
  for (gint64 v = version; r == SQLITE_OK && v < CKD_HISTORY_DB_VERSION; v++)
    r = exec (self, migrations[v]);
  stamp = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA application_id = %d",
                           CKD_HISTORY_DB_VERSION, CKD_HISTORY_DB_APPLICATION_ID);
  if (r == SQLITE_OK)
    r = exec (self, stamp);
  if (r == SQLITE_OK)
    r = exec (self, "COMMIT");
  if (r != SQLITE_OK)
    {
      ckd_history_db_set_error (self, error, r, "cannot bring the history to its new format");
      exec (self, "ROLLBACK");
      return FALSE;
    }
  if (version > 0)
    g_message ("history %s: format %" G_GINT64_FORMAT " brought to %d", self->path, version,
               CKD_HISTORY_DB_VERSION);
  return TRUE;
}

/* Whose database it is, and which version: a new empty file is ours to
 * set up; anything else must carry our application id. */
static gboolean
check_identity (CkdHistoryDb *self, gint64 *version, GError **error)
{
  gint64 application_id, n_objects;
  int r;

  /* The first read of the file: a file that is no database fails here. */
  n_objects = pragma_int (self, "schema_version", &r);
  if (r == SQLITE_OK)
    application_id = pragma_int (self, "application_id", &r);
  if (r == SQLITE_OK)
    *version = pragma_int (self, "user_version", &r);
  if (r != SQLITE_OK)
    return ckd_history_db_set_error (self, error, r, "cannot read the history");
  if (application_id == 0 && *version == 0 && n_objects == 0)
    return TRUE;
  if (application_id != CKD_HISTORY_DB_APPLICATION_ID)
    {
      g_set_error (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_FOREIGN,
                   "not a callkitd history (application id 0x%08" G_GINT64_MODIFIER "x)",
                   application_id);
      return FALSE;
    }
  if (*version > CKD_HISTORY_DB_VERSION)
    {
      g_set_error (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_NEWER,
                   "written by a newer callkitd (format %" G_GINT64_FORMAT ", this one knows "
                   "up to %d)",
                   *version, CKD_HISTORY_DB_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure (CkdHistoryDb *self, GError **error)
{
  int r;

  /* WAL: a commit appends to the log, readers never block the writer, and
   * a kill at any instant leaves the last commit whole. NORMAL: commits
   * are not fsynced, checkpoints are. Checkpoints are ours to schedule
   * (wal_autocheckpoint=0), so that none runs inside a commit on the main
   * loop. FAST secure_delete: what Clear deletes is overwritten where
   * that costs no extra write. */
  r = exec (self, "PRAGMA journal_mode = WAL");
  if (r == SQLITE_OK)
    r = exec (self, "PRAGMA synchronous = NORMAL;"
                    "PRAGMA wal_autocheckpoint = 0;"
                    "PRAGMA journal_size_limit = 4194304;"
                    "PRAGMA secure_delete = FAST;"
                    "PRAGMA foreign_keys = OFF");
  if (r != SQLITE_OK)
    return ckd_history_db_set_error (self, error, r, "cannot set up the history");
  return TRUE;
}

static gboolean
prepare_statements (CkdHistoryDb *self, GError **error)
{
  for (int i = 0; i < N_STMTS; i++)
    {
      int r = sqlite3_prepare_v3 (self->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                                  &self->stmts[i], NULL);
      if (r != SQLITE_OK)
        return ckd_history_db_set_error (self, error, r, "cannot prepare the history's statements");
    }
  return TRUE;
}

static gboolean
count_entries (CkdHistoryDb *self, GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_COUNT];
  int r = sqlite3_step (stmt);

  if (r == SQLITE_ROW)
    self->n_entries = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return r == SQLITE_ROW
         || ckd_history_db_set_error (self, error, r, "cannot count the history's entries");
}

/* The file exists before SQLite opens it, so that it (and the WAL and
 * shared-memory files SQLite gives the same mode) is the user's alone. */
static gboolean
create_private_file (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_FAILED,
                   "cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_FAILED,
                   "cannot open %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static CkdHistoryDb *
try_open (const char *path, GError **error)
{
  g_autoptr (CkdHistoryDb) self = g_new0 (CkdHistoryDb, 1);
  gint64 version = 0;
  int r;

  self->path = g_strdup (path);
  self->n_unseen_missed = -1;
  if (path != NULL && !create_private_file (path, error))
    return NULL;
  r = sqlite3_open_v2 (path != NULL ? path : ":memory:", &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (r != SQLITE_OK)
    {
      ckd_history_db_set_error (self, error, r, "cannot open the history");
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  /* Only while another callkitd still has it (--replace). */
  sqlite3_busy_timeout (self->db, 2000);
  if (!check_identity (self, &version, error) || !configure (self, error)
      || !migrate (self, version, error) || !prepare_statements (self, error)
      || !count_entries (self, error))
    return NULL;
  sqlite3_wal_hook (self->db, on_wal_commit, self);
  return g_steal_pointer (&self);
}

/* PATH.broken-20260102-030405 (or -2, -3, ... if taken). */
static char *
aside_name (const char *path)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  char *name = g_strdup_printf ("%s.broken-%s", path, stamp);

  for (guint i = 2; g_file_test (name, G_FILE_TEST_EXISTS); i++)
    {
      g_free (name);
      name = g_strdup_printf ("%s.broken-%s-%u", path, stamp, i);
    }
  return name;
}

/* Moves the database and its WAL out of the way, for the user to look at;
 * the shared-memory index is rebuilt from them anyway. */
gboolean
ckd_history_db_move_aside (const char *path, const char *why, GError **error)
{
  g_autofree char *aside = aside_name (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *aside_wal = g_strconcat (aside, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  if (g_rename (path, aside) < 0)
    {
      int saved = errno;
      g_set_error (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_FAILED,
                   "cannot move %s aside: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (g_rename (wal, aside_wal) < 0 && errno != ENOENT)
    g_unlink (wal);
  g_unlink (shm);
  g_warning ("the call history %s cannot be used (%s): moved to %s, a new one is started", path,
             why, aside);
  return TRUE;
}

CkdHistoryDb *
ckd_history_db_open (const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  CkdHistoryDb *self = try_open (path, &local_error);

  if (self != NULL || path == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return self;
    }
  if (!g_error_matches (local_error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_CORRUPT)
      && !g_error_matches (local_error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_FOREIGN))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!ckd_history_db_move_aside (path, local_error->message, error))
    return NULL;
  return try_open (path, error);
}

void
ckd_history_db_close (CkdHistoryDb *self)
{
  if (self == NULL)
    return;
  for (int i = 0; i < N_STMTS; i++)
    sqlite3_finalize (self->stmts[i]);
  /* The last connection copies the WAL into the database and removes it. */
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("cannot close the call history: %s", sqlite3_errmsg (self->db));
  g_free (self->path);
  g_free (self);
}

const char *
ckd_history_db_get_path (CkdHistoryDb *self)
{
  return self->path;
}
