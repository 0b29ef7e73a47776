/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-missed-call.h"
#include "ckd-provider.h"

CkdMissedCall *
ckd_missed_call_new_empty (void)
{
  return g_new0 (CkdMissedCall, 1);
}

CkdMissedCall *
ckd_missed_call_new (const CkdCall *call)
{
  CkdMissedCall *missed = ckd_missed_call_new_empty ();
  const CkdProviderConfig *config = &call->provider->config;
  const char *app_id = ckd_provider_application_id (call->provider);

  missed->uuid = g_strdup (call->uuid);
  missed->caller_name = g_strdup (call->localized_caller_name);
  ckd_handle_copy (&missed->handle, &call->remote_handle);
  missed->video = call->has_video;
  missed->provider_path = g_strdup (call->provider->object_path);
  missed->provider_name = g_strdup (ckd_provider_display_name (call->provider));
  missed->icon = g_strdup (config->icon_name != NULL && *config->icon_name != '\0'
                             ? config->icon_name
                             : "call-start");
  missed->desktop_entry = g_strdup (config->desktop_entry);
  missed->app_id = *app_id != '\0' ? g_strdup (app_id) : NULL;
  missed->at = call->ended_at != 0 ? call->ended_at : g_get_real_time ();
  return missed;
}

CkdMissedCall *
ckd_missed_call_copy (const CkdMissedCall *missed)
{
  CkdMissedCall *copy = ckd_missed_call_new_empty ();

  copy->uuid = g_strdup (missed->uuid);
  copy->caller_name = g_strdup (missed->caller_name);
  ckd_handle_copy (&copy->handle, &missed->handle);
  copy->video = missed->video;
  copy->provider_path = g_strdup (missed->provider_path);
  copy->provider_name = g_strdup (missed->provider_name);
  copy->icon = g_strdup (missed->icon != NULL ? missed->icon : "call-start");
  copy->desktop_entry = g_strdup (missed->desktop_entry);
  copy->app_id = g_strdup (missed->app_id);
  copy->filtered = g_strdup (missed->filtered);
  copy->at = missed->at;
  return copy;
}

void
ckd_missed_call_free (CkdMissedCall *missed)
{
  if (missed == NULL)
    return;
  g_free (missed->uuid);
  g_free (missed->caller_name);
  ckd_handle_clear (&missed->handle);
  g_free (missed->provider_path);
  g_free (missed->provider_name);
  g_free (missed->icon);
  g_free (missed->desktop_entry);
  g_free (missed->app_id);
  g_free (missed->filtered);
  g_free (missed);
}
