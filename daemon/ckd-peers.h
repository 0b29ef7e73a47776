/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* Who is on the other end of the bus: each connection that calls
 * callkitd, found out once and without blocking the main loop (the bus's
 * GetConnectionCredentials for the uid, the pid and a pidfd; the
 * process's /.flatpak-info for the sandbox and its app id), kept until
 * the connection leaves the bus. One CkdPeers serves every front end that
 * takes method calls, so that a client is asked about once and its
 * departure is seen once. */

typedef struct
{
  const char *name; /* unique bus name */
  guint32 uid;
  guint32 pid;
  gboolean sandboxed;
  const char *app_id; /* Flatpak app id when sandboxed; NULL if it could not be read */
} CkdPeer;

typedef struct _CkdPeers CkdPeers;

/* @peer is NULL when the connection cannot be served (it runs as another
 * user, cannot be identified, or left meanwhile): @refusal says why. Both
 * are valid during the call only. */
typedef void (*CkdPeerReady) (const CkdPeer *peer, const char *refusal, gpointer user_data);
/* A connection that was identified (or asked about) left the bus. */
typedef void (*CkdPeerGone) (const char *name, gpointer user_data);

CkdPeers *ckd_peers_new (sd_bus *bus);
void ckd_peers_free (CkdPeers *self);

/* Runs @ready for the connection @name: at once when it is known, else
 * once the bus has told who it is. For one connection, @ready functions
 * run in the order they were asked for. @destroy (may be NULL) frees
 * @user_data afterwards, or at ckd_peers_free() when @ready never ran. */
void ckd_peers_identify (CkdPeers *self, const char *name, CkdPeerReady ready,
                         gpointer user_data, GDestroyNotify destroy);
/* A method call that needs its caller: @handler runs with @m (rewound to
 * its first argument) once the caller is known, at once when it is, in
 * the order the calls of that connection came; @peer is NULL when it
 * cannot be served (@refusal says why). @object and @method are the
 * front end's, passed on. */
typedef void (*CkdPeerCall) (const CkdPeer *peer, const char *refusal, sd_bus_message *m,
                             gpointer object, GCallback method);
void ckd_peers_call (CkdPeers *self, sd_bus_message *m, CkdPeerCall handler, gpointer object,
                     GCallback method);

/* The connection @name, when it is known and served; else NULL. */
const CkdPeer *ckd_peers_lookup (CkdPeers *self, const char *name);

/* Runs @func for every connection that is known and served, in no
 * particular order: the audience of what callkitd tells its clients. */
typedef void (*CkdPeerFunc) (const CkdPeer *peer, gpointer user_data);
void ckd_peers_foreach (CkdPeers *self, CkdPeerFunc func, gpointer user_data);

/* @gone runs whenever a known connection leaves the bus. */
void ckd_peers_add_gone_handler (CkdPeers *self, CkdPeerGone gone, gpointer user_data);
void ckd_peers_remove_gone_handler (CkdPeers *self, CkdPeerGone gone, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdPeers, ckd_peers_free)

G_END_DECLS
