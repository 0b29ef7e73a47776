/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "ckd-call.h"
#include "ckd-provider.h"

G_BEGIN_DECLS

/* The providers and live calls of the session, and what works right now
 * (the capabilities), observable. The session (ckd-session.c) changes
 * them; every front end that shows, sends or stores them subscribes to
 * the signals below and reads the model from here, never from another
 * front end.
 *
 * Signals, each with the object it is about (as a pointer, valid during
 * the emission):
 * - "provider-added" (CkdProvider *), "provider-changed" (CkdProvider *,
 *   CkdProviderChanges), "provider-removed" (CkdProvider *): emitted when
 *   the provider can no longer be found, and freed right after;
 * - "call-added" (CkdCall *), "call-changed" (CkdCall *, CkdCallChanges),
 *   "call-removed" (CkdCall *): the call ended (its last change came
 *   before) and can no longer be found; freed right after;
 * - "call-ended" (CkdCall *): the call has ended and its final state is
 *   set, before that state is announced ("call-changed", then
 *   "call-removed" follow). What must keep ended calls (the history)
 *   keeps them here, so that they are kept before any front end tells
 *   anyone that the call ended. Also emitted, alone, for a call that a
 *   filter refused on arrival (call->filter set): it never lived and is
 *   not in the registry;
 * - "capabilities-changed";
 * - "do-not-disturb-changed": whether do not disturb is on changed. */

typedef enum
{
  CKD_PROVIDER_CHANGED_CONFIGURATION = 1u << 0,
  CKD_PROVIDER_CHANGED_AUDIO_SESSION_ACTIVE = 1u << 1,
} CkdProviderChanges;

#define CKD_TYPE_REGISTRY (ckd_registry_get_type ())
G_DECLARE_FINAL_TYPE (CkdRegistry, ckd_registry, CKD, REGISTRY, GObject)

CkdRegistry *ckd_registry_new (void);

/* ---- providers ---- */

/* A new id for the next provider (never reused). */
guint ckd_registry_next_provider_id (CkdRegistry *self);
/* Takes @provider. */
void ckd_registry_add_provider (CkdRegistry *self, CkdProvider *provider);
/* @provider must have no calls left; it is freed. */
void ckd_registry_remove_provider (CkdRegistry *self, CkdProvider *provider);
CkdProvider *ckd_registry_lookup_provider (CkdRegistry *self, guint id);
/* id -> CkdProvider *: iterate, do not change. */
GHashTable *ckd_registry_get_providers (CkdRegistry *self);
void ckd_registry_provider_changed (CkdRegistry *self, CkdProvider *provider,
                                    CkdProviderChanges changes);

/* ---- calls ---- */

/* Takes @call, a call of one of the providers. */
void ckd_registry_add_call (CkdRegistry *self, CkdCall *call);
/* @call has ended: from now on it is found no more, its UUID is refused
 * for new calls (CKD_REMEMBERED_ENDED_CALLS of them are kept), and it is
 * freed after "call-removed". */
void ckd_registry_remove_call (CkdRegistry *self, CkdCall *call);
CkdCall *ckd_registry_lookup_call (CkdRegistry *self, const char *uuid);
/* Whether @uuid is a live call or one that ended recently. */
gboolean ckd_registry_uuid_is_taken (CkdRegistry *self, const char *uuid);
/* Remembers @uuid as taken without a call ever having lived (a call
 * refused on arrival must not be reported again either). */
void ckd_registry_remember_uuid (CkdRegistry *self, const char *uuid);
/* uuid -> CkdCall *, the live calls: iterate, do not change. */
GHashTable *ckd_registry_get_calls (CkdRegistry *self);
guint ckd_registry_get_n_calls (CkdRegistry *self);
void ckd_registry_call_changed (CkdRegistry *self, CkdCall *call, CkdCallChanges changes);
/* "call-ended": @call is in its final state, not yet announced. */
void ckd_registry_call_ended (CkdRegistry *self, CkdCall *call);

/* ---- what works right now ---- */

void ckd_registry_set_capability (CkdRegistry *self, const char *name, gboolean on);
gboolean ckd_registry_has_capability (CkdRegistry *self, const char *name);
/* NULL-terminated, in the order they were turned on. */
const char *const *ckd_registry_get_capabilities (CkdRegistry *self);

/* ---- do not disturb ---- */

/* Whether do not disturb is on, as its front end (ckd-do-not-disturb.c)
 * decides it from the user's switch, the settings and the desktop. */
void ckd_registry_set_do_not_disturb (CkdRegistry *self, gboolean on);
gboolean ckd_registry_get_do_not_disturb (CkdRegistry *self);

G_END_DECLS
