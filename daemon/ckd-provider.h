/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-call.h"
#include "ckd-provider-config.h"
#include "ckd-rate-limit.h"

G_BEGIN_DECLS

/* CXProvider as callkitd models it: the app's configuration and its live
 * calls. Pure data, no D-Bus. Owned by the registry. */
struct _CkdProvider
{
  guint id;
  char *object_path;
  char *owner;  /* unique bus name of the registering connection */
  char *app_id; /* Flatpak app id of the owner, or NULL */
  gboolean sandboxed; /* the owner runs in a sandbox (whether its app id is known or not) */
  guint32 owner_pid; /* the owner's process, for the audio policy; 0 if unknown */
  CkdProviderConfig config;
  GPtrArray *calls; /* CkdCall *, live, not owned */
  guint n_pending_actions;
  CkdRateLimit incoming_reports;
  gboolean audio_session_active;
  char **audio_calls; /* UUIDs of its calls holding the audio session, or NULL */
  /* Restored after a crash of callkitd (owner ""), waiting for its app to
   * register it again until this monotonic time; 0 otherwise. */
  gint64 reclaim_deadline;
};

/* Takes over @config. */
CkdProvider *ckd_provider_new (guint id, const char *owner, const char *app_id,
                               CkdProviderConfig *config, guint incoming_reports_per_second);
/* The id of the provider at @path (provider/N below the object root), or
 * 0 when @path is no provider path. */
guint ckd_provider_id_from_path (const char *path);
void ckd_provider_free (CkdProvider *provider);

/* The name to show the user: the configured name, else the app id. */
const char *ckd_provider_display_name (const CkdProvider *provider);

/* The application id other code (entitlement, notifications) goes by: the
 * Flatpak app id, else (unsandboxed owners only: a sandboxed app cannot
 * name itself) the configured desktop entry, else "". */
const char *ckd_provider_application_id (const CkdProvider *provider);

/* Whether @provider was restored after a crash and has no owner yet. */
gboolean ckd_provider_awaits_owner (const CkdProvider *provider);
/* Whether a provider registered by a caller with @app_id (Flatpak, or
 * NULL), @sandboxed, and @config is the app of @provider: the same
 * sandboxed app id, or for unsandboxed apps the same desktop entry, and
 * the same localized name (an app may have several providers). */
gboolean ckd_provider_is_same_app (const CkdProvider *provider, const char *app_id,
                                   gboolean sandboxed, const CkdProviderConfig *config);

void ckd_provider_add_call (CkdProvider *provider, CkdCall *call);
void ckd_provider_remove_call (CkdProvider *provider, CkdCall *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdProvider, ckd_provider_free)

G_END_DECLS
