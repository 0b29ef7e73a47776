/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * speakerbox: main(), options, stdin and the event loop. See speakerbox.h
 * for the shape of the program and speakerbox(1) for its use.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config.h"
#include "speakerbox.h"

#define STDIN_LINE_MAX 1024

typedef struct StdinReader {
        Speakerbox *sb;
        sd_event_source *source;
        char buf[STDIN_LINE_MAX];
        size_t len;
} StdinReader;

static void vprint_line(const char *prefix, const char *fmt, va_list ap) {
        fputs(prefix, stdout);
        vprintf(fmt, ap);
        fputc('\n', stdout);
        fflush(stdout);
}

void sb_event(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vprint_line("event: ", fmt, ap);
        va_end(ap);
}

static void vprint_reply(const char *status, const char *command, const char *fmt, va_list ap) {
        char *detail = NULL;

        if (vasprintf(&detail, fmt, ap) < 0)
                detail = NULL;
        printf("%s %s%s%s\n", status, command, detail && *detail ? " " : "", detail ? detail : "");
        fflush(stdout);
        free(detail);
}

int sb_reply_ok(const char *command, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vprint_reply("ok", command, fmt, ap);
        va_end(ap);
        return 0;
}

int sb_reply_error(const char *command, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vprint_reply("error", command, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

void sb_quit(Speakerbox *sb, int status) {
        sb->exit_status = status;
        sd_event_exit(sb->event, status);
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        StdinReader *in = userdata;
        ssize_t n;
        char *nl;

        n = read(fd, in->buf + in->len, sizeof(in->buf) - 1 - in->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                in->source = sd_event_source_disable_unref(in->source);
                /* Ctrl-D at a terminal quits. A script that closes its pipe
                 * (or a demo started with stdin from /dev/null) has just run
                 * out of commands: the phone keeps running until a signal. */
                if (isatty(fd))
                        sb_quit(in->sb, EXIT_SUCCESS);
                return 0;
        }
        in->len += n;
        in->buf[in->len] = '\0';
        while ((nl = strchr(in->buf, '\n'))) {
                *nl = '\0';
                (void) sb_command_run(in->sb, in->buf);
                in->len -= nl + 1 - in->buf;
                memmove(in->buf, nl + 1, in->len + 1);
        }
        if (in->len == sizeof(in->buf) - 1) {
                sb_reply_error("?", "line too long");
                in->len = 0;
        }
        return 0;
}

static void help(void) {
        printf("Usage: speakerbox [OPTION...]\n"
               "A terminal softphone on callkitd: simulated calls, real call handling and audio.\n\n"
               "  --incoming HANDLE      report an incoming call once registered\n"
               "  --name NAME            caller name of the --incoming call\n"
               "  --video                the --incoming or --outgoing call has video\n"
               "  --delay SECONDS        report the --incoming call after SECONDS\n"
               "  --outgoing HANDLE      place an outgoing call once registered\n"
               "  --command LINE         run a command once registered (repeatable)\n"
               "  --connect-delay SECONDS  outgoing calls connect after this (default 1)\n"
               "  --provider-name NAME   the provider's localized name (default Speakerbox)\n"
               "  --push                 register for VoIP pushes; calls they announce ring\n"
               "  --app-id ID            the app id (and bus name) pushes wake\n"
               "                         (default io.github.callkitd.Speakerbox)\n"
               "  --push-development     violations of the push contract show as notifications\n"
               "  --push-misbehave       never report the call a push announces\n"
               "  -h, --help             this help\n"
               "  --version              the version\n\n");
        sb_command_print_help();
}

static int strv_push(char ***strv, size_t *n, char *s) {
        char **grown;

        if (!s)
                return -ENOMEM;
        grown = realloc(*strv, (*n + 2) * sizeof(char *));
        if (!grown) {
                free(s);
                return -ENOMEM;
        }
        grown[(*n)++] = s;
        grown[*n] = NULL;
        *strv = grown;
        return 0;
}

static void strv_free(char **strv) {
        for (char **s = strv; s && *s; s++)
                free(*s);
        free(strv);
}

static bool has_quote(const char *s) {
        return s && strchr(s, '"');
}

enum {
        ARG_INCOMING = 0x100,
        ARG_NAME,
        ARG_VIDEO,
        ARG_DELAY,
        ARG_OUTGOING,
        ARG_COMMAND,
        ARG_CONNECT_DELAY,
        ARG_PROVIDER_NAME,
        ARG_VERSION,
        ARG_PUSH,
        ARG_APP_ID,
        ARG_PUSH_DEVELOPMENT,
        ARG_PUSH_MISBEHAVE,
};

/* Returns 0 to run, 1 to exit successfully (--help), or a negative errno. */
static int parse_argv(int argc, char **argv, Speakerbox *sb, const char **ret_provider_name,
                      bool *ret_push) {
        static const struct option options[] = {
                { "incoming", required_argument, NULL, ARG_INCOMING },
                { "name", required_argument, NULL, ARG_NAME },
                { "video", no_argument, NULL, ARG_VIDEO },
                { "delay", required_argument, NULL, ARG_DELAY },
                { "outgoing", required_argument, NULL, ARG_OUTGOING },
                { "command", required_argument, NULL, ARG_COMMAND },
                { "connect-delay", required_argument, NULL, ARG_CONNECT_DELAY },
                { "provider-name", required_argument, NULL, ARG_PROVIDER_NAME },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "push", no_argument, NULL, ARG_PUSH },
                { "app-id", required_argument, NULL, ARG_APP_ID },
                { "push-development", no_argument, NULL, ARG_PUSH_DEVELOPMENT },
                { "push-misbehave", no_argument, NULL, ARG_PUSH_MISBEHAVE },
                {}
        };
        const char *incoming = NULL, *outgoing = NULL, *name = NULL, *delay = NULL;
        bool video = false;
        size_t n = 0;
        char *end;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_INCOMING: incoming = optarg; break;
                case ARG_NAME: name = optarg; break;
                case ARG_VIDEO: video = true; break;
                case ARG_DELAY: delay = optarg; break;
                case ARG_OUTGOING: outgoing = optarg; break;
                case ARG_PROVIDER_NAME: *ret_provider_name = optarg; break;
                case ARG_PUSH: *ret_push = true; break;
                case ARG_APP_ID: sb->app_id = optarg; break;
                case ARG_PUSH_DEVELOPMENT: sb->push_development = true; break;
                case ARG_PUSH_MISBEHAVE: sb->push_misbehave = true; break;
                case ARG_COMMAND:
                        r = strv_push(&sb->startup, &n, strdup(optarg));
                        if (r < 0)
                                return r;
                        break;
                case ARG_CONNECT_DELAY: {
                        double v;

                        errno = 0;
                        v = strtod(optarg, &end);
                        if (errno || end == optarg || *end || !(v >= 0 && v <= 3600)) {
                                fprintf(stderr, "speakerbox: bad --connect-delay %s\n", optarg);
                                return -EINVAL;
                        }
                        sb->connect_delay_usec = (uint64_t) (v * 1e6);
                        break;
                }
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("speakerbox %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "speakerbox: unexpected argument %s\n", argv[optind]);
                return -EINVAL;
        }
        if ((name || delay) && !incoming) {
                fprintf(stderr, "speakerbox: --name and --delay go with --incoming\n");
                return -EINVAL;
        }
        if (has_quote(incoming) || has_quote(name) || has_quote(outgoing)) {
                fprintf(stderr, "speakerbox: handles and names cannot contain '\"'\n");
                return -EINVAL;
        }
        /* The options become the commands one would type. */
        if (incoming) {
                char *line;

                if (asprintf(&line, "incoming \"%s\"%s%s%s%s%s", incoming, name ? " --name \"" : "",
                             name ? name : "", name ? "\"" : "", video ? " --video" : "",
                             delay ? " --delay " : "") < 0)
                        return -ENOMEM;
                if (delay) {
                        char *with_delay;

                        r = asprintf(&with_delay, "%s%s", line, delay);
                        free(line);
                        if (r < 0)
                                return -ENOMEM;
                        line = with_delay;
                }
                r = strv_push(&sb->startup, &n, line);
                if (r < 0)
                        return r;
        }
        if (outgoing) {
                char *line;

                if (asprintf(&line, "outgoing \"%s\"%s", outgoing, video && !incoming ? " --video" : "") < 0)
                        return -ENOMEM;
                r = strv_push(&sb->startup, &n, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

int main(int argc, char **argv) {
        Speakerbox sb = {
                .connect_delay_usec = 1000000,
                .exit_status = EXIT_FAILURE,
                .app_id = "io.github.callkitd.Speakerbox",
        };
        StdinReader in = { .sb = &sb };
        const char *provider_name = "Speakerbox";
        bool push = false;
        sigset_t mask;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        r = parse_argv(argc, argv, &sb, &provider_name, &push);
        if (r != 0) {
                strv_free(sb.startup);
                return r > 0 ? EXIT_SUCCESS : 2;
        }

        /* SIGTERM and SIGINT end the loop cleanly, so the provider is
         * invalidated and sanitizers report at exit. Blocked before any
         * thread (PipeWire's data loop) exists, so none of them takes it. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&sb.event);
        if (r < 0)
                goto finish;
        r = sd_event_add_signal(sb.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(sb.event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                goto finish;

        r = sd_bus_open_user(&sb.bus);
        if (r < 0) {
                fprintf(stderr, "speakerbox: cannot connect to the session bus: %s\n", strerror(-r));
                goto finish;
        }
        r = sd_bus_attach_event(sb.bus, sb.event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto finish;

        r = sb_audio_new(sb.event, &sb.audio);
        if (r < 0) {
                fprintf(stderr, "speakerbox: cannot set up PipeWire: %s\n", strerror(-r));
                goto finish;
        }

        r = ck_call_controller_new(sb.bus, &sb.controller);
        if (r < 0)
                goto finish;
        {
                CkProviderConfiguration config = {
                        .localized_name = provider_name,
                        .icon_name = "call-start",
                        .supports_video = 1,
                };

                /* Registers now, or as soon as callkitd appears. */
                r = ck_provider_new(sb.bus, &config, &sb_delegate, &sb, &sb.provider);
                if (r < 0) {
                        fprintf(stderr, "speakerbox: cannot create the provider: %s\n", strerror(-r));
                        goto finish;
                }
        }
        if (!ck_provider_is_registered(sb.provider))
                sb_event("waiting-for-callkitd");
        if (push) {
                r = sb_push_start(&sb);
                if (r < 0) {
                        fprintf(stderr, "speakerbox: cannot register for pushes: %s\n", strerror(-r));
                        goto finish;
                }
                /* The name pushes start speakerbox by (D-Bus activation
                 * waits for it). */
                r = sd_bus_request_name(sb.bus, sb.app_id, 0);
                if (r < 0)
                        fprintf(stderr, "speakerbox: cannot own %s: %s\n", sb.app_id, strerror(-r));
        }

        r = sd_event_add_io(sb.event, &in.source, STDIN_FILENO, EPOLLIN, on_stdin, &in);
        if (r == -EPERM)
                /* stdin is a regular file or /dev/null, which epoll cannot
                 * watch: nothing to read, the options drive the phone. */
                r = 0;
        if (r < 0)
                goto finish;

        r = sd_event_loop(sb.event);
finish:
        if (r < 0)
                fprintf(stderr, "speakerbox: %s\n", strerror(-r));
        sd_event_source_disable_unref(in.source);
        sb_calls_clear(&sb);
        ck_push_registry_unref(sb.push);
        ck_provider_unref(sb.provider);
        ck_call_controller_unref(sb.controller);
        sb_audio_free(sb.audio);
        sd_bus_flush_close_unref(sb.bus);
        sd_event_unref(sb.event);
        strv_free(sb.startup);
        return r < 0 ? EXIT_FAILURE : r;
}
