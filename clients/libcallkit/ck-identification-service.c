/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "callkit-private.h"

/* A caller lookup service: the IdentificationService interface exported
 * on the app's bus from a callback, registered with callkitd's
 * CallDirectory, and registered again when callkitd restarts. */

struct CkIdentificationService {
        unsigned n_ref;
        sd_bus *bus;
        char *path;
        char *app_id;
        uint32_t cache_seconds;
        CkIdentificationLookupFunc lookup;
        void *userdata;

        sd_bus_slot *vtable_slot;
        sd_bus_slot *owner_slot;
        sd_bus_slot *register_slot;
};

struct CkIdentificationLookup {
        CkIdentificationService *service;
        sd_bus_message *call;
        char *name;
        char *label;
        int suspected_spam;     /* -1: not said */
        int64_t cache_seconds;  /* -1: not said */
};

/* ---- registration ---------------------------------------------------- */

static int new_register_message(CkIdentificationService *s, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int k;

        k = sd_bus_message_new_method_call(s->bus, &m, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                           CKD_CALL_DIRECTORY_INTERFACE, "RegisterIdentificationService");
        if (k >= 0)
                k = sd_bus_message_set_auto_start(m, false);
        if (k >= 0)
                k = sd_bus_message_append(m, "o", s->path);
        if (k >= 0)
                k = sd_bus_message_open_container(m, 'a', "{sv}");
        if (k >= 0 && s->app_id)
                k = sd_bus_message_append(m, "{sv}", "app_id", "s", s->app_id);
        if (k >= 0 && s->cache_seconds != CK_IDENTIFICATION_DEFAULT_CACHE)
                k = sd_bus_message_append(m, "{sv}", "cache_seconds", "u", s->cache_seconds);
        if (k >= 0)
                k = sd_bus_message_close_container(m);
        if (k < 0)
                return k;
        *ret = m;
        m = NULL;
        return 0;
}

static int on_register_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        CkIdentificationService *s = userdata;

        s->register_slot = sd_bus_slot_unref(s->register_slot);
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        CkIdentificationService *s = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
            strcmp(name, CKD_BUS_NAME) != 0 || new_owner[0] == '\0')
                return 0;
        s->register_slot = sd_bus_slot_unref(s->register_slot);
        if (new_register_message(s, &call) >= 0)
                (void) sd_bus_call_async(s->bus, &s->register_slot, call, on_register_reply, s, 0);
        return 0;
}

/* ---- lookups ----------------------------------------------------------- */

static int method_lookup(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        CkIdentificationService *s = userdata;
        CkIdentificationLookup *l;
        const char *type, *handle;
        int k;

        k = sd_bus_message_read(m, "ss", &type, &handle);
        if (k < 0)
                return k;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->service = ck_identification_service_ref(s);
        l->call = sd_bus_message_ref(m);
        l->suspected_spam = -1;
        l->cache_seconds = -1;
        /* The callback answers now or later: callkitd does not wait. */
        s->lookup(s, l, type, handle, s->userdata);
        return 1;
}

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Lookup",
                                SD_BUS_ARGS("s", handle_type, "s", handle, "a{sv}", context),
                                SD_BUS_RESULT("a{sv}", identity), method_lookup,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

_public_ int ck_identification_lookup_set_name(CkIdentificationLookup *l, const char *name) {
        assert_return(l, -EINVAL);
        return free_and_strdup(&l->name, name);
}

_public_ int ck_identification_lookup_set_label(CkIdentificationLookup *l, const char *label) {
        assert_return(l, -EINVAL);
        return free_and_strdup(&l->label, label);
}

_public_ int ck_identification_lookup_set_suspected_spam(CkIdentificationLookup *l, int spam) {
        assert_return(l, -EINVAL);
        l->suspected_spam = !!spam;
        return 0;
}

_public_ int ck_identification_lookup_set_cache_seconds(CkIdentificationLookup *l, uint32_t seconds) {
        assert_return(l, -EINVAL);
        l->cache_seconds = seconds;
        return 0;
}

static void lookup_free(CkIdentificationLookup *l) {
        sd_bus_message_unref(l->call);
        ck_identification_service_unref(l->service);
        free(l->name);
        free(l->label);
        free(l);
}

_public_ int ck_identification_lookup_reply(CkIdentificationLookup *l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int k;

        assert_return(l, -EINVAL);
        k = sd_bus_message_new_method_return(l->call, &reply);
        if (k >= 0)
                k = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (k >= 0 && l->name)
                k = sd_bus_message_append(reply, "{sv}", "name", "s", l->name);
        if (k >= 0 && l->label)
                k = sd_bus_message_append(reply, "{sv}", "label", "s", l->label);
        if (k >= 0 && l->suspected_spam >= 0)
                k = sd_bus_message_append(reply, "{sv}", "suspected_spam", "b", l->suspected_spam);
        if (k >= 0 && l->cache_seconds >= 0)
                k = sd_bus_message_append(reply, "{sv}", "cache_seconds", "u", (uint32_t) l->cache_seconds);
        if (k >= 0)
                k = sd_bus_message_close_container(reply);
        if (k >= 0)
                k = sd_bus_send(NULL, reply, NULL);
        lookup_free(l);
        return k < 0 ? k : 0;
}

_public_ int ck_identification_lookup_fail(CkIdentificationLookup *l, const char *message) {
        int k;

        assert_return(l, -EINVAL);
        k = sd_bus_reply_method_errorf(l->call, SD_BUS_ERROR_FAILED, "%s",
                                       message ? message : "the lookup failed");
        lookup_free(l);
        return k < 0 ? k : 0;
}

/* ---- the object ---------------------------------------------------------- */

static void service_free(CkIdentificationService *s) {
        sd_bus_slot_unref(s->register_slot);
        sd_bus_slot_unref(s->owner_slot);
        sd_bus_slot_unref(s->vtable_slot);
        sd_bus_unref(s->bus);
        free(s->path);
        free(s->app_id);
        free(s);
}

_public_ CkIdentificationService *ck_identification_service_ref(CkIdentificationService *s) {
        if (s)
                s->n_ref++;
        return s;
}

_public_ CkIdentificationService *ck_identification_service_unref(CkIdentificationService *s) {
        if (s && --s->n_ref == 0)
                service_free(s);
        return NULL;
}

static bool is_no_owner_error(const sd_bus_error *error) {
        return sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

_public_ int ck_identification_service_new(sd_bus *bus,
                                           const char *object_path,
                                           const char *app_id,
                                           uint32_t cache_seconds,
                                           CkIdentificationLookupFunc lookup,
                                           void *userdata,
                                           CkIdentificationService **ret) {
        _cleanup_(ck_identification_service_unrefp) CkIdentificationService *s = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        CkError e = CK_ERROR_NONE;
        int k;

        assert_return(bus, -EINVAL);
        assert_return(object_path && sd_bus_object_path_is_valid(object_path), -EINVAL);
        assert_return(lookup, -EINVAL);
        assert_return(ret, -EINVAL);

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->n_ref = 1;
        s->bus = sd_bus_ref(bus);
        s->lookup = lookup;
        s->userdata = userdata;
        s->cache_seconds = cache_seconds;
        if (free_and_strdup(&s->path, object_path) < 0 || free_and_strdup(&s->app_id, app_id) < 0)
                return -ENOMEM;

        k = sd_bus_add_object_vtable(bus, &s->vtable_slot, s->path, CKD_IDENTIFICATION_SERVICE_INTERFACE,
                                     service_vtable, s);
        if (k < 0)
                return k;
        k = sd_bus_add_match(bus, &s->owner_slot,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                             "arg0='" CKD_BUS_NAME "'",
                             on_name_owner_changed, s);
        if (k < 0)
                return k;
        k = new_register_message(s, &m);
        if (k < 0)
                return k;
        k = sd_bus_call(bus, m, 0, &error, NULL);
        if (k < 0 && !is_no_owner_error(&error))
                return ck_map_bus_error(k, &error, &e);
        /* Not there yet: registered when callkitd appears. */

        *ret = s;
        s = NULL;
        return 0;
}
