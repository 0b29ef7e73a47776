/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ckd-atomic-file.h"
#include "ckd-call-store.h"
#include "ckd-limits.h"

/* The file is a GVariant in text form, of type STORE_TYPE: a version, the
 * pid of the callkitd that wrote it, then per provider its id, app id, whether it is sandboxed, its configuration
 * and its calls (a{sv} each, keys below). Text, so that a user can read
 * what callkitd keeps; a file cut short does not parse and is ignored.
 *
 * When it is written: a change marks the file out of date and it is
 * written once at the end of the main-loop iteration (an idle source),
 * so that a storm of calls costs one write per iteration, not one per
 * change. The one exception is the end of a call that the file still
 * holds as live: it must be kept before the end is announced, so that a
 * kill right after can never bring back a call whose end the desktop
 * (and the history) already saw. Rewriting the file for each end would
 * make the end of n calls (a provider that goes) cost n², so the UUID is
 * appended to a journal beside it (PATH.ended) instead: one write() of a
 * line, which a kill of callkitd cannot cut in half, and which is in the
 * page cache for the next callkitd as soon as it returns (the runtime
 * directory is a tmpfs: nothing survives a power cut anyway). A restore
 * skips the calls the journal names; each rewrite of the file empties it.
 * A line cut short (a full disk) is not a UUID and is skipped. */

#define STORE_VERSION 1
#define STORE_TYPE "(uua(usba{sv}aa{sv}))"

struct _CkdCallStore
{
  CkdSession *session;
  CkdRegistry *registry;
  char *path;
  char *ended_path;     /* the journal of ended calls */
  int ended_fd;         /* open on it for appending, or -1 */
  guint write_id;       /* idle source of the next write, or 0 */
  GHashTable *in_file;  /* UUIDs of the calls the file holds (owned strings) */
  gboolean stopped;
  pid_t replaced_pid;   /* the callkitd this one replaced, or 0 */
};

/* ---- writing ------------------------------------------------------------ */

static GVariant *
call_to_variant (const CkdCall *call)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "uuid", g_variant_new_string (call->uuid));
  g_variant_builder_add (&b, "{sv}", "remote_handle",
                         g_variant_new ("(ss)",
                                        ckd_handle_type_to_string (call->remote_handle.type),
                                        call->remote_handle.value));
  g_variant_builder_add (&b, "{sv}", "localized_caller_name",
                         g_variant_new_string (call->localized_caller_name));
  if (call->group != NULL)
    g_variant_builder_add (&b, "{sv}", "group", g_variant_new_string (call->group));
  g_variant_builder_add (&b, "{sv}", "state",
                         g_variant_new_string (ckd_call_state_to_string (call->state)));
  g_variant_builder_add (&b, "{sv}", "created_at", g_variant_new_int64 (call->created_at));
  g_variant_builder_add (&b, "{sv}", "connected_at", g_variant_new_int64 (call->connected_at));
#define FLAG(name) g_variant_builder_add (&b, "{sv}", #name, g_variant_new_boolean (call->name))
  FLAG (outgoing);
  FLAG (muted);
  FLAG (has_video);
  FLAG (supports_holding);
  FLAG (supports_grouping);
  FLAG (supports_ungrouping);
  FLAG (supports_dtmf);
  FLAG (started);
  FLAG (silenced);
#undef FLAG
  return g_variant_builder_end (&b);
}

/* A call that ended is still listed while its end is announced. */
static gboolean
is_kept (const CkdCall *call)
{
  return call->state != CKD_CALL_STATE_ENDED;
}

static GVariant *
store_to_variant (CkdCallStore *self)
{
  GVariantBuilder providers;
  GHashTableIter iter;
  CkdProvider *provider;

  g_variant_builder_init (&providers, G_VARIANT_TYPE ("a(usba{sv}aa{sv})"));
  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    {
      GVariantBuilder calls;
      guint n = 0;

      g_variant_builder_init (&calls, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < provider->calls->len; i++)
        {
          CkdCall *call = g_ptr_array_index (provider->calls, i);

          if (is_kept (call))
            {
              g_variant_builder_add_value (&calls, call_to_variant (call));
              n++;
            }
        }
      if (n == 0)
        {
          g_variant_builder_clear (&calls);
          continue;
        }
      g_variant_builder_add (&providers, "(usb@a{sv}aa{sv})", provider->id,
                             provider->app_id != NULL ? provider->app_id : "",
                             provider->sandboxed,
                             ckd_provider_config_to_variant (&provider->config), &calls);
    }
  return g_variant_ref_sink (
    g_variant_new ("(uua(usba{sv}aa{sv}))", STORE_VERSION, (guint32) getpid (), &providers));
}

static void
write_now (CkdCallStore *self)
{
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  CkdCall *call;
  guint n_kept = 0;

  g_clear_handle_id (&self->write_id, g_source_remove);
  g_hash_table_remove_all (self->in_file);
  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (is_kept (call))
      n_kept++;
  if (n_kept == 0)
    {
      if (g_unlink (self->path) < 0 && errno != ENOENT)
        g_warning ("cannot remove %s: %s", self->path, g_strerror (errno));
      if (self->ended_fd >= 0 && ftruncate (self->ended_fd, 0) < 0)
        g_warning ("cannot empty %s: %s", self->ended_path, g_strerror (errno));
      return;
    }
  {
    g_autoptr (GVariant) store = store_to_variant (self);
    g_autofree char *text = g_variant_print (store, FALSE);
    g_autofree char *contents = g_strconcat (text, "\n", NULL);

    if (!ckd_atomic_file_replace (self->path, contents, strlen (contents), &error))
      {
        g_warning ("cannot keep the live calls in %s: %s", self->path, error->message);
        return;
      }
  }
  /* The file no longer holds the calls the journal names. */
  if (self->ended_fd >= 0 && ftruncate (self->ended_fd, 0) < 0)
    g_warning ("cannot empty %s: %s", self->ended_path, g_strerror (errno));
  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (is_kept (call))
      g_hash_table_add (self->in_file, g_strdup (call->uuid));
}

static gboolean
write_later_fired (gpointer user_data)
{
  CkdCallStore *self = user_data;

  self->write_id = 0;
  write_now (self);
  return G_SOURCE_REMOVE;
}

static void
write_later (CkdCallStore *self)
{
  if (self->write_id == 0)
    self->write_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, write_later_fired, self, NULL);
}

static void
on_call_changed (CkdCallStore *self, CkdCall *call, CkdCallChanges changes)
{
  /* Only what the file holds: the ringing deadline, pending actions and
   * the like are not kept. */
  if (changes & (CKD_CALL_CHANGED_PROPERTIES | CKD_CALL_CHANGED_STARTED | CKD_CALL_CHANGED_SILENCED))
    write_later (self);
}

/* Appends @uuid to the journal of ended calls; FALSE when it cannot. */
static gboolean
journal_end (CkdCallStore *self, const char *uuid)
{
  g_autofree char *line = g_strconcat (uuid, "\n", NULL);
  gsize length = strlen (line);

  if (self->ended_fd < 0)
    {
      self->ended_fd = g_open (self->ended_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (self->ended_fd < 0)
        return FALSE;
    }
  return write (self->ended_fd, line, length) == (gssize) length;
}

static void
on_call_ended (CkdCallStore *self, CkdCall *call)
{
  /* The call is still listed, in its final state: the file leaves it out
   * (is_kept()). */
  if (!g_hash_table_contains (self->in_file, call->uuid))
    {
      write_later (self);
      return;
    }
  g_hash_table_remove (self->in_file, call->uuid);
  if (journal_end (self, call->uuid))
    write_later (self);
  else
    write_now (self);
}

static void
on_changed (CkdCallStore *self)
{
  write_later (self);
}

/* ---- reading ------------------------------------------------------------ */

static gboolean
state_from_string (const char *s, CkdCallState *out)
{
  for (CkdCallState state = CKD_CALL_STATE_RINGING; state < CKD_CALL_STATE_ENDED; state++)
    if (g_str_equal (s, ckd_call_state_to_string (state)))
      {
        *out = state;
        return TRUE;
      }
  return FALSE;
}

static CkdCall *
call_from_variant (CkdProvider *provider, GVariant *dict, GError **error)
{
  g_autoptr (CkdCall) call = NULL;
  g_autofree char *uuid = NULL;
  const char *s, *handle_type, *handle_value;
  gint64 created_at = 0, connected_at = 0;
  gboolean flag;

  if (!g_variant_lookup (dict, "uuid", "&s", &s) || (uuid = ckd_uuid_normalize (s, error)) == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a call without a UUID");
      return NULL;
    }
  g_variant_lookup (dict, "created_at", "x", &created_at);
  call = ckd_call_new (uuid, provider, FALSE, created_at);
  if (!g_variant_lookup (dict, "state", "&s", &s) || !state_from_string (s, &call->state))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "call %s has no live state", uuid);
      return NULL;
    }
  if (g_variant_lookup (dict, "remote_handle", "(&s&s)", &handle_type, &handle_value))
    {
      if (!ckd_handle_type_from_string (handle_type, &call->remote_handle.type)
          || strlen (handle_value) > CKD_MAX_STRING_LENGTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "call %s has a bad handle",
                       uuid);
          return NULL;
        }
      g_free (call->remote_handle.value);
      call->remote_handle.value = g_strdup (handle_value);
    }
  if (g_variant_lookup (dict, "localized_caller_name", "&s", &s)
      && strlen (s) <= CKD_MAX_STRING_LENGTH)
    {
      g_free (call->localized_caller_name);
      call->localized_caller_name = g_strdup (s);
    }
  if (g_variant_lookup (dict, "group", "&s", &s) && *s != '\0')
    call->group = g_strdup (s);
  if (g_variant_lookup (dict, "connected_at", "x", &connected_at) && connected_at >= 0
      && connected_at <= CKD_MAX_TIME_US)
    call->connected_at = connected_at;
#define FLAG(name)                                                                              \
  if (g_variant_lookup (dict, #name, "b", &flag))                                              \
  call->name = flag
  FLAG (outgoing);
  FLAG (muted);
  FLAG (has_video);
  FLAG (supports_holding);
  FLAG (supports_grouping);
  FLAG (supports_ungrouping);
  FLAG (supports_dtmf);
  FLAG (started);
  FLAG (silenced);
#undef FLAG
  return g_steal_pointer (&call);
}

/* The UUIDs the journal of ended calls names. */
static GHashTable *
read_journal (CkdCallStore *self)
{
  GHashTable *ended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (self->ended_path, &contents, NULL, NULL))
    return ended;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *uuid = ckd_uuid_normalize (lines[i], NULL);

      if (uuid != NULL)
        g_hash_table_add (ended, uuid);
    }
  return ended;
}

static gboolean
restore_provider (CkdCallStore *self, GVariant *entry, GHashTable *ended, GError **error)
{
  const CkdOptions *options = ckd_settings_get_options (ckd_session_get_settings (self->session));
  g_autoptr (GVariant) config_dict = NULL;
  g_autoptr (GVariant) calls_array = NULL;
  g_autoptr (GPtrArray) calls = g_ptr_array_new ();
  CkdProviderConfig config = { 0 };
  CkdProvider *provider;
  const char *app_id;
  gboolean sandboxed;
  GVariantIter iter;
  GVariant *dict;
  guint32 id;

  g_variant_get (entry, "(u&sb@a{sv}@aa{sv})", &id, &app_id, &sandboxed, &config_dict,
                 &calls_array);
  if (!ckd_provider_config_parse (&config, config_dict, options->ringing_timeout_ms, error))
    return FALSE;
  provider = ckd_provider_new (id, "", *app_id != '\0' ? app_id : NULL, &config,
                               options->incoming_reports_per_second);
  provider->sandboxed = sandboxed;
  g_variant_iter_init (&iter, calls_array);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      CkdCall *call = call_from_variant (provider, dict, error);

      g_variant_unref (dict);
      if (call != NULL && g_hash_table_contains (ended, call->uuid))
        {
          /* Its end was announced before the kill. */
          ckd_call_free (call);
          continue;
        }
      if (call == NULL)
        {
          g_ptr_array_set_free_func (calls, (GDestroyNotify) ckd_call_free);
          ckd_provider_free (provider);
          return FALSE;
        }
      g_ptr_array_add (calls, call);
    }
  return ckd_session_restore_provider (self->session, provider, g_steal_pointer (&calls),
                                       options->reclaim_grace_ms > 0
                                         ? options->reclaim_grace_ms
                                         : CKD_DEFAULT_RECLAIM_GRACE_MS,
                                       error);
}

/* Whether @pid runs (a zombie does not: it is only waiting to be
 * reaped). A pid reused by another process since means no restore: the
 * apps are then told their calls are gone. */
static gboolean
process_is_alive (guint32 pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%u/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (pid == 0 || pid == (guint32) getpid () || !g_file_get_contents (stat_path, &stat, NULL, NULL))
    return FALSE;
  /* pid (comm) STATE ...: comm may hold anything, the state follows the
   * last ')'. */
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
}

static void
restore (CkdCallStore *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) store = NULL;
  g_autoptr (GVariant) providers = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  guint32 version, pid;
  GVariantIter iter;
  GVariant *entry;
  g_autoptr (GHashTable) ended = NULL;

  ckd_atomic_file_clean (self->path);
  if (!g_file_get_contents (self->path, &contents, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_message ("ignoring the live calls kept in %s: %s", self->path, error->message);
      return;
    }
  store = g_variant_parse (G_VARIANT_TYPE (STORE_TYPE), contents, contents + length, NULL,
                           &error);
  if (store == NULL)
    {
      g_message ("ignoring the live calls kept in %s: the file is damaged (%s)", self->path,
                 error->message);
      return;
    }
  g_variant_get (store, "(uu@a(usba{sv}aa{sv}))", &version, &pid, &providers);
  if (version != STORE_VERSION)
    {
      g_message ("ignoring the live calls kept in %s: version %u, not %u", self->path, version,
                 STORE_VERSION);
      return;
    }
  /* This callkitd replaced that one (--replace): it stops on purpose and
   * tells its providers to drop their calls, and may have exited by now
   * without having removed its file yet. */
  if (self->replaced_pid > 0 && pid == (guint32) self->replaced_pid)
    {
      g_info ("not restoring the live calls of callkitd %u: this one replaced it", pid);
      return;
    }
  if (process_is_alive (pid))
    {
      g_info ("not restoring the live calls of callkitd %u: it is still running", pid);
      return;
    }
  ended = read_journal (self);
  g_variant_iter_init (&iter, providers);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (!restore_provider (self, entry, ended, &error))
        {
          g_message ("ignoring a provider kept in %s: %s", self->path, error->message);
          g_clear_error (&error);
        }
      g_variant_unref (entry);
    }
}

/* ---- set-up ------------------------------------------------------------- */

char *
ckd_call_store_default_path (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "callkitd", "live-calls", NULL);
}

CkdCallStore *
ckd_call_store_new (CkdSession *session, const char *path, pid_t replaced_pid)
{
  CkdCallStore *self = g_new0 (CkdCallStore, 1);

  self->replaced_pid = replaced_pid;

  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->path = g_strdup (path);
  self->ended_path = g_strconcat (path, ".ended", NULL);
  self->ended_fd = -1;
  self->in_file = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  restore (self);
  /* Open now, so that the rewrite below empties what the last callkitd
   * journaled. */
  self->ended_fd = g_open (self->ended_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  /* What was restored is what the file says: written again on the next
   * change (or now, if nothing could be restored). */
  write_now (self);
  g_signal_connect_swapped (self->registry, "call-added", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->registry, "call-changed", G_CALLBACK (on_call_changed), self);
  g_signal_connect_swapped (self->registry, "call-ended", G_CALLBACK (on_call_ended), self);
  g_signal_connect_swapped (self->registry, "call-removed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->registry, "provider-changed", G_CALLBACK (on_changed), self);
  return self;
}

/* The pid that wrote the file at @path, or 0. */
static guint32
writer_of (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr (GVariant) store = NULL;
  gsize length;
  guint32 version, pid;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return 0;
  store = g_variant_parse (G_VARIANT_TYPE (STORE_TYPE), contents, contents + length, NULL, NULL);
  if (store == NULL)
    return 0;
  g_variant_get (store, "(uua(usba{sv}aa{sv}))", &version, &pid, NULL);
  return pid;
}

void
ckd_call_store_stop (CkdCallStore *self)
{
  g_signal_handlers_disconnect_by_data (self->registry, self);
  g_clear_handle_id (&self->write_id, g_source_remove);
  /* Only our own: a callkitd that replaced this one (--replace) may have
   * written its file already. */
  if (self->stopped || writer_of (self->path) != (guint32) getpid ())
    {
      self->stopped = TRUE;
      return;
    }
  self->stopped = TRUE;
  if (g_unlink (self->path) < 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", self->path, g_strerror (errno));
  g_unlink (self->ended_path);
}

void
ckd_call_store_free (CkdCallStore *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->registry, self);
  g_clear_handle_id (&self->write_id, g_source_remove);
  g_hash_table_unref (self->in_file);
  if (self->ended_fd >= 0)
    close (self->ended_fd);
  g_free (self->ended_path);
  g_object_unref (self->registry);
  g_object_unref (self->session);
  g_free (self->path);
  g_free (self);
}
