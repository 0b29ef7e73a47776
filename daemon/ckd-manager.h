/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-context.h"

G_BEGIN_DECLS

/* The Manager interface at the root: provider registration, version,
 * capabilities and limits. */
CkdDbusManager *ckd_manager_new (CkdContext *ctx);

/* Adds @name to Capabilities or removes it, keeping the others. */
void ckd_manager_set_capability (CkdDbusManager *manager, const char *name, gboolean on);

G_END_DECLS
