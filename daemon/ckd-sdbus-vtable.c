/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-sdbus-vtable.h"

const sd_bus_vtable *
ckd_sdbus_vtable_find (const sd_bus_vtable *vtable, gboolean property, const char *member)
{
  for (const sd_bus_vtable *v = vtable; v->type != _SD_BUS_VTABLE_END; v++)
    {
      if (!property && v->type == _SD_BUS_VTABLE_METHOD && g_str_equal (v->x.method.member, member))
        return v;
      if (property
          && (v->type == _SD_BUS_VTABLE_PROPERTY || v->type == _SD_BUS_VTABLE_WRITABLE_PROPERTY)
          && g_str_equal (v->x.property.member, member))
        return v;
    }
  return NULL;
}

int
ckd_sdbus_vtable_check_signature (const sd_bus_vtable *vtable, sd_bus_message *m,
                                  const char *error_name)
{
  const char *member = sd_bus_message_get_member (m);
  const sd_bus_vtable *v;
  const char *signature, *expected;
  int r;

  if (member == NULL || (v = ckd_sdbus_vtable_find (vtable, FALSE, member)) == NULL)
    return 0;
  signature = sd_bus_message_get_signature (m, TRUE);
  expected = v->x.method.signature ? v->x.method.signature : "";
  if (g_strcmp0 (signature, expected) == 0)
    return 0;
  /* sd-bus would answer a generic InvalidArgs. */
  r = sd_bus_reply_method_errorf (m, error_name,
                                  "%s takes arguments of type (%s), not (%s): wrong signature",
                                  member, expected, signature ? signature : "");
  if (r < 0)
    g_debug ("cannot refuse %s: %s", member, g_strerror (-r));
  return 1;
}
