/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <unistd.h>

#include "ckd-caller.h"
#include "ckd-error.h"

CkdCaller *
ckd_caller_new (const char *name, guint32 uid, guint32 pid, gboolean sandboxed,
                const char *app_id)
{
  CkdCaller *caller = g_new0 (CkdCaller, 1);

  caller->name = g_strdup (name);
  caller->uid = uid;
  caller->pid = pid;
  caller->sandboxed = sandboxed;
  caller->app_id = g_strdup (app_id);
  return caller;
}

void
ckd_caller_free (CkdCaller *caller)
{
  if (caller == NULL)
    return;
  g_free (caller->name);
  g_free (caller->app_id);
  g_free (caller);
}

gboolean
ckd_caller_is_owner (const CkdCaller *caller, const CkdProvider *provider, GError **error)
{
  if (g_strcmp0 (caller->name, provider->owner) == 0)
    return TRUE;
  g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
               "only the connection that registered %s (%s) may do this", provider->object_path,
               provider->owner);
  return FALSE;
}

gboolean
ckd_caller_may_act (const CkdCaller *caller, const CkdProvider *provider, GError **error)
{
  if (g_strcmp0 (caller->name, provider->owner) == 0)
    return TRUE;
  if (caller->uid != getuid ())
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED, "user %u may not act on calls here",
                   caller->uid);
      return FALSE;
    }
  if (caller->sandboxed
      && (caller->app_id == NULL || *caller->app_id == '\0'
          || g_strcmp0 (caller->app_id, provider->app_id) != 0))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                   "the sandboxed app %s may act only on its own calls, not on calls of %s",
                   caller->app_id ? caller->app_id : "(unknown)",
                   ckd_provider_display_name (provider));
      return FALSE;
    }
  return TRUE;
}

gboolean
ckd_caller_may_see_app (const CkdCaller *caller, const char *app_id)
{
  if (caller->uid != getuid ())
    return FALSE;
  if (!caller->sandboxed)
    return TRUE;
  return caller->app_id != NULL && *caller->app_id != '\0'
         && g_strcmp0 (caller->app_id, app_id) == 0;
}

gboolean
ckd_caller_may_see_owned (const CkdCaller *caller, const char *owner, const char *app_id)
{
  if (g_strcmp0 (caller->name, owner) == 0)
    return TRUE;
  return ckd_caller_may_see_app (caller, app_id);
}

gboolean
ckd_caller_may_see_provider (const CkdCaller *caller, const CkdProvider *provider)
{
  /* provider->app_id is the Flatpak app id of a sandboxed owner alone: an
   * unsandboxed provider's desktop_entry names no app a sandbox may
   * claim. */
  return ckd_caller_may_see_owned (caller, provider->owner,
                                   provider->sandboxed ? provider->app_id : NULL);
}

gboolean
ckd_caller_app_scope (const CkdCaller *caller, const char *requested, char **ret_app_id,
                      GError **error)
{
  gboolean given = requested != NULL && *requested != '\0';

  if (given && !g_application_id_is_valid (requested))
    {
      g_autofree char *shown = ckd_shorten (requested);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "'%s' is not an app id (expected a reverse-DNS name such as "
                   "org.example.Phone)",
                   shown);
      return FALSE;
    }
  if (!caller->sandboxed)
    {
      *ret_app_id = given ? g_strdup (requested) : NULL;
      return TRUE;
    }
  if (caller->app_id == NULL || *caller->app_id == '\0')
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                           "the sandboxed caller's app is not known: it sees no app's data");
      return FALSE;
    }
  if (given && !g_str_equal (requested, caller->app_id))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                   "the sandboxed app %s may see only its own data, not %s's", caller->app_id,
                   requested);
      return FALSE;
    }
  *ret_app_id = g_strdup (caller->app_id);
  return TRUE;
}
