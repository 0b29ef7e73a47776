/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "callkit-names.h"
#include "ckd-push-registry.h"
#include "ckd-push.h"
#include "ckd-rate-limit.h"

G_BEGIN_DECLS

/* Shared by the files of the PushRegistry front end: ckd-push-registry.c
 * (registrations and the rules over time), ckd-push-service.c (the D-Bus
 * interface), ckd-push-store.c (tokens on disk), ckd-push-wakeup.c (D-Bus
 * activation) and ckd-unifiedpush.c (the UnifiedPush connector). */

typedef struct _CkdUnifiedPush CkdUnifiedPush;
typedef struct _CkdPushApp CkdPushApp;

/* How a push reached callkitd. */
#define CKD_PUSH_TRANSPORT_DELIVER_PUSH "deliver-push"
#define CKD_PUSH_TRANSPORT_UNIFIEDPUSH "unifiedpush"

/* One push, from its arrival to its end: delivered and reported (or its
 * deadline missed), or dropped from the queue of an app that never came
 * back. */
typedef struct
{
  CkdPushApp *app; /* not owned */
  GBytes *payload;
  CkdPushMetadata metadata;
  const char *transport; /* CKD_PUSH_TRANSPORT_* */
  char *envelope_error;  /* why a UnifiedPush envelope was not read, or NULL */
  gint64 received_at;
  gboolean must_report;
  CkdPushReason reason;
  gint64 report_by; /* once delivered with must_report */
  guint timer_id;   /* report deadline, or waiting for a started app */
} CkdPushMessage;

/* An app id registered for pushes (or once registered: its token stays). */
struct _CkdPushApp
{
  CkdPushRegistry *registry;
  char *app_id;
  char *token;
  char *bus_name;
  gboolean development;
  gboolean registered; /* Register, and no Unregister since */
  char *connection;    /* where pushes go: the connection that registered, while it is there */
  gboolean foreground;
  char *endpoint; /* the UnifiedPush endpoint, or NULL */

  guint delivered;
  guint violations;
  guint violations_in_a_row;
  gint64 throttled_until; /* real time; 0 when never */
  guint outcomes[CKD_PUSH_N_OUTCOMES];
  guint missed;   /* queued, never delivered: the app did not come back */
  guint rejected; /* refused with an error: too large, too fast, too many */

  GHashTable *push_ids; /* push_id -> arrival (real time), delivered ones */
  GQueue push_id_order; /* char * (the keys), oldest first */
  CkdRateLimit rate;
  GQueue queued;  /* CkdPushMessage *, waiting for the app to register */
  GQueue pending; /* CkdPushMessage *, delivered with must_report, not yet reported */
  gboolean starting; /* StartServiceByName sent, no registration since */
  sd_bus_slot *start_slot; /* its answer, while it is awaited */
};

struct _CkdPushRegistry
{
  sd_bus *bus;
  CkdPeers *peers;
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  char *store_path;
  GHashTable *apps;   /* app id -> CkdPushApp *, owned */
  GHashTable *tokens; /* token -> CkdPushApp * */
  GPtrArray *slots;   /* sd_bus_slot *, unreffed at the end */
  CkdUnifiedPush *unifiedpush;
};

/* ---- ckd-push-registry.c ---- */

CkdPushApp *ckd_push_registry_lookup_token (CkdPushRegistry *self, const char *token);
/* Register(): the app of @options for the connection @peer. */
CkdPushApp *ckd_push_registry_register (CkdPushRegistry *self, const CkdPeer *peer,
                                        GVariant *options, GError **error);
/* Hands the pushes queued for @app over, now that it is registered. */
void ckd_push_registry_flush_queue (CkdPushRegistry *self, CkdPushApp *app);
void ckd_push_registry_unregister (CkdPushRegistry *self, CkdPushApp *app);
/* Whether @peer may act on @app's registration (Unregister,
 * SetForeground): unsandboxed callers of the user, and the app itself. */
gboolean ckd_push_registry_may_act (const CkdPeer *peer, const CkdPushApp *app, GError **error);
/* A push for @app: takes @payload and @metadata. Returns the outcome, or
 * FALSE with an error (it was refused, and counted so). */
gboolean ckd_push_registry_deliver (CkdPushRegistry *self, CkdPushApp *app, GBytes *payload,
                                    CkdPushMetadata *metadata, const char *transport,
                                    const char *envelope_error, CkdPushOutcome *ret_outcome,
                                    GError **error);
/* The endpoint UnifiedPush gave @app's token (NULL: none any more). */
void ckd_push_registry_set_endpoint (CkdPushRegistry *self, CkdPushApp *app,
                                     const char *endpoint);
/* Registrations for @peer (all of them, or a sandboxed app's own), aa{sv}. */
GVariant *ckd_push_registry_describe (CkdPushRegistry *self, const CkdPeer *peer);
/* The metadata of PushReceived, a{sv}. */
GVariant *ckd_push_message_describe (const CkdPushMessage *message);
void ckd_push_message_free (CkdPushMessage *message);

/* ---- ckd-push-service.c ---- */

int ckd_push_service_init (CkdPushRegistry *self);
void ckd_push_service_send_received (CkdPushRegistry *self, const CkdPushMessage *message);
void ckd_push_service_send_deadline_missed (CkdPushRegistry *self, const CkdPushMessage *message);
void ckd_push_service_send_endpoint_changed (CkdPushRegistry *self, const CkdPushApp *app);
void ckd_push_service_distributor_changed (CkdPushRegistry *self);

/* ---- ckd-push-store.c ---- */

/* Reads the registrations saved before; a missing file is none. */
gboolean ckd_push_store_load (CkdPushRegistry *self, GError **error);
/* Saves them, atomically; a failure is logged. */
void ckd_push_store_save (CkdPushRegistry *self);
CkdPushApp *ckd_push_app_new (CkdPushRegistry *self, const char *app_id, const char *token);
void ckd_push_app_free (CkdPushApp *app);
/* A new token: 128 random bits as 32 hex digits. */
char *ckd_push_token_new (void);

/* ---- ckd-push-wakeup.c ---- */

/* Starts @app's bus_name by D-Bus activation, unless a start is under way. */
void ckd_push_wakeup_start (CkdPushRegistry *self, CkdPushApp *app);

/* ---- ckd-push-envelope.c ---- */

/* The metadata a UnifiedPush message (a JSON object) gives about itself;
 * *@envelope_error says what could not be read (NULL: all of it). */
void ckd_push_envelope_parse (GBytes *message, CkdPushMetadata *metadata,
                              char **envelope_error);

/* ---- ckd-unifiedpush.c ---- */

CkdUnifiedPush *ckd_unifiedpush_new (CkdPushRegistry *registry);
void ckd_unifiedpush_free (CkdUnifiedPush *self);
/* Registers (or unregisters) @app's token with the distributor, when
 * there is one and UnifiedPush is on. */
void ckd_unifiedpush_register (CkdUnifiedPush *self, CkdPushApp *app);
void ckd_unifiedpush_unregister (CkdUnifiedPush *self, CkdPushApp *app);
/* The distributor's bus name, or NULL. */
const char *ckd_unifiedpush_get_distributor (CkdUnifiedPush *self);

G_END_DECLS
