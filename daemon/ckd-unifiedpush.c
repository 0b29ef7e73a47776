/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-limits.h"
#include "ckd-push-registry-private.h"
#include "ckd-sdbus-gvariant.h"

/* UnifiedPush, the push system of the Linux desktop, as the transport of
 * the PushRegistry (the D-Bus specification of unifiedpush.org). callkitd
 * is the connector: under its own bus name it registers one UnifiedPush
 * instance per push token with the distributor
 * (org.unifiedpush.Distributor.*, interface Distributor2 where the
 * distributor has it, else Distributor1), serves the connector interfaces
 * (Connector1, Connector2) at /org/unifiedpush/Connector, keeps the
 * endpoint each token gets, and feeds every message through the same
 * rules as DeliverPush. Only the distributor callkitd registered with may
 * call the connector. */

#define DISTRIBUTOR_PREFIX "org.unifiedpush.Distributor."
#define DISTRIBUTOR_PATH "/org/unifiedpush/Distributor"
#define DISTRIBUTOR1 "org.unifiedpush.Distributor1"
#define DISTRIBUTOR2 "org.unifiedpush.Distributor2"
#define CONNECTOR_PATH "/org/unifiedpush/Connector"
#define CONNECTOR1 "org.unifiedpush.Connector1"
#define CONNECTOR2 "org.unifiedpush.Connector2"
#define REGISTRATION_SUCCEEDED "REGISTRATION_SUCCEEDED"

struct _CkdUnifiedPush
{
  CkdPushRegistry *registry;
  sd_bus *bus;
  GPtrArray *slots;    /* vtables, the filter, the match: for its life */
  GPtrArray *requests; /* sd_bus_slot * of calls in flight */
  char *distributor;   /* the well-known name in use, or NULL */
  char *owner;         /* its unique name, once probed */
  guint version;       /* 1 or 2, once probed */
  gboolean enabled;
};

static void
slot_unref (gpointer slot)
{
  sd_bus_slot_unref (slot);
}

const char *
ckd_unifiedpush_get_distributor (CkdUnifiedPush *self)
{
  return self != NULL && self->owner != NULL ? self->distributor : NULL;
}

/* A call whose answer needs self: its slot goes with self. */
static int
call_async (CkdUnifiedPush *self, sd_bus_message *m, sd_bus_message_handler_t callback)
{
  sd_bus_slot *slot = NULL;
  int r = sd_bus_call_async (self->bus, &slot, m, callback, self, 0);

  if (r >= 0)
    g_ptr_array_add (self->requests, slot);
  return r;
}

static void
request_done (CkdUnifiedPush *self, sd_bus_message *reply)
{
  sd_bus_slot *slot = sd_bus_get_current_slot (self->bus);

  if (slot != NULL)
    g_ptr_array_remove_fast (self->requests, slot);
}

/* ---- registering tokens --------------------------------------------- */

static int
on_registered (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdUnifiedPush *self = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  g_autoptr (GVariant) result = NULL;
  const char *success = NULL, *reason = NULL;
  int r;

  if (error != NULL)
    g_message ("the UnifiedPush distributor refused a registration: %s", error->message);
  else if (self->version == 2)
    {
      r = ckd_sdbus_read_vardict (reply, &result, NULL);
      if (r >= 0)
        {
          g_variant_lookup (result, "success", "&s", &success);
          g_variant_lookup (result, "reason", "&s", &reason);
        }
    }
  else
    sd_bus_message_read (reply, "ss", &success, &reason);
  if (error == NULL && g_strcmp0 (success, REGISTRATION_SUCCEEDED) != 0)
    g_message ("the UnifiedPush distributor did not register a token: %s (%s)",
               success ? success : "no answer", reason ? reason : "no reason given");
  request_done (self, reply);
  return 0;
}

void
ckd_unifiedpush_register (CkdUnifiedPush *self, CkdPushApp *app)
{
  sd_bus_message *m = NULL;
  int r;

  if (self == NULL || !self->enabled || self->owner == NULL || !app->registered)
    return;
  r = sd_bus_message_new_method_call (self->bus, &m, self->owner, DISTRIBUTOR_PATH,
                                      self->version == 2 ? DISTRIBUTOR2 : DISTRIBUTOR1,
                                      "Register");
  /* The instance's description: what a distributor shows the user. */
  if (r >= 0 && self->version == 2)
    r = sd_bus_message_append (m, "a{sv}", 3, "service", "s", CKD_BUS_NAME, "token", "s",
                               app->token, "description", "s", app->app_id);
  else if (r >= 0)
    r = sd_bus_message_append (m, "sss", CKD_BUS_NAME, app->token, app->app_id);
  if (r >= 0)
    r = call_async (self, m, on_registered);
  if (r < 0)
    g_message ("cannot register %s with the UnifiedPush distributor: %s", app->app_id,
               g_strerror (-r));
  sd_bus_message_unref (m);
}

void
ckd_unifiedpush_unregister (CkdUnifiedPush *self, CkdPushApp *app)
{
  sd_bus_message *m = NULL;
  int r;

  if (self == NULL || self->owner == NULL)
    return;
  r = sd_bus_message_new_method_call (self->bus, &m, self->owner, DISTRIBUTOR_PATH,
                                      self->version == 2 ? DISTRIBUTOR2 : DISTRIBUTOR1,
                                      "Unregister");
  if (r >= 0 && self->version == 2)
    r = sd_bus_message_append (m, "a{sv}", 1, "token", "s", app->token);
  else if (r >= 0)
    r = sd_bus_message_append (m, "s", app->token);
  /* Its answer (Unregistered) comes to the connector. */
  if (r >= 0)
    r = sd_bus_message_set_expect_reply (m, FALSE);
  if (r >= 0)
    r = sd_bus_send (self->bus, m, NULL);
  if (r < 0)
    g_message ("cannot unregister %s from the UnifiedPush distributor: %s", app->app_id,
               g_strerror (-r));
  sd_bus_message_unref (m);
  ckd_push_registry_set_endpoint (self->registry, app, NULL);
}

static void
register_all (CkdUnifiedPush *self)
{
  GHashTableIter iter;
  CkdPushApp *app;

  g_hash_table_iter_init (&iter, self->registry->apps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &app))
    ckd_unifiedpush_register (self, app);
}

/* ---- finding the distributor ---------------------------------------- */

static void find_distributor (CkdUnifiedPush *self);

static void
forget_distributor (CkdUnifiedPush *self)
{
  gboolean had = self->owner != NULL;

  g_clear_pointer (&self->distributor, g_free);
  g_clear_pointer (&self->owner, g_free);
  self->version = 0;
  if (had)
    ckd_push_service_distributor_changed (self->registry);
}

static int
on_introspected (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdUnifiedPush *self = userdata;
  const char *xml = NULL;

  request_done (self, reply);
  if (sd_bus_message_is_method_error (reply, NULL) || sd_bus_message_read (reply, "s", &xml) < 0)
    {
      g_message ("the UnifiedPush distributor %s does not answer: not used", self->distributor);
      forget_distributor (self);
      return 0;
    }
  /* Distributor2 where the distributor has it: messages are
   * acknowledged, and the message id comes with them. */
  self->version = strstr (xml, "\"" DISTRIBUTOR2 "\"") != NULL ? 2 : 1;
  self->owner = g_strdup (sd_bus_message_get_sender (reply));
  g_message ("UnifiedPush distributor %s (%s, Distributor%u)", self->distributor, self->owner,
             self->version);
  ckd_push_service_distributor_changed (self->registry);
  register_all (self);
  return 0;
}

static void
use_distributor (CkdUnifiedPush *self, const char *name)
{
  sd_bus_message *m = NULL;
  int r;

  forget_distributor (self);
  self->distributor = g_strdup (name);
  r = sd_bus_message_new_method_call (self->bus, &m, name, DISTRIBUTOR_PATH,
                                      "org.freedesktop.DBus.Introspectable", "Introspect");
  /* A distributor that is not running is not started for this. */
  if (r >= 0)
    r = sd_bus_message_set_auto_start (m, FALSE);
  if (r >= 0)
    r = call_async (self, m, on_introspected);
  if (r < 0)
    {
      g_message ("cannot ask the UnifiedPush distributor %s: %s", name, g_strerror (-r));
      forget_distributor (self);
    }
  sd_bus_message_unref (m);
}

static int
on_names (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdUnifiedPush *self = userdata;
  g_auto (GStrv) names = NULL;
  const char *chosen = NULL;

  request_done (self, reply);
  if (self->distributor != NULL || sd_bus_message_is_method_error (reply, NULL)
      || sd_bus_message_read_strv (reply, &names) < 0)
    return 0;
  /* More than one: the first by name, the same at every start. */
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], DISTRIBUTOR_PREFIX)
        && (chosen == NULL || strcmp (names[i], chosen) < 0))
      chosen = names[i];
  if (chosen != NULL)
    use_distributor (self, chosen);
  return 0;
}

static void
find_distributor (CkdUnifiedPush *self)
{
  sd_bus_message *m = NULL;
  int r;

  r = sd_bus_message_new_method_call (self->bus, &m, "org.freedesktop.DBus",
                                      "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                      "ListNames");
  if (r >= 0)
    r = call_async (self, m, on_names);
  if (r < 0)
    g_message ("cannot look for a UnifiedPush distributor: %s", g_strerror (-r));
  sd_bus_message_unref (m);
}

static int
on_name_owner_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdUnifiedPush *self = userdata;
  const char *name, *old_owner, *new_owner;

  if (!self->enabled || sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) < 0
      || !g_str_has_prefix (name, DISTRIBUTOR_PREFIX))
    return 0;
  if (g_strcmp0 (name, self->distributor) == 0)
    {
      /* Gone, or replaced: its registrations go with it. */
      g_message ("UnifiedPush distributor %s left", name);
      forget_distributor (self);
      if (*new_owner != '\0')
        use_distributor (self, name);
      else
        find_distributor (self);
    }
  else if (self->distributor == NULL && *new_owner != '\0')
    use_distributor (self, name);
  return 0;
}

/* ---- the connector -------------------------------------------------- */

/* Calls from anyone but the distributor are ignored, as the
 * specification says of calls it cannot match. */
static gboolean
from_distributor (CkdUnifiedPush *self, sd_bus_message *m)
{
  if (self->owner != NULL && g_strcmp0 (sd_bus_message_get_sender (m), self->owner) == 0)
    return TRUE;
  g_debug ("UnifiedPush %s from %s, not the distributor: ignored",
           sd_bus_message_get_member (m), sd_bus_message_get_sender (m));
  return FALSE;
}

static CkdPushApp *
app_of (CkdUnifiedPush *self, const char *token)
{
  CkdPushApp *app = token != NULL ? ckd_push_registry_lookup_token (self->registry, token) : NULL;

  return app != NULL && app->registered ? app : NULL;
}

static void
take_message (CkdUnifiedPush *self, const char *token, GBytes *body, const char *id)
{
  g_auto (CkdPushMetadata) metadata = { 0 };
  g_autofree char *envelope_error = NULL;
  g_autoptr (GError) error = NULL;
  CkdPushApp *app = app_of (self, token);
  CkdPushOutcome outcome;

  if (app == NULL)
    {
      g_debug ("a UnifiedPush message for an unknown token: ignored");
      g_bytes_unref (body);
      return;
    }
  /* Parsed only when it can be delivered at all. */
  if (g_bytes_get_size (body) <= CKD_MAX_PUSH_PAYLOAD)
    ckd_push_envelope_parse (body, &metadata, &envelope_error);
  if (envelope_error != NULL)
    g_message ("UnifiedPush message %s for %s: %s; delivered as it is", id ? id : "",
               app->app_id, envelope_error);
  if (!ckd_push_registry_deliver (self->registry, app, body, &metadata,
                                  CKD_PUSH_TRANSPORT_UNIFIEDPUSH, envelope_error, &outcome,
                                  &error))
    g_message ("UnifiedPush message %s for %s refused: %s", id ? id : "", app->app_id,
               error->message);
  else
    g_debug ("UnifiedPush message %s for %s: %s", id ? id : "", app->app_id,
             ckd_push_outcome_to_string (outcome));
}

static void
new_endpoint (CkdUnifiedPush *self, const char *token, const char *endpoint)
{
  CkdPushApp *app = app_of (self, token);
  g_autoptr (GUri) uri = endpoint != NULL ? g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL) : NULL;

  if (app == NULL || uri == NULL)
    {
      g_debug ("UnifiedPush NewEndpoint for an unknown token or not a URL: ignored");
      return;
    }
  ckd_push_registry_set_endpoint (self->registry, app, endpoint);
}

static void
unregistered (CkdUnifiedPush *self, const char *token)
{
  CkdPushApp *app = app_of (self, token);

  /* Empty: it confirms an Unregister of ours, done already. */
  if (app == NULL)
    return;
  g_message ("the UnifiedPush distributor unregistered %s", app->app_id);
  ckd_push_registry_set_endpoint (self->registry, app, NULL);
}

/* Connector1: (s token, ay message, s id), (s token, s endpoint), (s token). */
static int
connector1_method (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdUnifiedPush *self = userdata;
  const char *member = sd_bus_message_get_member (m);
  const char *token = NULL, *text = NULL, *id = NULL;
  const void *body = NULL;
  size_t size = 0;
  int r;

  /* The specification has the distributor not wait for an answer;
   * anyone who does gets an empty one. */
  if (sd_bus_message_get_expect_reply (m))
    sd_bus_reply_method_return (m, "");
  if (!from_distributor (self, m))
    return 1;
  r = sd_bus_message_read (m, "s", &token);
  if (r >= 0 && g_str_equal (member, "Message"))
    {
      /* Older distributors send the message as a string. */
      if (g_str_equal (sd_bus_message_get_signature (m, TRUE), "sss"))
        r = sd_bus_message_read (m, "s", &text);
      else
        r = sd_bus_message_read_array (m, 'y', &body, &size);
      if (r >= 0)
        r = sd_bus_message_read (m, "s", &id);
      if (r >= 0)
        take_message (self, token,
                 text != NULL ? g_bytes_new (text, strlen (text)) : g_bytes_new (body, size), id);
    }
  else if (r >= 0 && g_str_equal (member, "NewEndpoint"))
    {
      r = sd_bus_message_read (m, "s", &text);
      if (r >= 0)
        new_endpoint (self, token, text);
    }
  else if (r >= 0)
    unregistered (self, token);
  return 1;
}

/* Connector2: every method takes and returns an a{sv}. */
static int
connector2_method (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdUnifiedPush *self = userdata;
  const char *member = sd_bus_message_get_member (m);
  g_autoptr (GVariant) args = NULL;
  const char *token = NULL, *text = NULL, *id = NULL;
  g_autoptr (GVariant) body = NULL;

  if (!from_distributor (self, m))
    return sd_bus_reply_method_errorf (m, SD_BUS_ERROR_ACCESS_DENIED,
                                       "only the UnifiedPush distributor %s calls this",
                                       self->distributor ? self->distributor : "(none)");
  if (ckd_sdbus_read_vardict (m, &args, NULL) < 0)
    return sd_bus_reply_method_errorf (m, SD_BUS_ERROR_INVALID_ARGS, "cannot read the arguments");
  g_variant_lookup (args, "token", "&s", &token);
  g_variant_lookup (args, "id", "&s", &id);
  if (g_str_equal (member, "Message"))
    {
      body = g_variant_lookup_value (args, "message", G_VARIANT_TYPE_BYTESTRING);
      if (body != NULL)
        take_message (self, token, g_variant_get_data_as_bytes (body), id);
      /* The acknowledgement: the distributor may drop the message now. */
      return sd_bus_reply_method_return (m, "a{sv}", id != NULL ? 1 : 0, "id", "s", id);
    }
  if (g_str_equal (member, "NewEndpoint"))
    {
      if (g_variant_lookup (args, "endpoint", "&s", &text))
        new_endpoint (self, token, text);
    }
  else
    unregistered (self, token);
  return sd_bus_reply_method_return (m, "a{sv}", 0);
}

static const sd_bus_vtable connector1_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("Message", SD_BUS_ARGS ("s", token, "ay", message, "s", id),
                           SD_BUS_NO_RESULT, connector1_method,
                           SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_METHOD_NO_REPLY),
  SD_BUS_METHOD_WITH_ARGS ("NewEndpoint", SD_BUS_ARGS ("s", token, "s", endpoint),
                           SD_BUS_NO_RESULT, connector1_method,
                           SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_METHOD_NO_REPLY),
  SD_BUS_METHOD_WITH_ARGS ("Unregistered", SD_BUS_ARGS ("s", token), SD_BUS_NO_RESULT,
                           connector1_method,
                           SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_METHOD_NO_REPLY),
  SD_BUS_VTABLE_END,
};

static const sd_bus_vtable connector2_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("Message", SD_BUS_ARGS ("a{sv}", args), SD_BUS_RESULT ("a{sv}", res),
                           connector2_method, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("NewEndpoint", SD_BUS_ARGS ("a{sv}", args),
                           SD_BUS_RESULT ("a{sv}", res), connector2_method,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Unregistered", SD_BUS_ARGS ("a{sv}", args),
                           SD_BUS_RESULT ("a{sv}", res), connector2_method,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_VTABLE_END,
};

/* Connector1.Message of distributors that send the message as a string
 * (sss): sd-bus would refuse that signature. */
static int
string_messages (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  if (sd_bus_message_is_method_call (m, CONNECTOR1, "Message")
      && g_strcmp0 (sd_bus_message_get_path (m), CONNECTOR_PATH) == 0
      && g_strcmp0 (sd_bus_message_get_signature (m, TRUE), "sss") == 0)
    return connector1_method (m, userdata, ret_error);
  return 0;
}

/* ---- on and off ----------------------------------------------------- */

static void
follow_settings (CkdUnifiedPush *self)
{
  gboolean enabled = ckd_settings_get (self->registry->settings)->push.unifiedpush;

  if (enabled == self->enabled)
    return;
  self->enabled = enabled;
  if (enabled)
    find_distributor (self);
  else
    {
      g_message ("UnifiedPush turned off: the distributor is not used");
      forget_distributor (self);
    }
}

CkdUnifiedPush *
ckd_unifiedpush_new (CkdPushRegistry *registry)
{
  CkdUnifiedPush *self = g_new0 (CkdUnifiedPush, 1);
  sd_bus_slot *slot = NULL;
  int r;

  self->registry = registry;
  self->bus = sd_bus_ref (registry->bus);
  self->slots = g_ptr_array_new_with_free_func (slot_unref);
  self->requests = g_ptr_array_new_with_free_func (slot_unref);
  r = sd_bus_add_object_vtable (self->bus, &slot, CONNECTOR_PATH, CONNECTOR1, connector1_vtable,
                                self);
  if (r >= 0)
    {
      g_ptr_array_add (self->slots, slot);
      r = sd_bus_add_object_vtable (self->bus, &slot, CONNECTOR_PATH, CONNECTOR2,
                                    connector2_vtable, self);
    }
  if (r >= 0)
    {
      g_ptr_array_add (self->slots, slot);
      r = sd_bus_add_filter (self->bus, &slot, string_messages, self);
    }
  if (r >= 0)
    {
      g_ptr_array_add (self->slots, slot);
      /* Distributors only: every client's coming and going would cost. */
      r = sd_bus_add_match_async (self->bus, &slot,
                                  "type='signal',sender='org.freedesktop.DBus',"
                                  "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                  "member='NameOwnerChanged',"
                                  "arg0namespace='org.unifiedpush.Distributor'",
                                  on_name_owner_changed, NULL, self);
    }
  if (r >= 0)
    g_ptr_array_add (self->slots, slot);
  else
    g_message ("UnifiedPush is not available: %s", g_strerror (-r));
  g_signal_connect_swapped (registry->settings, "changed", G_CALLBACK (follow_settings), self);
  follow_settings (self);
  return self;
}

void
ckd_unifiedpush_free (CkdUnifiedPush *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->registry->settings, self);
  g_ptr_array_unref (self->requests);
  g_ptr_array_unref (self->slots);
  g_free (self->distributor);
  g_free (self->owner);
  sd_bus_unref (self->bus);
  g_free (self);
}
