/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* Runs an sd-bus connection on the GLib main loop: a GSource on its file
 * descriptor and timeout, whose dispatch lets sd-bus read, dispatch and
 * write. One loop and no thread for the whole daemon.
 *
 * Each dispatch handles a bounded number of messages before it lets the
 * main loop run other sources (timers, PipeWire, file monitors), so a
 * flood on the bus does not starve them.
 *
 * @closed runs once when the connection is gone. */
GSource *ckd_sdbus_source_new (sd_bus *bus, GSourceFunc closed, gpointer user_data);

G_END_DECLS
