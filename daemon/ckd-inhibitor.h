/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-registry.h"

G_BEGIN_DECLS

/* Keeps the machine awake during a call: while any call is dialing,
 * connecting, active or held, callkitd holds two logind inhibitors on the
 * system bus, "idle" in mode block (no screen blanking, no idle action)
 * and "sleep" in mode delay (a suspend the user asks for waits the few
 * seconds logind allows, so that the call can be ended cleanly rather than
 * cut). "who" is the app of a call that needs them (another app's once
 * that one has no such call left), "why" says a call is in progress. logind drops an inhibitor when its file descriptor closes:
 * they go the moment the last such call ends, and with callkitd however it
 * stops. Without a system bus or logind nothing is held, the journal says
 * why, and the "inhibit" capability is off. */
typedef struct _CkdInhibitor CkdInhibitor;

CkdInhibitor *ckd_inhibitor_new (CkdRegistry *registry);
void ckd_inhibitor_free (CkdInhibitor *self);

/* Whether a call in @state keeps the machine awake. */
gboolean ckd_inhibitor_state_needs_inhibit (CkdCallState state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdInhibitor, ckd_inhibitor_free)

G_END_DECLS
