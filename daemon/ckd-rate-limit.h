/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A token bucket: @rate events a second on average, bursts of @burst. */
typedef struct
{
  double tokens;
  gint64 last_us;
  guint rate;
  guint burst;
} CkdRateLimit;

/* @rate 0 means unlimited. */
void ckd_rate_limit_init (CkdRateLimit *limit, guint rate, guint burst);
/* Takes one token at monotonic time @now_us; FALSE when the bucket is empty. */
gboolean ckd_rate_limit_take (CkdRateLimit *limit, gint64 now_us);

G_END_DECLS
