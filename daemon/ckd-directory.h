/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "ckd-peers.h"
#include "ckd-session.h"

G_BEGIN_DECLS

/* The call directory: blocking and identification lists, one of each
 * kind per app and the user's own, kept under $XDG_DATA_HOME/callkitd/
 * directory/ (ckd-directory-file.h), served as CallDirectory at the root
 * (ckd-directory-service.c). Incoming calls whose handle is on a blocking
 * list are kept from the user through the session's incoming-call filter
 * (FilteredByBlockList).
 *
 * Changes are whole-list rewrites: a Replace, an Add, a Remove each write
 * the list's next version beside it and rename it over the old one, in a
 * worker thread, one change of a list at a time, in the order they came;
 * the main loop keeps searching the old version until the new one is on
 * disk, then swaps it in. */

typedef struct _CkdDirectory CkdDirectory;

/* @data_dir: where the lists live ($XDG_DATA_HOME/callkitd). Lists that
 * fail their check are reported (journal, Lists state "corrupt") and not
 * used; callkitd runs on. */
CkdDirectory *ckd_directory_new (sd_bus *bus, CkdPeers *peers, CkdSession *session,
                                 const char *data_dir, GError **error);
void ckd_directory_free (CkdDirectory *self);

/* What the directory says of a handle, for Lookup and for the identity of
 * calls (the merge of issue "caller identification" calls this). */
typedef struct
{
  gboolean blocked;     /* on a blocking list seen */
  GPtrArray *blocked_by; /* char *: app ids of those lists ("" the user's own) */
  char *label;          /* from an identification list, or NULL */
  char *label_app;      /* whose list gave the label ("" the user's own) */
  char *number;         /* the handle as E.164, or NULL when it is not a number */
} CkdDirectoryMatch;

void ckd_directory_match_clear (CkdDirectoryMatch *match);

/* Looks @handle (of @handle_type: "phone-number" or "generic"; an
 * "email-address" matches nothing) up in the lists of @app_id alone, or
 * in every list when @app_id is NULL (what callkitd itself and
 * unsandboxed callers see). National numbers are read with the region of
 * the user's locale. The label comes from the user's own identification
 * list first, then from the apps' lists in the order of their app ids.
 * Fills @match (clear it after) and returns whether anything matched.
 * Takes about a microsecond with millions of entries: a binary search per
 * list, in the mapped files. */
gboolean ckd_directory_lookup (CkdDirectory *self, const char *app_id, const char *handle_type,
                               const char *handle, CkdDirectoryMatch *match);

/* Incoming calls kept from the user by a blocking list since callkitd
 * started. */
guint64 ckd_directory_get_blocked_calls (CkdDirectory *self);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CkdDirectoryMatch, ckd_directory_match_clear)

G_END_DECLS
