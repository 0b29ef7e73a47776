/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-error.h"
#include "ckd-sdbus-reply.h"

int
ckd_sdbus_reply_error (sd_bus_message *m, const GError *error)
{
  const char *name = error->domain == CKD_ERROR ? ckd_error_to_dbus_name (error->code)
                                                : SD_BUS_ERROR_FAILED;

  return sd_bus_reply_method_errorf (m, name, "%s", error->message);
}

int
ckd_sdbus_reply_invalid_arguments (sd_bus_message *m, int r)
{
  return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT),
                                     "cannot read the arguments of %s: %s",
                                     sd_bus_message_get_member (m), g_strerror (-r));
}

static void
run_method (const CkdPeer *peer, const char *refusal, sd_bus_message *m, gpointer object,
            GCallback method)
{
  int r;

  if (peer == NULL)
    r = sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_UNENTITLED), "%s",
                                    refusal);
  else
    r = ((CkdPeerMethod) method) (object, m, peer);
  if (r < 0)
    g_debug ("cannot answer %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
}

int
ckd_sdbus_call_with_peer (CkdPeers *peers, sd_bus_message *m, gpointer object, GCallback method)
{
  ckd_peers_call (peers, m, run_method, object, method);
  return 1;
}
