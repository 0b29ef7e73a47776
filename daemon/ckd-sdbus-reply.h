/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "ckd-peers.h"

G_BEGIN_DECLS

/* What the front ends served on sd-bus share to answer a method: its
 * caller learnt first, and the errors named as the API names them. */

/* Replies with @error: its named D-Bus error when it is one of
 * callkitd's (CKD_ERROR), else org.freedesktop.DBus.Error.Failed. */
int ckd_sdbus_reply_error (sd_bus_message *m, const GError *error);
/* Replies InvalidArgument for arguments that could not be read (the
 * negative errno @r of sd_bus_message_read()). */
int ckd_sdbus_reply_invalid_arguments (sd_bus_message *m, int r);

/* A method of a front end's @object, run once its caller is known. It
 * replies itself and returns a negative errno only when it could not. */
typedef int (*CkdPeerMethod) (gpointer object, sd_bus_message *m, const CkdPeer *peer);

/* Runs @method (a CkdPeerMethod, as G_CALLBACK) on @object when the
 * caller of @m is known (at once when it already is); a caller that
 * CkdPeers refuses gets Unentitled with the reason. Returns 1 for the
 * vtable: the reply comes later, from @method or the refusal. */
int ckd_sdbus_call_with_peer (CkdPeers *peers, sd_bus_message *m, gpointer object,
                              GCallback method);

G_END_DECLS
