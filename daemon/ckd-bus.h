/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "ckd-peers.h"
#include "ckd-session.h"

G_BEGIN_DECLS

/* The D-Bus API (the XML files of dbus-interfaces/) served with sd-bus vtables: the
 * Manager and the CallController at the root beside the ObjectManager, a
 * provider at provider/N and a call at call/<uuid> found through one
 * fallback vtable each, their properties read from the registry when
 * asked. It subscribes to the registry (objects appearing, changing and
 * leaving) and to the session (signals to one provider or requester), and
 * calls the session for every method. */
typedef struct _CkdBus CkdBus;

/* Serves the API on @bus (not yet the well-known name: the daemon asks for
 * it once this returned); @peers tells who calls. */
CkdBus *ckd_bus_new (sd_bus *bus, CkdPeers *peers, CkdSession *session, GError **error);
void ckd_bus_free (CkdBus *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdBus, ckd_bus_free)

G_END_DECLS
