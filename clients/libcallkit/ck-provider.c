/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

struct CkProvider {
        unsigned n_ref;
        sd_bus *bus;

        CkProviderConfiguration config;         /* strings owned */
        CkProviderDelegate delegate;
        void *userdata;

        char *path;             /* provider/N while registered, else NULL */
        char *daemon;           /* unique name of the callkitd that holds the registration */
        bool begun;             /* registered at least once: the next registration is a restart */
        /* callkitd vanished while registered (a crash): the app keeps its
         * calls until the next callkitd says whether it restored them
         * (DidRestoreCalls before DidBegin). */
        bool awaiting_restore;
        bool restored;
        bool invalidated;

        sd_bus_slot *owner_slot;
        sd_bus_slot *signal_slot;
        sd_bus_slot *register_slot;

        CkAction **actions;     /* pending, one reference each */
        size_t n_actions;

        CkError last_error;
};

static void config_clear(CkProviderConfiguration *c) {
        free((char *) c->localized_name);
        free((char *) c->icon_name);
        free((char *) c->ringtone);
        free((char *) c->desktop_entry);
        *c = (CkProviderConfiguration) {};
}

static int config_copy(CkProviderConfiguration *dst, const CkProviderConfiguration *src) {
        const char *const *from[] = { &src->localized_name, &src->icon_name, &src->ringtone, &src->desktop_entry };
        const char **to[] = { &dst->localized_name, &dst->icon_name, &dst->ringtone, &dst->desktop_entry };

        *dst = *src;
        for (size_t i = 0; i < ELEMENTSOF(to); i++)
                *to[i] = NULL;
        for (size_t i = 0; i < ELEMENTSOF(to); i++)
                if (*from[i]) {
                        *to[i] = strdup(*from[i]);
                        if (!*to[i])
                                return -ENOMEM;
                }
        return 0;
}

static int append_config(sd_bus_message *m, const CkProviderConfiguration *c) {
        const struct {
                const char *key;
                const char *value;
        } strings[] = {
                { "localized_name", c->localized_name },
                { "icon_name", c->icon_name },
                { "ringtone", c->ringtone },
                { "desktop_entry", c->desktop_entry },
        };
        const struct {
                const char *key;
                unsigned value;
        } numbers[] = {
                { "maximum_call_groups", c->maximum_call_groups },
                { "maximum_calls_per_call_group", c->maximum_calls_per_call_group },
                { "action_timeout_ms", c->action_timeout_ms },
        };
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                if (!strings[i].value)
                        continue;
                r = sd_bus_message_append(m, "{sv}", strings[i].key, "s", strings[i].value);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++) {
                if (numbers[i].value == 0)
                        continue;
                r = sd_bus_message_append(m, "{sv}", numbers[i].key, "u", numbers[i].value);
                if (r < 0)
                        return r;
        }
        if (c->supports_video) {
                r = sd_bus_message_append(m, "{sv}", "supports_video", "b", 1);
                if (r < 0)
                        return r;
        }
        if (c->supported_handle_types != 0) {
                static const CkHandleType types[] = {
                        CK_HANDLE_TYPE_GENERIC, CK_HANDLE_TYPE_PHONE_NUMBER, CK_HANDLE_TYPE_EMAIL_ADDRESS,
                };

                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(m, "s", "supported_handle_types");
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(m, 'v', "as");
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(m, 'a', "s");
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                        if (!(c->supported_handle_types & types[i]))
                                continue;
                        r = sd_bus_message_append(m, "s", ck_handle_type_to_string(types[i]));
                        if (r < 0)
                                return r;
                }
                for (int k = 0; k < 3; k++) {
                        r = sd_bus_message_close_container(m);
                        if (r < 0)
                                return r;
                }
        }
        return sd_bus_message_close_container(m);
}

static int new_register_message(CkProvider *p, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(p->bus, &m, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE,
                                           "RegisterProvider");
        if (r < 0)
                return r;
        /* A restarted callkitd may not be there yet; do not have the bus
         * start one behind the user's back. */
        r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        r = append_config(m, &p->config);
        if (r < 0)
                return r;
        *ret = m;
        m = NULL;
        return 0;
}

/* The registration is gone: pending actions can no longer be answered. */
static void drop_actions(CkProvider *p) {
        for (size_t i = 0; i < p->n_actions; i++) {
                ck_action_mark_stale(p->actions[i]);
                ck_action_unref(p->actions[i]);
        }
        p->n_actions = 0;
}

static void drop_registration(CkProvider *p) {
        p->path = mfree_str(p->path);
        p->daemon = mfree_str(p->daemon);
        p->register_slot = sd_bus_slot_unref(p->register_slot);
        drop_actions(p);
}

static int take_registration(CkProvider *p, sd_bus_message *reply) {
        const char *path;
        int r;

        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        r = free_and_strdup(&p->path, path);
        if (r < 0)
                return r;
        return free_and_strdup(&p->daemon, sd_bus_message_get_sender(reply));
}

static int on_register_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_provider_unrefp) CkProvider *p = ck_provider_ref(userdata);
        bool restarted;
        int r;

        p->register_slot = sd_bus_slot_unref(p->register_slot);

        /* Failed (callkitd went away again, or refuses the configuration it
         * accepted before): wait for the next owner. */
        if (sd_bus_message_is_method_error(reply, NULL))
                return 0;

        r = take_registration(p, reply);
        if (r < 0) {
                drop_registration(p);
                return 0;
        }
        restarted = p->begun;
        p->begun = true;
        /* did_begin follows from the new callkitd's DidBegin; after a
         * crash the reset, if any, waits for it (DidRestoreCalls comes
         * first). */
        if (restarted && !p->awaiting_restore && p->delegate.did_reset)
                p->delegate.did_reset(p, "daemon-restarted", p->userdata);
        return 0;
}

static int register_async(CkProvider *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        p->register_slot = sd_bus_slot_unref(p->register_slot);
        r = new_register_message(p, &m);
        if (r < 0)
                return r;
        return sd_bus_call_async(p->bus, &p->register_slot, m, on_register_reply, p, 0);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_provider_unrefp) CkProvider *p = ck_provider_ref(userdata);
        const char *name, *old_owner, *new_owner;
        bool was_registered;
        int r;

        r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || strcmp(name, CKD_BUS_NAME) != 0 || p->invalidated)
                return 0;
        if (p->daemon && streq_ptr(p->daemon, new_owner))
                return 0;

        was_registered = p->path;
        drop_registration(p);

        if (new_owner[0] == '\0') {
                /* Gone without a DidReset("daemon-stopping"): it crashed or
                 * was killed. It kept the live calls: the app keeps them
                 * too until the next callkitd tells whether they are back. */
                if (was_registered) {
                        p->awaiting_restore = true;
                        p->restored = false;
                }
                return 0;
        }

        (void) register_async(p);
        return 0;
}

static int read_calls(sd_bus_message *m, char ***ret) {
        char **calls = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        goto fail;
                if (strcmp(key, "calls") == 0 && streq_ptr(contents, "as") && !calls) {
                        r = sd_bus_message_enter_container(m, 'v', "as");
                        if (r < 0)
                                goto fail;
                        r = sd_bus_message_read_strv(m, &calls);
                        if (r < 0)
                                goto fail;
                        r = sd_bus_message_exit_container(m);
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;

        if (!calls) {
                calls = calloc(1, sizeof(char *));
                if (!calls)
                        return -ENOMEM;
        }
        for (; calls[n]; n++)
                ;
        *ret = calls;
        return 0;

fail:
        if (calls)
                for (size_t i = 0; calls[i]; i++)
                        free(calls[i]);
        free(calls);
        return r;
}

static int handle_perform_action(CkProvider *p, sd_bus_message *m) {
        _cleanup_(ck_action_unrefp) CkAction *a = NULL;
        void (*perform)(CkProvider *, CkAction *, void *) = NULL;
        CkAction **actions;
        int r;

        r = ck_action_new_from_message(p, m, &a);
        if (r < 0)
                return r;

        actions = realloc(p->actions, (p->n_actions + 1) * sizeof(CkAction *));
        if (!actions)
                return -ENOMEM;
        p->actions = actions;
        p->actions[p->n_actions++] = ck_action_ref(a);

        switch (ck_action_get_type(a)) {
        case CK_ACTION_START_CALL:
                perform = p->delegate.perform_start_call;
                break;
        case CK_ACTION_ANSWER_CALL:
                perform = p->delegate.perform_answer_call;
                break;
        case CK_ACTION_END_CALL:
                perform = p->delegate.perform_end_call;
                break;
        case CK_ACTION_SET_HELD:
                perform = p->delegate.perform_set_held;
                break;
        case CK_ACTION_SET_MUTED:
                perform = p->delegate.perform_set_muted;
                break;
        case CK_ACTION_SET_GROUP:
                perform = p->delegate.perform_set_group;
                break;
        case CK_ACTION_PLAY_DTMF:
                perform = p->delegate.perform_play_dtmf;
                break;
        default:
                break;
        }
        if (!perform)
                perform = p->delegate.perform_action;
        if (!perform)
                return ck_action_fail(a, "not-supported");
        perform(p, a, p->userdata);
        return 0;
}

static void handle_timed_out(CkProvider *p, const char *id) {
        for (size_t i = 0; i < p->n_actions; i++) {
                _cleanup_(ck_action_unrefp) CkAction *a = NULL;

                if (strcmp(ck_action_get_id(p->actions[i]), id) != 0)
                        continue;
                a = p->actions[i];
                p->actions[i] = p->actions[--p->n_actions];
                ck_action_mark_stale(a);
                if (p->delegate.timed_out_performing_action)
                        p->delegate.timed_out_performing_action(p, a, p->userdata);
                return;
        }
}

static int on_provider_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_provider_unrefp) CkProvider *p = ck_provider_ref(userdata);
        const char *member = sd_bus_message_get_member(m);

        /* Only from the callkitd we registered with, for this provider:
         * another provider of the app shares the connection, and a
         * replaced callkitd may still talk while it stops. */
        if (!p->path || !streq_ptr(sd_bus_message_get_sender(m), p->daemon) ||
            !streq_ptr(sd_bus_message_get_path(m), p->path))
                return 0;

        if (streq_ptr(member, "DidRestoreCalls")) {
                p->restored = true;
        } else if (streq_ptr(member, "DidBegin")) {
                /* After a crash: calls that were not restored are gone. */
                if (p->awaiting_restore) {
                        bool restored = p->restored;

                        p->awaiting_restore = p->restored = false;
                        if (!restored && p->delegate.did_reset)
                                p->delegate.did_reset(p, "daemon-vanished", p->userdata);
                }
                if (p->delegate.did_begin)
                        p->delegate.did_begin(p, p->userdata);
        } else if (streq_ptr(member, "DidReset")) {
                const char *reason;

                if (sd_bus_message_read(m, "s", &reason) < 0)
                        return 0;
                drop_actions(p);
                /* callkitd is going: register again with the next one. */
                if (strcmp(reason, "daemon-stopping") == 0)
                        drop_registration(p);
                if (p->delegate.did_reset)
                        p->delegate.did_reset(p, reason, p->userdata);
        } else if (streq_ptr(member, "PerformAction"))
                (void) handle_perform_action(p, m);
        else if (streq_ptr(member, "ActionTimedOut")) {
                const char *id;

                if (sd_bus_message_read(m, "s", &id) >= 0)
                        handle_timed_out(p, id);
        } else if (streq_ptr(member, "DidActivateAudioSession") ||
                   streq_ptr(member, "DidDeactivateAudioSession")) {
                bool activate = streq_ptr(member, "DidActivateAudioSession");
                void (*cb)(CkProvider *, char **, void *) =
                        activate ? p->delegate.did_activate_audio_session : p->delegate.did_deactivate_audio_session;
                char **calls = NULL;

                if (cb && read_calls(m, &calls) >= 0)
                        cb(p, calls, p->userdata);
                ck_strv_free(calls);
        }
        return 0;
}

static CkProvider *provider_free(CkProvider *p) {
        if (p->path && !p->invalidated) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                /* As CXProvider.invalidate(): the calls of a provider that
                 * is gone must not linger. Nobody is left to read a reply. */
                if (sd_bus_message_new_method_call(p->bus, &m, p->daemon, p->path, CKD_PROVIDER_INTERFACE,
                                                   "Invalidate") >= 0 &&
                    sd_bus_message_set_expect_reply(m, false) >= 0)
                        (void) sd_bus_send(p->bus, m, NULL);
        }
        for (size_t i = 0; i < p->n_actions; i++) {
                ck_action_detach(p->actions[i]);
                ck_action_unref(p->actions[i]);
        }
        free(p->actions);
        sd_bus_slot_unref(p->owner_slot);
        sd_bus_slot_unref(p->signal_slot);
        sd_bus_slot_unref(p->register_slot);
        free(p->path);
        free(p->daemon);
        config_clear(&p->config);
        sd_bus_unref(p->bus);
        free(p);
        return NULL;
}

_public_ CkProvider *ck_provider_ref(CkProvider *p) {
        if (p)
                p->n_ref++;
        return p;
}

_public_ CkProvider *ck_provider_unref(CkProvider *p) {
        if (!p || --p->n_ref > 0)
                return NULL;
        return provider_free(p);
}

static bool is_no_owner_error(const sd_bus_error *error) {
        return sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

_public_ int ck_provider_new(sd_bus *bus,
                             const CkProviderConfiguration *config,
                             const CkProviderDelegate *delegate,
                             void *userdata,
                             CkProvider **ret) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(ck_provider_unrefp) CkProvider *p = NULL;
        CkError e = CK_ERROR_NONE;
        int r;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->n_ref = 1;
        p->bus = sd_bus_ref(bus);
        p->userdata = userdata;
        if (delegate)
                p->delegate = *delegate;
        if (config) {
                r = config_copy(&p->config, config);
                if (r < 0)
                        return r;
        }

        /* Watch the name before registering, so that a restart between the
         * two is not missed. */
        r = sd_bus_add_match(bus, &p->owner_slot,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                             "arg0='" CKD_BUS_NAME "'",
                             on_name_owner_changed, p);
        if (r < 0)
                return r;
        /* Provider signals are sent to us only. The sender is checked in
         * the handler against the unique name we registered with. */
        r = sd_bus_add_match(bus, &p->signal_slot,
                             "type='signal',interface='" CKD_PROVIDER_INTERFACE "'",
                             on_provider_signal, p);
        if (r < 0)
                return r;

        r = new_register_message(p, &m);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0) {
                if (!is_no_owner_error(&error))
                        return ck_map_bus_error(r, &error, &e);
                /* callkitd is not there yet: register when it appears. */
        } else {
                r = take_registration(p, reply);
                if (r < 0)
                        return r;
                p->begun = true;
        }

        *ret = p;
        p = NULL;
        return 0;
}

_public_ int ck_provider_set_configuration(CkProvider *p, const CkProviderConfiguration *config) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        CkProviderConfiguration copy = {};
        CkError e = CK_ERROR_NONE;
        int r;

        assert_return(p, -EINVAL);
        assert_return(config, -EINVAL);

        r = config_copy(&copy, config);
        if (r < 0)
                goto finish;

        if (p->path) {
                r = sd_bus_message_new_method_call(p->bus, &m, p->daemon, p->path,
                                                   "org.freedesktop.DBus.Properties", "Set");
                if (r < 0)
                        goto finish;
                r = sd_bus_message_append(m, "ss", CKD_PROVIDER_INTERFACE, "Configuration");
                if (r < 0)
                        goto finish;
                r = sd_bus_message_open_container(m, 'v', "a{sv}");
                if (r < 0)
                        goto finish;
                r = append_config(m, &copy);
                if (r < 0)
                        goto finish;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        goto finish;
                r = sd_bus_call(p->bus, m, 0, &error, &reply);
                if (r < 0)
                        r = ck_map_bus_error(r, &error, &e);
                p->last_error = e;
                if (r < 0)
                        goto finish;
        }

        config_clear(&p->config);
        p->config = copy;
        return 0;

finish:
        config_clear(&copy);
        return r;
}

_public_ sd_bus *ck_provider_get_bus(CkProvider *p) {
        return p ? p->bus : NULL;
}

_public_ const char *ck_provider_get_object_path(CkProvider *p) {
        return p ? p->path : NULL;
}

const char *ck_provider_get_daemon(CkProvider *p) {
        return p->daemon;
}

_public_ int ck_provider_is_registered(CkProvider *p) {
        assert_return(p, -EINVAL);
        return !!p->path;
}

_public_ CkError ck_provider_get_last_error(CkProvider *p) {
        return p ? p->last_error : CK_ERROR_NONE;
}

void ck_provider_set_last_error(CkProvider *p, CkError error) {
        p->last_error = error;
}

void ck_provider_forget_action(CkProvider *p, CkAction *a) {
        for (size_t i = 0; i < p->n_actions; i++)
                if (p->actions[i] == a) {
                        p->actions[i] = p->actions[--p->n_actions];
                        ck_action_unref(a);
                        return;
                }
}

static int provider_new_call(CkProvider *p, const char *method, const char *uuid, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(p, -EINVAL);
        assert_return(!uuid || uuid[0], -EINVAL);
        if (!p->path)
                return -ENOTCONN;

        r = sd_bus_message_new_method_call(p->bus, &m, p->daemon, p->path, CKD_PROVIDER_INTERFACE, method);
        if (r < 0)
                return r;
        if (uuid) {
                r = sd_bus_message_append(m, "s", uuid);
                if (r < 0)
                        return r;
        }
        *ret = m;
        m = NULL;
        return 0;
}

static int provider_call(CkProvider *p, sd_bus_message *m) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        CkError e = CK_ERROR_NONE;
        int r;

        r = sd_bus_call(p->bus, m, 0, &error, &reply);
        if (r < 0)
                r = ck_map_bus_error(r, &error, &e);
        p->last_error = e;
        return r < 0 ? r : 0;
}

static int report_update(CkProvider *p, const char *method, const char *uuid, const CkCallUpdate *u) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(uuid, -EINVAL);
        r = provider_new_call(p, method, uuid, &m);
        if (r < 0)
                return r;
        r = ck_call_update_append(u, m);
        if (r < 0)
                return r;
        return provider_call(p, m);
}

typedef struct AsyncReport {
        CkProvider *provider;   /* a reference: the answer needs a provider to report to */
        CkReportCallback callback;
        void *userdata;
        bool answered;
} AsyncReport;

static void async_report_free(void *userdata) {
        AsyncReport *a = userdata;

        /* The bus went away before an answer: say so once. */
        if (!a->answered && a->callback)
                a->callback(a->provider, -ECONNRESET, a->userdata);
        ck_provider_unref(a->provider);
        free(a);
}

static int on_async_report_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AsyncReport *a = userdata;
        const sd_bus_error *error = sd_bus_message_get_error(reply);
        CkError e = CK_ERROR_NONE;
        int r = 0;

        if (error)
                r = ck_map_bus_error(-sd_bus_error_get_errno(error), error, &e);
        a->provider->last_error = e;
        a->answered = true;
        if (a->callback)
                a->callback(a->provider, r, a->userdata);
        return 0;
}

static int provider_call_async(CkProvider *p, sd_bus_message *m, CkReportCallback callback, void *userdata) {
        sd_bus_slot *slot = NULL;
        AsyncReport *a;
        int r;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        *a = (AsyncReport) { .provider = ck_provider_ref(p), .callback = callback, .userdata = userdata };

        r = sd_bus_call_async(p->bus, &slot, m, on_async_report_reply, a, 0);
        if (r < 0) {
                ck_provider_unref(a->provider);
                free(a);
                return r;
        }
        /* From here the slot owns a: freed when the answer was handled or
         * the bus closes. */
        a->answered = false;
        (void) sd_bus_slot_set_destroy_callback(slot, async_report_free);
        r = sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return r < 0 ? r : 0;
}

_public_ int ck_provider_report_new_incoming_call_async(CkProvider *p, const char *uuid,
                                                        const CkCallUpdate *update,
                                                        CkReportCallback callback, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(uuid, -EINVAL);
        r = provider_new_call(p, "ReportNewIncomingCall", uuid, &m);
        if (r < 0)
                return r;
        r = ck_call_update_append(update, m);
        if (r < 0)
                return r;
        return provider_call_async(p, m, callback, userdata);
}

_public_ int ck_provider_report_new_incoming_call(CkProvider *p, const char *uuid, const CkCallUpdate *update) {
        return report_update(p, "ReportNewIncomingCall", uuid, update);
}

_public_ int ck_provider_report_call_updated(CkProvider *p, const char *uuid, const CkCallUpdate *update) {
        return report_update(p, "ReportCallUpdated", uuid, update);
}

static const char *const ended_reasons[_CK_CALL_ENDED_REASON_MAX] = {
        [CK_CALL_ENDED_REASON_FAILED] = "failed",
        [CK_CALL_ENDED_REASON_REMOTE_ENDED] = "remote-ended",
        [CK_CALL_ENDED_REASON_UNANSWERED] = "unanswered",
        [CK_CALL_ENDED_REASON_ANSWERED_ELSEWHERE] = "answered-elsewhere",
        [CK_CALL_ENDED_REASON_DECLINED_ELSEWHERE] = "declined-elsewhere",
};

_public_ int ck_provider_report_call_ended(CkProvider *p, const char *uuid, CkCallEndedReason reason,
                                           uint64_t ended_at) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(uuid, -EINVAL);
        assert_return((unsigned) reason < _CK_CALL_ENDED_REASON_MAX, -EINVAL);
        assert_return(ended_at <= INT64_MAX, -EINVAL);

        r = provider_new_call(p, "ReportCallEnded", uuid, &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "sx", ended_reasons[reason], (int64_t) ended_at);
        if (r < 0)
                return r;
        return provider_call(p, m);
}

static int report_at(CkProvider *p, const char *method, const char *uuid, uint64_t at) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(uuid, -EINVAL);
        assert_return(at <= INT64_MAX, -EINVAL);

        r = provider_new_call(p, method, uuid, &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "x", (int64_t) at);
        if (r < 0)
                return r;
        return provider_call(p, m);
}

_public_ int ck_provider_report_outgoing_call_started_connecting(CkProvider *p, const char *uuid, uint64_t at) {
        return report_at(p, "ReportOutgoingCallStartedConnecting", uuid, at);
}

_public_ int ck_provider_report_outgoing_call_connected(CkProvider *p, const char *uuid, uint64_t at) {
        return report_at(p, "ReportOutgoingCallConnected", uuid, at);
}

_public_ int ck_provider_invalidate(CkProvider *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = provider_new_call(p, "Invalidate", NULL, &m);
        if (r < 0)
                return r;
        r = provider_call(p, m);
        if (r < 0)
                return r;
        p->invalidated = true;
        drop_registration(p);
        return 0;
}
