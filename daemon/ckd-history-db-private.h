/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

#include "ckd-history-db.h"

G_BEGIN_DECLS

/* Shared by the two files of CkdHistoryDb: ckd-history-db.c (the file, its
 * schema, the statements) and ckd-history-db-rows.c (entries in and out). */

enum
{
  STMT_INSERT,
  STMT_QUERY,
  STMT_QUERY_UNSEEN_MISSED,
  STMT_LOOKUP,
  STMT_COUNT,
  STMT_COUNT_UNSEEN_MISSED,
  STMT_COUNT_UNSEEN_MISSED_OF_APP,
  STMT_MARK_SEEN,
  STMT_MARK_ALL_SEEN,
  STMT_DELETE,
  STMT_CLEAR,
  STMT_PRUNE_AGE,
  STMT_PRUNE_OLDEST,
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  N_STMTS,
};

struct _CkdHistoryDb
{
  sqlite3 *db;
  char *path; /* NULL in memory */
  sqlite3_stmt *stmts[N_STMTS];
  gint64 n_entries;
  /* Every app's unseen missed calls, counted once and then followed, for
   * MissedCount at every change; -1: count them again. */
  gint64 n_unseen_missed;
  guint wal_frames;
};

/* Sets @error from SQLite's @code about @what; returns FALSE. */
gboolean ckd_history_db_set_error (CkdHistoryDb *self, GError **error, int code,
                                   const char *what);
/* Runs @stmt to its end and resets it; SQLITE_DONE on success. */
int ckd_history_db_step_done (sqlite3_stmt *stmt);
gboolean ckd_history_db_begin (CkdHistoryDb *self, GError **error);
gboolean ckd_history_db_commit (CkdHistoryDb *self, GError **error);
void ckd_history_db_rollback (CkdHistoryDb *self);

G_END_DECLS
