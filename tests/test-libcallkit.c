/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real provider built on libcallkit, driven by tests/test_libcallkit.py:
 * commands arrive on stdin, one a line; what the library reports goes to
 * stdout, one event a line:
 *
 *   ready PATH | begin PATH | reset REASON | action ID TYPE CALL |
 *   timedout ID | activate CALL... | deactivate CALL... |
 *   ok COMMAND [DETAIL] | error COMMAND ERRNO CKERROR |
 *   completed TRANSACTION RESULT[:REASON]...
 *
 * Commands: incoming UUID | updated UUID NAME | ended UUID |
 *   fulfill ID | fail ID REASON | stale ID | end UUID (a transaction) |
 *   unref (drop the provider, keep the bus) | quit
 *
 * The bus is driven with sd_bus_get_fd/get_events/get_timeout/process,
 * as an app without sd-event would.
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "callkit.h"

#define MAX_ACTIONS 64
#define _cleanup_ck_update __attribute__((cleanup(ck_call_update_unrefp)))
#define _cleanup_ck_transaction __attribute__((cleanup(ck_transaction_unrefp)))

static CkAction *held[MAX_ACTIONS];
static CkCallController *controller;
static int exit_status = EXIT_SUCCESS;
static sd_bus *bus_for_unref;

static void print_error(const char *command, int r, CkError e) {
        printf("error %s %d %s\n", command, r, ck_error_to_string(e));
}

static void on_did_begin(CkProvider *p, void *userdata) {
        printf("begin %s\n", ck_provider_get_object_path(p));
}

static void on_did_reset(CkProvider *p, const char *reason, void *userdata) {
        /* As an app would: every call is gone, drop their actions. */
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                held[i] = ck_action_unref(held[i]);
        printf("reset %s\n", reason);
}

static void on_perform_action(CkProvider *p, CkAction *a, void *userdata) {
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                if (!held[i]) {
                        held[i] = ck_action_ref(a);
                        break;
                }
        printf("action %s %s %s\n", ck_action_get_id(a), ck_action_type_to_string(ck_action_get_type(a)),
               ck_action_get_call_uuid(a));
}

static void on_timed_out(CkProvider *p, CkAction *a, void *userdata) {
        printf("timedout %s %d\n", ck_action_get_id(a), ck_action_is_complete(a));
}

static void print_calls(const char *what, char **calls) {
        printf("%s", what);
        for (size_t i = 0; calls[i]; i++)
                printf(" %s", calls[i]);
        printf("\n");
}

static void on_activate(CkProvider *p, char **calls, void *userdata) {
        print_calls("activate", calls);
}

static void on_deactivate(CkProvider *p, char **calls, void *userdata) {
        print_calls("deactivate", calls);
}

static void on_completed(CkCallController *c, const char *transaction, const CkActionOutcome *outcomes,
                         size_t n, void *userdata) {
        static const char *const results[] = { "fulfilled", "failed", "timed-out" };

        printf("completed %s", transaction);
        for (size_t i = 0; i < n; i++)
                printf(" %s:%s:%s", ck_action_type_to_string(outcomes[i].type), results[outcomes[i].result],
                       outcomes[i].reason);
        printf("\n");
}

static CkAction **find_action(const char *id) {
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                if (held[i] && strcmp(ck_action_get_id(held[i]), id) == 0)
                        return &held[i];
        return NULL;
}

static int run_command(CkProvider **pp, char *line) {
        char *command = strtok(line, " \n"), *arg = strtok(NULL, " \n"), *arg2 = strtok(NULL, "\n");
        CkAction **a;
        int r;

        if (!command)
                return 0;
        if (strcmp(command, "quit") == 0)
                return 1;
        if (strcmp(command, "unref") == 0) {
                *pp = ck_provider_unref(*pp);
                /* Flush the Invalidate it sent before we answer. */
                r = sd_bus_flush(bus_for_unref);
                printf(r < 0 ? "error unref %d None\n" : "ok unref\n", r);
                return 0;
        }
        if (!*pp) {
                printf("error %s no-provider\n", command);
                return 0;
        }
        CkProvider *p = *pp;

        if (strcmp(command, "incoming") == 0 || strcmp(command, "updated") == 0) {
                _cleanup_ck_update CkCallUpdate *u = NULL;
                bool incoming = strcmp(command, "incoming") == 0;

                if (ck_call_update_new(&u) < 0)
                        return -ENOMEM;
                if (incoming) {
                        (void) ck_call_update_set_remote_handle(u, CK_HANDLE_TYPE_PHONE_NUMBER, "+4930123456");
                        (void) ck_call_update_set_supports_holding(u, 0);
                }
                if (arg2)
                        (void) ck_call_update_set_localized_caller_name(u, arg2);
                r = incoming ? ck_provider_report_new_incoming_call(p, arg, u)
                             : ck_provider_report_call_updated(p, arg, u);
        } else if (strcmp(command, "ended") == 0)
                r = ck_provider_report_call_ended(p, arg, CK_CALL_ENDED_REASON_REMOTE_ENDED, 0);
        else if (strcmp(command, "fulfill") == 0 || strcmp(command, "fail") == 0 ||
                 strcmp(command, "stale") == 0) {
                a = arg ? find_action(arg) : NULL;
                if (!a) {
                        printf("error %s unknown-id\n", command);
                        return 0;
                }
                if (strcmp(command, "fulfill") == 0)
                        r = ck_action_fulfill_with_date(*a, (uint64_t) time(NULL) * 1000000);
                else
                        r = ck_action_fail(*a, strcmp(command, "stale") == 0 ? "late" : arg2);
                /* Answered (or refused): the app is done with it. */
                *a = ck_action_unref(*a);
        } else if (strcmp(command, "end") == 0) {
                _cleanup_ck_transaction CkTransaction *t = NULL;
                char *id = NULL;

                if (ck_transaction_new(&t) < 0 || ck_transaction_add_end_call(t, arg) < 0)
                        return -ENOMEM;
                r = ck_call_controller_request_transaction(controller, t, on_completed, NULL, &id);
                if (r >= 0)
                        printf("ok end %s\n", id);
                else
                        print_error(command, r, ck_call_controller_get_last_error(controller));
                free(id);
                return 0;
        } else {
                printf("error %s unknown-command\n", command);
                return 0;
        }

        if (r < 0)
                print_error(command, r, ck_provider_get_last_error(p));
        else
                printf("ok %s\n", command);
        return 0;
}

int main(int argc, char *argv[]) {
        __attribute__((cleanup(sd_bus_flush_close_unrefp))) sd_bus *bus = NULL;
        __attribute__((cleanup(ck_provider_unrefp))) CkProvider *p = NULL;
        const CkProviderDelegate delegate = {
                .did_begin = on_did_begin,
                .did_reset = on_did_reset,
                .perform_action = on_perform_action,
                .timed_out_performing_action = on_timed_out,
                .did_activate_audio_session = on_activate,
                .did_deactivate_audio_session = on_deactivate,
        };
        CkProviderConfiguration config = {
                .localized_name = "libcallkit test",
                .supported_handle_types = CK_HANDLE_TYPE_PHONE_NUMBER | CK_HANDLE_TYPE_GENERIC,
                .action_timeout_ms = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 0,
        };
        char line[512];
        size_t len = 0;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);

        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "sd_bus_open_user: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        bus_for_unref = bus;
        r = ck_provider_new(bus, &config, &delegate, NULL, &p);
        if (r < 0) {
                fprintf(stderr, "ck_provider_new: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = ck_call_controller_new(bus, &controller);
        if (r < 0) {
                fprintf(stderr, "ck_call_controller_new: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        printf("ready %s\n", ck_provider_get_object_path(p) ?: "-");

        for (;;) {
                struct pollfd fds[2] = {
                        { .fd = sd_bus_get_fd(bus), .events = (short) sd_bus_get_events(bus) },
                        { .fd = STDIN_FILENO, .events = POLLIN },
                };
                uint64_t until = UINT64_MAX;
                int timeout = -1;

                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                if (r < 0) {
                        fprintf(stderr, "sd_bus_process: %s\n", strerror(-r));
                        exit_status = EXIT_FAILURE;
                        break;
                }
                fds[0].events = (short) sd_bus_get_events(bus);
                if (sd_bus_get_timeout(bus, &until) >= 0 && until != UINT64_MAX) {
                        struct timespec ts;
                        uint64_t now;

                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
                        timeout = until <= now ? 0 : (int) ((until - now + 999) / 1000);
                }
                if (poll(fds, 2, timeout) < 0 && errno != EINTR)
                        return EXIT_FAILURE;

                if (fds[1].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(STDIN_FILENO, line + len, sizeof(line) - 1 - len);
                        char *nl;

                        if (n <= 0)
                                break;
                        len += (size_t) n;
                        line[len] = 0;
                        while ((nl = strchr(line, '\n'))) {
                                char command[sizeof(line)];
                                size_t l = (size_t) (nl - line) + 1;

                                memcpy(command, line, l);
                                command[l] = 0;
                                memmove(line, nl + 1, len - l + 1);
                                len -= l;
                                r = run_command(&p, command);
                                if (r != 0)
                                        goto done;
                        }
                }
        }
done:
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                ck_action_unref(held[i]);
        ck_call_controller_unref(controller);
        return r < 0 ? EXIT_FAILURE : exit_status;
}
