/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ckd-call-texts.h"
#include "ckd-limits.h"
#include "ckd-missed-calls.h"

/* NotificationClosed: the server let it expire. */
#define CLOSED_EXPIRED 1

/* The notification of one history entry. by_entry owns it; once nobody
 * wants it while its Notify is in flight, the answer does (and closes what
 * the server showed). */
typedef struct
{
  CkdMissedCalls *owner;
  gint64 entry_id;
  guint32 id;       /* the server's; 0 while Notify is in flight */
  guint generation; /* of the server it was sent to */
  gboolean unwanted;
} Shown;

struct _CkdMissedCalls
{
  CkdHistory *history;
  CkdSettings *settings;
  CkdNotificationClient *client;
  GHashTable *by_entry; /* gint64 * -> Shown * */
  GHashTable *by_id;    /* notification id -> Shown *, not owned */
  /* Entries whose notification the server let expire: not shown again
   * until another server (or callkitd) starts. */
  GHashTable *expired;
  guint in_flight;
  gboolean stopping;
};

static const CkdNotificationSettings *
choices (CkdMissedCalls *self)
{
  return &ckd_settings_get (self->settings)->notifications;
}

/* ---- the notifications ---------------------------------------------- */

/* Forgets @shown, closing what the server shows when @close. */
static void
forget (CkdMissedCalls *self, Shown *shown, gboolean close)
{
  if (shown->id != 0)
    {
      g_hash_table_remove (self->by_id, GUINT_TO_POINTER (shown->id));
      if (close)
        ckd_notification_client_close (self->client, shown->id);
      g_hash_table_remove (self->by_entry, &shown->entry_id);
      return;
    }
  /* In flight: its answer closes it and frees it. */
  shown->unwanted = TRUE;
  g_hash_table_steal (self->by_entry, &shown->entry_id);
}

static void
forget_all (CkdMissedCalls *self, gboolean close)
{
  GHashTableIter iter;
  Shown *shown;

  while (g_hash_table_size (self->by_entry) > 0)
    {
      g_hash_table_iter_init (&iter, self->by_entry);
      g_hash_table_iter_next (&iter, NULL, (gpointer *) &shown);
      forget (self, shown, close);
    }
}

static void
notify_done (CkdNotifyResult result, guint32 id, const char *error, gpointer user_data)
{
  Shown *shown = user_data;
  CkdMissedCalls *self = shown->owner;
  Shown *other;

  self->in_flight--;
  if (result == CKD_NOTIFY_CANCELLED)
    {
      if (shown->unwanted)
        g_free (shown);
      return;
    }
  if (shown->unwanted)
    {
      /* An id from a server that left means nothing to the one there now. */
      if (result == CKD_NOTIFY_SHOWN && id != 0
          && shown->generation == ckd_notification_client_get_generation (self->client))
        ckd_notification_client_close (self->client, id);
      g_free (shown);
      return;
    }
  if (result != CKD_NOTIFY_SHOWN || id == 0)
    {
      g_message ("cannot show missed call %" G_GINT64_FORMAT ": %s", shown->entry_id,
                 error != NULL ? error : "the server gave no id");
      g_hash_table_remove (self->by_entry, &shown->entry_id);
      return;
    }
  /* A server that hands out an id twice replaced that notification. */
  other = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  if (other != NULL)
    forget (self, other, FALSE);
  shown->id = id;
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), shown);
}

static GVariant *
build_hints (const CkdHistoryEntry *entry)
{
  GVariantBuilder hints;

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string ("call.unanswered"));
  /* A call do not disturb kept from the user is listed, not announced:
   * low urgency is not shown as a banner (GNOME Shell) and makes no
   * sound. */
  if (entry->filtered == CKD_CALL_FILTER_DO_NOT_DISTURB)
    {
      g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (0));
      g_variant_builder_add (&hints, "{sv}", "suppress-sound", g_variant_new_boolean (TRUE));
    }
  else
    g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (1));
  if (*entry->desktop_entry != '\0')
    g_variant_builder_add (&hints, "{sv}", "desktop-entry",
                           g_variant_new_string (entry->desktop_entry));
  return g_variant_builder_end (&hints);
}

static void
show (CkdMissedCalls *self, const CkdHistoryEntry *entry)
{
  gboolean markup = ckd_notification_client_has_body_markup (self->client);
  g_autofree char *summary = ckd_call_texts_missed_entry_summary (entry);
  g_autofree char *body = ckd_call_texts_missed_entry_body (entry, markup);
  /* Translators: buttons of a missed call's notification */
  const char *actions[] = { "call-back", _("Call back"), "dismiss", _("Dismiss"), NULL };
  /* An unknown caller cannot be called back. */
  gboolean can_call_back = *entry->remote_handle.value != '\0';
  Shown *shown;

  if (g_hash_table_contains (self->by_entry, &entry->id)
      || g_hash_table_contains (self->expired, &entry->id))
    return;
  shown = g_new0 (Shown, 1);
  shown->owner = self;
  shown->entry_id = entry->id;
  shown->generation = ckd_notification_client_get_generation (self->client);
  g_hash_table_insert (self->by_entry, &shown->entry_id, shown);
  self->in_flight++;
  /* -1: the server's default expiry; 0: until the user dismisses it. */
  ckd_notification_client_notify (self->client, 0,
                                  *entry->icon_name != '\0' ? entry->icon_name : "call-start",
                                  summary, body,
                                  (char **) (can_call_back ? actions : actions + 2),
                                  build_hints (entry),
                                  choices (self)->missed_persistent ? 0 : -1, notify_done,
                                  shown);
}

/* A flood of missed calls must not flood the screen: the oldest go. */
static void
bound (CkdMissedCalls *self)
{
  while (g_hash_table_size (self->by_entry) > CKD_MAX_MISSED_CALL_NOTIFICATIONS)
    {
      GHashTableIter iter;
      Shown *shown, *oldest = NULL;

      g_hash_table_iter_init (&iter, self->by_entry);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &shown))
        if (oldest == NULL || shown->entry_id < oldest->entry_id)
          oldest = shown;
      forget (self, oldest, TRUE);
    }
}

static gboolean
can_show (CkdMissedCalls *self)
{
  return !self->stopping && ckd_notification_client_has_server (self->client);
}

/* What shows follows the history: notifications of entries seen or gone
 * close; with @show_all, every unseen missed call (the newest ones) shows. */
static void
follow_history (CkdMissedCalls *self, gboolean show_all)
{
  g_autoptr (GPtrArray) unseen = NULL;
  g_autoptr (GHashTable) wanted = NULL;
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  Shown *shown;

  if (!can_show (self))
    return;
  if (!choices (self)->missed)
    {
      forget_all (self, TRUE);
      return;
    }
  unseen = ckd_history_get_unseen_missed (self->history, CKD_MAX_MISSED_CALL_NOTIFICATIONS);
  wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < unseen->len; i++)
    g_hash_table_add (wanted, &((CkdHistoryEntry *) g_ptr_array_index (unseen, i))->id);
  g_hash_table_iter_init (&iter, self->by_entry);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &shown))
    if (!g_hash_table_contains (wanted, &shown->entry_id))
      g_ptr_array_add (gone, shown);
  for (guint i = 0; i < gone->len; i++)
    forget (self, g_ptr_array_index (gone, i), TRUE);
  /* Oldest first: the newest ends up on top. */
  for (guint i = unseen->len; show_all && i > 0; i--)
    show (self, g_ptr_array_index (unseen, i - 1));
}

/* ---- the history and the user --------------------------------------- */

static void
on_entry_added (CkdMissedCalls *self, const CkdHistoryEntry *entry)
{
  if (!entry->missed || entry->seen || !choices (self)->missed || !can_show (self))
    return;
  show (self, entry);
  bound (self);
}

static void
on_history_changed (CkdMissedCalls *self)
{
  follow_history (self, choices (self)->missed_persistent);
}

static void
mark_seen (CkdMissedCalls *self, gint64 entry_id)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, entry_id);
  const char *const ids[] = { id, NULL };
  g_autoptr (GError) error = NULL;

  if (!ckd_history_mark_seen (self->history, NULL, ids, &error))
    g_message ("cannot mark missed call %s seen: %s", id, error->message);
}

gboolean
ckd_missed_calls_action_invoked (CkdMissedCalls *self, guint32 id, const char *key)
{
  Shown *shown = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  gint64 entry_id;

  if (shown == NULL)
    return FALSE;
  entry_id = shown->entry_id;
  g_debug ("missed-call notification %u (entry %" G_GINT64_FORMAT "): action %s", id, entry_id,
           key);
  /* Either way the missed call is dealt with: it closes and is seen. */
  forget (self, shown, TRUE);
  if (g_str_equal (key, "call-back"))
    {
      g_autofree char *entry = g_strdup_printf ("%" G_GINT64_FORMAT, entry_id);
      g_autofree char *transaction = NULL;
      g_autoptr (GError) error = NULL;

      transaction = ckd_history_call_back (self->history, NULL, entry, &error);
      if (transaction == NULL)
        g_message ("cannot call back from the notification: %s", error->message);
    }
  mark_seen (self, entry_id);
  return TRUE;
}

gboolean
ckd_missed_calls_closed (CkdMissedCalls *self, guint32 id, guint32 reason)
{
  Shown *shown = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  gint64 entry_id;

  if (shown == NULL)
    return FALSE;
  entry_id = shown->entry_id;
  forget (self, shown, FALSE);
  if (reason == CKD_NOTIFICATION_CLOSED_DISMISSED)
    mark_seen (self, entry_id);
  else if (reason == CLOSED_EXPIRED)
    {
      gint64 *key = g_new (gint64, 1);

      *key = entry_id;
      g_hash_table_add (self->expired, key);
    }
  return TRUE;
}

void
ckd_missed_calls_server_changed (CkdMissedCalls *self)
{
  if (ckd_notification_client_has_server (self->client))
    {
      follow_history (self, choices (self)->missed_persistent);
      return;
    }
  /* What the old server showed is gone with it. */
  g_hash_table_remove_all (self->by_id);
  forget_all (self, FALSE);
  g_hash_table_remove_all (self->expired);
}

/* ---- set-up --------------------------------------------------------- */

CkdMissedCalls *
ckd_missed_calls_new (CkdHistory *history, CkdSettings *settings, CkdNotificationClient *client)
{
  CkdMissedCalls *self = g_new0 (CkdMissedCalls, 1);

  self->history = g_object_ref (history);
  self->settings = g_object_ref (settings);
  self->client = client;
  self->by_entry = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->expired = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_signal_connect_swapped (history, "entry-added", G_CALLBACK (on_entry_added), self);
  g_signal_connect_swapped (history, "changed", G_CALLBACK (on_history_changed), self);
  g_signal_connect_swapped (settings, "changed", G_CALLBACK (on_history_changed), self);
  return self;
}

void
ckd_missed_calls_stop (CkdMissedCalls *self)
{
  self->stopping = TRUE;
  g_signal_handlers_disconnect_by_data (self->history, self);
  g_signal_handlers_disconnect_by_data (self->settings, self);
  /* Persistent ones would outlive callkitd with buttons nobody answers;
   * they show again at the next start. */
  g_hash_table_remove_all (self->by_id);
  forget_all (self, TRUE);
}

guint
ckd_missed_calls_get_in_flight (CkdMissedCalls *self)
{
  return self->in_flight;
}

void
ckd_missed_calls_free (CkdMissedCalls *self)
{
  if (self == NULL)
    return;
  g_hash_table_destroy (self->by_entry);
  g_hash_table_destroy (self->by_id);
  g_hash_table_destroy (self->expired);
  g_clear_object (&self->settings);
  g_clear_object (&self->history);
  g_free (self);
}
