/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The service manager's side: readiness, watchdog, stopping. All are
 * no-ops when callkitd does not run under systemd. */
void ckd_systemd_notify_ready (void);
void ckd_systemd_notify_stopping (void);
/* Starts pinging the watchdog when the unit has WatchdogSec=. Returns the
 * source id, or 0. */
guint ckd_systemd_start_watchdog (void);

G_END_DECLS
