/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real provider built on libcallkit, driven by tests/test_libcallkit.py:
 * commands arrive on stdin, one a line; what the library reports goes to
 * stdout, one event a line:
 *
 *   ready PATH | begin PATH | reset REASON | action ID TYPE CALL [typed] |
 *   params ID KEY=VALUE... (after each untyped action: its accessors) |
 *   timedout ID | activate CALL... | deactivate CALL... |
 *   ok COMMAND [DETAIL] | error COMMAND ERRNO CKERROR |
 *   completed TRANSACTION RESULT[:REASON]... |
 *   observed UUID STATE REMOVED (from a CkCallObserver, for every change)
 *
 * Commands: incoming UUID | updated UUID NAME | ended UUID |
 *   fulfill ID | fail ID REASON | stale ID | end UUID, start UUID NUMBER
 *   (transactions) | connecting UUID | connected UUID |
 *   unref (drop the provider, keep the bus) |
 *   calls (the observer's calls: ok calls UUID:STATE...) |
 *   rename NAME (a new configuration) |
 *   incoming-async UUID (answered by: replied incoming-async ERRNO CKERROR) |
 *   second (a second provider: second-begin PATH, second-action TYPE CALL R) |
 *   second-incoming UUID |
 *   quit
 *
 * argv: [action_timeout_ms [poll|sd-event|glib]]: the event loop the bus
 * runs in, as an app would run it (its own poll(), sd-event, or GLib).
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>
#include <sys/epoll.h>
#include <systemd/sd-event.h>

#include "callkit.h"
#include "callkit-glib.h"

#define MAX_ACTIONS 64
#define _cleanup_ck_update __attribute__((cleanup(ck_call_update_unrefp)))
#define _cleanup_ck_transaction __attribute__((cleanup(ck_transaction_unrefp)))

static CkAction *held[MAX_ACTIONS];
static CkCallController *controller;
static CkCallObserver *observer;
static CkProvider *second;      /* a second provider on the same bus */
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

static void print_params(CkAction *a) {
        const char *type = NULL, *value = NULL;

        (void) ck_action_get_handle(a, &type, &value);
        printf("params %s transaction=%s deadline=%s on_hold=%d muted=%d video=%d digits=%s dtmf_type=%s "
               "group_with=%s reason=%s handle=%s:%s complete=%d provider=%d\n",
               ck_action_get_id(a), ck_action_get_transaction(a) ?: "-",
               ck_action_get_deadline(a) > 0 ? "set" : "-", ck_action_get_on_hold(a), ck_action_get_muted(a),
               ck_action_get_video(a), ck_action_get_digits(a) ?: "-", ck_action_get_dtmf_type(a) ?: "-",
               ck_action_get_group_with(a) ?: "-", ck_action_get_end_reason(a) ?: "-", type ?: "-", value ?: "-",
               ck_action_is_complete(a), ck_action_get_provider(a) != NULL);
}

static void on_perform_action(CkProvider *p, CkAction *a, void *userdata) {
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                if (!held[i]) {
                        held[i] = ck_action_ref(a);
                        break;
                }
        printf("action %s %s %s\n", ck_action_get_id(a), ck_action_type_to_string(ck_action_get_type(a)),
               ck_action_get_call_uuid(a));
        print_params(a);
}

/* Answers come through the per-type callback, the rest through
 * perform_action: the test tells them apart by "typed". */
static void on_perform_answer_call(CkProvider *p, CkAction *a, void *userdata) {
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                if (!held[i]) {
                        held[i] = ck_action_ref(a);
                        break;
                }
        printf("action %s %s %s typed\n", ck_action_get_id(a), ck_action_type_to_string(ck_action_get_type(a)),
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

static void on_call_changed(CkCallObserver *o, CkCall *call, void *userdata) {
        printf("observed %s %s %d\n", ck_call_get_uuid(call), ck_call_get_state(call), ck_call_is_removed(call));
}

static void on_incoming_replied(CkProvider *p, int r, void *userdata) {
        printf("replied incoming-async %d %s\n", r, ck_error_to_string(ck_provider_get_last_error(p)));
}

/* The second provider prints its own events, "second-...", and fulfills
 * its actions at once. */
static void on_second_begin(CkProvider *p, void *userdata) {
        printf("second-begin %s\n", ck_provider_get_object_path(p));
}

static void on_second_action(CkProvider *p, CkAction *a, void *userdata) {
        printf("second-action %s %s %d\n", ck_action_type_to_string(ck_action_get_type(a)),
               ck_action_get_call_uuid(a), ck_action_fulfill(a));
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
        if (strcmp(command, "second") == 0) {
                const CkProviderDelegate d = { .did_begin = on_second_begin, .perform_action = on_second_action };
                const CkProviderConfiguration c = { .localized_name = "Second" };

                r = second ? -EEXIST : ck_provider_new(bus_for_unref, &c, &d, NULL, &second);
                printf(r < 0 ? "error second %d None\n" : "ok second\n", r);
                return 0;
        }
        if (strcmp(command, "second-incoming") == 0) {
                r = ck_provider_report_new_incoming_call(second, arg, NULL);
                printf(r < 0 ? "error second-incoming %d None\n" : "ok second-incoming\n", r);
                return 0;
        }
        if (strcmp(command, "calls") == 0) {
                printf("ok calls");
                for (size_t i = 0; i < ck_call_observer_get_n_calls(observer); i++) {
                        CkCall *c = ck_call_observer_get_call(observer, i);

                        printf(" %s:%s", ck_call_get_uuid(c), ck_call_get_state(c));
                }
                printf("\n");
                return 0;
        }
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
        } else if (strcmp(command, "incoming-async") == 0) {
                r = ck_provider_report_new_incoming_call_async(p, arg, NULL, on_incoming_replied, NULL);
        } else if (strcmp(command, "rename") == 0) {
                CkProviderConfiguration config = {
                        .localized_name = arg,
                        .supported_handle_types = CK_HANDLE_TYPE_PHONE_NUMBER,
                        .supports_video = 1,
                };

                r = ck_provider_set_configuration(p, &config);
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
        } else if (strcmp(command, "connecting") == 0)
                r = ck_provider_report_outgoing_call_started_connecting(p, arg, 0);
        else if (strcmp(command, "connected") == 0)
                r = ck_provider_report_outgoing_call_connected(p, arg, 0);
        else if (strcmp(command, "end") == 0 || strcmp(command, "start") == 0) {
                _cleanup_ck_transaction CkTransaction *t = NULL;
                char *id = NULL;

                if (ck_transaction_new(&t) < 0)
                        return -ENOMEM;
                r = strcmp(command, "end") == 0
                        ? ck_transaction_add_end_call(t, arg)
                        : ck_transaction_add_start_call(t, arg, CK_HANDLE_TYPE_PHONE_NUMBER, arg2, 1);
                if (r < 0)
                        return r;
                r = ck_call_controller_request_transaction(controller, t, on_completed, NULL, &id);
                if (r >= 0)
                        printf("ok %s %s\n", command, id);
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

static char line[16384];
static size_t len;

/* Reads what stdin has and runs every complete line. Returns 1 on quit or
 * end of input, 0 to go on, or a negative errno. */
static int read_stdin(CkProvider **pp) {
        ssize_t n = read(STDIN_FILENO, line + len, sizeof(line) - 1 - len);
        char *nl;
        int r;

        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0)
                return 1;
        len += (size_t) n;
        line[len] = 0;
        while ((nl = strchr(line, '\n'))) {
                char command[sizeof(line)];
                size_t l = (size_t) (nl - line) + 1;

                memcpy(command, line, l);
                command[l] = 0;
                memmove(line, nl + 1, len - l + 1);
                len -= l;
                r = run_command(pp, command);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* An app with its own poll() loop: sd_bus_get_fd/get_events/get_timeout
 * and sd_bus_process. */
static int run_poll(sd_bus *bus, CkProvider **pp) {
        int r;

        for (;;) {
                struct pollfd fds[2] = {
                        { .fd = sd_bus_get_fd(bus) },
                        { .fd = STDIN_FILENO, .events = POLLIN },
                };
                uint64_t until = UINT64_MAX;
                int timeout = -1;

                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                if (r < 0)
                        return r;
                fds[0].events = (short) sd_bus_get_events(bus);
                if (sd_bus_get_timeout(bus, &until) >= 0 && until != UINT64_MAX) {
                        struct timespec ts;
                        uint64_t now;

                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
                        timeout = until <= now ? 0 : (int) ((until - now + 999) / 1000);
                }
                if (poll(fds, 2, timeout) < 0 && errno != EINTR)
                        return -errno;
                if (fds[1].revents & (POLLIN | POLLHUP)) {
                        r = read_stdin(pp);
                        if (r != 0)
                                return r;
                }
        }
}

static int on_stdin_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int r = read_stdin(userdata);

        if (r != 0)
                return sd_event_exit(sd_event_source_get_event(s), r < 0 ? r : 0);
        return 0;
}

/* An sd-event app: the bus attached with sd_bus_attach_event. */
static int run_sd_event(sd_bus *bus, CkProvider **pp) {
        __attribute__((cleanup(sd_event_unrefp))) sd_event *e = NULL;
        int r;

        r = sd_event_new(&e);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, e, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        r = sd_event_add_io(e, NULL, STDIN_FILENO, EPOLLIN, on_stdin_event, pp);
        if (r < 0)
                return r;
        r = sd_event_loop(e);
        (void) sd_bus_detach_event(bus);
        return r;
}

typedef struct GlibLoop {
        GMainLoop *loop;
        CkProvider **pp;
        int r;
} GlibLoop;

static gboolean on_stdin_glib(gint fd, GIOCondition condition, gpointer userdata) {
        GlibLoop *l = userdata;

        l->r = read_stdin(l->pp);
        if (l->r != 0) {
                g_main_loop_quit(l->loop);
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

/* A GLib app: the bus runs from a GSource of callkit-glib.h. */
static int run_glib(sd_bus *bus, CkProvider **pp) {
        GlibLoop l = { .loop = g_main_loop_new(NULL, FALSE), .pp = pp };
        GSource *source = ck_glib_bus_source_new(bus);
        guint watch;

        if (!source)
                return -EBADF;
        g_source_attach(source, NULL);
        watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP, on_stdin_glib, &l);
        g_main_loop_run(l.loop);
        if (l.r == 0)
                g_source_remove(watch);
        g_source_destroy(source);
        g_source_unref(source);
        g_main_loop_unref(l.loop);
        return l.r;
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
                .perform_answer_call = on_perform_answer_call,
        };
        CkProviderConfiguration config = {
                .localized_name = "libcallkit test",
                .supported_handle_types = CK_HANDLE_TYPE_PHONE_NUMBER | CK_HANDLE_TYPE_GENERIC,
                .supports_video = 1,
                .maximum_call_groups = 3,
                .action_timeout_ms = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 0,
        };
        const char *loop = argc > 2 ? argv[2] : "poll";
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
        r = ck_call_observer_new(bus, on_call_changed, NULL, &observer);
        if (r < 0) {
                fprintf(stderr, "ck_call_observer_new: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        printf("ready %s\n", ck_provider_get_object_path(p) ?: "-");

        if (strcmp(loop, "sd-event") == 0)
                r = run_sd_event(bus, &p);
        else if (strcmp(loop, "glib") == 0)
                r = run_glib(bus, &p);
        else
                r = run_poll(bus, &p);
        for (size_t i = 0; i < MAX_ACTIONS; i++)
                ck_action_unref(held[i]);
        ck_call_controller_unref(controller);
        ck_call_observer_unref(observer);
        ck_provider_unref(second);
        if (r < 0)
                fprintf(stderr, "event loop: %s\n", strerror(-r));
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
