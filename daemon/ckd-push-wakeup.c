/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-push-registry-private.h"

/* Waking an app that is not running: the bus starts its bus_name (its
 * D-Bus activation file, or the systemd unit that file names), and the
 * app registers once it runs; its queued pushes go to it then. The bus
 * answers StartServiceByName once the name is owned, or with an error
 * (no such service, it failed to start); either way the queued pushes
 * wait for a registration until their own timeout, so a start that
 * fails costs them as much as one that never comes back: counted as
 * missed. */

static int
on_started (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdPushApp *app = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  guint32 result = 0;

  app->start_slot = sd_bus_slot_unref (app->start_slot);
  if (error != NULL)
    {
      g_message ("cannot start %s for a push: %s", app->bus_name, error->message);
      return 0;
    }
  if (sd_bus_message_read (reply, "u", &result) >= 0)
    g_debug ("%s %s for a push", app->bus_name,
             result == 1 ? "started" : "was running (it has not registered)");
  return 0;
}

void
ckd_push_wakeup_start (CkdPushRegistry *self, CkdPushApp *app)
{
  int r;

  if (app->starting)
    return;
  app->starting = TRUE;
  g_info ("starting %s (%s) for a push", app->bus_name, app->app_id);
  app->start_slot = sd_bus_slot_unref (app->start_slot);
  r = sd_bus_call_method_async (self->bus, &app->start_slot, "org.freedesktop.DBus",
                                "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                "StartServiceByName", on_started, app, "su", app->bus_name, 0);
  if (r < 0)
    g_message ("cannot start %s for a push: %s", app->bus_name, g_strerror (-r));
}
