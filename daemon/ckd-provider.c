/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-provider.h"

CkdProvider *
ckd_provider_new (guint id, const char *owner, const char *app_id, CkdProviderConfig *config,
                  guint incoming_reports_per_second)
{
  CkdProvider *provider = g_new0 (CkdProvider, 1);

  provider->id = id;
  provider->object_path = g_strdup_printf (CKD_PROVIDER_PATH_PREFIX "%u", id);
  provider->owner = g_strdup (owner);
  provider->app_id = g_strdup (app_id);
  provider->config = *config;
  memset (config, 0, sizeof *config);
  provider->calls = g_ptr_array_new ();
  /* Twice the rate as burst: a few calls at once (a group call invite)
   * are normal, a sustained flood is not. */
  ckd_rate_limit_init (&provider->incoming_reports, incoming_reports_per_second,
                       2 * incoming_reports_per_second);
  return provider;
}

void
ckd_provider_free (CkdProvider *provider)
{
  if (provider == NULL)
    return;
  g_warn_if_fail (provider->calls->len == 0);
  g_free (provider->object_path);
  g_free (provider->owner);
  g_free (provider->app_id);
  g_strfreev (provider->audio_calls);
  ckd_provider_config_clear (&provider->config);
  g_ptr_array_unref (provider->calls);
  g_free (provider);
}

const char *
ckd_provider_display_name (const CkdProvider *provider)
{
  if (provider->config.localized_name != NULL && *provider->config.localized_name != '\0')
    return provider->config.localized_name;
  if (*ckd_provider_application_id (provider) != '\0')
    return ckd_provider_application_id (provider);
  return "Unknown app";
}

const char *
ckd_provider_application_id (const CkdProvider *provider)
{
  if (provider->app_id != NULL && *provider->app_id != '\0')
    return provider->app_id;
  if (provider->sandboxed)
    return "";
  if (provider->config.desktop_entry != NULL)
    return provider->config.desktop_entry;
  return "";
}

void
ckd_provider_add_call (CkdProvider *provider, CkdCall *call)
{
  g_ptr_array_add (provider->calls, call);
}

void
ckd_provider_remove_call (CkdProvider *provider, CkdCall *call)
{
  g_ptr_array_remove_fast (provider->calls, call);
}

guint
ckd_provider_id_from_path (const char *path)
{
  static const char prefix[] = CKD_PROVIDER_PATH_PREFIX;
  guint64 id;
  char *end;

  if (path == NULL || !g_str_has_prefix (path, prefix))
    return 0;
  path += sizeof prefix - 1;
  /* Only the canonical spelling: "007" is not provider 7. */
  if (!g_ascii_isdigit (*path) || (*path == '0'))
    return 0;
  id = g_ascii_strtoull (path, &end, 10);
  if (*end != '\0' || id > G_MAXUINT)
    return 0;
  return (guint) id;
}

gboolean
ckd_provider_awaits_owner (const CkdProvider *provider)
{
  return provider->reclaim_deadline != 0;
}

gboolean
ckd_provider_is_same_app (const CkdProvider *provider, const char *app_id, gboolean sandboxed,
                          const CkdProviderConfig *config)
{
  if (provider->sandboxed != sandboxed
      || g_strcmp0 (provider->config.localized_name, config->localized_name) != 0)
    return FALSE;
  /* A sandboxed app cannot name itself: only its Flatpak app id counts,
   * and one that is unknown matches nothing. */
  if (sandboxed)
    return app_id != NULL && *app_id != '\0' && g_strcmp0 (provider->app_id, app_id) == 0;
  return g_strcmp0 (provider->config.desktop_entry, config->desktop_entry) == 0;
}
