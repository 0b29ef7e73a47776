/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-types.h"

G_BEGIN_DECLS

/* The call history's storage: one SQLite database in WAL mode, its schema
 * versioned and migrated step by step, every statement prepared once.
 * Written by one connection on the main loop; a commit writes the WAL
 * without an fsync (synchronous=NORMAL), which a kill of callkitd cannot
 * undo: only a crash of the machine can. The fsyncs happen when the WAL is
 * copied into the database (ckd_history_db_checkpoint()), which the owner
 * does when nothing waits for it. Knows nothing of calls as they live:
 * ckd-history.c turns ended calls into entries. */

typedef struct
{
  gint64 id; /* 0 until stored */
  char *call;
  char *app_id;
  char *provider_name;
  CkdHandle remote_handle; /* an empty value: the caller is unknown */
  char *localized_caller_name;
  gboolean is_outgoing;
  gboolean has_video;
  gint64 started_at;
  gint64 connected_at; /* 0: never connected */
  gint64 ended_at;
  CkdEndedReason ended_reason;
  gboolean missed;
  gboolean seen;
  CkdCallFilter filtered;
  /* What its missed-call notification shows. */
  char *icon_name;
  char *desktop_entry;
} CkdHistoryEntry;

CkdHistoryEntry *ckd_history_entry_new (void);
void ckd_history_entry_free (CkdHistoryEntry *entry);

/* Which entries, newest first. Every condition is optional. */
typedef struct
{
  gint64 since;  /* ended at or after; 0: any */
  gint64 before; /* ended before; 0: any */
  guint limit;   /* 0: no limit */
  gboolean missed_only;
  gboolean unseen_only;
  const char *app_id; /* NULL: every app */
  const CkdHandle *handle; /* NULL: any */
} CkdHistoryQuery;

#define CKD_HISTORY_DB_ERROR (ckd_history_db_error_quark ())

typedef enum
{
  CKD_HISTORY_DB_ERROR_CORRUPT, /* damaged, or not an SQLite database */
  CKD_HISTORY_DB_ERROR_FOREIGN, /* an SQLite database of something else */
  CKD_HISTORY_DB_ERROR_NEWER,   /* written by a newer callkitd: left alone */
  CKD_HISTORY_DB_ERROR_FAILED,  /* anything else (I/O, disk full, busy) */
} CkdHistoryDbError;

GQuark ckd_history_db_error_quark (void);

/* The newest schema version this callkitd writes. */
#define CKD_HISTORY_DB_VERSION 2
/* PRAGMA application_id of our databases: "CKDH". */
#define CKD_HISTORY_DB_APPLICATION_ID 0x434b4448

typedef struct _CkdHistoryDb CkdHistoryDb;

/* Opens the database at @path, creating it (mode 0600) and migrating its
 * schema as needed; NULL: a database in memory, gone with callkitd. A file
 * that is damaged or someone else's is moved aside to
 * PATH.broken-TIMESTAMP (its WAL with it) with a warning, and a new one is
 * started; one written by a newer callkitd fails with
 * CKD_HISTORY_DB_ERROR_NEWER and stays as it is. */
CkdHistoryDb *ckd_history_db_open (const char *path, GError **error);
void ckd_history_db_close (CkdHistoryDb *self);
/* The file, or NULL in memory. */
const char *ckd_history_db_get_path (CkdHistoryDb *self);

/* Stores @entry and sets its id; then drops the oldest entries beyond
 * @max_entries (0: no limit), in the same transaction. */
gboolean ckd_history_db_insert (CkdHistoryDb *self, CkdHistoryEntry *entry, guint max_entries,
                                GError **error);
/* CkdHistoryEntry *, newest first (ended_at, then id). */
GPtrArray *ckd_history_db_query (CkdHistoryDb *self, const CkdHistoryQuery *query,
                                 GError **error);
/* The entry, or NULL (without an error) when there is none of @app_id (NULL:
 * of any app) with that id. */
CkdHistoryEntry *ckd_history_db_lookup (CkdHistoryDb *self, gint64 id, const char *app_id,
                                        GError **error);
/* Missed calls not seen yet, of @app_id (NULL: every app); -1 on error. */
gint64 ckd_history_db_count_unseen_missed (CkdHistoryDb *self, const char *app_id,
                                           GError **error);
/* Marks the entries @ids (@n_ids of them; none: every missed call) of
 * @app_id (NULL: any) seen. Returns how many changed, -1 on error. */
gint64 ckd_history_db_mark_seen (CkdHistoryDb *self, const gint64 *ids, guint n_ids,
                                 const char *app_id, GError **error);
/* Deletes the entries @ids of @app_id (NULL: any). Returns how many went,
 * -1 on error. */
gint64 ckd_history_db_delete (CkdHistoryDb *self, const gint64 *ids, guint n_ids,
                              const char *app_id, GError **error);
/* Deletes what @query selects (its limit and unseen_only must be unset). */
gint64 ckd_history_db_clear (CkdHistoryDb *self, const CkdHistoryQuery *query, GError **error);
/* Deletes the entries that ended before @ended_before (0: none for their
 * age), then the oldest beyond @max_entries (0: no limit). Returns how
 * many went, -1 on error. */
gint64 ckd_history_db_prune (CkdHistoryDb *self, gint64 ended_before, guint max_entries,
                             GError **error);
/* Moves the database at @path and its WAL aside, as ckd_history_db_open()
 * does with a broken file, saying @why; for a database found broken while
 * in use (closed first). */
gboolean ckd_history_db_move_aside (const char *path, const char *why, GError **error);
/* Copies the WAL into the database and truncates it: the one place that
 * waits for the disk (fsync). */
gboolean ckd_history_db_checkpoint (CkdHistoryDb *self, GError **error);
/* Frames in the WAL not yet copied into the database (0 in memory). */
guint ckd_history_db_get_wal_frames (CkdHistoryDb *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdHistoryEntry, ckd_history_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdHistoryDb, ckd_history_db_close)

G_END_DECLS
