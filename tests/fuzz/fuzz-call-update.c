/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call update a{sv} of ReportNewIncomingCall and ReportCallUpdated
 * (ckd_call_update_parse) and what applying it does to a call. */
#include "config.h"

#include "ckd-call.h"
#include "fuzz-common.h"

#define UUID "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GVariant) dict = NULL;
  g_auto (CkdCallUpdate) update = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdCall) call = NULL;
  CkdCallSnapshot snapshot;

  ckd_fuzz_init ();
  dict = ckd_fuzz_variant (data, size, "a{sv}");
  if (!ckd_call_update_parse (&update, dict, &error))
    {
      /* Refusals are named and say why. */
      g_assert (error != NULL && error->message != NULL);
      return 0;
    }
  g_assert_no_error (error);

  call = ckd_call_new (UUID, NULL, FALSE, 1);
  ckd_call_snapshot_take (&snapshot, call);
  ckd_call_apply_update (call, &update);
  ckd_call_snapshot_finish (&snapshot, call);
  /* A handle given is a handle kept, never NULL. */
  g_assert (call->remote_handle.value != NULL);
  return 0;
}
