/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-error.h"
#include "ckd-identification-private.h"
#include "ckd-sdbus-gvariant.h"
#include "ckd-sdbus-reply.h"

/* The lookup-service methods of the CallDirectory interface at the root.
 * They are a vtable of their own on that interface (sd-bus serves several
 * vtables of one interface at one path), beside the directory's lists.
 * Every method learns its caller first (CkdPeers): a sandboxed app
 * registers, and sees, its own app's service only. */

typedef int (*IdentificationMethod) (CkdIdentification *self, sd_bus_message *m,
                                     const CkdPeer *peer);

static int
with_caller (CkdIdentification *self, sd_bus_message *m, IdentificationMethod method)
{
  return ckd_sdbus_call_with_peer (self->peers, m, self, G_CALLBACK (method));
}

/* The service @peer registered at @path, or NULL. */
static CkdLookupService *
find_own (CkdIdentification *self, const CkdPeer *peer, const char *path)
{
  for (guint i = 0; i < self->services->len; i++)
    {
      CkdLookupService *service = g_ptr_array_index (self->services, i);
      if (g_str_equal (service->bus_name, peer->name) && g_str_equal (service->path, path))
        return service;
    }
  return NULL;
}

static int
do_register (CkdIdentification *self, sd_bus_message *m, const CkdPeer *peer)
{
  g_autoptr (GVariant) options = NULL;
  g_autoptr (GError) error = NULL;
  const char *path;
  int r;

  r = sd_bus_message_read (m, "o", &path);
  if (r >= 0)
    r = ckd_sdbus_read_vardict (m, &options, NULL);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  if (ckd_identification_register (self, peer, path, options, &error) == NULL)
    return ckd_sdbus_reply_error (m, error);
  return sd_bus_reply_method_return (m, "");
}

static int
do_unregister (CkdIdentification *self, sd_bus_message *m, const CkdPeer *peer)
{
  CkdLookupService *service;
  const char *path;
  int r;

  r = sd_bus_message_read (m, "o", &path);
  if (r < 0)
    return ckd_sdbus_reply_invalid_arguments (m, r);
  service = find_own (self, peer, path);
  if (service == NULL)
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_INVALID_ARGUMENT),
                                       "this connection registered no identification service "
                                       "at %s",
                                       path);
  ckd_identification_unregister (self, service);
  return sd_bus_reply_method_return (m, "");
}

static int
do_get_stats (CkdIdentification *self, sd_bus_message *m, const CkdPeer *peer)
{
  sd_bus_message *reply = NULL;
  g_autoptr (GVariant) stats = NULL;
  int r;

  /* A sandboxed app sees its own service's counters only. */
  if (peer->sandboxed && peer->app_id == NULL)
    return sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_UNENTITLED),
                                       "the sandboxed caller has no app id");
  stats = g_variant_ref_sink (
    ckd_identification_stats (self, peer->sandboxed ? peer->app_id : NULL));
  r = sd_bus_message_new_method_return (m, &reply);
  if (r >= 0)
    r = ckd_sdbus_append_gvariant (reply, stats);
  if (r >= 0)
    r = sd_bus_send (NULL, reply, NULL);
  sd_bus_message_unref (reply);
  return r;
}

#define METHOD(name)                                                                   \
  static int method_##name (sd_bus_message *m, void *userdata, sd_bus_error *ret_error) \
  {                                                                                    \
    return with_caller (userdata, m, do_##name);                                       \
  }
METHOD (register)
METHOD (unregister)
METHOD (get_stats)
#undef METHOD

static const sd_bus_vtable identification_vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD_WITH_ARGS ("RegisterIdentificationService",
                           SD_BUS_ARGS ("o", object, "a{sv}", options), SD_BUS_NO_RESULT,
                           method_register, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("UnregisterIdentificationService", SD_BUS_ARGS ("o", object),
                           SD_BUS_NO_RESULT, method_unregister, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS ("GetIdentificationStats", SD_BUS_NO_ARGS,
                           SD_BUS_RESULT ("a{sv}", stats), method_get_stats,
                           SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_VTABLE_END,
};

const sd_bus_vtable *
ckd_bus_identification_vtable (void)
{
  return identification_vtable;
}

int
ckd_bus_identification_serve (CkdIdentification *self, GError **error)
{
  int r = sd_bus_add_object_vtable (self->bus, &self->vtable_slot, CKD_OBJECT_ROOT,
                                    CKD_CALL_DIRECTORY_INTERFACE, identification_vtable, self);

  if (r < 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r),
                 "cannot serve the CallDirectory's identification services: %s",
                 g_strerror (-r));
  return r;
}
