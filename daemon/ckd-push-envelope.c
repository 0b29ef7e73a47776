/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

#include "ckd-push-registry-private.h"

/* A UnifiedPush message is what the app's server POSTed, byte for byte.
 * For callkitd it is a JSON object whose keys named like DeliverPush's
 * metadata (push_id, sent_at, expires_at, call_uuid, remote_handle,
 * localized_caller_name) say what the push is; the app gets the whole
 * message as its payload, its own keys untouched. What cannot be read
 * (not JSON, not an object, a key of the wrong type) is left out and
 * said in envelope_error: the push still reaches the app, decided on
 * what was understood. */

/* The string @node holds, or NULL when it holds none. json-glib (1.6)
 * turns an unpaired UTF-16 surrogate escape ("\ud83d") into bytes that
 * are no UTF-8, which GVariant refuses: such a string is a bad value
 * (*@bad_utf8), never passed on. */
static const char *
json_string (JsonNode *node, gboolean *bad_utf8)
{
  const char *s;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (node);
  if (!g_utf8_validate (s, -1, NULL))
    {
      *bad_utf8 = TRUE;
      return NULL;
    }
  return s;
}

/* A JSON value as the metadata key @key's D-Bus type, or NULL with *@why
 * saying what is wrong with it. */
static GVariant *
to_variant (const char *key, JsonNode *node, const char **why)
{
  GType type = json_node_get_value_type (node);
  gboolean bad_utf8 = FALSE;
  GVariant *value = NULL;

  if (g_str_equal (key, "sent_at") || g_str_equal (key, "expires_at"))
    {
      if (JSON_NODE_HOLDS_VALUE (node) && type == G_TYPE_INT64)
        value = g_variant_new_int64 (json_node_get_int (node));
    }
  else if (g_str_equal (key, "remote_handle"))
    {
      const char *handle_type = NULL, *handle_value = NULL;

      /* ["phone-number", "+4930123"] or {"type": ..., "value": ...} */
      if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 2)
        {
          JsonArray *array = json_node_get_array (node);

          handle_type = json_string (json_array_get_element (array, 0), &bad_utf8);
          handle_value = json_string (json_array_get_element (array, 1), &bad_utf8);
        }
      else if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *object = json_node_get_object (node);
          JsonNode *t = json_object_get_member (object, "type");
          JsonNode *v = json_object_get_member (object, "value");

          if (t != NULL && v != NULL)
            {
              handle_type = json_string (t, &bad_utf8);
              handle_value = json_string (v, &bad_utf8);
            }
        }
      if (handle_type != NULL && handle_value != NULL)
        value = g_variant_new ("(ss)", handle_type, handle_value);
    }
  else
    {
      const char *s = json_string (node, &bad_utf8);

      if (s != NULL)
        value = g_variant_new_string (s);
    }
  if (value == NULL)
    *why = bad_utf8 ? "is not valid UTF-8" : "has the wrong JSON type";
  return value;
}

static void
add_problem (GString **problems, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_problem (GString **problems, const char *format, ...)
{
  va_list args;

  if (*problems == NULL)
    *problems = g_string_new (NULL);
  else
    g_string_append (*problems, "; ");
  va_start (args, format);
  g_string_append_vprintf (*problems, format, args);
  va_end (args);
}

void
ckd_push_envelope_parse (GBytes *message, CkdPushMetadata *metadata, char **envelope_error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  GString *problems = NULL;
  GVariantBuilder builder;
  g_autoptr (GVariant) dict = NULL;
  JsonObject *object;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  *metadata = (CkdPushMetadata) { 0 };
  *envelope_error = NULL;
  /* Nothing but white space loads without an error, and without a root. */
  if (size == 0 || !json_parser_load_from_data (parser, data, (gssize) size, &error)
      || json_parser_get_root (parser) == NULL)
    {
      /* json-glib quotes the bad token byte for byte: it goes on the bus
       * in envelope_error, which must be UTF-8. */
      g_autofree char *shown = error ? g_utf8_make_valid (error->message, -1) : NULL;
      *envelope_error = g_strdup_printf ("not JSON: %s", shown ? shown : "empty");
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *envelope_error = g_strdup ("not a JSON object");
      return;
    }
  object = json_node_get_object (json_parser_get_root (parser));

  /* Key by key: one bad value loses that key only. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < CKD_PUSH_N_KEYS; i++)
    {
      const char *key = ckd_push_metadata_key (i);
      JsonNode *node = json_object_get_member (object, key);
      g_autoptr (GVariant) value = NULL;
      g_autoptr (GVariant) one = NULL;
      g_auto (CkdPushMetadata) scratch = { 0 };
      g_autoptr (GError) key_error = NULL;
      const char *why = NULL;
      GVariantBuilder single;

      if (node == NULL)
        continue;
      value = to_variant (key, node, &why);
      if (value == NULL)
        {
          add_problem (&problems, "'%s' %s", key, why);
          continue;
        }
      g_variant_ref_sink (value);
      g_variant_builder_init (&single, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&single, "{sv}", key, value);
      one = g_variant_ref_sink (g_variant_builder_end (&single));
      if (!ckd_push_metadata_parse (&scratch, one, &key_error))
        {
          add_problem (&problems, "%s", key_error->message);
          continue;
        }
      g_variant_builder_add (&builder, "{sv}", key, value);
    }
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (!ckd_push_metadata_parse (metadata, dict, &error))
    g_return_if_reached ();
  if (problems != NULL)
    *envelope_error = g_string_free (problems, FALSE);
}
