/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-history-db-private.h"

/* Entries in and out of the history's database, through the statements
 * ckd-history-db.c prepared. */

/* ---- writing -------------------------------------------------------- */

static int
bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
  return sqlite3_bind_text (stmt, index, text != NULL ? text : "", -1, SQLITE_STATIC);
}

static int
bind_app_id (sqlite3_stmt *stmt, int index, const char *app_id)
{
  return app_id != NULL ? sqlite3_bind_text (stmt, index, app_id, -1, SQLITE_STATIC)
                        : sqlite3_bind_null (stmt, index);
}

static gboolean
drop_oldest (CkdHistoryDb *self, guint max_entries, GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_PRUNE_OLDEST];
  int r;

  if (max_entries == 0 || self->n_entries <= max_entries)
    return TRUE;
  sqlite3_bind_int64 (stmt, 1, self->n_entries - max_entries);
  r = ckd_history_db_step_done (stmt);
  if (r != SQLITE_DONE)
    return ckd_history_db_set_error (self, error, r, "cannot drop the oldest entries");
  self->n_entries -= sqlite3_changes (self->db);
  self->n_unseen_missed = -1;
  return TRUE;
}

gboolean
ckd_history_db_insert (CkdHistoryDb *self, CkdHistoryEntry *entry, guint max_entries,
                       GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_INSERT];
  gint64 n_before = self->n_entries;
  int r;

  if (!ckd_history_db_begin (self, error))
    return FALSE;
  bind_text (stmt, 1, entry->call);
  bind_text (stmt, 2, entry->app_id);
  bind_text (stmt, 3, entry->provider_name);
  bind_text (stmt, 4, ckd_handle_type_to_string (entry->remote_handle.type));
  bind_text (stmt, 5, entry->remote_handle.value);
  bind_text (stmt, 6, entry->localized_caller_name);
  sqlite3_bind_int (stmt, 7, entry->is_outgoing != FALSE);
  sqlite3_bind_int (stmt, 8, entry->has_video != FALSE);
  sqlite3_bind_int64 (stmt, 9, entry->started_at);
  sqlite3_bind_int64 (stmt, 10, entry->connected_at);
  sqlite3_bind_int64 (stmt, 11, entry->ended_at);
  bind_text (stmt, 12, ckd_ended_reason_to_string (entry->ended_reason));
  sqlite3_bind_int (stmt, 13, entry->missed != FALSE);
  sqlite3_bind_int (stmt, 14, entry->seen != FALSE);
  bind_text (stmt, 15, ckd_call_filter_to_string (entry->filtered));
  bind_text (stmt, 16, entry->icon_name);
  bind_text (stmt, 17, entry->desktop_entry);
  r = ckd_history_db_step_done (stmt);
  if (r != SQLITE_DONE)
    {
      ckd_history_db_set_error (self, error, r, "cannot add to the history");
      ckd_history_db_rollback (self);
      return FALSE;
    }
  entry->id = sqlite3_last_insert_rowid (self->db);
  self->n_entries++;
  if (!drop_oldest (self, max_entries, error) || !ckd_history_db_commit (self, error))
    {
      ckd_history_db_rollback (self);
      self->n_entries = n_before;
      self->n_unseen_missed = -1;
      entry->id = 0;
      return FALSE;
    }
  if (self->n_unseen_missed >= 0 && entry->missed && !entry->seen)
    self->n_unseen_missed++;
  return TRUE;
}

/* Runs @stmt (bound) in a transaction of its own and returns the rows it
 * changed, -1 on error. */
static gint64
run_change (CkdHistoryDb *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  int r = ckd_history_db_step_done (stmt);

  if (r != SQLITE_DONE)
    {
      ckd_history_db_set_error (self, error, r, what);
      return -1;
    }
  return sqlite3_changes64 (self->db);
}

/* Runs @stmt once per id, in one transaction. */
static gint64
change_each (CkdHistoryDb *self, sqlite3_stmt *stmt, const gint64 *ids, guint n_ids,
             const char *app_id, const char *what, GError **error)
{
  gint64 changed = 0;

  if (!ckd_history_db_begin (self, error))
    return -1;
  for (guint i = 0; i < n_ids; i++)
    {
      gint64 n;

      sqlite3_bind_int64 (stmt, 1, ids[i]);
      bind_app_id (stmt, 2, app_id);
      n = run_change (self, stmt, what, error);
      if (n < 0)
        {
          ckd_history_db_rollback (self);
          return -1;
        }
      changed += n;
    }
  return ckd_history_db_commit (self, error) ? changed : -1;
}

gint64
ckd_history_db_mark_seen (CkdHistoryDb *self, const gint64 *ids, guint n_ids, const char *app_id,
                          GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_MARK_ALL_SEEN];
  gint64 n;

  if (n_ids > 0)
    n = change_each (self, self->stmts[STMT_MARK_SEEN], ids, n_ids, app_id,
                     "cannot mark entries seen", error);
  else
    {
      bind_app_id (stmt, 1, app_id);
      n = run_change (self, stmt, "cannot mark the missed calls seen", error);
    }
  /* Only unseen entries change, and those are missed calls. */
  if (n < 0 || self->n_unseen_missed < 0)
    self->n_unseen_missed = -1;
  else
    self->n_unseen_missed -= n;
  return n;
}

gint64
ckd_history_db_delete (CkdHistoryDb *self, const gint64 *ids, guint n_ids, const char *app_id,
                       GError **error)
{
  gint64 n = change_each (self, self->stmts[STMT_DELETE], ids, n_ids, app_id,
                          "cannot delete entries", error);

  if (n > 0)
    self->n_entries -= n;
  self->n_unseen_missed = -1;
  return n;
}

static void
bind_query (sqlite3_stmt *stmt, const CkdHistoryQuery *query)
{
  sqlite3_bind_int64 (stmt, 1, query->since);
  sqlite3_bind_int64 (stmt, 2, query->before > 0 ? query->before : G_MAXINT64);
  sqlite3_bind_int (stmt, 3, query->missed_only ? 1 : 0);
  sqlite3_bind_int (stmt, 4, query->unseen_only ? 0 : 1);
  bind_app_id (stmt, 5, query->app_id);
  if (query->handle != NULL)
    {
      bind_text (stmt, 6, ckd_handle_type_to_string (query->handle->type));
      bind_text (stmt, 7, query->handle->value);
    }
  else
    {
      sqlite3_bind_null (stmt, 6);
      sqlite3_bind_null (stmt, 7);
    }
}

gint64
ckd_history_db_clear (CkdHistoryDb *self, const CkdHistoryQuery *query, GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_CLEAR];
  gint64 n;

  g_return_val_if_fail (query->limit == 0 && !query->unseen_only, -1);

  bind_query (stmt, query);
  n = run_change (self, stmt, "cannot clear the history", error);
  if (n > 0)
    self->n_entries -= n;
  self->n_unseen_missed = -1;
  return n;
}

gint64
ckd_history_db_prune (CkdHistoryDb *self, gint64 ended_before, guint max_entries,
                      GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_PRUNE_AGE];
  gint64 before = self->n_entries;

  if (!ckd_history_db_begin (self, error))
    return -1;
  sqlite3_bind_int64 (stmt, 1, ended_before);
  if (run_change (self, stmt, "cannot drop old entries", error) < 0)
    {
      ckd_history_db_rollback (self);
      return -1;
    }
  self->n_entries -= sqlite3_changes64 (self->db);
  self->n_unseen_missed = -1;
  if (!drop_oldest (self, max_entries, error) || !ckd_history_db_commit (self, error))
    {
      ckd_history_db_rollback (self);
      self->n_entries = before;
      return -1;
    }
  return before - self->n_entries;
}

gboolean
ckd_history_db_checkpoint (CkdHistoryDb *self, GError **error)
{
  int r;

  if (self->path == NULL)
    return TRUE;
  /* PASSIVE: never waits for a reader (someone looking at the file with
   * sqlite3); what it could not copy is copied next time. */
  r = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  if (r != SQLITE_OK)
    return ckd_history_db_set_error (self, error, r, "cannot write the history's log into it");
  self->wal_frames = 0;
  return TRUE;
}

guint
ckd_history_db_get_wal_frames (CkdHistoryDb *self)
{
  return self->wal_frames;
}

/* ---- reading -------------------------------------------------------- */

/* Text goes on the bus and into notifications, which take UTF-8 only: a
 * byte that is none (an edit in another encoding) reads as U+FFFD. */
static char *
column_text (sqlite3_stmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return g_utf8_make_valid (text != NULL ? (const char *) text : "", -1);
}

/* What another version wrote, or a hand edit, reads as the nearest
 * value we know rather than failing the whole query. */
static CkdHistoryEntry *
read_entry (sqlite3_stmt *stmt)
{
  CkdHistoryEntry *entry = g_new0 (CkdHistoryEntry, 1);
  const char *text;

  entry->id = sqlite3_column_int64 (stmt, 0);
  entry->call = column_text (stmt, 1);
  entry->app_id = column_text (stmt, 2);
  entry->provider_name = column_text (stmt, 3);
  text = (const char *) sqlite3_column_text (stmt, 4);
  if (!ckd_handle_type_from_string (text, &entry->remote_handle.type))
    entry->remote_handle.type = CKD_HANDLE_GENERIC;
  entry->remote_handle.value = column_text (stmt, 5);
  entry->localized_caller_name = column_text (stmt, 6);
  entry->is_outgoing = sqlite3_column_int (stmt, 7) != 0;
  entry->has_video = sqlite3_column_int (stmt, 8) != 0;
  entry->started_at = sqlite3_column_int64 (stmt, 9);
  entry->connected_at = sqlite3_column_int64 (stmt, 10);
  entry->ended_at = sqlite3_column_int64 (stmt, 11);
  text = (const char *) sqlite3_column_text (stmt, 12);
  if (!ckd_ended_reason_from_string (text, &entry->ended_reason))
    entry->ended_reason = CKD_ENDED_REASON_FAILED;
  entry->missed = sqlite3_column_int (stmt, 13) != 0;
  entry->seen = sqlite3_column_int (stmt, 14) != 0;
  text = (const char *) sqlite3_column_text (stmt, 15);
  if (!ckd_call_filter_from_string (text, &entry->filtered))
    entry->filtered = CKD_CALL_FILTER_NONE;
  entry->icon_name = column_text (stmt, 16);
  entry->desktop_entry = column_text (stmt, 17);
  return entry;
}

static GPtrArray *
read_entries (CkdHistoryDb *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_history_entry_free);
  int r;

  while ((r = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, read_entry (stmt));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (r != SQLITE_DONE)
    {
      ckd_history_db_set_error (self, error, r, "cannot read the history");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

GPtrArray *
ckd_history_db_query (CkdHistoryDb *self, const CkdHistoryQuery *query, GError **error)
{
  /* A negative LIMIT is no limit. */
  gint64 limit = query->limit > 0 ? (gint64) query->limit : -1;
  sqlite3_stmt *stmt;

  if (query->missed_only && query->unseen_only && query->since == 0 && query->before == 0
      && query->app_id == NULL && query->handle == NULL)
    {
      stmt = self->stmts[STMT_QUERY_UNSEEN_MISSED];
      sqlite3_bind_int64 (stmt, 1, limit);
    }
  else
    {
      stmt = self->stmts[STMT_QUERY];
      bind_query (stmt, query);
      sqlite3_bind_int64 (stmt, 8, limit);
    }
  return read_entries (self, stmt, error);
}

CkdHistoryEntry *
ckd_history_db_lookup (CkdHistoryDb *self, gint64 id, const char *app_id, GError **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_LOOKUP];
  CkdHistoryEntry *entry = NULL;
  int r;

  sqlite3_bind_int64 (stmt, 1, id);
  bind_app_id (stmt, 2, app_id);
  r = sqlite3_step (stmt);
  if (r == SQLITE_ROW)
    entry = read_entry (stmt);
  else if (r != SQLITE_DONE)
    ckd_history_db_set_error (self, error, r, "cannot read the history");
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return entry;
}

gint64
ckd_history_db_count_unseen_missed (CkdHistoryDb *self, const char *app_id, GError **error)
{
  sqlite3_stmt *stmt =
    self->stmts[app_id != NULL ? STMT_COUNT_UNSEEN_MISSED_OF_APP : STMT_COUNT_UNSEEN_MISSED];
  gint64 n = -1;
  int r;

  if (app_id == NULL && self->n_unseen_missed >= 0)
    return self->n_unseen_missed;
  if (app_id != NULL)
    bind_app_id (stmt, 1, app_id);
  r = sqlite3_step (stmt);
  if (r == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    ckd_history_db_set_error (self, error, r, "cannot count the missed calls");
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (app_id == NULL)
    self->n_unseen_missed = n;
  return n;
}
