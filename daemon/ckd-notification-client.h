/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* A client of org.freedesktop.Notifications on callkitd's own bus
 * connection (sd-bus, on the one main loop): it follows the server as it
 * comes and goes, learns its capabilities, and sends Notify and
 * CloseNotification without ever waiting for an answer. What the user
 * does with a notification comes back through the events. It knows
 * nothing of calls: ckd-call-presenter.c decides what to show. */

typedef struct _CkdNotificationClient CkdNotificationClient;

typedef struct
{
  /* A server appeared and told its capabilities, or the server left. */
  void (*server_changed) (gpointer user_data);
  /* The user chose an action (ActionInvoked) of notification @id. */
  void (*action_invoked) (guint32 id, const char *key, gpointer user_data);
  /* Notification @id closed, for @reason (the specification's codes). */
  void (*closed) (guint32 id, guint32 reason, gpointer user_data);
} CkdNotificationClientEvents;

/* NotificationClosed reasons of the specification. */
#define CKD_NOTIFICATION_CLOSED_DISMISSED 2

typedef enum
{
  CKD_NOTIFY_SHOWN,     /* the id is valid */
  CKD_NOTIFY_FAILED,    /* the server refused or is gone; @error says why */
  CKD_NOTIFY_CANCELLED, /* the client is being freed */
} CkdNotifyResult;

typedef void (*CkdNotifyDone) (CkdNotifyResult result, guint32 id, const char *error,
                               gpointer user_data);

CkdNotificationClient *ckd_notification_client_new (sd_bus *bus,
                                                    const CkdNotificationClientEvents *events,
                                                    gpointer user_data);
/* Pending answers complete with CKD_NOTIFY_CANCELLED. */
void ckd_notification_client_free (CkdNotificationClient *self);

/* A server is there and its capabilities are known. */
gboolean ckd_notification_client_has_server (CkdNotificationClient *self);
gboolean ckd_notification_client_has_actions (CkdNotificationClient *self);
/* The server shows bodies ("body"); without it only summaries. */
gboolean ckd_notification_client_has_body (CkdNotificationClient *self);
gboolean ckd_notification_client_has_body_markup (CkdNotificationClient *self);
/* Counts the servers that left: an id from an earlier generation means
 * nothing to the server there now. */
guint ckd_notification_client_get_generation (CkdNotificationClient *self);

/* Notify: a new notification (@replaces_id 0) or an update in place; takes
 * @hints (floating or not).
 * @actions are key, label pairs (sent only to servers with actions);
 * @hints an a{sv}. @done may be NULL. */
void ckd_notification_client_notify (CkdNotificationClient *self, guint32 replaces_id,
                                     const char *icon, const char *summary, const char *body,
                                     char **actions, GVariant *hints, gint32 expire_timeout,
                                     CkdNotifyDone done, gpointer user_data);
void ckd_notification_client_close (CkdNotificationClient *self, guint32 id);

G_END_DECLS
