/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-context.h"

G_BEGIN_DECLS

/* The Call interface of one call: its properties follow the model, its
 * methods are one-action transactions. */
#define CKD_TYPE_CALL_SKELETON (ckd_call_skeleton_get_type ())
G_DECLARE_FINAL_TYPE (CkdCallSkeleton, ckd_call_skeleton, CKD, CALL_SKELETON, CkdDbusCallSkeleton)

void ckd_call_skeleton_export (CkdContext *ctx, CkdCall *call);
void ckd_call_skeleton_sync (CkdCall *call);
/* Emits the final properties, then removes the object from the bus. */
void ckd_call_skeleton_unexport (CkdContext *ctx, CkdCall *call);
/* Answers calls to the objects of ended calls with UnknownCallUUID.
 * Returns the registration id, 0 on error. */
guint ckd_call_skeleton_register_ended_calls (CkdContext *ctx, GDBusConnection *connection,
                                              GError **error);

G_END_DECLS
