/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-notification-client.h"
#include "ckd-sdbus-gvariant.h"

/* Directly over the bus rather than through libnotify: libnotify 0.8
 * makes its Notify, Close and GetCapabilities calls synchronously, which
 * would block the one main loop (and every provider) on a slow or hung
 * notification server. */

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"

struct _CkdNotificationClient
{
  sd_bus *bus;
  CkdNotificationClientEvents events;
  gpointer user_data;
  sd_bus_slot *owner_changed_slot;
  sd_bus_slot *action_invoked_slot;
  sd_bus_slot *closed_slot;
  sd_bus_slot *query_slot; /* GetNameOwner, then GetCapabilities */
  GList *pending;          /* Pending *, Notify calls in flight */

  char *server_owner; /* unique name of the server, or NULL */
  gboolean has_server;
  gboolean has_actions;
  gboolean has_body;
  gboolean has_body_markup;
  guint generation;
  gboolean logged_absent;
  gboolean logged_no_actions;
};

typedef struct
{
  CkdNotificationClient *self;
  sd_bus_slot *slot;
  CkdNotifyDone done;
  gpointer user_data;
} Pending;

/* ---- the server coming and going ------------------------------------ */

static int
on_capabilities (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdNotificationClient *self = userdata;
  g_auto (GStrv) caps = NULL;
  g_autofree char *joined = NULL;
  const sd_bus_error *error = sd_bus_message_get_error (reply);

  self->query_slot = sd_bus_slot_unref (self->query_slot);
  if (error != NULL || sd_bus_message_read_strv (reply, &caps) < 0)
    {
      g_message ("the notification server did not tell its capabilities: %s",
                 error != NULL ? error->message : "malformed answer");
      return 0;
    }
  /* The server left while it was answering. */
  if (self->server_owner == NULL)
    return 0;
  self->has_server = TRUE;
  self->has_actions = g_strv_contains ((const char *const *) caps, "actions");
  self->has_body = g_strv_contains ((const char *const *) caps, "body");
  self->has_body_markup = g_strv_contains ((const char *const *) caps, "body-markup");
  joined = g_strjoinv (", ", caps);
  g_debug ("notification server %s has: %s", self->server_owner, joined);
  if (!self->has_actions && !self->logged_no_actions)
    {
      g_message ("the notification server has no actions (it has: %s): calls are shown but "
                 "cannot be answered from notifications",
                 *joined != '\0' ? joined : "nothing");
      self->logged_no_actions = TRUE;
    }
  self->events.server_changed (self->user_data);
  return 0;
}

static void
server_appeared (CkdNotificationClient *self, const char *owner)
{
  int r;

  g_debug ("notification server %s appeared", owner);
  g_free (self->server_owner);
  self->server_owner = g_strdup (owner);
  self->query_slot = sd_bus_slot_unref (self->query_slot);
  r = sd_bus_call_method_async (self->bus, &self->query_slot, owner, NOTIFICATIONS_PATH,
                                NOTIFICATIONS_INTERFACE, "GetCapabilities", on_capabilities,
                                self, NULL);
  if (r < 0)
    g_message ("cannot ask the notification server for its capabilities: %s", g_strerror (-r));
}

static void
server_vanished (CkdNotificationClient *self)
{
  gboolean had_server = self->has_server;

  if (!self->logged_absent)
    {
      g_message ("no notification server: calls are not shown to the user");
      self->logged_absent = TRUE;
    }
  if (self->server_owner == NULL)
    return;
  self->generation++;
  g_clear_pointer (&self->server_owner, g_free);
  self->query_slot = sd_bus_slot_unref (self->query_slot);
  self->has_server = FALSE;
  self->has_actions = FALSE;
  if (had_server)
    self->events.server_changed (self->user_data);
}

static int
on_name_owner_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdNotificationClient *self = userdata;
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) < 0
      || !g_str_equal (name, NOTIFICATIONS_NAME))
    return 0;
  if (*old_owner != '\0')
    server_vanished (self);
  if (*new_owner != '\0')
    server_appeared (self, new_owner);
  return 0;
}

static int
on_name_owner (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdNotificationClient *self = userdata;
  const char *owner;

  self->query_slot = sd_bus_slot_unref (self->query_slot);
  /* NameOwnerChanged may have come first: it is the newer news. */
  if (self->server_owner != NULL)
    return 0;
  if (sd_bus_message_is_method_error (reply, NULL) || sd_bus_message_read (reply, "s", &owner) < 0)
    server_vanished (self);
  else
    server_appeared (self, owner);
  return 0;
}

/* ---- what the user does --------------------------------------------- */

/* Only the server's own signals count: anyone can send an ActionInvoked,
 * so the sender is checked against the owner of the name. */
static gboolean
from_server (CkdNotificationClient *self, sd_bus_message *m)
{
  return self->server_owner != NULL
         && g_strcmp0 (sd_bus_message_get_sender (m), self->server_owner) == 0;
}

static int
on_action_invoked (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdNotificationClient *self = userdata;
  const char *key;
  guint32 id;

  if (!from_server (self, m) || sd_bus_message_read (m, "us", &id, &key) < 0)
    return 0;
  self->events.action_invoked (id, key, self->user_data);
  return 0;
}

static int
on_notification_closed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdNotificationClient *self = userdata;
  guint32 id, reason;

  if (!from_server (self, m) || sd_bus_message_read (m, "uu", &id, &reason) < 0)
    return 0;
  self->events.closed (id, reason, self->user_data);
  return 0;
}

/* ---- Notify and CloseNotification ----------------------------------- */

static void
pending_finish (Pending *pending, CkdNotifyResult result, guint32 id, const char *error)
{
  CkdNotificationClient *self = pending->self;

  self->pending = g_list_remove (self->pending, pending);
  pending->slot = sd_bus_slot_unref (pending->slot);
  if (pending->done != NULL)
    pending->done (result, id, error, pending->user_data);
  g_free (pending);
}

static int
on_notify_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  Pending *pending = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  guint32 id = 0;

  if (error != NULL)
    pending_finish (pending, CKD_NOTIFY_FAILED, 0, error->message);
  else if (sd_bus_message_read (reply, "u", &id) < 0)
    pending_finish (pending, CKD_NOTIFY_FAILED, 0, "malformed answer");
  else
    pending_finish (pending, CKD_NOTIFY_SHOWN, id, NULL);
  return 0;
}

void
ckd_notification_client_notify (CkdNotificationClient *self, guint32 replaces_id,
                                const char *icon, const char *summary, const char *body,
                                char **actions, GVariant *hints, gint32 expire_timeout,
                                CkdNotifyDone done, gpointer user_data)
{
  g_autoptr (GVariant) owned_hints = g_variant_take_ref (hints);
  sd_bus_message *m = NULL;
  Pending *pending;
  int r;

  r = sd_bus_message_new_method_call (self->bus, &m, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                      NOTIFICATIONS_INTERFACE, "Notify");
  if (r >= 0)
    r = sd_bus_message_set_auto_start (m, FALSE);
  if (r >= 0)
    r = sd_bus_message_append (m, "susss", "callkitd", replaces_id, icon, summary, body);
  if (r >= 0)
    r = sd_bus_message_append_strv (m, self->has_actions ? actions : (char *[]) { NULL });
  if (r >= 0)
    r = ckd_sdbus_append_gvariant (m, owned_hints);
  if (r >= 0)
    r = sd_bus_message_append (m, "i", expire_timeout);
  pending = g_new0 (Pending, 1);
  pending->self = self;
  pending->done = done;
  pending->user_data = user_data;
  self->pending = g_list_prepend (self->pending, pending);
  if (r >= 0)
    r = sd_bus_call_async (self->bus, &pending->slot, m, on_notify_reply, pending, 0);
  sd_bus_message_unref (m);
  if (r < 0)
    pending_finish (pending, CKD_NOTIFY_FAILED, 0, g_strerror (-r));
}

void
ckd_notification_client_close (CkdNotificationClient *self, guint32 id)
{
  sd_bus_message *m = NULL;
  int r;

  r = sd_bus_message_new_method_call (self->bus, &m, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                      NOTIFICATIONS_INTERFACE, "CloseNotification");
  if (r >= 0)
    r = sd_bus_message_set_auto_start (m, FALSE);
  if (r >= 0)
    r = sd_bus_message_append (m, "u", id);
  /* Nobody waits for the answer. */
  if (r >= 0)
    r = sd_bus_message_set_expect_reply (m, FALSE);
  if (r >= 0)
    r = sd_bus_send (self->bus, m, NULL);
  if (r < 0)
    g_debug ("cannot close notification %u: %s", id, g_strerror (-r));
  sd_bus_message_unref (m);
}

/* ---- set-up --------------------------------------------------------- */

CkdNotificationClient *
ckd_notification_client_new (sd_bus *bus, const CkdNotificationClientEvents *events,
                             gpointer user_data)
{
  CkdNotificationClient *self = g_new0 (CkdNotificationClient, 1);
  int r;

  self->bus = sd_bus_ref (bus);
  self->events = *events;
  self->user_data = user_data;
  /* No sender in the matches: sd-bus would compare the well-known name
   * with the unique name the signals carry. from_server() checks. */
  r = sd_bus_match_signal_async (bus, &self->action_invoked_slot, NULL, NOTIFICATIONS_PATH,
                                 NOTIFICATIONS_INTERFACE, "ActionInvoked", on_action_invoked,
                                 NULL, self);
  if (r >= 0)
    r = sd_bus_match_signal_async (bus, &self->closed_slot, NULL, NOTIFICATIONS_PATH,
                                   NOTIFICATIONS_INTERFACE, "NotificationClosed",
                                   on_notification_closed, NULL, self);
  if (r >= 0)
    r = sd_bus_add_match_async (bus, &self->owner_changed_slot,
                                "type='signal',sender='org.freedesktop.DBus',"
                                "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                "member='NameOwnerChanged',arg0='" NOTIFICATIONS_NAME "'",
                                on_name_owner_changed, NULL, self);
  /* After the match, so that a server appearing in between is seen. */
  if (r >= 0)
    r = sd_bus_call_method_async (bus, &self->query_slot, "org.freedesktop.DBus",
                                  "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                  "GetNameOwner", on_name_owner, self, "s", NOTIFICATIONS_NAME);
  if (r < 0)
    g_warning ("cannot follow the notification server: %s", g_strerror (-r));
  return self;
}

void
ckd_notification_client_free (CkdNotificationClient *self)
{
  if (self == NULL)
    return;
  while (self->pending != NULL)
    pending_finish (self->pending->data, CKD_NOTIFY_CANCELLED, 0, "cancelled");
  sd_bus_slot_unref (self->owner_changed_slot);
  sd_bus_slot_unref (self->action_invoked_slot);
  sd_bus_slot_unref (self->closed_slot);
  sd_bus_slot_unref (self->query_slot);
  g_free (self->server_owner);
  sd_bus_unref (self->bus);
  g_free (self);
}

gboolean
ckd_notification_client_has_server (CkdNotificationClient *self)
{
  return self->has_server;
}

gboolean
ckd_notification_client_has_actions (CkdNotificationClient *self)
{
  return self->has_actions;
}

gboolean
ckd_notification_client_has_body (CkdNotificationClient *self)
{
  return self->has_body;
}

gboolean
ckd_notification_client_has_body_markup (CkdNotificationClient *self)
{
  return self->has_body_markup;
}

guint
ckd_notification_client_get_generation (CkdNotificationClient *self)
{
  return self->generation;
}
