/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gdesktopappinfo.h>

#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-push-registry-private.h"

/* The registrations and the rules over time: what a push finds when it
 * arrives (ckd_push_decide() says what it does), the pushes that wait
 * for a report or for their app to start, the deadlines, violations and
 * throttling. */

static const CkdPushSettings *
push_settings (CkdPushRegistry *self)
{
  return &ckd_settings_get (self->settings)->push;
}

void
ckd_push_message_free (CkdPushMessage *message)
{
  if (message == NULL)
    return;
  g_clear_handle_id (&message->timer_id, g_source_remove);
  g_bytes_unref (message->payload);
  ckd_push_metadata_clear (&message->metadata);
  g_free (message->envelope_error);
  g_free (message);
}

static const char *
push_id_of (const CkdPushMessage *message)
{
  return message->metadata.push_id != NULL ? message->metadata.push_id : "";
}

CkdPushApp *
ckd_push_registry_lookup_token (CkdPushRegistry *self, const char *token)
{
  return g_hash_table_lookup (self->tokens, token);
}

/* ---- whose calls ---------------------------------------------------- */

static gboolean
provider_is_app (const CkdProvider *provider, const CkdPushApp *app)
{
  return (app->connection != NULL && g_str_equal (provider->owner, app->connection))
         || g_strcmp0 (ckd_provider_application_id (provider), app->app_id) == 0;
}

static CkdProvider *
find_provider (CkdPushRegistry *self, const CkdPushApp *app, gboolean with_calls)
{
  GHashTableIter iter;
  CkdProvider *provider;

  g_hash_table_iter_init (&iter, ckd_registry_get_providers (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    if (provider_is_app (provider, app) && (!with_calls || provider->calls->len > 0))
      return provider;
  return NULL;
}

/* ---- registering ---------------------------------------------------- */

typedef struct
{
  char *app_id;
  char *bus_name;
  gboolean development;
  guint64 present;
} RegisterOptions;

static const CkdDictField register_fields[] = {
  { "app_id", CKD_FIELD_STRING, G_STRUCT_OFFSET (RegisterOptions, app_id), 0, 255, NULL },
  { "bus_name", CKD_FIELD_STRING, G_STRUCT_OFFSET (RegisterOptions, bus_name), 0, 255, NULL },
  { "development", CKD_FIELD_BOOLEAN, G_STRUCT_OFFSET (RegisterOptions, development), 0, 0,
    NULL },
};

static void
register_options_clear (RegisterOptions *options)
{
  ckd_dict_clear (register_fields, G_N_ELEMENTS (register_fields), options);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RegisterOptions, register_options_clear)

/* Who an app is: the Flatpak app id of a sandboxed caller (which may not
 * claim another), else the app_id the caller passes. */
static const char *
resolve_app_id (const CkdPeer *peer, const RegisterOptions *options, GError **error)
{
  g_autofree char *shown = ckd_shorten (options->app_id);

  if (peer->sandboxed)
    {
      if (peer->app_id == NULL)
        {
          g_set_error_literal (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                               "the sandboxed caller has no app id: it may not register");
          return NULL;
        }
      if (options->app_id != NULL && !g_str_equal (options->app_id, peer->app_id))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                       "the sandboxed app %s may not register as %s", peer->app_id, shown);
          return NULL;
        }
      return peer->app_id;
    }
  if (options->app_id == NULL)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "options: 'app_id' is needed (the application id, as the name of "
                           "its .desktop file)");
      return NULL;
    }
  if (!ckd_app_id_is_valid (options->app_id))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "options: 'app_id' is '%s', not a reverse-DNS application id "
                   "(org.example.App)",
                   shown);
      return NULL;
    }
  return options->app_id;
}

/* The name callkitd starts to wake the app: a well-known name, and for a
 * sandboxed app one of its own (Flatpak lets it own only those). */
static gboolean
check_bus_name (const CkdPeer *peer, const char *app_id, const char *bus_name, GError **error)
{
  g_autofree char *shown = ckd_shorten (bus_name);

  if (!g_dbus_is_name (bus_name) || g_dbus_is_unique_name (bus_name))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "options: 'bus_name' is '%s', not a well-known bus name", shown);
      return FALSE;
    }
  if (peer->sandboxed && !g_str_equal (bus_name, app_id)
      && !(g_str_has_prefix (bus_name, app_id) && bus_name[strlen (app_id)] == '.'))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
                   "the sandboxed app %s may be woken only by a name of its own, not %s",
                   app_id, shown);
      return FALSE;
    }
  return TRUE;
}

CkdPushApp *
ckd_push_registry_register (CkdPushRegistry *self, const CkdPeer *peer, GVariant *options_dict,
                            GError **error)
{
  g_auto (RegisterOptions) options = { 0 };
  const char *app_id, *bus_name;
  CkdPushApp *app;
  gboolean changed = FALSE;

  if (!ckd_dict_parse (options_dict, register_fields, G_N_ELEMENTS (register_fields), &options,
                       &options.present, "options", error))
    return NULL;
  app_id = resolve_app_id (peer, &options, error);
  if (app_id == NULL)
    return NULL;
  bus_name = options.bus_name != NULL ? options.bus_name : app_id;
  if (!check_bus_name (peer, app_id, bus_name, error))
    return NULL;

  app = g_hash_table_lookup (self->apps, app_id);
  if (app == NULL)
    {
      g_autofree char *token = NULL;

      if (g_hash_table_size (self->apps) >= CKD_MAX_PUSH_REGISTRATIONS)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                       "%u app ids are registered for pushes, the limit",
                       CKD_MAX_PUSH_REGISTRATIONS);
          return NULL;
        }
      token = ckd_push_token_new ();
      app = ckd_push_app_new (self, app_id, token);
      changed = TRUE;
    }
  changed |= !app->registered || app->development != options.development
             || g_strcmp0 (app->bus_name, bus_name) != 0;
  g_free (app->bus_name);
  app->bus_name = g_strdup (bus_name);
  app->development = options.development;
  app->registered = TRUE;
  g_free (app->connection);
  app->connection = g_strdup (peer->name);
  app->foreground = FALSE;
  app->starting = FALSE;
  g_info ("%s registered for pushes as %s (token %s)", peer->name, app->app_id, app->token);
  if (changed)
    ckd_push_store_save (self);
  ckd_unifiedpush_register (self->unifiedpush, app);
  return app;
}

void
ckd_push_registry_unregister (CkdPushRegistry *self, CkdPushApp *app)
{
  CkdPushMessage *message;

  g_info ("%s unregistered from pushes", app->app_id);
  app->registered = FALSE;
  g_clear_pointer (&app->connection, g_free);
  app->foreground = FALSE;
  app->starting = FALSE;
  /* The app wants no pushes: those waiting for it never reach it. */
  while ((message = g_queue_pop_head (&app->queued)) != NULL)
    {
      app->missed++;
      ckd_push_message_free (message);
    }
  g_queue_clear_full (&app->pending, (GDestroyNotify) ckd_push_message_free);
  ckd_unifiedpush_unregister (self->unifiedpush, app);
  ckd_push_store_save (self);
}

gboolean
ckd_push_registry_may_act (const CkdPeer *peer, const CkdPushApp *app, GError **error)
{
  if (!peer->sandboxed || g_strcmp0 (peer->app_id, app->app_id) == 0)
    return TRUE;
  g_set_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED,
               "the sandboxed app %s may not act on the push registration of %s",
               peer->app_id ? peer->app_id : "(unknown)", app->app_id);
  return FALSE;
}

/* ---- duplicates ----------------------------------------------------- */

static void
forget_old_push_ids (CkdPushApp *app, gint64 now)
{
  gint64 window = (gint64) CKD_PUSH_DUPLICATE_WINDOW_SECONDS * G_USEC_PER_SEC;
  const char *oldest;

  while ((oldest = g_queue_peek_head (&app->push_id_order)) != NULL)
    {
      gint64 at = *(gint64 *) g_hash_table_lookup (app->push_ids, oldest);

      if (app->push_id_order.length <= CKD_PUSH_DUPLICATE_IDS && now - at < window)
        break;
      g_queue_pop_head (&app->push_id_order);
      g_hash_table_remove (app->push_ids, oldest);
    }
}

static gboolean
is_duplicate (CkdPushApp *app, const char *push_id, gint64 now)
{
  forget_old_push_ids (app, now);
  return push_id != NULL && g_hash_table_contains (app->push_ids, push_id);
}

static void
remember_push_id (CkdPushApp *app, const char *push_id, gint64 now)
{
  char *key;
  gint64 *at;

  if (push_id == NULL || g_hash_table_contains (app->push_ids, push_id))
    return;
  key = g_strdup (push_id);
  at = g_new (gint64, 1);
  *at = now;
  g_hash_table_insert (app->push_ids, key, at);
  g_queue_push_tail (&app->push_id_order, key);
  forget_old_push_ids (app, now);
}

/* ---- report deadlines ----------------------------------------------- */

static void
violation (CkdPushRegistry *self, CkdPushMessage *message)
{
  CkdPushApp *app = message->app;
  const CkdPushSettings *settings = push_settings (self);

  app->violations++;
  app->violations_in_a_row++;
  g_message ("%s did not report a call for push '%s' by its deadline (%u violations, %u in a "
             "row)",
             app->app_id, push_id_of (message), app->violations, app->violations_in_a_row);
  ckd_push_service_send_deadline_missed (self, message);
  if (app->development)
    {
      g_autofree char *text = g_strdup_printf (
        "%s received a VoIP push (%s) that obliged it to report an incoming call, and did not "
        "report one within %u ms.",
        app->app_id, *push_id_of (message) ? push_id_of (message) : "without a push_id",
        settings->report_deadline_ms);
      ckd_session_report_developer_notice (self->session, app->app_id, text);
    }
  if (app->violations_in_a_row >= settings->violations_before_throttle)
    {
      app->throttled_until =
        g_get_real_time () + (gint64) settings->throttle_seconds * G_USEC_PER_SEC;
      app->violations_in_a_row = 0;
      g_message ("%s missed %u report deadlines in a row: pushes that oblige it to report a "
                 "call are held back for %u s",
                 app->app_id, settings->violations_before_throttle, settings->throttle_seconds);
    }
}

static void
report_done (CkdPushApp *app, CkdPushMessage *message)
{
  g_queue_remove (&app->pending, message);
  app->violations_in_a_row = 0;
  ckd_push_message_free (message);
}

static gboolean
on_report_deadline (gpointer user_data)
{
  CkdPushMessage *message = user_data;
  CkdPushApp *app = message->app;
  CkdPushRegistry *self = app->registry;

  message->timer_id = 0;
  /* A call reported and already gone, or refused (a duplicate UUID, a
   * blocked caller), was reported all the same. */
  if (message->metadata.call_uuid != NULL
      && ckd_registry_uuid_is_taken (self->registry, message->metadata.call_uuid))
    {
      report_done (app, message);
      return G_SOURCE_REMOVE;
    }
  g_queue_remove (&app->pending, message);
  violation (self, message);
  ckd_push_message_free (message);
  return G_SOURCE_REMOVE;
}

/* An app reported an incoming call: the oldest push that obliged it to
 * report this call (by UUID, or any call when the push named none) is
 * done. */
static void
on_call_added (CkdPushRegistry *self, CkdCall *call)
{
  GHashTableIter iter;
  CkdPushApp *app;

  if (call->outgoing)
    return;
  g_hash_table_iter_init (&iter, self->apps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &app))
    {
      CkdPushMessage *any = NULL;

      if (app->pending.length == 0 || !provider_is_app (call->provider, app))
        continue;
      for (GList *l = app->pending.head; l != NULL; l = l->next)
        {
          CkdPushMessage *message = l->data;

          if (g_strcmp0 (message->metadata.call_uuid, call->uuid) == 0)
            {
              any = message;
              break;
            }
          if (any == NULL && message->metadata.call_uuid == NULL)
            any = message;
        }
      if (any != NULL)
        report_done (app, any);
    }
}

/* ---- delivering ----------------------------------------------------- */

static void
deliver_now (CkdPushRegistry *self, CkdPushMessage *message)
{
  CkdPushApp *app = message->app;

  g_clear_handle_id (&message->timer_id, g_source_remove);
  app->delivered++;
  if (message->must_report)
    {
      guint deadline_ms = push_settings (self)->report_deadline_ms;

      message->report_by = g_get_real_time () + (gint64) deadline_ms * 1000;
      message->timer_id = g_timeout_add (deadline_ms, on_report_deadline, message);
    }
  g_debug ("push '%s' to %s (%s): must_report %d %s", push_id_of (message), app->app_id,
           app->connection, message->must_report, ckd_push_reason_to_string (message->reason));
  ckd_push_service_send_received (self, message);
  if (message->must_report)
    g_queue_push_tail (&app->pending, message);
  else
    ckd_push_message_free (message);
}

/* What a push that never rang leaves: a missed call when it named its
 * caller, and its call refused from now on. */
static void
never_rang (CkdPushRegistry *self, CkdPushApp *app, const CkdPushMetadata *metadata,
            gboolean missed_call, CkdCallFilter why)
{
  g_autoptr (CkdMissedCall) missed = NULL;
  CkdProvider *provider;

  if (!missed_call)
    {
      if (metadata->call_uuid != NULL)
        ckd_session_refuse_call (self->session, metadata->call_uuid);
      return;
    }
  missed = ckd_missed_call_new ();
  missed->uuid = g_strdup (metadata->call_uuid);
  missed->caller_name = g_strdup (metadata->localized_caller_name);
  ckd_handle_copy (&missed->handle, &metadata->remote_handle);
  missed->app_id = g_strdup (app->app_id);
  missed->desktop_entry = g_strdup (app->app_id);
  missed->filtered = why;
  missed->at = g_get_real_time ();
  provider = find_provider (self, app, FALSE);
  if (provider != NULL)
    {
      missed->provider_name = g_strdup (ckd_provider_display_name (provider));
      missed->icon = g_strdup (provider->config.icon_name);
    }
  else
    {
      /* The app is not running: its .desktop file names it, if any. */
      g_autofree char *desktop_id = g_strconcat (app->app_id, ".desktop", NULL);
      g_autoptr (GDesktopAppInfo) info = g_desktop_app_info_new (desktop_id);

      missed->provider_name = g_strdup (info ? g_app_info_get_name (G_APP_INFO (info))
                                             : app->app_id);
      if (info != NULL && g_app_info_get_icon (G_APP_INFO (info)) != NULL)
        missed->icon = g_icon_to_string (g_app_info_get_icon (G_APP_INFO (info)));
    }
  if (missed->icon == NULL || *missed->icon == '\0')
    {
      g_free (missed->icon);
      missed->icon = g_strdup ("call-start");
    }
  ckd_session_report_missed_call (self->session, missed);
}

static gboolean
on_start_timed_out (gpointer user_data)
{
  CkdPushMessage *message = user_data;
  CkdPushApp *app = message->app;
  CkdPushRegistry *self = app->registry;

  message->timer_id = 0;
  g_queue_remove (&app->queued, message);
  app->missed++;
  if (app->queued.length == 0)
    app->starting = FALSE;
  g_message ("%s did not register within %u ms of being started: push '%s' is counted as "
             "missed",
             app->app_id, push_settings (self)->activation_timeout_ms, push_id_of (message));
  never_rang (self, app, &message->metadata,
              ckd_push_metadata_has_caller (&message->metadata), CKD_CALL_FILTER_PUSH_UNDELIVERED);
  ckd_push_message_free (message);
  return G_SOURCE_REMOVE;
}

void
ckd_push_registry_flush_queue (CkdPushRegistry *self, CkdPushApp *app)
{
  CkdPushMessage *message;

  while (app->connection != NULL && (message = g_queue_pop_head (&app->queued)) != NULL)
    deliver_now (self, message);
}

static CkdPushNamedCall
named_call (CkdPushRegistry *self, const char *uuid)
{
  if (uuid == NULL)
    return CKD_PUSH_NAMES_NONE;
  if (ckd_registry_lookup_call (self->registry, uuid) != NULL)
    return CKD_PUSH_NAMES_LIVE_CALL;
  if (ckd_registry_uuid_is_taken (self->registry, uuid))
    return CKD_PUSH_NAMES_ENDED_CALL;
  return CKD_PUSH_NAMES_NONE;
}

static gboolean
refuse (CkdPushApp *app, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (CkdPushApp *app, GError **error, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  app->rejected++;
  g_debug ("push for %s refused: %s", app->app_id, why);
  g_set_error_literal (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED, why);
  return FALSE;
}

gboolean
ckd_push_registry_deliver (CkdPushRegistry *self, CkdPushApp *app, GBytes *payload,
                           CkdPushMetadata *metadata, const char *transport,
                           const char *envelope_error, CkdPushOutcome *ret_outcome,
                           GError **error)
{
  g_autoptr (GBytes) owned_payload = payload;
  g_auto (CkdPushMetadata) owned_metadata = *metadata;
  const CkdPushSettings *settings = push_settings (self);
  gint64 now = g_get_real_time ();
  CkdPushContext context;
  CkdPushDecision decision;
  CkdPushMessage *message;

  *metadata = (CkdPushMetadata) { 0 };
  if (!app->registered)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_UNKNOWN_PUSH_TOKEN,
                   "%s unregistered: it takes no pushes until it registers again", app->app_id);
      return FALSE;
    }
  if (g_bytes_get_size (payload) > CKD_MAX_PUSH_PAYLOAD)
    return refuse (app, error, "the payload is %" G_GSIZE_FORMAT " bytes, the limit is %d",
                   g_bytes_get_size (payload), CKD_MAX_PUSH_PAYLOAD);
  /* Last: refused pushes do not use up the budget. */
  if (app->queued.length >= CKD_MAX_QUEUED_PUSHES)
    return refuse (app, error, "%u pushes already wait for %s to start, the limit",
                   app->queued.length, app->app_id);
  if (app->pending.length >= CKD_MAX_PENDING_REPORTS)
    return refuse (app, error, "%u pushes of %s wait for their call to be reported, the limit",
                   app->pending.length, app->app_id);
  if (!ckd_rate_limit_take (&app->rate, g_get_monotonic_time ()))
    return refuse (app, error, "pushes for %s come faster than %u a second", app->app_id,
                   app->rate.rate);

  context = (CkdPushContext) {
    .now = now,
    .stale_after = (gint64) settings->stale_after_seconds * G_USEC_PER_SEC,
    .call = named_call (self, owned_metadata.call_uuid),
    .duplicate = is_duplicate (app, owned_metadata.push_id, now),
    .app_in_call = find_provider (self, app, TRUE) != NULL,
    .foreground = app->foreground && app->connection != NULL,
    .throttled = now < app->throttled_until,
  };
  ckd_push_decide (&owned_metadata, &context, &decision);

  if (decision.outcome != CKD_PUSH_DELIVERED)
    {
      g_info ("push '%s' for %s: %s",
              owned_metadata.push_id ? owned_metadata.push_id : "",
              app->app_id, ckd_push_outcome_to_string (decision.outcome));
      app->outcomes[decision.outcome]++;
      *ret_outcome = decision.outcome;
      return TRUE;
    }

  remember_push_id (app, owned_metadata.push_id, now);
  if (decision.reason == CKD_PUSH_REASON_STALE)
    never_rang (self, app, &owned_metadata, decision.missed_call, CKD_CALL_FILTER_STALE_PUSH);

  message = g_new0 (CkdPushMessage, 1);
  message->app = app;
  message->payload = g_steal_pointer (&owned_payload);
  message->metadata = owned_metadata;
  owned_metadata = (CkdPushMetadata) { 0 };
  message->transport = transport;
  message->envelope_error = g_strdup (envelope_error);
  message->received_at = now;
  message->must_report = decision.must_report;
  message->reason = decision.reason;

  if (app->connection == NULL)
    {
      /* Delivered once the app registers again, if it does in time. */
      message->timer_id =
        g_timeout_add (settings->activation_timeout_ms, on_start_timed_out, message);
      g_queue_push_tail (&app->queued, message);
      app->outcomes[CKD_PUSH_QUEUED]++;
      *ret_outcome = CKD_PUSH_QUEUED;
      ckd_push_wakeup_start (self, app);
      return TRUE;
    }
  app->outcomes[CKD_PUSH_DELIVERED]++;
  *ret_outcome = CKD_PUSH_DELIVERED;
  deliver_now (self, message);
  return TRUE;
}

void
ckd_push_registry_set_endpoint (CkdPushRegistry *self, CkdPushApp *app, const char *endpoint)
{
  if (g_strcmp0 (app->endpoint, endpoint) == 0)
    return;
  g_free (app->endpoint);
  app->endpoint = g_strdup (endpoint);
  g_info ("%s's UnifiedPush endpoint: %s", app->app_id, endpoint ? endpoint : "(none)");
  ckd_push_store_save (self);
  ckd_push_service_send_endpoint_changed (self, app);
}

/* ---- what the bus shows --------------------------------------------- */

GVariant *
ckd_push_message_describe (const CkdPushMessage *message)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ckd_push_metadata_build (&message->metadata, &builder);
  g_variant_builder_add (&builder, "{sv}", "must_report",
                         g_variant_new_boolean (message->must_report));
  g_variant_builder_add (&builder, "{sv}", "reason",
                         g_variant_new_string (ckd_push_reason_to_string (message->reason)));
  g_variant_builder_add (&builder, "{sv}", "received_at",
                         g_variant_new_int64 (message->received_at));
  if (message->must_report)
    g_variant_builder_add (&builder, "{sv}", "report_by", g_variant_new_int64 (message->report_by));
  g_variant_builder_add (&builder, "{sv}", "transport", g_variant_new_string (message->transport));
  if (message->envelope_error != NULL)
    g_variant_builder_add (&builder, "{sv}", "envelope_error",
                           g_variant_new_string (message->envelope_error));
  return g_variant_builder_end (&builder);
}

static GVariant *
describe_app (CkdPushRegistry *self, const CkdPushApp *app)
{
  GVariantBuilder builder, outcomes;

  g_variant_builder_init (&outcomes, G_VARIANT_TYPE ("a{su}"));
  for (guint i = 0; i < CKD_PUSH_N_OUTCOMES; i++)
    g_variant_builder_add (&outcomes, "{su}", ckd_push_outcome_to_string (i), app->outcomes[i]);
  g_variant_builder_add (&outcomes, "{su}", "missed", app->missed);
  g_variant_builder_add (&outcomes, "{su}", "rejected", app->rejected);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&builder, "{sv}", key, value)
  ADD ("token", g_variant_new_string (app->token));
  ADD ("app_id", g_variant_new_string (app->app_id));
  ADD ("bus_name", g_variant_new_string (app->bus_name));
  ADD ("endpoint", g_variant_new_string (app->endpoint ? app->endpoint : ""));
  ADD ("delivered", g_variant_new_uint32 (app->delivered));
  ADD ("violations", g_variant_new_uint32 (app->violations));
  ADD ("throttled_until",
       g_variant_new_int64 (app->throttled_until > g_get_real_time () ? app->throttled_until : 0));
  ADD ("development", g_variant_new_boolean (app->development));
  ADD ("foreground", g_variant_new_boolean (app->foreground));
  ADD ("connected", g_variant_new_boolean (app->connection != NULL));
  ADD ("queued", g_variant_new_uint32 (app->queued.length));
  ADD ("pending_reports", g_variant_new_uint32 (app->pending.length));
  ADD ("outcomes", g_variant_builder_end (&outcomes));
#undef ADD
  return g_variant_builder_end (&builder);
}

static gint
compare_app_ids (gconstpointer a, gconstpointer b)
{
  const CkdPushApp *x = *(CkdPushApp *const *) a, *y = *(CkdPushApp *const *) b;

  return strcmp (x->app_id, y->app_id);
}

GVariant *
ckd_push_registry_describe (CkdPushRegistry *self, const CkdPeer *peer)
{
  g_autoptr (GPtrArray) apps = g_ptr_array_new ();
  GVariantBuilder builder;
  GHashTableIter iter;
  CkdPushApp *app;

  g_hash_table_iter_init (&iter, self->apps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &app))
    if (app->registered && (!peer->sandboxed || g_strcmp0 (peer->app_id, app->app_id) == 0))
      g_ptr_array_add (apps, app);
  g_ptr_array_sort (apps, compare_app_ids);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < apps->len; i++)
    g_variant_builder_add_value (&builder, describe_app (self, g_ptr_array_index (apps, i)));
  return g_variant_builder_end (&builder);
}

/* ---- connections leaving -------------------------------------------- */

static void
on_peer_gone (const char *name, gpointer user_data)
{
  CkdPushRegistry *self = user_data;
  GHashTableIter iter;
  CkdPushApp *app;

  g_hash_table_iter_init (&iter, self->apps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &app))
    if (g_strcmp0 (app->connection, name) == 0)
      {
        /* Pushes wake it from now on; deadlines already given run on. */
        g_debug ("%s (%s) left: its pushes start it from now on", app->app_id, name);
        g_clear_pointer (&app->connection, g_free);
        app->foreground = FALSE;
      }
}

/* ---- set-up --------------------------------------------------------- */

static void
slot_unref (gpointer slot)
{
  sd_bus_slot_unref (slot);
}

CkdPushRegistry *
ckd_push_registry_new (sd_bus *bus, CkdPeers *peers, CkdSession *session, const char *state_dir,
                       GError **error)
{
  g_autoptr (CkdPushRegistry) self = g_new0 (CkdPushRegistry, 1);
  g_autoptr (GError) local_error = NULL;
  int r;

  self->bus = sd_bus_ref (bus);
  self->peers = peers;
  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->settings = g_object_ref (ckd_session_get_settings (session));
  self->store_path = g_build_filename (state_dir, "push-registrations", NULL);
  self->apps = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) ckd_push_app_free);
  self->tokens = g_hash_table_new (g_str_hash, g_str_equal);
  self->slots = g_ptr_array_new_with_free_func (slot_unref);
  /* A broken file costs the saved tokens, not the service. */
  if (!ckd_push_store_load (self, &local_error))
    g_warning ("%s", local_error->message);
  r = ckd_push_service_init (self);
  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r),
                   "cannot serve the PushRegistry: %s", g_strerror (-r));
      return NULL;
    }
  ckd_peers_add_gone_handler (peers, on_peer_gone, self);
  g_signal_connect_swapped (self->registry, "call-added", G_CALLBACK (on_call_added), self);
  self->unifiedpush = ckd_unifiedpush_new (self);
  return g_steal_pointer (&self);
}

void
ckd_push_registry_free (CkdPushRegistry *self)
{
  if (self == NULL)
    return;
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  if (self->peers != NULL)
    ckd_peers_remove_gone_handler (self->peers, on_peer_gone, self);
  g_clear_pointer (&self->unifiedpush, ckd_unifiedpush_free);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  g_clear_pointer (&self->tokens, g_hash_table_destroy);
  g_clear_pointer (&self->apps, g_hash_table_destroy);
  g_free (self->store_path);
  g_clear_object (&self->settings);
  g_clear_object (&self->registry);
  g_clear_object (&self->session);
  sd_bus_unref (self->bus);
  g_free (self);
}
