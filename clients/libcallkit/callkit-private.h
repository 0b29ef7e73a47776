/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "callkit.h"

#define CK_BUS_NAME "io.github.callkitd.CallKit1"
#define CK_ROOT_PATH "/io/github/callkitd/CallKit1"
#define CK_MANAGER_IFACE CK_BUS_NAME ".Manager"
#define CK_PROVIDER_IFACE CK_BUS_NAME ".Provider"
#define CK_CONTROLLER_IFACE CK_BUS_NAME ".CallController"
#define CK_PUSH_IFACE CK_BUS_NAME ".PushRegistry"
#define CK_ERROR_PREFIX CK_BUS_NAME ".Error."

#define _public_ __attribute__((visibility("default")))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define assert_return(expr, r)                  \
        do {                                    \
                if (!(expr))                    \
                        return (r);             \
        } while (false)

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

/* Replaces *p with a copy of s (NULL allowed). */
static inline int free_and_strdup(char **p, const char *s) {
        char *c = NULL;

        if (s) {
                c = strdup(s);
                if (!c)
                        return -ENOMEM;
        }
        free(*p);
        *p = c;
        return 0;
}

static inline void sd_bus_error_freep(sd_bus_error *e) {
        sd_bus_error_free(e);
}

/* Maps a failed sd_bus_call(): callkitd's errors to -EBADR with *ret_error
 * set, anything else to its errno. */
int ck_map_bus_error(int r, const sd_bus_error *error, CkError *ret_error);

const char *ck_handle_type_to_string(CkHandleType type);
CkActionType ck_action_type_from_string(const char *s);

/* CkCallUpdate: appends its set fields as a{sv}. */
int ck_call_update_append(const CkCallUpdate *u, sd_bus_message *m);

/* CkAction, owned by its provider while pending. */
int ck_action_new_from_message(CkProvider *p, sd_bus_message *m, CkAction **ret);
void ck_action_mark_stale(CkAction *a);
/* The provider is going away: the action keeps no pointer to it. */
void ck_action_detach(CkAction *a);
void ck_provider_set_last_error(CkProvider *p, CkError error);
const char *ck_provider_get_daemon(CkProvider *p);
void ck_provider_forget_action(CkProvider *p, CkAction *a);

static inline char *mfree_str(char *p) {
        free(p);
        return NULL;
}
