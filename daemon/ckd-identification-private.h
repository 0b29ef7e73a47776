/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-identification.h"
#include "ckd-registry.h"

G_BEGIN_DECLS

/* Shared by the files of the identification front end:
 * ckd-identification.c (services, the cache, lookups over time) and
 * ckd-bus-identification.c (the methods on the CallDirectory interface). */

typedef struct _CkdContacts CkdContacts;

/* The counters, per service and in total. */
typedef struct
{
  guint64 lookups;  /* Lookup calls sent */
  guint64 hits;     /* answered from the cache: no call sent */
  guint64 answers;  /* good answers (within the deadline or later) */
  guint64 late;     /* answers after the deadline (they still count) */
  guint64 timeouts; /* no answer within lookup-timeout-ms */
  guint64 failures; /* errors, garbage, a service gone mid-lookup */
} CkdLookupCounters;

/* A registered lookup service: one per app id. */
typedef struct
{
  CkdIdentification *owner;
  char *app_id;
  char *origin;     /* "service:APP_ID" in Identity.sources */
  char *bus_name;   /* the unique name that registered it */
  char *path;       /* its object */
  guint rank;       /* registration order: the first registered wins a field */
  guint32 cache_seconds;
  GHashTable *cache; /* "type\x1fhandle" -> CacheEntry *, owned */
  GQueue lru;        /* CacheEntry *, most recently used first */
  CkdLookupCounters counters;
} CkdLookupService;

struct _CkdIdentification
{
  sd_bus *bus;
  CkdPeers *peers;
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  sd_bus_slot *vtable_slot;
  GPtrArray *services;   /* CkdLookupService *, owned, in registration order */
  guint next_rank;
  GHashTable *waiting;   /* uuid -> Waiting *: calls held back for lookups */
  GPtrArray *in_flight;  /* Lookup *, owned */
  CkdLookupCounters totals;
  guint64 skipped;       /* calls not sent to any service: already identified */
  guint64 anonymous;     /* calls with no handle: nothing to look up */
  CkdIdentificationListSource list_source;
  gpointer list_source_data;
  CkdContacts *contacts;
  char *images_dir; /* $XDG_RUNTIME_DIR/callkitd/caller-images */
};

CkdLookupService *ckd_identification_register (CkdIdentification *self, const CkdPeer *peer,
                                               const char *path, GVariant *options,
                                               GError **error);
/* The service of @app_id, or NULL. */
CkdLookupService *ckd_identification_find (CkdIdentification *self, const char *app_id);
void ckd_identification_unregister (CkdIdentification *self, CkdLookupService *service);
/* The counters as a{sv}: totals with skipped and anonymous, then
 * services aa{sv}, of every service (@app_id NULL) or one app's. */
GVariant *ckd_identification_stats (CkdIdentification *self, const char *app_id);

/* The D-Bus methods (ckd-bus-identification.c), served as a vtable of
 * their own on the CallDirectory interface; its entries (the vtable's
 * userdata is the CkdIdentification) can go into the directory's. */
int ckd_bus_identification_serve (CkdIdentification *self, GError **error);
const sd_bus_vtable *ckd_bus_identification_vtable (void);

/* Checks and scales a caller's picture, given as a file (@path) or as
 * bytes (@data), and stores it as PNG in @dir (ckd-identity-image.c).
 * Returns the stored file, or NULL with an error saying why it was not
 * taken. */
char *ckd_identity_image_store (const char *path, GBytes *data, const char *dir,
                                GError **error);

/* The user's contacts (ckd-contacts.c), from Evolution Data Server's
 * address books, read in the background; empty where EDS is not there. */
CkdContacts *ckd_contacts_new (void);
void ckd_contacts_free (CkdContacts *contacts);
/* The name of the contact with @handle (owned by @contacts), or NULL.
 * Never blocks. */
const char *ckd_contacts_lookup (CkdContacts *contacts, CkdHandleType type, const char *handle);
/* Contacts with a name and a number or address, of every book. */
guint ckd_contacts_count (CkdContacts *contacts);

G_END_DECLS
