/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "ckd-caller.h"
#include "ckd-history-db.h"
#include "ckd-session.h"

G_BEGIN_DECLS

/* The call history (recents): every call that ends, of a provider whose
 * configuration has includes_calls_in_recents, becomes an entry, kept in
 * $XDG_DATA_HOME/callkitd/history.sqlite ([History] in callkitd.conf: keep,
 * max-entries, max-age-days). An entry is stored when its call ends, before
 * the end is announced on the bus (the registry's "call-ended"), so that a
 * kill of callkitd at any instant loses no entry of a call whose end anyone
 * saw. A call missed before it was ever reported (the session's
 * "missed-call": its push came too late) becomes an entry too. With
 * keep=false the entries live in memory until callkitd stops: missed calls
 * are still shown and can be called back.
 *
 * The front ends that show it (the bus's History, the missed-call
 * notifications) read it here and follow its signals:
 * - "entry-added" (const CkdHistoryEntry *): an entry was stored and its
 *   call has left the registry;
 * - "changed": entries changed otherwise (seen, deleted, cleared, dropped
 *   for their age or number, or another database taken into use).
 *
 * A request names its caller (NULL: callkitd itself, as the desktop's
 * notifications), whose app scope (ckd_caller_app_scope()) bounds what it
 * sees and changes. */

#define CKD_TYPE_HISTORY (ckd_history_get_type ())
G_DECLARE_FINAL_TYPE (CkdHistory, ckd_history, CKD, HISTORY, GObject)

/* Follows @session's registry and settings; @path is the database (NULL:
 * the default under $XDG_DATA_HOME). */
CkdHistory *ckd_history_new (CkdSession *session, const char *path);

/* GetEntries: @filter is its a{sv} (since, before, limit, missed_only,
 * app_id, handle). Returns CkdHistoryEntry *, newest first. */
GPtrArray *ckd_history_get_entries (CkdHistory *self, const CkdCaller *caller, GVariant *filter,
                                    GError **error);
/* The entry @id as @caller sees it; UnknownEntry when there is none. */
CkdHistoryEntry *ckd_history_lookup (CkdHistory *self, const CkdCaller *caller, const char *id,
                                     GError **error);
/* The missed calls not seen yet of @app_id (NULL: of every app). */
guint ckd_history_get_missed_count (CkdHistory *self, const char *app_id);
/* The @limit newest missed calls not seen yet, CkdHistoryEntry *. */
GPtrArray *ckd_history_get_unseen_missed (CkdHistory *self, guint limit);
/* MarkSeen: the entries @ids (none: every missed call @caller may see). */
gboolean ckd_history_mark_seen (CkdHistory *self, const CkdCaller *caller,
                                const char *const *ids, GError **error);
/* DeleteEntries. Ids of no entry (any more) are skipped. */
gboolean ckd_history_delete_entries (CkdHistory *self, const CkdCaller *caller,
                                     const char *const *ids, GError **error);
/* Clear: every entry @filter selects (GetEntries' keys but limit). */
gboolean ckd_history_clear (CkdHistory *self, const CkdCaller *caller, GVariant *filter,
                            GError **error);

/* CallBack (ckd-history-call-back.c): a start-call to the entry's handle
 * through a live provider of its app (holding or ending the active call
 * in the same transaction, as answering does), requested as @caller; the
 * entry is seen from then on. Returns the transaction id; "" when no
 * provider of the app was live and the app was started through its
 * desktop entry with the handle as a tel: or sip: URI instead (it places
 * the call itself). Fails with UnknownEntry, InvalidAction (an unknown
 * caller), CannotStartApp (no live provider and no way to start the app),
 * or the errors of RequestTransaction. */
char *ckd_history_call_back (CkdHistory *self, const CkdCaller *caller, const char *id,
                             GError **error);

/* The session the history calls back through (ckd-history-call-back.c). */
CkdSession *ckd_history_get_session (CkdHistory *self);
/* Parses an entry id of the API ("17"); InvalidArgument naming it. */
gboolean ckd_history_parse_id (const char *id, gint64 *ret, GError **error);

G_END_DECLS
