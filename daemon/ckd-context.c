/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-call-controller.h"
#include "ckd-call-skeleton.h"
#include "ckd-caller.h"
#include "ckd-context.h"
#include "ckd-dispatch.h"
#include "ckd-limits.h"
#include "ckd-manager.h"
#include "ckd-provider-skeleton.h"

CkdContext *
ckd_context_new (const CkdSettings *settings)
{
  CkdContext *ctx = g_new0 (CkdContext, 1);

  ctx->settings = *settings;
  ctx->providers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) ckd_provider_free);
  ctx->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) ckd_call_free);
  ctx->transactions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) ckd_transaction_free);
  ctx->actions = g_hash_table_new (g_str_hash, g_str_equal);
  ctx->callers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) ckd_caller_free);
  ctx->ended_uuids = ckd_recent_set_new (CKD_REMEMBERED_ENDED_CALLS);
  return ctx;
}

/* Runs in GDBus's worker thread, and only reads the message. See
 * ckd_context_unexport_object(): the InterfacesRemoved with no interface
 * that GDBusObjectManagerServer emits for an emptied object goes to
 * callkitd itself instead of to everyone. It cannot simply be dropped: GLib
 * never counts a dropped message as written, and the flush at exit would
 * wait for it forever. */
static GDBusMessage *
redirect_empty_interfaces_removed (GDBusConnection *connection, GDBusMessage *message,
                                   gboolean incoming, gpointer user_data)
{
  GVariant *body;
  g_autoptr (GVariant) interfaces = NULL;
  GDBusMessage *redirected;

  if (incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_SIGNAL
      || g_dbus_message_get_destination (message) != NULL
      || g_strcmp0 (g_dbus_message_get_member (message), "InterfacesRemoved") != 0
      || g_strcmp0 (g_dbus_message_get_path (message), CKD_OBJECT_ROOT) != 0)
    return message;
  body = g_dbus_message_get_body (message);
  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(oas)")))
    return message;
  interfaces = g_variant_get_child_value (body, 1);
  if (g_variant_n_children (interfaces) > 0)
    return message;
  /* The copy keeps the serial and is not locked. */
  redirected = g_dbus_message_copy (message, NULL);
  if (redirected == NULL)
    return message;
  g_dbus_message_set_destination (redirected, g_dbus_connection_get_unique_name (connection));
  g_object_unref (message);
  return redirected;
}

void
ckd_context_unexport_object (CkdContext *ctx, const char *path)
{
  g_autoptr (GDBusObject) object =
    g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (ctx->object_manager), path);
  GList *interfaces;

  if (object == NULL)
    return;
  /* Removing an interface unregisters it first and then emits
   * InterfacesRemoved; unexporting the object does it the other way
   * round, and a method call that a client sends the moment it sees the
   * signal can be routed to the object and then answered with GDBus's
   * bare UnknownMethod instead of our own error. */
  interfaces = g_dbus_object_get_interfaces (object);
  for (GList *l = interfaces; l != NULL; l = l->next)
    g_dbus_object_skeleton_remove_interface (G_DBUS_OBJECT_SKELETON (object),
                                             G_DBUS_INTERFACE_SKELETON (l->data));
  g_list_free_full (interfaces, g_object_unref);
  /* This emits an InterfacesRemoved with no interface, which the filter
   * installed by ckd_context_export() sends back to callkitd alone. */
  g_dbus_object_manager_server_unexport (ctx->object_manager, path);
}

gboolean
ckd_context_export (CkdContext *ctx, GDBusConnection *connection, GError **error)
{
  g_auto (GStrv) settings_paths = ckd_user_settings_paths ();

  ctx->user_settings = ckd_settings_monitor_new ((const char *const *) settings_paths);
  ctx->connection = g_object_ref (connection);
  ctx->filter_id = g_dbus_connection_add_filter (connection, redirect_empty_interfaces_removed,
                                                 NULL, NULL);
  ctx->object_manager = g_dbus_object_manager_server_new (CKD_OBJECT_ROOT);
  g_dbus_object_manager_server_set_connection (ctx->object_manager, connection);

  /* The object manager exports only objects below the root; the root's
   * own interfaces are exported beside it. */
  ctx->manager = ckd_manager_new (ctx);
  ctx->call_controller = ckd_call_controller_new (ctx);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (ctx->manager), connection,
                                         CKD_OBJECT_ROOT, error)
      || !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (ctx->call_controller),
                                            connection, CKD_OBJECT_ROOT, error))
    return FALSE;
  ctx->notifier = ckd_notifier_new (ctx, connection);
  ctx->pipewire = ckd_pipewire_new ();
  ctx->audio_policy = ckd_audio_policy_new (ctx, ctx->pipewire);
  ctx->ringer = ckd_ringer_new (ctx, ctx->settings.no_ringtone ? NULL : ctx->pipewire);
  ctx->ended_calls_id = ckd_call_skeleton_register_ended_calls (ctx, connection, error);
  return ctx->ended_calls_id != 0;
}

void
ckd_context_free (CkdContext *ctx)
{
  GHashTableIter iter;
  CkdProvider *provider;
  CkdCall *call;

  if (ctx == NULL)
    return;
  ctx->stopping = TRUE;
  g_clear_pointer (&ctx->notifier, ckd_notifier_free);
  g_clear_pointer (&ctx->ringer, ckd_ringer_free);
  g_clear_pointer (&ctx->audio_policy, ckd_audio_policy_free);
  g_clear_object (&ctx->pipewire);
  g_clear_handle_id (&ctx->ringing_timer_id, g_source_remove);

  /* Pending actions fail, so that Call methods waiting on them get an
   * answer; providers learn they must register again when callkitd is
   * back. */
  g_hash_table_iter_init (&iter, ctx->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    {
      ckd_dispatch_cancel_provider_actions (ctx, provider, "daemon-stopping");
      if (ctx->connection != NULL)
        ckd_context_emit_to (ctx, provider->owner, provider->object_path,
                             CKD_INTERFACE_PREFIX "Provider", "DidReset",
                             g_variant_new ("(s)", "daemon-stopping"));
    }

  g_hash_table_iter_init (&iter, ctx->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      ckd_call_skeleton_unexport (ctx, call);
      ckd_provider_remove_call (call->provider, call);
    }
  g_hash_table_destroy (ctx->calls);
  g_hash_table_destroy (ctx->transactions);
  g_hash_table_destroy (ctx->actions);

  g_hash_table_iter_init (&iter, ctx->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    g_clear_object ((CkdProviderSkeleton **) &provider->skeleton);
  g_hash_table_destroy (ctx->providers);
  g_hash_table_destroy (ctx->callers);
  ckd_recent_set_free (ctx->ended_uuids);

  if (ctx->manager != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (ctx->manager));
  if (ctx->call_controller != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (ctx->call_controller));
  if (ctx->ended_calls_id != 0)
    g_dbus_connection_unregister_subtree (ctx->connection, ctx->ended_calls_id);
  g_clear_object (&ctx->manager);
  g_clear_object (&ctx->call_controller);
  g_clear_object (&ctx->object_manager);
  g_clear_object (&ctx->user_settings);
  if (ctx->connection != NULL)
    {
      g_dbus_connection_flush_sync (ctx->connection, NULL, NULL);
      g_dbus_connection_remove_filter (ctx->connection, ctx->filter_id);
    }
  g_clear_object (&ctx->connection);
  g_free (ctx);
}

void
ckd_context_emit_to (CkdContext *ctx, const char *destination, const char *object_path,
                     const char *interface_name, const char *signal_name, GVariant *parameters)
{
  g_autoptr (GError) error = NULL;

  if (!g_dbus_connection_emit_signal (ctx->connection, destination, object_path, interface_name,
                                      signal_name, parameters, &error))
    g_debug ("cannot send %s to %s: %s", signal_name, destination, error->message);
}

CkdCall *
ckd_context_lookup_call (CkdContext *ctx, const char *uuid)
{
  return g_hash_table_lookup (ctx->calls, uuid);
}

CkdProvider *
ckd_context_lookup_provider (CkdContext *ctx, const char *object_path)
{
  return g_hash_table_lookup (ctx->providers, object_path);
}
