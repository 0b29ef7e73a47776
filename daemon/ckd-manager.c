/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-caller.h"
#include "ckd-limits.h"
#include "ckd-manager.h"
#include "ckd-session.h"

static gboolean
handle_register_provider (CkdDbusManager *manager, GDBusMethodInvocation *invocation,
                          GVariant *configuration, gpointer user_data)
{
  CkdContext *ctx = user_data;
  g_autoptr (GError) error = NULL;
  CkdProvider *provider;
  CkdCaller *owner;

  owner = ckd_caller_lookup (ctx, g_dbus_method_invocation_get_sender (invocation), &error);
  provider = owner ? ckd_session_register_provider (ctx, owner, configuration, &error) : NULL;
  if (provider == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  ckd_dbus_manager_complete_register_provider (manager, invocation, provider->object_path);
  /* After the reply, as CXProvider's providerDidBegin follows its creation. */
  ckd_context_emit_to (ctx, provider->owner, provider->object_path,
                       CKD_INTERFACE_PREFIX "Provider", "DidBegin", NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_silence_ringing (CkdDbusManager *manager, GDBusMethodInvocation *invocation,
                        gpointer user_data)
{
  CkdContext *ctx = user_data;
  g_autoptr (GError) error = NULL;
  guint n;

  if (ckd_caller_lookup (ctx, g_dbus_method_invocation_get_sender (invocation), &error) == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  n = ctx->ringer != NULL ? ckd_ringer_silence (ctx->ringer, NULL) : 0;
  g_info ("%s silenced %u ringing calls", g_dbus_method_invocation_get_sender (invocation), n);
  ckd_dbus_manager_complete_silence_ringing (manager, invocation, n);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
build_limits (CkdContext *ctx)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&builder, "{sv}", key, g_variant_new_uint32 (value))
  ADD ("providers_per_connection", CKD_MAX_PROVIDERS_PER_CONNECTION);
  ADD ("calls_per_provider", CKD_MAX_CALLS_PER_PROVIDER);
  ADD ("actions_per_transaction", CKD_MAX_ACTIONS_PER_TRANSACTION);
  ADD ("pending_actions_per_provider", CKD_MAX_PENDING_ACTIONS_PER_PROVIDER);
  ADD ("string_length", CKD_MAX_STRING_LENGTH);
  ADD ("path_length", CKD_MAX_PATH_LENGTH);
  ADD ("dtmf_digits_length", CKD_MAX_DTMF_DIGITS);
  ADD ("incoming_reports_per_second", ctx->settings.incoming_reports_per_second);
  ADD ("ringing_timeout_ms", ctx->settings.ringing_timeout_ms);
#undef ADD
  return g_variant_builder_end (&builder);
}

CkdDbusManager *
ckd_manager_new (CkdContext *ctx)
{
  CkdDbusManager *manager = ckd_dbus_manager_skeleton_new ();
  static const char *const no_capabilities[] = { NULL };

  ckd_dbus_manager_set_version (manager, PACKAGE_VERSION);
  ckd_dbus_manager_set_capabilities (manager, no_capabilities);
  ckd_dbus_manager_set_limits (manager, build_limits (ctx));
  g_signal_connect (manager, "handle-register-provider", G_CALLBACK (handle_register_provider),
                    ctx);
  g_signal_connect (manager, "handle-silence-ringing", G_CALLBACK (handle_silence_ringing), ctx);
  return manager;
}

void
ckd_manager_set_capability (CkdDbusManager *manager, const char *name, gboolean on)
{
  const char *const *now = ckd_dbus_manager_get_capabilities (manager);
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) caps = NULL;

  if ((now != NULL && g_strv_contains (now, name)) == on)
    return;
  builder = g_strv_builder_new ();
  for (guint i = 0; now != NULL && now[i] != NULL; i++)
    if (!g_str_equal (now[i], name))
      g_strv_builder_add (builder, now[i]);
  if (on)
    g_strv_builder_add (builder, name);
  caps = g_strv_builder_end (builder);
  ckd_dbus_manager_set_capabilities (manager, (const char *const *) caps);
}
