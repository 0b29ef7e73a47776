/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-missed-call.h"

CkdMissedCall *
ckd_missed_call_new (void)
{
  return g_new0 (CkdMissedCall, 1);
}

void
ckd_missed_call_free (CkdMissedCall *missed)
{
  if (missed == NULL)
    return;
  g_free (missed->uuid);
  g_free (missed->caller_name);
  ckd_handle_clear (&missed->handle);
  g_free (missed->app_id);
  g_free (missed->provider_name);
  g_free (missed->icon);
  g_free (missed->desktop_entry);
  g_free (missed);
}
