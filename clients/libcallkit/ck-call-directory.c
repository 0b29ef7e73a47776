/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <unistd.h>

#include "callkit-private.h"

/* CkCallDirectory: the CallDirectory interface, one blocking call a
 * method. */

/* A replace reads and stores up to millions of numbers: callkitd's own
 * read timeout ([Directory] read-timeout-seconds, at most an hour) bounds
 * it, not sd-bus's default of 25 seconds. */
#define REPLACE_TIMEOUT_USEC (UINT64_C(3600) * 1000000 + 60 * 1000000)

struct CkCallDirectory {
        unsigned n_ref;
        sd_bus *bus;
        CkError last_error;
        sd_bus_error last_bus_error;
};

_public_ int ck_call_directory_new(sd_bus *bus, CkCallDirectory **ret) {
        CkCallDirectory *d;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->n_ref = 1;
        d->bus = sd_bus_ref(bus);
        *ret = d;
        return 0;
}

_public_ CkCallDirectory *ck_call_directory_ref(CkCallDirectory *d) {
        if (d)
                d->n_ref++;
        return d;
}

_public_ CkCallDirectory *ck_call_directory_unref(CkCallDirectory *d) {
        if (!d || --d->n_ref > 0)
                return NULL;
        sd_bus_unref(d->bus);
        sd_bus_error_free(&d->last_bus_error);
        free(d);
        return NULL;
}

_public_ CkError ck_call_directory_get_last_error(CkCallDirectory *d) {
        return d ? d->last_error : CK_ERROR_NONE;
}

_public_ const sd_bus_error *ck_call_directory_get_last_bus_error(CkCallDirectory *d) {
        return d && sd_bus_error_is_set(&d->last_bus_error) ? &d->last_bus_error : NULL;
}

static int call(CkCallDirectory *d, sd_bus_message *m, uint64_t usec, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        CkError e = CK_ERROR_NONE;
        int r = sd_bus_call(d->bus, m, usec, &error, ret_reply);

        sd_bus_error_free(&d->last_bus_error);
        d->last_error = CK_ERROR_NONE;
        if (r >= 0)
                return 0;
        r = ck_map_bus_error(r, &error, &e);
        d->last_error = e;
        if (sd_bus_error_is_set(&error))
                sd_bus_error_move(&d->last_bus_error, &error);
        return r;
}

static int new_call(CkCallDirectory *d, const char *method, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(d->bus, ret, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                              CKD_CALL_DIRECTORY_INTERFACE, method);
}

static int append_options(sd_bus_message *m, const CkCallDirectoryOptions *o) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");

        if (r >= 0 && o && o->app_id && o->app_id[0])
                r = sd_bus_message_append(m, "{sv}", "app_id", "s", o->app_id);
        if (r >= 0 && o && o->default_region && o->default_region[0])
                r = sd_bus_message_append(m, "{sv}", "default_region", "s", o->default_region);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static const char *kind_name(CkCallDirectoryKind kind) {
        switch (kind) {
        case CK_CALL_DIRECTORY_BLOCKING:
                return "blocking";
        case CK_CALL_DIRECTORY_IDENTIFICATION:
                return "identification";
        }
        return NULL;
}

_public_ int ck_call_directory_replace_from_fd(CkCallDirectory *d, CkCallDirectoryKind kind,
                                               int fd, const CkCallDirectoryOptions *options,
                                               unsigned *ret_count) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        uint32_t count;
        int r;

        assert_return(d, -EINVAL);
        assert_return(kind_name(kind), -EINVAL);
        assert_return(fd >= 0, -EBADF);
        r = new_call(d, kind == CK_CALL_DIRECTORY_BLOCKING ? "ReplaceBlockingEntries"
                                                           : "ReplaceIdentificationEntries", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "h", fd);
        if (r >= 0)
                r = append_options(m, options);
        if (r >= 0)
                r = call(d, m, REPLACE_TIMEOUT_USEC, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &count);
        if (r < 0)
                return r;
        if (ret_count)
                *ret_count = count;
        return 0;
}

_public_ int ck_call_directory_replace_from_path(CkCallDirectory *d, CkCallDirectoryKind kind,
                                                 const char *path,
                                                 const CkCallDirectoryOptions *options,
                                                 unsigned *ret_count) {
        int fd, r;

        assert_return(d, -EINVAL);
        assert_return(path, -EINVAL);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        r = ck_call_directory_replace_from_fd(d, kind, fd, options, ret_count);
        close(fd);
        return r;
}

static int change_numbers(CkCallDirectory *d, const char *method, const char *const *numbers,
                          const CkCallDirectoryOptions *options) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(d, -EINVAL);
        assert_return(numbers, -EINVAL);
        r = new_call(d, method, &m);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) numbers);
        if (r >= 0)
                r = append_options(m, options);
        if (r >= 0)
                r = call(d, m, REPLACE_TIMEOUT_USEC, NULL);
        return r;
}

_public_ int ck_call_directory_add_blocking(CkCallDirectory *d, const char *const *numbers,
                                            const CkCallDirectoryOptions *options) {
        return change_numbers(d, "AddBlockingEntries", numbers, options);
}

_public_ int ck_call_directory_remove_blocking(CkCallDirectory *d, const char *const *numbers,
                                               const CkCallDirectoryOptions *options) {
        return change_numbers(d, "RemoveBlockingEntries", numbers, options);
}

_public_ int ck_call_directory_remove_identification(CkCallDirectory *d,
                                                     const char *const *numbers,
                                                     const CkCallDirectoryOptions *options) {
        return change_numbers(d, "RemoveIdentificationEntries", numbers, options);
}

_public_ int ck_call_directory_add_identification(CkCallDirectory *d, const char *const *numbers,
                                                  const char *const *labels,
                                                  const CkCallDirectoryOptions *options) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(d, -EINVAL);
        assert_return(numbers, -EINVAL);
        assert_return(labels, -EINVAL);
        r = new_call(d, "AddIdentificationEntries", &m);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && numbers[i]; i++) {
                if (!labels[i])
                        return -EINVAL;
                r = sd_bus_message_append(m, "(ss)", numbers[i], labels[i]);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = append_options(m, options);
        if (r >= 0)
                r = call(d, m, REPLACE_TIMEOUT_USEC, NULL);
        return r;
}

_public_ int ck_call_directory_remove_all(CkCallDirectory *d, CkCallDirectoryKind kind,
                                          const CkCallDirectoryOptions *options) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(d, -EINVAL);
        assert_return(kind_name(kind), -EINVAL);
        r = new_call(d, "RemoveAllEntries", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", kind_name(kind));
        if (r >= 0)
                r = append_options(m, options);
        if (r >= 0)
                r = call(d, m, REPLACE_TIMEOUT_USEC, NULL);
        return r;
}

_public_ void ck_call_directory_match_clear(CkCallDirectoryMatch *m) {
        if (!m)
                return;
        for (char **s = m->blocked_by; s && *s; s++)
                free(*s);
        free(m->blocked_by);
        free(m->label);
        free(m->label_app);
        free(m->number);
        *m = (CkCallDirectoryMatch) {};
}

/* One value of an a{sv} into a string field, or skipped. */
static int read_string(sd_bus_message *m, char **field) {
        const char *contents, *s;
        int r = sd_bus_message_peek_type(m, NULL, &contents);

        if (r < 0)
                return r;
        if (!streq_ptr(contents, "s"))
                return sd_bus_message_skip(m, "v");
        r = sd_bus_message_read(m, "v", "s", &s);
        return r < 0 ? r : free_and_strdup(field, s);
}

_public_ int ck_call_directory_lookup(CkCallDirectory *d, const char *handle_type,
                                      const char *handle, CkCallDirectoryMatch *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        CkCallDirectoryMatch match = {};
        int r;

        assert_return(d, -EINVAL);
        assert_return(handle_type, -EINVAL);
        assert_return(handle, -EINVAL);
        assert_return(ret, -EINVAL);
        r = new_call(d, "Lookup", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", handle_type, handle);
        if (r >= 0)
                r = call(d, m, 0, &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *contents = NULL;

                r = sd_bus_message_read(reply, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        break;
                if (strcmp(key, "blocked") == 0 && streq_ptr(contents, "b")) {
                        int b;
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        match.blocked = b != 0;
                } else if (strcmp(key, "blocked_by") == 0 && streq_ptr(contents, "as")) {
                        r = sd_bus_message_enter_container(reply, 'v', "as");
                        if (r >= 0)
                                r = sd_bus_message_read_strv(reply, &match.blocked_by);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else if (strcmp(key, "label") == 0)
                        r = read_string(reply, &match.label);
                else if (strcmp(key, "label_app") == 0)
                        r = read_string(reply, &match.label_app);
                else if (strcmp(key, "number") == 0)
                        r = read_string(reply, &match.number);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        /* Every field set, so that callers need no NULL checks. */
        if (r >= 0 && !match.blocked_by && !(match.blocked_by = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r >= 0 && !match.label)
                r = free_and_strdup(&match.label, "");
        if (r >= 0 && !match.label_app)
                r = free_and_strdup(&match.label_app, "");
        if (r >= 0 && !match.number)
                r = free_and_strdup(&match.number, "");
        if (r < 0) {
                ck_call_directory_match_clear(&match);
                return r;
        }
        *ret = match;
        return 0;
}

_public_ void ck_call_directory_lists_free(CkCallDirectoryList *lists, size_t n_lists) {
        for (size_t i = 0; lists && i < n_lists; i++) {
                free(lists[i].app_id);
                free(lists[i].kind);
                free(lists[i].state);
        }
        free(lists);
}

static int read_list(sd_bus_message *m, CkCallDirectoryList *l) {
        int r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (strcmp(key, "app_id") == 0)
                        r = read_string(m, &l->app_id);
                else if (strcmp(key, "kind") == 0)
                        r = read_string(m, &l->kind);
                else if (strcmp(key, "state") == 0)
                        r = read_string(m, &l->state);
                else if (strcmp(key, "count") == 0 && streq_ptr(contents, "u"))
                        r = sd_bus_message_read(m, "v", "u", &l->count);
                else if (strcmp(key, "generation") == 0 && streq_ptr(contents, "t"))
                        r = sd_bus_message_read(m, "v", "t", &l->generation);
                else if (strcmp(key, "updated_at") == 0 && streq_ptr(contents, "x"))
                        r = sd_bus_message_read(m, "v", "x", &l->updated_at);
                else if (strcmp(key, "blocked_calls") == 0 && streq_ptr(contents, "t"))
                        r = sd_bus_message_read(m, "v", "t", &l->blocked_calls);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (!l->app_id && (r = free_and_strdup(&l->app_id, "")) < 0)
                return r;
        if (!l->kind && (r = free_and_strdup(&l->kind, "")) < 0)
                return r;
        if (!l->state && (r = free_and_strdup(&l->state, "")) < 0)
                return r;
        return 0;
}

_public_ int ck_call_directory_get_lists(CkCallDirectory *d, CkCallDirectoryList **ret_lists,
                                         size_t *ret_n_lists) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        CkCallDirectoryList *lists = NULL, *more;
        size_t n = 0;
        int r;

        assert_return(d, -EINVAL);
        assert_return(ret_lists, -EINVAL);
        r = sd_bus_message_new_method_call(d->bus, &m, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                           "org.freedesktop.DBus.Properties", "Get");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", CKD_CALL_DIRECTORY_INTERFACE, "Lists");
        if (r >= 0)
                r = call(d, m, 0, &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'v', "aa{sv}");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'a', "{sv}")) > 0) {
                more = realloc(lists, (n + 1) * sizeof(*lists));
                if (!more) {
                        r = -ENOMEM;
                        break;
                }
                lists = more;
                lists[n] = (CkCallDirectoryList) {};
                n++;
                r = read_list(reply, &lists[n - 1]);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0) {
                ck_call_directory_lists_free(lists, n);
                return r;
        }
        *ret_lists = lists;
        if (ret_n_lists)
                *ret_n_lists = n;
        return 0;
}

_public_ void ck_call_directory_strv_free(char **strv) {
        for (char **s = strv; s && *s; s++)
                free(*s);
        free(strv);
}

_public_ int ck_call_directory_get_entries(CkCallDirectory *d, CkCallDirectoryKind kind,
                                           const CkCallDirectoryOptions *options,
                                           unsigned offset, unsigned limit, char ***ret_numbers,
                                           char ***ret_labels) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        char **numbers = NULL, **labels = NULL;
        size_t n = 0;
        int r;

        assert_return(d, -EINVAL);
        assert_return(kind_name(kind), -EINVAL);
        assert_return(ret_numbers, -EINVAL);
        r = new_call(d, "GetEntries", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", kind_name(kind));
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && options && options->app_id && options->app_id[0])
                r = sd_bus_message_append(m, "{sv}", "app_id", "s", options->app_id);
        if (r >= 0 && offset > 0)
                r = sd_bus_message_append(m, "{sv}", "offset", "u", (uint32_t) offset);
        if (r >= 0 && limit > 0)
                r = sd_bus_message_append(m, "{sv}", "limit", "u", (uint32_t) limit);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = call(d, m, 0, &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        numbers = calloc(1, sizeof(char *));
        labels = calloc(1, sizeof(char *));
        if (!numbers || !labels)
                r = -ENOMEM;
        while (r >= 0) {
                const char *number, *label;
                char **more;

                r = sd_bus_message_read(reply, "(ss)", &number, &label);
                if (r <= 0)
                        break;
                if ((more = realloc(numbers, (n + 2) * sizeof(char *))))
                        numbers = more;
                if (more && (more = realloc(labels, (n + 2) * sizeof(char *))))
                        labels = more;
                if (!more) {
                        r = -ENOMEM;
                        break;
                }
                numbers[n] = strdup(number);
                labels[n] = strdup(label);
                numbers[n + 1] = labels[n + 1] = NULL;
                if (!numbers[n] || !labels[n]) {
                        n++;
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0) {
                ck_call_directory_strv_free(numbers);
                ck_call_directory_strv_free(labels);
                return r;
        }
        *ret_numbers = numbers;
        if (ret_labels)
                *ret_labels = labels;
        else
                ck_call_directory_strv_free(labels);
        return 0;
}
