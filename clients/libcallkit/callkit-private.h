/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "callkit.h"
#include "callkit-names.h"


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

static inline char **ck_strv_free(char **l) {
        if (l)
                for (size_t i = 0; l[i]; i++)
                        free(l[i]);
        free(l);
        return NULL;
}

/* The last known properties of one object on callkitd's bus, in the order
 * they were first seen, and the names the last update set. */
typedef struct CkPropertySet {
        char **names;                   /* NULL-terminated */
        sd_bus_message **values;        /* sealed, each one variant */
        size_t n;
        char **changed;                 /* NULL-terminated, or NULL */
} CkPropertySet;

/* Called for each property read, value positioned at its variant. */
typedef int (*CkPropertyParser)(void *userdata, const char *name, sd_bus_message *value);

void ck_property_set_clear(CkPropertySet *s);
/* Reads an a{sv}; the names read become the changed ones. */
int ck_property_set_update(CkPropertySet *s, sd_bus *bus, sd_bus_message *m,
                           CkPropertyParser parse, void *userdata);
void ck_property_set_clear_changed(CkPropertySet *s);
int ck_property_set_get(const CkPropertySet *s, const char *name, sd_bus_message **ret);
char **ck_property_set_names(const CkPropertySet *s);
char **ck_property_set_changed(const CkPropertySet *s);
/* Read a variant of the given type into a field; a variant of another
 * type is skipped and the field stays as it was. */
int ck_read_string_variant(sd_bus_message *value, const char *type, char **field);
int ck_read_bool_variant(sd_bus_message *value, bool *field);
