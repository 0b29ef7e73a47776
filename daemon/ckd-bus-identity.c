/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-bus-private.h"
#include "ckd-error.h"

/* Who is on the other end of a method call comes from the daemon's
 * CkdPeers (ckd-peers.c), shared with the other front ends that take
 * calls; the bus front end turns the answer into a CkdCaller for the
 * session's rules, and ends the providers of a connection that left. */

static void
refuse (sd_bus_message *m, const char *why)
{
  int r = ckd_bus_reply_error (m, CKD_ERROR_UNENTITLED, "%s", why);

  if (r < 0)
    g_debug ("cannot refuse %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
}

void
ckd_bus_caller_from_peer (CkdCaller *caller, const CkdPeer *peer)
{
  *caller = (CkdCaller) {
    .name = (char *) peer->name,
    .uid = peer->uid,
    .pid = peer->pid,
    .sandboxed = peer->sandboxed,
    .app_id = (char *) peer->app_id,
  };
}

static void
serve (const CkdPeer *peer, const char *refusal, sd_bus_message *m, gpointer object,
       GCallback method)
{
  CkdCaller caller;

  if (peer == NULL)
    {
      refuse (m, refusal);
      return;
    }
  ckd_bus_caller_from_peer (&caller, peer);
  ckd_bus_run_method (object, m, (CkdBusMethod) method, &caller);
}

static void
on_peer_gone (const char *name, gpointer user_data)
{
  CkdBus *self = user_data;

  ckd_session_owner_vanished (self->session, name);
}

void
ckd_bus_identity_init (CkdBus *self)
{
  ckd_peers_add_gone_handler (self->peers, on_peer_gone, self);
}

void
ckd_bus_identity_clear (CkdBus *self)
{
  ckd_peers_remove_gone_handler (self->peers, on_peer_gone, self);
}

int
ckd_bus_with_caller (CkdBus *self, sd_bus_message *m, CkdBusMethod method)
{
  ckd_peers_call (self->peers, m, serve, self, G_CALLBACK (method));
  return 1;
}
