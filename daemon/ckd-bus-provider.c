/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-sdbus-gvariant.h"
#include "ckd-bus-private.h"
#include "ckd-error.h"

/* Providers at provider/N: one fallback vtable finds them in the
 * registry. A provider that is gone answers UnknownCallProvider, not a
 * bare UnknownObject. */

CkdProvider *
ckd_bus_provider_from_path (CkdBus *self, const char *path)
{
  guint id = ckd_provider_id_from_path (path);

  return id != 0 ? ckd_registry_lookup_provider (self->registry, id) : NULL;
}

/* The provider @m is for, if the caller may use this method of it. Reset
 * is for the desktop and callctl too; the rest is the owner's. */
static CkdProvider *
authorize (CkdBus *self, sd_bus_message *m, CkdCaller *caller, gboolean owner_only,
           GError **error)
{
  CkdProvider *provider = ckd_bus_provider_from_path (self, sd_bus_message_get_path (m));

  if (provider == NULL)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_PROVIDER,
                   "no provider at %s: it was removed, or never registered",
                   sd_bus_message_get_path (m));
      return NULL;
    }
  if (owner_only ? !ckd_caller_is_owner (caller, provider, error)
                 : !ckd_caller_may_act (caller, provider, error))
    return NULL;
  return provider;
}

/* Answers @m: success when @ok, else @error. (Call the session first:
 * finish (m, f (&error), error) would read @error before f set it.) */
static int
finish (sd_bus_message *m, gboolean ok, GError *error)
{
  return ok ? sd_bus_reply_method_return (m, NULL) : ckd_bus_reply_gerror (m, error);
}

#define AUTHORIZE(owner_only)                                                     \
  g_autoptr (GError) error = NULL;                                                \
  CkdProvider *provider = authorize (self, m, caller, owner_only, &error);        \
  if (provider == NULL)                                                           \
    return ckd_bus_reply_gerror (m, error)

typedef gboolean (*UpdateReport) (CkdSession *session, CkdProvider *provider, const char *uuid,
                                  GVariant *update, GError **error);
typedef gboolean (*TimeReport) (CkdSession *session, CkdProvider *provider, const char *uuid,
                                gint64 at, GError **error);

/* A report of a call and its details: (s call, a{sv} update). */
static int
report_update (CkdBus *self, sd_bus_message *m, CkdCaller *caller, UpdateReport report)
{
  AUTHORIZE (TRUE);
  g_autoptr (GVariant) update = NULL;
  const char *uuid;
  gboolean ok;
  int r;

  r = sd_bus_message_read (m, "s", &uuid);
  if (r < 0)
    return r;
  if (!ckd_bus_read_dict (m, "update", &update))
    return 0;
  ok = report (self->session, provider, uuid, update, &error);
  return finish (m, ok, error);
}

/* A report of a call and a time: (s call, x at). */
static int
report_time (CkdBus *self, sd_bus_message *m, CkdCaller *caller, TimeReport report)
{
  AUTHORIZE (TRUE);
  const char *uuid;
  int64_t at;
  gboolean ok;
  int r;

  r = sd_bus_message_read (m, "sx", &uuid, &at);
  if (r < 0)
    return r;
  ok = report (self->session, provider, uuid, at, &error);
  return finish (m, ok, error);
}

static gboolean
new_incoming_call (CkdSession *session, CkdProvider *provider, const char *uuid,
                   GVariant *update, GError **error)
{
  return ckd_session_report_new_incoming_call (session, provider, uuid, update, error) != NULL;
}

static int
report_new_incoming_call (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return report_update (self, m, caller, new_incoming_call);
}

static int
report_call_updated (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return report_update (self, m, caller, ckd_session_report_call_updated);
}

static int
report_outgoing_started_connecting (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return report_time (self, m, caller, ckd_session_report_outgoing_started_connecting);
}

static int
report_outgoing_connected (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return report_time (self, m, caller, ckd_session_report_outgoing_connected);
}

static int
report_call_ended (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  AUTHORIZE (TRUE);
  const char *uuid, *reason;
  int64_t ended_at;
  gboolean ok;
  int r;

  r = sd_bus_message_read (m, "ssx", &uuid, &reason, &ended_at);
  if (r < 0)
    return r;
  ok = ckd_session_report_call_ended (self->session, provider, uuid, reason, ended_at, &error);
  return finish (m, ok, error);
}

static int
fulfill_action (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  AUTHORIZE (TRUE);
  g_autoptr (GVariant) result = NULL;
  const char *action;
  gboolean ok;
  int r;

  r = sd_bus_message_read (m, "s", &action);
  if (r < 0)
    return r;
  if (!ckd_bus_read_dict (m, "result", &result))
    return 0;
  ok = ckd_session_fulfill_action (self->session, provider, action, result, &error);
  return finish (m, ok, error);
}

static int
fail_action (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  AUTHORIZE (TRUE);
  const char *action, *reason;
  gboolean ok;
  int r;

  r = sd_bus_message_read (m, "ss", &action, &reason);
  if (r < 0)
    return r;
  ok = ckd_session_fail_action (self->session, provider, action, reason, &error);
  return finish (m, ok, error);
}

static int
reset (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  AUTHORIZE (FALSE);
  int r = sd_bus_reply_method_return (m, NULL);

  ckd_session_reset_provider (self->session, provider, "requested");
  return r;
}

static int
invalidate (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  AUTHORIZE (TRUE);
  int r = sd_bus_reply_method_return (m, NULL);

  ckd_session_remove_provider (self->session, provider, "provider-gone");
  return r;
}

int
ckd_bus_provider_set_configuration (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  AUTHORIZE (TRUE);
  g_autoptr (GVariant) configuration = NULL;
  gboolean ok;
  int r;

  /* From the start: the front door read the interface and property
   * name, and a call that waited for its caller was rewound. */
  r = sd_bus_message_rewind (m, TRUE);
  if (r >= 0)
    r = sd_bus_message_skip (m, "ss");
  if (r >= 0)
    r = sd_bus_message_enter_container (m, 'v', "a{sv}");
  if (r < 0)
    return r;
  if (!ckd_bus_read_dict (m, "configuration", &configuration))
    return 0;
  ok = ckd_session_set_configuration (self->session, provider, configuration, &error);
  return finish (m, ok, error);
}

#define METHOD(name)                                                                   \
  static int method_##name (sd_bus_message *m, void *userdata, sd_bus_error *ret_error) \
  {                                                                                    \
    return ckd_bus_with_caller (userdata, m, name);                                    \
  }
METHOD (report_new_incoming_call)
METHOD (report_call_updated)
METHOD (report_call_ended)
METHOD (report_outgoing_started_connecting)
METHOD (report_outgoing_connected)
METHOD (fulfill_action)
METHOD (fail_action)
METHOD (reset)
METHOD (invalidate)
#undef METHOD

/* ---- properties ----------------------------------------------------- */

static int
append_configuration (sd_bus_message *m, gconstpointer object)
{
  const CkdProvider *provider = object;
  g_autoptr (GVariant) configuration =
    g_variant_ref_sink (ckd_provider_config_to_variant (&provider->config));

  return ckd_sdbus_append_gvariant (m, configuration);
}

static int
append_audio_session_active (sd_bus_message *m, gconstpointer object)
{
  const CkdProvider *provider = object;

  return sd_bus_message_append (m, "b", provider->audio_session_active);
}

static int
append_owner (sd_bus_message *m, gconstpointer object)
{
  const CkdProvider *provider = object;

  return sd_bus_message_append (m, "s", provider->owner);
}

static int
append_application_id (sd_bus_message *m, gconstpointer object)
{
  const CkdProvider *provider = object;

  return sd_bus_message_append (m, "s", ckd_provider_application_id (provider));
}

static const CkdBusProperty properties[] = {
  { "Configuration", "a{sv}", append_configuration },
  { "AudioSessionActive", "b", append_audio_session_active },
  { "Owner", "s", append_owner },
  { "ApplicationId", "s", append_application_id },
};

enum
{
  PROPERTY_CONFIGURATION,
  PROPERTY_AUDIO_SESSION_ACTIVE,
};

static int
get_property (sd_bus *bus, const char *path, const char *interface, const char *property,
              sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdProvider *provider = ckd_bus_provider_from_path (userdata, path);

  if (provider == NULL || !ckd_bus_reader_may_see (userdata, provider))
    return sd_bus_error_setf (ret_error,
                              ckd_error_to_dbus_name (CKD_ERROR_UNKNOWN_CALL_PROVIDER),
                              "no provider at %s: it was removed, or never registered", path);
  for (gsize i = 0; i < G_N_ELEMENTS (properties); i++)
    if (g_str_equal (properties[i].name, property))
      return properties[i].append (reply, provider);
  return -ENOENT;
}

/* Never reached: the front door (ckd-bus.c) takes every Set. */
static int
set_configuration (sd_bus *bus, const char *path, const char *interface, const char *property,
                   sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_error_set (ret_error, SD_BUS_ERROR_ACCESS_DENIED, "not through this path");
}

static const sd_bus_vtable provider_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("ReportNewIncomingCall", SD_BUS_ARGS ("s", call, "a{sv}", update),
                           SD_BUS_NO_RESULT, method_report_new_incoming_call,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("ReportCallUpdated", SD_BUS_ARGS ("s", call, "a{sv}", update),
                           SD_BUS_NO_RESULT, method_report_call_updated,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("ReportCallEnded",
                           SD_BUS_ARGS ("s", call, "s", reason, "x", ended_at), SD_BUS_NO_RESULT,
                           method_report_call_ended, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("ReportOutgoingCallStartedConnecting", SD_BUS_ARGS ("s", call, "x", at),
                           SD_BUS_NO_RESULT, method_report_outgoing_started_connecting,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("ReportOutgoingCallConnected", SD_BUS_ARGS ("s", call, "x", at),
                           SD_BUS_NO_RESULT, method_report_outgoing_connected,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("FulfillAction", SD_BUS_ARGS ("s", action, "a{sv}", result),
                           SD_BUS_NO_RESULT, method_fulfill_action, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("FailAction", SD_BUS_ARGS ("s", action, "s", reason), SD_BUS_NO_RESULT,
                           method_fail_action, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Reset", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reset,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("Invalidate", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_invalidate,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_SIGNAL ("DidBegin", NULL, 0),
  SD_BUS_SIGNAL_WITH_ARGS ("DidReset", SD_BUS_ARGS ("s", reason), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("DidRestoreCalls", SD_BUS_ARGS ("as", calls), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("PerformAction",
                           SD_BUS_ARGS ("s", action, "s", type, "s", call, "a{sv}", parameters), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("ActionTimedOut", SD_BUS_ARGS ("s", action), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("ShowCallRequested", SD_BUS_ARGS ("s", call), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("DidActivateAudioSession", SD_BUS_ARGS ("a{sv}", info), 0),
  SD_BUS_SIGNAL_WITH_ARGS ("DidDeactivateAudioSession", SD_BUS_ARGS ("a{sv}", info), 0),
  SD_BUS_WRITABLE_PROPERTY ("Configuration", "a{sv}", get_property, set_configuration, 0,
                            SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY ("AudioSessionActive", "b", get_property, 0,
                   SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY ("Owner", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("ApplicationId", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_VTABLE_END,
};

const sd_bus_vtable *
ckd_bus_provider_vtable (void)
{
  return provider_vtable;
}

/* ---- objects appearing, changing, leaving --------------------------- */

static int
append_properties (sd_bus_message *m, const CkdProvider *provider, guint mask)
{
  return ckd_bus_append_properties (m, properties, G_N_ELEMENTS (properties), provider, mask);
}

static void
send_or_warn (CkdBus *self, sd_bus_message *m, int r, const char *what)
{
  if (r == -ENXIO)
    {
      /* For the owner of a provider that has none now (ckd_bus_new_signal()). */
      sd_bus_message_unref (m);
      return;
    }
  if (r < 0)
    {
      g_warning ("cannot send %s: %s", what, g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  ckd_bus_send (self, m);
}

/* InterfacesAdded, PropertiesChanged, InterfacesRemoved of a provider: to
 * those who may see it alone. */
static void
send_about_or_warn (CkdBus *self, sd_bus_message *m, int r, const CkdProvider *provider,
                    const char *what)
{
  if (r < 0)
    {
      g_warning ("cannot send %s: %s", what, g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  ckd_bus_send_about (self, m, provider);
}

static void
on_provider_added (CkdBus *self, CkdProvider *provider)
{
  sd_bus_message *m = NULL;
  int r;

  r = ckd_bus_open_interfaces_added (self, &m, provider->object_path, CKD_PROVIDER_INTERFACE);
  if (r >= 0)
    r = append_properties (m, provider, (1u << G_N_ELEMENTS (properties)) - 1);
  if (r >= 0)
    r = ckd_bus_close_interfaces_added (m);
  send_about_or_warn (self, m, r, provider, "InterfacesAdded");
}

static void
on_provider_changed (CkdBus *self, CkdProvider *provider, guint changes)
{
  guint mask = 0;
  sd_bus_message *m = NULL;
  int r;

  if (changes & CKD_PROVIDER_CHANGED_CONFIGURATION)
    mask |= 1u << PROPERTY_CONFIGURATION;
  if (changes & CKD_PROVIDER_CHANGED_AUDIO_SESSION_ACTIVE)
    mask |= 1u << PROPERTY_AUDIO_SESSION_ACTIVE;
  if (mask == 0)
    return;
  r = ckd_bus_new_signal (self, &m, NULL, provider->object_path,
                          "org.freedesktop.DBus.Properties", "PropertiesChanged");
  if (r >= 0)
    r = sd_bus_message_append (m, "s", CKD_PROVIDER_INTERFACE);
  if (r >= 0)
    r = append_properties (m, provider, mask);
  if (r >= 0)
    r = sd_bus_message_append (m, "as", 0);
  send_about_or_warn (self, m, r, provider, "PropertiesChanged");
}

static void
on_provider_removed (CkdBus *self, CkdProvider *provider)
{
  sd_bus_message *m = NULL;
  int r;

  r = ckd_bus_new_interfaces_removed (self, &m, provider->object_path, CKD_PROVIDER_INTERFACE);
  send_about_or_warn (self, m, r, provider, "InterfacesRemoved");
}

/* ---- signals to the owner ------------------------------------------- */

static void
send_to_owner (CkdBus *self, CkdProvider *provider, const char *member, const char *types, ...)
{
  sd_bus_message *m = NULL;
  va_list args;
  int r;

  r = ckd_bus_new_signal (self, &m, provider->owner, provider->object_path,
                          CKD_PROVIDER_INTERFACE, member);
  if (r >= 0 && types != NULL)
    {
      va_start (args, types);
      r = sd_bus_message_appendv (m, types, args);
      va_end (args);
    }
  send_or_warn (self, m, r, member);
}

static void
on_provider_reset (CkdBus *self, CkdProvider *provider, const char *reason)
{
  send_to_owner (self, provider, "DidReset", "s", reason);
}

/* Before DidBegin (which follows RegisterProvider's reply): the app that
 * registered again after a crash of callkitd learns its calls are back. */
static void
on_provider_reclaimed (CkdBus *self, CkdProvider *provider, char **calls)
{
  sd_bus_message *m = NULL;
  int r;

  r = ckd_bus_new_signal (self, &m, provider->owner, provider->object_path,
                          CKD_PROVIDER_INTERFACE, "DidRestoreCalls");
  if (r >= 0)
    r = sd_bus_message_append_strv (m, calls);
  send_or_warn (self, m, r, "DidRestoreCalls");
}

static void
on_action_timed_out (CkdBus *self, CkdAction *action)
{
  send_to_owner (self, action->provider, "ActionTimedOut", "s", action->id);
}

static void
on_show_call_requested (CkdBus *self, CkdCall *call)
{
  send_to_owner (self, call->provider, "ShowCallRequested", "s", call->uuid);
}

static void
on_audio_session_changed (CkdBus *self, CkdProvider *provider, gboolean active, char **calls)
{
  sd_bus_message *m = NULL;
  int r;

  r = ckd_bus_new_signal (self, &m, provider->owner, provider->object_path,
                          CKD_PROVIDER_INTERFACE,
                          active ? "DidActivateAudioSession" : "DidDeactivateAudioSession");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'a', "{sv}");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'e', "sv");
  if (r >= 0)
    r = sd_bus_message_append (m, "s", "calls");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'v', "as");
  if (r >= 0)
    r = sd_bus_message_append_strv (m, calls);
  for (int i = 0; r >= 0 && i < 3; i++)
    r = sd_bus_message_close_container (m);
  send_or_warn (self, m, r, "an audio session signal");
}

/* The parameters of PerformAction, appended directly: it goes out for
 * every action. */
static int
append_action_parameters (sd_bus_message *m, const CkdAction *action)
{
  const char *transaction = action->transaction != NULL ? action->transaction->id : "";
  int r = sd_bus_message_open_container (m, 'a', "{sv}");

  if (r >= 0)
    r = sd_bus_message_append (m, "{sv}{sv}", "transaction", "s", transaction, "deadline", "x",
                               action->deadline);
  if (r < 0)
    return r;
  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      r = sd_bus_message_append (m, "{sv}{sv}{sv}", "handle", "(ss)",
                                 ckd_handle_type_to_string (action->handle.type),
                                 action->handle.value ? action->handle.value : "", "video", "b",
                                 action->video, "contact_identifier", "s",
                                 action->contact_identifier ? action->contact_identifier : "");
      break;
    case CKD_ACTION_END_CALL:
      r = sd_bus_message_append (m, "{sv}", "reason", "s",
                                 ckd_ended_reason_to_string (action->end_reason));
      break;
    case CKD_ACTION_SET_HELD:
      r = sd_bus_message_append (m, "{sv}", "on_hold", "b", action->on_hold);
      break;
    case CKD_ACTION_SET_MUTED:
      r = sd_bus_message_append (m, "{sv}", "muted", "b", action->muted);
      break;
    case CKD_ACTION_SET_GROUP:
      r = sd_bus_message_append (m, "{sv}", "group_with", "s", action->group_with);
      break;
    case CKD_ACTION_PLAY_DTMF:
      r = sd_bus_message_append (m, "{sv}{sv}", "digits", "s", action->digits, "dtmf_type", "s",
                                 ckd_dtmf_type_to_string (action->dtmf_type));
      break;
    case CKD_ACTION_ANSWER_CALL:
    case CKD_ACTION_N_TYPES:
    default:
      break;
    }
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r;
}

static void
on_perform_action (CkdBus *self, CkdAction *action)
{
  CkdProvider *provider = action->provider;
  sd_bus_message *m = NULL;
  int r;

  r = ckd_bus_new_signal (self, &m, provider->owner, provider->object_path,
                          CKD_PROVIDER_INTERFACE, "PerformAction");
  if (r >= 0)
    r = sd_bus_message_append (m, "sss", action->id, ckd_action_type_to_string (action->type),
                               action->call_uuid);
  if (r >= 0)
    r = append_action_parameters (m, action);
  send_or_warn (self, m, r, "PerformAction");
}

/* ---- set-up --------------------------------------------------------- */

static int
find_provider (sd_bus *bus, const char *path, const char *interface, void *userdata,
               void **ret_found, sd_bus_error *ret_error)
{
  /* Any provider/N: one that is gone answers with our own error. */
  if (ckd_provider_id_from_path (path) == 0)
    return 0;
  *ret_found = userdata;
  return 1;
}

static int
enumerate_providers (sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
                     sd_bus_error *ret_error)
{
  CkdBus *self = userdata;
  GHashTable *providers = ckd_registry_get_providers (self->registry);
  g_autoptr (GStrvBuilder) nodes = g_strv_builder_new ();
  GHashTableIter iter;
  CkdProvider *provider;
  char **strv;

  g_hash_table_iter_init (&iter, providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (ckd_bus_reader_may_see (self, provider))
      g_strv_builder_add (nodes, provider->object_path);
  /* sd-bus frees the nodes with free(). */
  strv = g_strv_builder_end (nodes);
  *ret_nodes = strv;
  return 0;
}

int
ckd_bus_provider_init (CkdBus *self)
{
  sd_bus_slot *slot = NULL;
  int r;

  r = sd_bus_add_fallback_vtable (self->bus, &slot, CKD_PROVIDERS_PATH, CKD_PROVIDER_INTERFACE,
                                  provider_vtable, find_provider, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  r = sd_bus_add_node_enumerator (self->bus, &slot, CKD_PROVIDERS_PATH, enumerate_providers,
                                  self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  g_signal_connect_swapped (self->registry, "provider-added", G_CALLBACK (on_provider_added), self);
  g_signal_connect_swapped (self->registry, "provider-changed", G_CALLBACK (on_provider_changed), self);
  g_signal_connect_swapped (self->registry, "provider-removed", G_CALLBACK (on_provider_removed), self);
  g_signal_connect_swapped (self->session, "provider-reset", G_CALLBACK (on_provider_reset), self);
  g_signal_connect_swapped (self->session, "perform-action", G_CALLBACK (on_perform_action), self);
  g_signal_connect_swapped (self->session, "action-timed-out", G_CALLBACK (on_action_timed_out), self);
  g_signal_connect_swapped (self->session, "provider-reclaimed", G_CALLBACK (on_provider_reclaimed),
                            self);
  g_signal_connect_swapped (self->session, "audio-session-changed",
                   G_CALLBACK (on_audio_session_changed), self);
  g_signal_connect_swapped (self->session, "show-call-requested",
                   G_CALLBACK (on_show_call_requested), self);
  return 0;
}
