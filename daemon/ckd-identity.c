/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-identity.h"
#include "ckd-limits.h"

typedef struct
{
  CkdIdentitySource source;
  guint rank;
  char *origin;
  CkdIdentityFacts facts;
} CkdIdentityPart;

/* ---- facts ---------------------------------------------------------- */

typedef struct
{
  char *name;
  char *label;
  gboolean suspected_spam;
  guint32 cache_seconds;
} Answer;

#define FIELD(name, kind, max) { #name, kind, G_STRUCT_OFFSET (Answer, name), 0, max, NULL }

static const CkdDictField answer_fields[] = {
  FIELD (name, CKD_FIELD_STRING, 0),
  FIELD (label, CKD_FIELD_STRING, 0),
  FIELD (suspected_spam, CKD_FIELD_BOOLEAN, 0),
  FIELD (cache_seconds, CKD_FIELD_UINT32, G_MAXUINT32),
};

enum
{
  ANSWER_NAME,
  ANSWER_LABEL,
  ANSWER_SUSPECTED_SPAM,
  ANSWER_CACHE_SECONDS,
};

#define HAS(present, bit) (((present) & (G_GUINT64_CONSTANT (1) << (bit))) != 0)

void
ckd_identity_facts_clear (CkdIdentityFacts *facts)
{
  g_clear_pointer (&facts->name, g_free);
  g_clear_pointer (&facts->label, g_free);
  g_clear_pointer (&facts->image_path, g_free);
  facts->suspected_spam = FALSE;
  facts->present = 0;
}

void
ckd_identity_facts_copy (CkdIdentityFacts *dest, const CkdIdentityFacts *src)
{
  ckd_identity_facts_clear (dest);
  dest->name = g_strdup (src->name);
  dest->label = g_strdup (src->label);
  dest->suspected_spam = src->suspected_spam;
  dest->image_path = g_strdup (src->image_path);
  dest->present = src->present;
}

void
ckd_identity_facts_normalize (CkdIdentityFacts *facts)
{
  if (facts->name == NULL || *facts->name == '\0')
    facts->present &= ~CKD_IDENTITY_NAME;
  if (facts->label == NULL || *facts->label == '\0')
    facts->present &= ~CKD_IDENTITY_LABEL;
}

/* An empty string says nothing: its field is not present. */
static void
take_string (CkdIdentityFacts *facts, char **slot, char **value, CkdIdentityFields bit)
{
  g_free (*slot);
  *slot = NULL;
  facts->present &= ~bit;
  if (*value != NULL && **value != '\0')
    {
      *slot = g_steal_pointer (value);
      facts->present |= bit;
    }
  g_clear_pointer (value, g_free);
}

gboolean
ckd_identity_facts_parse (CkdIdentityFacts *facts, GVariant *dict, guint32 *ret_cache_seconds,
                          GError **error)
{
  Answer answer = { 0 };
  guint64 present = 0;

  if (!ckd_dict_parse (dict, answer_fields, G_N_ELEMENTS (answer_fields), &answer, &present,
                       "identity", error))
    {
      ckd_dict_clear (answer_fields, G_N_ELEMENTS (answer_fields), &answer);
      return FALSE;
    }
  ckd_identity_facts_clear (facts);
  take_string (facts, &facts->name, &answer.name, CKD_IDENTITY_NAME);
  take_string (facts, &facts->label, &answer.label, CKD_IDENTITY_LABEL);
  if (HAS (present, ANSWER_SUSPECTED_SPAM))
    {
      facts->suspected_spam = answer.suspected_spam;
      facts->present |= CKD_IDENTITY_SUSPECTED_SPAM;
    }
  if (HAS (present, ANSWER_CACHE_SECONDS) && ret_cache_seconds != NULL)
    *ret_cache_seconds = answer.cache_seconds;
  return TRUE;
}

/* ---- parts ---------------------------------------------------------- */

static void
part_free (CkdIdentityPart *part)
{
  g_free (part->origin);
  ckd_identity_facts_clear (&part->facts);
  g_free (part);
}

void
ckd_identity_init (CkdIdentity *identity)
{
  identity->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  identity->serial = 0;
}

void
ckd_identity_clear (CkdIdentity *identity)
{
  g_clear_pointer (&identity->parts, g_ptr_array_unref);
}

static gboolean
precedes (const CkdIdentityPart *a, CkdIdentitySource source, guint rank)
{
  return a->source < source || (a->source == source && a->rank <= rank);
}

static CkdIdentityPart *
find_part (const CkdIdentity *identity, const char *origin, guint *ret_index)
{
  for (guint i = 0; i < identity->parts->len; i++)
    {
      CkdIdentityPart *part = g_ptr_array_index (identity->parts, i);
      if (g_str_equal (part->origin, origin))
        {
          *ret_index = i;
          return part;
        }
    }
  return NULL;
}

static void
insert_part (CkdIdentity *identity, CkdIdentitySource source, guint rank, const char *origin,
             const CkdIdentityFacts *facts)
{
  CkdIdentityPart *part = g_new0 (CkdIdentityPart, 1);
  guint at = 0;

  part->source = source;
  part->rank = rank;
  part->origin = g_strdup (origin);
  ckd_identity_facts_copy (&part->facts, facts);
  while (at < identity->parts->len
         && precedes (g_ptr_array_index (identity->parts, at), source, rank))
    at++;
  g_ptr_array_insert (identity->parts, (int) at, part);
}

/* Compares the merged identity before and after @change, and counts a
 * change in the serial. */
static gboolean
note_change (CkdIdentity *identity, GVariant *before)
{
  g_autoptr (GVariant) after = g_variant_ref_sink (ckd_identity_to_variant (identity));
  gboolean changed = !g_variant_equal (before, after);

  g_variant_unref (before);
  if (changed)
    identity->serial++;
  return changed;
}

gboolean
ckd_identity_set (CkdIdentity *identity, CkdIdentitySource source, guint rank,
                  const char *origin, const CkdIdentityFacts *facts)
{
  GVariant *before = g_variant_ref_sink (ckd_identity_to_variant (identity));
  guint index;

  if (find_part (identity, origin, &index) != NULL)
    g_ptr_array_remove_index (identity->parts, index);
  if (facts != NULL && facts->present != 0)
    insert_part (identity, source, rank, origin, facts);
  return note_change (identity, before);
}

gboolean
ckd_identity_update (CkdIdentity *identity, CkdIdentitySource source, guint rank,
                     const char *origin, const CkdIdentityFacts *facts, CkdIdentityFields sent)
{
  g_auto (CkdIdentityFacts) merged = { 0 };
  CkdIdentityPart *part;
  guint index;

  part = find_part (identity, origin, &index);
  if (part != NULL)
    ckd_identity_facts_copy (&merged, &part->facts);
  merged.present = (merged.present & ~sent) | (facts->present & sent);
  if (sent & CKD_IDENTITY_NAME)
    {
      g_free (merged.name);
      merged.name = g_strdup (facts->name);
    }
  if (sent & CKD_IDENTITY_LABEL)
    {
      g_free (merged.label);
      merged.label = g_strdup (facts->label);
    }
  if (sent & CKD_IDENTITY_SUSPECTED_SPAM)
    merged.suspected_spam = facts->suspected_spam;
  return ckd_identity_set (identity, source, rank, origin, &merged);
}

CkdIdentityFields
ckd_identity_fields_above (const CkdIdentity *identity, CkdIdentitySource source)
{
  CkdIdentityFields fields = 0;

  for (guint i = 0; i < identity->parts->len; i++)
    {
      const CkdIdentityPart *part = g_ptr_array_index (identity->parts, i);
      if (part->source < source)
        fields |= part->facts.present;
    }
  return fields;
}

gboolean
ckd_identity_has_source (const CkdIdentity *identity, CkdIdentitySource source)
{
  for (guint i = 0; i < identity->parts->len; i++)
    if (((const CkdIdentityPart *) g_ptr_array_index (identity->parts, i))->source == source)
      return TRUE;
  return FALSE;
}

/* ---- the merged identity -------------------------------------------- */

void
ckd_identity_merge (const CkdIdentity *identity, CkdIdentityMerged *merged)
{
  *merged = (CkdIdentityMerged) { 0 };
  /* The parts are kept by precedence: the first one with a field wins. */
  for (guint i = 0; i < identity->parts->len; i++)
    {
      const CkdIdentityPart *part = g_ptr_array_index (identity->parts, i);
      const CkdIdentityFacts *facts = &part->facts;

      if (merged->name_source == NULL && (facts->present & CKD_IDENTITY_NAME))
        {
          merged->name = facts->name;
          merged->name_source = part->origin;
        }
      if (merged->label_source == NULL && (facts->present & CKD_IDENTITY_LABEL))
        {
          merged->label = facts->label;
          merged->label_source = part->origin;
        }
      if (merged->suspected_spam_source == NULL
          && (facts->present & CKD_IDENTITY_SUSPECTED_SPAM))
        {
          merged->suspected_spam = facts->suspected_spam;
          merged->suspected_spam_source = part->origin;
        }
      if (merged->image_source == NULL && (facts->present & CKD_IDENTITY_IMAGE))
        {
          merged->image_path = facts->image_path;
          merged->image_source = part->origin;
        }
    }
}

GVariant *
ckd_identity_to_variant (const CkdIdentity *identity)
{
  CkdIdentityMerged merged;
  GVariantBuilder builder, sources;

  ckd_identity_merge (identity, &merged);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&sources, G_VARIANT_TYPE ("a{ss}"));
  if (merged.name_source != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (merged.name));
      g_variant_builder_add (&sources, "{ss}", "name", merged.name_source);
    }
  if (merged.label_source != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (merged.label));
      g_variant_builder_add (&sources, "{ss}", "label", merged.label_source);
    }
  if (merged.suspected_spam_source != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "suspected_spam",
                             g_variant_new_boolean (merged.suspected_spam));
      g_variant_builder_add (&sources, "{ss}", "suspected_spam", merged.suspected_spam_source);
    }
  if (merged.image_source != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "image_path",
                             g_variant_new_string (merged.image_path));
      g_variant_builder_add (&sources, "{ss}", "image_path", merged.image_source);
    }
  g_variant_builder_add (&builder, "{sv}", "sources", g_variant_builder_end (&sources));
  return g_variant_builder_end (&builder);
}
