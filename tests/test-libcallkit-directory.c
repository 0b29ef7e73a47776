/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcallkit's CkCallDirectory, one call a run, driven by
 * tests/test_libcallkit_directory.py. argv: COMMAND [APP_ID|-] ARGS...;
 * prints "ok" and what the call returned, one line each, or
 * "error ERRNO CKERROR" and exits 1.
 *
 *   replace-path KIND APP PATH      → ok COUNT
 *   replace-stdin KIND APP          → ok COUNT (the fd is stdin)
 *   add-blocking APP NUMBER...      remove-blocking APP NUMBER...
 *   add-identification APP NUMBER LABEL [NUMBER LABEL...]
 *   remove-identification APP NUMBER...
 *   remove-all KIND APP
 *   lookup NUMBER                   → ok BLOCKED BLOCKED_BY,... LABEL|- LABEL_APP|- NUMBER
 *   entries KIND APP                → ok N, then NUMBER LABEL|- a line
 *   lists                           → ok N, then APP|- KIND COUNT GENERATION STATE a line
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callkit.h"

static const char *dash(const char *s) {
        return s && s[0] ? s : "-";
}

static CkCallDirectoryKind kind_of(const char *s) {
        return strcmp(s, "identification") == 0 ? CK_CALL_DIRECTORY_IDENTIFICATION
                                                : CK_CALL_DIRECTORY_BLOCKING;
}

static int fail(CkCallDirectory *d, int r) {
        printf("error %d %s\n", -r, ck_error_to_string(ck_call_directory_get_last_error(d)));
        return 1;
}

int main(int argc, char **argv) {
        __attribute__((cleanup(sd_bus_unrefp))) sd_bus *bus = NULL;
        __attribute__((cleanup(ck_call_directory_unrefp))) CkCallDirectory *d = NULL;
        CkCallDirectoryOptions options = {};
        const char *cmd;
        unsigned count = 0;
        int r;

        if (argc < 2)
                return 2;
        cmd = argv[1];
        if (argc > 3 && strcmp(argv[3], "-") != 0 &&
            (strncmp(cmd, "replace", 7) == 0 || strcmp(cmd, "remove-all") == 0 ||
             strcmp(cmd, "entries") == 0))
                options.app_id = argv[3];
        else if (argc > 2 && strcmp(argv[2], "-") != 0 &&
                 (strncmp(cmd, "add", 3) == 0 || strncmp(cmd, "remove-", 7) == 0) &&
                 strcmp(cmd, "remove-all") != 0)
                options.app_id = argv[2];
        r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = ck_call_directory_new(bus, &d);
        if (r < 0) {
                printf("error %d -\n", -r);
                return 1;
        }
        if (strcmp(cmd, "replace-path") == 0 && argc == 5)
                r = ck_call_directory_replace_from_path(d, kind_of(argv[2]), argv[4], &options, &count);
        else if (strcmp(cmd, "replace-stdin") == 0 && argc == 4)
                r = ck_call_directory_replace_from_fd(d, kind_of(argv[2]), 0, &options, &count);
        else if (strcmp(cmd, "add-blocking") == 0)
                r = ck_call_directory_add_blocking(d, (const char *const *) argv + 3, &options);
        else if (strcmp(cmd, "remove-blocking") == 0)
                r = ck_call_directory_remove_blocking(d, (const char *const *) argv + 3, &options);
        else if (strcmp(cmd, "remove-identification") == 0)
                r = ck_call_directory_remove_identification(d, (const char *const *) argv + 3,
                                                            &options);
        else if (strcmp(cmd, "add-identification") == 0) {
                int n = (argc - 3) / 2;
                const char **numbers = calloc(n + 1, sizeof(char *));
                const char **labels = calloc(n + 1, sizeof(char *));

                if (!numbers || !labels)
                        return 2;
                for (int i = 0; i < n; i++) {
                        numbers[i] = argv[3 + 2 * i];
                        labels[i] = argv[4 + 2 * i];
                }
                r = ck_call_directory_add_identification(d, numbers, labels, &options);
                free(numbers);
                free(labels);
        } else if (strcmp(cmd, "remove-all") == 0 && argc == 4)
                r = ck_call_directory_remove_all(d, kind_of(argv[2]), &options);
        else if (strcmp(cmd, "lookup") == 0 && argc == 3) {
                CkCallDirectoryMatch m;

                r = ck_call_directory_lookup(d, "phone-number", argv[2], &m);
                if (r < 0)
                        return fail(d, r);
                printf("ok %d ", m.blocked);
                for (char **a = m.blocked_by; *a; a++)
                        printf("%s%s", a == m.blocked_by ? "" : ",", dash(*a));
                printf("%s %s %s %s\n", m.blocked_by[0] ? "" : "-", dash(m.label),
                       dash(m.label_app), dash(m.number));
                ck_call_directory_match_clear(&m);
                return 0;
        } else if (strcmp(cmd, "entries") == 0 && argc == 4) {
                char **numbers = NULL, **labels = NULL;
                size_t n = 0;

                r = ck_call_directory_get_entries(d, kind_of(argv[2]), &options, 0, 0, &numbers,
                                                  &labels);
                if (r < 0)
                        return fail(d, r);
                while (numbers[n])
                        n++;
                printf("ok %zu\n", n);
                for (size_t i = 0; i < n; i++)
                        printf("%s %s\n", numbers[i], dash(labels[i]));
                ck_call_directory_strv_free(numbers);
                ck_call_directory_strv_free(labels);
                return 0;
        } else if (strcmp(cmd, "lists") == 0) {
                CkCallDirectoryList *lists = NULL;
                size_t n = 0;

                r = ck_call_directory_get_lists(d, &lists, &n);
                if (r < 0)
                        return fail(d, r);
                printf("ok %zu\n", n);
                for (size_t i = 0; i < n; i++)
                        printf("%s %s %u %llu %s\n", dash(lists[i].app_id), lists[i].kind,
                               lists[i].count, (unsigned long long) lists[i].generation,
                               lists[i].state);
                ck_call_directory_lists_free(lists, n);
                return 0;
        } else
                return 2;
        if (r < 0)
                return fail(d, r);
        if (strncmp(cmd, "replace", 7) == 0)
                printf("ok %u\n", count);
        else
                printf("ok\n");
        return 0;
}
