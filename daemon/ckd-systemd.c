/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <systemd/sd-daemon.h>

#include "ckd-systemd.h"

void
ckd_systemd_notify_ready (void)
{
  sd_notify (0, "READY=1\nSTATUS=Serving calls on the session bus");
}

void
ckd_systemd_notify_stopping (void)
{
  sd_notify (0, "STOPPING=1");
}

static gboolean
ping_watchdog (gpointer user_data)
{
  sd_notify (0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

guint
ckd_systemd_start_watchdog (void)
{
  uint64_t usec = 0;

  if (sd_watchdog_enabled (0, &usec) <= 0 || usec == 0)
    return 0;
  /* Half the interval, as sd_watchdog_enabled(3) recommends; the main
   * loop running the ping is what proves callkitd is alive. */
  return g_timeout_add (MAX (usec / 2 / 1000, 1), ping_watchdog, NULL);
}
