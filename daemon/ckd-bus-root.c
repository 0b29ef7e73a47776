/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include <errno.h>

#include "ckd-bus-private.h"
#include "ckd-limits.h"

/* The root object: Manager and CallController beside the ObjectManager. */

/* ---- Manager -------------------------------------------------------- */

static int
register_provider (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GVariant) configuration = NULL;
  g_autoptr (GError) error = NULL;
  sd_bus_message *began;
  CkdProvider *provider;
  int r;

  if (!ckd_bus_read_dict (m, "configuration", &configuration))
    return 0;
  provider = ckd_session_register_provider (self->session, caller, configuration, &error);
  if (provider == NULL)
    return ckd_bus_reply_gerror (m, error);
  r = sd_bus_reply_method_return (m, "o", provider->object_path);
  /* After the reply, as CXProvider's providerDidBegin follows its
   * creation. */
  if (ckd_bus_new_signal (self, &began, provider->owner, provider->object_path,
                          CKD_PROVIDER_INTERFACE, "DidBegin")
      >= 0)
    ckd_bus_send (self, began);
  return r;
}

static int
method_register_provider (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return ckd_bus_with_caller (userdata, m, register_provider);
}

static int
silence_ringing (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  guint n = ckd_session_silence_ringing (self->session, caller, NULL);

  g_info ("%s silenced %u ringing calls", caller->name, n);
  return sd_bus_reply_method_return (m, "u", n);
}

static int
method_silence_ringing (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return ckd_bus_with_caller (userdata, m, silence_ringing);
}

static int
get_version (sd_bus *bus, const char *path, const char *interface, const char *property,
             sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append (reply, "s", PACKAGE_VERSION);
}

static int
append_capabilities (CkdBus *self, sd_bus_message *m)
{
  return sd_bus_message_append_strv (m, (char **) ckd_registry_get_capabilities (self->registry));
}

static int
get_capabilities (sd_bus *bus, const char *path, const char *interface, const char *property,
                  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return append_capabilities (userdata, reply);
}

static int
get_do_not_disturb (sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdBus *self = userdata;

  return sd_bus_message_append (reply, "b", ckd_registry_get_do_not_disturb (self->registry));
}

/* Never reached: the front door (ckd-bus.c) takes every Set. */
static int
set_do_not_disturb (sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_error_set (ret_error, SD_BUS_ERROR_ACCESS_DENIED, "not through this path");
}

int
ckd_bus_root_set_do_not_disturb (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GError) error = NULL;
  int on;
  int r;

  /* From the start: the front door read the interface and property
   * name, and a call that waited for its caller was rewound. */
  r = sd_bus_message_rewind (m, TRUE);
  if (r >= 0)
    r = sd_bus_message_skip (m, "ss");
  if (r >= 0)
    r = sd_bus_message_read (m, "v", "b", &on);
  if (r < 0)
    return r;
  if (!ckd_session_set_do_not_disturb (self->session, caller, on, &error))
    return ckd_bus_reply_gerror (m, error);
  return sd_bus_reply_method_return (m, NULL);
}

static int
get_limits (sd_bus *bus, const char *path, const char *interface, const char *property,
            sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdBus *self = userdata;
  const CkdOptions *options = ckd_settings_get_options (ckd_session_get_settings (self->session));
  const struct
  {
    const char *key;
    guint32 value;
  } limits[] = {
    { "providers_per_connection", CKD_MAX_PROVIDERS_PER_CONNECTION },
    { "calls_per_provider", CKD_MAX_CALLS_PER_PROVIDER },
    { "actions_per_transaction", CKD_MAX_ACTIONS_PER_TRANSACTION },
    { "pending_actions_per_provider", CKD_MAX_PENDING_ACTIONS_PER_PROVIDER },
    { "string_length", CKD_MAX_STRING_LENGTH },
    { "path_length", CKD_MAX_PATH_LENGTH },
    { "dtmf_digits_length", CKD_MAX_DTMF_DIGITS },
    { "incoming_reports_per_second", options->incoming_reports_per_second },
    { "ringing_timeout_ms", options->ringing_timeout_ms },
    { "history_entries_per_reply", CKD_MAX_HISTORY_ENTRIES_PER_REPLY },
    { "history_ids_per_call", CKD_MAX_HISTORY_IDS_PER_CALL },
    { "push_payload_bytes", CKD_MAX_PUSH_PAYLOAD },
    { "push_registrations", CKD_MAX_PUSH_REGISTRATIONS },
    { "pushes_per_second", options->pushes_per_second },
    { "queued_pushes", CKD_MAX_QUEUED_PUSHES },
    { "pending_reports", CKD_MAX_PENDING_REPORTS },
    { "push_duplicate_ids", CKD_PUSH_DUPLICATE_IDS },
    { "push_duplicate_window_seconds", CKD_PUSH_DUPLICATE_WINDOW_SECONDS },
    { "do_not_disturb_allow_list", CKD_MAX_DO_NOT_DISTURB_ALLOW_LIST },
    { "do_not_disturb_remembered_callers", CKD_MAX_DO_NOT_DISTURB_REMEMBERED_CALLERS },
  };
  int r = sd_bus_message_open_container (reply, 'a', "{sv}");

  for (gsize i = 0; r >= 0 && i < G_N_ELEMENTS (limits); i++)
    r = sd_bus_message_append (reply, "{sv}", limits[i].key, "u", limits[i].value);
  if (r >= 0)
    r = sd_bus_message_close_container (reply);
  return r;
}

static const sd_bus_vtable manager_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("RegisterProvider", SD_BUS_ARGS ("a{sv}", configuration),
                           SD_BUS_RESULT ("o", provider), method_register_provider,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("SilenceRinging", SD_BUS_NO_ARGS, SD_BUS_RESULT ("u", silenced),
                           method_silence_ringing, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY ("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY ("Capabilities", "as", get_capabilities, 0,
                   SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY ("Limits", "a{sv}", get_limits, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_WRITABLE_PROPERTY ("DoNotDisturb", "b", get_do_not_disturb, set_do_not_disturb, 0,
                            SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_VTABLE_END,
};

static void
on_capabilities_changed (CkdBus *self)
{
  sd_bus_message *m;
  int r;

  r = ckd_bus_open_properties_changed (self, &m, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'e', "sv");
  if (r >= 0)
    r = sd_bus_message_append (m, "s", "Capabilities");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'v', "as");
  if (r >= 0)
    r = append_capabilities (self, m);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r >= 0)
    r = ckd_bus_close_properties_changed (m);
  if (r < 0)
    {
      g_warning ("cannot tell the new capabilities: %s", g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  ckd_bus_send (self, m);
}

static void
on_do_not_disturb_changed (CkdBus *self)
{
  sd_bus_message *m;
  int r;

  r = ckd_bus_open_properties_changed (self, &m, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE);
  if (r >= 0)
    r = sd_bus_message_append (m, "{sv}", "DoNotDisturb", "b",
                               ckd_registry_get_do_not_disturb (self->registry));
  if (r >= 0)
    r = ckd_bus_close_properties_changed (m);
  if (r < 0)
    {
      g_warning ("cannot tell whether do not disturb is on: %s", g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  ckd_bus_send (self, m);
}

/* ---- CallController ------------------------------------------------- */

static int
request_transaction (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GVariant) actions_variant = NULL;
  g_autoptr (GError) error = NULL;
  CkdTransaction *transaction = NULL;
  GPtrArray *actions;

  if (!ckd_bus_read_dicts (m, "action", &actions_variant))
    return 0;
  actions = ckd_session_parse_actions (actions_variant, &error);
  if (actions != NULL)
    transaction = ckd_session_request_transaction (self->session, caller, actions, NULL, NULL,
                                                   NULL, &error);
  if (transaction == NULL)
    return ckd_bus_reply_gerror (m, error);
  return sd_bus_reply_method_return (m, "s", transaction->id);
}

static int
method_request_transaction (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return ckd_bus_with_caller (userdata, m, request_transaction);
}

static const sd_bus_vtable controller_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("RequestTransaction", SD_BUS_ARGS ("aa{sv}", actions),
                           SD_BUS_RESULT ("s", transaction), method_request_transaction,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_SIGNAL_WITH_ARGS ("TransactionCompleted",
                           SD_BUS_ARGS ("s", transaction, "aa{sv}", outcomes), 0),
  SD_BUS_VTABLE_END,
};

static int
append_outcome (sd_bus_message *m, const CkdAction *action)
{
  return sd_bus_message_append (m, "a{sv}", 5, "action", "s", action->id, "type", "s",
                                ckd_action_type_to_string (action->type), "call", "s",
                                action->call_uuid, "result", "s",
                                ckd_outcome_to_string (action->outcome), "reason", "s",
                                action->reason ? action->reason : "");
}

static void
on_transaction_completed (CkdBus *self, CkdTransaction *transaction)
{
  sd_bus_message *m = NULL;
  int r;

  if (transaction->requester == NULL)
    return;
  r = ckd_bus_new_signal (self, &m, transaction->requester, CKD_OBJECT_ROOT,
                          CKD_CALL_CONTROLLER_INTERFACE, "TransactionCompleted");
  if (r >= 0)
    r = sd_bus_message_append (m, "s", transaction->id);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'a', "a{sv}");
  for (guint i = 0; r >= 0 && i < transaction->actions->len; i++)
    r = append_outcome (m, g_ptr_array_index (transaction->actions, i));
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r < 0)
    {
      g_warning ("cannot tell the outcome of %s: %s", transaction->id, g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  ckd_bus_send (self, m);
}

/* ---- set-up --------------------------------------------------------- */

const sd_bus_vtable *
ckd_bus_root_manager_vtable (void)
{
  return manager_vtable;
}

const sd_bus_vtable *
ckd_bus_root_controller_vtable (void)
{
  return controller_vtable;
}

int
ckd_bus_root_init (CkdBus *self)
{
  sd_bus_slot *slot = NULL;
  int r;

  r = sd_bus_add_object_vtable (self->bus, &slot, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE,
                                manager_vtable, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  r = sd_bus_add_object_vtable (self->bus, &slot, CKD_OBJECT_ROOT, CKD_CALL_CONTROLLER_INTERFACE,
                                controller_vtable, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  r = sd_bus_add_object_manager (self->bus, &slot, CKD_OBJECT_ROOT);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  g_signal_connect_swapped (self->registry, "capabilities-changed",
                   G_CALLBACK (on_capabilities_changed), self);
  g_signal_connect_swapped (self->registry, "do-not-disturb-changed",
                            G_CALLBACK (on_do_not_disturb_changed), self);
  g_signal_connect_swapped (self->session, "transaction-completed",
                   G_CALLBACK (on_transaction_completed), self);
  return 0;
}
