/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "callkit-names.h"
#include "ckd-caller.h"
#include "ckd-directory-input.h"
#include "ckd-directory-private.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-phone-number.h"
#include "ckd-sdbus-gvariant.h"
#include "ckd-sdbus-reply.h"
#include "ckd-sdbus-vtable.h"

/* CallDirectory at the root, on callkitd's sd-bus connection beside the
 * other interfaces. Every method learns its caller first (CkdPeers): a
 * sandboxed app reaches its own lists alone, an unsandboxed client of the
 * user any app's (options `app_id`) or, naming none, the user's own.
 * Reads of Lists wait for their caller too (each sees its own lists). */

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

typedef int (*DirectoryMethod) (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer);

static int
with_caller (CkdDirectory *self, sd_bus_message *m, DirectoryMethod method)
{
  return ckd_sdbus_call_with_peer (self->peers, m, self, G_CALLBACK (method));
}

/* ---- options -------------------------------------------------------- */

typedef struct
{
  char *app_id;         /* whose list: "" the user's own */
  char *default_region; /* for national numbers */
} Options;

static void
options_clear (Options *options)
{
  g_clear_pointer (&options->app_id, g_free);
  g_clear_pointer (&options->default_region, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* The whose-list rule of ckd_caller_app_scope(), for @peer. */
static gboolean
scope (const CkdPeer *peer, const char *requested, char **ret_app_id, GError **error)
{
  g_autoptr (CkdCaller) caller =
    ckd_caller_new (peer->name, peer->uid, peer->pid, peer->sandboxed, peer->app_id);
  g_autofree char *app_id = NULL;

  if (!ckd_caller_app_scope (caller, requested, &app_id, error))
    return FALSE;
  /* Unsandboxed and naming no app: the user's own list. */
  *ret_app_id = app_id != NULL ? g_steal_pointer (&app_id) : g_strdup (CKD_DIRECTORY_USER);
  return TRUE;
}

static gboolean
read_options (sd_bus_message *m, const CkdPeer *peer, Options *options, GError **error)
{
  g_autoptr (GVariant) dict = NULL;
  g_autofree char *failed_key = NULL;
  const char *requested = NULL, *region = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;
  int r = ckd_sdbus_read_vardict (m, &dict, &failed_key);

  if (r < 0)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "options: cannot read %s",
                   failed_key ? failed_key : "them");
      return FALSE;
    }
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const char **target = g_str_equal (key, "app_id")           ? &requested
                            : g_str_equal (key, "default_region") ? &region
                                                                  : NULL;

      if (target == NULL)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "options: unknown key %s",
                       key);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "options: %s must be a string", key);
          return FALSE;
        }
      *target = g_variant_get_string (value, NULL);
    }
  if (region != NULL && region[0] != '\0' && !ckd_phone_number_region_is_known (region))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "options: default_region “%s” is not a region (ISO 3166 code, e.g. DE)",
                   region);
      return FALSE;
    }
  options->default_region =
    g_strdup (region != NULL && region[0] != '\0' ? region : ckd_phone_number_locale_region ());
  return scope (peer, requested, &options->app_id, error);
}

/* ---- replies of changes --------------------------------------------- */

static void
reply_count (CkdDirectory *self, sd_bus_message *m, guint64 count, const GError *error)
{
  int r = error != NULL ? ckd_sdbus_reply_error (m, error)
                        : sd_bus_reply_method_return (m, "u", (guint32) count);

  if (r < 0)
    g_debug ("cannot answer %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
}

static void
reply_empty (CkdDirectory *self, sd_bus_message *m, guint64 count, const GError *error)
{
  int r = error != NULL ? ckd_sdbus_reply_error (m, error) : sd_bus_reply_method_return (m, "");

  if (r < 0)
    g_debug ("cannot answer %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
}

static int
queue_change (CkdDirectory *self, sd_bus_message *m, const Options *options,
              CkdDirectoryKind kind, CkdDirectoryChangeKind change, int fd, GArray *keys,
              GPtrArray *labels, CkdDirectoryDone done)
{
  g_autoptr (GError) error = NULL;
  CkdDirectoryList *list = ckd_directory_get_list (self, options->app_id, kind, TRUE, &error);

  if (list == NULL)
    {
      if (fd >= 0)
        close (fd);
      g_clear_pointer (&keys, g_array_unref);
      g_clear_pointer (&labels, g_ptr_array_unref);
      return ckd_sdbus_reply_error (m, error);
    }
  if (!ckd_directory_change (self, list, change, fd, options->default_region, keys, labels, m,
                             done, &error))
    return ckd_sdbus_reply_error (m, error);
  return 1;
}

/* ---- methods -------------------------------------------------------- */

static int
replace (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer, CkdDirectoryKind kind)
{
  g_auto (Options) options = { 0 };
  g_autoptr (GError) error = NULL;
  int fd, r;

  r = sd_bus_message_read_basic (m, 'h', &fd);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!read_options (m, peer, &options, &error))
    return ckd_sdbus_reply_error (m, error);
  /* The message's descriptor goes with the message: the reader keeps its own. */
  fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return ckd_sdbus_reply_invalid_arguments (m, -errno);
  return queue_change (self, m, &options, kind, CKD_DIRECTORY_REPLACE, fd, NULL, NULL,
                       reply_count);
}

static int
do_replace_blocking (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  return replace (self, m, peer, CKD_DIRECTORY_BLOCKING);
}

static int
do_replace_identification (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  return replace (self, m, peer, CKD_DIRECTORY_IDENTIFICATION);
}

static gboolean
too_many (gsize n, GError **error)
{
  if (n <= CKD_MAX_DIRECTORY_ENTRIES_PER_CALL)
    return FALSE;
  g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
               "at most %d entries a call: replace the list for more",
               CKD_MAX_DIRECTORY_ENTRIES_PER_CALL);
  return TRUE;
}

/* The numbers of @strv as keys, or InvalidArgument naming the first bad one. */
static GArray *
parse_numbers (char **strv, const char *region, GError **error)
{
  g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      guint64 key;
      g_autoptr (GError) local = NULL;

      if (!ckd_directory_input_parse_number (strv[i], region, &key, &local))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "numbers[%u]: %s", i,
                       local->message);
          return NULL;
        }
      g_array_append_val (keys, key);
    }
  return g_steal_pointer (&keys);
}

static int
change_numbers (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer,
                CkdDirectoryKind kind, CkdDirectoryChangeKind change)
{
  g_auto (Options) options = { 0 };
  g_auto (GStrv) numbers = NULL;
  g_autoptr (GError) error = NULL;
  GArray *keys;
  int r = sd_bus_message_read_strv (m, &numbers);

  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!read_options (m, peer, &options, &error)
      || too_many (numbers ? g_strv_length (numbers) : 0, &error))
    return ckd_sdbus_reply_error (m, error);
  keys = parse_numbers (numbers, options.default_region, &error);
  if (keys == NULL)
    return ckd_sdbus_reply_error (m, error);
  return queue_change (self, m, &options, kind, change, -1, keys, NULL, reply_empty);
}

static int
do_add_blocking (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  return change_numbers (self, m, peer, CKD_DIRECTORY_BLOCKING, CKD_DIRECTORY_ADD);
}

static int
do_remove_blocking (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  return change_numbers (self, m, peer, CKD_DIRECTORY_BLOCKING, CKD_DIRECTORY_REMOVE);
}

static int
do_remove_identification (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  return change_numbers (self, m, peer, CKD_DIRECTORY_IDENTIFICATION, CKD_DIRECTORY_REMOVE);
}

static int
do_add_identification (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_auto (Options) options = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) numbers = g_ptr_array_new_with_free_func (g_free);
  const char *number, *label;
  int r;

  r = sd_bus_message_enter_container (m, 'a', "(ss)");
  while (r >= 0 && (r = sd_bus_message_read (m, "(ss)", &number, &label)) > 0)
    {
      g_ptr_array_add (numbers, g_strdup (number));
      g_ptr_array_add (labels, g_strdup (label));
    }
  if (r >= 0)
    r = sd_bus_message_exit_container (m);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!read_options (m, peer, &options, &error) || too_many (numbers->len, &error))
    return ckd_sdbus_reply_error (m, error);
  for (guint i = 0; i < numbers->len; i++)
    {
      g_autoptr (GError) local = NULL;
      const char *text = labels->pdata[i];
      guint64 key;

      if (!ckd_directory_input_parse_number (numbers->pdata[i], options.default_region, &key,
                                             &local)
          || !ckd_directory_input_check_label (text, strlen (text), &local))
        {
          g_set_error (&error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "entries[%u]: %s", i,
                       local->message);
          return ckd_sdbus_reply_error (m, error);
        }
      g_array_append_val (keys, key);
    }
  return queue_change (self, m, &options, CKD_DIRECTORY_IDENTIFICATION, CKD_DIRECTORY_ADD, -1,
                       g_steal_pointer (&keys), g_steal_pointer (&labels), reply_empty);
}

static int
do_remove_all (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_auto (Options) options = { 0 };
  g_autoptr (GError) error = NULL;
  CkdDirectoryKind kind;
  const char *kind_name;
  int r = sd_bus_message_read_basic (m, 's', &kind_name);

  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!ckd_directory_kind_from_string (kind_name, &kind))
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT),
                                       "kind: “%s” is neither blocking nor identification",
                                       kind_name);
  if (!read_options (m, peer, &options, &error))
    return ckd_sdbus_reply_error (m, error);
  return queue_change (self, m, &options, kind, CKD_DIRECTORY_REMOVE_ALL, -1, NULL, NULL,
                       reply_empty);
}

/* Options of GetEntries: those of every method, and a page. */
static gboolean
read_page_options (sd_bus_message *m, const CkdPeer *peer, Options *options, guint32 *offset,
                   guint32 *limit, GError **error)
{
  g_autoptr (GVariant) dict = NULL;
  g_autofree char *failed_key = NULL;
  const char *requested = NULL;
  int r = ckd_sdbus_read_vardict (m, &dict, &failed_key);

  if (r < 0)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "options: cannot read %s",
                   failed_key ? failed_key : "them");
      return FALSE;
    }
  *offset = 0;
  *limit = CKD_MAX_DIRECTORY_ENTRIES_PER_CALL;
  for (gsize i = 0; i < g_variant_n_children (dict); i++)
    {
      const char *key;
      g_autoptr (GVariant) value = NULL;

      g_variant_get_child (dict, i, "{&sv}", &key, &value);
      if (g_str_equal (key, "app_id") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        requested = g_variant_get_string (value, NULL);
      else if (g_str_equal (key, "offset") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        *offset = g_variant_get_uint32 (value);
      else if (g_str_equal (key, "limit") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32)
               && g_variant_get_uint32 (value) <= CKD_MAX_DIRECTORY_ENTRIES_PER_CALL)
        *limit = g_variant_get_uint32 (value) ?: CKD_MAX_DIRECTORY_ENTRIES_PER_CALL;
      else
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "options: %s is unknown or has a wrong type or value", key);
          return FALSE;
        }
    }
  return scope (peer, requested, &options->app_id, error);
}

static int
do_get_entries (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_auto (Options) options = { 0 };
  g_autoptr (GError) error = NULL;
  sd_bus_message *reply = NULL;
  CkdDirectoryList *list;
  CkdDirectoryKind kind;
  const char *kind_name;
  guint32 offset, limit;
  guint64 count = 0;
  int r = sd_bus_message_read_basic (m, 's', &kind_name);

  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!ckd_directory_kind_from_string (kind_name, &kind))
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT),
                                       "kind: “%s” is neither blocking nor identification",
                                       kind_name);
  if (!read_page_options (m, peer, &options, &offset, &limit, &error))
    return ckd_sdbus_reply_error (m, error);
  list = ckd_directory_get_list (self, options.app_id, kind, FALSE, NULL);
  if (list != NULL)
    count = ckd_directory_file_get_count (list->file);
  r = sd_bus_message_new_method_return (m, &reply);
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'a', "(ss)");
  for (guint64 i = offset; r >= 0 && i < count && i < (guint64) offset + limit; i++)
    {
      char number[CKD_PHONE_NUMBER_MAX_DIGITS + 2];
      const char *label = ckd_directory_file_get_label (list->file, i);

      ckd_phone_number_format (ckd_directory_file_get_key (list->file, i), number);
      r = sd_bus_message_append (reply, "(ss)", number, label != NULL ? label : "");
    }
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  if (r >= 0)
    r = sd_bus_send (NULL, reply, NULL);
  sd_bus_message_unref (reply);
  return r;
}

static int
append_string (sd_bus_message *m, const char *key, const char *value)
{
  return sd_bus_message_append (m, "{sv}", key, "s", value != NULL ? value : "");
}

static int
do_lookup (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_auto (CkdDirectoryMatch) match = { 0 };
  sd_bus_message *reply = NULL;
  const char *handle_type, *handle;
  CkdHandleType type;
  int r = sd_bus_message_read (m, "ss", &handle_type, &handle);

  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!ckd_handle_type_from_string (handle_type, &type))
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT),
                                       "handle_type: “%s” is not a handle type", handle_type);
  if (peer->sandboxed && peer->app_id == NULL)
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_UNENTITLED),
                                       "the app id of the sandboxed caller is unknown");
  /* A sandboxed app sees its own lists alone: never whose list blocks. */
  ckd_directory_lookup (self, peer->sandboxed ? peer->app_id : NULL, handle_type, handle,
                        &match);
  r = sd_bus_message_new_method_return (m, &reply);
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'a', "{sv}");
  if (r >= 0)
    r = sd_bus_message_append (reply, "{sv}", "blocked", "b", match.blocked);
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'e', "sv");
  if (r >= 0)
    r = sd_bus_message_append (reply, "s", "blocked_by");
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'v', "as");
  if (r >= 0)
    {
      g_ptr_array_add (match.blocked_by, NULL);
      r = sd_bus_message_append_strv (reply, (char **) match.blocked_by->pdata);
      g_ptr_array_remove_index (match.blocked_by, match.blocked_by->len - 1);
    }
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  if (r >= 0)
    r = append_string (reply, "label", match.label);
  if (r >= 0)
    r = append_string (reply, "label_app", match.label_app);
  if (r >= 0)
    r = append_string (reply, "number", match.number);
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  if (r >= 0)
    r = sd_bus_send (NULL, reply, NULL);
  sd_bus_message_unref (reply);
  return r;
}

#define METHOD(name)                                                                   \
  static int method_##name (sd_bus_message *m, void *userdata, sd_bus_error *ret_error) \
  {                                                                                    \
    return with_caller (userdata, m, do_##name);                                       \
  }
METHOD (replace_blocking)
METHOD (replace_identification)
METHOD (add_blocking)
METHOD (remove_blocking)
METHOD (add_identification)
METHOD (remove_identification)
METHOD (remove_all)
METHOD (lookup)
METHOD (get_entries)
#undef METHOD

/* ---- Lists ---------------------------------------------------------- */

static int
append_lists (CkdDirectory *self, sd_bus_message *reply, const CkdPeer *peer)
{
  g_autoptr (GPtrArray) lists = ckd_directory_get_lists (self);
  int r = sd_bus_message_open_container (reply, 'a', "a{sv}");

  for (guint i = 0; r >= 0 && i < lists->len; i++)
    {
      CkdDirectoryList *list = g_ptr_array_index (lists, i);

      if (!list->exists
          || (peer->sandboxed && g_strcmp0 (peer->app_id, list->app_id) != 0))
        continue;
      r = sd_bus_message_append (
        reply, "a{sv}", 7, "app_id", "s", list->app_id, "kind", "s",
        ckd_directory_kind_to_string (list->kind), "count", "u",
        (guint32) ckd_directory_file_get_count (list->file), "generation", "t",
        ckd_directory_file_get_generation (list->file), "updated_at", "x",
        ckd_directory_file_get_updated_at (list->file), "state", "s",
        list->corrupt ? "corrupt" : "ok", "blocked_calls", "t", list->blocked_calls);
    }
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  return r;
}

/* sd-bus's getter, for callers already known. */
static int
get_lists (sd_bus *bus, const char *path, const char *interface, const char *property,
           sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdDirectory *self = userdata;
  sd_bus_message *m = sd_bus_get_current_message (bus);
  const CkdPeer *peer = m != NULL ? ckd_peers_lookup (self->peers, sd_bus_message_get_sender (m))
                                  : NULL;

  /* Properties.Get and GetAll come through do_get() once the caller is
   * known; a read that did not (GetManagedObjects) tells nothing of any
   * app. */
  if (peer == NULL)
    return sd_bus_message_append (reply, "aa{sv}", 0);
  return append_lists (self, reply, peer);
}

static int
do_get (CkdDirectory *self, sd_bus_message *m, const CkdPeer *peer)
{
  gboolean all = g_str_equal (sd_bus_message_get_member (m), "GetAll");
  sd_bus_message *reply = NULL;
  int r = sd_bus_message_new_method_return (m, &reply);

  if (r >= 0 && all)
    r = sd_bus_message_open_container (reply, 'a', "{sv}");
  if (r >= 0 && all)
    r = sd_bus_message_open_container (reply, 'e', "sv");
  if (r >= 0 && all)
    r = sd_bus_message_append (reply, "s", "Lists");
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'v', "aa{sv}");
  if (r >= 0)
    r = append_lists (self, reply, peer);
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  if (r >= 0 && all)
    r = sd_bus_message_close_container (reply);
  if (r >= 0 && all)
    r = sd_bus_message_close_container (reply);
  if (r >= 0)
    r = sd_bus_send (NULL, reply, NULL);
  sd_bus_message_unref (reply);
  return r < 0 ? ckd_sdbus_reply_invalid_arguments (m, r) : r;
}

static const sd_bus_vtable directory_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("ReplaceBlockingEntries", SD_BUS_ARGS ("h", fd, "a{sv}", options),
                           SD_BUS_RESULT ("u", count), method_replace_blocking,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("ReplaceIdentificationEntries",
                           SD_BUS_ARGS ("h", fd, "a{sv}", options), SD_BUS_RESULT ("u", count),
                           method_replace_identification, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("AddBlockingEntries", SD_BUS_ARGS ("as", numbers, "a{sv}", options),
                           SD_BUS_NO_RESULT, method_add_blocking, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("RemoveBlockingEntries",
                           SD_BUS_ARGS ("as", numbers, "a{sv}", options), SD_BUS_NO_RESULT,
                           method_remove_blocking, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("AddIdentificationEntries",
                           SD_BUS_ARGS ("a(ss)", entries, "a{sv}", options), SD_BUS_NO_RESULT,
                           method_add_identification, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("RemoveIdentificationEntries",
                           SD_BUS_ARGS ("as", numbers, "a{sv}", options), SD_BUS_NO_RESULT,
                           method_remove_identification, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("RemoveAllEntries", SD_BUS_ARGS ("s", kind, "a{sv}", options),
                           SD_BUS_NO_RESULT, method_remove_all, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Lookup", SD_BUS_ARGS ("s", handle_type, "s", handle),
                           SD_BUS_RESULT ("a{sv}", result), method_lookup,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("GetEntries", SD_BUS_ARGS ("s", kind, "a{sv}", options),
                           SD_BUS_RESULT ("a(ss)", entries), method_get_entries,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY ("Lists", "aa{sv}", get_lists, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
  SD_BUS_VTABLE_END,
};

/* Before sd-bus dispatches: wrong signatures get our InvalidArgument, and
 * reads of Lists wait for their caller. */
static int
front_door (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdDirectory *self = userdata;
  const char *interface, *member, *asked = NULL, *property = NULL;

  if (!sd_bus_message_is_method_call (m, NULL, NULL)
      || g_strcmp0 (sd_bus_message_get_path (m), CKD_OBJECT_ROOT) != 0)
    return 0;
  interface = sd_bus_message_get_interface (m);
  member = sd_bus_message_get_member (m);
  if (g_strcmp0 (interface, CKD_CALL_DIRECTORY_INTERFACE) == 0)
    return ckd_sdbus_vtable_check_signature (directory_vtable, m,
                                             ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT));
  if (g_strcmp0 (interface, PROPERTIES_INTERFACE) != 0)
    return 0;
  if (g_strcmp0 (member, "Get") == 0
      && g_strcmp0 (sd_bus_message_get_signature (m, TRUE), "ss") == 0)
    {
      if (sd_bus_message_read (m, "ss", &asked, &property) >= 0
          && g_strcmp0 (asked, CKD_CALL_DIRECTORY_INTERFACE) == 0
          && g_strcmp0 (property, "Lists") == 0)
        return with_caller (self, m, do_get);
    }
  else if (g_strcmp0 (member, "GetAll") == 0
           && g_strcmp0 (sd_bus_message_get_signature (m, TRUE), "s") == 0)
    {
      if (sd_bus_message_read (m, "s", &asked) >= 0
          && g_strcmp0 (asked, CKD_CALL_DIRECTORY_INTERFACE) == 0)
        return with_caller (self, m, do_get);
    }
  sd_bus_message_rewind (m, TRUE);
  return 0;
}

void
ckd_directory_service_lists_changed (CkdDirectory *self)
{
  /* Built by hand: the interface has a second vtable (caller
   * identification's methods, ckd-bus-identification.c), and sd-bus 252's
   * sd_bus_emit_properties_changed() asserts on an interface served by
   * more than one vtable. Lists is only invalidated: its value depends on
   * who reads it. */
  int r = sd_bus_emit_signal (self->bus, CKD_OBJECT_ROOT, PROPERTIES_INTERFACE,
                              "PropertiesChanged", "sa{sv}as", CKD_CALL_DIRECTORY_INTERFACE, 0,
                              1, "Lists");

  if (r < 0)
    g_message ("cannot tell that the call directory changed: %s", g_strerror (-r));
}

int
ckd_directory_service_init (CkdDirectory *self)
{
  sd_bus_slot *slot = NULL;
  int r;

  r = sd_bus_add_filter (self->bus, &slot, front_door, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  r = sd_bus_add_object_vtable (self->bus, &slot, CKD_OBJECT_ROOT, CKD_CALL_DIRECTORY_INTERFACE,
                                directory_vtable, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  return 0;
}
