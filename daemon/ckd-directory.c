/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ckd-atomic-file.h"
#include "ckd-call.h"
#include "ckd-directory-input.h"
#include "ckd-directory-private.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-phone-number.h"
#include "ckd-settings.h"

/* The file stem of the user's own lists: "@" is in no app id. */
#define USER_STEM "@user"

struct _CkdDirectoryChange
{
  CkdDirectory *directory; /* a reference */
  CkdDirectoryList *list;
  CkdDirectoryChangeKind kind;
  int fd;
  char *default_region;
  guint timeout_seconds;
  GArray *keys;      /* guint64 */
  GPtrArray *labels; /* char *, beside keys (identification ADD) */
  CkdDirectoryFile *base; /* the list it changes */
  sd_bus_message *m;
  CkdDirectoryDone done;
};

static void
change_free (CkdDirectoryChange *change)
{
  if (change->fd >= 0)
    close (change->fd);
  g_free (change->default_region);
  g_clear_pointer (&change->keys, g_array_unref);
  g_clear_pointer (&change->labels, g_ptr_array_unref);
  g_clear_pointer (&change->base, ckd_directory_file_unref);
  sd_bus_message_unref (change->m);
  g_free (change);
}

static CkdDirectory *
directory_ref (CkdDirectory *self)
{
  self->ref_count++;
  return self;
}

static void
list_free (CkdDirectoryList *list)
{
  g_queue_clear_full (&list->changes, (GDestroyNotify) change_free);
  ckd_directory_file_unref (list->file);
  g_free (list->app_id);
  g_free (list->path);
  g_free (list);
}

static void
directory_unref (CkdDirectory *self)
{
  if (--self->ref_count > 0)
    return;
  g_clear_pointer (&self->sorted, g_ptr_array_unref);
  g_queue_clear (&self->waiting);
  g_hash_table_unref (self->lists);
  g_object_unref (self->session);
  sd_bus_unref (self->bus);
  g_free (self->dir);
  g_free (self);
}

static char *
list_key (const char *app_id, CkdDirectoryKind kind)
{
  return g_strconcat (ckd_directory_kind_to_string (kind), "/", app_id, NULL);
}

static CkdDirectoryList *
list_new (CkdDirectory *self, const char *app_id, CkdDirectoryKind kind)
{
  CkdDirectoryList *list = g_new0 (CkdDirectoryList, 1);
  g_autofree char *name = g_strconcat (app_id[0] != '\0' ? app_id : USER_STEM, ".",
                                       ckd_directory_kind_to_string (kind), NULL);

  list->app_id = g_strdup (app_id);
  list->kind = kind;
  list->path = g_build_filename (self->dir, name, NULL);
  list->file = ckd_directory_file_new_empty (kind);
  g_queue_init (&list->changes);
  g_hash_table_insert (self->lists, list_key (app_id, kind), list);
  g_clear_pointer (&self->sorted, g_ptr_array_unref);
  return list;
}

CkdDirectoryList *
ckd_directory_get_list (CkdDirectory *self, const char *app_id, CkdDirectoryKind kind,
                        gboolean create, GError **error)
{
  g_autofree char *key = list_key (app_id, kind);
  CkdDirectoryList *list = g_hash_table_lookup (self->lists, key);

  if (list != NULL || !create)
    return list;
  if (g_hash_table_size (self->lists) >= CKD_MAX_DIRECTORY_LISTS)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "the call directory holds %d lists already", CKD_MAX_DIRECTORY_LISTS);
      return NULL;
    }
  return list_new (self, app_id, kind);
}

static int
compare_lists (gconstpointer a, gconstpointer b)
{
  const CkdDirectoryList *la = *(CkdDirectoryList *const *) a;
  const CkdDirectoryList *lb = *(CkdDirectoryList *const *) b;
  int c = strcmp (la->app_id, lb->app_id);

  return c != 0 ? c : (int) la->kind - (int) lb->kind;
}

GPtrArray *
ckd_directory_get_lists (CkdDirectory *self)
{
  if (self->sorted == NULL)
    {
      GHashTableIter iter;
      gpointer list;

      self->sorted = g_ptr_array_new ();
      g_hash_table_iter_init (&iter, self->lists);
      while (g_hash_table_iter_next (&iter, NULL, &list))
        g_ptr_array_add (self->sorted, list);
      g_ptr_array_sort (self->sorted, compare_lists);
    }
  return g_ptr_array_ref (self->sorted);
}

/* ---- loading -------------------------------------------------------- */

/* NAME.KIND.XXXXXX: a write killed before its rename. */
static gboolean
is_leftover (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || strlen (dot + 1) != 6)
    return FALSE;
  for (int kind = 0; kind < CKD_DIRECTORY_N_KINDS; kind++)
    {
      g_autofree char *suffix = g_strconcat (".", ckd_directory_kind_to_string (kind), NULL);
      gsize n = strlen (suffix);

      if ((gsize) (dot - name) > n && strncmp (dot - n, suffix, n) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
load_list (CkdDirectory *self, const char *stem, CkdDirectoryKind kind)
{
  const char *app_id = g_str_equal (stem, USER_STEM) ? CKD_DIRECTORY_USER : stem;
  CkdDirectoryList *list;
  g_autoptr (GError) error = NULL;
  CkdDirectoryFile *file;

  if (app_id[0] != '\0' && !g_application_id_is_valid (app_id))
    {
      g_message ("ignoring %s/%s.%s: not named after an app", self->dir, stem,
                 ckd_directory_kind_to_string (kind));
      return;
    }
  list = ckd_directory_get_list (self, app_id, kind, TRUE, &error);
  if (list == NULL)
    {
      g_warning ("call directory: %s", error->message);
      return;
    }
  list->exists = TRUE;
  file = ckd_directory_file_open (list->path, kind, &error);
  if (file == NULL)
    {
      /* Not used, and said: the app replaces it when it next loads. */
      g_warning ("call directory: the %s list of %s is corrupt and not used: %s",
                 ckd_directory_kind_to_string (kind), app_id[0] ? app_id : "the user",
                 error->message);
      list->corrupt = TRUE;
      return;
    }
  ckd_directory_file_unref (list->file);
  list->file = file;
}

static void
load (CkdDirectory *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (self->dir, 0, &error);
  const char *name;

  if (dir == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("cannot read the call directory: %s", error->message);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->dir, name, NULL);

      if (is_leftover (name))
        {
          g_debug ("removing %s, left by a write that did not finish", path);
          g_unlink (path);
          continue;
        }
      for (int kind = 0; kind < CKD_DIRECTORY_N_KINDS; kind++)
        {
          g_autofree char *suffix = g_strconcat (".", ckd_directory_kind_to_string (kind), NULL);

          if (g_str_has_suffix (name, suffix) && strlen (name) > strlen (suffix))
            {
              g_autofree char *stem = g_strndup (name, strlen (name) - strlen (suffix));
              load_list (self, stem, kind);
            }
        }
    }
}

/* ---- lookups -------------------------------------------------------- */

void
ckd_directory_match_clear (CkdDirectoryMatch *match)
{
  g_clear_pointer (&match->blocked_by, g_ptr_array_unref);
  g_clear_pointer (&match->label, g_free);
  g_clear_pointer (&match->label_app, g_free);
  g_clear_pointer (&match->number, g_free);
  match->blocked = FALSE;
}

static gboolean
handle_key (const char *handle_type, const char *handle, guint64 *ret_key)
{
  if (g_strcmp0 (handle_type, "phone-number") != 0 && g_strcmp0 (handle_type, "generic") != 0)
    return FALSE;
  return ckd_phone_number_parse (handle, strlen (handle), ckd_phone_number_locale_region (),
                                 ret_key);
}

/* The user's lists first, then the apps' in app id order. */
static void
search (CkdDirectory *self, const char *app_id, guint64 key, CkdDirectoryMatch *match,
        GPtrArray *blocking_lists)
{
  g_autoptr (GPtrArray) lists = ckd_directory_get_lists (self);

  for (guint i = 0; i < lists->len; i++)
    {
      CkdDirectoryList *list = g_ptr_array_index (lists, i);
      gint64 index;

      if (app_id != NULL && !g_str_equal (app_id, list->app_id))
        continue;
      index = ckd_directory_file_find (list->file, key);
      if (index < 0)
        continue;
      if (list->kind == CKD_DIRECTORY_BLOCKING)
        {
          match->blocked = TRUE;
          g_ptr_array_add (match->blocked_by, g_strdup (list->app_id));
          if (blocking_lists != NULL)
            g_ptr_array_add (blocking_lists, list);
        }
      else if (match->label == NULL)
        {
          match->label = g_strdup (ckd_directory_file_get_label (list->file, (guint64) index));
          match->label_app = g_strdup (list->app_id);
        }
    }
}

gboolean
ckd_directory_lookup (CkdDirectory *self, const char *app_id, const char *handle_type,
                      const char *handle, CkdDirectoryMatch *match)
{
  char number[CKD_PHONE_NUMBER_MAX_DIGITS + 2];
  guint64 key;

  *match = (CkdDirectoryMatch) { 0 };
  match->blocked_by = g_ptr_array_new_with_free_func (g_free);
  if (!handle_key (handle_type, handle, &key))
    return FALSE;
  ckd_phone_number_format (key, number);
  match->number = g_strdup (number);
  search (self, app_id, key, match, NULL);
  return match->blocked || match->label != NULL;
}

guint64
ckd_directory_get_blocked_calls (CkdDirectory *self)
{
  return self->blocked_calls;
}

/* Asked by the session before a reported incoming call rings. */
static CkdCallFilter
filter_incoming_call (const CkdCall *call, gpointer user_data)
{
  CkdDirectory *self = user_data;
  g_auto (CkdDirectoryMatch) match = { 0 };
  g_autoptr (GPtrArray) blocking = g_ptr_array_new ();
  guint64 key;

  /* Unknown callers have no handle: no list blocks them. */
  if (call->remote_handle.value == NULL || call->remote_handle.value[0] == '\0'
      || !handle_key (ckd_handle_type_to_string (call->remote_handle.type),
                      call->remote_handle.value, &key))
    return CKD_CALL_FILTER_NONE;
  match.blocked_by = g_ptr_array_new_with_free_func (g_free);
  search (self, NULL, key, &match, blocking);
  if (!match.blocked)
    return CKD_CALL_FILTER_NONE;
  self->blocked_calls++;
  for (guint i = 0; i < blocking->len; i++)
    ((CkdDirectoryList *) g_ptr_array_index (blocking, i))->blocked_calls++;
  ckd_directory_service_lists_changed (self);
  return CKD_CALL_FILTER_BLOCK_LIST;
}

/* ---- changes -------------------------------------------------------- */

static void run_next (CkdDirectory *self, CkdDirectoryList *list);

/* In a worker thread: the list's next version, written. */
static void
change_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CkdDirectoryChange *change = task_data;
  g_autoptr (CkdDirectoryBuilder) builder = ckd_directory_builder_new (change->list->kind);
  g_autoptr (GError) error = NULL;
  CkdDirectoryFile *file;

  switch (change->kind)
    {
    case CKD_DIRECTORY_REPLACE:
      if (!ckd_directory_input_read (change->fd, change->list->kind, change->default_region,
                                     change->timeout_seconds, builder, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      break;
    case CKD_DIRECTORY_ADD:
    case CKD_DIRECTORY_REMOVE:
      ckd_directory_builder_add_file (builder, change->base);
      for (guint i = 0; i < change->keys->len; i++)
        {
          guint64 key = g_array_index (change->keys, guint64, i);
          const char *label = change->labels != NULL ? change->labels->pdata[i] : NULL;

          if (change->kind == CKD_DIRECTORY_REMOVE)
            ckd_directory_builder_remove (builder, key);
          else
            ckd_directory_builder_add (builder, key, label, label ? strlen (label) : 0);
        }
      break;
    case CKD_DIRECTORY_REMOVE_ALL:
      break;
    }
  if (ckd_directory_builder_get_size (builder) > CKD_MAX_DIRECTORY_ENTRIES
      && change->kind == CKD_DIRECTORY_ADD)
    {
      g_task_return_new_error (task, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                               "a list holds at most %d entries", CKD_MAX_DIRECTORY_ENTRIES);
      return;
    }
  file = ckd_directory_builder_write (builder, change->list->path,
                                      ckd_directory_file_get_generation (change->base) + 1,
                                      g_get_real_time (), &error);
  if (file == NULL)
    {
      g_task_return_new_error (task, CKD_ERROR, CKD_ERROR_STORAGE_FAILED,
                               "cannot store the list: %s", error->message);
      return;
    }
  g_task_return_pointer (task, file, (GDestroyNotify) ckd_directory_file_unref);
}

static void
change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CkdDirectoryChange *change = user_data;
  CkdDirectory *self = change->directory;
  CkdDirectoryList *list = change->list;
  g_autoptr (GError) error = NULL;
  CkdDirectoryFile *file = g_task_propagate_pointer (G_TASK (result), &error);

  g_assert (g_queue_peek_head (&list->changes) == change);
  g_queue_pop_head (&list->changes);
  self->running--;
  if (self->stopped)
    {
      ckd_directory_file_unref (file);
      change_free (change);
      directory_unref (self);
      return;
    }
  if (file != NULL)
    {
      ckd_directory_file_unref (list->file);
      list->file = file;
      list->exists = TRUE;
      list->corrupt = FALSE;
      g_debug ("call directory: the %s list of %s has %" G_GUINT64_FORMAT " entries",
               ckd_directory_kind_to_string (list->kind), list->app_id[0] ? list->app_id : "the user",
               ckd_directory_file_get_count (file));
    }
  change->done (self, change->m, file != NULL ? ckd_directory_file_get_count (file) : 0, error);
  if (file != NULL)
    ckd_directory_service_lists_changed (self);
  change_free (change);
  run_next (self, list);
  /* A thread is free: the lists that waited for one, in turn. */
  while (self->running < CKD_MAX_DIRECTORY_RUNNING_CHANGES
         && !g_queue_is_empty (&self->waiting))
    {
      CkdDirectoryList *waiting = g_queue_pop_head (&self->waiting);

      waiting->waiting = FALSE;
      run_next (self, waiting);
    }
  directory_unref (self);
}

static void
run_next (CkdDirectory *self, CkdDirectoryList *list)
{
  CkdDirectoryChange *change = g_queue_peek_head (&list->changes);
  g_autoptr (GTask) task = NULL;

  if (change == NULL || change->directory != NULL)
    return;
  if (self->running >= CKD_MAX_DIRECTORY_RUNNING_CHANGES)
    {
      if (!list->waiting)
        g_queue_push_tail (&self->waiting, list);
      list->waiting = TRUE;
      return;
    }
  self->running++;
  change->directory = directory_ref (self);
  /* What the change starts from: the list as it is when it runs. */
  change->base = ckd_directory_file_ref (list->file);
  change->timeout_seconds =
    ckd_settings_get (ckd_session_get_settings (self->session))->directory.read_timeout_seconds;
  task = g_task_new (NULL, NULL, change_done, change);
  g_task_set_task_data (task, change, NULL);
  g_task_run_in_thread (task, change_thread);
}

gboolean
ckd_directory_change (CkdDirectory *self, CkdDirectoryList *list, CkdDirectoryChangeKind kind,
                      int fd, const char *default_region, GArray *keys, GPtrArray *labels,
                      sd_bus_message *m, CkdDirectoryDone done, GError **error)
{
  CkdDirectoryChange *change;

  if (g_queue_get_length (&list->changes) >= CKD_MAX_DIRECTORY_PENDING_CHANGES)
    {
      if (fd >= 0)
        close (fd);
      if (keys != NULL)
        g_array_unref (keys);
      if (labels != NULL)
        g_ptr_array_unref (labels);
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "%d changes of this list wait already", CKD_MAX_DIRECTORY_PENDING_CHANGES);
      return FALSE;
    }
  change = g_new0 (CkdDirectoryChange, 1);
  change->list = list;
  change->kind = kind;
  change->fd = fd;
  change->default_region = g_strdup (default_region);
  change->keys = keys;
  change->labels = labels;
  change->m = sd_bus_message_ref (m);
  change->done = done;
  g_queue_push_tail (&list->changes, change);
  run_next (self, list);
  return TRUE;
}

/* ---- set-up --------------------------------------------------------- */

static void
slot_unref (gpointer slot)
{
  sd_bus_slot_unref (slot);
}

CkdDirectory *
ckd_directory_new (sd_bus *bus, CkdPeers *peers, CkdSession *session, const char *data_dir,
                   GError **error)
{
  CkdDirectory *self = g_new0 (CkdDirectory, 1);
  int r;

  self->ref_count = 1;
  g_queue_init (&self->waiting);
  self->bus = sd_bus_ref (bus);
  self->peers = peers;
  self->session = g_object_ref (session);
  self->dir = g_build_filename (data_dir, "directory", NULL);
  self->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) list_free);
  self->slots = g_ptr_array_new_with_free_func (slot_unref);
  load (self);
  r = ckd_directory_service_init (self);
  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r),
                   "cannot serve the call directory: %s", g_strerror (-r));
      ckd_directory_free (self);
      return NULL;
    }
  ckd_session_add_incoming_call_filter (session, filter_incoming_call, self);
  return self;
}

void
ckd_directory_free (CkdDirectory *self)
{
  if (self == NULL)
    return;
  ckd_session_remove_incoming_call_filter (self->session, filter_incoming_call, self);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  /* Changes still running finish in their thread and are dropped. */
  self->stopped = TRUE;
  directory_unref (self);
}
