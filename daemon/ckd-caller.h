/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ckd-context.h"

G_BEGIN_DECLS

/* Who is on the other end of a method call: the bus tells us the uid and
 * pid, /proc tells us whether it is a Flatpak sandbox. Looked up once per
 * connection and forgotten when it leaves the bus, which is also when its
 * providers go. */
typedef struct
{
  char *name; /* unique bus name */
  guint32 uid;
  guint32 pid;
  gboolean sandboxed;
  char *app_id; /* Flatpak app id, when sandboxed */
  guint n_providers;
  guint watch_id;
  CkdContext *ctx;
} CkdCaller;

/* The one place that identifies callers, called first by every method
 * handler. Fails with Unentitled for a caller
 * of another user, or when the bus cannot say who it is. */
CkdCaller *ckd_caller_lookup (CkdContext *ctx, const char *sender, GError **error);
void ckd_caller_free (CkdCaller *caller);

/* The one rule of who may act on a provider's calls: its owner; other
 * unsandboxed clients of the user; sandboxed clients of the same app. */
gboolean ckd_caller_may_act (CkdCaller *caller, CkdProvider *provider, GError **error);

/* Only the owner may use a provider's own methods. */
gboolean ckd_caller_is_owner (CkdCaller *caller, CkdProvider *provider, GError **error);

G_END_DECLS
