/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

struct CkAction {
        unsigned n_ref;
        CkProvider *provider;   /* weak: the provider forgets its actions before it goes */
        bool complete;          /* answered by us */
        bool stale;             /* timed out, or dropped by a reset */

        char *id;
        CkActionType type;
        char *call;
        char *transaction;
        uint64_t deadline;
        bool on_hold, muted, video, has_handle;
        char *handle_type, *handle_value;
        char *contact_identifier;
        char *group_with;
        char *digits, *dtmf_type;
        char *end_reason;
};

static const char *const action_types[_CK_ACTION_TYPE_MAX] = {
        [CK_ACTION_START_CALL] = "start-call",
        [CK_ACTION_ANSWER_CALL] = "answer-call",
        [CK_ACTION_END_CALL] = "end-call",
        [CK_ACTION_SET_HELD] = "set-held",
        [CK_ACTION_SET_MUTED] = "set-muted",
        [CK_ACTION_SET_GROUP] = "set-group",
        [CK_ACTION_PLAY_DTMF] = "play-dtmf",
};

_public_ const char *ck_action_type_to_string(CkActionType type) {
        if ((unsigned) type >= _CK_ACTION_TYPE_MAX)
                return NULL;
        return action_types[type];
}

CkActionType ck_action_type_from_string(const char *s) {
        for (size_t i = 1; i < ELEMENTSOF(action_types); i++)
                if (streq_ptr(action_types[i], s))
                        return (CkActionType) i;
        return CK_ACTION_UNKNOWN;
}

static CkAction *action_free(CkAction *a) {
        free(a->id);
        free(a->call);
        free(a->transaction);
        free(a->handle_type);
        free(a->handle_value);
        free(a->contact_identifier);
        free(a->group_with);
        free(a->digits);
        free(a->dtmf_type);
        free(a->end_reason);
        free(a);
        return NULL;
}

_public_ CkAction *ck_action_ref(CkAction *a) {
        if (a)
                a->n_ref++;
        return a;
}

_public_ CkAction *ck_action_unref(CkAction *a) {
        if (!a || --a->n_ref > 0)
                return NULL;
        return action_free(a);
}

/* Reads the value of one a{sv} entry into the field of its key; values of
 * unknown keys, or of an unexpected type, are skipped. */
static int read_parameter(CkAction *a, sd_bus_message *m, const char *key) {
        static const struct {
                const char *key;
                char type;
                size_t offset;
        } table[] = {
                { "transaction", 's', offsetof(CkAction, transaction) },
                { "deadline", 'x', offsetof(CkAction, deadline) },
                { "on_hold", 'b', offsetof(CkAction, on_hold) },
                { "muted", 'b', offsetof(CkAction, muted) },
                { "video", 'b', offsetof(CkAction, video) },
                { "contact_identifier", 's', offsetof(CkAction, contact_identifier) },
                { "group_with", 's', offsetof(CkAction, group_with) },
                { "digits", 's', offsetof(CkAction, digits) },
                { "dtmf_type", 's', offsetof(CkAction, dtmf_type) },
                { "reason", 's', offsetof(CkAction, end_reason) },
        };
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;

        if (strcmp(key, "handle") == 0 && streq_ptr(contents, "(ss)")) {
                const char *t, *v;

                r = sd_bus_message_read(m, "v", "(ss)", &t, &v);
                if (r < 0)
                        return r;
                a->has_handle = true;
                r = free_and_strdup(&a->handle_type, t);
                if (r < 0)
                        return r;
                return free_and_strdup(&a->handle_value, v);
        }

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                void *field = (uint8_t *) a + table[i].offset;
                char sig[2] = { table[i].type, 0 };

                if (strcmp(key, table[i].key) != 0 || !streq_ptr(contents, sig))
                        continue;

                switch (table[i].type) {
                case 's': {
                        const char *s;

                        r = sd_bus_message_read(m, "v", "s", &s);
                        if (r < 0)
                                return r;
                        return free_and_strdup(field, s);
                }
                case 'b': {
                        int b;

                        r = sd_bus_message_read(m, "v", "b", &b);
                        if (r < 0)
                                return r;
                        *(bool *) field = b;
                        return 0;
                }
                case 'x': {
                        int64_t x;

                        r = sd_bus_message_read(m, "v", "x", &x);
                        if (r < 0)
                                return r;
                        *(uint64_t *) field = x > 0 ? (uint64_t) x : 0;
                        return 0;
                }
                }
        }

        return sd_bus_message_skip(m, "v");
}

int ck_action_new_from_message(CkProvider *p, sd_bus_message *m, CkAction **ret) {
        _cleanup_(ck_action_unrefp) CkAction *a = NULL;
        const char *id, *type, *call;
        int r;

        r = sd_bus_message_read(m, "sss", &id, &type, &call);
        if (r < 0)
                return r;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->n_ref = 1;
        a->provider = p;
        a->type = ck_action_type_from_string(type);
        a->id = strdup(id);
        a->call = strdup(call);
        if (!a->id || !a->call)
                return -ENOMEM;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = read_parameter(a, m, key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        *ret = a;
        a = NULL;
        return 0;
}

void ck_action_mark_stale(CkAction *a) {
        a->stale = true;
}

_public_ const char *ck_action_get_id(CkAction *a) {
        return a ? a->id : NULL;
}

_public_ CkActionType ck_action_get_type(CkAction *a) {
        return a ? a->type : CK_ACTION_UNKNOWN;
}

_public_ const char *ck_action_get_call_uuid(CkAction *a) {
        return a ? a->call : NULL;
}

_public_ const char *ck_action_get_transaction(CkAction *a) {
        return a ? a->transaction : NULL;
}

_public_ uint64_t ck_action_get_deadline(CkAction *a) {
        return a ? a->deadline : 0;
}

_public_ CkProvider *ck_action_get_provider(CkAction *a) {
        return a ? a->provider : NULL;
}

_public_ int ck_action_get_on_hold(CkAction *a) {
        return a && a->on_hold;
}

_public_ int ck_action_get_muted(CkAction *a) {
        return a && a->muted;
}

_public_ int ck_action_get_video(CkAction *a) {
        return a && a->video;
}

_public_ int ck_action_get_handle(CkAction *a, const char **ret_type, const char **ret_value) {
        assert_return(a, -EINVAL);

        if (!a->has_handle)
                return -ENODATA;
        if (ret_type)
                *ret_type = a->handle_type;
        if (ret_value)
                *ret_value = a->handle_value;
        return 0;
}

_public_ const char *ck_action_get_contact_identifier(CkAction *a) {
        return a ? a->contact_identifier : NULL;
}

_public_ const char *ck_action_get_group_with(CkAction *a) {
        return a ? a->group_with : NULL;
}

_public_ const char *ck_action_get_digits(CkAction *a) {
        return a ? a->digits : NULL;
}

_public_ const char *ck_action_get_dtmf_type(CkAction *a) {
        return a ? a->dtmf_type : NULL;
}

_public_ const char *ck_action_get_end_reason(CkAction *a) {
        return a ? a->end_reason : NULL;
}

_public_ int ck_action_is_complete(CkAction *a) {
        return !a || a->complete || a->stale;
}

/* Sends FulfillAction or FailAction to the daemon the action came from. */
static int action_answer(CkAction *a, const char *method, bool with_date, uint64_t date, const char *reason) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        CkProvider *p;
        CkError e = CK_ERROR_NONE;
        int r;

        assert_return(a, -EINVAL);
        if (a->complete)
                return -EALREADY;
        p = a->provider;
        if (a->stale || !p || !ck_provider_get_object_path(p))
                return -ESTALE;

        r = sd_bus_message_new_method_call(ck_provider_get_bus(p), &m, ck_provider_get_daemon(p),
                                           ck_provider_get_object_path(p), CKD_PROVIDER_INTERFACE, method);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", a->id);
        if (r < 0)
                return r;
        if (reason)
                r = sd_bus_message_append(m, "s", reason);
        else if (with_date)
                r = sd_bus_message_append(m, "a{sv}", 1, "date", "x", (int64_t) date);
        else
                r = sd_bus_message_append(m, "a{sv}", 0);
        if (r < 0)
                return r;

        r = sd_bus_call(NULL, m, 0, &error, &reply);
        if (r < 0) {
                r = ck_map_bus_error(r, &error, &e);
                ck_provider_set_last_error(p, e);
                /* callkitd no longer knows it: it timed out or was dropped. */
                if (e == CK_ERROR_UNKNOWN_ACTION) {
                        a->stale = true;
                        ck_provider_forget_action(p, a);
                }
                return r;
        }

        ck_provider_set_last_error(p, CK_ERROR_NONE);
        a->complete = true;
        ck_provider_forget_action(p, a);
        return 0;
}

_public_ int ck_action_fulfill(CkAction *a) {
        return action_answer(a, "FulfillAction", false, 0, NULL);
}

_public_ int ck_action_fulfill_with_date(CkAction *a, uint64_t date) {
        return action_answer(a, "FulfillAction", true, date, NULL);
}

_public_ int ck_action_fail(CkAction *a, const char *reason) {
        return action_answer(a, "FailAction", false, 0, reason ?: "");
}

void ck_action_detach(CkAction *a) {
        a->stale = true;
        a->provider = NULL;
}
