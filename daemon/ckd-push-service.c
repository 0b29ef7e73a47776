/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-error.h"
#include "ckd-push-registry-private.h"
#include "ckd-sdbus-gvariant.h"
#include "ckd-sdbus-reply.h"
#include "ckd-sdbus-vtable.h"

/* The PushRegistry interface at the root, on callkitd's sd-bus
 * connection beside the bus front end's interfaces. Every method learns
 * its caller first (CkdPeers); so do reads of Registrations, whose value
 * depends on who asks (a sandboxed app sees its own registration only):
 * those are answered here rather than by sd-bus's property getter, which
 * cannot wait. */

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

typedef int (*PushMethod) (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer);

static int
with_caller (CkdPushRegistry *self, sd_bus_message *m, PushMethod method)
{
  return ckd_sdbus_call_with_peer (self->peers, m, self, G_CALLBACK (method));
}

/* The token argument: a registration, or UnknownPushToken. */
static CkdPushApp *
read_token (CkdPushRegistry *self, sd_bus_message *m, int *r)
{
  const char *token;
  CkdPushApp *app;

  *r = sd_bus_message_read (m, "s", &token);
  if (*r < 0)
    {
      *r = ckd_sdbus_reply_invalid_arguments (m, *r);
      return NULL;
    }
  app = ckd_push_registry_lookup_token (self, token);
  if (app == NULL || !app->registered)
    {
      g_autofree char *shown = ckd_shorten (token);
      *r = sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_UNKNOWN_PUSH_TOKEN),
                                       "no app is registered for pushes with the token '%s'",
                                       shown);
      return NULL;
    }
  return app;
}

/* ---- methods -------------------------------------------------------- */

static int
do_register (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_autoptr (GVariant) options = NULL;
  g_autoptr (GError) error = NULL;
  CkdPushApp *app;
  int r;

  r = ckd_sdbus_read_vardict (m, &options, NULL);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  app = ckd_push_registry_register (self, peer, options, &error);
  if (app == NULL)
    return ckd_sdbus_reply_error (m, error);
  r = sd_bus_reply_method_return (m, "s", app->token);
  /* The token first; then the endpoint, for a connection that has not
   * heard it; then the pushes that waited for the app. */
  if (app->endpoint != NULL)
    ckd_push_service_send_endpoint_changed (self, app);
  ckd_push_registry_flush_queue (self, app);
  return r;
}

static int
do_unregister (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_autoptr (GError) error = NULL;
  CkdPushApp *app;
  int r;

  app = read_token (self, m, &r);
  if (app == NULL)
    return r;
  if (!ckd_push_registry_may_act (peer, app, &error))
    return ckd_sdbus_reply_error (m, error);
  ckd_push_registry_unregister (self, app);
  return sd_bus_reply_method_return (m, "");
}

static int
do_set_foreground (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_autoptr (GError) error = NULL;
  CkdPushApp *app;
  int foreground, r;

  app = read_token (self, m, &r);
  if (app == NULL)
    return r;
  r = sd_bus_message_read (m, "b", &foreground);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!ckd_push_registry_may_act (peer, app, &error))
    return ckd_sdbus_reply_error (m, error);
  /* Only while the app's connection is there: it is the foreground. */
  app->foreground = foreground && app->connection != NULL;
  g_debug ("%s is %s", app->app_id, app->foreground ? "in the foreground" : "in the background");
  return sd_bus_reply_method_return (m, "");
}

static int
do_deliver_push (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_auto (CkdPushMetadata) metadata = { 0 };
  g_autoptr (GVariant) metadata_dict = NULL;
  g_autoptr (GError) error = NULL;
  CkdPushOutcome outcome;
  const void *payload;
  size_t size;
  CkdPushApp *app;
  int r;

  /* Pushes come from transports and the user's tools, never from apps:
   * an app could make another ring, or break its contract. */
  if (peer->sandboxed)
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_UNENTITLED),
                                       "the sandboxed app %s may not deliver pushes",
                                       peer->app_id ? peer->app_id : "(unknown)");
  app = read_token (self, m, &r);
  if (app == NULL)
    return r;
  r = sd_bus_message_read_array (m, 'y', &payload, &size);
  if (r >= 0)
    r = ckd_sdbus_read_vardict (m, &metadata_dict, NULL);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (!ckd_push_metadata_parse (&metadata, metadata_dict, &error))
    return ckd_sdbus_reply_error (m, error);
  if (!ckd_push_registry_deliver (self, app, g_bytes_new (payload, size), &metadata,
                                  CKD_PUSH_TRANSPORT_DELIVER_PUSH, NULL, &outcome, &error))
    return ckd_sdbus_reply_error (m, error);
  return sd_bus_reply_method_return (m, "s", ckd_push_outcome_to_string (outcome));
}

#define METHOD(name)                                                                   \
  static int method_##name (sd_bus_message *m, void *userdata, sd_bus_error *ret_error) \
  {                                                                                    \
    return with_caller (userdata, m, do_##name);                                       \
  }
METHOD (register)
METHOD (unregister)
METHOD (set_foreground)
METHOD (deliver_push)
#undef METHOD

/* ---- properties ----------------------------------------------------- */

static int
append_property (CkdPushRegistry *self, sd_bus_message *reply, const char *property,
                 const CkdPeer *peer)
{
  if (g_str_equal (property, "Registrations"))
    {
      g_autoptr (GVariant) value = g_variant_ref_sink (ckd_push_registry_describe (self, peer));
      return ckd_sdbus_append_gvariant (reply, value);
    }
  return sd_bus_message_append (reply, "s",
                                ckd_unifiedpush_get_distributor (self->unifiedpush) ?: "");
}

/* sd-bus's getter, for callers already known (Get and GetAll are
 * answered by do_get and do_get_all, which wait for the caller). */
static int
get_property (sd_bus *bus, const char *path, const char *interface, const char *property,
              sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdPushRegistry *self = userdata;
  sd_bus_message *m = sd_bus_get_current_message (bus);
  const CkdPeer *peer = NULL;

  if (g_str_equal (property, "Distributor"))
    return append_property (self, reply, property, NULL);
  if (m != NULL)
    peer = ckd_peers_lookup (self->peers, sd_bus_message_get_sender (m));
  if (peer == NULL)
    return sd_bus_error_set (ret_error, ckd_error_to_dbus_name (CKD_ERROR_UNENTITLED),
                             "the caller is not identified yet");
  return append_property (self, reply, property, peer);
}

/* Sends @reply to @m if @r says it was built; takes @reply. */
static int
send_reply (sd_bus_message *m, sd_bus_message *reply, int r)
{
  if (r >= 0)
    r = sd_bus_send (NULL, reply, NULL);
  sd_bus_message_unref (reply);
  return r < 0 ? ckd_sdbus_reply_invalid_arguments (m, r) : r;
}

static int
do_get (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer)
{
  sd_bus_message *reply = NULL;
  const char *interface, *property;
  int r;

  r = sd_bus_message_read (m, "ss", &interface, &property);
  if (r >= 0)
    r = sd_bus_message_new_method_return (m, &reply);
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'v',
                                       g_str_equal (property, "Registrations") ? "aa{sv}" : "s");
  if (r >= 0)
    r = append_property (self, reply, property, peer);
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  return send_reply (m, reply, r);
}

static int
do_get_all (CkdPushRegistry *self, sd_bus_message *m, const CkdPeer *peer)
{
  static const char *const properties[][2] = {
    { "Registrations", "aa{sv}" },
    { "Distributor", "s" },
  };
  sd_bus_message *reply = NULL;
  int r;

  r = sd_bus_message_new_method_return (m, &reply);
  if (r >= 0)
    r = sd_bus_message_open_container (reply, 'a', "{sv}");
  for (gsize i = 0; r >= 0 && i < G_N_ELEMENTS (properties); i++)
    {
      r = sd_bus_message_open_container (reply, 'e', "sv");
      if (r >= 0)
        r = sd_bus_message_append (reply, "s", properties[i][0]);
      if (r >= 0)
        r = sd_bus_message_open_container (reply, 'v', properties[i][1]);
      if (r >= 0)
        r = append_property (self, reply, properties[i][0], peer);
      if (r >= 0)
        r = sd_bus_message_close_container (reply);
      if (r >= 0)
        r = sd_bus_message_close_container (reply);
    }
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  return send_reply (m, reply, r);
}

static const sd_bus_vtable push_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("Register", SD_BUS_ARGS ("a{sv}", options),
                           SD_BUS_RESULT ("s", token), method_register,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Unregister", SD_BUS_ARGS ("s", token), SD_BUS_NO_RESULT,
                           method_unregister, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("SetForeground", SD_BUS_ARGS ("s", token, "b", foreground),
                           SD_BUS_NO_RESULT, method_set_foreground, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("DeliverPush",
                           SD_BUS_ARGS ("s", token, "ay", payload, "a{sv}", metadata),
                           SD_BUS_RESULT ("s", outcome), method_deliver_push,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_SIGNAL_WITH_ARGS ("PushReceived",
                           SD_BUS_ARGS ("s", token, "ay", payload, "a{sv}", metadata), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("ReportDeadlineMissed", SD_BUS_ARGS ("s", token, "s", push_id), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("EndpointChanged", SD_BUS_ARGS ("s", token, "s", endpoint), 0),
  SD_BUS_PROPERTY ("Registrations", "aa{sv}", get_property, 0, 0),
  SD_BUS_PROPERTY ("Distributor", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_VTABLE_END,
};

/* ---- the front door ------------------------------------------------- */

/* Before sd-bus dispatches: wrong signatures get our InvalidArgument, and
 * property reads wait for their caller. */
static int
front_door (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdPushRegistry *self = userdata;
  const char *interface, *member, *asked = NULL;

  if (!sd_bus_message_is_method_call (m, NULL, NULL)
      || g_strcmp0 (sd_bus_message_get_path (m), CKD_OBJECT_ROOT) != 0)
    return 0;
  interface = sd_bus_message_get_interface (m);
  member = sd_bus_message_get_member (m);
  if (g_strcmp0 (interface, CKD_PUSH_REGISTRY_INTERFACE) == 0)
    return ckd_sdbus_vtable_check_signature (push_vtable, m,
                                             ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT));
  if (g_strcmp0 (interface, PROPERTIES_INTERFACE) != 0)
    return 0;
  if (g_strcmp0 (member, "Get") == 0
      && g_strcmp0 (sd_bus_message_get_signature (m, TRUE), "ss") == 0)
    {
      const char *property = NULL;

      if (sd_bus_message_read (m, "ss", &asked, &property) >= 0
          && g_strcmp0 (asked, CKD_PUSH_REGISTRY_INTERFACE) == 0
          && ckd_sdbus_vtable_find (push_vtable, TRUE, property) != NULL)
        return with_caller (self, m, do_get);
    }
  else if (g_strcmp0 (member, "GetAll") == 0
           && g_strcmp0 (sd_bus_message_get_signature (m, TRUE), "s") == 0)
    {
      if (sd_bus_message_read (m, "s", &asked) >= 0
          && g_strcmp0 (asked, CKD_PUSH_REGISTRY_INTERFACE) == 0)
        return with_caller (self, m, do_get_all);
    }
  sd_bus_message_rewind (m, TRUE);
  return 0;
}

/* ---- signals -------------------------------------------------------- */

static void
send_to_app (CkdPushRegistry *self, const CkdPushApp *app, const char *member,
             sd_bus_message *m, int r)
{
  if (r >= 0)
    r = sd_bus_send (self->bus, m, NULL);
  if (r < 0)
    g_message ("cannot send %s to %s: %s", member, app->app_id, g_strerror (-r));
  sd_bus_message_unref (m);
}

static int
new_signal (CkdPushRegistry *self, const CkdPushApp *app, const char *member,
            sd_bus_message **ret)
{
  int r = sd_bus_message_new_signal (self->bus, ret, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE,
                                     member);

  if (r >= 0)
    r = sd_bus_message_set_destination (*ret, app->connection);
  if (r >= 0)
    r = sd_bus_message_append (*ret, "s", app->token);
  return r;
}

void
ckd_push_service_send_received (CkdPushRegistry *self, const CkdPushMessage *message)
{
  g_autoptr (GVariant) metadata = g_variant_ref_sink (ckd_push_message_describe (message));
  sd_bus_message *m = NULL;
  gsize size;
  gconstpointer payload = g_bytes_get_data (message->payload, &size);
  int r = new_signal (self, message->app, "PushReceived", &m);

  if (r >= 0)
    r = sd_bus_message_append_array (m, 'y', payload, size);
  if (r >= 0)
    r = ckd_sdbus_append_gvariant (m, metadata);
  send_to_app (self, message->app, "PushReceived", m, r);
}

void
ckd_push_service_send_deadline_missed (CkdPushRegistry *self, const CkdPushMessage *message)
{
  sd_bus_message *m = NULL;
  int r;

  /* An app that is gone hears nothing: the journal and the count have it. */
  if (message->app->connection == NULL)
    return;
  r = new_signal (self, message->app, "ReportDeadlineMissed", &m);
  if (r >= 0)
    r = sd_bus_message_append (m, "s",
                               message->metadata.push_id ? message->metadata.push_id : "");
  send_to_app (self, message->app, "ReportDeadlineMissed", m, r);
}

void
ckd_push_service_send_endpoint_changed (CkdPushRegistry *self, const CkdPushApp *app)
{
  sd_bus_message *m = NULL;
  int r;

  if (app->connection == NULL)
    return;
  r = new_signal (self, app, "EndpointChanged", &m);
  if (r >= 0)
    r = sd_bus_message_append (m, "s", app->endpoint ? app->endpoint : "");
  send_to_app (self, app, "EndpointChanged", m, r);
}

void
ckd_push_service_distributor_changed (CkdPushRegistry *self)
{
  const char *names[] = { "Distributor", NULL };
  int r = sd_bus_emit_properties_changed_strv (self->bus, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE,
                                               (char **) names);

  if (r < 0)
    g_message ("cannot tell the new UnifiedPush distributor: %s", g_strerror (-r));
}

/* ---- set-up --------------------------------------------------------- */

int
ckd_push_service_init (CkdPushRegistry *self)
{
  sd_bus_slot *slot = NULL;
  int r;

  r = sd_bus_add_filter (self->bus, &slot, front_door, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  r = sd_bus_add_object_vtable (self->bus, &slot, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE,
                                push_vtable, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  return 0;
}
