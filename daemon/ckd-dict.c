/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-types.h"

#define FIELD_PTR(target, field) ((gpointer) ((guint8 *) (target) + (field)->offset))
#define FIELD_CPTR(target, field) ((gconstpointer) ((const guint8 *) (target) + (field)->offset))

static const char *
field_type_string (CkdFieldKind kind)
{
  switch (kind)
    {
    case CKD_FIELD_STRING:
      return "s";
    case CKD_FIELD_BOOLEAN:
      return "b";
    case CKD_FIELD_UINT32:
      return "u";
    case CKD_FIELD_TIME:
      return "x";
    case CKD_FIELD_HANDLE:
      return "(ss)";
    case CKD_FIELD_STRV:
      return "as";
    case CKD_FIELD_OBJECT_PATH:
      return "o";
    default:
      g_assert_not_reached ();
    }
}

static gboolean
check_string (const char *what, const char *key, const char *s, guint64 max, GError **error)
{
  gsize len = strlen (s);

  if (max == 0)
    max = CKD_MAX_STRING_LENGTH;
  if (len > max)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' is %" G_GSIZE_FORMAT " bytes long, the limit is %" G_GUINT64_FORMAT,
                   what, key, len, max);
      return FALSE;
    }
  if (!g_utf8_validate (s, len, NULL))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: '%s' is not valid UTF-8",
                   what, key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_field (const CkdDictField *field, GVariant *value, gpointer target, const char *what,
             GError **error)
{
  gpointer ptr = FIELD_PTR (target, field);

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (field_type_string (field->kind))))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' must be of type %s, not %s", what, field->key,
                   field_type_string (field->kind), g_variant_get_type_string (value));
      return FALSE;
    }

  switch (field->kind)
    {
    case CKD_FIELD_STRING:
    case CKD_FIELD_OBJECT_PATH:
      {
        const char *s = g_variant_get_string (value, NULL);
        if (!check_string (what, field->key, s, field->max, error))
          return FALSE;
        g_free (*(char **) ptr);
        *(char **) ptr = g_strdup (s);
        break;
      }
    case CKD_FIELD_BOOLEAN:
      *(gboolean *) ptr = g_variant_get_boolean (value);
      break;
    case CKD_FIELD_UINT32:
      {
        guint32 u = g_variant_get_uint32 (value);
        if (u < field->min || u > field->max)
          {
            g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                         "%s: '%s' is %u, it must be from %" G_GUINT64_FORMAT
                         " to %" G_GUINT64_FORMAT,
                         what, field->key, u, field->min, field->max);
            return FALSE;
          }
        *(guint32 *) ptr = u;
        break;
      }
    case CKD_FIELD_TIME:
      {
        gint64 t = g_variant_get_int64 (value);
        g_autofree char *named = g_strdup_printf ("%s: '%s'", what, field->key);

        if (!ckd_time_check (t, named, error))
          return FALSE;
        *(gint64 *) ptr = t;
        break;
      }
    case CKD_FIELD_HANDLE:
      {
        const char *type, *handle_value;
        CkdHandle *handle = ptr;
        CkdHandleType handle_type = CKD_HANDLE_GENERIC;

        g_variant_get (value, "(&s&s)", &type, &handle_value);
        /* ("", "") is the documented "no handle": an unknown caller. */
        if (*type != '\0' || *handle_value != '\0')
          if (!ckd_handle_type_from_string (type, &handle_type))
            {
              g_autofree char *shown = ckd_shorten (type);
              g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "%s: '%s' has handle type '%s', expected generic, phone-number or "
                           "email-address",
                           what, field->key, shown);
              return FALSE;
            }
        if (!check_string (what, field->key, handle_value, field->max, error))
          return FALSE;
        g_free (handle->value);
        handle->type = handle_type;
        handle->value = g_strdup (handle_value);
        break;
      }
    case CKD_FIELD_STRV:
      {
        g_autofree const char **strv = g_variant_get_strv (value, NULL);
        for (guint i = 0; strv[i] != NULL; i++)
          if (!check_string (what, field->key, strv[i], field->max, error))
            return FALSE;
        g_strfreev (*(char ***) ptr);
        *(char ***) ptr = g_strdupv ((char **) strv);
        break;
      }
    default:
      g_assert_not_reached ();
    }

  if (field->check != NULL && !field->check (what, field->key, ptr, error))
    return FALSE;
  return TRUE;
}

gboolean
ckd_dict_parse (GVariant *dict, const CkdDictField *fields, guint n_fields, gpointer target,
                guint64 *present, const char *what, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  guint64 seen = 0;

  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (n_fields <= 64, FALSE);

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr (GVariant) owned = value;
      guint i;

      for (i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, key))
          break;
      if (i == n_fields)
        {
          g_autofree char *shown = ckd_shorten (key);
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: unknown key '%s'",
                       what, shown);
          return FALSE;
        }
      if (seen & (G_GUINT64_CONSTANT (1) << i))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: '%s' is given twice",
                       what, key);
          return FALSE;
        }
      seen |= G_GUINT64_CONSTANT (1) << i;
      if (!parse_field (&fields[i], value, target, what, error))
        return FALSE;
    }

  if (present != NULL)
    *present = seen;
  return TRUE;
}

void
ckd_dict_clear (const CkdDictField *fields, guint n_fields, gpointer target)
{
  for (guint i = 0; i < n_fields; i++)
    {
      gpointer ptr = FIELD_PTR (target, &fields[i]);
      switch (fields[i].kind)
        {
        case CKD_FIELD_STRING:
        case CKD_FIELD_OBJECT_PATH:
          g_clear_pointer ((char **) ptr, g_free);
          break;
        case CKD_FIELD_HANDLE:
          ckd_handle_clear (ptr);
          break;
        case CKD_FIELD_STRV:
          g_clear_pointer ((char ***) ptr, g_strfreev);
          break;
        case CKD_FIELD_BOOLEAN:
        case CKD_FIELD_UINT32:
        case CKD_FIELD_TIME:
        default:
          break;
        }
    }
}

void
ckd_dict_build (const CkdDictField *fields, guint n_fields, gconstpointer target,
                GVariantBuilder *builder)
{
  for (guint i = 0; i < n_fields; i++)
    {
      const CkdDictField *field = &fields[i];
      gconstpointer ptr = FIELD_CPTR (target, field);
      GVariant *value = NULL;

      switch (field->kind)
        {
        case CKD_FIELD_STRING:
          value = g_variant_new_string (*(char *const *) ptr ? *(char *const *) ptr : "");
          break;
        case CKD_FIELD_OBJECT_PATH:
          if (*(char *const *) ptr != NULL)
            value = g_variant_new_object_path (*(char *const *) ptr);
          break;
        case CKD_FIELD_BOOLEAN:
          value = g_variant_new_boolean (*(const gboolean *) ptr);
          break;
        case CKD_FIELD_UINT32:
          value = g_variant_new_uint32 (*(const guint32 *) ptr);
          break;
        case CKD_FIELD_TIME:
          value = g_variant_new_int64 (*(const gint64 *) ptr);
          break;
        case CKD_FIELD_HANDLE:
          {
            const CkdHandle *handle = ptr;
            value = g_variant_new ("(ss)", ckd_handle_type_to_string (handle->type),
                                   handle->value ? handle->value : "");
            break;
          }
        case CKD_FIELD_STRV:
          {
            char *const *strv = *(char **const *) ptr;
            value = g_variant_new_strv ((const char *const *) strv, strv ? -1 : 0);
            break;
          }
        default:
          g_assert_not_reached ();
        }
      if (value != NULL)
        g_variant_builder_add (builder, "{sv}", field->key, value);
    }
}
