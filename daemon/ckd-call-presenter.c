/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ckd-call-presenter.h"
#include "ckd-call-texts.h"
#include "ckd-limits.h"
#include "ckd-missed-calls.h"

#define CAPABILITY "notifications"

typedef enum
{
  KIND_RINGING,
  KIND_ONGOING,
} Kind;

/* One notification of a live call. Its owner is by_id once the server
 * gave it an id, and its Notify call while that is in flight. */
typedef struct
{
  CkdCallPresenter *owner;
  guint32 id; /* 0 while Notify is in flight */
  Kind kind;
  char *uuid;
  guint generation; /* of the server it was sent to */
  gboolean stale;   /* in flight when its call left the state it shows */
  char *shown;      /* what was sent, to update only on a change */
  char *ticking;    /* ongoing: the duration sent, apart from the rest */
  guint tick_id;    /* ongoing: the next update of the duration */
} Entry;

struct _CkdCallPresenter
{
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  CkdNotificationClient *client;
  /* The missed calls, from the history (ckd-missed-calls.c). */
  CkdMissedCalls *missed;

  GHashTable *by_id;     /* notification id -> Entry *, owned */
  GHashTable *ringing;   /* uuid -> Entry *, not owned (by_id or in flight) */
  GHashTable *ongoing;   /* uuid -> Entry *, the same */
  GHashTable *dismissed; /* uuids whose ringing notification the user closed */
  GHashTable *dismissed_ongoing;
  guint in_flight; /* Notify calls for new notifications, unanswered */
  gboolean stopping;
};

static void
entry_free (Entry *entry)
{
  g_clear_handle_id (&entry->tick_id, g_source_remove);
  g_free (entry->uuid);
  g_free (entry->shown);
  g_free (entry->ticking);
  g_free (entry);
}

static CkdCall *
lookup_call (CkdCallPresenter *self, const char *uuid)
{
  return ckd_registry_lookup_call (self->registry, uuid);
}

static const CkdNotificationSettings *
choices (CkdCallPresenter *self)
{
  return &ckd_settings_get (self->settings)->notifications;
}

static gboolean
is_ongoing (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_ACTIVE || call->state == CKD_CALL_STATE_HELD;
}

/* ---- the tables ----------------------------------------------------- */

static GHashTable *
table_of (CkdCallPresenter *self, Kind kind)
{
  switch (kind)
    {
    case KIND_RINGING:
      return self->ringing;
    case KIND_ONGOING:
    default:
      return self->ongoing;
    }
}

/* Forgets @entry; it must be in by_id (shown) or be freed by its reply. */
static void
forget_entry (CkdCallPresenter *self, Entry *entry)
{
  GHashTable *table = table_of (self, entry->kind);

  g_clear_handle_id (&entry->tick_id, g_source_remove);
  if (g_hash_table_lookup (table, entry->uuid) == entry)
    g_hash_table_remove (table, entry->uuid);
  if (entry->id != 0)
    g_hash_table_remove (self->by_id, GUINT_TO_POINTER (entry->id));
  else
    entry->stale = TRUE;
}

static void
close_entry (CkdCallPresenter *self, Entry *entry)
{
  if (entry->id != 0)
    ckd_notification_client_close (self->client, entry->id);
  forget_entry (self, entry);
}

/* ---- showing -------------------------------------------------------- */

static void refresh_entry (CkdCallPresenter *self, Entry *entry);

typedef struct
{
  CkdCallPresenter *self;
  Entry *entry; /* NULL for an update in place */
} NotifyData;

static void
notify_done (CkdNotifyResult result, guint32 id, const char *error, gpointer user_data)
{
  NotifyData *data = user_data;
  CkdCallPresenter *self = data->self;
  Entry *entry = data->entry;
  guint generation;
  Entry *other;

  g_free (data);
  if (result == CKD_NOTIFY_CANCELLED)
    {
      /* The client goes before the tables: only the entry is ours. */
      if (entry != NULL)
        entry_free (entry);
      return;
    }
  if (entry != NULL)
    self->in_flight--;
  generation = ckd_notification_client_get_generation (self->client);
  if (self->stopping)
    {
      /* ckd_call_presenter_free() waits for these: what was shown goes.
       * (An id from a server that has left means nothing to the one
       * there now.) */
      if (entry != NULL && result == CKD_NOTIFY_SHOWN && entry->generation == generation
          && id != 0)
        ckd_notification_client_close (self->client, id);
      if (entry != NULL)
        entry_free (entry);
      return;
    }
  if (entry == NULL)
    {
      if (result != CKD_NOTIFY_SHOWN)
        g_debug ("cannot update a notification: %s", error);
      return;
    }
  if (result != CKD_NOTIFY_SHOWN)
    {
      g_message ("cannot show a notification for call %s: %s", entry->uuid, error);
      forget_entry (self, entry);
      entry_free (entry);
      return;
    }
  if (entry->stale || entry->generation != generation)
    {
      if (entry->generation == generation)
        ckd_notification_client_close (self->client, id);
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
send_notify (CkdCallPresenter *self, Entry *entry, gboolean first, const char *icon,
             const char *summary, const char *body, char **actions, GVariant *hints)
{
  NotifyData *data = g_new0 (NotifyData, 1);

  data->self = self;
  data->entry = first ? entry : NULL;
  if (first)
    self->in_flight++;
  ckd_notification_client_notify (self->client, first ? 0 : entry->id, icon, summary, body,
                                  actions, hints, 0, notify_done, data);
}

static Entry *
entry_new (CkdCallPresenter *self, Kind kind, CkdCall *call)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->owner = self;
  entry->kind = kind;
  entry->uuid = g_strdup (call->uuid);
  entry->generation = ckd_notification_client_get_generation (self->client);
  return entry;
}

/* Notification urgencies of the specification. */
enum
{
  URGENCY_LOW = 0,
  URGENCY_NORMAL = 1,
  URGENCY_CRITICAL = 2,
};

/* The hints of a call's notification; @image_path (the caller's
 * picture, as caller identification made it) may be NULL. */
static GVariant *
build_call_hints (const char *desktop_entry, const char *category, guchar urgency,
                  gboolean resident, gboolean suppress_sound, gboolean on_lock_screen,
                  const char *image_path)
{
  GVariantBuilder hints;

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  /* The caller's picture, checked and scaled by caller identification. */
  if (image_path != NULL)
    {
      g_autofree char *uri = g_filename_to_uri (image_path, NULL, NULL);
      if (uri != NULL)
        g_variant_builder_add (&hints, "{sv}", "image-path", g_variant_new_string (uri));
    }
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string (category));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (urgency));
  if (resident)
    g_variant_builder_add (&hints, "{sv}", "resident", g_variant_new_boolean (TRUE));
  /* callkitd rings itself: a server's own alert sound would ring twice. */
  if (suppress_sound)
    g_variant_builder_add (&hints, "{sv}", "suppress-sound", g_variant_new_boolean (TRUE));
  if (desktop_entry != NULL && *desktop_entry != '\0')
    g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (desktop_entry));
  /* GNOME Shell's lock screen shows a notification's summary and body
   * only when every notification of its app has this scope (or the user
   * turned on the app's details-in-lock-screen); otherwise just the app
   * and a count. Critical urgency marks it there. */
  if (on_lock_screen)
    g_variant_builder_add (&hints, "{sv}", "x-gnome-privacy-scope",
                           g_variant_new_string ("system"));
  return g_variant_builder_end (&hints);
}

static GVariant *
build_hints (const char *desktop_entry, const char *category, guchar urgency, gboolean resident,
             gboolean suppress_sound)
{
  return build_call_hints (desktop_entry, category, urgency, resident, suppress_sound, FALSE,
                           NULL);
}

static const char *
call_icon (CkdCall *call)
{
  const char *icon = call->provider->config.icon_name;

  return icon != NULL && *icon != '\0' ? icon : "call-start";
}

/* Shows @call's notification of @kind, or updates it in place when what
 * it says changed. @ticking (the ongoing call's duration, or NULL) is the
 * body's last line; when nothing but it changed, the update has low
 * urgency: GNOME Shell 43 shows every other update as a new banner, and
 * a clock ticking is no news. */
static void
show_call (CkdCallPresenter *self, Kind kind, CkdCall *call, const char *summary,
           const char *body, char **actions, const char *category, guchar urgency,
           gboolean on_lock_screen, const char *ticking)
{
  GHashTable *table = table_of (self, kind);
  Entry *entry = g_hash_table_lookup (table, call->uuid);
  g_autofree char *joined = g_strjoinv ("\x1f", actions);
  gboolean suppress_sound =
    kind == KIND_RINGING && ckd_registry_has_capability (self->registry, "ringtone");
  CkdIdentityMerged identity;
  g_autofree char *shown = NULL;
  gboolean first = entry == NULL;
  g_autofree char *full_body = NULL;

  ckd_identity_merge (&call->identity, &identity);
  shown = g_strdup_printf ("%s\x1e%s\x1e%s\x1e%s\x1e%d\x1e%d\x1e%s", call_icon (call), summary,
                           body, joined, suppress_sound, on_lock_screen,
                           identity.image_path ? identity.image_path : "");
  /* In flight: notify_done sends what changed meanwhile. */
  if (entry != NULL
      && (entry->id == 0
          || (g_str_equal (entry->shown, shown) && g_strcmp0 (entry->ticking, ticking) == 0)))
    return;
  if (first)
    {
      entry = entry_new (self, kind, call);
      g_hash_table_insert (table, entry->uuid, entry);
    }
  else if (g_str_equal (entry->shown, shown))
    urgency = URGENCY_LOW;
  g_free (entry->shown);
  entry->shown = g_steal_pointer (&shown);
  g_free (entry->ticking);
  entry->ticking = g_strdup (ticking);
  full_body = ticking != NULL ? g_strconcat (body, "\n", ticking, NULL) : g_strdup (body);
  send_notify (self, entry, first, call_icon (call), summary, full_body, actions,
               build_call_hints (call->provider->config.desktop_entry, category, urgency, TRUE,
                                 suppress_sound, on_lock_screen, identity.image_path));
}

static void
show_ringing (CkdCallPresenter *self, CkdCall *call)
{
  gboolean markup = ckd_notification_client_has_body_markup (self->client);
  /* A server without bodies shows only the summary: it names the caller
   * then. */
  gboolean body_shown = ckd_notification_client_has_body (self->client);
  g_autofree char *summary = body_shown ? ckd_call_texts_ringing_summary (call)
                                        : ckd_call_texts_caller_label (call);
  g_autofree char *body = ckd_call_texts_ringing_body (call, markup);
  g_auto (GStrv) actions = ckd_call_texts_ringing_actions (
    ckd_call_texts_choose_answer (ckd_registry_get_calls (self->registry), call));

  show_call (self, KIND_RINGING, call, summary, body, actions, "call.incoming",
             URGENCY_CRITICAL, choices (self)->caller_on_lock_screen, NULL);
}

/* Seconds since @call connected, rounded: a timer that fires a few
 * milliseconds late still shows the whole minute. */
static gint64
seconds_connected (const CkdCall *call)
{
  if (call->connected_at == 0)
    return 0;
  return MAX (g_get_real_time () - call->connected_at + G_USEC_PER_SEC / 2, 0) / G_USEC_PER_SEC;
}

static gboolean on_duration_tick (gpointer user_data);

/* The next update of the duration, when it reaches the next whole
 * multiple of the interval (1:00, 2:00, ... for a minute). */
static void
schedule_tick (CkdCallPresenter *self, Entry *entry, CkdCall *call)
{
  guint interval = choices (self)->duration_interval;
  gint64 period = (gint64) interval * G_USEC_PER_SEC;
  gint64 elapsed;

  g_clear_handle_id (&entry->tick_id, g_source_remove);
  if (interval == 0 || call->connected_at == 0)
    return;
  elapsed = MAX (g_get_real_time () - call->connected_at, 0);
  entry->tick_id = g_timeout_add ((guint) ((period - elapsed % period + 999) / 1000),
                                  on_duration_tick, entry);
}

static void
show_ongoing (CkdCallPresenter *self, CkdCall *call)
{
  gboolean markup = ckd_notification_client_has_body_markup (self->client);
  gboolean body_shown = ckd_notification_client_has_body (self->client);
  gboolean with_duration = body_shown && choices (self)->duration_interval > 0;
  g_autofree char *summary = body_shown ? ckd_call_texts_ongoing_summary (call)
                                        : ckd_call_texts_caller_label (call);
  g_autofree char *body = ckd_call_texts_ongoing_body (call, markup);
  g_autofree char *duration =
    with_duration ? ckd_call_texts_duration (seconds_connected (call)) : NULL;
  g_auto (GStrv) actions = ckd_call_texts_ongoing_actions (call);
  Entry *entry;

  show_call (self, KIND_ONGOING, call, summary, body, actions, "call", URGENCY_NORMAL, FALSE,
             duration);
  entry = g_hash_table_lookup (self->ongoing, call->uuid);
  /* In flight: notify_done shows it again, and that schedules. */
  if (entry != NULL && entry->id != 0 && with_duration)
    schedule_tick (self, entry, call);
}

static gboolean
on_duration_tick (gpointer user_data)
{
  Entry *entry = user_data;

  entry->tick_id = 0;
  refresh_entry (entry->owner, entry);
  return G_SOURCE_REMOVE;
}

/* Shows, updates or leaves @call's ringing or ongoing notification, as
 * its state and the user's choices say. */
static void
show_for (CkdCallPresenter *self, CkdCall *call)
{
  const CkdNotificationSettings *chosen = choices (self);

  if (ckd_call_is_ringing_incoming (call))
    {
      /* Not before its caller is known, or the lookup's deadline passed. */
      if (chosen->ringing && !call->identifying && !g_hash_table_contains (self->dismissed, call->uuid))
        show_ringing (self, call);
    }
  else if (is_ongoing (call))
    {
      if (chosen->ongoing && !g_hash_table_contains (self->dismissed_ongoing, call->uuid))
        show_ongoing (self, call);
    }
}

/* Notifications whose call left the state they show, or whose kind was
 * turned off, close. */
static void
close_outdated (CkdCallPresenter *self)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  const CkdNotificationSettings *chosen = choices (self);
  GHashTableIter iter;
  Entry *entry;
  CkdCall *call;

  g_hash_table_iter_init (&iter, self->ringing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      call = lookup_call (self, entry->uuid);
      if (call == NULL || !ckd_call_is_ringing_incoming (call) || !chosen->ringing)
        g_ptr_array_add (gone, entry);
    }
  g_hash_table_iter_init (&iter, self->ongoing);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      call = lookup_call (self, entry->uuid);
      if (call == NULL || !is_ongoing (call) || !chosen->ongoing)
        g_ptr_array_add (gone, entry);
    }
  for (guint i = 0; i < gone->len; i++)
    close_entry (self, g_ptr_array_index (gone, i));
}

/* What shows for every call: after the server, the settings or a
 * provider's configuration changed. */
static void
refresh_all (CkdCallPresenter *self)
{
  GHashTableIter iter;
  CkdCall *call;

  if (self->stopping)
    return;
  close_outdated (self);
  if (!ckd_notification_client_has_server (self->client))
    return;
  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    show_for (self, call);
}

/* A call other than a ringing one changed: the buttons of the ringing
 * calls may change with it (Answer, or Hold & Answer). Linear in the
 * ringing and ongoing calls, not in every call. */
static void
refresh_shown (CkdCallPresenter *self, CkdCall *changed)
{
  g_autoptr (GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *uuid;

  close_outdated (self);
  if (!ckd_notification_client_has_server (self->client))
    return;
  g_hash_table_iter_init (&iter, self->ringing);
  while (g_hash_table_iter_next (&iter, (gpointer *) &uuid, NULL))
    g_ptr_array_add (uuids, g_strdup (uuid));
  for (guint i = 0; i < uuids->len; i++)
    {
      CkdCall *call = lookup_call (self, g_ptr_array_index (uuids, i));
      if (call != NULL)
        show_for (self, call);
    }
  if (changed != NULL)
    show_for (self, changed);
}

static void
refresh_entry (CkdCallPresenter *self, Entry *entry)
{
  CkdCall *call = lookup_call (self, entry->uuid);

  if (call == NULL)
    return;
  if (entry->kind == KIND_RINGING && ckd_call_is_ringing_incoming (call))
    show_ringing (self, call);
  else if (entry->kind == KIND_ONGOING && is_ongoing (call))
    show_ongoing (self, call);
}

/* ---- the registry --------------------------------------------------- */

static void
on_call_changed (CkdCallPresenter *self, CkdCall *call, guint changes)
{
  if (self->stopping
      || (changes & (CKD_CALL_CHANGED_PROPERTIES | CKD_CALL_CHANGED_IDENTIFYING)) == 0)
    return;
  /* A ringing call changes no other call's buttons: only its own
   * notification needs a look. This keeps a burst of incoming reports
   * linear. */
  if (ckd_call_is_ringing_incoming (call))
    {
      if (ckd_notification_client_has_server (self->client))
        show_for (self, call);
    }
  else
    refresh_shown (self, call);
}

static void
on_call_added (CkdCallPresenter *self, CkdCall *call)
{
  on_call_changed (self, call, CKD_CALL_CHANGED_PROPERTIES);
}

static void
on_call_removed (CkdCallPresenter *self, CkdCall *call)
{
  if (self->stopping)
    return;
  /* A dismissed ringing call was still missed. */
  g_hash_table_remove (self->dismissed, call->uuid);
  g_hash_table_remove (self->dismissed_ongoing, call->uuid);
  refresh_shown (self, NULL);
}

/* ---- developers ----------------------------------------------------- */

/* An app registered for development broke a rule: its developer sees it
 * at once, on the desktop, not only in the journal. Not kept: without a
 * server now, the journal has it. */
static void
on_developer_notice (CkdCallPresenter *self, const char *app_id, const char *text)
{
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;

  if (self->stopping || !ckd_notification_client_has_server (self->client))
    return;
  /* Translators: a notification for app developers; %s is an app id */
  summary = g_strdup_printf (_("%s broke a rule of callkitd"), app_id);
  body = ckd_notification_client_has_body_markup (self->client)
           ? g_markup_escape_text (text, -1)
           : g_strdup (text);
  ckd_notification_client_notify (self->client, 0, "dialog-warning", summary, body, NULL,
                                  build_hints (app_id, "x-callkitd.developer", 1, FALSE, FALSE),
                                  -1, NULL, NULL);
}

/* ---- what the user does --------------------------------------------- */

static void
request (CkdCallPresenter *self, GPtrArray *actions, const char *what)
{
  g_autoptr (GError) error = NULL;

  if (ckd_session_request_transaction (self->session, NULL, actions, NULL, NULL, NULL, &error)
      == NULL)
    g_message ("cannot %s from the notification: %s", what, error->message);
}

static void
call_action (CkdCallPresenter *self, Entry *entry, const char *key)
{
  CkdCall *call = lookup_call (self, entry->uuid);
  GPtrArray *actions = NULL;

  /* A late or duplicate click on a call that moved on does nothing. */
  if (call == NULL
      || (entry->kind == KIND_RINGING ? !ckd_call_is_ringing_incoming (call) : !is_ongoing (call)))
    return;
  /* A click on the body: the app shows its own window for the call. */
  if (g_str_equal (key, "default"))
    {
      ckd_session_request_show_call (self->session, call);
      return;
    }
  if (entry->kind == KIND_RINGING)
    actions = ckd_call_texts_ringing_button_actions (ckd_registry_get_calls (self->registry),
                                                     call, key);
  else
    actions = ckd_call_texts_ongoing_button_actions (call, key);
  if (actions != NULL)
    request (self, actions, key);
}

static void
on_action_invoked (guint32 id, const char *key, gpointer user_data)
{
  CkdCallPresenter *self = user_data;
  Entry *entry = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));

  if (entry == NULL)
    {
      ckd_missed_calls_action_invoked (self->missed, id, key);
      return;
    }
  g_debug ("notification %u (call %s): action %s", id, entry->uuid, key);
  call_action (self, entry, key);
}

static void
on_notification_closed (guint32 id, guint32 reason, gpointer user_data)
{
  CkdCallPresenter *self = user_data;
  Entry *entry = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  CkdCall *call;

  if (entry == NULL)
    {
      ckd_missed_calls_closed (self->missed, id, reason);
      return;
    }
  call = lookup_call (self, entry->uuid);
  if (reason == CKD_NOTIFICATION_CLOSED_DISMISSED && call != NULL)
    {
      /* Silenced, not declined: it can still be answered elsewhere. */
      if (entry->kind == KIND_RINGING && ckd_call_is_ringing_incoming (call))
        {
          g_hash_table_add (self->dismissed, g_strdup (call->uuid));
          ckd_session_silence_ringing (self->session, NULL, call->uuid);
        }
      else if (entry->kind == KIND_ONGOING && is_ongoing (call))
        g_hash_table_add (self->dismissed_ongoing, g_strdup (call->uuid));
    }
  forget_entry (self, entry);
}

/* ---- the server coming and going ------------------------------------ */

static void
on_server_changed (gpointer user_data)
{
  CkdCallPresenter *self = user_data;
  GHashTableIter iter;
  Entry *entry;

  if (ckd_notification_client_has_server (self->client))
    {
      ckd_registry_set_capability (self->registry, CAPABILITY,
                                   ckd_notification_client_has_actions (self->client));
      refresh_all (self);
      ckd_missed_calls_server_changed (self->missed);
      return;
    }

  /* What the old server showed is gone with it; a new one shows ringing
   * and ongoing calls again. */
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
  ckd_registry_set_capability (self->registry, CAPABILITY, FALSE);
  ckd_missed_calls_server_changed (self->missed);
}

static void
on_capabilities_changed (CkdCallPresenter *self)
{
  /* The ringtone capability decides the suppress-sound hint. */
  if (!self->stopping)
    refresh_shown (self, NULL);
}

static void
on_provider_changed (CkdCallPresenter *self, CkdProvider *provider, guint changes)
{
  /* Name, icon and desktop entry show in its calls' notifications. */
  if (changes & CKD_PROVIDER_CHANGED_CONFIGURATION)
    refresh_all (self);
}

/* ---- set-up --------------------------------------------------------- */

CkdCallPresenter *
ckd_call_presenter_new (CkdSession *session, CkdHistory *history, sd_bus *bus)
{
  static const CkdNotificationClientEvents events = {
    .server_changed = on_server_changed,
    .action_invoked = on_action_invoked,
    .closed = on_notification_closed,
  };
  CkdCallPresenter *self = g_new0 (CkdCallPresenter, 1);

  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->settings = g_object_ref (ckd_session_get_settings (session));
  self->by_id = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) entry_free);
  self->ringing = g_hash_table_new (g_str_hash, g_str_equal);
  self->ongoing = g_hash_table_new (g_str_hash, g_str_equal);
  self->dismissed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dismissed_ongoing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->client = ckd_notification_client_new (bus, &events, self);
  self->missed = ckd_missed_calls_new (history, self->settings, self->client);
  g_signal_connect_swapped (self->registry, "call-added", G_CALLBACK (on_call_added), self);
  g_signal_connect_swapped (self->registry, "call-changed", G_CALLBACK (on_call_changed), self);
  g_signal_connect_swapped (self->registry, "call-removed", G_CALLBACK (on_call_removed), self);
  g_signal_connect_swapped (self->registry, "provider-changed", G_CALLBACK (on_provider_changed),
                            self);
  g_signal_connect_swapped (self->registry, "capabilities-changed",
                            G_CALLBACK (on_capabilities_changed), self);
  g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (refresh_all), self);
  g_signal_connect_swapped (self->session, "developer-notice", G_CALLBACK (on_developer_notice),
                            self);
  return self;
}

static guint
in_flight (CkdCallPresenter *self)
{
  return self->in_flight + ckd_missed_calls_get_in_flight (self->missed);
}

static gboolean
on_shutdown_wait_over (gpointer user_data)
{
  gboolean *over = user_data;

  *over = TRUE;
  return G_SOURCE_REMOVE;
}

void
ckd_call_presenter_free (CkdCallPresenter *self)
{
  GHashTableIter iter;
  Entry *entry;

  if (self == NULL)
    return;
  self->stopping = TRUE;
  g_signal_handlers_disconnect_by_data (self->registry, self);
  g_signal_handlers_disconnect_by_data (self->settings, self);
  ckd_missed_calls_stop (self->missed);
  g_signal_handlers_disconnect_by_data (self->session, self);

  /* Resident and persistent notifications would outlive us otherwise,
   * with buttons nobody answers. */
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    ckd_notification_client_close (self->client, entry->id);
  /* Those still in flight get their id from the answer (notify_done
   * closes them); a server that does not answer in time keeps them. */
  if (in_flight (self) > 0 && ckd_notification_client_has_server (self->client))
    {
      gboolean over = FALSE;
      guint timeout_id =
        g_timeout_add (CKD_NOTIFIER_SHUTDOWN_WAIT_MS, on_shutdown_wait_over, &over);

      g_debug ("waiting for %u notification id(s) to close them", in_flight (self));
      while (in_flight (self) > 0 && !over)
        g_main_context_iteration (NULL, TRUE);
      if (over)
        g_message ("the notification server did not answer in time: %u notification(s) may stay",
                   in_flight (self));
      else
        g_source_remove (timeout_id);
    }

  /* Answers still to come free their entries as cancelled. */
  g_clear_pointer (&self->client, ckd_notification_client_free);
  g_clear_pointer (&self->missed, ckd_missed_calls_free);
  g_hash_table_destroy (self->ringing);
  g_hash_table_destroy (self->ongoing);
  g_hash_table_destroy (self->by_id);
  g_hash_table_destroy (self->dismissed);
  g_hash_table_destroy (self->dismissed_ongoing);
  g_clear_object (&self->settings);
  g_clear_object (&self->registry);
  g_clear_object (&self->session);
  g_free (self);
}
