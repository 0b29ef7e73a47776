/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

/* ---------------------------------------------------------------------- */
/* CkCall: the last known properties of a Call object. */

struct CkCall {
        unsigned n_ref;
        char *path;
        char *uuid, *provider, *state, *caller_name, *handle_type, *handle_value, *group, *ended_reason;
        bool outgoing, on_hold, muted, connected, ended, video, removed;
        bool supports_holding, supports_grouping, supports_ungrouping, supports_dtmf;
        uint64_t connected_at, ended_at;
        CkPropertySet properties;
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
        ck_property_set_clear(&c->properties);
        free(c);
        return NULL;
}

/* Keeps the typed fields of the accessors; other properties stay in the
 * property set only. */
static int call_parse_property(void *userdata, const char *name, sd_bus_message *value) {
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
                { "SupportsHolding", "b", offsetof(CkCall, supports_holding) },
                { "SupportsGrouping", "b", offsetof(CkCall, supports_grouping) },
                { "SupportsUngrouping", "b", offsetof(CkCall, supports_ungrouping) },
                { "SupportsDTMF", "b", offsetof(CkCall, supports_dtmf) },
                { "ConnectedAt", "x", offsetof(CkCall, connected_at) },
                { "EndedAt", "x", offsetof(CkCall, ended_at) },
        };
        CkCall *c = userdata;
        const char *contents;
        int r;

        r = sd_bus_message_peek_type(value, NULL, &contents);
        if (r < 0)
                return r;

        if (strcmp(name, "RemoteHandle") == 0 && streq_ptr(contents, "(ss)")) {
                const char *t, *v;

                r = sd_bus_message_read(value, "v", "(ss)", &t, &v);
                if (r < 0)
                        return r;
                if (free_and_strdup(&c->handle_type, t) < 0 || free_and_strdup(&c->handle_value, v) < 0)
                        return -ENOMEM;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                void *field = (uint8_t *) c + table[i].offset;

                if (strcmp(name, table[i].name) != 0)
                        continue;
                if (table[i].type[0] == 'b')
                        return ck_read_bool_variant(value, field);
                if (table[i].type[0] == 'x') {
                        int64_t x;

                        if (!streq_ptr(contents, "x"))
                                return 0;
                        r = sd_bus_message_read(value, "v", "x", &x);
                        if (r < 0)
                                return r;
                        *(uint64_t *) field = x > 0 ? (uint64_t) x : 0;
                        return 0;
                }
                return ck_read_string_variant(value, table[i].type, field);
        }
        return 0;
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

_public_ int ck_call_supports_holding(CkCall *c) {
        return c && c->supports_holding;
}

_public_ int ck_call_supports_grouping(CkCall *c) {
        return c && c->supports_grouping;
}

_public_ int ck_call_supports_ungrouping(CkCall *c) {
        return c && c->supports_ungrouping;
}

_public_ int ck_call_supports_dtmf(CkCall *c) {
        return c && c->supports_dtmf;
}

_public_ const char *ck_call_get_object_path(CkCall *c) {
        return c ? c->path : "";
}

_public_ char **ck_call_get_property_names(CkCall *c) {
        static char *empty[] = { NULL };

        return c ? ck_property_set_names(&c->properties) : empty;
}

_public_ char **ck_call_get_changed_properties(CkCall *c) {
        static char *empty[] = { NULL };

        return c ? ck_property_set_changed(&c->properties) : empty;
}

_public_ int ck_call_get_property(CkCall *c, const char *name, sd_bus_message **ret) {
        assert_return(c, -EINVAL);
        return ck_property_set_get(&c->properties, name, ret);
}

/* ---------------------------------------------------------------------- */
/* CkProviderInfo: the last known properties of a Provider object. */

struct CkProviderInfo {
        unsigned n_ref;
        char *path;
        char *localized_name, *owner, *application_id;
        bool audio_session_active, removed;
        CkPropertySet properties;
};

static int provider_info_new(const char *path, CkProviderInfo **ret) {
        CkProviderInfo *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->n_ref = 1;
        p->path = strdup(path);
        if (!p->path) {
                free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

_public_ CkProviderInfo *ck_provider_info_ref(CkProviderInfo *p) {
        if (p)
                p->n_ref++;
        return p;
}

_public_ CkProviderInfo *ck_provider_info_unref(CkProviderInfo *p) {
        if (!p || --p->n_ref > 0)
                return NULL;
        free(p->path);
        free(p->localized_name);
        free(p->owner);
        free(p->application_id);
        ck_property_set_clear(&p->properties);
        free(p);
        return NULL;
}

/* localized_name out of the Configuration a{sv}. */
static int read_localized_name(CkProviderInfo *p, sd_bus_message *value) {
        const char *contents;
        int r;

        r = sd_bus_message_peek_type(value, NULL, &contents);
        if (r < 0)
                return r;
        if (!streq_ptr(contents, "a{sv}"))
                return 0;
        r = sd_bus_message_enter_container(value, 'v', "a{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(value, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(value, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(value, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "localized_name") == 0)
                        r = ck_read_string_variant(value, "s", &p->localized_name);
                else
                        r = sd_bus_message_skip(value, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(value);
                if (r < 0)
                        return r;
        }
        return r;
}

static int provider_parse_property(void *userdata, const char *name, sd_bus_message *value) {
        CkProviderInfo *p = userdata;

        if (strcmp(name, "Configuration") == 0)
                return read_localized_name(p, value);
        if (strcmp(name, "Owner") == 0)
                return ck_read_string_variant(value, "s", &p->owner);
        if (strcmp(name, "ApplicationId") == 0)
                return ck_read_string_variant(value, "s", &p->application_id);
        if (strcmp(name, "AudioSessionActive") == 0)
                return ck_read_bool_variant(value, &p->audio_session_active);
        return 0;
}

_public_ const char *ck_provider_info_get_object_path(CkProviderInfo *p) {
        return p ? p->path : "";
}

/* N of provider/N, or UINT64_MAX. */
static uint64_t provider_number(const char *path) {
        const char *n = path + strlen(CKD_PROVIDER_PATH_PREFIX);
        char *end;
        unsigned long long v;

        if (strncmp(path, CKD_PROVIDER_PATH_PREFIX, strlen(CKD_PROVIDER_PATH_PREFIX)) != 0 ||
            *n < '0' || *n > '9')
                return UINT64_MAX;
        errno = 0;
        v = strtoull(n, &end, 10);
        if (errno != 0 || *end != '\0' || v >= UINT64_MAX)
                return UINT64_MAX;
        return v;
}

_public_ int ck_provider_info_get_number(CkProviderInfo *p, uint64_t *ret) {
        uint64_t n;

        assert_return(p, -EINVAL);
        assert_return(ret, -EINVAL);
        n = provider_number(p->path);
        if (n == UINT64_MAX)
                return -ENODATA;
        *ret = n;
        return 0;
}

_public_ const char *ck_provider_info_get_localized_name(CkProviderInfo *p) {
        return p ? str_or_empty(p->localized_name) : "";
}

_public_ const char *ck_provider_info_get_owner(CkProviderInfo *p) {
        return p ? str_or_empty(p->owner) : "";
}

_public_ const char *ck_provider_info_get_application_id(CkProviderInfo *p) {
        return p ? str_or_empty(p->application_id) : "";
}

_public_ int ck_provider_info_is_audio_session_active(CkProviderInfo *p) {
        return p && p->audio_session_active;
}

_public_ int ck_provider_info_is_removed(CkProviderInfo *p) {
        return p && p->removed;
}

_public_ char **ck_provider_info_get_property_names(CkProviderInfo *p) {
        static char *empty[] = { NULL };

        return p ? ck_property_set_names(&p->properties) : empty;
}

_public_ char **ck_provider_info_get_changed_properties(CkProviderInfo *p) {
        static char *empty[] = { NULL };

        return p ? ck_property_set_changed(&p->properties) : empty;
}

_public_ int ck_provider_info_get_property(CkProviderInfo *p, const char *name, sd_bus_message **ret) {
        assert_return(p, -EINVAL);
        return ck_property_set_get(&p->properties, name, ret);
}

/* ---------------------------------------------------------------------- */
/* CkCallObserver */

struct CkCallObserver {
        unsigned n_ref;
        sd_bus *bus;
        CkCallChanged call_changed;
        void *userdata;
        CkProviderInfoChanged provider_changed;
        void *provider_userdata;
        CkDaemonChanged daemon_changed;
        void *daemon_userdata;

        char *daemon;           /* unique name of the callkitd whose objects we hold */
        CkCall **calls;
        size_t n_calls;
        CkProviderInfo **providers;     /* sorted by number */
        size_t n_providers;

        sd_bus_slot *owner_slot, *added_slot, *removed_slot, *changed_slot, *snapshot_slot;
};

static CkCall *find_call_by_path(CkCallObserver *o, const char *path) {
        for (size_t i = 0; i < o->n_calls; i++)
                if (strcmp(o->calls[i]->path, path) == 0)
                        return o->calls[i];
        return NULL;
}

static CkProviderInfo *find_provider_by_path(CkCallObserver *o, const char *path) {
        for (size_t i = 0; i < o->n_providers; i++)
                if (strcmp(o->providers[i]->path, path) == 0)
                        return o->providers[i];
        return NULL;
}

static void notify_call(CkCallObserver *o, CkCall *c) {
        if (o->call_changed)
                o->call_changed(o, c, o->userdata);
        ck_property_set_clear_changed(&c->properties);
}

static void notify_provider(CkCallObserver *o, CkProviderInfo *p) {
        if (o->provider_changed)
                o->provider_changed(o, p, o->provider_userdata);
        ck_property_set_clear_changed(&p->properties);
}

static void remove_call(CkCallObserver *o, CkCall *c, bool report) {
        for (size_t i = 0; i < o->n_calls; i++)
                if (o->calls[i] == c) {
                        o->calls[i] = o->calls[--o->n_calls];
                        c->removed = true;
                        ck_property_set_clear_changed(&c->properties);
                        if (report)
                                notify_call(o, c);
                        ck_call_unref(c);
                        return;
                }
}

static void remove_provider(CkCallObserver *o, CkProviderInfo *p, bool report) {
        for (size_t i = 0; i < o->n_providers; i++)
                if (o->providers[i] == p) {
                        memmove(o->providers + i, o->providers + i + 1,
                                (o->n_providers - i - 1) * sizeof(CkProviderInfo *));
                        o->n_providers--;
                        p->removed = true;
                        ck_property_set_clear_changed(&p->properties);
                        if (report)
                                notify_provider(o, p);
                        ck_provider_info_unref(p);
                        return;
                }
}

static void remove_all(CkCallObserver *o, bool report) {
        while (o->n_calls > 0)
                remove_call(o, o->calls[o->n_calls - 1], report);
        while (o->n_providers > 0)
                remove_provider(o, o->providers[o->n_providers - 1], report);
}

static int add_call(CkCallObserver *o, const char *path, CkCall **ret) {
        CkCall **calls = realloc(o->calls, (o->n_calls + 1) * sizeof(CkCall *));
        int r;

        if (!calls)
                return -ENOMEM;
        o->calls = calls;
        r = call_new(path, ret);
        if (r < 0)
                return r;
        o->calls[o->n_calls++] = *ret;
        return 0;
}

static int add_provider(CkCallObserver *o, const char *path, CkProviderInfo **ret) {
        CkProviderInfo **providers = realloc(o->providers, (o->n_providers + 1) * sizeof(CkProviderInfo *));
        uint64_t n = provider_number(path);
        size_t i;
        int r;

        if (!providers)
                return -ENOMEM;
        o->providers = providers;
        r = provider_info_new(path, ret);
        if (r < 0)
                return r;
        for (i = o->n_providers; i > 0; i--) {
                uint64_t before = provider_number(providers[i - 1]->path);

                if (before < n || (before == n && strcmp(providers[i - 1]->path, path) < 0))
                        break;
        }
        memmove(providers + i + 1, providers + i, (o->n_providers - i) * sizeof(CkProviderInfo *));
        providers[i] = *ret;
        o->n_providers++;
        return 0;
}

/* Reads the a{sa{sv}} of one object: adds or updates the call or the
 * provider, and reports it when report is set. */
static int read_object(CkCallObserver *o, const char *path, sd_bus_message *m, bool report) {
        CkCall *c = NULL;
        CkProviderInfo *p = NULL;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *iface;

                r = sd_bus_message_read(m, "s", &iface);
                if (r < 0)
                        return r;
                if (strcmp(iface, CKD_CALL_INTERFACE) == 0) {
                        c = find_call_by_path(o, path);
                        if (!c) {
                                r = add_call(o, path, &c);
                                if (r < 0)
                                        return r;
                        }
                        r = ck_property_set_update(&c->properties, o->bus, m, call_parse_property, c);
                } else if (strcmp(iface, CKD_PROVIDER_INTERFACE) == 0) {
                        p = find_provider_by_path(o, path);
                        if (!p) {
                                r = add_provider(o, path, &p);
                                if (r < 0)
                                        return r;
                        }
                        r = ck_property_set_update(&p->properties, o->bus, m, provider_parse_property, p);
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
        if (p) {
                if (report)
                        notify_provider(o, p);
                else
                        ck_property_set_clear_changed(&p->properties);
        }
        if (c) {
                if (report)
                        notify_call(o, c);
                else
                        ck_property_set_clear_changed(&c->properties);
        }
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

                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0)
                        return r;
                r = read_object(o, path, reply, report);
                if (r < 0)
                        return r;
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

static int new_snapshot_message(CkCallObserver *o, bool start_daemon, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(o->bus, &m, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
        if (r < 0)
                return r;
        r = sd_bus_message_set_auto_start(m, start_daemon);
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
            strcmp(name, CKD_BUS_NAME) != 0 || streq_ptr(o->daemon, new_owner))
                return 0;

        /* The old callkitd's objects are gone with it. */
        o->snapshot_slot = sd_bus_slot_unref(o->snapshot_slot);
        if (o->daemon) {
                remove_all(o, true);
                o->daemon = mfree_str(o->daemon);
                if (o->daemon_changed)
                        o->daemon_changed(o, NULL, o->daemon_userdata);
        }
        if (new_owner[0] == '\0')
                return 0;

        if (free_and_strdup(&o->daemon, new_owner) < 0)
                return 0;
        if (o->daemon_changed)
                o->daemon_changed(o, o->daemon, o->daemon_userdata);
        if (new_snapshot_message(o, false, &call) >= 0)
                (void) sd_bus_call_async(o->bus, &o->snapshot_slot, call, on_snapshot, o, 0);
        return 0;
}

static bool from_daemon(CkCallObserver *o, sd_bus_message *m) {
        return o->daemon && streq_ptr(sd_bus_message_get_sender(m), o->daemon);
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        const char *path;

        if (!from_daemon(o, m) || sd_bus_message_read(m, "o", &path) < 0)
                return 0;
        (void) read_object(o, path, m, true);
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        const char *path, *iface;

        if (!from_daemon(o, m) || sd_bus_message_read(m, "o", &path) < 0 ||
            sd_bus_message_enter_container(m, 'a', "s") < 0)
                return 0;
        while (sd_bus_message_read(m, "s", &iface) > 0) {
                CkCall *c;
                CkProviderInfo *p;

                if (strcmp(iface, CKD_CALL_INTERFACE) == 0 && (c = find_call_by_path(o, path)))
                        remove_call(o, c, true);
                else if (strcmp(iface, CKD_PROVIDER_INTERFACE) == 0 && (p = find_provider_by_path(o, path)))
                        remove_provider(o, p, true);
        }
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = ck_call_observer_ref(userdata);
        const char *iface, *path = sd_bus_message_get_path(m);
        CkCall *c;
        CkProviderInfo *p;

        if (!from_daemon(o, m) || !path || sd_bus_message_read(m, "s", &iface) < 0)
                return 0;
        if (strcmp(iface, CKD_CALL_INTERFACE) == 0 && (c = find_call_by_path(o, path))) {
                if (ck_property_set_update(&c->properties, o->bus, m, call_parse_property, c) >= 0)
                        notify_call(o, c);
        } else if (strcmp(iface, CKD_PROVIDER_INTERFACE) == 0 && (p = find_provider_by_path(o, path))) {
                if (ck_property_set_update(&p->properties, o->bus, m, provider_parse_property, p) >= 0)
                        notify_provider(o, p);
        }
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
        free(o->providers);
        free(o->daemon);
        sd_bus_unref(o->bus);
        free(o);
        return NULL;
}

_public_ int ck_call_observer_new_with_flags(sd_bus *bus, uint64_t flags, CkCallChanged call_changed, void *userdata,
                                             sd_bus_error *ret_error, CkCallObserver **ret) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(ck_call_observer_unrefp) CkCallObserver *o = NULL;
        bool start_daemon = flags & CK_CALL_OBSERVER_START_DAEMON;
        int r;

        assert_return(bus, -EINVAL);
        assert_return((flags & ~(uint64_t) CK_CALL_OBSERVER_START_DAEMON) == 0, -EINVAL);
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
                             "arg0='" CKD_BUS_NAME "'",
                             on_name_owner_changed, o);
        if (r < 0)
                return r;
        r = sd_bus_add_match(bus, &o->added_slot,
                             "type='signal',path='" CKD_OBJECT_ROOT "',"
                             "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
                             on_interfaces_added, o);
        if (r < 0)
                return r;
        r = sd_bus_add_match(bus, &o->removed_slot,
                             "type='signal',path='" CKD_OBJECT_ROOT "',"
                             "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'",
                             on_interfaces_removed, o);
        if (r < 0)
                return r;
        r = sd_bus_add_match(bus, &o->changed_slot,
                             "type='signal',path_namespace='" CKD_OBJECT_ROOT "',"
                             "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'",
                             on_properties_changed, o);
        if (r < 0)
                return r;

        r = new_snapshot_message(o, start_daemon, &m);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r >= 0) {
                r = read_managed_objects(o, reply, false);
                if (r < 0)
                        return r;
        } else if (start_daemon ||
                   (!sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN) &&
                    !sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))) {
                if (ret_error)
                        sd_bus_error_move(ret_error, &error);
                return r;
        }

        *ret = o;
        o = NULL;
        return 0;
}

_public_ int ck_call_observer_new(sd_bus *bus, CkCallChanged call_changed, void *userdata, CkCallObserver **ret) {
        return ck_call_observer_new_with_flags(bus, 0, call_changed, userdata, NULL, ret);
}

_public_ const char *ck_call_observer_get_daemon(CkCallObserver *o) {
        return o ? o->daemon : NULL;
}

_public_ int ck_call_observer_set_daemon_changed(CkCallObserver *o, CkDaemonChanged callback, void *userdata) {
        assert_return(o, -EINVAL);
        o->daemon_changed = callback;
        o->daemon_userdata = userdata;
        return 0;
}

_public_ int ck_call_observer_set_provider_changed(CkCallObserver *o, CkProviderInfoChanged callback,
                                                   void *userdata) {
        assert_return(o, -EINVAL);
        o->provider_changed = callback;
        o->provider_userdata = userdata;
        return 0;
}

_public_ int ck_call_observer_get_daemon_info(CkCallObserver *o, char **ret_version, char ***ret_capabilities) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *version = NULL;
        char **capabilities = NULL;
        int r;

        assert_return(o, -EINVAL);

        r = sd_bus_call_method(o->bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, "org.freedesktop.DBus.Properties",
                               "GetAll", &error, &reply, "s", CKD_MANAGER_INTERFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *name, *contents;

                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        goto fail;
                if (strcmp(name, "Version") == 0)
                        r = ck_read_string_variant(reply, "s", &version);
                else if (strcmp(name, "Capabilities") == 0 && streq_ptr(contents, "as") && !capabilities) {
                        r = sd_bus_message_enter_container(reply, 'v', "as");
                        if (r >= 0)
                                r = sd_bus_message_read_strv(reply, &capabilities);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;

        if (!capabilities) {
                capabilities = calloc(1, sizeof(char *));
                if (!capabilities)
                        return -ENOMEM;
        }
        if (!version) {
                version = strdup("");
                if (!version) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (ret_version) {
                *ret_version = version;
                version = NULL;
        }
        if (ret_capabilities) {
                *ret_capabilities = capabilities;
                capabilities = NULL;
        }
        ck_strv_free(capabilities);
        return 0;

fail:
        ck_strv_free(capabilities);
        return r;
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

_public_ size_t ck_call_observer_get_n_providers(CkCallObserver *o) {
        return o ? o->n_providers : 0;
}

_public_ CkProviderInfo *ck_call_observer_get_provider(CkCallObserver *o, size_t i) {
        return o && i < o->n_providers ? o->providers[i] : NULL;
}

_public_ CkProviderInfo *ck_call_observer_find_provider(CkCallObserver *o, const char *path) {
        return o && path ? find_provider_by_path(o, path) : NULL;
}
