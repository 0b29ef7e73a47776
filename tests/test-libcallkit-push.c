/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real app built on libcallkit's CkPushRegistry and a CkProvider, driven
 * by tests/test_libcallkit_push.py: commands arrive on stdin, one a line;
 * what the library reports goes to stdout, one event a line, words
 * separated by spaces ("-" for nothing):
 *
 *   ready TOKEN (after ck_push_registry_new) | token TOKEN (did_update_token) |
 *   push SIZE KEY=VALUE... (did_receive_push) | missed PUSH_ID |
 *   endpoint ENDPOINT | ok COMMAND [DETAIL] | error COMMAND ERRNO CKERROR
 *
 * Commands: report (the last push's call, with ck_provider_report_push) |
 *   ended UUID REASON | foreground 0|1 | unregister | token | endpoint | quit
 *
 * argv: APP_ID [development]
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <systemd/sd-event.h>

#include "callkit.h"

static CkProvider *provider;
static CkPushRegistry *registry;

/* The last push, kept for "report". */
static struct {
        char *call_uuid, *handle_type, *handle_value, *name;
} last;

static const char *or_dash(const char *s) {
        return s && s[0] ? s : "-";
}

static void replace(char **p, const char *s) {
        free(*p);
        *p = s ? strdup(s) : NULL;
}

static void on_token(CkPushRegistry *r, const char *token, void *userdata) {
        printf("token %s\n", token);
}

static void on_push(CkPushRegistry *r, const void *payload, size_t size, const CkPushMetadata *m,
                    void *userdata) {
        replace(&last.call_uuid, m->call_uuid);
        replace(&last.handle_type, m->remote_handle_type);
        replace(&last.handle_value, m->remote_handle_value);
        replace(&last.name, m->localized_caller_name);
        printf("push %zu payload=%.*s must_report=%d reason=%s call=%s push_id=%s handle=%s:%s name=%s "
               "sent_at=%s report_by=%s received_at=%s transport=%s envelope=%s\n",
               size, (int) size, size ? (const char *) payload : "", m->must_report, or_dash(m->reason),
               or_dash(m->call_uuid), or_dash(m->push_id), or_dash(m->remote_handle_type),
               or_dash(m->remote_handle_value), or_dash(m->localized_caller_name),
               m->sent_at ? "set" : "-", m->report_by > m->received_at ? "after" : "-",
               m->received_at ? "set" : "-", or_dash(m->transport), m->envelope_error ? "error" : "-");
}

static void on_endpoint(CkPushRegistry *r, const char *endpoint, void *userdata) {
        printf("endpoint %s\n", or_dash(endpoint));
}

static void on_missed(CkPushRegistry *r, const char *push_id, void *userdata) {
        printf("missed %s\n", or_dash(push_id));
}

static void answer(const char *command, int r, CkError e, const char *detail) {
        if (r < 0)
                printf("error %s %d %s\n", command, r, ck_error_to_string(e));
        else
                printf("ok %s%s%s\n", command, detail ? " " : "", detail ?: "");
}

static int run_command(char *line) {
        char *word = strtok(line, " \n");
        char *arg1 = strtok(NULL, " \n");
        char *arg2 = strtok(NULL, " \n");
        int r;

        if (!word)
                return 0;
        if (strcmp(word, "quit") == 0)
                return 1;
        if (strcmp(word, "report") == 0) {
                CkPushMetadata m = {
                        .call_uuid = last.call_uuid,
                        .remote_handle_type = last.handle_type,
                        .remote_handle_value = last.handle_value,
                        .localized_caller_name = last.name,
                };
                char *uuid = NULL;

                r = ck_provider_report_push(provider, &m, &uuid);
                answer(word, r, ck_provider_get_last_error(provider), uuid);
                free(uuid);
        } else if (strcmp(word, "ended") == 0 && arg1 && arg2) {
                static const char *const reasons[] = {
                        [CK_CALL_ENDED_REASON_FAILED] = "failed",
                        [CK_CALL_ENDED_REASON_REMOTE_ENDED] = "remote-ended",
                        [CK_CALL_ENDED_REASON_UNANSWERED] = "unanswered",
                        [CK_CALL_ENDED_REASON_ANSWERED_ELSEWHERE] = "answered-elsewhere",
                        [CK_CALL_ENDED_REASON_DECLINED_ELSEWHERE] = "declined-elsewhere",
                };
                CkCallEndedReason reason = CK_CALL_ENDED_REASON_FAILED;

                for (size_t i = 0; i < _CK_CALL_ENDED_REASON_MAX; i++)
                        if (strcmp(arg2, reasons[i]) == 0)
                                reason = i;
                r = ck_provider_report_call_ended(provider, arg1, reason, 0);
                answer(word, r, ck_provider_get_last_error(provider), NULL);
        } else if (strcmp(word, "foreground") == 0 && arg1) {
                r = ck_push_registry_set_foreground(registry, atoi(arg1));
                answer(word, r, ck_push_registry_get_last_error(registry), NULL);
        } else if (strcmp(word, "unregister") == 0) {
                r = ck_push_registry_unregister(registry);
                answer(word, r, ck_push_registry_get_last_error(registry), NULL);
        } else if (strcmp(word, "token") == 0)
                answer(word, 0, CK_ERROR_NONE, or_dash(ck_push_registry_get_token(registry)));
        else if (strcmp(word, "endpoint") == 0)
                answer(word, 0, CK_ERROR_NONE, or_dash(ck_push_registry_get_endpoint(registry)));
        else
                answer(word, -EINVAL, CK_ERROR_NONE, NULL);
        return 0;
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        static char buffer[4096];
        static size_t used;
        ssize_t n = read(fd, buffer + used, sizeof(buffer) - used - 1);
        char *start = buffer, *newline;

        if (n <= 0)
                return sd_event_exit(sd_event_source_get_event(s), 0);
        used += (size_t) n;
        buffer[used] = '\0';
        while ((newline = strchr(start, '\n'))) {
                *newline = '\0';
                if (run_command(start) > 0)
                        return sd_event_exit(sd_event_source_get_event(s), 0);
                start = newline + 1;
        }
        used -= (size_t) (start - buffer);
        memmove(buffer, start, used);
        return 0;
}

int main(int argc, char *argv[]) {
        __attribute__((cleanup(sd_bus_flush_close_unrefp))) sd_bus *bus = NULL;
        __attribute__((cleanup(sd_event_unrefp))) sd_event *e = NULL;
        const CkProviderConfiguration config = { .localized_name = "Push Test" };
        const CkPushRegistryDelegate delegate = {
                .did_update_token = on_token,
                .did_receive_push = on_push,
                .did_update_endpoint = on_endpoint,
                .did_miss_report_deadline = on_missed,
        };
        CkPushRegistryConfiguration push_config = {
                .app_id = argc > 1 ? argv[1] : "org.example.VoipApp",
                .development = argc > 2 && strcmp(argv[2], "development") == 0,
        };
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "sd_bus_open_user: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = ck_provider_new(bus, &config, NULL, NULL, &provider);
        if (r < 0) {
                fprintf(stderr, "ck_provider_new: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = ck_push_registry_new(bus, &push_config, &delegate, NULL, &registry);
        if (r < 0) {
                fprintf(stderr, "ck_push_registry_new: %s\n", strerror(-r));
                ck_provider_unref(provider);
                return EXIT_FAILURE;
        }
        if ((r = sd_event_new(&e)) < 0 || (r = sd_bus_attach_event(bus, e, SD_EVENT_PRIORITY_NORMAL)) < 0 ||
            (r = sd_event_add_io(e, NULL, STDIN_FILENO, EPOLLIN, on_stdin, NULL)) < 0) {
                fprintf(stderr, "setting up: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        printf("ready %s\n", or_dash(ck_push_registry_get_token(registry)));
        r = sd_event_loop(e);
        (void) sd_bus_detach_event(bus);
        ck_push_registry_unref(registry);
        ck_provider_unref(provider);
        replace(&last.call_uuid, NULL);
        replace(&last.handle_type, NULL);
        replace(&last.handle_value, NULL);
        replace(&last.name, NULL);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
