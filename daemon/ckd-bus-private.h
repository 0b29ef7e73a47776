/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "callkit-names.h"
#include "ckd-bus.h"

G_BEGIN_DECLS

/* Shared by the files of the bus front end: ckd-bus.c (set-up, what goes
 * out, errors), ckd-bus-identity.c (who calls), ckd-bus-root.c (Manager,
 * CallController), ckd-bus-provider.c and ckd-bus-call.c. */


struct _CkdBus
{
  sd_bus *bus;
  CkdSession *session;
  CkdRegistry *registry;
  CkdHistory *history; /* once served (ckd_bus_serve_history()) */
  GPtrArray *slots; /* sd_bus_slot *, unreffed at the end */

  /* Who calls: shared with the other front ends that take calls. */
  CkdPeers *peers;

  /* Replies go before the signals a method causes: while a method runs,
   * what it makes callkitd send waits here, and the signals about calls
   * are even built only after the reply. */
  guint hold;
  GQueue held; /* Held * (ckd-bus.c) */
};

/* ---- what goes out (ckd-bus.c) ---- */

/* Sends @m now, or after the reply of the method running now. Takes @m. */
void ckd_bus_send (CkdBus *self, sd_bus_message *m);
/* What a call signal says, built when it is sent: InterfacesAdded with
 * every property (@changes 0) or PropertiesChanged with those changed.
 * They live in ckd-bus-call.c. */
int ckd_bus_call_build_added (CkdBus *self, const CkdCall *call, sd_bus_message **ret);
int ckd_bus_call_build_changed (CkdBus *self, const CkdCall *call, guint changes,
                                sd_bus_message **ret);
/* Sends what @call's change says now, or after the reply of the method
 * running now (built then from the call as it is then). @changes 0: the
 * call was added. */
void ckd_bus_send_call_signal (CkdBus *self, CkdCall *call, guint changes);
/* @call is about to go: what is held for it keeps a copy of the call. */
void ckd_bus_freeze_call (CkdBus *self, CkdCall *call);
/* A signal, broadcast when @destination is NULL. */
int ckd_bus_new_signal (CkdBus *self, sd_bus_message **ret, const char *destination,
                        const char *path, const char *interface, const char *member);
/* A property of one of our interfaces: its value appended from the
 * object (a CkdCall, a CkdProvider). */
typedef struct
{
  const char *name;
  const char *signature;
  int (*append) (sd_bus_message *m, gconstpointer object);
} CkdBusProperty;

/* Appends an a{sv} of the properties whose bit (their index in
 * @properties) is set in @mask. */
int ckd_bus_append_properties (sd_bus_message *m, const CkdBusProperty *properties,
                               guint n_properties, gconstpointer object, guint32 mask);

/* PropertiesChanged of @interface at @path: open, then append one {sv}
 * per property that changed, then close. */
int ckd_bus_open_properties_changed (CkdBus *self, sd_bus_message **ret, const char *path,
                                     const char *interface);
int ckd_bus_close_properties_changed (sd_bus_message *m);
/* InterfacesAdded of @interface at @path: open, append its properties
 * (an a{sv}), close. */
int ckd_bus_open_interfaces_added (CkdBus *self, sd_bus_message **ret, const char *path,
                                   const char *interface);
int ckd_bus_close_interfaces_added (sd_bus_message *m);
int ckd_bus_new_interfaces_removed (CkdBus *self, sd_bus_message **ret, const char *path,
                                    const char *interface);
/* Replies to @m with @error (a CKD_ERROR under its D-Bus name). */
int ckd_bus_reply_gerror (sd_bus_message *m, const GError *error);
/* Sets @ret_error from @error, for property getters. */
int ckd_bus_set_gerror (sd_bus_error *ret_error, const GError *error);
int ckd_bus_reply_error (sd_bus_message *m, int code, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

/* A method that needs to know its caller. It replies to @m itself (now,
 * or later for methods that wait), and returns 0, or negative errno to
 * have that replied. */
typedef int (*CkdBusMethod) (CkdBus *self, sd_bus_message *m, CkdCaller *caller);

/* Runs @method with what it makes callkitd send held back until it has
 * replied. Returns 1 (handled). */
int ckd_bus_run_method (CkdBus *self, sd_bus_message *m, CkdBusMethod method,
                        CkdCaller *caller);

/* Reads an a{sv} (an aa{sv}) argument; when it cannot, replies
 * InvalidArgument naming @what (with the index) and the key, and returns
 * FALSE. */
gboolean ckd_bus_read_dict (sd_bus_message *m, const char *what, GVariant **ret);
gboolean ckd_bus_read_dicts (sd_bus_message *m, const char *what, GVariant **ret);

/* ---- who calls (ckd-bus-identity.c) ---- */

/* Runs @method once the caller of @m is known (ckd-peers.c): at once when
 * it is, else when the bus has told who it is (without blocking: a
 * client's first call waits, in order with its later ones). A caller that
 * cannot be identified or runs as another user gets Unentitled. */
int ckd_bus_with_caller (CkdBus *self, sd_bus_message *m, CkdBusMethod method);
/* @caller as the session's rules see @peer, for as long as @peer is. */
void ckd_bus_caller_from_peer (CkdCaller *caller, const CkdPeer *peer);
void ckd_bus_identity_init (CkdBus *self);
void ckd_bus_identity_clear (CkdBus *self);

/* ---- the objects ---- */

int ckd_bus_root_init (CkdBus *self);
int ckd_bus_provider_init (CkdBus *self);
int ckd_bus_call_init (CkdBus *self);
int ckd_bus_history_init (CkdBus *self, CkdHistory *history);
/* Every vtable served, for the signature check of the front door. */
const sd_bus_vtable *ckd_bus_root_manager_vtable (void);
const sd_bus_vtable *ckd_bus_root_controller_vtable (void);
const sd_bus_vtable *ckd_bus_provider_vtable (void);
const sd_bus_vtable *ckd_bus_call_vtable (void);
const sd_bus_vtable *ckd_bus_history_vtable (void);
/* Properties.Get and GetAll of History: the front door routes them here,
 * where the caller is known (MissedCount is each caller's own). */
int ckd_bus_history_get_properties (CkdBus *self, sd_bus_message *m);
/* Properties.Set of a provider's Configuration: the front door routes it
 * here, where the caller is known. */
int ckd_bus_provider_set_configuration (CkdBus *self, sd_bus_message *m, CkdCaller *caller);
/* Properties.Set of the Manager's DoNotDisturb, routed likewise. */
int ckd_bus_root_set_do_not_disturb (CkdBus *self, sd_bus_message *m, CkdCaller *caller);

/* The call (or provider) an object path names, live, or NULL. */
CkdCall *ckd_bus_call_from_path (CkdBus *self, const char *path);
CkdProvider *ckd_bus_provider_from_path (CkdBus *self, const char *path);

G_END_DECLS
