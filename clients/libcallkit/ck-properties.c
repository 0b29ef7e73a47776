/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

/* Each value is kept as a sealed message that holds one variant, so that
 * any property, of any type, reaches the app as callkitd sent it. */

void ck_property_set_clear(CkPropertySet *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->names[i]);
                sd_bus_message_unref(s->values[i]);
        }
        free(s->names);
        free(s->values);
        ck_strv_free(s->changed);
        *s = (CkPropertySet) {};
}

static ssize_t property_set_index(const CkPropertySet *s, const char *name) {
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->names[i], name) == 0)
                        return (ssize_t) i;
        return -1;
}

/* A new sealed message holding a copy of the variant at source's read
 * position; source moves past it. */
static int copy_variant(sd_bus *bus, sd_bus_message *source, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, NULL, "/", NULL, "Value");
        if (r < 0)
                return r;
        r = sd_bus_message_copy(m, source, false);
        if (r < 0)
                return r;
        r = sd_bus_message_seal(m, 1, 0);
        if (r < 0)
                return r;
        *ret = m;
        m = NULL;
        return 0;
}

static int property_set_put(CkPropertySet *s, const char *name, sd_bus_message *value) {
        ssize_t i = property_set_index(s, name);
        char **names;
        sd_bus_message **values;

        if (i >= 0) {
                sd_bus_message_unref(s->values[i]);
                s->values[i] = sd_bus_message_ref(value);
                return 0;
        }
        /* names stays NULL-terminated for ck_*_get_property_names(). */
        names = realloc(s->names, (s->n + 2) * sizeof(char *));
        if (!names)
                return -ENOMEM;
        s->names = names;
        values = realloc(s->values, (s->n + 1) * sizeof(sd_bus_message *));
        if (!values)
                return -ENOMEM;
        s->values = values;
        s->names[s->n] = strdup(name);
        if (!s->names[s->n]) {
                s->names[s->n] = NULL;
                return -ENOMEM;
        }
        s->values[s->n++] = sd_bus_message_ref(value);
        s->names[s->n] = NULL;
        return 0;
}

static int strv_push(char ***l, size_t *n, const char *s) {
        char **grown = realloc(*l, (*n + 2) * sizeof(char *));

        if (!grown)
                return -ENOMEM;
        *l = grown;
        grown[*n] = strdup(s);
        if (!grown[*n]) {
                grown[*n] = NULL;
                return -ENOMEM;
        }
        grown[++*n] = NULL;
        return 0;
}

int ck_property_set_update(CkPropertySet *s, sd_bus *bus, sd_bus_message *m,
                           CkPropertyParser parse, void *userdata) {
        char **changed = NULL;
        size_t n_changed = 0;
        int r;

        changed = calloc(1, sizeof(char *));
        if (!changed)
                return -ENOMEM;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                goto finish;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *value = NULL;
                const char *name;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        goto finish;
                r = copy_variant(bus, m, &value);
                if (r < 0)
                        goto finish;
                r = property_set_put(s, name, value);
                if (r < 0)
                        goto finish;
                r = strv_push(&changed, &n_changed, name);
                if (r < 0)
                        goto finish;
                if (parse) {
                        r = sd_bus_message_rewind(value, true);
                        if (r < 0)
                                goto finish;
                        r = parse(userdata, name, value);
                        if (r < 0)
                                goto finish;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto finish;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);

finish:
        if (r < 0) {
                ck_strv_free(changed);
                return r;
        }
        ck_strv_free(s->changed);
        s->changed = changed;
        return 0;
}

void ck_property_set_clear_changed(CkPropertySet *s) {
        s->changed = ck_strv_free(s->changed);
}

int ck_property_set_get(const CkPropertySet *s, const char *name, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *copy = NULL;
        ssize_t i;
        int r;

        assert_return(name, -EINVAL);
        assert_return(ret, -EINVAL);

        i = property_set_index(s, name);
        if (i < 0)
                return -ENODATA;
        /* A copy of its own: the app may read it at its own pace. */
        r = sd_bus_message_rewind(s->values[i], true);
        if (r < 0)
                return r;
        r = copy_variant(sd_bus_message_get_bus(s->values[i]), s->values[i], &copy);
        if (r < 0)
                return r;
        r = sd_bus_message_rewind(copy, true);
        if (r < 0)
                return r;
        *ret = copy;
        copy = NULL;
        return 0;
}

char **ck_property_set_names(const CkPropertySet *s) {
        static char *empty[] = { NULL };

        return s->names ?: empty;
}

char **ck_property_set_changed(const CkPropertySet *s) {
        static char *empty[] = { NULL };

        return s->changed ?: empty;
}

int ck_read_string_variant(sd_bus_message *value, const char *type, char **field) {
        const char *contents, *s;
        int r;

        r = sd_bus_message_peek_type(value, NULL, &contents);
        if (r < 0)
                return r;
        if (!streq_ptr(contents, type))
                return sd_bus_message_skip(value, "v");
        r = sd_bus_message_read(value, "v", type, &s);
        if (r < 0)
                return r;
        return free_and_strdup(field, s);
}

int ck_read_bool_variant(sd_bus_message *value, bool *field) {
        const char *contents;
        int b, r;

        r = sd_bus_message_peek_type(value, NULL, &contents);
        if (r < 0)
                return r;
        if (!streq_ptr(contents, "b"))
                return sd_bus_message_skip(value, "v");
        r = sd_bus_message_read(value, "v", "b", &b);
        if (r < 0)
                return r;
        *field = b;
        return 0;
}
