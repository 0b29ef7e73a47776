/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Who a caller is, as several sources say, merged field by field: the
 * Identity property of a call. Each source keeps its own part; a field of
 * the merged identity comes from the part of highest precedence that has
 * it, and names that part in `sources`. Pure data: the identification
 * front end and the session fill the parts, the bus and the notifications
 * read the merged result. */

/* The sources, highest precedence first. */
typedef enum
{
  CKD_IDENTITY_SOURCE_PROVIDER, /* what the provider reported for the call */
  CKD_IDENTITY_SOURCE_CONTACTS, /* the user's own entries (address books) */
  CKD_IDENTITY_SOURCE_LIST,     /* identification lists of apps (CallDirectory) */
  CKD_IDENTITY_SOURCE_SERVICE,  /* lookup services (IdentificationService) */
} CkdIdentitySource;

typedef enum
{
  CKD_IDENTITY_NAME = 1u << 0,
  CKD_IDENTITY_LABEL = 1u << 1,
  CKD_IDENTITY_SUSPECTED_SPAM = 1u << 2,
  CKD_IDENTITY_IMAGE = 1u << 3,
} CkdIdentityFields;

/* Asking a lookup service is worth it while one of these is open; a
 * picture alone is not worth a lookup. */
#define CKD_IDENTITY_ALL_FIELDS \
  (CKD_IDENTITY_NAME | CKD_IDENTITY_LABEL | CKD_IDENTITY_SUSPECTED_SPAM)

/* What one source says. A field counts only when its bit is in
 * @present; an empty name or label is no name or label. */
typedef struct
{
  char *name;
  char *label;
  gboolean suspected_spam;
  char *image_path; /* a checked picture, in callkitd's runtime directory */
  CkdIdentityFields present;
} CkdIdentityFacts;

void ckd_identity_facts_clear (CkdIdentityFacts *facts);
void ckd_identity_facts_copy (CkdIdentityFacts *dest, const CkdIdentityFacts *src);
/* Reads a lookup service's answer (a{sv}: name s, label s,
 * suspected_spam b, cache_seconds u). *@ret_cache_seconds is left alone
 * when the answer has no cache_seconds. Unknown keys and wrong types fail
 * with InvalidArgument naming the key. */
gboolean ckd_identity_facts_parse (CkdIdentityFacts *facts, GVariant *answer,
                                   guint32 *ret_cache_seconds, GError **error);

typedef struct
{
  GPtrArray *parts; /* CkdIdentityPart *, by precedence */
  guint serial;     /* changes whenever the merged identity changes */
} CkdIdentity;

void ckd_identity_init (CkdIdentity *identity);
void ckd_identity_clear (CkdIdentity *identity);

/* Sets the part of @source named @origin ("provider", "contacts",
 * "list:APP_ID", "service:APP_ID") to @facts, replacing what it said
 * before; @rank orders parts of the same source (lower first: the order
 * lookup services registered in). @facts with nothing present removes
 * the part. Returns whether the merged identity changed. */
gboolean ckd_identity_set (CkdIdentity *identity, CkdIdentitySource source, guint rank,
                           const char *origin, const CkdIdentityFacts *facts);
/* As ckd_identity_set(), but only the fields in @sent change (to what
 * @facts says of them, present or not): the provider's later reports
 * update only what they send. */
gboolean ckd_identity_update (CkdIdentity *identity, CkdIdentitySource source, guint rank,
                              const char *origin, const CkdIdentityFacts *facts,
                              CkdIdentityFields sent);
/* Makes an empty name or label not present in @facts. */
void ckd_identity_facts_normalize (CkdIdentityFacts *facts);

/* The fields that sources of higher precedence than @source give. */
CkdIdentityFields ckd_identity_fields_above (const CkdIdentity *identity,
                                             CkdIdentitySource source);
/* Whether a part of @source is there. */
gboolean ckd_identity_has_source (const CkdIdentity *identity, CkdIdentitySource source);

/* The merged identity: pointers into @identity, valid until it changes;
 * NULL (or FALSE) for a field no source gives. */
typedef struct
{
  const char *name;
  const char *label;
  gboolean suspected_spam;
  const char *image_path;
  const char *name_source;
  const char *label_source;
  const char *suspected_spam_source;
  const char *image_source;
} CkdIdentityMerged;

void ckd_identity_merge (const CkdIdentity *identity, CkdIdentityMerged *merged);
/* The Identity property: a{sv} with name, label, suspected_spam (each
 * only when a source gives it) and sources a{ss} (field -> origin). */
GVariant *ckd_identity_to_variant (const CkdIdentity *identity);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CkdIdentityFacts, ckd_identity_facts_clear)

G_END_DECLS
