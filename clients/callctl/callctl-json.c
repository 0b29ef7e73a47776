/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* D-Bus values, as libcallkit hands them over (sd-bus messages), turned
 * into json-glib nodes. json-glib does the writing and the escaping. */

#include "callctl-json.h"

#include <math.h>

static JsonNode *
node_from_basic (sd_bus_message *m,
                 char            type)
{
  union
  {
    uint8_t u8;
    int b;
    int16_t s16;
    uint16_t u16;
    int32_t s32;
    uint32_t u32;
    int64_t s64;
    uint64_t u64;
    double d;
    const char *str;
    int fd;
  } v;
  JsonNode *node = json_node_alloc ();

  if (sd_bus_message_read_basic (m, type, &v) <= 0)
    {
      json_node_unref (node);
      return NULL;
    }

  switch (type)
    {
    case SD_BUS_TYPE_BOOLEAN:
      return json_node_init_boolean (node, v.b);
    case SD_BUS_TYPE_BYTE:
      return json_node_init_int (node, v.u8);
    case SD_BUS_TYPE_INT16:
      return json_node_init_int (node, v.s16);
    case SD_BUS_TYPE_UINT16:
      return json_node_init_int (node, v.u16);
    case SD_BUS_TYPE_INT32:
      return json_node_init_int (node, v.s32);
    case SD_BUS_TYPE_UINT32:
      return json_node_init_int (node, v.u32);
    case SD_BUS_TYPE_INT64:
      return json_node_init_int (node, v.s64);
    case SD_BUS_TYPE_UINT64:
      /* JSON numbers above 2^63 are rare enough to pass as doubles. */
      if (v.u64 > G_MAXINT64)
        return json_node_init_double (node, (double) v.u64);
      return json_node_init_int (node, (gint64) v.u64);
    case SD_BUS_TYPE_DOUBLE:
      /* JSON has no NaN or infinity. */
      if (!isfinite (v.d))
        return json_node_init_null (node);
      return json_node_init_double (node, v.d);
    case SD_BUS_TYPE_UNIX_FD:
      return json_node_init_int (node, v.fd);
    default:
      return json_node_init_string (node, v.str);
    }
}

/* Object keys are text: numbers and booleans become their JSON form. */
static char *
key_from_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_dup_string (node);
  return json_to_string (node, FALSE);
}

JsonNode *
callctl_json_from_message (sd_bus_message *m)
{
  const char *contents = NULL;
  char type;
  int r;

  r = sd_bus_message_peek_type (m, &type, &contents);
  if (r <= 0)
    return NULL;

  switch (type)
    {
    case SD_BUS_TYPE_VARIANT:
      {
        JsonNode *inner;

        if (sd_bus_message_enter_container (m, type, contents) < 0)
          return NULL;
        inner = callctl_json_from_message (m);
        if (inner == NULL || sd_bus_message_exit_container (m) < 0)
          {
            g_clear_pointer (&inner, json_node_unref);
            return NULL;
          }
        return inner;
      }

    case SD_BUS_TYPE_ARRAY:
      if (contents[0] == SD_BUS_TYPE_DICT_ENTRY_BEGIN)
        {
          g_autoptr(JsonObject) object = json_object_new ();

          if (sd_bus_message_enter_container (m, type, contents) < 0)
            return NULL;
          while ((r = sd_bus_message_peek_type (m, NULL, &contents)) > 0)
            {
              g_autoptr(JsonNode) key = NULL;
              g_autofree char *key_text = NULL;
              JsonNode *value;

              if (sd_bus_message_enter_container (m, SD_BUS_TYPE_DICT_ENTRY, contents) < 0)
                return NULL;
              key = callctl_json_from_message (m);
              value = key != NULL ? callctl_json_from_message (m) : NULL;
              if (value == NULL || sd_bus_message_exit_container (m) < 0)
                {
                  g_clear_pointer (&value, json_node_unref);
                  return NULL;
                }
              key_text = key_from_node (key);
              json_object_set_member (object, key_text, value);
            }
          if (r < 0 || sd_bus_message_exit_container (m) < 0)
            return NULL;
          return json_node_init_object (json_node_alloc (), object);
        }
      G_GNUC_FALLTHROUGH;

    case SD_BUS_TYPE_STRUCT:
    case SD_BUS_TYPE_DICT_ENTRY:
      {
        g_autoptr(JsonArray) array = json_array_new ();

        if (sd_bus_message_enter_container (m, type, contents) < 0)
          return NULL;
        while ((r = sd_bus_message_peek_type (m, NULL, NULL)) > 0)
          {
            JsonNode *element = callctl_json_from_message (m);

            if (element == NULL)
              return NULL;
            json_array_add_element (array, element);
          }
        if (r < 0 || sd_bus_message_exit_container (m) < 0)
          return NULL;
        return json_node_init_array (json_node_alloc (), array);
      }

    default:
      return node_from_basic (m, type);
    }
}

JsonNode *
callctl_json_from_property (sd_bus_message *m)
{
  const char *contents = NULL;

  if (sd_bus_message_peek_type (m, NULL, &contents) > 0 && g_strcmp0 (contents, "(ss)") == 0)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      const char *type, *value;

      if (sd_bus_message_read (m, "v", "(ss)", &type, &value) < 0)
        return NULL;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type);
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, value);
      json_builder_end_object (builder);
      return json_builder_get_root (builder);
    }
  return callctl_json_from_message (m);
}

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
