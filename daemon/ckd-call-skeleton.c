/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-call-skeleton.h"
#include "ckd-caller.h"
#include "ckd-dispatch.h"
#include "ckd-error.h"

struct _CkdCallSkeleton
{
  CkdDbusCallSkeleton parent_instance;
  CkdContext *ctx;
  CkdCall *call; /* NULL once unexported */
};

static void ckd_call_skeleton_iface_init (CkdDbusCallIface *iface);

/* Re-implementing the generated interface puts our handlers in its vtable:
 * no per-call signal connections, which matters with thousands of calls. */
G_DEFINE_TYPE_WITH_CODE (CkdCallSkeleton, ckd_call_skeleton, CKD_DBUS_TYPE_CALL_SKELETON,
                         G_IMPLEMENT_INTERFACE (CKD_DBUS_TYPE_CALL, ckd_call_skeleton_iface_init))

/* Answers the Call method that made @transaction; takes over the
 * invocation the handler was given. */
static void
method_transaction_done (CkdTransaction *transaction, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  CkdAction *action = g_ptr_array_index (transaction->actions, 0);

  switch (action->outcome)
    {
    case CKD_OUTCOME_FULFILLED:
      g_dbus_method_invocation_return_value (invocation, NULL);
      break;
    case CKD_OUTCOME_TIMED_OUT:
      g_dbus_method_invocation_return_error (invocation, CKD_ERROR,
                                             CKD_ERROR_ACTION_TIMED_OUT,
                                             "the provider did not answer %s in time",
                                             ckd_action_type_to_string (action->type));
      break;
    case CKD_OUTCOME_FAILED:
    case CKD_OUTCOME_PENDING:
    default:
      g_dbus_method_invocation_return_error (invocation, CKD_ERROR,
                                             CKD_ERROR_ACTION_FAILED, "%s failed: %s",
                                             ckd_action_type_to_string (action->type),
                                             action->reason && *action->reason ? action->reason
                                                                               : "no reason given");
      break;
    }
}

/* Runs @action as a transaction of its own and answers @invocation with
 * its outcome. Who may act on the call is checked by the transaction's
 * validation, like for RequestTransaction. */
static gboolean
request_one (CkdCallSkeleton *self, GDBusMethodInvocation *invocation, CkdAction *action)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GError) error = NULL;
  CkdCaller *caller;

  g_ptr_array_add (actions, action);
  caller = ckd_caller_lookup (self->ctx, g_dbus_method_invocation_get_sender (invocation), &error);
  if (caller == NULL
      || ckd_dispatch_request (self->ctx, caller, g_steal_pointer (&actions),
                               method_transaction_done, invocation, NULL, &error)
           == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static CkdAction *
new_action (CkdDbusCall *object, CkdActionType type)
{
  return ckd_action_new (type, ckd_dbus_call_get_uuid (object));
}

static gboolean
handle_answer (CkdDbusCall *object, GDBusMethodInvocation *invocation)
{
  return request_one (CKD_CALL_SKELETON (object), invocation,
                      new_action (object, CKD_ACTION_ANSWER_CALL));
}

static gboolean
handle_end (CkdDbusCall *object, GDBusMethodInvocation *invocation)
{
  return request_one (CKD_CALL_SKELETON (object), invocation,
                      new_action (object, CKD_ACTION_END_CALL));
}

static gboolean
handle_set_held (CkdDbusCall *object, GDBusMethodInvocation *invocation, gboolean on_hold)
{
  CkdAction *action = new_action (object, CKD_ACTION_SET_HELD);

  action->on_hold = on_hold;
  return request_one (CKD_CALL_SKELETON (object), invocation, action);
}

static gboolean
handle_set_muted (CkdDbusCall *object, GDBusMethodInvocation *invocation, gboolean muted)
{
  CkdAction *action = new_action (object, CKD_ACTION_SET_MUTED);

  action->muted = muted;
  return request_one (CKD_CALL_SKELETON (object), invocation, action);
}

static gboolean
handle_play_dtmf (CkdDbusCall *object, GDBusMethodInvocation *invocation, const char *digits)
{
  g_autoptr (GError) error = NULL;
  CkdAction *action;

  if (!ckd_dtmf_digits_validate (digits, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  action = new_action (object, CKD_ACTION_PLAY_DTMF);
  action->digits = g_ascii_strup (digits, -1);
  action->dtmf_type = CKD_DTMF_SINGLE_TONE;
  return request_one (CKD_CALL_SKELETON (object), invocation, action);
}

static void
ckd_call_skeleton_iface_init (CkdDbusCallIface *iface)
{
  iface->handle_answer = handle_answer;
  iface->handle_end = handle_end;
  iface->handle_set_held = handle_set_held;
  iface->handle_set_muted = handle_set_muted;
  iface->handle_play_dtmf = handle_play_dtmf;
}

static GVariant *
build_handle (const CkdHandle *handle)
{
  return g_variant_new ("(ss)", ckd_handle_type_to_string (handle->type),
                        handle->value ? handle->value : "");
}

/* All properties at once, for InterfacesAdded and GetManagedObjects. The
 * generated version converts every GValue through the type system, which
 * made it the most expensive step of reporting a call; the model has the
 * values at hand. */
static GVariant *
ckd_call_skeleton_get_properties (GDBusInterfaceSkeleton *skeleton)
{
  CkdCallSkeleton *self = CKD_CALL_SKELETON (skeleton);
  const CkdCall *call = self->call;
  GVariantBuilder builder;

  if (call == NULL)
    return G_DBUS_INTERFACE_SKELETON_CLASS (ckd_call_skeleton_parent_class)
      ->get_properties (skeleton);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  /* Entries built directly: the "{sv}" format string is parsed anew on
   * every g_variant_builder_add(), which costs more than the values. */
#define ADD(name, value)                                                             \
  g_variant_builder_add_value (&builder,                                             \
                               g_variant_new_dict_entry (g_variant_new_string (name), \
                                                         g_variant_new_variant (value)))
  ADD ("UUID", g_variant_new_string (call->uuid));
  ADD ("Provider", g_variant_new_object_path (call->provider->object_path));
  ADD ("RemoteHandle", build_handle (&call->remote_handle));
  ADD ("LocalizedCallerName", g_variant_new_string (call->localized_caller_name));
  ADD ("IsOutgoing", g_variant_new_boolean (call->outgoing));
  ADD ("IsOnHold", g_variant_new_boolean (ckd_call_is_on_hold (call)));
  ADD ("IsMuted", g_variant_new_boolean (call->muted));
  ADD ("HasConnected", g_variant_new_boolean (ckd_call_has_connected (call)));
  ADD ("HasEnded", g_variant_new_boolean (call->state == CKD_CALL_STATE_ENDED));
  ADD ("HasVideo", g_variant_new_boolean (call->has_video));
  ADD ("State", g_variant_new_string (ckd_call_state_to_string (call->state)));
  ADD ("Group", g_variant_new_string (call->group ? call->group : ""));
  ADD ("SupportsHolding", g_variant_new_boolean (call->supports_holding));
  ADD ("SupportsGrouping", g_variant_new_boolean (call->supports_grouping));
  ADD ("SupportsUngrouping", g_variant_new_boolean (call->supports_ungrouping));
  ADD ("SupportsDTMF", g_variant_new_boolean (call->supports_dtmf));
  ADD ("ConnectedAt", g_variant_new_int64 (call->connected_at));
  ADD ("EndedAt", g_variant_new_int64 (call->ended_at));
  ADD ("EndedReason", g_variant_new_string (ckd_ended_reason_to_string (call->ended_reason)));
#undef ADD
  return g_variant_builder_end (&builder);
}

static void
ckd_call_skeleton_class_init (CkdCallSkeletonClass *klass)
{
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS (klass);

  skeleton_class->get_properties = ckd_call_skeleton_get_properties;
}

static void
ckd_call_skeleton_init (CkdCallSkeleton *self)
{
}

/* Setting a generated property goes through GObject's property machinery
 * even when the value is unchanged; comparing first keeps a sync of an
 * unchanged call nearly free. An unset string property reads as "" on the
 * bus, so empty strings are never stored: that saves memory per call. */
#define SYNC_STRING(iface, name, value)                                   \
  G_STMT_START                                                            \
  {                                                                       \
    const char *value_ = (value);                                         \
    const char *current_ = ckd_dbus_call_get_##name (iface);              \
    if (g_strcmp0 (current_ ? current_ : "", value_) != 0)                \
      ckd_dbus_call_set_##name (iface, value_);                           \
  }                                                                       \
  G_STMT_END
#define SYNC_BOOLEAN(iface, name, value)                                  \
  G_STMT_START                                                            \
  {                                                                       \
    gboolean value_ = !!(value);                                          \
    if (ckd_dbus_call_get_##name (iface) != value_)                       \
      ckd_dbus_call_set_##name (iface, value_);                           \
  }                                                                       \
  G_STMT_END
#define SYNC_TIME(iface, name, value)                                     \
  G_STMT_START                                                            \
  {                                                                       \
    gint64 value_ = (value);                                              \
    if (ckd_dbus_call_get_##name (iface) != value_)                       \
      ckd_dbus_call_set_##name (iface, value_);                           \
  }                                                                       \
  G_STMT_END

static void
sync_remote_handle (CkdDbusCall *iface, const CkdHandle *handle)
{
  GVariant *current = ckd_dbus_call_get_remote_handle (iface);
  const char *type = ckd_handle_type_to_string (handle->type);
  const char *value = handle->value ? handle->value : "";
  const char *current_type, *current_value;

  if (current != NULL)
    {
      g_variant_get (current, "(&s&s)", &current_type, &current_value);
      if (g_str_equal (type, current_type) && g_str_equal (value, current_value))
        return;
    }
  {
    GVariant *stored = build_handle (handle);

    /* Serialised now, so the skeleton keeps one small buffer per call
     * rather than a tree of three GVariants. */
    g_variant_get_data (stored);
    ckd_dbus_call_set_remote_handle (iface, stored);
  }
}

void
ckd_call_skeleton_sync (CkdCall *call)
{
  CkdDbusCall *iface = call->skeleton;

  if (iface == NULL)
    return;
  SYNC_STRING (iface, uuid, call->uuid);
  SYNC_STRING (iface, provider, call->provider->object_path);
  sync_remote_handle (iface, &call->remote_handle);
  SYNC_STRING (iface, localized_caller_name, call->localized_caller_name);
  SYNC_BOOLEAN (iface, is_outgoing, call->outgoing);
  SYNC_BOOLEAN (iface, is_on_hold, ckd_call_is_on_hold (call));
  SYNC_BOOLEAN (iface, is_muted, call->muted);
  SYNC_BOOLEAN (iface, has_connected, ckd_call_has_connected (call));
  SYNC_BOOLEAN (iface, has_ended, call->state == CKD_CALL_STATE_ENDED);
  SYNC_BOOLEAN (iface, has_video, call->has_video);
  SYNC_STRING (iface, state, ckd_call_state_to_string (call->state));
  SYNC_STRING (iface, group, call->group ? call->group : "");
  SYNC_BOOLEAN (iface, supports_holding, call->supports_holding);
  SYNC_BOOLEAN (iface, supports_grouping, call->supports_grouping);
  SYNC_BOOLEAN (iface, supports_ungrouping, call->supports_ungrouping);
  SYNC_BOOLEAN (iface, supports_dtmf, call->supports_dtmf);
  SYNC_TIME (iface, connected_at, call->connected_at);
  SYNC_TIME (iface, ended_at, call->ended_at);
  SYNC_STRING (iface, ended_reason, ckd_ended_reason_to_string (call->ended_reason));
}

void
ckd_call_skeleton_export (CkdContext *ctx, CkdCall *call)
{
  /* The path is not kept in CkdCall: GDBus keeps it several times over
   * already, and thousands of calls may be live. */
  g_autofree char *path = ckd_call_path_for_uuid (call->uuid);
  g_autoptr (CkdDbusObjectSkeleton) object = ckd_dbus_object_skeleton_new (path);
  CkdCallSkeleton *skeleton = g_object_new (CKD_TYPE_CALL_SKELETON, NULL);

  skeleton->ctx = ctx;
  skeleton->call = call;
  call->skeleton = skeleton;
  /* Filled before export so that InterfacesAdded carries every property
   * and no PropertiesChanged follows it. */
  ckd_call_skeleton_sync (call);
  ckd_dbus_object_skeleton_set_call (object, CKD_DBUS_CALL (skeleton));
  g_dbus_object_manager_server_export (ctx->object_manager, G_DBUS_OBJECT_SKELETON (object));
}

void
ckd_call_skeleton_unexport (CkdContext *ctx, CkdCall *call)
{
  g_autoptr (CkdCallSkeleton) skeleton = g_steal_pointer ((CkdCallSkeleton **) &call->skeleton);
  g_autofree char *path = NULL;

  if (skeleton == NULL)
    return;
  call->skeleton = skeleton;
  ckd_call_skeleton_sync (call);
  call->skeleton = NULL;
  skeleton->call = NULL;
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (skeleton));
  path = g_strdup (g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (skeleton)));
  ckd_context_unexport_object (ctx, path);
}

/* Calls that ended are gone from the bus, and GDBus would answer a late
 * Answer() or Get() on them with a bare UnknownMethod. A subtree under
 * call/ catches those paths and answers UnknownCallUUID instead; live
 * calls are registered objects and never reach it. */

static char **
ended_call_enumerate (GDBusConnection *connection, const char *sender, const char *object_path,
                      gpointer user_data)
{
  CkdContext *ctx = user_data;
  GPtrArray *nodes = g_ptr_array_new ();
  GHashTableIter iter;
  CkdCall *call;

  /* Introspection of call/ is answered here too, so it lists the live
   * calls as GDBus would. */
  g_hash_table_iter_init (&iter, ctx->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (call->skeleton != NULL)
      g_ptr_array_add (nodes, g_strdelimit (g_strdup (call->uuid), "-", '_'));
  g_ptr_array_add (nodes, NULL);
  return (char **) g_ptr_array_free (nodes, FALSE);
}

static GDBusInterfaceInfo **
ended_call_introspect (GDBusConnection *connection, const char *sender, const char *object_path,
                       const char *node, gpointer user_data)
{
  GDBusInterfaceInfo **infos = g_new0 (GDBusInterfaceInfo *, 2);

  if (node != NULL)
    infos[0] = g_dbus_interface_info_ref (ckd_dbus_call_interface_info ());
  return infos;
}

static void
set_unknown_call_error (const char *object_path, GError **error)
{
  g_autofree char *uuid = g_strdelimit (g_strdup (strrchr (object_path, '/') + 1), "_", '-');
  g_autofree char *shown = ckd_shorten (uuid);

  g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_UUID,
               "no live call has UUID %s: it has ended or never existed", shown);
}

static void
ended_call_method (GDBusConnection *connection, const char *sender, const char *object_path,
                   const char *interface_name, const char *method_name, GVariant *parameters,
                   GDBusMethodInvocation *invocation, gpointer user_data)
{
  GError *error = NULL;

  set_unknown_call_error (object_path, &error);
  g_dbus_method_invocation_take_error (invocation, error);
}

static GVariant *
ended_call_get_property (GDBusConnection *connection, const char *sender,
                         const char *object_path, const char *interface_name,
                         const char *property_name, GError **error, gpointer user_data)
{
  set_unknown_call_error (object_path, error);
  return NULL;
}

static const GDBusInterfaceVTable ended_call_vtable = {
  .method_call = ended_call_method,
  .get_property = ended_call_get_property,
};

static const GDBusInterfaceVTable *
ended_call_dispatch (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *node, gpointer *out_user_data,
                     gpointer user_data)
{
  if (node == NULL || g_strcmp0 (interface_name, ckd_dbus_call_interface_info ()->name) != 0)
    return NULL;
  *out_user_data = user_data;
  return &ended_call_vtable;
}

static const GDBusSubtreeVTable ended_call_subtree = {
  .enumerate = ended_call_enumerate,
  .introspect = ended_call_introspect,
  .dispatch = ended_call_dispatch,
};

guint
ckd_call_skeleton_register_ended_calls (CkdContext *ctx, GDBusConnection *connection,
                                        GError **error)
{
  return g_dbus_connection_register_subtree (connection, CKD_OBJECT_ROOT "/call",
                                             &ended_call_subtree,
                                             G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                             ctx, NULL, error);
}
