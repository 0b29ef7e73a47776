/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-context.h"

G_BEGIN_DECLS

/* The CallController interface at the root: transactions from anyone. */
CkdDbusCallController *ckd_call_controller_new (CkdContext *ctx);

G_END_DECLS
