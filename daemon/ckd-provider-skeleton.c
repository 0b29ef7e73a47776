/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-caller.h"
#include "ckd-dispatch.h"
#include "ckd-error.h"
#include "ckd-provider-skeleton.h"
#include "ckd-session.h"

struct _CkdProviderSkeleton
{
  CkdDbusProviderSkeleton parent_instance;
  CkdContext *ctx;
  CkdProvider *provider; /* NULL once the provider is gone */
};

static void ckd_provider_skeleton_iface_init (CkdDbusProviderIface *iface);

G_DEFINE_TYPE_WITH_CODE (CkdProviderSkeleton, ckd_provider_skeleton,
                         CKD_DBUS_TYPE_PROVIDER_SKELETON,
                         G_IMPLEMENT_INTERFACE (CKD_DBUS_TYPE_PROVIDER,
                                                ckd_provider_skeleton_iface_init))

static gboolean
check_caller (CkdProviderSkeleton *self, const char *sender, const char *member, GError **error)
{
  CkdCaller *caller = ckd_caller_lookup (self->ctx, sender, error);

  if (caller == NULL)
    return FALSE;
  if (self->provider == NULL)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_UNKNOWN_CALL_PROVIDER,
                           "the provider was removed");
      return FALSE;
    }
  /* Reset is for the desktop and callctl too; the rest is the owner's. */
  if (g_strcmp0 (member, "Reset") == 0)
    return ckd_caller_may_act (caller, self->provider, error);
  return ckd_caller_is_owner (caller, self->provider, error);
}

/* Only the owner may set Configuration, validated like at registration.
 * Property writes never reach the method handlers, so the check is here. */
static gboolean
set_property_checked (GDBusConnection *connection, const char *sender, const char *object_path,
                      const char *interface_name, const char *property_name, GVariant *value,
                      GError **error, gpointer user_data)
{
  CkdProviderSkeleton *self = CKD_PROVIDER_SKELETON (user_data);

  if (!g_str_equal (property_name, "Configuration"))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY,
                   "%s is read-only", property_name);
      return FALSE;
    }
  if (!check_caller (self, sender, NULL, error))
    return FALSE;
  return ckd_session_set_configuration (self->ctx, self->provider, value, error);
}

static GDBusInterfaceVTable *
ckd_provider_skeleton_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable;
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      GDBusInterfaceSkeletonClass *parent_class =
        G_DBUS_INTERFACE_SKELETON_CLASS (ckd_provider_skeleton_parent_class);
      vtable = *parent_class->get_vtable (skeleton);
      vtable.set_property = set_property_checked;
      g_once_init_leave (&initialized, 1);
    }
  return &vtable;
}

#define SELF(object) CKD_PROVIDER_SKELETON (object)

/* Every handler starts here. Not a g-authorize-method handler: GDBus runs
 * those in a worker thread and so would both race with the main loop and
 * reorder a client's calls. */
#define AUTHORIZE(object, invocation)                                                       \
  G_STMT_START                                                                              \
  {                                                                                         \
    GError *auth_error = NULL;                                                              \
    if (!check_caller (SELF (object), g_dbus_method_invocation_get_sender (invocation),     \
                       g_dbus_method_invocation_get_method_name (invocation), &auth_error)) \
      return finish (invocation, FALSE, auth_error);                                        \
  }                                                                                         \
  G_STMT_END

/* Answers @invocation: success when @ok, else @error. */
static gboolean
finish (GDBusMethodInvocation *invocation, gboolean ok, GError *error)
{
  if (ok)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_gerror (invocation, error);
  g_clear_error (&error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_report_new_incoming_call (CkdDbusProvider *object, GDBusMethodInvocation *invocation,
                                 const char *uuid, GVariant *update)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  CkdCall *call = ckd_session_report_new_incoming_call (SELF (object)->ctx,
                                                        SELF (object)->provider, uuid, update,
                                                        &error);
  /* Before the answer: GDBus routes incoming calls to objects in its
   * worker thread, so a Call.Answer sent the moment the report returns
   * must find the object already registered. */
  if (call != NULL)
    ckd_session_publish_call (SELF (object)->ctx, call);
  return finish (invocation, call != NULL, error);
}

static gboolean
handle_report_call_updated (CkdDbusProvider *object, GDBusMethodInvocation *invocation,
                            const char *call, GVariant *update)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  gboolean ok = ckd_session_report_call_updated (SELF (object)->ctx, SELF (object)->provider, call,
                                                 update, &error);
  return finish (invocation, ok, error);
}

static gboolean
handle_report_call_ended (CkdDbusProvider *object, GDBusMethodInvocation *invocation,
                          const char *uuid, const char *reason_name, gint64 ended_at)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  CkdEndedReason reason;
  CkdCall *call = ckd_session_check_call_ended (SELF (object)->ctx, SELF (object)->provider, uuid,
                                                reason_name, ended_at, &reason, &error);
  finish (invocation, call != NULL, error);
  if (call != NULL)
    ckd_session_end_call (SELF (object)->ctx, call, reason, ended_at);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_report_outgoing_call_started_connecting (CkdDbusProvider *object,
                                                GDBusMethodInvocation *invocation,
                                                const char *call, gint64 at)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  gboolean ok = ckd_session_report_outgoing_started_connecting (
    SELF (object)->ctx, SELF (object)->provider, call, at, &error);
  return finish (invocation, ok, error);
}

static gboolean
handle_report_outgoing_call_connected (CkdDbusProvider *object,
                                       GDBusMethodInvocation *invocation, const char *call,
                                       gint64 at)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  gboolean ok = ckd_session_report_outgoing_connected (SELF (object)->ctx, SELF (object)->provider,
                                                       call, at, &error);
  return finish (invocation, ok, error);
}

static gboolean
handle_fulfill_action (CkdDbusProvider *object, GDBusMethodInvocation *invocation,
                       const char *action, GVariant *result)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  gboolean ok = ckd_dispatch_fulfill (SELF (object)->ctx, SELF (object)->provider, action, result,
                                      &error);
  return finish (invocation, ok, error);
}

static gboolean
handle_fail_action (CkdDbusProvider *object, GDBusMethodInvocation *invocation,
                    const char *action, const char *reason)
{
  AUTHORIZE (object, invocation);
  GError *error = NULL;
  gboolean ok = ckd_dispatch_fail (SELF (object)->ctx, SELF (object)->provider, action, reason,
                                   &error);
  return finish (invocation, ok, error);
}

static gboolean
handle_reset (CkdDbusProvider *object, GDBusMethodInvocation *invocation)
{
  AUTHORIZE (object, invocation);
  ckd_dbus_provider_complete_reset (object, invocation);
  ckd_session_reset_provider (SELF (object)->ctx, SELF (object)->provider, "requested");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_invalidate (CkdDbusProvider *object, GDBusMethodInvocation *invocation)
{
  AUTHORIZE (object, invocation);
  ckd_dbus_provider_complete_invalidate (object, invocation);
  ckd_session_remove_provider (SELF (object)->ctx, SELF (object)->provider, "provider-gone");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
ckd_provider_skeleton_iface_init (CkdDbusProviderIface *iface)
{
  iface->handle_report_new_incoming_call = handle_report_new_incoming_call;
  iface->handle_report_call_updated = handle_report_call_updated;
  iface->handle_report_call_ended = handle_report_call_ended;
  iface->handle_report_outgoing_call_started_connecting =
    handle_report_outgoing_call_started_connecting;
  iface->handle_report_outgoing_call_connected = handle_report_outgoing_call_connected;
  iface->handle_fulfill_action = handle_fulfill_action;
  iface->handle_fail_action = handle_fail_action;
  iface->handle_reset = handle_reset;
  iface->handle_invalidate = handle_invalidate;
}

static void
ckd_provider_skeleton_class_init (CkdProviderSkeletonClass *klass)
{
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS (klass);

  skeleton_class->get_vtable = ckd_provider_skeleton_get_vtable;
}

static void
ckd_provider_skeleton_init (CkdProviderSkeleton *self)
{
}

void
ckd_provider_skeleton_sync (CkdProvider *provider)
{
  CkdDbusProvider *iface = provider->skeleton;

  if (iface == NULL)
    return;
  ckd_dbus_provider_set_configuration (iface, ckd_provider_config_to_variant (&provider->config));
  ckd_dbus_provider_set_audio_session_active (iface, provider->audio_session_active);
  ckd_dbus_provider_set_owner (iface, provider->owner);
  ckd_dbus_provider_set_application_id (iface, ckd_provider_application_id (provider));
}

void
ckd_provider_skeleton_export (CkdContext *ctx, CkdProvider *provider)
{
  g_autoptr (CkdDbusObjectSkeleton) object = ckd_dbus_object_skeleton_new (provider->object_path);
  CkdProviderSkeleton *skeleton = g_object_new (CKD_TYPE_PROVIDER_SKELETON, NULL);

  skeleton->ctx = ctx;
  skeleton->provider = provider;
  provider->skeleton = skeleton;
  ckd_provider_skeleton_sync (provider);
  ckd_dbus_object_skeleton_set_provider (object, CKD_DBUS_PROVIDER (skeleton));
  g_dbus_object_manager_server_export (ctx->object_manager, G_DBUS_OBJECT_SKELETON (object));
}

void
ckd_provider_skeleton_unexport (CkdContext *ctx, CkdProvider *provider)
{
  g_autoptr (CkdProviderSkeleton) skeleton =
    g_steal_pointer ((CkdProviderSkeleton **) &provider->skeleton);

  if (skeleton == NULL)
    return;
  /* A method call may already be queued for it. */
  skeleton->provider = NULL;
  ckd_context_unexport_object (ctx, provider->object_path);
}
