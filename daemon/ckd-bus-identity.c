/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-bus-private.h"
#include "ckd-error.h"

/* Who is on the other end of a method call comes from the daemon's
 * CkdPeers (ckd-peers.c), shared with the other front ends that take
 * calls; the bus front end turns the answer into a CkdCaller for the
 * session's rules, and ends the providers of a connection that left. */

typedef struct
{
  CkdBus *bus;
  sd_bus_message *m;
  CkdBusMethod method;
} Waiting;

static void
waiting_free (gpointer data)
{
  Waiting *waiting = data;

  sd_bus_message_unref (waiting->m);
  g_free (waiting);
}

static int
refuse (sd_bus_message *m, const char *why)
{
  int r = ckd_bus_reply_error (m, CKD_ERROR_UNENTITLED, "%s", why);

  if (r < 0)
    g_debug ("cannot refuse %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
  return 1;
}

static void
serve (const CkdPeer *peer, const char *refusal, gpointer user_data)
{
  Waiting *waiting = user_data;
  CkdCaller caller;

  /* A call that waited was read by the vtable's dispatch already. */
  sd_bus_message_rewind (waiting->m, TRUE);
  if (peer == NULL)
    {
      refuse (waiting->m, refusal);
      return;
    }
  caller = (CkdCaller) {
    .name = (char *) peer->name,
    .uid = peer->uid,
    .pid = peer->pid,
    .sandboxed = peer->sandboxed,
    .app_id = (char *) peer->app_id,
  };
  ckd_bus_run_method (waiting->bus, waiting->m, waiting->method, &caller);
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
  const char *sender = sd_bus_message_get_sender (m);
  Waiting *waiting;

  if (sender == NULL)
    return refuse (m, "callkitd serves clients of a message bus only");
  /* A known client is served at once, without an allocation. */
  if (ckd_peers_lookup (self->peers, sender) != NULL)
    {
      Waiting now = { self, m, method };

      ckd_peers_identify (self->peers, sender, serve, &now, NULL);
      return 1;
    }
  waiting = g_new (Waiting, 1);
  waiting->bus = self;
  waiting->m = sd_bus_message_ref (m);
  waiting->method = method;
  ckd_peers_identify (self->peers, sender, serve, waiting, waiting_free);
  return 1;
}
