/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-context.h"

G_BEGIN_DECLS

/* The Provider interface of one provider: the owner's reports and answers
 * come in here and go to ckd-session.c and ckd-dispatch.c. */
#define CKD_TYPE_PROVIDER_SKELETON (ckd_provider_skeleton_get_type ())
G_DECLARE_FINAL_TYPE (CkdProviderSkeleton, ckd_provider_skeleton, CKD, PROVIDER_SKELETON,
                      CkdDbusProviderSkeleton)

void ckd_provider_skeleton_export (CkdContext *ctx, CkdProvider *provider);
void ckd_provider_skeleton_sync (CkdProvider *provider);
void ckd_provider_skeleton_unexport (CkdContext *ctx, CkdProvider *provider);

G_END_DECLS
