/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-caller.h"
#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-identification-private.h"
#include "ckd-limits.h"
#include "ckd-sdbus-gvariant.h"

/* Lookups are asynchronous D-Bus calls on callkitd's own connection: the
 * main loop never waits for a service. A call that a lookup holds back is
 * "waiting" until every lookup sent for it answered or the deadline
 * passed, whichever comes first; the lookups themselves go on until
 * lookup-timeout-ms, and what they answer then still updates the call. */

typedef struct
{
  char *key;
  CkdIdentityFacts facts; /* nothing present: a negative answer */
  gint64 expires_at;      /* monotonic µs */
  GList link;             /* in the service's lru */
} CacheEntry;

typedef struct
{
  char *uuid;
  guint outstanding; /* lookups not yet answered */
  guint timer_id;    /* the deadline */
} Waiting;

typedef struct
{
  CkdIdentification *self;
  CkdLookupService *service;
  char *uuid; /* the call it was sent for */
  char *key;
  gint64 deadline; /* monotonic µs: answers after it are late */
  sd_bus_slot *slot;
} Lookup;

static const CkdIdentitySource SERVICE = CKD_IDENTITY_SOURCE_SERVICE;

/* ---- the cache ------------------------------------------------------ */

static char *
cache_key (const CkdHandle *handle)
{
  return g_strconcat (ckd_handle_type_to_string (handle->type), "\x1f", handle->value, NULL);
}

static void
cache_entry_free (CacheEntry *entry)
{
  g_free (entry->key);
  ckd_identity_facts_clear (&entry->facts);
  g_free (entry);
}

static void
cache_remove (CkdLookupService *service, CacheEntry *entry)
{
  g_queue_unlink (&service->lru, &entry->link);
  g_hash_table_remove (service->cache, entry->key);
}

static void
cache_clear (CkdLookupService *service)
{
  g_hash_table_remove_all (service->cache);
  g_queue_init (&service->lru);
}

/* A fresh answer for @key, or NULL. */
static CacheEntry *
cache_get (CkdLookupService *service, const char *key, gint64 now)
{
  CacheEntry *entry = g_hash_table_lookup (service->cache, key);

  if (entry == NULL)
    return NULL;
  if (entry->expires_at <= now)
    {
      cache_remove (service, entry);
      return NULL;
    }
  g_queue_unlink (&service->lru, &entry->link);
  g_queue_push_head_link (&service->lru, &entry->link);
  return entry;
}

static void
cache_put (CkdLookupService *service, const char *key, const CkdIdentityFacts *facts,
           guint32 seconds, gint64 now)
{
  CacheEntry *entry = g_hash_table_lookup (service->cache, key);

  if (entry != NULL)
    cache_remove (service, entry);
  if (seconds == 0)
    return;
  entry = g_new0 (CacheEntry, 1);
  entry->key = g_strdup (key);
  ckd_identity_facts_copy (&entry->facts, facts);
  entry->expires_at = now + (gint64) MIN (seconds, CKD_MAX_IDENTIFICATION_CACHE_SECONDS) * G_USEC_PER_SEC;
  entry->link.data = entry;
  g_hash_table_insert (service->cache, entry->key, entry);
  g_queue_push_head_link (&service->lru, &entry->link);
  while (g_queue_get_length (&service->lru) > CKD_MAX_IDENTIFICATION_CACHE_ENTRIES)
    cache_remove (service, g_queue_peek_tail (&service->lru));
}

/* ---- waiting calls -------------------------------------------------- */

static void
waiting_free (Waiting *waiting)
{
  g_clear_handle_id (&waiting->timer_id, g_source_remove);
  g_free (waiting->uuid);
  g_free (waiting);
}

/* @uuid waits no longer: it rings and shows. */
static void
release (CkdIdentification *self, const char *uuid)
{
  CkdCall *call = ckd_registry_lookup_call (self->registry, uuid);

  g_hash_table_remove (self->waiting, uuid);
  if (call != NULL)
    ckd_session_call_identified (self->session, call);
}

typedef struct
{
  CkdIdentification *self;
  char *uuid;
} DeadlineData;

static void
deadline_data_free (DeadlineData *data)
{
  g_free (data->uuid);
  g_free (data);
}

static gboolean
on_deadline (gpointer user_data)
{
  DeadlineData *data = user_data;
  Waiting *waiting = g_hash_table_lookup (data->self->waiting, data->uuid);

  if (waiting != NULL)
    {
      waiting->timer_id = 0;
      g_debug ("call %s rings without waiting longer for %u lookup(s)", data->uuid,
               waiting->outstanding);
      release (data->self, data->uuid);
    }
  return G_SOURCE_REMOVE;
}

static void
wait_for_lookups (CkdIdentification *self, CkdCall *call, guint outstanding)
{
  guint deadline_ms = ckd_settings_get (self->settings)->identification.deadline_ms;
  Waiting *waiting;
  DeadlineData *data;

  if (deadline_ms == 0)
    return;
  waiting = g_new0 (Waiting, 1);
  waiting->uuid = g_strdup (call->uuid);
  waiting->outstanding = outstanding;
  data = g_new0 (DeadlineData, 1);
  data->self = self;
  data->uuid = g_strdup (call->uuid);
  waiting->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, deadline_ms, on_deadline, data,
                                          (GDestroyNotify) deadline_data_free);
  g_hash_table_replace (self->waiting, waiting->uuid, waiting);
  call->identifying = TRUE;
}

/* ---- lookups -------------------------------------------------------- */

static void
lookup_free (Lookup *lookup)
{
  lookup->slot = sd_bus_slot_unref (lookup->slot);
  g_free (lookup->uuid);
  g_free (lookup->key);
  g_free (lookup);
}

/* @lookup is over (answered, failed, or its service went): its call
 * waits for one lookup less. Frees @lookup. */
static void
finish_lookup (CkdIdentification *self, Lookup *lookup)
{
  Waiting *waiting = g_hash_table_lookup (self->waiting, lookup->uuid);
  g_autofree char *uuid = g_strdup (lookup->uuid);

  g_ptr_array_remove_fast (self->in_flight, lookup);
  if (waiting != NULL && waiting->outstanding > 0 && --waiting->outstanding == 0)
    release (self, uuid);
}

static void
count (CkdLookupService *service, gsize offset)
{
  (*(guint64 *) G_STRUCT_MEMBER_P (&service->counters, offset))++;
  (*(guint64 *) G_STRUCT_MEMBER_P (&service->owner->totals, offset))++;
}

#define COUNT(service, counter) count (service, G_STRUCT_OFFSET (CkdLookupCounters, counter))

static void
lookup_failed (Lookup *lookup, const sd_bus_error *error)
{
  CkdLookupService *service = lookup->service;

  if (sd_bus_error_has_name (error, SD_BUS_ERROR_TIMEOUT))
    {
      COUNT (service, timeouts);
      g_info ("identification service %s did not answer within lookup-timeout-ms: skipped",
              service->app_id);
    }
  else
    {
      COUNT (service, failures);
      g_info ("identification service %s failed: %s: %s; skipped", service->app_id,
              error->name, error->message ? error->message : "");
    }
}

/* Takes the picture keys (image_path s, image_data ay) out of @answer:
 * the rest is read by ckd_identity_facts_parse(). */
static GVariant *
split_picture (GVariant *answer, char **ret_path, GBytes **ret_data, GError **error)
{
  GVariantBuilder rest;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&rest, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, answer);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr (GVariant) owned = value;

      if (g_str_equal (key, "image_path") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_free (*ret_path);
          *ret_path = g_variant_dup_string (value, NULL);
        }
      else if (g_str_equal (key, "image_data")
               && g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        {
          g_clear_pointer (ret_data, g_bytes_unref);
          *ret_data = g_variant_get_data_as_bytes (value);
        }
      else if (g_str_equal (key, "image_path") || g_str_equal (key, "image_data"))
        {
          g_variant_builder_clear (&rest);
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "identity: '%s' has the type %s", key, g_variant_get_type_string (value));
          return NULL;
        }
      else
        g_variant_builder_add (&rest, "{sv}", key, value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&rest));
}

/* A picture that does not qualify is dropped, and the log says why. */
static void
take_picture (CkdIdentification *self, CkdLookupService *service, CkdIdentityFacts *facts,
              const char *path, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  char *stored;

  if (path == NULL && data == NULL)
    return;
  stored = ckd_identity_image_store (path, data, self->images_dir, &error);
  if (stored == NULL)
    {
      g_message ("identification service %s: picture dropped: %s", service->app_id,
                 error->message);
      return;
    }
  facts->image_path = stored;
  facts->present |= CKD_IDENTITY_IMAGE;
}

/* The answer is kept, negative ones too, for the service's time or the
 * answer's own. */
static void
take_answer (CkdIdentification *self, Lookup *lookup, sd_bus_message *reply)
{
  CkdLookupService *service = lookup->service;
  g_auto (CkdIdentityFacts) facts = { 0 };
  g_autoptr (GVariant) answer = NULL;
  g_autoptr (GVariant) rest = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *image_path = NULL;
  g_autoptr (GBytes) image_data = NULL;
  guint32 cache_seconds = service->cache_seconds;
  gint64 now = g_get_monotonic_time ();
  CkdCall *call;
  int r;

  r = ckd_sdbus_read_gvariant (reply, "a{sv}", &answer);
  if (r >= 0)
    rest = split_picture (answer, &image_path, &image_data, &error);
  if (r < 0 || rest == NULL || !ckd_identity_facts_parse (&facts, rest, &cache_seconds, &error))
    {
      COUNT (service, failures);
      g_info ("identification service %s answered garbage: %s; skipped", service->app_id,
              error != NULL ? error->message : "not a{sv}");
      return;
    }
  take_picture (self, service, &facts, image_path, image_data);
  COUNT (service, answers);
  if (now > lookup->deadline)
    COUNT (service, late);
  cache_put (service, lookup->key, &facts, cache_seconds, now);
  g_debug ("identification service %s answered for call %s%s (cached %us); "
           "lookups %" G_GUINT64_FORMAT ", hits %" G_GUINT64_FORMAT,
           service->app_id, lookup->uuid, now > lookup->deadline ? " late" : "",
           MIN (cache_seconds, CKD_MAX_IDENTIFICATION_CACHE_SECONDS), service->counters.lookups,
           service->counters.hits);
  call = ckd_registry_lookup_call (self->registry, lookup->uuid);
  if (call != NULL && call->state != CKD_CALL_STATE_ENDED)
    ckd_session_set_call_identity (self->session, call, SERVICE, service->rank,
                                   service->origin, &facts);
}

static int
on_lookup_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  Lookup *lookup = userdata;
  CkdIdentification *self = lookup->self;
  const sd_bus_error *error = sd_bus_message_get_error (reply);

  if (error != NULL)
    lookup_failed (lookup, error);
  else
    take_answer (self, lookup, reply);
  finish_lookup (self, lookup);
  return 0;
}

static gboolean
send_lookup (CkdIdentification *self, CkdLookupService *service, CkdCall *call,
             const char *key)
{
  guint timeout_ms = ckd_settings_get (self->settings)->identification.lookup_timeout_ms;
  guint deadline_ms = ckd_settings_get (self->settings)->identification.deadline_ms;
  sd_bus_message *m = NULL;
  Lookup *lookup;
  int r;

  r = sd_bus_message_new_method_call (self->bus, &m, service->bus_name, service->path,
                                      CKD_IDENTIFICATION_SERVICE_INTERFACE, "Lookup");
  if (r >= 0)
    r = sd_bus_message_append (m, "ss", ckd_handle_type_to_string (call->remote_handle.type),
                               call->remote_handle.value);
  if (r >= 0)
    r = sd_bus_message_append (m, "a{sv}", 1, "provider_name", "s",
                               ckd_provider_display_name (call->provider));
  if (r < 0)
    {
      sd_bus_message_unref (m);
      COUNT (service, failures);
      g_info ("cannot ask identification service %s: %s", service->app_id, g_strerror (-r));
      return FALSE;
    }
  lookup = g_new0 (Lookup, 1);
  lookup->self = self;
  lookup->service = service;
  lookup->uuid = g_strdup (call->uuid);
  lookup->key = g_strdup (key);
  lookup->deadline = g_get_monotonic_time () + (gint64) deadline_ms * 1000;
  r = sd_bus_call_async (self->bus, &lookup->slot, m, on_lookup_reply, lookup,
                         (uint64_t) timeout_ms * 1000);
  sd_bus_message_unref (m);
  if (r < 0)
    {
      COUNT (service, failures);
      g_info ("cannot ask identification service %s: %s", service->app_id, g_strerror (-r));
      lookup_free (lookup);
      return FALSE;
    }
  COUNT (service, lookups);
  g_ptr_array_add (self->in_flight, lookup);
  return TRUE;
}

/* Lookups of @service end without an answer: it went or registered anew. */
static void
drop_lookups_of (CkdIdentification *self, CkdLookupService *service, gboolean count_failure)
{
  for (guint i = self->in_flight->len; i > 0; i--)
    {
      Lookup *lookup = g_ptr_array_index (self->in_flight, i - 1);

      if (lookup->service != service)
        continue;
      if (count_failure)
        COUNT (service, failures);
      finish_lookup (self, lookup);
    }
}

/* ---- a new call ----------------------------------------------------- */

static void
add_list_part (CkdIdentification *self, CkdCall *call)
{
  g_autofree char *label = NULL;
  g_autofree char *app_id = NULL;
  g_autofree char *origin = NULL;
  CkdIdentityFacts facts = { 0 };

  if (self->list_source == NULL
      || !self->list_source (call->remote_handle.type, call->remote_handle.value, &label,
                             &app_id, self->list_source_data))
    return;
  facts.label = label;
  facts.present = CKD_IDENTITY_LABEL;
  ckd_identity_facts_normalize (&facts);
  /* The user's own identification list (callctl, app id "") is one of
   * the user's own entries, above every app's list. */
  if (app_id == NULL || app_id[0] == '\0')
    {
      ckd_identity_set (&call->identity, CKD_IDENTITY_SOURCE_CONTACTS, 1, "user-list", &facts);
      return;
    }
  origin = g_strconcat ("list:", app_id, NULL);
  ckd_identity_set (&call->identity, CKD_IDENTITY_SOURCE_LIST, 0, origin, &facts);
}

static void
add_contacts_part (CkdIdentification *self, CkdCall *call)
{
  const char *name =
    ckd_contacts_lookup (self->contacts, call->remote_handle.type, call->remote_handle.value);
  CkdIdentityFacts facts = { .name = (char *) name, .present = CKD_IDENTITY_NAME };

  if (name != NULL)
    ckd_identity_set (&call->identity, CKD_IDENTITY_SOURCE_CONTACTS, 0, "contacts", &facts);
}

gboolean
ckd_identification_is_known_contact (CkdIdentification *self, CkdHandleType type,
                                     const char *handle)
{
  return ckd_contacts_lookup (self->contacts, type, handle) != NULL;
}

/* Whether the sources above the services leave anything for them: not
 * for one of the user's contacts (whose number never leaves the
 * machine), nor when every field a service could add is given. */
static gboolean
needs_lookup (const CkdCall *call)
{
  if (ckd_identity_has_source (&call->identity, CKD_IDENTITY_SOURCE_CONTACTS))
    return FALSE;
  return (ckd_identity_fields_above (&call->identity, SERVICE) & CKD_IDENTITY_ALL_FIELDS)
         != CKD_IDENTITY_ALL_FIELDS;
}

static void
on_identify_call (CkdIdentification *self, CkdCall *call)
{
  g_autofree char *key = NULL;
  gint64 now = g_get_monotonic_time ();
  guint outstanding = 0;

  if (call->remote_handle.value == NULL || *call->remote_handle.value == '\0')
    {
      self->anonymous++;
      g_debug ("call %s has no handle: nothing to look up", call->uuid);
      return;
    }
  add_contacts_part (self, call);
  add_list_part (self, call);
  if (self->services->len == 0)
    return;
  if (!needs_lookup (call))
    {
      self->skipped++;
      g_debug ("call %s is identified already: no lookup (%" G_GUINT64_FORMAT " skipped)",
               call->uuid, self->skipped);
      return;
    }
  key = cache_key (&call->remote_handle);
  for (guint i = 0; i < self->services->len; i++)
    {
      CkdLookupService *service = g_ptr_array_index (self->services, i);
      CacheEntry *cached = cache_get (service, key, now);

      if (cached != NULL)
        {
          COUNT (service, hits);
          g_debug ("identification service %s: cached answer for call %s (%" G_GUINT64_FORMAT
                   " hits)",
                   service->app_id, call->uuid, service->counters.hits);
          ckd_identity_set (&call->identity, SERVICE, service->rank, service->origin,
                            &cached->facts);
        }
      else if (send_lookup (self, service, call, key))
        outstanding++;
    }
  if (outstanding > 0)
    wait_for_lookups (self, call, outstanding);
}

static void
on_call_removed (CkdIdentification *self, CkdCall *call)
{
  g_hash_table_remove (self->waiting, call->uuid);
}

/* ---- services ------------------------------------------------------- */

static void
service_free (CkdLookupService *service)
{
  g_hash_table_unref (service->cache);
  g_free (service->app_id);
  g_free (service->origin);
  g_free (service->bus_name);
  g_free (service->path);
  g_free (service);
}

CkdLookupService *
ckd_identification_find (CkdIdentification *self, const char *app_id)
{
  for (guint i = 0; i < self->services->len; i++)
    {
      CkdLookupService *service = g_ptr_array_index (self->services, i);
      if (g_str_equal (service->app_id, app_id))
        return service;
    }
  return NULL;
}

typedef struct
{
  char *app_id;
  guint32 cache_seconds;
} RegisterOptions;

static const CkdDictField register_fields[] = {
  { "app_id", CKD_FIELD_STRING, G_STRUCT_OFFSET (RegisterOptions, app_id), 0, 255, NULL },
  { "cache_seconds", CKD_FIELD_UINT32, G_STRUCT_OFFSET (RegisterOptions, cache_seconds), 0,
    CKD_MAX_IDENTIFICATION_CACHE_SECONDS, NULL },
};

CkdLookupService *
ckd_identification_register (CkdIdentification *self, const CkdPeer *peer, const char *path,
                             GVariant *options_dict, GError **error)
{
  RegisterOptions options = { .cache_seconds = CKD_DEFAULT_IDENTIFICATION_CACHE_SECONDS };
  CkdCaller caller = {
    .name = (char *) peer->name,
    .uid = peer->uid,
    .pid = peer->pid,
    .sandboxed = peer->sandboxed,
    .app_id = (char *) peer->app_id,
  };
  g_autofree char *app_id = NULL;
  CkdLookupService *service;
  gboolean ok;

  ok = ckd_dict_parse (options_dict, register_fields, G_N_ELEMENTS (register_fields), &options,
                       NULL, "options", error)
       && ckd_caller_app_scope (&caller, options.app_id, &app_id, error);
  ckd_dict_clear (register_fields, G_N_ELEMENTS (register_fields), &options);
  if (!ok)
    return NULL;
  if (app_id == NULL)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "options: 'app_id' is needed (the application id, as the name of "
                           "its .desktop file)");
      return NULL;
    }
  service = ckd_identification_find (self, app_id);
  if (service == NULL && self->services->len >= CKD_MAX_IDENTIFICATION_SERVICES)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "%u identification services are registered already",
                   CKD_MAX_IDENTIFICATION_SERVICES);
      return NULL;
    }
  if (service == NULL)
    {
      service = g_new0 (CkdLookupService, 1);
      service->owner = self;
      service->app_id = g_steal_pointer (&app_id);
      service->origin = g_strconcat ("service:", service->app_id, NULL);
      service->rank = self->next_rank++;
      service->cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify) cache_entry_free);
      g_ptr_array_add (self->services, service);
    }
  else
    {
      /* Registered anew: what the old one said, and asked, is forgotten. */
      drop_lookups_of (self, service, FALSE);
      cache_clear (service);
    }
  g_free (service->bus_name);
  service->bus_name = g_strdup (peer->name);
  g_free (service->path);
  service->path = g_strdup (path);
  service->cache_seconds = options.cache_seconds;
  g_info ("identification service %s registered at %s %s (cache %us)", service->app_id,
          service->bus_name, service->path, service->cache_seconds);
  return service;
}

void
ckd_identification_unregister (CkdIdentification *self, CkdLookupService *service)
{
  g_info ("identification service %s unregistered", service->app_id);
  drop_lookups_of (self, service, TRUE);
  g_ptr_array_remove (self->services, service);
}

static void
on_peer_gone (const char *name, gpointer user_data)
{
  CkdIdentification *self = user_data;

  for (guint i = self->services->len; i > 0; i--)
    {
      CkdLookupService *service = g_ptr_array_index (self->services, i - 1);
      if (g_str_equal (service->bus_name, name))
        ckd_identification_unregister (self, service);
    }
}

/* ---- counters ------------------------------------------------------- */

static void
add_counters (GVariantBuilder *builder, const CkdLookupCounters *counters)
{
  g_variant_builder_add (builder, "{sv}", "lookups", g_variant_new_uint64 (counters->lookups));
  g_variant_builder_add (builder, "{sv}", "hits", g_variant_new_uint64 (counters->hits));
  g_variant_builder_add (builder, "{sv}", "answers", g_variant_new_uint64 (counters->answers));
  g_variant_builder_add (builder, "{sv}", "late", g_variant_new_uint64 (counters->late));
  g_variant_builder_add (builder, "{sv}", "timeouts", g_variant_new_uint64 (counters->timeouts));
  g_variant_builder_add (builder, "{sv}", "failures", g_variant_new_uint64 (counters->failures));
}

GVariant *
ckd_identification_stats (CkdIdentification *self, const char *app_id)
{
  GVariantBuilder builder, services;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&services, G_VARIANT_TYPE ("aa{sv}"));
  if (app_id == NULL)
    {
      add_counters (&builder, &self->totals);
      g_variant_builder_add (&builder, "{sv}", "skipped", g_variant_new_uint64 (self->skipped));
      g_variant_builder_add (&builder, "{sv}", "anonymous",
                             g_variant_new_uint64 (self->anonymous));
      g_variant_builder_add (&builder, "{sv}", "contacts",
                             g_variant_new_uint32 (ckd_contacts_count (self->contacts)));
    }
  for (guint i = 0; i < self->services->len; i++)
    {
      CkdLookupService *service = g_ptr_array_index (self->services, i);
      GVariantBuilder one;

      if (app_id != NULL && !g_str_equal (app_id, service->app_id))
        continue;
      g_variant_builder_init (&one, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&one, "{sv}", "app_id", g_variant_new_string (service->app_id));
      g_variant_builder_add (&one, "{sv}", "bus_name", g_variant_new_string (service->bus_name));
      g_variant_builder_add (&one, "{sv}", "object", g_variant_new_object_path (service->path));
      g_variant_builder_add (&one, "{sv}", "cache_seconds",
                             g_variant_new_uint32 (service->cache_seconds));
      g_variant_builder_add (&one, "{sv}", "cache_entries",
                             g_variant_new_uint32 (g_hash_table_size (service->cache)));
      add_counters (&one, &service->counters);
      g_variant_builder_add (&services, "a{sv}", &one);
    }
  g_variant_builder_add (&builder, "{sv}", "services", g_variant_builder_end (&services));
  return g_variant_builder_end (&builder);
}

/* ---- life ----------------------------------------------------------- */

CkdIdentification *
ckd_identification_new (sd_bus *bus, CkdPeers *peers, CkdSession *session, GError **error)
{
  g_autoptr (CkdIdentification) self = g_new0 (CkdIdentification, 1);

  self->bus = sd_bus_ref (bus);
  self->peers = peers;
  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->settings = g_object_ref (ckd_session_get_settings (session));
  self->services = g_ptr_array_new_with_free_func ((GDestroyNotify) service_free);
  self->waiting = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) waiting_free);
  self->in_flight = g_ptr_array_new_with_free_func ((GDestroyNotify) lookup_free);
  g_signal_connect_swapped (session, "identify-call", G_CALLBACK (on_identify_call), self);
  g_signal_connect_swapped (self->registry, "call-removed", G_CALLBACK (on_call_removed), self);
  ckd_peers_add_gone_handler (peers, on_peer_gone, self);
  self->contacts = ckd_contacts_new ();
  self->images_dir =
    g_build_filename (g_get_user_runtime_dir (), "callkitd", "caller-images", NULL);
  if (ckd_bus_identification_serve (self, error) < 0)
    return NULL;
  return g_steal_pointer (&self);
}

void
ckd_identification_set_list_source (CkdIdentification *self, CkdIdentificationListSource source,
                                    gpointer user_data)
{
  self->list_source = source;
  self->list_source_data = user_data;
}

void
ckd_identification_free (CkdIdentification *self)
{
  if (self == NULL)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  if (self->peers != NULL)
    ckd_peers_remove_gone_handler (self->peers, on_peer_gone, self);
  self->vtable_slot = sd_bus_slot_unref (self->vtable_slot);
  g_clear_pointer (&self->contacts, ckd_contacts_free);
  g_clear_pointer (&self->images_dir, g_free);
  g_clear_pointer (&self->in_flight, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_pointer (&self->services, g_ptr_array_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->registry);
  g_clear_object (&self->session);
  self->bus = sd_bus_unref (self->bus);
  g_free (self);
}
