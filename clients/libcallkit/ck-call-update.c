/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

enum {
        FIELD_REMOTE_HANDLE       = 1 << 0,
        FIELD_CALLER_NAME         = 1 << 1,
        FIELD_SUPPORTS_HOLDING    = 1 << 2,
        FIELD_SUPPORTS_GROUPING   = 1 << 3,
        FIELD_SUPPORTS_UNGROUPING = 1 << 4,
        FIELD_SUPPORTS_DTMF       = 1 << 5,
        FIELD_HAS_VIDEO           = 1 << 6,
};

struct CkCallUpdate {
        unsigned n_ref;
        unsigned set;                   /* FIELD_* that were set: only these are sent */
        CkHandleType handle_type;
        char *handle_value;
        char *caller_name;
        bool supports_holding, supports_grouping, supports_ungrouping, supports_dtmf, has_video;
};

_public_ const char *ck_handle_type_to_string(CkHandleType type) {
        switch (type) {
        case CK_HANDLE_TYPE_GENERIC:
                return "generic";
        case CK_HANDLE_TYPE_PHONE_NUMBER:
                return "phone-number";
        case CK_HANDLE_TYPE_EMAIL_ADDRESS:
                return "email-address";
        }
        return NULL;
}

_public_ int ck_handle_type_from_string(const char *s) {
        static const CkHandleType types[] = {
                CK_HANDLE_TYPE_GENERIC, CK_HANDLE_TYPE_PHONE_NUMBER, CK_HANDLE_TYPE_EMAIL_ADDRESS,
        };

        for (size_t i = 0; s && i < ELEMENTSOF(types); i++)
                if (strcmp(s, ck_handle_type_to_string(types[i])) == 0)
                        return (int) types[i];
        return -EINVAL;
}

_public_ int ck_call_update_new(CkCallUpdate **ret) {
        CkCallUpdate *u;

        assert_return(ret, -EINVAL);

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->n_ref = 1;
        *ret = u;
        return 0;
}

_public_ CkCallUpdate *ck_call_update_ref(CkCallUpdate *u) {
        if (u)
                u->n_ref++;
        return u;
}

_public_ CkCallUpdate *ck_call_update_unref(CkCallUpdate *u) {
        if (!u || --u->n_ref > 0)
                return NULL;
        free(u->handle_value);
        free(u->caller_name);
        free(u);
        return NULL;
}

_public_ int ck_call_update_set_remote_handle(CkCallUpdate *u, CkHandleType type, const char *value) {
        int r;

        assert_return(u, -EINVAL);
        assert_return(ck_handle_type_to_string(type), -EINVAL);

        r = free_and_strdup(&u->handle_value, value ?: "");
        if (r < 0)
                return r;
        u->handle_type = type;
        u->set |= FIELD_REMOTE_HANDLE;
        return 0;
}

_public_ int ck_call_update_set_localized_caller_name(CkCallUpdate *u, const char *name) {
        int r;

        assert_return(u, -EINVAL);
        assert_return(name, -EINVAL);

        r = free_and_strdup(&u->caller_name, name);
        if (r < 0)
                return r;
        u->set |= FIELD_CALLER_NAME;
        return 0;
}

#define DEFINE_BOOL_SETTER(name, field, flag)                           \
        _public_ int ck_call_update_set_##name(CkCallUpdate *u, int b) { \
                assert_return(u, -EINVAL);                              \
                u->field = b != 0;                                      \
                u->set |= flag;                                         \
                return 0;                                               \
        }

DEFINE_BOOL_SETTER(supports_holding, supports_holding, FIELD_SUPPORTS_HOLDING)
DEFINE_BOOL_SETTER(supports_grouping, supports_grouping, FIELD_SUPPORTS_GROUPING)
DEFINE_BOOL_SETTER(supports_ungrouping, supports_ungrouping, FIELD_SUPPORTS_UNGROUPING)
DEFINE_BOOL_SETTER(supports_dtmf, supports_dtmf, FIELD_SUPPORTS_DTMF)
DEFINE_BOOL_SETTER(has_video, has_video, FIELD_HAS_VIDEO)

int ck_call_update_append(const CkCallUpdate *u, sd_bus_message *m) {
        static const struct {
                unsigned flag;
                const char *key;
                size_t offset;
        } bools[] = {
                { FIELD_SUPPORTS_HOLDING, "supports_holding", offsetof(CkCallUpdate, supports_holding) },
                { FIELD_SUPPORTS_GROUPING, "supports_grouping", offsetof(CkCallUpdate, supports_grouping) },
                { FIELD_SUPPORTS_UNGROUPING, "supports_ungrouping", offsetof(CkCallUpdate, supports_ungrouping) },
                { FIELD_SUPPORTS_DTMF, "supports_dtmf", offsetof(CkCallUpdate, supports_dtmf) },
                { FIELD_HAS_VIDEO, "has_video", offsetof(CkCallUpdate, has_video) },
        };
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        if (u && (u->set & FIELD_REMOTE_HANDLE)) {
                r = sd_bus_message_append(m, "{sv}", "remote_handle", "(ss)",
                                          ck_handle_type_to_string(u->handle_type), u->handle_value);
                if (r < 0)
                        return r;
        }
        if (u && (u->set & FIELD_CALLER_NAME)) {
                r = sd_bus_message_append(m, "{sv}", "localized_caller_name", "s", u->caller_name);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; u && i < ELEMENTSOF(bools); i++) {
                if (!(u->set & bools[i].flag))
                        continue;
                r = sd_bus_message_append(m, "{sv}", bools[i].key, "b",
                                          (int) *(const bool *) ((const uint8_t *) u + bools[i].offset));
                if (r < 0)
                        return r;
        }

        return sd_bus_message_close_container(m);
}
