/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "ckd-session.h"

G_BEGIN_DECLS

/* Do not disturb: while it is on, an incoming call neither rings nor
 * shows; the session's filter chain refuses its report with
 * FilteredByDoNotDisturb and keeps it as a missed call in the history.
 *
 * It is on when any of these says so: the user's switch (written through
 * Manager.DoNotDisturb, kept across restarts in the state directory),
 * [DoNotDisturb] enabled= of callkitd.conf, and, unless follow-desktop=
 * is false, the desktop's own: GNOME's org.gnome.desktop.notifications
 * show-banners turned off, or the notification server's Inhibited
 * property (KDE Plasma's and swaync's extension of the spec) true.
 *
 * Exceptions, each a setting: handles on the allow list; a repeated call
 * (the same handle again within repeated-call-window-seconds, as phones
 * let an urgent caller through); identified contacts, through the check
 * that caller identification installs (ckd_do_not_disturb_set_contact_check()).
 * The state goes to the registry, where the bus front end serves it. */
typedef struct _CkdDoNotDisturb CkdDoNotDisturb;

/* Whether @call comes from one of the user's contacts. */
typedef gboolean (*CkdDoNotDisturbContactCheck) (const CkdCall *call, gpointer user_data);

/* @bus: the session bus connection, to follow the notification server
 * (NULL: no server is followed); @state_dir: where the user's switch is
 * kept. */
CkdDoNotDisturb *ckd_do_not_disturb_new (CkdSession *session, sd_bus *bus, const char *state_dir);
void ckd_do_not_disturb_free (CkdDoNotDisturb *self);

/* Installs (or, with NULL, removes) the contact check of the
 * allow-contacts= exception. Without one, that exception lets no call
 * through. */
void ckd_do_not_disturb_set_contact_check (CkdDoNotDisturb *self,
                                           CkdDoNotDisturbContactCheck check,
                                           gpointer user_data);

/* Pure parts, for the unit tests. */

/* Whether @handle is one of @allow_list: exactly, or, for a phone
 * number, with the same '+' and digits (spaces, dashes, dots and
 * brackets between them do not count). */
gboolean ckd_do_not_disturb_allow_list_has (const char *const *allow_list,
                                            const CkdHandle *handle);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdDoNotDisturb, ckd_do_not_disturb_free)

G_END_DECLS
