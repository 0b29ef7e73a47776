/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "ckd-sdbus-gvariant.h"

static int read_value (sd_bus_message *m, char type, const char *contents, GVariant **ret);

static int
read_container (sd_bus_message *m, char type, const char *contents, GVariant **ret)
{
  g_autoptr (GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autofree char *container_type = NULL;
  int r;

  r = sd_bus_message_enter_container (m, type, contents);
  if (r <= 0)
    return r < 0 ? r : -EBADMSG;
  for (;;)
    {
      const char *child_contents = NULL;
      char child_type;
      GVariant *child;

      r = sd_bus_message_peek_type (m, &child_type, &child_contents);
      if (r < 0)
        return r;
      if (r == 0)
        break;
      r = read_value (m, child_type, child_contents, &child);
      if (r < 0)
        return r;
      g_ptr_array_add (children, child);
    }
  r = sd_bus_message_exit_container (m);
  if (r < 0)
    return r;

  switch (type)
    {
    case SD_BUS_TYPE_ARRAY:
      {
        g_autoptr (GVariantType) element = g_variant_type_new (contents);
        *ret = g_variant_ref_sink (g_variant_new_array (element, (GVariant **) children->pdata,
                                                        children->len));
        return 0;
      }
    case SD_BUS_TYPE_VARIANT:
      if (children->len != 1)
        return -EBADMSG;
      *ret = g_variant_ref_sink (g_variant_new_variant (g_ptr_array_index (children, 0)));
      return 0;
    case SD_BUS_TYPE_STRUCT:
      *ret = g_variant_ref_sink (g_variant_new_tuple ((GVariant **) children->pdata,
                                                      children->len));
      return 0;
    case SD_BUS_TYPE_DICT_ENTRY:
      if (children->len != 2)
        return -EBADMSG;
      *ret = g_variant_ref_sink (g_variant_new_dict_entry (g_ptr_array_index (children, 0),
                                                           g_ptr_array_index (children, 1)));
      return 0;
    default:
      return -EINVAL;
    }
}

static int
read_value (sd_bus_message *m, char type, const char *contents, GVariant **ret)
{
  union
  {
    uint8_t u8;
    int b;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    double d;
    const char *s;
    int fd;
  } v;
  GVariant *value;
  int r;

  if (type == SD_BUS_TYPE_ARRAY || type == SD_BUS_TYPE_VARIANT || type == SD_BUS_TYPE_STRUCT
      || type == SD_BUS_TYPE_DICT_ENTRY)
    return read_container (m, type, contents, ret);
  r = sd_bus_message_read_basic (m, type, &v);
  if (r <= 0)
    return r < 0 ? r : -EBADMSG;
  switch (type)
    {
    case SD_BUS_TYPE_BYTE:
      value = g_variant_new_byte (v.u8);
      break;
    case SD_BUS_TYPE_BOOLEAN:
      value = g_variant_new_boolean (v.b);
      break;
    case SD_BUS_TYPE_INT16:
      value = g_variant_new_int16 (v.i16);
      break;
    case SD_BUS_TYPE_UINT16:
      value = g_variant_new_uint16 (v.u16);
      break;
    case SD_BUS_TYPE_INT32:
      value = g_variant_new_int32 (v.i32);
      break;
    case SD_BUS_TYPE_UINT32:
      value = g_variant_new_uint32 (v.u32);
      break;
    case SD_BUS_TYPE_INT64:
      value = g_variant_new_int64 (v.i64);
      break;
    case SD_BUS_TYPE_UINT64:
      value = g_variant_new_uint64 (v.u64);
      break;
    case SD_BUS_TYPE_DOUBLE:
      value = g_variant_new_double (v.d);
      break;
    case SD_BUS_TYPE_STRING:
      /* sd-bus checked it is valid UTF-8 without NULs, as GVariant needs. */
      value = g_variant_new_string (v.s);
      break;
    case SD_BUS_TYPE_OBJECT_PATH:
      value = g_variant_new_object_path (v.s);
      break;
    case SD_BUS_TYPE_SIGNATURE:
      value = g_variant_new_signature (v.s);
      break;
    case SD_BUS_TYPE_UNIX_FD:
      /* The handle is an index into the message's fds, as on the wire. */
      value = g_variant_new_handle (0);
      break;
    default:
      return -EINVAL;
    }
  *ret = g_variant_ref_sink (value);
  return 0;
}

int
ckd_sdbus_read_gvariant (sd_bus_message *m, const char *type, GVariant **ret)
{
  const char *contents = NULL;
  char next;
  int r;

  r = sd_bus_message_peek_type (m, &next, &contents);
  if (r < 0)
    return r;
  if (r == 0)
    return -ENXIO;
  r = read_value (m, next, contents, ret);
  if (r < 0)
    return r;
  if (!g_variant_is_of_type (*ret, G_VARIANT_TYPE (type)))
    {
      g_clear_pointer (ret, g_variant_unref);
      return -ENXIO;
    }
  return 0;
}

int
ckd_sdbus_read_vardict (sd_bus_message *m, GVariant **ret, char **failed_key)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  int r;

  r = sd_bus_message_enter_container (m, 'a', "{sv}");
  if (r <= 0)
    return r < 0 ? r : -ENXIO;
  /* Entries made directly: a GVariantBuilder parses a format string per
   * entry, which costs more than the values of a small dictionary. */
  while ((r = sd_bus_message_enter_container (m, 'e', "sv")) > 0)
    {
      GVariant *value = NULL;
      const char *key = NULL;

      r = sd_bus_message_read_basic (m, 's', &key);
      if (r >= 0)
        r = ckd_sdbus_read_gvariant (m, "v", &value);
      if (r < 0)
        {
          if (failed_key != NULL)
            *failed_key = g_strdup (key);
          break;
        }
      g_ptr_array_add (entries, g_variant_ref_sink (
                                  g_variant_new_dict_entry (g_variant_new_string (key), value)));
      g_variant_unref (value);
      r = sd_bus_message_exit_container (m);
      if (r < 0)
        break;
    }
  if (r >= 0)
    r = sd_bus_message_exit_container (m);
  if (r < 0)
    return r;
  *ret = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"),
                                                  (GVariant **) entries->pdata, entries->len));
  return 0;
}

int
ckd_sdbus_append_gvariant (sd_bus_message *m, GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);
  const char *type_string = g_variant_get_type_string (value);
  GVariantIter iter;
  GVariant *child;
  int r;

  if (g_variant_type_is_basic (type))
    {
      switch (type_string[0])
        {
        case 'y':
          return sd_bus_message_append_basic (m, 'y', &(uint8_t) { g_variant_get_byte (value) });
        case 'b':
          return sd_bus_message_append_basic (m, 'b', &(int) { g_variant_get_boolean (value) });
        case 'n':
          return sd_bus_message_append_basic (m, 'n', &(int16_t) { g_variant_get_int16 (value) });
        case 'q':
          return sd_bus_message_append_basic (m, 'q', &(uint16_t) { g_variant_get_uint16 (value) });
        case 'i':
          return sd_bus_message_append_basic (m, 'i', &(int32_t) { g_variant_get_int32 (value) });
        case 'u':
          return sd_bus_message_append_basic (m, 'u', &(uint32_t) { g_variant_get_uint32 (value) });
        case 'x':
          return sd_bus_message_append_basic (m, 'x', &(int64_t) { g_variant_get_int64 (value) });
        case 't':
          return sd_bus_message_append_basic (m, 't', &(uint64_t) { g_variant_get_uint64 (value) });
        case 'd':
          return sd_bus_message_append_basic (m, 'd', &(double) { g_variant_get_double (value) });
        case 's':
        case 'o':
        case 'g':
          return sd_bus_message_append_basic (m, type_string[0], g_variant_get_string (value, NULL));
        default:
          return -EINVAL;
        }
    }

  if (g_variant_type_is_variant (type))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (value);

      r = sd_bus_message_open_container (m, 'v', g_variant_get_type_string (inner));
      if (r < 0)
        return r;
      r = ckd_sdbus_append_gvariant (m, inner);
      if (r < 0)
        return r;
      return sd_bus_message_close_container (m);
    }

  if (g_variant_type_is_array (type))
    r = sd_bus_message_open_container (m, 'a', type_string + 1);
  else if (g_variant_type_is_dict_entry (type))
    {
      g_autofree char *contents = g_strndup (type_string + 1, strlen (type_string) - 2);
      r = sd_bus_message_open_container (m, 'e', contents);
    }
  else if (g_variant_type_is_tuple (type))
    {
      g_autofree char *contents = g_strndup (type_string + 1, strlen (type_string) - 2);
      r = sd_bus_message_open_container (m, 'r', contents);
    }
  else
    return -EINVAL;
  if (r < 0)
    return r;
  g_variant_iter_init (&iter, value);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      r = ckd_sdbus_append_gvariant (m, child);
      g_variant_unref (child);
      if (r < 0)
        return r;
    }
  return sd_bus_message_close_container (m);
}
