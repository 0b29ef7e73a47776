/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-id128.h>

#include "callkit-private.h"

struct CkPushRegistry {
        unsigned n_ref;
        sd_bus *bus;

        char *app_id;
        char *bus_name;
        bool development;
        CkPushRegistryDelegate delegate;
        void *userdata;

        char *token;            /* while registered */
        char *daemon;           /* unique name of the callkitd that holds the registration */
        char *endpoint;
        bool foreground;
        bool unregistered;

        sd_bus_slot *owner_slot;
        sd_bus_slot *signal_slot;
        sd_bus_slot *register_slot;

        CkError last_error;
};

static int new_register_message(CkPushRegistry *r, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int k;

        k = sd_bus_message_new_method_call(r->bus, &m, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "Register");
        if (k < 0)
                return k;
        /* A restarted callkitd may not be there yet; do not have the bus
         * start one behind the user's back. */
        k = sd_bus_message_set_auto_start(m, false);
        if (k < 0)
                return k;
        k = sd_bus_message_open_container(m, 'a', "{sv}");
        if (k >= 0 && r->app_id)
                k = sd_bus_message_append(m, "{sv}", "app_id", "s", r->app_id);
        if (k >= 0 && r->bus_name)
                k = sd_bus_message_append(m, "{sv}", "bus_name", "s", r->bus_name);
        if (k >= 0 && r->development)
                k = sd_bus_message_append(m, "{sv}", "development", "b", 1);
        if (k >= 0)
                k = sd_bus_message_close_container(m);
        if (k < 0)
                return k;
        *ret = m;
        m = NULL;
        return 0;
}

static void drop_registration(CkPushRegistry *r) {
        r->token = mfree_str(r->token);
        r->daemon = mfree_str(r->daemon);
        r->register_slot = sd_bus_slot_unref(r->register_slot);
}

static int take_registration(CkPushRegistry *r, sd_bus_message *reply) {
        const char *token;
        int k;

        k = sd_bus_message_read(reply, "s", &token);
        if (k < 0)
                return k;
        k = free_and_strdup(&r->token, token);
        if (k < 0)
                return k;
        return free_and_strdup(&r->daemon, sd_bus_message_get_sender(reply));
}

static int send_foreground(CkPushRegistry *r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int k;

        k = sd_bus_message_new_method_call(r->bus, &m, r->daemon, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE,
                                           "SetForeground");
        if (k >= 0)
                k = sd_bus_message_append(m, "sb", r->token, r->foreground);
        if (k >= 0)
                k = sd_bus_message_set_expect_reply(m, false);
        if (k >= 0)
                k = sd_bus_send(r->bus, m, NULL);
        return k;
}

static int on_register_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_push_registry_unrefp) CkPushRegistry *r = ck_push_registry_ref(userdata);

        r->register_slot = sd_bus_slot_unref(r->register_slot);
        /* Failed (callkitd went away again): wait for the next owner. */
        if (sd_bus_message_is_method_error(reply, NULL))
                return 0;
        if (take_registration(r, reply) < 0) {
                drop_registration(r);
                return 0;
        }
        if (r->foreground)
                (void) send_foreground(r);
        if (r->delegate.did_update_token)
                r->delegate.did_update_token(r, r->token, r->userdata);
        return 0;
}

static int register_async(CkPushRegistry *r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int k;

        r->register_slot = sd_bus_slot_unref(r->register_slot);
        k = new_register_message(r, &m);
        if (k < 0)
                return k;
        return sd_bus_call_async(r->bus, &r->register_slot, m, on_register_reply, r, 0);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_push_registry_unrefp) CkPushRegistry *r = ck_push_registry_ref(userdata);
        const char *name, *old_owner, *new_owner;
        int k;

        k = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (k < 0 || strcmp(name, CKD_BUS_NAME) != 0 || r->unregistered)
                return 0;
        if (r->daemon && streq_ptr(r->daemon, new_owner))
                return 0;
        drop_registration(r);
        if (new_owner[0] != '\0')
                (void) register_async(r);
        return 0;
}

/* ---- what callkitd sends ---------------------------------------------- */

static int read_metadata(sd_bus_message *m, CkPushMetadata *md) {
        int k;

        k = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (k < 0)
                return k;
        while ((k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents = NULL;
                const struct {
                        const char *key;
                        const char **value;
                } strings[] = {
                        { "push_id", &md->push_id },
                        { "call_uuid", &md->call_uuid },
                        { "localized_caller_name", &md->localized_caller_name },
                        { "reason", &md->reason },
                        { "transport", &md->transport },
                        { "envelope_error", &md->envelope_error },
                };
                const struct {
                        const char *key;
                        uint64_t *value;
                } times[] = {
                        { "sent_at", &md->sent_at },
                        { "expires_at", &md->expires_at },
                        { "received_at", &md->received_at },
                        { "report_by", &md->report_by },
                };
                bool done = false;

                k = sd_bus_message_read(m, "s", &key);
                if (k < 0)
                        return k;
                k = sd_bus_message_peek_type(m, NULL, &contents);
                if (k < 0)
                        return k;
                for (size_t i = 0; !done && i < ELEMENTSOF(strings); i++)
                        if (streq_ptr(key, strings[i].key) && streq_ptr(contents, "s")) {
                                k = sd_bus_message_read(m, "v", "s", strings[i].value);
                                done = true;
                        }
                for (size_t i = 0; !done && i < ELEMENTSOF(times); i++)
                        if (streq_ptr(key, times[i].key) && streq_ptr(contents, "x")) {
                                int64_t t;

                                k = sd_bus_message_read(m, "v", "x", &t);
                                *times[i].value = t > 0 ? (uint64_t) t : 0;
                                done = true;
                        }
                if (!done && streq_ptr(key, "must_report") && streq_ptr(contents, "b")) {
                        k = sd_bus_message_read(m, "v", "b", &md->must_report);
                        done = true;
                }
                if (!done && streq_ptr(key, "remote_handle") && streq_ptr(contents, "(ss)")) {
                        k = sd_bus_message_read(m, "v", "(ss)", &md->remote_handle_type,
                                                &md->remote_handle_value);
                        done = true;
                }
                if (!done)
                        k = sd_bus_message_skip(m, "v");
                if (k < 0)
                        return k;
                k = sd_bus_message_exit_container(m);
                if (k < 0)
                        return k;
        }
        if (k < 0)
                return k;
        if (!md->reason)
                md->reason = "";
        return sd_bus_message_exit_container(m);
}

static void handle_push(CkPushRegistry *r, sd_bus_message *m) {
        CkPushMetadata metadata = {};
        const void *payload = NULL;
        size_t size = 0;

        if (sd_bus_message_read_array(m, 'y', &payload, &size) < 0 || read_metadata(m, &metadata) < 0)
                return;
        if (r->delegate.did_receive_push)
                r->delegate.did_receive_push(r, payload, size, &metadata, r->userdata);
}

static int on_push_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_push_registry_unrefp) CkPushRegistry *r = ck_push_registry_ref(userdata);
        const char *member = sd_bus_message_get_member(m);
        const char *token, *text;

        /* Only from the callkitd we registered with, for our token: a
         * replaced callkitd may still talk while it stops. */
        if (!r->token || !streq_ptr(sd_bus_message_get_sender(m), r->daemon) ||
            sd_bus_message_read(m, "s", &token) < 0 || !streq_ptr(token, r->token))
                return 0;

        if (streq_ptr(member, "PushReceived"))
                handle_push(r, m);
        else if (streq_ptr(member, "ReportDeadlineMissed")) {
                if (sd_bus_message_read(m, "s", &text) >= 0 && r->delegate.did_miss_report_deadline)
                        r->delegate.did_miss_report_deadline(r, text, r->userdata);
        } else if (streq_ptr(member, "EndpointChanged")) {
                if (sd_bus_message_read(m, "s", &text) < 0 || free_and_strdup(&r->endpoint, text) < 0)
                        return 0;
                if (r->delegate.did_update_endpoint)
                        r->delegate.did_update_endpoint(r, text, r->userdata);
        }
        return 0;
}

/* ---- the object -------------------------------------------------------- */

static CkPushRegistry *push_registry_free(CkPushRegistry *r) {
        sd_bus_slot_unref(r->owner_slot);
        sd_bus_slot_unref(r->signal_slot);
        sd_bus_slot_unref(r->register_slot);
        free(r->app_id);
        free(r->bus_name);
        free(r->token);
        free(r->daemon);
        free(r->endpoint);
        sd_bus_unref(r->bus);
        free(r);
        return NULL;
}

_public_ CkPushRegistry *ck_push_registry_ref(CkPushRegistry *r) {
        if (r)
                r->n_ref++;
        return r;
}

_public_ CkPushRegistry *ck_push_registry_unref(CkPushRegistry *r) {
        if (!r || --r->n_ref > 0)
                return NULL;
        return push_registry_free(r);
}

static bool is_no_owner_error(const sd_bus_error *error) {
        return sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

_public_ int ck_push_registry_new(sd_bus *bus,
                                  const CkPushRegistryConfiguration *config,
                                  const CkPushRegistryDelegate *delegate,
                                  void *userdata,
                                  CkPushRegistry **ret) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(ck_push_registry_unrefp) CkPushRegistry *r = NULL;
        CkError e = CK_ERROR_NONE;
        int k;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->n_ref = 1;
        r->bus = sd_bus_ref(bus);
        r->userdata = userdata;
        if (delegate)
                r->delegate = *delegate;
        if (config) {
                if (free_and_strdup(&r->app_id, config->app_id) < 0 ||
                    free_and_strdup(&r->bus_name, config->bus_name) < 0)
                        return -ENOMEM;
                r->development = config->development;
        }

        /* Watch the name before registering, so that a restart between the
         * two is not missed. */
        k = sd_bus_add_match(bus, &r->owner_slot,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                             "arg0='" CKD_BUS_NAME "'",
                             on_name_owner_changed, r);
        if (k < 0)
                return k;
        /* Push signals are sent to us only; the sender and the token are
         * checked in the handler. */
        k = sd_bus_add_match(bus, &r->signal_slot, "type='signal',interface='" CKD_PUSH_REGISTRY_INTERFACE "'",
                             on_push_signal, r);
        if (k < 0)
                return k;

        k = new_register_message(r, &m);
        if (k < 0)
                return k;
        k = sd_bus_call(bus, m, 0, &error, &reply);
        if (k < 0) {
                if (!is_no_owner_error(&error))
                        return ck_map_bus_error(k, &error, &e);
                /* callkitd is not there yet: register when it appears. */
        } else {
                /* The endpoint, if any, follows as EndpointChanged. */
                k = take_registration(r, reply);
                if (k < 0)
                        return k;
        }

        *ret = r;
        r = NULL;
        return 0;
}

_public_ const char *ck_push_registry_get_token(CkPushRegistry *r) {
        return r ? r->token : NULL;
}

_public_ const char *ck_push_registry_get_endpoint(CkPushRegistry *r) {
        return r && r->endpoint && r->endpoint[0] ? r->endpoint : NULL;
}

_public_ int ck_push_registry_is_registered(CkPushRegistry *r) {
        assert_return(r, -EINVAL);
        return !!r->token;
}

_public_ CkError ck_push_registry_get_last_error(CkPushRegistry *r) {
        return r ? r->last_error : CK_ERROR_NONE;
}

static int registry_call(CkPushRegistry *r, const char *method, const char *types, ...) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        CkError e = CK_ERROR_NONE;
        va_list args;
        int k;

        if (!r->token)
                return -ENOTCONN;
        k = sd_bus_message_new_method_call(r->bus, &m, r->daemon, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, method);
        if (k < 0)
                return k;
        va_start(args, types);
        k = sd_bus_message_appendv(m, types, args);
        va_end(args);
        if (k < 0)
                return k;
        k = sd_bus_call(r->bus, m, 0, &error, &reply);
        if (k < 0)
                k = ck_map_bus_error(k, &error, &e);
        r->last_error = e;
        return k < 0 ? k : 0;
}

_public_ int ck_push_registry_set_foreground(CkPushRegistry *r, int foreground) {
        assert_return(r, -EINVAL);
        if (r->unregistered)
                return -ENOTCONN;
        r->foreground = foreground;
        return registry_call(r, "SetForeground", "sb", r->token, foreground ? 1 : 0);
}

_public_ int ck_push_registry_unregister(CkPushRegistry *r) {
        int k;

        assert_return(r, -EINVAL);
        if (r->unregistered)
                return -ENOTCONN;
        k = registry_call(r, "Unregister", "s", r->token);
        if (k < 0)
                return k;
        r->unregistered = true;
        drop_registration(r);
        return 0;
}

/* ---- reporting the call a push announced ------------------------------- */

static CkHandleType handle_type_from_string(const char *s) {
        static const CkHandleType types[] = {
                CK_HANDLE_TYPE_GENERIC, CK_HANDLE_TYPE_PHONE_NUMBER, CK_HANDLE_TYPE_EMAIL_ADDRESS,
        };

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq_ptr(s, ck_handle_type_to_string(types[i])))
                        return types[i];
        return CK_HANDLE_TYPE_GENERIC;
}

_public_ int ck_provider_report_push(CkProvider *p, const CkPushMetadata *metadata, char **ret_uuid) {
        _cleanup_(ck_call_update_unrefp) CkCallUpdate *u = NULL;
        char uuid[SD_ID128_UUID_STRING_MAX];
        int k;

        assert_return(p, -EINVAL);
        assert_return(metadata, -EINVAL);

        if (metadata->call_uuid && metadata->call_uuid[0])
                snprintf(uuid, sizeof(uuid), "%s", metadata->call_uuid);
        else {
                sd_id128_t id;

                k = sd_id128_randomize(&id);
                if (k < 0)
                        return k;
                sd_id128_to_uuid_string(id, uuid);
        }
        k = ck_call_update_new(&u);
        if (k < 0)
                return k;
        if (metadata->remote_handle_value) {
                k = ck_call_update_set_remote_handle(u, handle_type_from_string(metadata->remote_handle_type),
                                                     metadata->remote_handle_value);
                if (k < 0)
                        return k;
        }
        if (metadata->localized_caller_name) {
                k = ck_call_update_set_localized_caller_name(u, metadata->localized_caller_name);
                if (k < 0)
                        return k;
        }
        k = ck_provider_report_new_incoming_call(p, uuid, u);
        if (k < 0)
                return k;
        if (ret_uuid) {
                *ret_uuid = strdup(uuid);
                if (!*ret_uuid)
                        return -ENOMEM;
        }
        return 0;
}
