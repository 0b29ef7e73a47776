/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

/* ---------------------------------------------------------------------- */
/* CkTransaction: the actions as the a{sv} dictionaries callkitd reads. */

typedef struct TransactionAction {
        CkActionType type;
        char *call;
        char *provider;         /* start-call: the provider's object path, or NULL */
        char *handle_type, *handle_value, *group_with, *digits, *dtmf_type;
        int flag;               /* video, on_hold or muted */
} TransactionAction;

struct CkTransaction {
        unsigned n_ref;
        TransactionAction *actions;
        size_t n_actions;
};

_public_ int ck_transaction_new(CkTransaction **ret) {
        CkTransaction *t;

        assert_return(ret, -EINVAL);
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->n_ref = 1;
        *ret = t;
        return 0;
}

_public_ CkTransaction *ck_transaction_ref(CkTransaction *t) {
        if (t)
                t->n_ref++;
        return t;
}

static void transaction_action_clear(TransactionAction *a) {
        free(a->call);
        free(a->provider);
        free(a->handle_type);
        free(a->handle_value);
        free(a->group_with);
        free(a->digits);
        free(a->dtmf_type);
}

_public_ CkTransaction *ck_transaction_unref(CkTransaction *t) {
        if (!t || --t->n_ref > 0)
                return NULL;
        for (size_t i = 0; i < t->n_actions; i++)
                transaction_action_clear(&t->actions[i]);
        free(t->actions);
        free(t);
        return NULL;
}

_public_ size_t ck_transaction_get_n_actions(CkTransaction *t) {
        return t ? t->n_actions : 0;
}

/* Appends an action; the strings are copied (NULL stays NULL). */
static int transaction_add(CkTransaction *t, CkActionType type, const char *uuid, int flag,
                           const char *handle_type, const char *handle_value,
                           const char *group_with, const char *digits, const char *dtmf_type) {
        TransactionAction a = { .type = type, .flag = flag != 0 }, *actions;
        int r = 0;

        assert_return(t, -EINVAL);
        assert_return(uuid && uuid[0], -EINVAL);

        if (free_and_strdup(&a.call, uuid) < 0 ||
            free_and_strdup(&a.handle_type, handle_type) < 0 ||
            free_and_strdup(&a.handle_value, handle_value) < 0 ||
            free_and_strdup(&a.group_with, group_with) < 0 ||
            free_and_strdup(&a.digits, digits) < 0 ||
            free_and_strdup(&a.dtmf_type, dtmf_type) < 0)
                r = -ENOMEM;
        if (r == 0) {
                actions = realloc(t->actions, (t->n_actions + 1) * sizeof(*actions));
                if (!actions)
                        r = -ENOMEM;
                else {
                        t->actions = actions;
                        t->actions[t->n_actions++] = a;
                        return 0;
                }
        }
        transaction_action_clear(&a);
        return r;
}

_public_ int ck_transaction_add_start_call(CkTransaction *t, const char *uuid, CkHandleType handle_type,
                                           const char *handle_value, int video) {
        const char *type = ck_handle_type_to_string(handle_type);

        assert_return(type, -EINVAL);
        return transaction_add(t, CK_ACTION_START_CALL, uuid, video, type, handle_value ?: "", NULL, NULL, NULL);
}

_public_ int ck_transaction_add_start_call_on_provider(CkTransaction *t, const char *uuid, const char *provider_path,
                                                       CkHandleType handle_type, const char *handle_value, int video) {
        int r;

        assert_return(t, -EINVAL);
        assert_return(provider_path && sd_bus_object_path_is_valid(provider_path), -EINVAL);

        r = ck_transaction_add_start_call(t, uuid, handle_type, handle_value, video);
        if (r < 0)
                return r;
        r = free_and_strdup(&t->actions[t->n_actions - 1].provider, provider_path);
        if (r < 0) {
                transaction_action_clear(&t->actions[--t->n_actions]);
                return r;
        }
        return 0;
}

_public_ int ck_transaction_add_answer_call(CkTransaction *t, const char *uuid) {
        return transaction_add(t, CK_ACTION_ANSWER_CALL, uuid, 0, NULL, NULL, NULL, NULL, NULL);
}

_public_ int ck_transaction_add_end_call(CkTransaction *t, const char *uuid) {
        return transaction_add(t, CK_ACTION_END_CALL, uuid, 0, NULL, NULL, NULL, NULL, NULL);
}

_public_ int ck_transaction_add_set_held(CkTransaction *t, const char *uuid, int on_hold) {
        return transaction_add(t, CK_ACTION_SET_HELD, uuid, on_hold, NULL, NULL, NULL, NULL, NULL);
}

_public_ int ck_transaction_add_set_muted(CkTransaction *t, const char *uuid, int muted) {
        return transaction_add(t, CK_ACTION_SET_MUTED, uuid, muted, NULL, NULL, NULL, NULL, NULL);
}

_public_ int ck_transaction_add_set_group(CkTransaction *t, const char *uuid, const char *group_with) {
        return transaction_add(t, CK_ACTION_SET_GROUP, uuid, 0, NULL, NULL, group_with ?: "", NULL, NULL);
}

_public_ int ck_transaction_add_play_dtmf(CkTransaction *t, const char *uuid, const char *digits,
                                          const char *dtmf_type) {
        assert_return(digits, -EINVAL);
        return transaction_add(t, CK_ACTION_PLAY_DTMF, uuid, 0, NULL, NULL, NULL, digits, dtmf_type);
}

static int append_action(sd_bus_message *m, const TransactionAction *a) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "{sv}{sv}", "type", "s", ck_action_type_to_string(a->type),
                                  "call", "s", a->call);
        if (r < 0)
                return r;
        switch (a->type) {
        case CK_ACTION_START_CALL:
                r = sd_bus_message_append(m, "{sv}{sv}", "handle", "(ss)", a->handle_type, a->handle_value,
                                          "video", "b", a->flag);
                if (r >= 0 && a->provider)
                        r = sd_bus_message_append(m, "{sv}", "provider", "o", a->provider);
                break;
        case CK_ACTION_SET_HELD:
                r = sd_bus_message_append(m, "{sv}", "on_hold", "b", a->flag);
                break;
        case CK_ACTION_SET_MUTED:
                r = sd_bus_message_append(m, "{sv}", "muted", "b", a->flag);
                break;
        case CK_ACTION_SET_GROUP:
                r = sd_bus_message_append(m, "{sv}", "group_with", "s", a->group_with);
                break;
        case CK_ACTION_PLAY_DTMF:
                r = sd_bus_message_append(m, "{sv}", "digits", "s", a->digits);
                if (r >= 0 && a->dtmf_type)
                        r = sd_bus_message_append(m, "{sv}", "dtmf_type", "s", a->dtmf_type);
                break;
        default:
                break;
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

/* ---------------------------------------------------------------------- */
/* CkCallController */

typedef struct PendingTransaction {
        char *id;
        CkTransactionCompletion completion;
        void *userdata;
} PendingTransaction;

struct CkCallController {
        unsigned n_ref;
        sd_bus *bus;
        sd_bus_slot *completed_slot;
        PendingTransaction *pending;
        size_t n_pending;
        CkError last_error;
        sd_bus_error last_bus_error;
};

static const char *outcome_string(const char *s) {
        return s ?: "";
}

/* Reads the aa{sv} outcomes of TransactionCompleted. The strings point
 * into the message. */
static int read_outcomes(sd_bus_message *m, CkActionOutcome **ret, size_t *ret_n) {
        CkActionOutcome *outcomes = NULL, *o;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "a{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) > 0) {
                o = realloc(outcomes, (n + 1) * sizeof(*o));
                if (!o) {
                        r = -ENOMEM;
                        break;
                }
                outcomes = o;
                o = &outcomes[n++];
                *o = (CkActionOutcome) {};
                while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                        const char *key, *contents, *value = NULL;

                        r = sd_bus_message_read(m, "s", &key);
                        if (r < 0)
                                break;
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                        if (r < 0)
                                break;
                        if (streq_ptr(contents, "s"))
                                r = sd_bus_message_read(m, "v", "s", &value);
                        else
                                r = sd_bus_message_skip(m, "v");
                        if (r < 0)
                                break;
                        if (value && strcmp(key, "action") == 0)
                                o->action = value;
                        else if (value && strcmp(key, "type") == 0)
                                o->type = ck_action_type_from_string(value);
                        else if (value && strcmp(key, "call") == 0)
                                o->call = value;
                        else if (value && strcmp(key, "reason") == 0)
                                o->reason = value;
                        else if (value && strcmp(key, "result") == 0)
                                o->result = strcmp(value, "fulfilled") == 0 ? CK_ACTION_RESULT_FULFILLED :
                                            strcmp(value, "timed-out") == 0 ? CK_ACTION_RESULT_TIMED_OUT :
                                                                              CK_ACTION_RESULT_FAILED;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                break;
                }
                if (r < 0)
                        break;
                o->action = outcome_string(o->action);
                o->call = outcome_string(o->call);
                o->reason = outcome_string(o->reason);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                free(outcomes);
                return r;
        }
        *ret = outcomes;
        *ret_n = n;
        return 0;
}

static int on_transaction_completed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_call_controller_unrefp) CkCallController *c = ck_call_controller_ref(userdata);
        _cleanup_(freep) CkActionOutcome *outcomes = NULL;
        PendingTransaction pending;
        const char *id;
        size_t n = 0, i;

        if (sd_bus_message_read(m, "s", &id) < 0)
                return 0;
        for (i = 0; i < c->n_pending; i++)
                if (strcmp(c->pending[i].id, id) == 0)
                        break;
        if (i == c->n_pending)
                return 0;
        pending = c->pending[i];
        c->pending[i] = c->pending[--c->n_pending];

        if (read_outcomes(m, &outcomes, &n) >= 0 && pending.completion)
                pending.completion(c, id, outcomes, n, pending.userdata);
        free(pending.id);
        return 0;
}

_public_ int ck_call_controller_new(sd_bus *bus, CkCallController **ret) {
        _cleanup_(ck_call_controller_unrefp) CkCallController *c = NULL;
        int r;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->n_ref = 1;
        c->bus = sd_bus_ref(bus);

        /* Sent to the requester only; the id ties it to our request. */
        r = sd_bus_add_match(bus, &c->completed_slot,
                             "type='signal',interface='" CKD_CALL_CONTROLLER_INTERFACE "',"
                             "member='TransactionCompleted',path='" CKD_OBJECT_ROOT "'",
                             on_transaction_completed, c);
        if (r < 0)
                return r;

        *ret = c;
        c = NULL;
        return 0;
}

_public_ CkCallController *ck_call_controller_ref(CkCallController *c) {
        if (c)
                c->n_ref++;
        return c;
}

_public_ CkCallController *ck_call_controller_unref(CkCallController *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        sd_bus_slot_unref(c->completed_slot);
        for (size_t i = 0; i < c->n_pending; i++)
                free(c->pending[i].id);
        free(c->pending);
        sd_bus_error_free(&c->last_bus_error);
        sd_bus_unref(c->bus);
        free(c);
        return NULL;
}

_public_ CkError ck_call_controller_get_last_error(CkCallController *c) {
        return c ? c->last_error : CK_ERROR_NONE;
}

_public_ const sd_bus_error *ck_call_controller_get_last_bus_error(CkCallController *c) {
        return c && sd_bus_error_is_set(&c->last_bus_error) ? &c->last_bus_error : NULL;
}

/* Keeps the outcome of a call for ck_call_controller_get_last_error() and
 * ck_call_controller_get_last_bus_error(); returns r, mapped. */
static int controller_remember(CkCallController *c, int r, sd_bus_error *error) {
        CkError e = CK_ERROR_NONE;

        sd_bus_error_free(&c->last_bus_error);
        if (r >= 0) {
                c->last_error = CK_ERROR_NONE;
                return r;
        }
        r = ck_map_bus_error(r, error, &e);
        c->last_error = e;
        if (sd_bus_error_is_set(error))
                sd_bus_error_move(&c->last_bus_error, error);
        return r;
}

_public_ int ck_call_controller_reset_provider(CkCallController *c, const char *provider_path) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        assert_return(c, -EINVAL);
        assert_return(provider_path && sd_bus_object_path_is_valid(provider_path), -EINVAL);

        r = sd_bus_call_method(c->bus, CKD_BUS_NAME, provider_path, CKD_PROVIDER_INTERFACE, "Reset",
                               &error, NULL, NULL);
        return controller_remember(c, r, &error);
}

_public_ int ck_call_controller_silence_ringing(CkCallController *c, unsigned *ret_silenced) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t n;
        int r;

        assert_return(c, -EINVAL);

        r = sd_bus_call_method(c->bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE, "SilenceRinging",
                               &error, &reply, NULL);
        r = controller_remember(c, r, &error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "u", &n);
        if (r < 0)
                return r;
        if (ret_silenced)
                *ret_silenced = n;
        return 0;
}

_public_ int ck_call_controller_request_transaction(CkCallController *c, CkTransaction *t,
                                                    CkTransactionCompletion completion, void *userdata,
                                                    char **ret_transaction) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(freep) char *id_copy = NULL, *ret_copy = NULL;
        PendingTransaction *pending;
        const char *id;
        int r;

        assert_return(c, -EINVAL);
        assert_return(t, -EINVAL);

        r = sd_bus_message_new_method_call(c->bus, &m, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_CALL_CONTROLLER_INTERFACE,
                                           "RequestTransaction");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "a{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->n_actions; i++) {
                r = append_action(m, &t->actions[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;

        /* TransactionCompleted cannot be dispatched before this returns:
         * sd_bus_call() queues what arrives meanwhile. */
        r = controller_remember(c, sd_bus_call(c->bus, m, 0, &error, &reply), &error);
        if (r < 0)
                return r;

        r = sd_bus_message_read(reply, "s", &id);
        if (r < 0)
                return r;
        id_copy = strdup(id);
        if (!id_copy)
                return -ENOMEM;
        if (ret_transaction) {
                ret_copy = strdup(id);
                if (!ret_copy)
                        return -ENOMEM;
        }
        pending = realloc(c->pending, (c->n_pending + 1) * sizeof(*pending));
        if (!pending)
                return -ENOMEM;
        c->pending = pending;
        c->pending[c->n_pending++] = (PendingTransaction) {
                .id = id_copy,
                .completion = completion,
                .userdata = userdata,
        };
        id_copy = NULL;
        if (ret_transaction) {
                *ret_transaction = ret_copy;
                ret_copy = NULL;
        }
        return 0;
}
