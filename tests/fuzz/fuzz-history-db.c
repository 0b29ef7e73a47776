/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call history read back (ckd-history-db-rows.c) from rows that
 * another version wrote or a hand edit left: values of any SQLite type
 * in any column. What is read goes on the bus (History.GetEntries) and
 * into notifications, so every string must be UTF-8 and every enum one
 * that exists.
 *
 * Input: up to 8 rows; per row and column a type byte (integer, real,
 * text, blob) and the value (8 bytes, or a length byte and that many
 * bytes). The rows go into the entries table behind the database's back,
 * as an edit with the sqlite3 tool would. */
#include "config.h"

#include "ckd-history-db-private.h"
#include "fuzz-common.h"

#define N_COLUMNS 17 /* all but id */

static const char *const columns[N_COLUMNS] = {
  "call", "app_id", "provider_name", "handle_type", "handle", "caller_name",
  "outgoing", "video", "started_at", "connected_at", "ended_at", "ended_reason",
  "missed", "seen", "filtered", "icon_name", "desktop_entry",
};

static void
bind_value (sqlite3_stmt *stmt, int index, CkdFuzzInput *input)
{
  guint8 type = ckd_fuzz_take_byte (input);
  size_t got;
  const uint8_t *bytes;
  gint64 number = 0;

  switch (type % 4)
    {
    case 0:
    case 1:
      bytes = ckd_fuzz_take_bytes (input, sizeof number, &got);
      memcpy (&number, bytes, got);
      if (type % 4 == 0)
        sqlite3_bind_int64 (stmt, index, number);
      else
        sqlite3_bind_double (stmt, index, (double) number / 3.0);
      break;
    case 2:
      bytes = ckd_fuzz_take_bytes (input, ckd_fuzz_take_byte (input), &got);
      sqlite3_bind_text (stmt, index, (const char *) bytes, (int) got, SQLITE_TRANSIENT);
      break;
    default:
      bytes = ckd_fuzz_take_bytes (input, ckd_fuzz_take_byte (input), &got);
      sqlite3_bind_blob (stmt, index, bytes, (int) got, SQLITE_TRANSIENT);
      break;
    }
}

static void
check_string (const char *s)
{
  g_assert (s != NULL);
  g_assert (g_utf8_validate (s, -1, NULL));
}

static void
check_entry (const CkdHistoryEntry *entry)
{
  check_string (entry->call);
  check_string (entry->app_id);
  check_string (entry->provider_name);
  check_string (entry->remote_handle.value);
  check_string (entry->localized_caller_name);
  check_string (entry->icon_name);
  check_string (entry->desktop_entry);
  g_assert (ckd_handle_type_to_string (entry->remote_handle.type) != NULL);
  g_assert (ckd_ended_reason_to_string (entry->ended_reason) != NULL);
  g_assert (ckd_call_filter_to_string (entry->filtered) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static CkdHistoryDb *db = NULL;
  CkdFuzzInput input = { data, size };
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autoptr (GString) names = g_string_new (NULL);
  g_autoptr (GString) marks = g_string_new (NULL);
  CkdHistoryQuery everything = { 0 };
  sqlite3_stmt *insert = NULL;

  ckd_fuzz_init ();
  if (db == NULL)
    {
      db = ckd_history_db_open (NULL, &error);
      g_assert_no_error (error);
    }
  g_assert (sqlite3_exec (db->db, "DELETE FROM entries", NULL, NULL, NULL) == SQLITE_OK);

  for (guint i = 0; i < N_COLUMNS; i++)
    {
      g_string_append_printf (names, "%s%s", i ? ", " : "", columns[i]);
      g_string_append (marks, i ? ", ?" : "?");
    }
  sql = g_strdup_printf ("INSERT INTO entries (%s) VALUES (%s)", names->str, marks->str);
  g_assert (sqlite3_prepare_v2 (db->db, sql, -1, &insert, NULL) == SQLITE_OK);
  for (guint row = 0; row < 8 && input.size > 0; row++)
    {
      for (int c = 0; c < N_COLUMNS; c++)
        bind_value (insert, c + 1, &input);
      sqlite3_step (insert);
      sqlite3_reset (insert);
      sqlite3_clear_bindings (insert);
    }
  sqlite3_finalize (insert);
  /* What the database counted is stale after the edit, as after a
   * restart it would be counted anew. */
  db->n_unseen_missed = -1;

  entries = ckd_history_db_query (db, &everything, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++)
    {
      const CkdHistoryEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr (CkdHistoryEntry) again = NULL;

      check_entry (entry);
      again = ckd_history_db_lookup (db, entry->id, NULL, &error);
      g_assert_no_error (error);
      g_assert (again != NULL);
      check_entry (again);
    }
  g_assert (ckd_history_db_count_unseen_missed (db, NULL, &error) >= 0);
  g_assert_no_error (error);
  return 0;
}
