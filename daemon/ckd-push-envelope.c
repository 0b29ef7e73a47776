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

/* A JSON value as the metadata key @key's D-Bus type, or NULL. */
static GVariant *
to_variant (const char *key, JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (g_str_equal (key, "sent_at") || g_str_equal (key, "expires_at"))
    return JSON_NODE_HOLDS_VALUE (node) && type == G_TYPE_INT64
             ? g_variant_new_int64 (json_node_get_int (node))
             : NULL;
  if (g_str_equal (key, "remote_handle"))
    {
      const char *handle_type = NULL, *value = NULL;

      /* ["phone-number", "+4930123"] or {"type": ..., "value": ...} */
      if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 2)
        {
          JsonArray *array = json_node_get_array (node);
          JsonNode *first = json_array_get_element (array, 0);
          JsonNode *second = json_array_get_element (array, 1);

          if (JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING
              && JSON_NODE_HOLDS_VALUE (second)
              && json_node_get_value_type (second) == G_TYPE_STRING)
            {
              handle_type = json_node_get_string (first);
              value = json_node_get_string (second);
            }
        }
      else if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *object = json_node_get_object (node);
          JsonNode *t = json_object_get_member (object, "type");
          JsonNode *v = json_object_get_member (object, "value");

          if (t != NULL && v != NULL && JSON_NODE_HOLDS_VALUE (t)
              && json_node_get_value_type (t) == G_TYPE_STRING && JSON_NODE_HOLDS_VALUE (v)
              && json_node_get_value_type (v) == G_TYPE_STRING)
            {
              handle_type = json_node_get_string (t);
              value = json_node_get_string (v);
            }
        }
      return handle_type != NULL ? g_variant_new ("(ss)", handle_type, value) : NULL;
    }
  return JSON_NODE_HOLDS_VALUE (node) && type == G_TYPE_STRING
           ? g_variant_new_string (json_node_get_string (node))
           : NULL;
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
  if (size == 0 || !json_parser_load_from_data (parser, data, (gssize) size, &error))
    {
      *envelope_error = g_strdup_printf ("not JSON: %s", error ? error->message : "empty");
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
      GVariantBuilder single;

      if (node == NULL)
        continue;
      value = to_variant (key, node);
      if (value == NULL)
        {
          add_problem (&problems, "'%s' has the wrong JSON type", key);
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
