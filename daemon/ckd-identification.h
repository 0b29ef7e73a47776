/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "ckd-identity.h"
#include "ckd-peers.h"
#include "ckd-session.h"
#include "ckd-types.h"

G_BEGIN_DECLS

/* Caller identification: who an incoming call is from, from every source
 * but the provider's own report (which ckd-call.c keeps), merged into the
 * call's identity by precedence (ckd-identity.h):
 *
 * - the user's own entries: the address books of Evolution Data Server
 *   (ckd-contacts.c), where it runs;
 * - identification lists of apps: a synchronous source that the
 *   CallDirectory sets with ckd_identification_set_list_source();
 * - lookup services that apps register
 *   (CallDirectory.RegisterIdentificationService, ckd-bus-identification.c),
 *   asked in parallel when a call arrives, each answer cached per service
 *   and handle.
 *
 * A new call waits for the lookups at most [Identification] deadline-ms
 * before it rings and shows; answers that come later (within
 * lookup-timeout-ms) update it. A caller that sources of higher precedence
 * already identified for every field a service could add (a contact, in
 * particular) is not sent to any service. */
typedef struct _CkdIdentification CkdIdentification;

/* The identification lists' answer for a handle: @ret_label is the label
 * (owned by the caller once set), @ret_app_id the app whose list gave it.
 * Returns FALSE when no list knows the handle. Must not block. */
typedef gboolean (*CkdIdentificationListSource) (CkdHandleType type, const char *handle,
                                                 char **ret_label, char **ret_app_id,
                                                 gpointer user_data);

CkdIdentification *ckd_identification_new (sd_bus *bus, CkdPeers *peers, CkdSession *session,
                                           GError **error);
void ckd_identification_free (CkdIdentification *self);

/* Sets (or with NULL, removes) the identification lists' source. */
void ckd_identification_set_list_source (CkdIdentification *self,
                                         CkdIdentificationListSource source,
                                         gpointer user_data);

/* Whether @handle is one of the user's contacts, from the address books
 * as last read: never blocks, FALSE where no address book is there. */
gboolean ckd_identification_is_known_contact (CkdIdentification *self, CkdHandleType type,
                                              const char *handle);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdIdentification, ckd_identification_free)

G_END_DECLS
