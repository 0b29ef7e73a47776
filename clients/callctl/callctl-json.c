/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Just enough JSON writing for callctl's output, so that the tool needs
 * nothing beyond GLib. Strings from D-Bus are valid UTF-8 by the protocol's
 * rules, so only quotes, backslashes and control characters need escaping;
 * everything else passes through unchanged. */

#include "callctl-json.h"

#include <math.h>

void
callctl_json_append_string (GString    *out,
                            const char *str)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) str; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          /* DEL is legal in JSON, but escaping it keeps the output safe to
           * show on a terminal as it is. */
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
          break;
        }
    }
  g_string_append_c (out, '"');
}

static void
append_key (GString  *out,
            GVariant *key)
{
  if (g_variant_is_of_type (key, G_VARIANT_TYPE_STRING) ||
      g_variant_is_of_type (key, G_VARIANT_TYPE_OBJECT_PATH) ||
      g_variant_is_of_type (key, G_VARIANT_TYPE_SIGNATURE))
    {
      callctl_json_append_string (out, g_variant_get_string (key, NULL));
    }
  else
    {
      /* JSON object keys are strings: numbers and booleans become their
       * textual form. */
      g_autofree char *text = g_variant_print (key, FALSE);
      callctl_json_append_string (out, text);
    }
}

void
callctl_json_append_variant (GString  *out,
                             GVariant *value)
{
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      break;
    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "%u", (unsigned) g_variant_get_byte (value));
      break;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "%d", (int) g_variant_get_int16 (value));
      break;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "%u", (unsigned) g_variant_get_uint16 (value));
      break;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "%" G_GINT32_FORMAT, g_variant_get_int32 (value));
      break;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "%" G_GUINT32_FORMAT, g_variant_get_uint32 (value));
      break;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
      break;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
      break;
    case G_VARIANT_CLASS_HANDLE:
      g_string_append_printf (out, "%" G_GINT32_FORMAT, g_variant_get_handle (value));
      break;
    case G_VARIANT_CLASS_DOUBLE:
      {
        double d = g_variant_get_double (value);
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        /* JSON has no NaN or infinity. */
        if (isfinite (d))
          g_string_append (out, g_ascii_dtostr (buf, sizeof buf, d));
        else
          g_string_append (out, "null");
      }
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      callctl_json_append_string (out, g_variant_get_string (value, NULL));
      break;
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (value);
        callctl_json_append_variant (out, inner);
      }
      break;
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (value);

        if (inner != NULL)
          callctl_json_append_variant (out, inner);
        else
          g_string_append (out, "null");
      }
      break;
    case G_VARIANT_CLASS_ARRAY:
      {
        const GVariantType *element = g_variant_type_element (g_variant_get_type (value));
        gboolean is_dict = g_variant_type_is_dict_entry (element);
        size_t n = g_variant_n_children (value);

        g_string_append_c (out, is_dict ? '{' : '[');
        for (size_t i = 0; i < n; i++)
          {
            g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

            if (i > 0)
              g_string_append_c (out, ',');
            if (is_dict)
              {
                g_autoptr(GVariant) key = g_variant_get_child_value (child, 0);
                g_autoptr(GVariant) val = g_variant_get_child_value (child, 1);

                append_key (out, key);
                g_string_append_c (out, ':');
                callctl_json_append_variant (out, val);
              }
            else
              {
                callctl_json_append_variant (out, child);
              }
          }
        g_string_append_c (out, is_dict ? '}' : ']');
      }
      break;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      {
        size_t n = g_variant_n_children (value);

        g_string_append_c (out, '[');
        for (size_t i = 0; i < n; i++)
          {
            g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

            if (i > 0)
              g_string_append_c (out, ',');
            callctl_json_append_variant (out, child);
          }
        g_string_append_c (out, ']');
      }
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

/* "IsOnHold" → "is_on_hold", "SupportsDTMF" → "supports_dtmf",
 * "UUID" → "uuid": the snake_case that the API uses for dictionary keys. */
char *
callctl_json_key_from_property (const char *property_name)
{
  GString *key = g_string_new (NULL);

  for (size_t i = 0; property_name[i] != '\0'; i++)
    {
      char c = property_name[i];

      if (g_ascii_isupper (c) && i > 0)
        {
          char prev = property_name[i - 1];
          char next = property_name[i + 1];

          if (g_ascii_islower (prev) || g_ascii_isdigit (prev) ||
              (g_ascii_isupper (prev) && g_ascii_islower (next)))
            g_string_append_c (key, '_');
        }
      g_string_append_c (key, g_ascii_tolower (c));
    }

  return g_string_free (key, FALSE);
}
