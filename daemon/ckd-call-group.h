/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-call.h"

G_BEGIN_DECLS

/* Call groups (conferences) of one provider. Every function takes @calls,
 * all the provider's calls, so that the same code runs on the real calls
 * when an action is fulfilled and on copies when a transaction is
 * validated. A group of one is no group: its last member's Group is
 * cleared. */

/* The calls of @calls in @call's group, @call included. */
GPtrArray *ckd_call_group_members (GPtrArray *calls, CkdCall *call);

/* @call joins @target's group, leaving its own. The merged group is active
 * if either side was: a conference is not half on hold. */
void ckd_call_group_join (GPtrArray *calls, CkdCall *call, CkdCall *target);
/* @call leaves its group and keeps its hold state. */
void ckd_call_group_leave (GPtrArray *calls, CkdCall *call);
/* Holds or resumes @call and the rest of its group. */
void ckd_call_group_set_held (GPtrArray *calls, CkdCall *call, gboolean on_hold);
/* After @call ended: dissolves its group if one member is left. */
void ckd_call_group_forget_ended (GPtrArray *calls, CkdCall *call);

/* Adds to @keys (a set of strings) the group key (group id, or the UUID of
 * a call alone) of each call in @calls whose state satisfies @pred. When
 * @example is not NULL and still NULL, sets it to a counted call that @skip
 * does not contain (@skip may be NULL). */
void ckd_call_group_collect (GPtrArray *calls, gboolean (*pred) (CkdCallState),
                             GHashTable *keys, GHashTable *skip, const CkdCall **example);

/* For simulation: a copy with the fields transitions and groups use. */
CkdCall *ckd_call_copy_for_simulation (const CkdCall *call);

G_END_DECLS
