/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One table of key, type and validator per a{sv} dictionary on the API
 * (configuration, call update, action, fulfil result), so that every
 * dictionary is checked the same way and every error names its key. */

typedef enum
{
  CKD_FIELD_STRING,      /* char *, valid UTF-8, at most max bytes */
  CKD_FIELD_BOOLEAN,     /* gboolean */
  CKD_FIELD_UINT32,      /* guint32 in [min, max] */
  CKD_FIELD_TIME,        /* gint64 microseconds since the epoch, >= 0 */
  CKD_FIELD_HANDLE,      /* CkdHandle from (ss) */
  CKD_FIELD_STRV,        /* char ** from as */
  CKD_FIELD_OBJECT_PATH, /* char * from o */
} CkdFieldKind;

/* Further checks of a stored value, after type and length. */
typedef gboolean (*CkdFieldCheck) (const char *what, const char *key, gconstpointer field,
                                   GError **error);

typedef struct
{
  const char *key;
  CkdFieldKind kind;
  gsize offset;        /* of the field in the target struct */
  guint64 min;         /* CKD_FIELD_UINT32 */
  guint64 max;         /* CKD_FIELD_UINT32; byte length for strings (0: the default limit) */
  CkdFieldCheck check; /* may be NULL */
} CkdDictField;

/* Parses @dict (a{sv}) into @target. Keys absent from @dict leave their
 * field untouched; bit i of @present is set for each field i given. Unknown
 * keys, duplicate keys, wrong types and bad values fail with
 * CKD_ERROR_INVALID_ARGUMENT naming @what and the key. On failure @target
 * may be partly written: parse into a scratch copy. */
gboolean ckd_dict_parse (GVariant *dict, const CkdDictField *fields, guint n_fields,
                         gpointer target, guint64 *present, const char *what, GError **error);

/* Frees the strings, handles and string arrays that @fields point to. */
void ckd_dict_clear (const CkdDictField *fields, guint n_fields, gpointer target);

/* Adds every field of @target to @builder (a{sv}). */
void ckd_dict_build (const CkdDictField *fields, guint n_fields, gconstpointer target,
                     GVariantBuilder *builder);

G_END_DECLS
