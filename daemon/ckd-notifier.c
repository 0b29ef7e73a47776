/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include <glib/gi18n.h>

#include "ckd-context.h"
#include "ckd-dispatch.h"
#include "ckd-limits.h"
#include "ckd-notifier.h"

/* Direct GDBus rather than libnotify: libnotify 0.8 makes its Notify,
 * Close and GetCapabilities calls synchronously, which would block the
 * one main loop (and every provider) on a slow or hung notification
 * server. */

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"
#define CAPABILITY "notifications"

/* NotificationClosed reasons of the specification. */
#define CLOSED_DISMISSED 2

typedef enum
{
  KIND_RINGING,
  KIND_ONGOING,
  KIND_MISSED,
} Kind;

/* One notification. Its owner is by_id once the server gave it an id,
 * the NotifyData of its Notify call while that is in flight, and the
 * missed queue while it waits for a server (a missed call's, lost with the
 * server that showed it). */
typedef struct
{
  guint32 id; /* 0 while Notify is in flight or while waiting */
  Kind kind;
  char *uuid;
  char *provider_path;
  CkdHandle handle;
  gboolean video;
  guint generation; /* of the server it was sent to */
  gboolean stale;   /* in flight when its call left the state it shows */
  gboolean waiting; /* missed, not shown: no server had it yet */
  char *shown;      /* what was sent, to update only on a change */
  /* A missed call's notification, kept to show it again on a new server
   * (the call itself is gone). */
  char *icon;
  char *summary;
  char *body; /* without markup */
  GVariant *hints;
  gint32 expire_timeout;
} Entry;

struct _CkdNotifier
{
  CkdContext *ctx;
  GDBusConnection *connection;
  GCancellable *cancellable;
  guint watch_id;
  guint action_invoked_id;
  guint closed_id;

  char *server_owner;     /* unique name of the server, or NULL */
  gboolean has_server;    /* its name has an owner and GetCapabilities answered */
  gboolean has_actions;
  gboolean has_body_markup;
  guint generation;       /* bumped every time the server goes away */
  gboolean logged_absent; /* each said once in the log */
  gboolean logged_no_actions;

  GHashTable *by_id;     /* notification id -> Entry *, owned */
  GHashTable *ringing;   /* uuid -> Entry *, not owned (by_id or in flight) */
  GHashTable *ongoing;   /* uuid -> Entry *, the same */
  GHashTable *dismissed; /* uuids whose ringing notification the user closed */
  GHashTable *dismissed_ongoing;
  GQueue missed;  /* Entry *, every missed-call notification, oldest first */
  guint in_flight; /* Notify calls for new notifications, unanswered */
  gboolean stopping;
  gulong settings_changed_id;
};

static void
entry_free (Entry *entry)
{
  g_free (entry->uuid);
  g_free (entry->provider_path);
  ckd_handle_clear (&entry->handle);
  g_free (entry->shown);
  g_free (entry->icon);
  g_free (entry->summary);
  g_free (entry->body);
  g_clear_pointer (&entry->hints, g_variant_unref);
  g_free (entry);
}

/* ---- pure parts ---------------------------------------------------- */

char *
ckd_notifier_caller_label (const CkdCall *call)
{
  if (call->localized_caller_name != NULL && *call->localized_caller_name != '\0')
    return g_strdup (call->localized_caller_name);
  if (call->remote_handle.value != NULL && *call->remote_handle.value != '\0')
    return g_strdup (call->remote_handle.value);
  /* Translators: the caller of a call that came with no name and no
   * number or address */
  return g_strdup (_("Unknown caller"));
}

char *
ckd_notifier_ringing_summary (const CkdCall *call)
{
  return ckd_notifier_caller_label (call);
}

char *
ckd_notifier_ringing_body (const CkdCall *call, gboolean markup)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();
  g_autofree char *summary = ckd_notifier_caller_label (call);
  g_autofree char *text = NULL;
  const char *handle = call->remote_handle.value;

  /* The handle adds something only when the summary is a name. */
  if (handle != NULL && *handle != '\0' && g_strcmp0 (summary, handle) != 0)
    g_ptr_array_add (lines, (gpointer) handle);
  g_ptr_array_add (lines, (gpointer) ckd_provider_display_name (call->provider));
  if (call->has_video)
    /* Translators: a line of a call notification's body */
    g_ptr_array_add (lines, (gpointer) _("video call"));
  g_ptr_array_add (lines, NULL);
  text = g_strjoinv ("\n", (char **) lines->pdata);
  /* Servers with body-markup drop what looks like a tag: <sip:...>. */
  return markup ? g_markup_escape_text (text, -1) : g_steal_pointer (&text);
}

char *
ckd_notifier_missed_summary (const CkdCall *call)
{
  g_autofree char *label = ckd_notifier_caller_label (call);

  /* Translators: %s is the caller's name, number or address, or
   * "Unknown caller" */
  return g_strdup_printf (_("Missed call from %s"), label);
}

CkdCall *
ckd_notifier_find_active_call (GHashTable *live_calls, const CkdCall *call)
{
  GHashTableIter iter;
  CkdCall *other;

  g_hash_table_iter_init (&iter, live_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != call && ckd_call_state_is_live_group (other->state)
        && ckd_call_state_is_active_like (other->state))
      return other;
  return NULL;
}

static gboolean
trial_valid (GHashTable *live_calls, GPtrArray *actions)
{
  CkdTransactionScope scope = { .live_calls = live_calls };

  return ckd_transaction_validate (actions, &scope, NULL);
}

static GPtrArray *
new_action_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
}

static CkdAction *
new_set_held (const char *uuid, gboolean on_hold)
{
  CkdAction *action = ckd_action_new (CKD_ACTION_SET_HELD, uuid);

  action->on_hold = on_hold;
  return action;
}

/* End-call actions for @active and the calls of its group: "End &
 * Answer" ends the conversation the user is in, not one member of it. */
static void
add_end_active (GPtrArray *actions, GHashTable *live_calls, CkdCall *active)
{
  GHashTableIter iter;
  CkdCall *other;

  g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, active->uuid));
  if (active->group == NULL)
    return;
  g_hash_table_iter_init (&iter, live_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != active && g_strcmp0 (other->group, active->group) == 0
        && other->provider == active->provider && other->state != CKD_CALL_STATE_ENDED)
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, other->uuid));
}

CkdNotifierAnswer
ckd_notifier_choose_answer (GHashTable *live_calls, CkdCall *call)
{
  g_autoptr (GPtrArray) answer = new_action_list ();
  g_autoptr (GPtrArray) hold = new_action_list ();
  g_autoptr (GPtrArray) end = new_action_list ();
  CkdCall *active;
  gboolean can_hold, can_end;

  g_ptr_array_add (answer, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  if (trial_valid (live_calls, answer))
    return CKD_NOTIFIER_ANSWER;
  active = ckd_notifier_find_active_call (live_calls, call);
  if (active == NULL)
    return CKD_NOTIFIER_NO_ANSWER;

  g_ptr_array_add (hold, new_set_held (active->uuid, TRUE));
  g_ptr_array_add (hold, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  can_hold = trial_valid (live_calls, hold);
  add_end_active (end, live_calls, active);
  g_ptr_array_add (end, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  can_end = trial_valid (live_calls, end);

  if (can_hold && can_end)
    return CKD_NOTIFIER_HOLD_OR_END_ANSWER;
  if (can_hold)
    return CKD_NOTIFIER_HOLD_ANSWER;
  if (can_end)
    return CKD_NOTIFIER_END_ANSWER;
  return CKD_NOTIFIER_NO_ANSWER;
}

GStrv
ckd_notifier_ringing_actions (CkdNotifierAnswer answer)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  /* Translators: the notification's default action, which opens the
   * app's window for the call */
  g_strv_builder_add_many (builder, "default", _("Show"), NULL);
  switch (answer)
    {
    case CKD_NOTIFIER_ANSWER:
      g_strv_builder_add_many (builder, "answer", _("Answer"), NULL);
      break;
    case CKD_NOTIFIER_HOLD_OR_END_ANSWER:
      /* Translators: a button: put the current call on hold and answer
       * the ringing one */
      g_strv_builder_add_many (builder, "hold-answer", _("Hold & Answer"), NULL);
      /* Translators: a button: hang up the current call and answer the
       * ringing one */
      g_strv_builder_add_many (builder, "end-answer", _("End & Answer"), NULL);
      break;
    case CKD_NOTIFIER_HOLD_ANSWER:
      g_strv_builder_add_many (builder, "hold-answer", _("Hold & Answer"), NULL);
      break;
    case CKD_NOTIFIER_END_ANSWER:
      g_strv_builder_add_many (builder, "end-answer", _("End & Answer"), NULL);
      break;
    case CKD_NOTIFIER_NO_ANSWER:
    default:
      break;
    }
  g_strv_builder_add_many (builder, "decline", _("Decline"), NULL);
  return g_strv_builder_end (builder);
}

char *
ckd_notifier_ongoing_body (const CkdCall *call, gboolean markup)
{
  g_autofree char *base = ckd_notifier_ringing_body (call, FALSE);
  g_autoptr (GString) text = g_string_new (base);

  if (call->state == CKD_CALL_STATE_HELD)
    /* Translators: a line of the body: the call is on hold */
    g_string_append_printf (text, "\n%s", _("On hold"));
  if (call->muted)
    /* Translators: a line of the body: the microphone is muted */
    g_string_append_printf (text, "\n%s", _("Muted"));
  if (markup)
    return g_markup_escape_text (text->str, -1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

GStrv
ckd_notifier_ongoing_actions (const CkdCall *call)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, "default", _("Show"), "hang-up", _("Hang up"), NULL);
  if (call->muted)
    g_strv_builder_add_many (builder, "unmute", _("Unmute"), NULL);
  else
    g_strv_builder_add_many (builder, "mute", _("Mute"), NULL);
  if (call->supports_holding && call->state == CKD_CALL_STATE_HELD)
    g_strv_builder_add_many (builder, "resume", _("Resume"), NULL);
  else if (call->supports_holding && call->state == CKD_CALL_STATE_ACTIVE)
    /* Translators: a button that puts the call on hold */
    g_strv_builder_add_many (builder, "hold", _("Hold"), NULL);
  return g_strv_builder_end (builder);
}

/* ---- capabilities -------------------------------------------------- */

static void
set_capability (CkdNotifier *self, gboolean on)
{
  const char *const *now = ckd_dbus_manager_get_capabilities (self->ctx->manager);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) caps = NULL;
  gboolean present = now != NULL && g_strv_contains (now, CAPABILITY);

  if (present == on)
    return;
  for (guint i = 0; now != NULL && now[i] != NULL; i++)
    if (!g_str_equal (now[i], CAPABILITY))
      g_strv_builder_add (builder, now[i]);
  if (on)
    g_strv_builder_add (builder, CAPABILITY);
  caps = g_strv_builder_end (builder);
  ckd_dbus_manager_set_capabilities (self->ctx->manager, (const char *const *) caps);
}

/* ---- talking to the server ----------------------------------------- */

static void
close_notification (CkdNotifier *self, guint32 id)
{
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_INTERFACE, "CloseNotification",
                          g_variant_new ("(u)", id), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          NULL, NULL, NULL);
}

/* Forgets @entry; it must be in by_id (shown) or be freed by its reply. */
static GHashTable *
table_of (CkdNotifier *self, Kind kind)
{
  switch (kind)
    {
    case KIND_RINGING:
      return self->ringing;
    case KIND_ONGOING:
      return self->ongoing;
    case KIND_MISSED:
    default:
      return NULL;
    }
}

static void
forget_entry (CkdNotifier *self, Entry *entry)
{
  GHashTable *table = table_of (self, entry->kind);

  if (table != NULL && g_hash_table_lookup (table, entry->uuid) == entry)
    g_hash_table_remove (table, entry->uuid);
  if (entry->kind == KIND_MISSED)
    g_queue_remove (&self->missed, entry);
  if (entry->waiting)
    entry_free (entry);
  else if (entry->id != 0)
    g_hash_table_remove (self->by_id, GUINT_TO_POINTER (entry->id));
  else
    entry->stale = TRUE;
}

static void
close_entry (CkdNotifier *self, Entry *entry)
{
  if (entry->id != 0)
    close_notification (self, entry->id);
  forget_entry (self, entry);
}

static void refresh_entry (CkdNotifier *self, Entry *entry);
static void show_waiting_missed (CkdNotifier *self);

/* A missed-call notification that stays until dismissed: a new server
 * shows it again. */
static gboolean
keeps_missed (const Entry *entry)
{
  return entry->kind == KIND_MISSED && entry->expire_timeout == 0;
}

/* ---- what the user chose ------------------------------------------- */

/* The command line turns a kind off for good; callkitd.conf decides the
 * rest. */
static CkdNotificationSettings
choices (CkdNotifier *self)
{
  CkdUserSettings file;

  if (self->ctx->user_settings != NULL)
    file = *ckd_settings_monitor_get (self->ctx->user_settings);
  else
    ckd_user_settings_init (&file);
  return (CkdNotificationSettings) {
    .ringing = file.notifications.ringing && !self->ctx->settings.no_ringing_notifications,
    .ongoing = file.notifications.ongoing && !self->ctx->settings.no_ongoing_notifications,
    .missed = file.notifications.missed && !self->ctx->settings.no_missed_call_notifications,
    .missed_persistent =
      file.notifications.missed_persistent && !self->ctx->settings.transient_missed_calls,
  };
}

typedef struct
{
  CkdNotifier *self;
  Entry *entry; /* NULL for an update in place */
} NotifyData;

static void
notify_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NotifyData *data = user_data;
  CkdNotifier *self = data->self;
  Entry *entry = data->entry;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  Entry *other;
  guint32 id;

  g_free (data);
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The notifier is gone; so is every table. */
      if (entry != NULL)
        entry_free (entry);
      return;
    }
  if (entry != NULL)
    self->in_flight--;
  if (self->stopping)
    {
      /* ckd_notifier_free() waits for these: what was shown goes. (An id
       * from a server that has left means nothing to the one there now.) */
      if (entry != NULL && reply != NULL && entry->generation == self->generation)
        {
          g_variant_get (reply, "(u)", &id);
          if (id != 0)
            close_notification (self, id);
        }
      if (entry != NULL)
        {
          g_queue_remove (&self->missed, entry);
          entry_free (entry);
        }
      return;
    }
  if (entry == NULL)
    {
      if (error != NULL)
        g_debug ("cannot update a notification: %s", error->message);
      return;
    }
  if (!entry->stale && entry->generation != self->generation && keeps_missed (entry))
    {
      /* Sent to a server that left before answering: the next one shows
       * it. */
      entry->waiting = TRUE;
      if (self->has_server)
        show_waiting_missed (self);
      return;
    }
  if (reply == NULL)
    {
      g_message ("cannot show a notification for call %s: %s", entry->uuid, error->message);
      forget_entry (self, entry);
      entry_free (entry);
      return;
    }
  g_variant_get (reply, "(u)", &id);
  if (entry->stale || entry->generation != self->generation)
    {
      if (entry->generation == self->generation)
        close_notification (self, id);
      forget_entry (self, entry);
      entry_free (entry);
      return;
    }
  if (id == 0)
    {
      g_message ("the notification server gave call %s no notification id", entry->uuid);
      forget_entry (self, entry);
      entry_free (entry);
      return;
    }
  /* A server that hands out an id twice replaced that notification. */
  other = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  if (other != NULL)
    forget_entry (self, other);
  entry->id = id;
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), entry);
  /* Changes while it was in flight were not sent: send them now. (Had
   * the call left the state shown, the entry would be stale.) */
  refresh_entry (self, entry);
}

static void
send_notify (CkdNotifier *self, Entry *entry, gboolean first, const char *icon,
             const char *summary, const char *body, char **actions, GVariant *hints,
             gint32 expire_timeout)
{
  NotifyData *data = g_new0 (NotifyData, 1);

  data->self = self;
  data->entry = first ? entry : NULL;
  if (first)
    self->in_flight++;
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_INTERFACE, "Notify",
                          g_variant_new ("(susss^as@a{sv}i)", "callkitd",
                                         first ? 0 : entry->id, icon, summary, body,
                                         self->has_actions ? actions : (char *[]) { NULL },
                                         hints, expire_timeout),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->cancellable, notify_done, data);
}

static Entry *
entry_new (CkdNotifier *self, Kind kind, CkdCall *call)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->kind = kind;
  entry->uuid = g_strdup (call->uuid);
  entry->provider_path = g_strdup (call->provider->object_path);
  ckd_handle_copy (&entry->handle, &call->remote_handle);
  entry->video = call->has_video;
  entry->generation = self->generation;
  return entry;
}

static GVariant *
build_hints (CkdCall *call, const char *category, guchar urgency, gboolean resident,
             gboolean suppress_sound)
{
  const char *desktop_entry = call->provider->config.desktop_entry;
  GVariantBuilder hints;

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string (category));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (urgency));
  if (resident)
    g_variant_builder_add (&hints, "{sv}", "resident", g_variant_new_boolean (TRUE));
  /* callkitd rings itself: a server's own alert sound would ring twice. */
  if (suppress_sound)
    g_variant_builder_add (&hints, "{sv}", "suppress-sound", g_variant_new_boolean (TRUE));
  if (desktop_entry != NULL && *desktop_entry != '\0')
    g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (desktop_entry));
  return g_variant_builder_end (&hints);
}

static const char *
call_icon (CkdCall *call)
{
  const char *icon = call->provider->config.icon_name;

  return icon != NULL && *icon != '\0' ? icon : "call-start";
}

/* Shows @call's notification of @kind, or updates it in place when what
 * it says changed. */
static void
show_call (CkdNotifier *self, Kind kind, CkdCall *call, const char *summary, const char *body,
           char **actions, const char *category, guchar urgency)
{
  GHashTable *table = table_of (self, kind);
  Entry *entry = g_hash_table_lookup (table, call->uuid);
  g_autofree char *joined = g_strjoinv ("\x1f", actions);
  gboolean suppress_sound = kind == KIND_RINGING && self->ctx->ringer != NULL
                            && ckd_ringer_plays_sound (self->ctx->ringer);
  g_autofree char *shown = g_strdup_printf ("%s\x1e%s\x1e%s\x1e%s\x1e%d", call_icon (call),
                                            summary, body, joined, suppress_sound);
  gboolean first = entry == NULL;

  /* In flight: notify_done sends what changed meanwhile. */
  if (entry != NULL && (entry->id == 0 || g_str_equal (entry->shown, shown)))
    return;
  if (first)
    {
      entry = entry_new (self, kind, call);
      g_hash_table_insert (table, entry->uuid, entry);
    }
  g_free (entry->shown);
  entry->shown = g_steal_pointer (&shown);
  send_notify (self, entry, first, call_icon (call), summary, body, actions,
               build_hints (call, category, urgency, TRUE, suppress_sound), 0);
}

static void
show_ringing (CkdNotifier *self, CkdCall *call)
{
  g_autofree char *summary = ckd_notifier_ringing_summary (call);
  g_autofree char *body = ckd_notifier_ringing_body (call, self->has_body_markup);
  g_auto (GStrv) actions =
    ckd_notifier_ringing_actions (ckd_notifier_choose_answer (self->ctx->calls, call));

  show_call (self, KIND_RINGING, call, summary, body, actions, "call.incoming", 2);
}

static void
show_ongoing (CkdNotifier *self, CkdCall *call)
{
  g_autofree char *summary = ckd_notifier_caller_label (call);
  g_autofree char *body = ckd_notifier_ongoing_body (call, self->has_body_markup);
  g_auto (GStrv) actions = ckd_notifier_ongoing_actions (call);

  show_call (self, KIND_ONGOING, call, summary, body, actions, "call", 1);
}

static gboolean
is_ongoing (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_ACTIVE || call->state == CKD_CALL_STATE_HELD;
}

static gboolean
is_ringing_incoming (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_RINGING && !call->outgoing;
}

void
ckd_notifier_calls_changed (CkdNotifier *self)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  CkdCall *call;
  Entry *entry;
  CkdNotificationSettings chosen;

  if (self->stopping)
    return;
  chosen = choices (self);
  /* Notifications whose call left ringing, or whose kind was turned off,
   * close first. */
  g_hash_table_iter_init (&iter, self->ringing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      call = ckd_context_lookup_call (self->ctx, entry->uuid);
      if (call == NULL || !is_ringing_incoming (call) || !chosen.ringing)
        g_ptr_array_add (gone, entry);
    }
  g_hash_table_iter_init (&iter, self->ongoing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      call = ckd_context_lookup_call (self->ctx, entry->uuid);
      if (call == NULL || !is_ongoing (call) || !chosen.ongoing)
        g_ptr_array_add (gone, entry);
    }
  for (guint i = 0; i < gone->len; i++)
    close_entry (self, g_ptr_array_index (gone, i));
  while (!chosen.missed && self->missed.length > 0)
    close_entry (self, g_queue_peek_head (&self->missed));

  if (!self->has_server)
    return;
  g_hash_table_iter_init (&iter, self->ctx->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      if (is_ringing_incoming (call))
        {
          if (chosen.ringing && !g_hash_table_contains (self->dismissed, call->uuid))
            show_ringing (self, call);
        }
      else if (is_ongoing (call))
        {
          if (chosen.ongoing && !g_hash_table_contains (self->dismissed_ongoing, call->uuid))
            show_ongoing (self, call);
        }
    }
}

static void
refresh_entry (CkdNotifier *self, Entry *entry)
{
  CkdCall *call = ckd_context_lookup_call (self->ctx, entry->uuid);

  if (call == NULL)
    return;
  if (entry->kind == KIND_RINGING && is_ringing_incoming (call))
    show_ringing (self, call);
  else if (entry->kind == KIND_ONGOING && is_ongoing (call))
    show_ongoing (self, call);
}

void
ckd_notifier_call_changed (CkdNotifier *self, CkdCall *call)
{
  /* A ringing call is in no group: its change alters no other call's
   * options, so only its own notification needs a look. This keeps a
   * burst of incoming reports linear. */
  if (!is_ringing_incoming (call))
    {
      ckd_notifier_calls_changed (self);
      return;
    }
  if (!self->stopping && self->has_server && choices (self).ringing
      && !g_hash_table_contains (self->dismissed, call->uuid))
    show_ringing (self, call);
}

/* Sends a missed call's notification as a new one, to the server there
 * is now. */
static void
send_missed (CkdNotifier *self, Entry *entry)
{
  g_autofree char *body = self->has_body_markup ? g_markup_escape_text (entry->body, -1)
                                                : g_strdup (entry->body);
  /* Translators: buttons of a missed call's notification */
  const char *actions[] = { "call-back", _("Call back"), "dismiss", _("Dismiss"), NULL };
  /* An unknown caller cannot be called back. */
  gboolean can_call_back = *entry->handle.value != '\0';

  entry->waiting = FALSE;
  entry->generation = self->generation;
  send_notify (self, entry, TRUE, entry->icon, entry->summary, body,
               (char **) (can_call_back ? actions : actions + 2), entry->hints,
               entry->expire_timeout);
}

static void
show_waiting_missed (CkdNotifier *self)
{
  for (GList *l = self->missed.head; l != NULL; l = l->next)
    {
      Entry *entry = l->data;

      if (entry->waiting)
        send_missed (self, entry);
    }
}

static void
show_missed (CkdNotifier *self, CkdCall *call)
{
  Entry *entry = entry_new (self, KIND_MISSED, call);

  entry->icon = g_strdup (call_icon (call));
  entry->summary = ckd_notifier_missed_summary (call);
  entry->body = ckd_notifier_ringing_body (call, FALSE);
  entry->hints = g_variant_ref_sink (build_hints (call, "call.unanswered", 1, FALSE, FALSE));
  /* -1: the server's default expiry; 0: until the user dismisses it. */
  entry->expire_timeout = choices (self).missed_persistent ? 0 : -1;
  g_queue_push_tail (&self->missed, entry);
  if (!self->has_server)
    entry->waiting = TRUE;
  /* A flood of missed calls must not grow without bound: the oldest go. */
  while (self->missed.length > CKD_MAX_MISSED_CALL_NOTIFICATIONS)
    close_entry (self, g_queue_peek_head (&self->missed));
  if (entry->waiting)
    {
      /* Shown when a server comes, if it is still missed by then. */
      if (!keeps_missed (entry))
        forget_entry (self, entry);
      return;
    }
  send_missed (self, entry);
}

void
ckd_notifier_call_ended (CkdNotifier *self, CkdCall *call, gboolean was_ringing)
{
  if (self->stopping)
    return;
  /* A dismissed ringing call was still missed. */
  g_hash_table_remove (self->dismissed, call->uuid);
  g_hash_table_remove (self->dismissed_ongoing, call->uuid);
  ckd_notifier_calls_changed (self);
  if (was_ringing && choices (self).missed
      && (call->ended_reason == CKD_ENDED_REASON_UNANSWERED
          || call->ended_reason == CKD_ENDED_REASON_REMOTE_ENDED))
    show_missed (self, call);
}

/* ---- what the user does -------------------------------------------- */

static void
request (CkdNotifier *self, GPtrArray *actions, const char *what)
{
  g_autoptr (GError) error = NULL;

  if (ckd_dispatch_request (self->ctx, NULL, actions, NULL, NULL, NULL, &error) == NULL)
    g_message ("cannot %s from the notification: %s", what, error->message);
}

/* A click on the body: the app shows its own window for the call. */
static void
request_show_call (CkdNotifier *self, CkdCall *call)
{
  ckd_context_emit_to (self->ctx, call->provider->owner, call->provider->object_path,
                       CKD_INTERFACE_PREFIX "Provider", "ShowCallRequested",
                       g_variant_new ("(s)", call->uuid));
}

static void
ringing_action (CkdNotifier *self, Entry *entry, const char *key)
{
  CkdCall *call = ckd_context_lookup_call (self->ctx, entry->uuid);
  GPtrArray *actions;
  CkdCall *active;

  /* A late or duplicate click on a call that moved on does nothing. */
  if (call == NULL || !is_ringing_incoming (call))
    return;
  if (g_str_equal (key, "default"))
    {
      request_show_call (self, call);
      return;
    }

  actions = new_action_list ();
  active = ckd_notifier_find_active_call (self->ctx->calls, call);
  if (g_str_equal (key, "answer"))
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  else if (g_str_equal (key, "decline"))
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, call->uuid));
  else if (g_str_equal (key, "hold-answer") && active != NULL)
    {
      g_ptr_array_add (actions, new_set_held (active->uuid, TRUE));
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
    }
  else if (g_str_equal (key, "end-answer") && active != NULL)
    {
      add_end_active (actions, self->ctx->calls, active);
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
    }
  if (actions->len == 0)
    {
      g_ptr_array_unref (actions);
      return;
    }
  request (self, actions, key);
}

static void
ongoing_action (CkdNotifier *self, Entry *entry, const char *key)
{
  CkdCall *call = ckd_context_lookup_call (self->ctx, entry->uuid);
  GPtrArray *actions;

  if (call == NULL || !is_ongoing (call))
    return;
  if (g_str_equal (key, "default"))
    {
      request_show_call (self, call);
      return;
    }
  actions = new_action_list ();
  if (g_str_equal (key, "hang-up"))
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, call->uuid));
  else if (g_str_equal (key, "mute") || g_str_equal (key, "unmute"))
    {
      CkdAction *mute = ckd_action_new (CKD_ACTION_SET_MUTED, call->uuid);
      mute->muted = g_str_equal (key, "mute");
      g_ptr_array_add (actions, mute);
    }
  else if (g_str_equal (key, "hold") || g_str_equal (key, "resume"))
    g_ptr_array_add (actions, new_set_held (call->uuid, g_str_equal (key, "hold")));
  if (actions->len == 0)
    {
      g_ptr_array_unref (actions);
      return;
    }
  request (self, actions, key);
}

static void
missed_action (CkdNotifier *self, Entry *entry, const char *key)
{
  if (g_str_equal (key, "call-back") && *entry->handle.value != '\0')
    {
      g_autofree char *uuid = g_uuid_string_random ();
      GPtrArray *actions = new_action_list ();
      CkdAction *start = ckd_action_new (CKD_ACTION_START_CALL, uuid);

      ckd_handle_clear (&start->handle);
      ckd_handle_copy (&start->handle, &entry->handle);
      start->video = entry->video;
      start->provider_path = g_strdup (entry->provider_path);
      g_ptr_array_add (actions, start);
      request (self, actions, "call back");
    }
  /* Either way the missed call is dealt with. */
  close_entry (self, entry);
}

static void
on_action_invoked (GDBusConnection *connection, const char *sender, const char *path,
                   const char *interface, const char *signal, GVariant *parameters,
                   gpointer user_data)
{
  CkdNotifier *self = user_data;
  const char *key;
  guint32 id;
  Entry *entry;

  /* GLib before 2.80 (without the CVE-2024-34397 fix) delivers a signal
   * subscribed by well-known name from any sender: anyone could answer. */
  if (g_strcmp0 (sender, self->server_owner) != 0
      || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &key);
  entry = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  if (entry == NULL)
    return;
  g_debug ("notification %u (call %s): action %s", id, entry->uuid, key);
  switch (entry->kind)
    {
    case KIND_RINGING:
      ringing_action (self, entry, key);
      break;
    case KIND_ONGOING:
      ongoing_action (self, entry, key);
      break;
    case KIND_MISSED:
    default:
      missed_action (self, entry, key);
      break;
    }
}

static void
on_notification_closed (GDBusConnection *connection, const char *sender, const char *path,
                        const char *interface, const char *signal, GVariant *parameters,
                        gpointer user_data)
{
  CkdNotifier *self = user_data;
  guint32 id, reason;
  Entry *entry;

  if (g_strcmp0 (sender, self->server_owner) != 0
      || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    return;
  g_variant_get (parameters, "(uu)", &id, &reason);
  entry = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  if (entry == NULL)
    return;
  if (reason == CLOSED_DISMISSED)
    {
      CkdCall *call = ckd_context_lookup_call (self->ctx, entry->uuid);
      /* Silenced, not declined: it can still be answered elsewhere. */
      if (entry->kind == KIND_RINGING && call != NULL && is_ringing_incoming (call))
        {
          g_hash_table_add (self->dismissed, g_strdup (call->uuid));
          if (self->ctx->ringer != NULL)
            ckd_ringer_silence (self->ctx->ringer, call->uuid);
        }
      else if (entry->kind == KIND_ONGOING && call != NULL && is_ongoing (call))
        g_hash_table_add (self->dismissed_ongoing, g_strdup (call->uuid));
    }
  forget_entry (self, entry);
}

/* ---- the server coming and going ----------------------------------- */

static void
capabilities_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CkdNotifier *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree const char **caps = NULL;
  g_autofree char *joined = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      g_message ("the notification server did not tell its capabilities: %s", error->message);
      return;
    }
  /* The server left while it was answering. */
  if (self->server_owner == NULL)
    return;
  g_variant_get (reply, "(^a&s)", &caps);
  self->has_server = TRUE;
  self->has_actions = g_strv_contains (caps, "actions");
  self->has_body_markup = g_strv_contains (caps, "body-markup");
  joined = g_strjoinv (", ", (char **) caps);
  g_debug ("notification server %s has: %s", self->server_owner, joined);
  if (!self->has_actions && !self->logged_no_actions)
    {
      g_message ("the notification server has no actions (it has: %s): calls are shown but "
                 "cannot be answered from notifications",
                 *joined != '\0' ? joined : "nothing");
      self->logged_no_actions = TRUE;
    }
  set_capability (self, self->has_actions);
  ckd_notifier_calls_changed (self);
  show_waiting_missed (self);
}

static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner,
                  gpointer user_data)
{
  CkdNotifier *self = user_data;

  g_debug ("notification server %s appeared", owner);
  g_free (self->server_owner);
  self->server_owner = g_strdup (owner);
  g_dbus_connection_call (connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_INTERFACE, "GetCapabilities", NULL,
                          G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->cancellable, capabilities_done, self);
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  CkdNotifier *self = user_data;
  GHashTableIter iter;
  Entry *entry;

  if (!self->logged_absent)
    {
      g_message ("no notification server: calls are not shown to the user");
      self->logged_absent = TRUE;
    }
  /* What the old server showed is gone with it; a new one shows ringing
   * and ongoing calls again, and missed calls that stay until dismissed. */
  self->generation++;
  g_clear_pointer (&self->server_owner, g_free);
  self->has_server = FALSE;
  self->has_actions = FALSE;
  g_hash_table_iter_init (&iter, self->ringing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->id == 0)
      entry->stale = TRUE;
  g_hash_table_iter_init (&iter, self->ongoing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->id == 0)
      entry->stale = TRUE;
  g_hash_table_remove_all (self->ringing);
  g_hash_table_remove_all (self->ongoing);
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (entry->kind != KIND_MISSED)
        continue;
      if (keeps_missed (entry))
        {
          g_hash_table_iter_steal (&iter);
          entry->id = 0;
          entry->waiting = TRUE;
        }
      else
        g_queue_remove (&self->missed, entry);
    }
  g_hash_table_remove_all (self->by_id);
  g_hash_table_remove_all (self->dismissed);
  g_hash_table_remove_all (self->dismissed_ongoing);
  set_capability (self, FALSE);
}

CkdNotifier *
ckd_notifier_new (gpointer ctx, GDBusConnection *connection)
{
  CkdNotifier *self = g_new0 (CkdNotifier, 1);

  self->ctx = ctx;
  self->connection = g_object_ref (connection);
  self->cancellable = g_cancellable_new ();
  self->by_id = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) entry_free);
  self->ringing = g_hash_table_new (g_str_hash, g_str_equal);
  self->ongoing = g_hash_table_new (g_str_hash, g_str_equal);
  self->dismissed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dismissed_ongoing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Subscribed by well-known name: only the server's own signals count. */
  self->action_invoked_id = g_dbus_connection_signal_subscribe (
    connection, NOTIFICATIONS_NAME, NOTIFICATIONS_INTERFACE, "ActionInvoked", NOTIFICATIONS_PATH,
    NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_action_invoked, self, NULL);
  self->closed_id = g_dbus_connection_signal_subscribe (
    connection, NOTIFICATIONS_NAME, NOTIFICATIONS_INTERFACE, "NotificationClosed",
    NOTIFICATIONS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_notification_closed, self, NULL);
  if (self->ctx->user_settings != NULL)
    self->settings_changed_id =
      g_signal_connect_swapped (self->ctx->user_settings, "changed",
                                G_CALLBACK (ckd_notifier_calls_changed), self);
  self->watch_id = g_bus_watch_name_on_connection (connection, NOTIFICATIONS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, on_name_vanished, self,
                                                   NULL);
  return self;
}

static gboolean
on_shutdown_wait_over (gpointer user_data)
{
  gboolean *over = user_data;

  *over = TRUE;
  return G_SOURCE_REMOVE;
}

void
ckd_notifier_free (CkdNotifier *self)
{
  GHashTableIter iter;
  Entry *entry;

  if (self == NULL)
    return;
  self->stopping = TRUE;
  g_clear_signal_handler (&self->settings_changed_id, self->ctx->user_settings);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_dbus_connection_signal_unsubscribe (self->connection, self->action_invoked_id);
  g_dbus_connection_signal_unsubscribe (self->connection, self->closed_id);

  /* Resident and persistent notifications would outlive us otherwise,
   * with buttons nobody answers. */
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    close_notification (self, entry->id);
  /* Those still in flight get their id from the reply (notify_done closes
   * them); a server that does not answer in time keeps them. */
  if (self->in_flight > 0 && self->server_owner != NULL)
    {
      gboolean over = FALSE;
      guint timeout_id = g_timeout_add (CKD_NOTIFIER_SHUTDOWN_WAIT_MS, on_shutdown_wait_over, &over);

      g_debug ("waiting for %u notification id(s) to close them", self->in_flight);
      while (self->in_flight > 0 && !over)
        g_main_context_iteration (NULL, TRUE);
      if (over)
        g_message ("the notification server did not answer in time: %u notification(s) may stay",
                   self->in_flight);
      else
        g_source_remove (timeout_id);
    }

  g_cancellable_cancel (self->cancellable);
  /* Missed calls still waiting for a server are owned by the queue. */
  for (GList *l = self->missed.head; l != NULL; l = l->next)
    {
      entry = l->data;
      if (entry->waiting)
        entry_free (entry);
    }
  g_queue_clear (&self->missed);
  g_hash_table_destroy (self->ringing);
  g_hash_table_destroy (self->ongoing);
  g_hash_table_destroy (self->by_id);
  g_hash_table_destroy (self->dismissed);
  g_hash_table_destroy (self->dismissed_ongoing);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  g_free (self->server_owner);
  g_free (self);
}
