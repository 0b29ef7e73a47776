/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

#define CK_CALL_IFACE CK_BUS_NAME ".Call"
#define CK_CALL_PATH_PREFIX CK_ROOT_PATH "/call"

/* ---------------------------------------------------------------------- */
/* CkCall: the last known properties of a Call object. */

struct CkCall {
        unsigned n_ref;
        char *path;
        char *uuid, *provider, *state, *caller_name, *handle_type, *handle_value, *group, *ended_reason;
        bool outgoing, on_hold, muted, connected, ended, video, removed;
        uint64_t connected_at, ended_at;
};

static int call_new(const char *path, CkCall **ret) {
        CkCall *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->n_ref = 1;
        c->path = strdup(path);
        if (!c->path) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

_public_ CkCall *ck_call_ref(CkCall *c) {
        if (c)
                c->n_ref++;
        return c;
}

_public_ CkCall *ck_call_unref(CkCall *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        free(c->path);
        free(c->uuid);
        free(c->provider);
        free(c->state);
        free(c->caller_name);
        free(c->handle_type);
        free(c->handle_value);
        free(c->group);
        free(c->ended_reason);
        free(c);
        return NULL;
}

/* Reads an a{sv} of Call properties; unknown ones are skipped. */
static int call_read_properties(CkCall *c, sd_bus_message *m) {
        static const struct {
                const char *name;
                const char *type;
                size_t offset;
        } table[] = {
                { "UUID", "s", offsetof(CkCall, uuid) },
                { "Provider", "o", offsetof(CkCall, provider) },
                { "State", "s", offsetof(CkCall, state) },
                { "LocalizedCallerName", "s", offsetof(CkCall, caller_name) },
                { "Group", "s", offsetof(CkCall, group) },
                { "EndedReason", "s", offsetof(CkCall, ended_reason) },
                { "IsOutgoing", "b", offsetof(CkCall, outgoing) },
                { "IsOnHold", "b", offsetof(CkCall, on_hold) },
                { "IsMuted", "b", offsetof(CkCall, muted) },
                { "HasConnected", "b", offsetof(CkCall, connected) },
                { "HasEnded", "b", offsetof(CkCall, ended) },
                { "HasVideo", "b", offsetof(CkCall, video) },
                { "ConnectedAt", "x", offsetof(CkCall, connected_at) },
                { "EndedAt", "x", offsetof(CkCall, ended_at) },
        };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name, *contents;
                bool done = false;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;

                if (strcmp(name, "RemoteHandle") == 0 && streq_ptr(contents, "(ss)")) {
                        const char *t, *v;

                        r = sd_bus_message_read(m, "v", "(ss)", &t, &v);
                        if (r < 0)
                                return r;
                        if (free_and_strdup(&c->handle_type, t) < 0 || free_and_strdup(&c->handle_value, v) < 0)
                                return -ENOMEM;
                        done = true;
                }
                for (size_t i = 0; !done && i < ELEMENTSOF(table); i++) {
                        void *field = (uint8_t *) c + table[i].offset;

                        if (strcmp(name, table[i].name) != 0 || !streq_ptr(contents, table[i].type))
                                continue;
                        done = true;
                        if (table[i].type[0] == 'b') {
                                int b;

                                r = sd_bus_message_read(m, "v", "b", &b);
                                if (r < 0)
                                        return r;
                                *(bool *) field = b;
                        } else if (table[i].type[0] == 'x') {
                                int64_t x;

                                r = sd_bus_message_read(m, "v", "x", &x);
                                if (r < 0)
                                        return r;
                                *(uint64_t *) field = x > 0 ? (uint64_t) x : 0;
                        } else {
                                const char *s;

                                r = sd_bus_message_read(m, "v", table[i].type, &s);
                                if (r < 0)
                                        return r;
                                if (free_and_strdup(field, s) < 0)
                                        return -ENOMEM;
                        }
                }
                if (!done) {
                        r = sd_bus_message_skip(m, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static const char *str_or_empty(const char *s) {
        return s ?: "";
}

_public_ const char *ck_call_get_uuid(CkCall *c) {
        return c ? str_or_empty(c->uuid) : "";
}

_public_ const char *ck_call_get_provider(CkCall *c) {
        return c ? str_or_empty(c->provider) : "";
}

_public_ const char *ck_call_get_state(CkCall *c) {
        return c ? str_or_empty(c->state) : "";
}

_public_ const char *ck_call_get_localized_caller_name(CkCall *c) {
        return c ? str_or_empty(c->caller_name) : "";
}

_public_ void ck_call_get_remote_handle(CkCall *c, const char **ret_type, const char **ret_value) {
        if (ret_type)
                *ret_type = c ? str_or_empty(c->handle_type) : "";
        if (ret_value)
                *ret_value = c ? str_or_empty(c->handle_value) : "";
}

_public_ const char *ck_call_get_group(CkCall *c) {
        return c ? str_or_empty(c->group) : "";
}

_public_ const char *ck_call_get_ended_reason(CkCall *c) {
        return c ? str_or_empty(c->ended_reason) : "";
}

_public_ int ck_call_is_outgoing(CkCall *c) {
        return c && c->outgoing;
}

_public_ int ck_call_is_on_hold(CkCall *c) {
        return c && c->on_hold;
}

_public_ int ck_call_is_muted(CkCall *c) {
        return c && c->muted;
}

_public_ int ck_call_has_connected(CkCall *c) {
        return c && c->connected;
}

_public_ int ck_call_has_ended(CkCall *c) {
        return c && c->ended;
}

_public_ int ck_call_has_video(CkCall *c) {
        return c && c->video;
}

_public_ int ck_call_is_removed(CkCall *c) {
        return c && c->removed;
}

_public_ uint64_t ck_call_get_connected_at(CkCall *c) {
        return c ? c->connected_at : 0;
}

_public_ uint64_t ck_call_get_ended_at(CkCall *c) {
        return c ? c->ended_at : 0;
}

/* ---------------------------------------------------------------------- */
/* CkCallObserver */

struct CkCallObserver {
        unsigned n_ref;
        sd_bus *bus;
        CkCallChanged call_changed;
        void *userdata;

        char *daemon;           /* unique name of the callkitd whose calls we hold */
        CkCall **calls;
        size_t n_calls;

        sd_bus_slot *owner_slot, *added_slot, *removed_slot, *changed_slot, *snapshot_slot;
};

static CkCall *find_by_path(CkCallObserver *o, const char *path) {
        for (size_t i = 0; i < o->n_calls; i++)
                if (strcmp(o->calls[i]->path, path) == 0)
                        return o->calls[i];
        return NULL;
}

static void notify(CkCallObserver *o, CkCall *c) {
        if (o->call_changed)
                o->call_changed(o, c, o->userdata);
}

static void remove_call(CkCallObserver *o, CkCall *c, bool report) {
        for (size_t i = 0; i < o->n_calls; i++)
                if (o->calls[i] == c) {
                        o->calls[i] = o->calls[--o->n_calls];
                        c->removed = true;
                        if (report)
                                notify(o, c);
                        ck_call_unref(c);
                        return;
                }
}

static void remove_all(CkCallObserver *o, bool report) {
        while (o->n_calls > 0)
                remove_call(o, o->calls[o->n_calls - 1], report);
}

/* Reads a{sa{sv}} of one object: adds or updates the call. Returns the
 * call, or NULL if the object is not a call. */
static int read_object(CkCallObserver *o, const char *path, sd_bus_message *m, CkCall **ret) {
        CkCall *c = NULL;
        int r;

        *ret = NULL;
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *iface;

                r = sd_bus_message_read(m, "s", &iface);
                if (r < 0)
                        return r;
                if (strcmp(iface, CK_CALL_IFACE) == 0) {
                        c = find_by_path(o, path);
                        if (!c) {
                                CkCall **calls = realloc(o->calls, (o->n_calls + 1) * sizeof(CkCall *));

                                if (!calls)
                                        return -ENOMEM;
                                o->calls = calls;
                                r = call_new(path, &c);
                                if (r < 0)
                                        return r;
                                o->calls[o->n_calls++] = c;
                        }
                        r = call_read_properties(c, m);
                } else
                        r = sd_bus_message_skip(m, "a{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = c;
        return sd_bus_message_exit_container(m);
}

static int read_managed_objects(CkCallObserver *o, sd_bus_message *reply, bool report) {
        int r;

        r = free_and_strdup(&o->daemon, sd_bus_message_get_sender(reply));
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;
                CkCall *c;

                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0)
                        return r;
                r = read_object(o, path, reply, &c);
                if (r < 0)
                        return r;
                if (c && report)
                        notify(o, c);
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        return r;
}

static int on_snapshot(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);

        o->snapshot_slot = sd_bus_slot_unref(o->snapshot_slot);
        if (!sd_bus_message_is_method_error(reply, NULL))
                (void) read_managed_objects(o, reply, true);
        return 0;
}

static int new_snapshot_message(CkCallObserver *o, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(o->bus, &m, CK_BUS_NAME, CK_ROOT_PATH,
                                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
        if (r < 0)
                return r;
        r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        *ret = m;
        m = NULL;
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
            strcmp(name, CK_BUS_NAME) != 0 || streq_ptr(o->daemon, new_owner))
                return 0;

        /* The old callkitd's calls are gone with it. */
        o->daemon = mfree_str(o->daemon);
        o->snapshot_slot = sd_bus_slot_unref(o->snapshot_slot);
        remove_all(o, true);
        if (new_owner[0] == '\0')
                return 0;
        if (new_snapshot_message(o, &call) >= 0)
                (void) sd_bus_call_async(o->bus, &o->snapshot_slot, call, on_snapshot, o, 0);
        return 0;
}

static bool from_daemon(CkCallObserver *o, sd_bus_message *m) {
        return o->daemon && streq_ptr(sd_bus_message_get_sender(m), o->daemon);
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        const char *path;
        CkCall *c;

        if (!from_daemon(o, m) || sd_bus_message_read(m, "o", &path) < 0)
                return 0;
        if (read_object(o, path, m, &c) >= 0 && c)
                notify(o, c);
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        const char *path, *iface;
        CkCall *c;

        if (!from_daemon(o, m) || sd_bus_message_read(m, "o", &path) < 0)
                return 0;
        c = find_by_path(o, path);
        if (!c || sd_bus_message_enter_container(m, 'a', "s") < 0)
                return 0;
        while (sd_bus_message_read(m, "s", &iface) > 0)
                if (strcmp(iface, CK_CALL_IFACE) == 0) {
                        remove_call(o, c, true);
                        break;
                }
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        const char *iface;
        CkCall *c;

        if (!from_daemon(o, m) || sd_bus_message_read(m, "s", &iface) < 0 ||
            strcmp(iface, CK_CALL_IFACE) != 0)
                return 0;
        c = find_by_path(o, sd_bus_message_get_path(m));
        if (c && call_read_properties(c, m) >= 0)
                notify(o, c);
        return 0;
}

_public_ CkCallObserver *ck_call_observer_ref(CkCallObserver *o) {
        if (o)
                o->n_ref++;
        return o;
}

_public_ CkCallObserver *ck_call_observer_unref(CkCallObserver *o) {
        if (!o || --o->n_ref > 0)
                return NULL;
        sd_bus_slot_unref(o->owner_slot);
        sd_bus_slot_unref(o->added_slot);
        sd_bus_slot_unref(o->removed_slot);
        sd_bus_slot_unref(o->changed_slot);
        sd_bus_slot_unref(o->snapshot_slot);
        remove_all(o, false);
        free(o->calls);
        free(o->daemon);
        sd_bus_unref(o->bus);
        free(o);
        return NULL;
}

_public_ int ck_call_observer_new(sd_bus *bus, CkCallChanged call_changed, void *userdata, CkCallObserver **ret) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = NULL;
        int r;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->n_ref = 1;
        o->bus = sd_bus_ref(bus);
        o->call_changed = call_changed;
        o->userdata = userdata;

        /* Subscribe first, then read: nothing falls between the two. The
         * sender is checked in the handlers. */
        r = sd_bus_add_match(bus, &o->owner_slot,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                             "arg0='" CK_BUS_NAME "'",
                             on_name_owner_changed, o);
        if (r < 0)
                return r;
        r = sd_bus_add_match(bus, &o->added_slot,
                             "type='signal',path='" CK_ROOT_PATH "',"
                             "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
                             on_interfaces_added, o);
        if (r < 0)
                return r;
        r = sd_bus_add_match(bus, &o->removed_slot,
                             "type='signal',path='" CK_ROOT_PATH "',"
                             "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'",
                             on_interfaces_removed, o);
        if (r < 0)
                return r;
        r = sd_bus_add_match(bus, &o->changed_slot,
                             "type='signal',path_namespace='" CK_CALL_PATH_PREFIX "',"
                             "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                             "arg0='" CK_CALL_IFACE "'",
                             on_properties_changed, o);
        if (r < 0)
                return r;

        r = new_snapshot_message(o, &m);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r >= 0) {
                r = read_managed_objects(o, reply, false);
                if (r < 0)
                        return r;
        } else if (!sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN) &&
                   !sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return r;

        *ret = o;
        o = NULL;
        return 0;
}

_public_ size_t ck_call_observer_get_n_calls(CkCallObserver *o) {
        return o ? o->n_calls : 0;
}

_public_ CkCall *ck_call_observer_get_call(CkCallObserver *o, size_t i) {
        return o && i < o->n_calls ? o->calls[i] : NULL;
}

_public_ CkCall *ck_call_observer_find_call(CkCallObserver *o, const char *uuid) {
        if (!o || !uuid)
                return NULL;
        for (size_t i = 0; i < o->n_calls; i++)
                if (o->calls[i]->uuid && strcasecmp(o->calls[i]->uuid, uuid) == 0)
                        return o->calls[i];
        return NULL;
}
