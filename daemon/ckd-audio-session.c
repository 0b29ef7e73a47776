/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-audio-session.h"

gboolean
ckd_audio_session_holds (const CkdCall *call)
{
  switch (call->state)
    {
    case CKD_CALL_STATE_ACTIVE:
      return TRUE;
    case CKD_CALL_STATE_DIALING:
    case CKD_CALL_STATE_CONNECTING:
      /* As in CallKit, an outgoing call gets audio once its start action
       * is fulfilled, so that ringback can play while it connects. */
      return call->outgoing && call->started;
    case CKD_CALL_STATE_RINGING:
    case CKD_CALL_STATE_HELD:
    case CKD_CALL_STATE_ENDED:
    default:
      return FALSE;
    }
}

char **
ckd_audio_session_calls_of (const CkdProvider *provider)
{
  GPtrArray *uuids = NULL;

  for (guint i = 0; i < provider->calls->len; i++)
    {
      const CkdCall *call = g_ptr_array_index (provider->calls, i);
      if (!ckd_audio_session_holds (call))
        continue;
      if (uuids == NULL)
        uuids = g_ptr_array_new ();
      g_ptr_array_add (uuids, g_strdup (call->uuid));
    }
  if (uuids == NULL)
    return NULL;
  g_ptr_array_add (uuids, NULL);
  return (char **) g_ptr_array_free (uuids, FALSE);
}
