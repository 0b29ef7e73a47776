/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "ckd-peers.h"
#include "ckd-session.h"

G_BEGIN_DECLS

/* VoIP wake-up pushes with PushKit's contract: the PushRegistry interface
 * at the root (ckd-push-service.c), the registrations of apps and their
 * tokens, kept across restarts (ckd-push-store.c), the rules applied to
 * every push (ckd-push.c decides, ckd-push-registry.c keeps the state:
 * duplicates, report deadlines, violations and throttling), waking an app
 * by D-Bus activation (ckd-push-wakeup.c), and UnifiedPush as the
 * transport (ckd-unifiedpush.c, ckd-push-envelope.c).
 *
 * It follows the registry to see the calls apps report (the duty a push
 * gave them) and their live calls, and calls the session for what a push
 * makes of a call that never rang (a missed call) and for what a
 * developer should see (a violation). */
typedef struct _CkdPushRegistry CkdPushRegistry;

/* Serves the interface on @bus; @state_dir holds the registrations
 * ($XDG_STATE_HOME/callkitd). */
CkdPushRegistry *ckd_push_registry_new (sd_bus *bus, CkdPeers *peers, CkdSession *session,
                                        const char *state_dir, GError **error);
void ckd_push_registry_free (CkdPushRegistry *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdPushRegistry, ckd_push_registry_free)

G_END_DECLS
