/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-bus-private.h"
#include "ckd-error.h"

/* History at the root: the recents, as far as each caller may see them
 * (a sandboxed app its own app's alone, MissedCount included). */

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* ---- entries -------------------------------------------------------- */

/* One {sv} of an entry, container by container: sd_bus_message_append()
 * would parse a format for each of the 17 keys of each entry. */
static int
append_pair (sd_bus_message *m, const char *key, char type, const void *value)
{
  const char signature[2] = { type, '\0' };
  int r = sd_bus_message_open_container (m, 'e', "sv");

  if (r >= 0)
    r = sd_bus_message_append_basic (m, 's', key);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'v', signature);
  if (r >= 0)
    r = sd_bus_message_append_basic (m, type, value);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r;
}

static int
append_string (sd_bus_message *m, const char *key, const char *value)
{
  return append_pair (m, key, 's', value != NULL ? value : "");
}

static int
append_boolean (sd_bus_message *m, const char *key, gboolean value)
{
  int b = value != FALSE;

  return append_pair (m, key, 'b', &b);
}

static int
append_time (sd_bus_message *m, const char *key, gint64 value)
{
  return append_pair (m, key, 'x', &value);
}

static int
append_handle (sd_bus_message *m, const CkdHandle *handle)
{
  int r = sd_bus_message_open_container (m, 'e', "sv");

  if (r >= 0)
    r = sd_bus_message_append_basic (m, 's', "remote_handle");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'v', "(ss)");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'r', "ss");
  if (r >= 0)
    r = sd_bus_message_append_basic (m, 's', ckd_handle_type_to_string (handle->type));
  if (r >= 0)
    r = sd_bus_message_append_basic (m, 's', handle->value);
  for (int i = 0; r >= 0 && i < 3; i++)
    r = sd_bus_message_close_container (m);
  return r;
}

static int
append_entry (sd_bus_message *m, const CkdHistoryEntry *entry)
{
  char id[24];
  int r;

  g_snprintf (id, sizeof id, "%" G_GINT64_FORMAT, entry->id);
  r = sd_bus_message_open_container (m, 'a', "{sv}");
  if (r >= 0)
    r = append_string (m, "id", id);
  if (r >= 0)
    r = append_string (m, "call", entry->call);
  if (r >= 0)
    r = append_string (m, "app_id", entry->app_id);
  if (r >= 0)
    r = append_string (m, "provider_name", entry->provider_name);
  if (r >= 0)
    r = append_handle (m, &entry->remote_handle);
  if (r >= 0)
    r = append_string (m, "localized_caller_name", entry->localized_caller_name);
  if (r >= 0)
    r = append_boolean (m, "is_outgoing", entry->is_outgoing);
  if (r >= 0)
    r = append_boolean (m, "has_video", entry->has_video);
  if (r >= 0)
    r = append_time (m, "started_at", entry->started_at);
  if (r >= 0)
    r = append_time (m, "connected_at", entry->connected_at);
  if (r >= 0)
    r = append_time (m, "ended_at", entry->ended_at);
  if (r >= 0)
    r = append_string (m, "ended_reason", ckd_ended_reason_to_string (entry->ended_reason));
  if (r >= 0)
    r = append_boolean (m, "missed", entry->missed);
  if (r >= 0)
    r = append_boolean (m, "seen", entry->seen);
  if (r >= 0)
    r = append_string (m, "filtered", ckd_call_filter_to_string (entry->filtered));
  if (r >= 0)
    r = append_string (m, "icon_name", entry->icon_name);
  if (r >= 0)
    r = append_string (m, "desktop_entry", entry->desktop_entry);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r;
}

static int
get_entries (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GVariant) filter = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  sd_bus_message *reply = NULL;
  int r;

  if (!ckd_bus_read_dict (m, "filter", &filter))
    return 0;
  entries = ckd_history_get_entries (self->history, caller, filter, &error);
  if (entries == NULL)
    return ckd_bus_reply_gerror (m, error);
  r = sd_bus_message_new_method_return (m, &reply);
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'a', "a{sv}");
  for (guint i = 0; r >= 0 && i < entries->len; i++)
    r = append_entry (reply, g_ptr_array_index (entries, i));
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  if (r >= 0)
    r = sd_bus_send (NULL, reply, NULL);
  sd_bus_message_unref (reply);
  return r;
}

/* Reads an "as" of entry ids, NULL-terminated. */
static int
read_ids (sd_bus_message *m, char ***ret)
{
  int r = sd_bus_message_read_strv (m, ret);

  if (r >= 0 && *ret == NULL)
    *ret = g_new0 (char *, 1);
  return r;
}

typedef gboolean (*IdsChange) (CkdHistory *history, const CkdCaller *caller,
                               const char *const *ids, GError **error);

static int
change_ids (sd_bus_message *m, CkdHistory *history, CkdCaller *caller, IdsChange change)
{
  g_auto (GStrv) ids = NULL;
  g_autoptr (GError) error = NULL;
  int r = read_ids (m, &ids);

  if (r < 0)
    return r;
  if (!change (history, caller, (const char *const *) ids, &error))
    return ckd_bus_reply_gerror (m, error);
  return sd_bus_reply_method_return (m, NULL);
}

static int
mark_seen (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return change_ids (m, self->history, caller, ckd_history_mark_seen);
}

static int
delete_entries (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return change_ids (m, self->history, caller, ckd_history_delete_entries);
}

static int
clear (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GVariant) filter = NULL;
  g_autoptr (GError) error = NULL;

  if (!ckd_bus_read_dict (m, "filter", &filter))
    return 0;
  if (!ckd_history_clear (self->history, caller, filter, &error))
    return ckd_bus_reply_gerror (m, error);
  return sd_bus_reply_method_return (m, NULL);
}

static int
call_back (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *transaction = NULL;
  const char *id;
  int r = sd_bus_message_read_basic (m, 's', &id);

  if (r < 0)
    return r;
  transaction = ckd_history_call_back (self->history, caller, id, &error);
  if (transaction == NULL)
    return ckd_bus_reply_gerror (m, error);
  return sd_bus_reply_method_return (m, "s", transaction);
}

#define METHOD(name, run)                                                   \
  static int method_##name (sd_bus_message *m, void *userdata,             \
                            sd_bus_error *ret_error)                        \
  {                                                                         \
    return ckd_bus_with_caller (userdata, m, run);                          \
  }

METHOD (get_entries, get_entries)
METHOD (mark_seen, mark_seen)
METHOD (delete_entries, delete_entries)
METHOD (clear, clear)
METHOD (call_back, call_back)
#undef METHOD

/* ---- MissedCount ---------------------------------------------------- */

/* Each caller its own count: a sandboxed app's missed calls, or every
 * app's. */
static guint
missed_count_for (CkdBus *self, const CkdCaller *caller)
{
  g_autofree char *scope = NULL;

  if (!ckd_caller_app_scope (caller, NULL, &scope, NULL))
    return 0;
  return ckd_history_get_missed_count (self->history, scope);
}

static int
get_missed_count (sd_bus *bus, const char *path, const char *interface, const char *property,
                  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdBus *self = userdata;
  sd_bus_message *m = sd_bus_get_current_message (bus);
  const CkdPeer *peer = m != NULL ? ckd_peers_lookup (self->peers, sd_bus_message_get_sender (m))
                                  : NULL;
  CkdCaller caller;

  /* Properties.Get and GetAll of History come through
   * ckd_bus_history_get_properties() once the caller is known; a read
   * that did not (GetManagedObjects) still tells nothing of other apps. */
  if (peer == NULL)
    return sd_bus_message_append (reply, "u", 0);
  ckd_bus_caller_from_peer (&caller, peer);
  return sd_bus_message_append (reply, "u", missed_count_for (self, &caller));
}

static int
get_properties (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  const char *interface, *property = NULL;
  guint count = missed_count_for (self, caller);

  if (sd_bus_message_read_basic (m, 's', &interface) < 0)
    return -EINVAL;
  if (g_str_equal (sd_bus_message_get_member (m), "GetAll"))
    return sd_bus_reply_method_return (m, "a{sv}", 1, "MissedCount", "u", count);
  if (sd_bus_message_read_basic (m, 's', &property) < 0)
    return -EINVAL;
  if (!g_str_equal (property, "MissedCount"))
    return sd_bus_reply_method_errorf (m, SD_BUS_ERROR_UNKNOWN_PROPERTY,
                                       "%s has no property %s", interface, property);
  return sd_bus_reply_method_return (m, "v", "u", count);
}

int
ckd_bus_history_get_properties (CkdBus *self, sd_bus_message *m)
{
  return ckd_bus_with_caller (self, m, get_properties);
}

static const sd_bus_vtable history_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("GetEntries", SD_BUS_ARGS ("a{sv}", filter),
                           SD_BUS_RESULT ("aa{sv}", entries), method_get_entries,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("MarkSeen", SD_BUS_ARGS ("as", ids), SD_BUS_NO_RESULT,
                           method_mark_seen, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("DeleteEntries", SD_BUS_ARGS ("as", ids), SD_BUS_NO_RESULT,
                           method_delete_entries, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Clear", SD_BUS_ARGS ("a{sv}", filter), SD_BUS_NO_RESULT,
                           method_clear, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("CallBack", SD_BUS_ARGS ("s", id), SD_BUS_RESULT ("s", transaction),
                           method_call_back, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY ("MissedCount", "u", get_missed_count, 0,
                   SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
  SD_BUS_SIGNAL ("EntriesChanged", NULL, 0),
  SD_BUS_VTABLE_END,
};

const sd_bus_vtable *
ckd_bus_history_vtable (void)
{
  return history_vtable;
}

/* ---- what goes out -------------------------------------------------- */

/* EntriesChanged, and MissedCount invalidated: its value depends on who
 * reads it, so each reader asks. */
static void
tell_changed (CkdBus *self, gboolean missed_count)
{
  sd_bus_message *m = NULL;
  const char *invalidated[] = { "MissedCount", NULL };
  int r;

  r = ckd_bus_new_signal (self, &m, NULL, CKD_OBJECT_ROOT, CKD_HISTORY_INTERFACE,
                          "EntriesChanged");
  if (r >= 0)
    ckd_bus_send (self, g_steal_pointer (&m));
  if (r < 0 || !missed_count)
    goto out;
  r = ckd_bus_new_signal (self, &m, NULL, CKD_OBJECT_ROOT, PROPERTIES_INTERFACE,
                          "PropertiesChanged");
  if (r >= 0)
    r = sd_bus_message_append (m, "sa{sv}", CKD_HISTORY_INTERFACE, 0);
  if (r >= 0)
    r = sd_bus_message_append_strv (m, (char **) invalidated);
  if (r >= 0)
    ckd_bus_send (self, g_steal_pointer (&m));
out:
  if (r < 0)
    g_warning ("cannot tell that the history changed: %s", g_strerror (-r));
  sd_bus_message_unref (m);
}

static void
on_entry_added (CkdBus *self, const CkdHistoryEntry *entry)
{
  tell_changed (self, entry->missed && !entry->seen);
}

static void
on_changed (CkdBus *self)
{
  tell_changed (self, TRUE);
}

int
ckd_bus_history_init (CkdBus *self, CkdHistory *history)
{
  sd_bus_slot *slot = NULL;
  int r;

  self->history = g_object_ref (history);
  r = sd_bus_add_object_vtable (self->bus, &slot, CKD_OBJECT_ROOT, CKD_HISTORY_INTERFACE,
                                history_vtable, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  g_signal_connect_swapped (history, "entry-added", G_CALLBACK (on_entry_added), self);
  g_signal_connect_swapped (history, "changed", G_CALLBACK (on_changed), self);
  return 0;
}
