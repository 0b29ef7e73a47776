/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

/* Only the .c files that talk to PipeWire include its headers. */
struct pw_core;
struct pw_metadata;

G_BEGIN_DECLS

/* callkitd's connection to the PipeWire server, run on the GLib main loop
 * (PipeWire's loop is a GSource on its file descriptor, no thread). It
 * connects when first needed (the first call), reconnects with a backoff when the server is absent
 * or goes away, learns callkitd's own client id, and binds the `callkit`
 * metadata object that libpipewire-module-callkit creates.
 *
 * "changed" is emitted whenever what the getters return changes. When the
 * connection goes, it is emitted with the getters already returning NULL
 * but the old objects still alive: listeners remove their hooks and
 * streams then, before the core and its proxies are destroyed. */

#define CKD_TYPE_PIPEWIRE (ckd_pipewire_get_type ())
G_DECLARE_FINAL_TYPE (CkdPipewire, ckd_pipewire, CKD, PIPEWIRE, GObject)

/* Nothing of PipeWire is loaded until ckd_pipewire_start(): a session
 * without calls costs no memory for it. */
CkdPipewire *ckd_pipewire_new (void);
/* Loads libpipewire's context and connects (again and again while no
 * server runs). Does nothing when started already. */
void ckd_pipewire_start (CkdPipewire *self);
gboolean ckd_pipewire_is_started (CkdPipewire *self);

/* The core once connected and callkitd's client id is known, else NULL. */
struct pw_core *ckd_pipewire_get_core (CkdPipewire *self);
/* The global id of callkitd's own client object, or SPA_ID_INVALID
 * (G_MAXUINT32). */
guint32 ckd_pipewire_get_client_id (CkdPipewire *self);
/* The `callkit` metadata object, while the core is up and it exists. */
struct pw_metadata *ckd_pipewire_get_metadata (CkdPipewire *self);

G_END_DECLS
