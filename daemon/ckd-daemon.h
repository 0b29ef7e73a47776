/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-settings.h"

G_BEGIN_DECLS

/* callkitd as a whole: builds the registry, the session and every front
 * end on one bus connection and one main loop, owns the bus name, and
 * tears it all down in order. */
typedef struct _CkdDaemon CkdDaemon;

/* callkitd must stop with @exit_status: the name was lost or never
 * acquired, or the bus went away. */
typedef void (*CkdDaemonStopFunc) (int exit_status, gpointer user_data);

/* Connects to the session bus, serves the API and asks for the name
 * (@replace: take it from a running callkitd). */
CkdDaemon *ckd_daemon_new (const CkdOptions *options, gboolean replace, CkdDaemonStopFunc stop,
                           gpointer user_data, GError **error);
/* Tells providers callkitd is going away (while the name is still ours,
 * so that the signals reach them) and frees everything. */
void ckd_daemon_free (CkdDaemon *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdDaemon, ckd_daemon_free)

G_END_DECLS
