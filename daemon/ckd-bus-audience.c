/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-bus-private.h"
#include "ckd-error.h"

/* Read privacy: who may read what callkitd serves, by every route.
 *
 * A sandboxed app sees only its own app's providers and calls (the rule is
 * ckd_caller_may_see_provider()). Methods know their caller; the routes
 * that sd-bus serves itself (Properties.Get and GetAll, GetManagedObjects,
 * the child nodes of Introspect) ask who sent the message being served,
 * so the caller must be known before sd-bus serves it: the front door
 * holds back the messages of a connection that is not identified yet and
 * puts them back into the read queue, in order, once it is.
 *
 * Signals about calls and providers are never broadcast: a broadcast
 * reaches every connection with a match rule, and xdg-dbus-proxy
 * (--filter --talk=io.github.callkitd.CallKit1) forwards callkitd's
 * broadcasts to the sandboxed app behind it. Each goes addressed to every
 * connection that has called callkitd (any method: an ObjectManager
 * client's GetManagedObjects is enough) and may see it. */

/* ---- the front door: identify first --------------------------------- */

static void
message_unref (gpointer m)
{
  sd_bus_message_unref (m);
}

static void
on_identified (const CkdPeer *peer, const char *refusal, gpointer user_data)
{
  sd_bus_message *m = user_data;
  sd_bus *bus = sd_bus_message_get_bus (m);
  int r;

  if (peer == NULL)
    {
      r = ckd_bus_reply_error (m, CKD_ERROR_UNENTITLED, "%s", refusal);
      if (r < 0)
        g_debug ("cannot refuse %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
      return;
    }
  /* Served again from the start, now that its sender is known. */
  r = sd_bus_message_rewind (m, TRUE);
  if (r >= 0)
    r = sd_bus_enqueue_for_read (bus, m);
  if (r < 0)
    {
      g_warning ("cannot serve %s of %s: %s", sd_bus_message_get_member (m), peer->name,
                 g_strerror (-r));
      ckd_bus_reply_error (m, CKD_ERROR_UNENTITLED, "callkitd could not serve the request");
    }
}

gboolean
ckd_bus_hold_until_identified (CkdBus *self, sd_bus_message *m)
{
  const char *sender = sd_bus_message_get_sender (m);

  /* Ping and GetMachineId tell nothing of anyone's calls. Messages with
   * no sender (not through a bus) are refused where they are served. */
  if (sender == NULL || ckd_peers_lookup (self->peers, sender) != NULL
      || g_strcmp0 (sd_bus_message_get_interface (m), "org.freedesktop.DBus.Peer") == 0)
    return FALSE;
  ckd_peers_identify (self->peers, sender, on_identified, sd_bus_message_ref (m), message_unref);
  return TRUE;
}

/* ---- what the message being served may read ------------------------- */

gboolean
ckd_bus_reader_may_see (CkdBus *self, const CkdProvider *provider)
{
  sd_bus_message *m = sd_bus_get_current_message (self->bus);
  const CkdPeer *peer;
  CkdCaller caller;

  /* Unknown readers see nothing: the front door identified every sender
   * before sd-bus served it, so this is one that cannot be served. */
  peer = m != NULL ? ckd_peers_lookup (self->peers, sd_bus_message_get_sender (m)) : NULL;
  if (peer == NULL)
    return FALSE;
  ckd_bus_caller_from_peer (&caller, peer);
  return ckd_caller_may_see_provider (&caller, provider);
}

/* ---- signals: addressed to each who may see them -------------------- */

typedef struct
{
  CkdBus *self;
  sd_bus_message *m;
  const char *owner;
  const char *app_id;
} Audience;

static void
send_copy (const CkdPeer *peer, gpointer user_data)
{
  Audience *audience = user_data;
  sd_bus_message *m = audience->m;
  sd_bus_message *copy = NULL;
  CkdCaller caller;
  int r;

  ckd_bus_caller_from_peer (&caller, peer);
  if (!ckd_caller_may_see_owned (&caller, audience->owner, audience->app_id))
    return;
  r = ckd_bus_new_signal (audience->self, &copy, peer->name, sd_bus_message_get_path (m),
                          sd_bus_message_get_interface (m), sd_bus_message_get_member (m));
  if (r >= 0)
    r = sd_bus_message_rewind (m, TRUE);
  if (r >= 0)
    r = sd_bus_message_copy (copy, m, TRUE);
  if (r >= 0)
    r = sd_bus_send (audience->self->bus, copy, NULL);
  if (r < 0)
    g_debug ("cannot send %s to %s: %s", sd_bus_message_get_member (m), peer->name,
             g_strerror (-r));
  sd_bus_message_unref (copy);
}

void
ckd_bus_send_to_audience (CkdBus *self, sd_bus_message *m, const char *owner,
                          const char *app_id)
{
  Audience audience = { self, m, owner, app_id };
  /* Sealed to be read by sd_bus_message_copy(); it is never sent itself,
   * so its serial is of no consequence. */
  int r = sd_bus_message_seal (m, 1, 0);

  if (r < 0)
    g_warning ("cannot send %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
  else
    ckd_peers_foreach (self->peers, send_copy, &audience);
  sd_bus_message_unref (m);
}
