/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-bus-private.h"
#include "ckd-error.h"
#include "ckd-sdbus-gvariant.h"

/* Calls at call/<uuid with _ for ->: one fallback vtable finds them in the
 * registry, and their properties are read from the model when asked. No
 * object per call. A call that ended (or never was) answers
 * UnknownCallUUID on every method and property. */

static char *
uuid_from_path (const char *path)
{
  const char *node;

  if (path == NULL || !g_str_has_prefix (path, CKD_CALLS_PATH "/"))
    return NULL;
  node = path + strlen (CKD_CALLS_PATH "/");
  if (*node == '\0' || strchr (node, '/') != NULL)
    return NULL;
  return g_strdelimit (g_strdup (node), "_", '-');
}

CkdCall *
ckd_bus_call_from_path (CkdBus *self, const char *path)
{
  g_autofree char *uuid = uuid_from_path (path);

  return uuid != NULL ? ckd_registry_lookup_call (self->registry, uuid) : NULL;
}

static void
set_unknown_call_error (const char *path, GError **error)
{
  g_autofree char *uuid = uuid_from_path (path);
  g_autofree char *shown = ckd_shorten (uuid);

  g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_UUID,
               "no live call has UUID %s: it has ended or never existed", shown);
}

/* ---- methods: one-action transactions ------------------------------- */

/* Answers the Call method that made @transaction: the first action that
 * did not succeed decides (an implicit hold of another call, or the
 * method's own action). */
static void
method_transaction_done (CkdTransaction *transaction, gpointer user_data)
{
  sd_bus_message *m = user_data;
  CkdAction *action = ckd_transaction_first_unsuccessful (transaction);
  const char *type = action != NULL ? ckd_action_type_to_string (action->type) : "";
  int r;

  if (action == NULL)
    r = sd_bus_reply_method_return (m, NULL);
  else if (action->outcome == CKD_OUTCOME_TIMED_OUT)
    r = ckd_bus_reply_error (m, CKD_ERROR_ACTION_TIMED_OUT, "the provider did not answer %s in time",
                             type);
  else
    r = ckd_bus_reply_error (m, CKD_ERROR_ACTION_FAILED, "%s failed: %s", type,
                             action->reason && *action->reason ? action->reason
                                                               : "no reason given");
  if (r < 0)
    g_debug ("cannot answer %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
}

static void
message_unref (gpointer m)
{
  sd_bus_message_unref (m);
}

/* Runs @action as a transaction of its own and answers @m with its
 * outcome. Who may act on the call is checked by the transaction's
 * validation, like for RequestTransaction. Takes @action. */
static int
request_one (CkdBus *self, sd_bus_message *m, CkdCaller *caller, CkdAction *action)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (actions, action);
  if (ckd_registry_lookup_call (self->registry, action->call_uuid) == NULL)
    set_unknown_call_error (sd_bus_message_get_path (m), &error);
  else
    ckd_session_request_transaction (self->session, caller, g_steal_pointer (&actions),
                                     method_transaction_done, sd_bus_message_ref (m),
                                     message_unref, &error);
  if (error != NULL)
    return ckd_bus_reply_gerror (m, error);
  return 0;
}

static CkdAction *
new_action (sd_bus_message *m, CkdActionType type)
{
  g_autofree char *uuid = uuid_from_path (sd_bus_message_get_path (m));

  return ckd_action_new (type, uuid != NULL ? uuid : "");
}

static int
answer (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return request_one (self, m, caller, new_action (m, CKD_ACTION_ANSWER_CALL));
}

static int
end (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  return request_one (self, m, caller, new_action (m, CKD_ACTION_END_CALL));
}

static int
set_held (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  CkdAction *action;
  int on_hold;
  int r = sd_bus_message_read (m, "b", &on_hold);

  if (r < 0)
    return r;
  action = new_action (m, CKD_ACTION_SET_HELD);
  action->on_hold = on_hold;
  return request_one (self, m, caller, action);
}

static int
set_muted (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  CkdAction *action;
  int muted;
  int r = sd_bus_message_read (m, "b", &muted);

  if (r < 0)
    return r;
  action = new_action (m, CKD_ACTION_SET_MUTED);
  action->muted = muted;
  return request_one (self, m, caller, action);
}

static int
play_dtmf (CkdBus *self, sd_bus_message *m, CkdCaller *caller)
{
  g_autoptr (GError) error = NULL;
  const char *digits;
  CkdAction *action;
  int r = sd_bus_message_read (m, "s", &digits);

  if (r < 0)
    return r;
  if (!ckd_dtmf_digits_validate (digits, &error))
    return ckd_bus_reply_gerror (m, error);
  action = new_action (m, CKD_ACTION_PLAY_DTMF);
  action->digits = g_ascii_strup (digits, -1);
  action->dtmf_type = CKD_DTMF_SINGLE_TONE;
  return request_one (self, m, caller, action);
}

#define METHOD(name)                                                                   \
  static int method_##name (sd_bus_message *m, void *userdata, sd_bus_error *ret_error) \
  {                                                                                    \
    return ckd_bus_with_caller (userdata, m, name);                                    \
  }
METHOD (answer)
METHOD (end)
METHOD (set_held)
METHOD (set_muted)
METHOD (play_dtmf)
#undef METHOD

/* ---- properties, in the order of the XML and of CkdCallChanges ------ */

static int
append_uuid (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append_basic (m, 's', call->uuid);
}

static int
append_provider (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append_basic (m, 'o', call->provider->object_path);
}

static int
append_remote_handle (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append (m, "(ss)", ckd_handle_type_to_string (call->remote_handle.type),
                                call->remote_handle.value ? call->remote_handle.value : "");
}

static int
append_localized_caller_name (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append_basic (
    m, 's', call->localized_caller_name ? call->localized_caller_name : "");
}

static int
append_boolean (sd_bus_message *m, gboolean value)
{
  int b = !!value;

  return sd_bus_message_append_basic (m, 'b', &b);
}

static int
append_time (sd_bus_message *m, gint64 value)
{
  int64_t x = value;

  return sd_bus_message_append_basic (m, 'x', &x);
}

#define BOOLEAN_PROPERTY(fn, expr)                                 \
  static int append_##fn (sd_bus_message *m, gconstpointer object) \
  {                                                                \
    const CkdCall *call = object;                                  \
    return append_boolean (m, (expr));                             \
  }
BOOLEAN_PROPERTY (is_outgoing, call->outgoing)
BOOLEAN_PROPERTY (is_on_hold, ckd_call_is_on_hold (call))
BOOLEAN_PROPERTY (is_muted, call->muted)
BOOLEAN_PROPERTY (has_connected, ckd_call_has_connected (call))
BOOLEAN_PROPERTY (has_ended, call->state == CKD_CALL_STATE_ENDED)
BOOLEAN_PROPERTY (has_video, call->has_video)
BOOLEAN_PROPERTY (supports_holding, call->supports_holding)
BOOLEAN_PROPERTY (supports_grouping, call->supports_grouping)
BOOLEAN_PROPERTY (supports_ungrouping, call->supports_ungrouping)
BOOLEAN_PROPERTY (supports_dtmf, call->supports_dtmf)
#undef BOOLEAN_PROPERTY

static int
append_state (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append_basic (m, 's', ckd_call_state_to_string (call->state));
}

static int
append_group (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append_basic (m, 's', call->group ? call->group : "");
}

static int
append_connected_at (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return append_time (m, call->connected_at);
}

static int
append_ended_at (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return append_time (m, call->ended_at);
}

static int
append_ended_reason (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;

  return sd_bus_message_append_basic (m, 's', ckd_ended_reason_to_string (call->ended_reason));
}

static int
append_identity (sd_bus_message *m, gconstpointer object)
{
  const CkdCall *call = object;
  g_autoptr (GVariant) identity = g_variant_ref_sink (ckd_identity_to_variant (&call->identity));

  return ckd_sdbus_append_gvariant (m, identity);
}

static const CkdBusProperty properties[CKD_CALL_N_PROPERTIES] = {
  { "UUID", "s", append_uuid },
  { "Provider", "o", append_provider },
  { "RemoteHandle", "(ss)", append_remote_handle },
  { "LocalizedCallerName", "s", append_localized_caller_name },
  { "IsOutgoing", "b", append_is_outgoing },
  { "IsOnHold", "b", append_is_on_hold },
  { "IsMuted", "b", append_is_muted },
  { "HasConnected", "b", append_has_connected },
  { "HasEnded", "b", append_has_ended },
  { "HasVideo", "b", append_has_video },
  { "State", "s", append_state },
  { "Group", "s", append_group },
  { "SupportsHolding", "b", append_supports_holding },
  { "SupportsGrouping", "b", append_supports_grouping },
  { "SupportsUngrouping", "b", append_supports_ungrouping },
  { "SupportsDTMF", "b", append_supports_dtmf },
  { "ConnectedAt", "x", append_connected_at },
  { "EndedAt", "x", append_ended_at },
  { "EndedReason", "s", append_ended_reason },
  { "Identity", "a{sv}", append_identity },
};

static int
get_property (sd_bus *bus, const char *path, const char *interface, const char *property,
              sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdCall *call = ckd_bus_call_from_path (userdata, path);

  /* Another app's call is, to a sandboxed app, a call that is not. */
  if (call == NULL || !ckd_bus_reader_may_see (userdata, call->provider))
    {
      g_autoptr (GError) error = NULL;

      set_unknown_call_error (path, &error);
      return ckd_bus_set_gerror (ret_error, error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (properties); i++)
    if (g_str_equal (properties[i].name, property))
      return properties[i].append (reply, call);
  return -ENOENT;
}

#define CALL_PROPERTY(name, signature)                                                 \
  SD_BUS_PROPERTY (name, signature, get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define CONST_PROPERTY(name, signature)                                                \
  SD_BUS_PROPERTY (name, signature, get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST)

static const sd_bus_vtable call_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("Answer", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_answer,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("End", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_end,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("SetHeld", SD_BUS_ARGS ("b", on_hold), SD_BUS_NO_RESULT,
                           method_set_held, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("SetMuted", SD_BUS_ARGS ("b", muted), SD_BUS_NO_RESULT,
                           method_set_muted, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("PlayDTMF", SD_BUS_ARGS ("s", digits), SD_BUS_NO_RESULT,
                           method_play_dtmf, SD_BUS_VTABLE_UNPRIVILEGED),
  CONST_PROPERTY ("UUID", "s"),
  CONST_PROPERTY ("Provider", "o"),
  CALL_PROPERTY ("RemoteHandle", "(ss)"),
  CALL_PROPERTY ("LocalizedCallerName", "s"),
  CONST_PROPERTY ("IsOutgoing", "b"),
  CALL_PROPERTY ("IsOnHold", "b"),
  CALL_PROPERTY ("IsMuted", "b"),
  CALL_PROPERTY ("HasConnected", "b"),
  CALL_PROPERTY ("HasEnded", "b"),
  CALL_PROPERTY ("HasVideo", "b"),
  CALL_PROPERTY ("State", "s"),
  CALL_PROPERTY ("Group", "s"),
  CALL_PROPERTY ("SupportsHolding", "b"),
  CALL_PROPERTY ("SupportsGrouping", "b"),
  CALL_PROPERTY ("SupportsUngrouping", "b"),
  CALL_PROPERTY ("SupportsDTMF", "b"),
  CALL_PROPERTY ("ConnectedAt", "x"),
  CALL_PROPERTY ("EndedAt", "x"),
  CALL_PROPERTY ("EndedReason", "s"),
  CALL_PROPERTY ("Identity", "a{sv}"),
  SD_BUS_VTABLE_END,
};

const sd_bus_vtable *
ckd_bus_call_vtable (void)
{
  return call_vtable;
}

/* ---- objects appearing, changing, leaving --------------------------- */

static int
append_properties (sd_bus_message *m, const CkdCall *call, guint32 mask)
{
  return ckd_bus_append_properties (m, properties, G_N_ELEMENTS (properties), call, mask);
}

int
ckd_bus_call_build_added (CkdBus *self, const CkdCall *call, sd_bus_message **ret)
{
  g_autofree char *path = ckd_call_path_for_uuid (call->uuid);
  int r;

  r = ckd_bus_open_interfaces_added (self, ret, path, CKD_CALL_INTERFACE);
  if (r >= 0)
    r = append_properties (*ret, call, CKD_CALL_CHANGED_PROPERTIES);
  if (r >= 0)
    r = ckd_bus_close_interfaces_added (*ret);
  return r;
}

int
ckd_bus_call_build_changed (CkdBus *self, const CkdCall *call, guint changes,
                            sd_bus_message **ret)
{
  g_autofree char *path = ckd_call_path_for_uuid (call->uuid);
  int r;

  r = ckd_bus_new_signal (self, ret, NULL, path, "org.freedesktop.DBus.Properties",
                          "PropertiesChanged");
  if (r >= 0)
    r = sd_bus_message_append_basic (*ret, 's', CKD_CALL_INTERFACE);
  if (r >= 0)
    r = append_properties (*ret, call, changes);
  if (r >= 0)
    r = sd_bus_message_append (*ret, "as", 0);
  return r;
}

static void
on_call_added (CkdBus *self, CkdCall *call)
{
  ckd_bus_send_call_signal (self, call, 0);
}

static void
on_call_changed (CkdBus *self, CkdCall *call, guint changes)
{
  changes &= CKD_CALL_CHANGED_PROPERTIES;
  if (changes != 0)
    ckd_bus_send_call_signal (self, call, changes);
}

static void
on_call_removed (CkdBus *self, CkdCall *call)
{
  g_autofree char *path = ckd_call_path_for_uuid (call->uuid);
  sd_bus_message *m = NULL;
  int r;

  ckd_bus_freeze_call (self, call);
  r = ckd_bus_new_interfaces_removed (self, &m, path, CKD_CALL_INTERFACE);
  if (r < 0)
    {
      g_warning ("cannot send InterfacesRemoved: %s", g_strerror (-r));
      sd_bus_message_unref (m);
      return;
    }
  ckd_bus_send_about (self, m, call->provider);
}

/* ---- set-up --------------------------------------------------------- */

static int
find_call (sd_bus *bus, const char *path, const char *interface, void *userdata,
           void **ret_found, sd_bus_error *ret_error)
{
  g_autofree char *uuid = uuid_from_path (path);

  /* Any call/<node>: an ended call answers with our own error. */
  if (uuid == NULL)
    return 0;
  *ret_found = userdata;
  return 1;
}

static int
enumerate_calls (sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
                 sd_bus_error *ret_error)
{
  CkdBus *self = userdata;
  GHashTable *calls = ckd_registry_get_calls (self->registry);
  char **nodes = g_new0 (char *, g_hash_table_size (calls) + 1);
  GHashTableIter iter;
  CkdCall *call;
  guint n = 0;

  g_hash_table_iter_init (&iter, calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (ckd_bus_reader_may_see (self, call->provider))
      nodes[n++] = ckd_call_path_for_uuid (call->uuid);
  /* sd-bus frees the nodes with free(), which g_free() is. */
  *ret_nodes = nodes;
  return 0;
}

int
ckd_bus_call_init (CkdBus *self)
{
  sd_bus_slot *slot = NULL;
  int r;

  r = sd_bus_add_fallback_vtable (self->bus, &slot, CKD_CALLS_PATH, CKD_CALL_INTERFACE,
                                  call_vtable, find_call, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  r = sd_bus_add_node_enumerator (self->bus, &slot, CKD_CALLS_PATH, enumerate_calls, self);
  if (r < 0)
    return r;
  g_ptr_array_add (self->slots, slot);
  g_signal_connect_swapped (self->registry, "call-added", G_CALLBACK (on_call_added), self);
  g_signal_connect_swapped (self->registry, "call-changed", G_CALLBACK (on_call_changed), self);
  g_signal_connect_swapped (self->registry, "call-removed", G_CALLBACK (on_call_removed), self);
  return 0;
}
