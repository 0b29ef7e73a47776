/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-provider.h"

G_BEGIN_DECLS

/* Who is on the other end of a request, as the bus front end found out
 * (ckd-bus-identity.c): the connection's unique name, its uid and pid, and
 * whether it runs in a Flatpak sandbox. Pure data: the rules below decide
 * with it, whatever front end the request came through. */
typedef struct
{
  char *name; /* unique bus name */
  guint32 uid;
  guint32 pid;
  gboolean sandboxed;
  char *app_id;      /* Flatpak app id when sandboxed; NULL if it could not be read */
  guint n_providers; /* registered by this connection */
} CkdCaller;

CkdCaller *ckd_caller_new (const char *name, guint32 uid, guint32 pid, gboolean sandboxed,
                           const char *app_id);
void ckd_caller_free (CkdCaller *caller);

/* The one rule of who may act on a provider's calls: its owner; other
 * unsandboxed clients of the user; sandboxed clients of the same app. */
gboolean ckd_caller_may_act (const CkdCaller *caller, const CkdProvider *provider,
                             GError **error);

/* Who may see what (read privacy). An unsandboxed client of the user
 * sees every app's calls, providers and data; a sandboxed one only its own
 * app's (none when its app id is unknown), and the providers it registered
 * itself. One rule for every route a client can read by: methods,
 * properties, the ObjectManager, introspection and signals. */

/* Whether @caller may see the data of the app @app_id (history entries,
 * push registrations, directory lists...): NULL or "" is no app, which
 * only unsandboxed callers see. */
gboolean ckd_caller_may_see_app (const CkdCaller *caller, const char *app_id);

/* Whether @caller may see a provider registered by the connection @owner
 * for the sandboxed app @app_id (NULL: not sandboxed, or unknown), and its
 * calls. For signals built while the provider may be gone. */
gboolean ckd_caller_may_see_owned (const CkdCaller *caller, const char *owner,
                                   const char *app_id);

/* Whether @caller may see @provider and its calls. */
gboolean ckd_caller_may_see_provider (const CkdCaller *caller, const CkdProvider *provider);

/* Only the owner may use a provider's own methods. */
gboolean ckd_caller_is_owner (const CkdCaller *caller, const CkdProvider *provider,
                              GError **error);

/* Whose data (history entries, pushes, directory lists) a request may see
 * and change, by app id: a sandboxed caller its own app's alone
 * (@requested, when given, must be its own app id: Unentitled otherwise,
 * and when its app id is unknown); any other caller of the user any app's,
 * or the one it names in @requested (a reverse-DNS id as a desktop file is
 * named: InvalidArgument when malformed). @requested NULL or "": not
 * given. *@ret_app_id is the app id, or NULL for every app. */
gboolean ckd_caller_app_scope (const CkdCaller *caller, const char *requested,
                               char **ret_app_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdCaller, ckd_caller_free)

G_END_DECLS
