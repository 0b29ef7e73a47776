/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-rate-limit.h"

void
ckd_rate_limit_init (CkdRateLimit *limit, guint rate, guint burst)
{
  limit->rate = rate;
  limit->burst = MAX (burst, 1);
  limit->tokens = limit->burst;
  limit->last_us = 0;
}

gboolean
ckd_rate_limit_take (CkdRateLimit *limit, gint64 now_us)
{
  if (limit->rate == 0)
    return TRUE;

  if (limit->last_us != 0 && now_us > limit->last_us)
    limit->tokens = MIN ((double) limit->burst,
                         limit->tokens + (double) (now_us - limit->last_us) * limit->rate / G_USEC_PER_SEC);
  limit->last_us = now_us;

  if (limit->tokens < 1.0)
    return FALSE;
  limit->tokens -= 1.0;
  return TRUE;
}
