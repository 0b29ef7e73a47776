/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-app-launcher.h"
#include "ckd-error.h"
#include "ckd-history.h"

/* History.CallBack, the missed-call notification's Call back and callctl
 * call-back: one path from an entry to a new outgoing call. */

/* The URI an app opens to call @handle: tel: for a phone number, the
 * handle itself when it is a URI already (sip:, sips:, tel:, ...), sip:
 * otherwise (an address or a user name of the app's own network). */
static char *
handle_uri (const CkdHandle *handle)
{
  g_autofree char *compact = NULL;
  g_autofree char *escaped = NULL;
  char *out;

  switch (handle->type)
    {
    case CKD_HANDLE_PHONE_NUMBER:
      /* Spaces are no visual separators in tel: (- . ( ) are). */
      compact = g_strdup (handle->value);
      out = compact;
      for (const char *in = compact; *in != '\0'; in++)
        if (!g_ascii_isspace (*in))
          *out++ = *in;
      *out = '\0';
      escaped = g_uri_escape_string (compact, "+-.()*", FALSE);
      return g_strconcat ("tel:", escaped, NULL);
    case CKD_HANDLE_GENERIC:
      if (g_uri_peek_scheme (handle->value) != NULL
          && g_uri_is_valid (handle->value, G_URI_FLAGS_NONE, NULL))
        return g_strdup (handle->value);
      G_GNUC_FALLTHROUGH;
    case CKD_HANDLE_EMAIL_ADDRESS:
    case CKD_HANDLE_N_TYPES:
    default:
      escaped = g_uri_escape_string (handle->value, "@+-._~!$&'()*,;=:", FALSE);
      return g_strconcat ("sip:", escaped, NULL);
    }
}

/* A live provider of the entry's app, one that takes its handle type if
 * there is one, the first registered among equals. An entry of an app
 * with no id goes by the provider's name. */
static CkdProvider *
find_provider (CkdRegistry *registry, const CkdHistoryEntry *entry)
{
  GHashTableIter iter;
  CkdProvider *provider, *best = NULL;
  gboolean best_takes = FALSE;

  g_hash_table_iter_init (&iter, ckd_registry_get_providers (registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    {
      const char *app_id = ckd_provider_application_id (provider);
      gboolean takes;

      if (!g_str_equal (app_id, entry->app_id)
          || (*app_id == '\0'
              && !g_str_equal (ckd_provider_display_name (provider), entry->provider_name)))
        continue;
      takes = ckd_provider_config_supports_handle_type (&provider->config,
                                                        entry->remote_handle.type);
      if (best == NULL || (takes && !best_takes)
          || (takes == best_takes && provider->id < best->id))
        {
          best = provider;
          best_takes = takes;
        }
    }
  return best;
}

static CkdAction *
start_action (CkdProvider *provider, const CkdHistoryEntry *entry)
{
  g_autofree char *uuid = g_uuid_string_random ();
  CkdAction *start = ckd_action_new (CKD_ACTION_START_CALL, uuid);

  ckd_handle_copy (&start->handle, &entry->remote_handle);
  /* Back as it came, as far as the app can: a video call by voice
   * through an app without video. */
  start->video = entry->has_video && provider->config.supports_video;
  start->provider_path = g_strdup (provider->object_path);
  return start;
}

/* The live calls a new call cannot go beside when they cannot be held:
 * those of the active group that are not active yet or do not support
 * holding. The rest the session holds itself (ckd_transaction_plan()). */
static void
add_ends_of_unholdable (CkdRegistry *registry, GPtrArray *actions)
{
  GHashTableIter iter;
  CkdCall *call;

  g_hash_table_iter_init (&iter, ckd_registry_get_calls (registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (ckd_call_state_is_active_like (call->state)
        && (call->state != CKD_CALL_STATE_ACTIVE || !call->supports_holding))
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, call->uuid));
}

static CkdTransaction *
request (CkdSession *session, const CkdCaller *caller, CkdProvider *provider,
         const CkdHistoryEntry *entry, gboolean end_unholdable, GError **error)
{
  GPtrArray *actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);

  if (end_unholdable)
    add_ends_of_unholdable (ckd_session_get_registry (session), actions);
  g_ptr_array_add (actions, start_action (provider, entry));
  return ckd_session_request_transaction (session, caller, actions, NULL, NULL, NULL, error);
}

/* Calls through @provider: the active call is held in the same
 * transaction, as answering does, or ended where it cannot be held. */
static char *
call_through (CkdHistory *self, const CkdCaller *caller, CkdProvider *provider,
              const CkdHistoryEntry *entry, GError **error)
{
  CkdSession *session = ckd_history_get_session (self);
  g_autoptr (GError) first_error = NULL;
  CkdTransaction *transaction;

  transaction = request (session, caller, provider, entry, FALSE, &first_error);
  if (transaction == NULL
      && g_error_matches (first_error, CKD_ERROR, CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED))
    transaction = request (session, caller, provider, entry, TRUE, NULL);
  if (transaction == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return NULL;
    }
  g_info ("calling back entry %" G_GINT64_FORMAT " through %s: transaction %s", entry->id,
          provider->object_path, transaction->id);
  return g_strdup (transaction->id);
}

/* No provider of the app is live: the desktop starts the app with the
 * handle, and the app places the call. */
static gboolean
start_app (const CkdHistoryEntry *entry, GError **error)
{
  const char *desktop_id = *entry->desktop_entry != '\0' ? entry->desktop_entry : entry->app_id;
  g_autofree char *uri = NULL;
  g_autoptr (GError) launch_error = NULL;

  if (*desktop_id == '\0')
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_CANNOT_START_APP,
                   "no provider of %s is registered, and the app has no desktop entry to start "
                   "it with",
                   entry->provider_name);
      return FALSE;
    }
  uri = handle_uri (&entry->remote_handle);
  if (!ckd_app_launcher_open_uri (desktop_id, uri, &launch_error))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_CANNOT_START_APP,
                   "no provider of %s is registered, and it cannot be started: %s",
                   entry->provider_name, launch_error->message);
      return FALSE;
    }
  g_message ("calling back entry %" G_GINT64_FORMAT ": no provider of %s is registered, %s was "
             "started with %s",
             entry->id, entry->provider_name, desktop_id, uri);
  return TRUE;
}

char *
ckd_history_call_back (CkdHistory *self, const CkdCaller *caller, const char *id,
                       GError **error)
{
  g_autoptr (CkdHistoryEntry) entry = ckd_history_lookup (self, caller, id, error);
  CkdRegistry *registry = ckd_session_get_registry (ckd_history_get_session (self));
  const char *const seen[] = { id, NULL };
  CkdProvider *provider;
  char *transaction;

  if (entry == NULL)
    return NULL;
  if (*entry->remote_handle.value == '\0')
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION,
                   "history entry %s is a call of an unknown caller: there is nobody to call "
                   "back",
                   id);
      return NULL;
    }
  provider = find_provider (registry, entry);
  if (provider != NULL)
    transaction = call_through (self, caller, provider, entry, error);
  else
    transaction = start_app (entry, error) ? g_strdup ("") : NULL;
  /* Calling back deals with a missed call as seeing it does. */
  if (transaction != NULL)
    ckd_history_mark_seen (self, NULL, seen, NULL);
  return transaction;
}
