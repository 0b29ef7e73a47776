/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-history.h"
#include "ckd-limits.h"

/* Checkpoints wait for a quiet moment: this long after the last write,
 * and while no call is live; a WAL grown this big is copied anyway. */
#define CHECKPOINT_DELAY_S 10
#define CHECKPOINT_WAL_FRAMES 1000
/* Entries too old go within this long. */
#define RETENTION_INTERVAL_S 3600

struct _CkdHistory
{
  GObject parent_instance;
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  char *path;
  CkdHistorySettings applied;

  CkdHistoryDb *db;
  /* Stored, announced once their call has left the registry. */
  GPtrArray *unannounced; /* CkdHistoryEntry * */
  guint checkpoint_id;
  guint retention_id;
};

enum
{
  SIGNAL_ENTRY_ADDED,
  SIGNAL_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CkdHistory, ckd_history, G_TYPE_OBJECT)

/* ---- the store ------------------------------------------------------ */

static const CkdHistorySettings *
wanted (CkdHistory *self)
{
  return &ckd_settings_get (self->settings)->history;
}

/* The file when history is kept, else memory; memory too when the file
 * cannot be used, so that missed calls still show. */
static void
open_store (CkdHistory *self)
{
  g_autoptr (GError) error = NULL;

  self->applied = *wanted (self);
  if (self->applied.keep)
    {
      self->db = ckd_history_db_open (self->path, &error);
      if (self->db == NULL)
        g_warning ("cannot keep the call history in %s: %s; it is kept in memory until "
                   "callkitd stops",
                   self->path, error->message);
      else
        g_info ("call history in %s", self->path);
    }
  if (self->db == NULL)
    {
      g_clear_error (&error);
      self->db = ckd_history_db_open (NULL, &error);
      /* Only memory can run out here. */
      if (self->db == NULL)
        g_error ("cannot keep a call history in memory: %s", error->message);
    }
}

static gboolean on_checkpoint (gpointer user_data);

static void
schedule_checkpoint (CkdHistory *self)
{
  if (self->checkpoint_id == 0 && ckd_history_db_get_path (self->db) != NULL)
    self->checkpoint_id = g_timeout_add_seconds (CHECKPOINT_DELAY_S, on_checkpoint, self);
}

/* The one place that waits for the disk, so it runs when nobody waits for
 * callkitd: no call live, or a WAL that must not grow further. */
static gboolean
on_checkpoint (gpointer user_data)
{
  CkdHistory *self = user_data;
  g_autoptr (GError) error = NULL;

  self->checkpoint_id = 0;
  if (ckd_registry_get_n_calls (self->registry) > 0
      && ckd_history_db_get_wal_frames (self->db) < CHECKPOINT_WAL_FRAMES)
    {
      schedule_checkpoint (self);
      return G_SOURCE_REMOVE;
    }
  if (!ckd_history_db_checkpoint (self->db, &error))
    g_message ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static void
emit_changed (CkdHistory *self)
{
  schedule_checkpoint (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* After a failed operation: a database found broken is moved aside and a
 * new one started, so that what comes next works. Returns whether it was
 * replaced. */
static gboolean
recover (CkdHistory *self, const GError *error)
{
  g_autofree char *path = NULL;

  if (!g_error_matches (error, CKD_HISTORY_DB_ERROR, CKD_HISTORY_DB_ERROR_CORRUPT)
      || ckd_history_db_get_path (self->db) == NULL)
    return FALSE;
  path = g_strdup (ckd_history_db_get_path (self->db));
  g_clear_pointer (&self->db, ckd_history_db_close);
  ckd_history_db_move_aside (path, error->message, NULL);
  open_store (self);
  emit_changed (self);
  return TRUE;
}

/* A failure for the caller of the API: the store's error, said as such. */
static gboolean
fail (CkdHistory *self, GError **error, GError *db_error)
{
  recover (self, db_error);
  g_set_error (error, db_error->domain, db_error->code, "the call history: %s",
               db_error->message);
  g_error_free (db_error);
  return FALSE;
}

static void
prune (CkdHistory *self)
{
  g_autoptr (GError) error = NULL;
  gint64 before = 0;
  gint64 n;

  if (self->applied.max_age_days > 0)
    before = g_get_real_time () - (gint64) self->applied.max_age_days * 24 * 3600 * G_USEC_PER_SEC;
  n = ckd_history_db_prune (self->db, before, self->applied.max_entries, &error);
  if (n < 0)
    {
      g_message ("%s", error->message);
      recover (self, error);
    }
  else if (n > 0)
    {
      g_info ("dropped %" G_GINT64_FORMAT " history entries for their age or number", n);
      emit_changed (self);
    }
}

static gboolean
on_retention (gpointer user_data)
{
  prune (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_settings_changed (CkdHistory *self)
{
  const CkdHistorySettings *now = wanted (self);

  if (now->keep != self->applied.keep)
    {
      g_message ("the call history is %s", now->keep ? "kept from now on" : "no longer kept");
      g_clear_pointer (&self->db, ckd_history_db_close);
      g_clear_handle_id (&self->checkpoint_id, g_source_remove);
      open_store (self);
      emit_changed (self);
    }
  self->applied = *now;
  prune (self);
}

/* ---- calls that end ------------------------------------------------- */

static CkdHistoryEntry *
entry_from_call (const CkdCall *call)
{
  const CkdProvider *provider = call->provider;
  CkdHistoryEntry *entry = g_new0 (CkdHistoryEntry, 1);

  entry->call = g_strdup (call->uuid);
  entry->app_id = g_strdup (ckd_provider_application_id (provider));
  entry->provider_name = g_strdup (ckd_provider_display_name (provider));
  ckd_handle_copy (&entry->remote_handle, &call->remote_handle);
  /* The merged identity's name: the provider's, else the contacts', a
   * list's or a lookup service's. */
  entry->localized_caller_name = g_strdup (ckd_call_identity_name (call));
  entry->is_outgoing = call->outgoing;
  entry->has_video = call->has_video;
  entry->started_at = call->created_at;
  entry->connected_at = call->connected_at;
  entry->ended_at = call->ended_at;
  entry->ended_reason = call->ended_reason;
  /* A blocked caller is not someone the user missed; one held back by do
   * not disturb, or whose push came too late, is. */
  entry->missed = ckd_call_is_missed (call) && call->filter != CKD_CALL_FILTER_BLOCK_LIST;
  entry->seen = !entry->missed;
  entry->filtered = call->filter;
  entry->icon_name = g_strdup (provider->config.icon_name != NULL ? provider->config.icon_name
                                                                  : "");
  entry->desktop_entry = g_strdup (provider->config.desktop_entry != NULL
                                     ? provider->config.desktop_entry
                                     : "");
  return entry;
}

static void
announce (CkdHistory *self, CkdHistoryEntry *entry)
{
  schedule_checkpoint (self);
  g_signal_emit (self, signals[SIGNAL_ENTRY_ADDED], 0, entry);
  ckd_history_entry_free (entry);
}

/* Stores @entry (its id is set); FALSE (with a warning) when even a new
 * store fails. */
static gboolean
store (CkdHistory *self, CkdHistoryEntry *entry)
{
  g_autoptr (GError) error = NULL;
  gboolean stored = ckd_history_db_insert (self->db, entry, self->applied.max_entries, &error);

  if (!stored && recover (self, error))
    {
      g_clear_error (&error);
      stored = ckd_history_db_insert (self->db, entry, self->applied.max_entries, &error);
    }
  if (!stored)
    g_warning ("call %s is not in the history: %s", *entry->call != '\0' ? entry->call : "-",
               error->message);
  return stored;
}

/* Runs before anyone hears that @call ended: the entry is in the WAL (a
 * write(), no fsync) when this returns, so a kill from now on keeps it. */
static void
on_call_ended (CkdHistory *self, CkdCall *call)
{
  g_autoptr (CkdHistoryEntry) entry = NULL;

  if (!call->provider->config.includes_calls_in_recents)
    return;
  entry = entry_from_call (call);
  if (!store (self, entry))
    return;
  /* A filtered call never lived: nothing else will announce its end. */
  if (ckd_registry_lookup_call (self->registry, call->uuid) != call)
    announce (self, g_steal_pointer (&entry));
  else
    g_ptr_array_add (self->unannounced, g_steal_pointer (&entry));
}

/* A call missed before it ever was one (its push came too late): kept and
 * shown as one that rang out. */
static char *
dup_or_empty (const char *s)
{
  return g_strdup (s != NULL ? s : "");
}

static void
on_missed_call (CkdHistory *self, const CkdMissedCall *missed)
{
  g_autoptr (CkdHistoryEntry) entry = g_new0 (CkdHistoryEntry, 1);

  entry->call = dup_or_empty (missed->uuid);
  entry->app_id = dup_or_empty (missed->app_id);
  entry->provider_name = dup_or_empty (missed->provider_name);
  entry->remote_handle.type = missed->handle.type;
  entry->remote_handle.value = dup_or_empty (missed->handle.value);
  entry->localized_caller_name = dup_or_empty (missed->caller_name);
  entry->has_video = missed->video;
  entry->started_at = entry->ended_at = missed->at;
  entry->ended_reason = CKD_ENDED_REASON_UNANSWERED;
  entry->missed = TRUE;
  entry->filtered = missed->filtered;
  entry->icon_name = dup_or_empty (missed->icon);
  entry->desktop_entry = dup_or_empty (missed->desktop_entry);
  if (store (self, entry))
    announce (self, g_steal_pointer (&entry));
}

static void
on_call_removed (CkdHistory *self, CkdCall *call)
{
  for (guint i = 0; i < self->unannounced->len; i++)
    {
      CkdHistoryEntry *entry = g_ptr_array_index (self->unannounced, i);

      if (g_str_equal (entry->call, call->uuid))
        {
          announce (self, g_ptr_array_steal_index (self->unannounced, i));
          return;
        }
    }
}

/* ---- requests ------------------------------------------------------- */

typedef struct
{
  gint64 since;
  gint64 before;
  gboolean missed_only;
  char *app_id;
  CkdHandle handle;
  guint32 limit;
} Filter;

#define FILTER_FIELD(name, kind) { #name, kind, G_STRUCT_OFFSET (Filter, name), 0, 0, NULL }

/* limit last: Clear takes every key but that one. */
static const CkdDictField filter_fields[] = {
  FILTER_FIELD (since, CKD_FIELD_TIME),
  FILTER_FIELD (before, CKD_FIELD_TIME),
  FILTER_FIELD (missed_only, CKD_FIELD_BOOLEAN),
  FILTER_FIELD (app_id, CKD_FIELD_STRING),
  FILTER_FIELD (handle, CKD_FIELD_HANDLE),
  { "limit", CKD_FIELD_UINT32, G_STRUCT_OFFSET (Filter, limit), 0, G_MAXUINT32, NULL },
};

enum
{
  FILTER_HANDLE = 4,
};

/* The query @filter_dict asks for, as far as @caller may see. */
static gboolean
parse_filter (const CkdCaller *caller, GVariant *filter_dict, gboolean with_limit,
              Filter *filter, CkdHistoryQuery *query, GError **error)
{
  g_autofree char *scope = NULL;
  guint64 present = 0;

  if (!ckd_dict_parse (filter_dict, filter_fields,
                       G_N_ELEMENTS (filter_fields) - (with_limit ? 0 : 1), filter, &present,
                       "filter", error))
    return FALSE;
  if (filter->limit > CKD_MAX_HISTORY_ENTRIES_PER_REPLY)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "filter: a limit of %u entries is more than the %d one reply carries",
                   filter->limit, CKD_MAX_HISTORY_ENTRIES_PER_REPLY);
      return FALSE;
    }
  *query = (CkdHistoryQuery) {
    .since = filter->since,
    .before = filter->before,
    .missed_only = filter->missed_only,
    .handle = (present & (1u << FILTER_HANDLE)) ? &filter->handle : NULL,
  };
  if (with_limit)
    query->limit = filter->limit > 0 ? filter->limit : CKD_MAX_HISTORY_ENTRIES_PER_REPLY;
  if (caller == NULL)
    {
      query->app_id = filter->app_id != NULL && *filter->app_id != '\0' ? filter->app_id : NULL;
      return TRUE;
    }
  if (!ckd_caller_app_scope (caller, filter->app_id, &scope, error))
    return FALSE;
  g_free (filter->app_id);
  filter->app_id = g_steal_pointer (&scope);
  query->app_id = filter->app_id;
  return TRUE;
}

static void
filter_clear (Filter *filter)
{
  g_free (filter->app_id);
  ckd_handle_clear (&filter->handle);
}

GPtrArray *
ckd_history_get_entries (CkdHistory *self, const CkdCaller *caller, GVariant *filter_dict,
                         GError **error)
{
  Filter filter = { 0 };
  CkdHistoryQuery query;
  GError *db_error = NULL;
  GPtrArray *entries = NULL;

  if (parse_filter (caller, filter_dict, TRUE, &filter, &query, error))
    {
      entries = ckd_history_db_query (self->db, &query, &db_error);
      if (entries == NULL)
        fail (self, error, db_error);
    }
  filter_clear (&filter);
  return entries;
}

gboolean
ckd_history_clear (CkdHistory *self, const CkdCaller *caller, GVariant *filter_dict,
                   GError **error)
{
  Filter filter = { 0 };
  CkdHistoryQuery query;
  GError *db_error = NULL;
  gint64 n = -1;

  if (parse_filter (caller, filter_dict, FALSE, &filter, &query, error))
    {
      n = ckd_history_db_clear (self->db, &query, &db_error);
      if (n < 0)
        fail (self, error, db_error);
      else
        g_info ("%s cleared %" G_GINT64_FORMAT " history entries",
                caller != NULL ? caller->name : "callkitd", n);
      if (n > 0)
        emit_changed (self);
    }
  filter_clear (&filter);
  return n >= 0;
}

gboolean
ckd_history_parse_id (const char *id, gint64 *ret, GError **error)
{
  guint64 value;

  /* Digits only: no sign, no spaces, no leading zeros to tell apart. */
  if (id == NULL || *id == '0' || !g_ascii_string_to_unsigned (id, 10, 1, G_MAXINT64, &value, NULL))
    {
      g_autofree char *shown = ckd_shorten (id);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a history entry id", shown);
      return FALSE;
    }
  *ret = (gint64) value;
  return TRUE;
}

/* The ids of @ids, and the scope @caller acts in. */
static GArray *
parse_ids (const CkdCaller *caller, const char *const *ids, char **scope, GError **error)
{
  g_autoptr (GArray) parsed = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n = g_strv_length ((char **) ids);

  if (n > CKD_MAX_HISTORY_IDS_PER_CALL)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "%u entry ids in one call, the limit is %d", n,
                   CKD_MAX_HISTORY_IDS_PER_CALL);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      gint64 id;

      if (!ckd_history_parse_id (ids[i], &id, error))
        return NULL;
      g_array_append_val (parsed, id);
    }
  *scope = NULL;
  if (caller != NULL && !ckd_caller_app_scope (caller, NULL, scope, error))
    return NULL;
  return g_steal_pointer (&parsed);
}

typedef gint64 (*IdsChange) (CkdHistoryDb *db, const gint64 *ids, guint n_ids,
                             const char *app_id, GError **error);

/* MarkSeen and DeleteEntries: @change on the entries @ids that @caller
 * may see; an empty list is the whole scope for @whole_scope_if_empty. */
static gboolean
change_ids (CkdHistory *self, const CkdCaller *caller, const char *const *ids, IdsChange change,
            gboolean whole_scope_if_empty, GError **error)
{
  g_autofree char *scope = NULL;
  g_autoptr (GArray) parsed = parse_ids (caller, ids, &scope, error);
  GError *db_error = NULL;
  gint64 n;

  if (parsed == NULL)
    return FALSE;
  if (parsed->len == 0 && !whole_scope_if_empty)
    return TRUE;
  n = change (self->db, (const gint64 *) parsed->data, parsed->len, scope, &db_error);
  if (n < 0)
    return fail (self, error, db_error);
  if (n > 0)
    emit_changed (self);
  return TRUE;
}

gboolean
ckd_history_mark_seen (CkdHistory *self, const CkdCaller *caller, const char *const *ids,
                       GError **error)
{
  return change_ids (self, caller, ids, ckd_history_db_mark_seen, TRUE, error);
}

gboolean
ckd_history_delete_entries (CkdHistory *self, const CkdCaller *caller, const char *const *ids,
                            GError **error)
{
  return change_ids (self, caller, ids, ckd_history_db_delete, FALSE, error);
}

CkdHistoryEntry *
ckd_history_lookup (CkdHistory *self, const CkdCaller *caller, const char *id, GError **error)
{
  g_autofree char *scope = NULL;
  GError *db_error = NULL;
  CkdHistoryEntry *entry;
  gint64 number;

  if (!ckd_history_parse_id (id, &number, error)
      || (caller != NULL && !ckd_caller_app_scope (caller, NULL, &scope, error)))
    return NULL;
  entry = ckd_history_db_lookup (self->db, number, scope, &db_error);
  if (db_error != NULL)
    {
      fail (self, error, db_error);
      return NULL;
    }
  if (entry == NULL)
    g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_ENTRY, "there is no history entry %s%s%s",
                 id, scope != NULL ? " of " : "", scope != NULL ? scope : "");
  return entry;
}

guint
ckd_history_get_missed_count (CkdHistory *self, const char *app_id)
{
  g_autoptr (GError) error = NULL;
  gint64 n = ckd_history_db_count_unseen_missed (self->db, app_id, &error);

  if (n < 0)
    {
      g_message ("%s", error->message);
      recover (self, error);
      return 0;
    }
  return (guint) MIN (n, G_MAXUINT32);
}

GPtrArray *
ckd_history_get_unseen_missed (CkdHistory *self, guint limit)
{
  g_autoptr (GError) error = NULL;
  CkdHistoryQuery query = { .limit = limit, .missed_only = TRUE, .unseen_only = TRUE };
  GPtrArray *entries = ckd_history_db_query (self->db, &query, &error);

  if (entries == NULL)
    {
      g_message ("%s", error->message);
      recover (self, error);
      entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_history_entry_free);
    }
  return entries;
}

CkdSession *
ckd_history_get_session (CkdHistory *self)
{
  return self->session;
}

/* ---- set-up --------------------------------------------------------- */

static void
ckd_history_dispose (GObject *object)
{
  CkdHistory *self = CKD_HISTORY (object);

  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_handle_id (&self->checkpoint_id, g_source_remove);
  g_clear_handle_id (&self->retention_id, g_source_remove);
  g_clear_pointer (&self->unannounced, g_ptr_array_unref);
  /* Closing copies the WAL into the database. */
  g_clear_pointer (&self->db, ckd_history_db_close);
  g_clear_object (&self->settings);
  g_clear_object (&self->registry);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ckd_history_parent_class)->dispose (object);
}

static void
ckd_history_finalize (GObject *object)
{
  g_free (CKD_HISTORY (object)->path);
  G_OBJECT_CLASS (ckd_history_parent_class)->finalize (object);
}

static void
ckd_history_class_init (CkdHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ckd_history_dispose;
  object_class->finalize = ckd_history_finalize;
  signals[SIGNAL_ENTRY_ADDED] =
    g_signal_new ("entry-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  g_cclosure_marshal_VOID__POINTER, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
}

static void
ckd_history_init (CkdHistory *self)
{
  self->unannounced = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_history_entry_free);
}

CkdHistory *
ckd_history_new (CkdSession *session, const char *path)
{
  CkdHistory *self = g_object_new (CKD_TYPE_HISTORY, NULL);

  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->settings = g_object_ref (ckd_session_get_settings (session));
  self->path = path != NULL ? g_strdup (path)
                            : g_build_filename (g_get_user_data_dir (), "callkitd",
                                                "history.sqlite", NULL);
  open_store (self);
  prune (self);
  g_signal_connect_swapped (self->registry, "call-ended", G_CALLBACK (on_call_ended), self);
  g_signal_connect_swapped (self->registry, "call-removed", G_CALLBACK (on_call_removed), self);
  g_signal_connect_swapped (self->session, "missed-call", G_CALLBACK (on_missed_call), self);
  g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
  self->retention_id = g_timeout_add_seconds (RETENTION_INTERVAL_S, on_retention, self);
  return self;
}
