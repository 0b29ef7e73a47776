/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ckd-audio-policy.h"
#include "ckd-dbus-generated.h"
#include "ckd-notifier.h"
#include "ckd-provider.h"
#include "ckd-recent-set.h"
#include "ckd-ringer.h"
#include "ckd-settings.h"
#include "ckd-transaction.h"

G_BEGIN_DECLS

/* What the administrator or user chose on the command line. It wins over
 * the settings file (CkdContext.user_settings). */
typedef struct
{
  guint ringing_timeout_ms;
  guint incoming_reports_per_second; /* 0: unlimited */
  /* Notifications, each kind on unless turned off. */
  gboolean no_ringing_notifications;
  gboolean no_ongoing_notifications;
  gboolean no_missed_call_notifications;
  gboolean transient_missed_calls; /* else they stay until dismissed */
  gboolean no_ringtone; /* the notification server may still make a sound */
} CkdSettings;

/* Everything the daemon knows, passed to every part instead of globals.
 * One per process, on the one main loop. */
typedef struct
{
  CkdSettings settings;
  CkdSettingsMonitor *user_settings; /* callkitd.conf, followed; NULL until exported */
  GDBusConnection *connection;
  guint filter_id;
  GDBusObjectManagerServer *object_manager;
  CkdDbusManager *manager;
  CkdDbusCallController *call_controller;
  guint ended_calls_id;

  GHashTable *providers;    /* object path -> CkdProvider *, owned */
  GHashTable *calls;        /* uuid -> CkdCall *, live, owned */
  GHashTable *transactions; /* id -> CkdTransaction *, owned, until complete */
  GHashTable *actions;      /* id -> CkdAction *, pending, owned by their transaction */
  GHashTable *callers;      /* unique name -> CkdCaller *, owned */
  CkdRecentSet *ended_uuids;
  CkdNotifier *notifier; /* NULL until exported */
  CkdPipewire *pipewire; /* the same */
  CkdAudioPolicy *audio_policy;
  CkdRinger *ringer;

  /* One timer for every ringing call, set to the earliest deadline: a
   * GSource per call would cost memory and main-loop work per call. */
  guint ringing_timer_id;
  gint64 ringing_timer_at;

  guint next_provider_id;
  guint64 next_action_id;
  guint64 next_transaction_id;
  gboolean stopping;
} CkdContext;

CkdContext *ckd_context_new (const CkdSettings *settings);
/* Exports the API on @connection: root interfaces and object manager. */
gboolean ckd_context_export (CkdContext *ctx, GDBusConnection *connection, GError **error);
/* Tells providers callkitd is going away and frees everything. */
void ckd_context_free (CkdContext *ctx);

/* Removes the object at @path from the bus: its interfaces first, so that
 * nothing reaches it once InterfacesRemoved is out. */
void ckd_context_unexport_object (CkdContext *ctx, const char *path);

/* Sends a signal to one connection only (provider signals,
 * TransactionCompleted); D-Bus signals are broadcast unless addressed. */
void ckd_context_emit_to (CkdContext *ctx, const char *destination, const char *object_path,
                          const char *interface_name, const char *signal_name,
                          GVariant *parameters);

CkdCall *ckd_context_lookup_call (CkdContext *ctx, const char *uuid);
CkdProvider *ckd_context_lookup_provider (CkdContext *ctx, const char *object_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdContext, ckd_context_free)

G_END_DECLS
