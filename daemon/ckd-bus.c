/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include <errno.h>

#include "ckd-bus-private.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-sdbus-gvariant.h"
#include "ckd-sdbus-vtable.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* ---- what goes out -------------------------------------------------- */

/* What waits for the reply of the method running now: a message, or a
 * call signal to build then. */
typedef struct
{
  sd_bus_message *m;
  char *uuid;
  guint changes;             /* 0: InterfacesAdded */
  CkdCallSnapshot *frozen;   /* the call as it was when it went */
} Held;

static void
held_free (Held *held)
{
  sd_bus_message_unref (held->m);
  g_free (held->uuid);
  if (held->frozen != NULL)
    {
      ckd_call_snapshot_clear (held->frozen);
      g_free (held->frozen);
    }
  g_free (held);
}

static void
send_now (CkdBus *self, sd_bus_message *m)
{
  int r = sd_bus_send (self->bus, m, NULL);

  if (r < 0)
    g_debug ("cannot send %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
  sd_bus_message_unref (m);
}

void
ckd_bus_send (CkdBus *self, sd_bus_message *m)
{
  Held *held;

  if (self->hold == 0)
    {
      send_now (self, m);
      return;
    }
  held = g_new0 (Held, 1);
  held->m = m;
  g_queue_push_tail (&self->held, held);
}

static int
build_call_signal (CkdBus *self, const CkdCall *call, guint changes, sd_bus_message **ret)
{
  return changes == 0 ? ckd_bus_call_build_added (self, call, ret)
                      : ckd_bus_call_build_changed (self, call, changes, ret);
}

void
ckd_bus_send_call_signal (CkdBus *self, CkdCall *call, guint changes)
{
  sd_bus_message *m = NULL;
  Held *held;
  int r;

  if (self->hold > 0)
    {
      held = g_new0 (Held, 1);
      held->uuid = g_strdup (call->uuid);
      held->changes = changes;
      g_queue_push_tail (&self->held, held);
      return;
    }
  r = build_call_signal (self, call, changes, &m);
  if (r < 0)
    {
      g_warning ("cannot tell what happened to call %s: %s", call->uuid, g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  send_now (self, m);
}

void
ckd_bus_freeze_call (CkdBus *self, CkdCall *call)
{
  for (GList *l = self->held.head; l != NULL; l = l->next)
    {
      Held *held = l->data;

      if (held->uuid == NULL || held->frozen != NULL || !g_str_equal (held->uuid, call->uuid))
        continue;
      /* A call that comes and goes within one method is announced whole
       * now (its provider may go too); a change keeps a copy of the call. */
      if (held->changes == 0)
        {
          if (build_call_signal (self, call, 0, &held->m) < 0)
            g_clear_pointer (&held->m, sd_bus_message_unref);
          g_clear_pointer (&held->uuid, g_free);
          continue;
        }
      held->frozen = g_new0 (CkdCallSnapshot, 1);
      ckd_call_snapshot_take (held->frozen, call);
    }
}

static void
flush_held (CkdBus *self)
{
  Held *held;

  while (self->hold == 0 && (held = g_queue_pop_head (&self->held)) != NULL)
    {
      if (held->uuid != NULL)
        {
          const CkdCall *call = held->frozen != NULL
                                  ? &held->frozen->before
                                  : ckd_registry_lookup_call (self->registry, held->uuid);
          int r = call != NULL ? build_call_signal (self, call, held->changes, &held->m) : 0;

          if (r < 0)
            {
              g_warning ("cannot tell what happened to call %s: %s", held->uuid, g_strerror (-r));
              g_clear_pointer (&held->m, sd_bus_message_unref);
            }
        }
      if (held->m != NULL)
        send_now (self, g_steal_pointer (&held->m));
      held_free (held);
    }
}

int
ckd_bus_new_signal (CkdBus *self, sd_bus_message **ret, const char *destination,
                    const char *path, const char *interface, const char *member)
{
  int r = sd_bus_message_new_signal (self->bus, ret, path, interface, member);

  if (r >= 0 && destination != NULL)
    r = sd_bus_message_set_destination (*ret, destination);
  return r;
}

int
ckd_bus_append_properties (sd_bus_message *m, const CkdBusProperty *properties,
                           guint n_properties, gconstpointer object, guint32 mask)
{
  int r = sd_bus_message_open_container (m, 'a', "{sv}");

  for (guint i = 0; r >= 0 && i < n_properties; i++)
    {
      if (!(mask & (1u << i)))
        continue;
      r = sd_bus_message_open_container (m, 'e', "sv");
      if (r >= 0)
        r = sd_bus_message_append_basic (m, 's', properties[i].name);
      if (r >= 0)
        r = sd_bus_message_open_container (m, 'v', properties[i].signature);
      if (r >= 0)
        r = properties[i].append (m, object);
      if (r >= 0)
        r = sd_bus_message_close_container (m);
      if (r >= 0)
        r = sd_bus_message_close_container (m);
    }
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r;
}

int
ckd_bus_open_properties_changed (CkdBus *self, sd_bus_message **ret, const char *path,
                                 const char *interface)
{
  int r = ckd_bus_new_signal (self, ret, NULL, path, PROPERTIES_INTERFACE, "PropertiesChanged");

  if (r >= 0)
    r = sd_bus_message_append (*ret, "s", interface);
  if (r >= 0)
    r = sd_bus_message_open_container (*ret, 'a', "{sv}");
  return r;
}

int
ckd_bus_close_properties_changed (sd_bus_message *m)
{
  int r = sd_bus_message_close_container (m);

  if (r >= 0)
    r = sd_bus_message_append (m, "as", 0);
  return r;
}

/* sd-bus's GetManagedObjects lists the standard interfaces of every
 * object too; InterfacesAdded and InterfacesRemoved name them as well, or
 * an ObjectManager client would keep a removed object with those three. */
static const char *const standard_interfaces[] = {
  "org.freedesktop.DBus.Peer",
  "org.freedesktop.DBus.Introspectable",
  "org.freedesktop.DBus.Properties",
};

int
ckd_bus_open_interfaces_added (CkdBus *self, sd_bus_message **ret, const char *path,
                               const char *interface)
{
  int r = ckd_bus_new_signal (self, ret, NULL, CKD_OBJECT_ROOT,
                              "org.freedesktop.DBus.ObjectManager", "InterfacesAdded");

  if (r >= 0)
    r = sd_bus_message_append_basic (*ret, 'o', path);
  if (r >= 0)
    r = sd_bus_message_open_container (*ret, 'a', "{sa{sv}}");
  /* Built container by container: sd_bus_message_append() parses its
   * format each time, which costs more than the values here. */
  for (gsize i = 0; r >= 0 && i < G_N_ELEMENTS (standard_interfaces); i++)
    {
      r = sd_bus_message_open_container (*ret, 'e', "sa{sv}");
      if (r >= 0)
        r = sd_bus_message_append_basic (*ret, 's', standard_interfaces[i]);
      if (r >= 0)
        r = sd_bus_message_open_container (*ret, 'a', "{sv}");
      if (r >= 0)
        r = sd_bus_message_close_container (*ret);
      if (r >= 0)
        r = sd_bus_message_close_container (*ret);
    }
  if (r >= 0)
    r = sd_bus_message_open_container (*ret, 'e', "sa{sv}");
  if (r >= 0)
    r = sd_bus_message_append_basic (*ret, 's', interface);
  return r;
}

int
ckd_bus_close_interfaces_added (sd_bus_message *m)
{
  int r = sd_bus_message_close_container (m);

  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r;
}

int
ckd_bus_new_interfaces_removed (CkdBus *self, sd_bus_message **ret, const char *path,
                                const char *interface)
{
  int r = ckd_bus_new_signal (self, ret, NULL, CKD_OBJECT_ROOT,
                              "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved");

  const char *interfaces[] = { standard_interfaces[0], standard_interfaces[1],
                              standard_interfaces[2], interface, NULL };

  if (r >= 0)
    r = sd_bus_message_append_basic (*ret, 'o', path);
  if (r >= 0)
    r = sd_bus_message_append_strv (*ret, (char **) interfaces);
  return r;
}

static const char *
error_name_of (const GError *error)
{
  if (error->domain == CKD_ERROR)
    return ckd_error_to_dbus_name ((CkdError) error->code);
  return SD_BUS_ERROR_FAILED;
}

int
ckd_bus_reply_gerror (sd_bus_message *m, const GError *error)
{
  return sd_bus_reply_method_errorf (m, error_name_of (error), "%s", error->message);
}

int
ckd_bus_set_gerror (sd_bus_error *ret_error, const GError *error)
{
  return sd_bus_error_set (ret_error, error_name_of (error), error->message);
}

int
ckd_bus_reply_error (sd_bus_message *m, int code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name ((CkdError) code), "%s", message);
}

/* ---- what comes in -------------------------------------------------- */

static gboolean
refuse_unreadable (sd_bus_message *m, const char *what, const char *key, int r)
{
  if (key != NULL)
    ckd_bus_reply_error (m, CKD_ERROR_INVALID_ARGUMENT,
                         "%s: '%s' cannot be read: it is longer than sd-bus allows (the limit "
                         "here is %d bytes)",
                         what, key, CKD_MAX_STRING_LENGTH);
  else
    ckd_bus_reply_error (m, CKD_ERROR_INVALID_ARGUMENT, "%s cannot be read: %s", what,
                         g_strerror (-r));
  return FALSE;
}

gboolean
ckd_bus_read_dict (sd_bus_message *m, const char *what, GVariant **ret)
{
  g_autofree char *key = NULL;
  int r = ckd_sdbus_read_vardict (m, ret, &key);

  return r >= 0 || refuse_unreadable (m, what, key, r);
}

gboolean
ckd_bus_read_dicts (sd_bus_message *m, const char *what, GVariant **ret)
{
  GVariantBuilder builder;
  guint index = 0;
  int r;

  r = sd_bus_message_enter_container (m, 'a', "a{sv}");
  if (r < 0)
    return refuse_unreadable (m, "the argument", NULL, r);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  while ((r = sd_bus_message_at_end (m, FALSE)) == 0)
    {
      g_autofree char *key = NULL;
      g_autofree char *element = g_strdup_printf ("%s %u", what, index++);
      GVariant *dict;

      r = ckd_sdbus_read_vardict (m, &dict, &key);
      if (r < 0)
        {
          g_variant_builder_clear (&builder);
          return refuse_unreadable (m, element, key, r);
        }
      g_variant_builder_add_value (&builder, dict);
      g_variant_unref (dict);
    }
  if (r >= 0)
    r = sd_bus_message_exit_container (m);
  if (r < 0)
    {
      g_variant_builder_clear (&builder);
      return refuse_unreadable (m, "the argument", NULL, r);
    }
  *ret = g_variant_ref_sink (g_variant_builder_end (&builder));
  return TRUE;
}

/* ---- the front door ------------------------------------------------- */

static const sd_bus_vtable *
vtable_of (const char *interface)
{
  if (g_strcmp0 (interface, CKD_CALL_INTERFACE) == 0)
    return ckd_bus_call_vtable ();
  if (g_strcmp0 (interface, CKD_PROVIDER_INTERFACE) == 0)
    return ckd_bus_provider_vtable ();
  if (g_strcmp0 (interface, CKD_MANAGER_INTERFACE) == 0)
    return ckd_bus_root_manager_vtable ();
  if (g_strcmp0 (interface, CKD_CALL_CONTROLLER_INTERFACE) == 0)
    return ckd_bus_root_controller_vtable ();
  if (g_strcmp0 (interface, CKD_HISTORY_INTERFACE) == 0)
    return ckd_bus_history_vtable ();
  return NULL;
}

/* Properties.Set on one of our interfaces: the writable properties are
 * a provider's Configuration, whose writer must be its owner, and the
 * Manager's DoNotDisturb, which a sandboxed app may not write. The
 * caller is not known yet when this is its first message, and a property
 * setter of sd-bus cannot wait: so it is handled here, like a method. */
static int
properties_set (CkdBus *self, sd_bus_message *m)
{
  const char *interface, *property, *contents = NULL;
  const sd_bus_vtable *vtable, *v;
  char type;
  int r;

  r = sd_bus_message_read (m, "ss", &interface, &property);
  if (r < 0)
    return 0; /* sd-bus answers a malformed Set itself */
  vtable = vtable_of (interface);
  if (vtable == NULL || (v = ckd_sdbus_vtable_find (vtable, TRUE, property)) == NULL
      || v->type != _SD_BUS_VTABLE_WRITABLE_PROPERTY)
    return 0; /* UnknownProperty, PropertyReadOnly from sd-bus */
  r = sd_bus_message_peek_type (m, &type, &contents);
  if (r <= 0 || type != SD_BUS_TYPE_VARIANT || g_strcmp0 (contents, v->x.property.signature) != 0)
    return ckd_bus_reply_error (m, CKD_ERROR_INVALID_ARGUMENT,
                                "%s takes a value of type %s, not %s", property,
                                v->x.property.signature, contents ? contents : "(none)")
           ?: 1;
  if (g_str_equal (interface, CKD_MANAGER_INTERFACE))
    return ckd_bus_with_caller (self, m, ckd_bus_root_set_do_not_disturb) ?: 1;
  return ckd_bus_with_caller (self, m, ckd_bus_provider_set_configuration) ?: 1;
}

/* Properties.Get or GetAll of History at the root: MissedCount is each
 * caller's own, so they wait for the caller as methods do. */
static gboolean
reads_history_properties (sd_bus_message *m, const char *path, const char *interface,
                          const char *member)
{
  const char *of = NULL;
  gboolean get = g_strcmp0 (member, "Get") == 0;
  gboolean yes;

  if (g_strcmp0 (interface, PROPERTIES_INTERFACE) != 0 || g_strcmp0 (path, CKD_OBJECT_ROOT) != 0
      || (!get && g_strcmp0 (member, "GetAll") != 0)
      || g_strcmp0 (sd_bus_message_get_signature (m, TRUE), get ? "ss" : "s") != 0)
    return FALSE;
  yes = sd_bus_message_read_basic (m, 's', &of) >= 0 && g_strcmp0 (of, CKD_HISTORY_INTERFACE) == 0;
  sd_bus_message_rewind (m, TRUE);
  return yes;
}

/* Every message passes here first. A method of ours called with the wrong
 * signature gets our InvalidArgument (sd-bus would answer a generic
 * InvalidArgs), and property writes are routed to where the caller is
 * known. Everything else goes on to the vtables. */
static int
front_door (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdBus *self = userdata;
  const char *interface, *member, *path;
  const sd_bus_vtable *vtable;
  int r;

  if (!sd_bus_message_is_method_call (m, NULL, NULL))
    return 0;
  path = sd_bus_message_get_path (m);
  if (path == NULL || !g_str_has_prefix (path, CKD_OBJECT_ROOT))
    return 0;
  interface = sd_bus_message_get_interface (m);
  member = sd_bus_message_get_member (m);

  if (g_strcmp0 (interface, PROPERTIES_INTERFACE) == 0 && g_strcmp0 (member, "Set") == 0
      && g_strcmp0 (sd_bus_message_get_signature (m, TRUE), "ssv") == 0)
    {
      r = properties_set (self, m);
      if (r == 0)
        sd_bus_message_rewind (m, TRUE);
      return r;
    }

  if (self->history != NULL && reads_history_properties (m, path, interface, member))
    return ckd_bus_history_get_properties (self, m) ?: 1;

  vtable = vtable_of (interface);
  if (vtable == NULL)
    return 0;
  return ckd_sdbus_vtable_check_signature (vtable, m,
                                           ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT));
}

int
ckd_bus_run_method (CkdBus *self, sd_bus_message *m, CkdBusMethod method, CkdCaller *caller)
{
  int r;

  self->hold++;
  r = method (self, m, caller);
  /* A method fails by itself only when it cannot read its arguments: sd-bus
   * refuses some values the bus let through (an object path over 64 KiB). */
  if (r < 0)
    {
      r = ckd_bus_reply_error (m, CKD_ERROR_INVALID_ARGUMENT, "cannot read the arguments of %s: %s",
                               sd_bus_message_get_member (m), g_strerror (-r));
      if (r < 0)
        g_debug ("cannot reply to %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
    }
  self->hold--;
  flush_held (self);
  return 1;
}

/* ---- set-up --------------------------------------------------------- */

static void
slot_unref (gpointer slot)
{
  sd_bus_slot_unref (slot);
}


CkdBus *
ckd_bus_new (sd_bus *bus, CkdPeers *peers, CkdSession *session, GError **error)
{
  g_autoptr (CkdBus) self = g_new0 (CkdBus, 1);
  sd_bus_slot *slot = NULL;
  int r;

  self->bus = sd_bus_ref (bus);
  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->slots = g_ptr_array_new_with_free_func (slot_unref);
  self->peers = peers;
  g_queue_init (&self->held);
  ckd_bus_identity_init (self);

  /* callkitd decides who may do what itself (ckd-caller.c), per call of
   * each method; sd-bus's own check would ask the bus synchronously. */
  sd_bus_set_trusted (bus, TRUE);
  r = sd_bus_add_filter (bus, &slot, front_door, self);
  if (r >= 0)
    {
      g_ptr_array_add (self->slots, slot);
      r = ckd_bus_root_init (self);
    }
  if (r >= 0)
    r = ckd_bus_provider_init (self);
  if (r >= 0)
    r = ckd_bus_call_init (self);
  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r), "cannot serve the API: %s",
                   g_strerror (-r));
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
ckd_bus_serve_history (CkdBus *self, CkdHistory *history, GError **error)
{
  int r = ckd_bus_history_init (self, history);

  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r), "cannot serve the history: %s",
                   g_strerror (-r));
      return FALSE;
    }
  return TRUE;
}

void
ckd_bus_free (CkdBus *self)
{
  if (self == NULL)
    return;
  if (self->history != NULL)
    g_signal_handlers_disconnect_by_data (self->history, self);
  g_signal_handlers_disconnect_by_data (self->registry, self);
  g_signal_handlers_disconnect_by_data (self->session, self);
  self->hold = 0;
  flush_held (self);
  ckd_bus_identity_clear (self);
  g_ptr_array_unref (self->slots);
  g_clear_object (&self->history);
  g_clear_object (&self->registry);
  g_clear_object (&self->session);
  sd_bus_unref (self->bus);
  g_free (self);
}
