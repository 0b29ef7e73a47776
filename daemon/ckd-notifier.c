/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-context.h"
#include "ckd-dispatch.h"
#include "ckd-notifier.h"

/* Direct GDBus rather than libnotify: libnotify 0.8 makes its Notify,
 * Close and GetCapabilities calls synchronously, which would block the
 * one main loop (and every provider) on a slow or hung notification
 * server. */

/* Strings are not translated yet: _() marks them for when po/ and gettext
 * come. */
#define _(s) (s)

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

typedef struct
{
  guint32 id; /* 0 while Notify is in flight */
  Kind kind;
  char *uuid;
  char *provider_path;
  CkdHandle handle;
  gboolean video;
  guint generation; /* of the server it was sent to */
  gboolean stale;   /* in flight when its call left the state it shows */
  char *shown;      /* what was sent, to update only on a change */
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
};

static void
entry_free (Entry *entry)
{
  g_free (entry->uuid);
  g_free (entry->provider_path);
  ckd_handle_clear (&entry->handle);
  g_free (entry->shown);
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

  g_strv_builder_add_many (builder, "default", _("Show"), NULL);
  switch (answer)
    {
    case CKD_NOTIFIER_ANSWER:
      g_strv_builder_add_many (builder, "answer", _("Answer"), NULL);
      break;
    case CKD_NOTIFIER_HOLD_OR_END_ANSWER:
      g_strv_builder_add_many (builder, "hold-answer", _("Hold & Answer"), NULL);
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
    g_string_append_printf (text, "\n%s", _("On hold"));
  if (call->muted)
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
  if (entry->id != 0)
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
  if (entry == NULL)
    {
      if (error != NULL)
        g_debug ("cannot update a notification: %s", error->message);
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

  /* Notifications whose call left ringing close first. */
  g_hash_table_iter_init (&iter, self->ringing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      call = ckd_context_lookup_call (self->ctx, entry->uuid);
      if (call == NULL || !is_ringing_incoming (call))
        g_ptr_array_add (gone, entry);
    }
  g_hash_table_iter_init (&iter, self->ongoing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      call = ckd_context_lookup_call (self->ctx, entry->uuid);
      if (call == NULL || !is_ongoing (call))
        g_ptr_array_add (gone, entry);
    }
  for (guint i = 0; i < gone->len; i++)
    close_entry (self, g_ptr_array_index (gone, i));

  if (!self->has_server)
    return;
  g_hash_table_iter_init (&iter, self->ctx->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      if (is_ringing_incoming (call))
        {
          if (!self->ctx->settings.no_ringing_notifications
              && !g_hash_table_contains (self->dismissed, call->uuid))
            show_ringing (self, call);
        }
      else if (is_ongoing (call))
        {
          if (!self->ctx->settings.no_ongoing_notifications
              && !g_hash_table_contains (self->dismissed_ongoing, call->uuid))
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
  if (self->has_server && !self->ctx->settings.no_ringing_notifications
      && !g_hash_table_contains (self->dismissed, call->uuid))
    show_ringing (self, call);
}

static void
show_missed (CkdNotifier *self, CkdCall *call)
{
  Entry *entry = entry_new (self, KIND_MISSED, call);
  g_autofree char *summary = ckd_notifier_missed_summary (call);
  g_autofree char *body = ckd_notifier_ringing_body (call, self->has_body_markup);
  const char *actions[] = { "call-back", _("Call back"), "dismiss", _("Dismiss"), NULL };
  /* An unknown caller cannot be called back. */
  gboolean can_call_back = *entry->handle.value != '\0';

  /* -1: the server's default expiry; 0: until the user dismisses it. */
  send_notify (self, entry, TRUE, call_icon (call), summary, body,
               (char **) (can_call_back ? actions : actions + 2),
               build_hints (call, "call.unanswered", 1, FALSE, FALSE),
               self->ctx->settings.transient_missed_calls ? -1 : 0);
}

void
ckd_notifier_call_ended (CkdNotifier *self, CkdCall *call, gboolean was_ringing)
{
  /* A dismissed ringing call was still missed. */
  g_hash_table_remove (self->dismissed, call->uuid);
  g_hash_table_remove (self->dismissed_ongoing, call->uuid);
  ckd_notifier_calls_changed (self);
  if (self->has_server && was_ringing && !self->ctx->settings.no_missed_call_notifications
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
  if (!self->has_actions && !self->logged_no_actions)
    {
      g_message ("the notification server has no actions: calls are shown but cannot be "
                 "answered from notifications");
      self->logged_no_actions = TRUE;
    }
  set_capability (self, self->has_actions);
  ckd_notifier_calls_changed (self);
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
   * calls again. */
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
  self->watch_id = g_bus_watch_name_on_connection (connection, NOTIFICATIONS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, on_name_vanished, self,
                                                   NULL);
  return self;
}

void
ckd_notifier_free (CkdNotifier *self)
{
  GHashTableIter iter;
  Entry *entry;

  if (self == NULL)
    return;
  /* Resident notifications would outlive us otherwise. */
  g_hash_table_iter_init (&iter, self->ringing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->id != 0)
      close_notification (self, entry->id);
  g_hash_table_iter_init (&iter, self->ongoing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->id != 0)
      close_notification (self, entry->id);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_dbus_connection_signal_unsubscribe (self->connection, self->action_invoked_id);
  g_dbus_connection_signal_unsubscribe (self->connection, self->closed_id);
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
