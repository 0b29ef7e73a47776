/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baresip-bridge: main(), options, output and the event loop. See bridge.h
 * for the shape of the program and baresip-bridge(1) for its use.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"

#define DEFAULT_CTRL "127.0.0.1:4444"
#define DEFAULT_PLAYER "alsa,default"
#define DEFAULT_SOURCE "alsa,default"
#define DEFAULT_IDLE_PLAYER "aubridge,callkit-idle-player"
#define DEFAULT_IDLE_SOURCE "aubridge,callkit-idle-source"
#define TAG_FILE_NAME "pipewire/client-rt.conf.d/90-baresip-bridge.conf"

static Bridge *the_bridge;

void bb_event(const char *fmt, ...) {
        va_list ap;

        fputs("event: ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

void bb_log_error(const char *fmt, ...) {
        va_list ap;

        fputs("baresip-bridge: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void bb_debug(Bridge *b, const char *fmt, ...) {
        va_list ap;

        if (!b || !b->verbose)
                return;
        fputs("baresip-bridge: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void help(void) {
        printf("Usage: baresip-bridge [OPTION...]\n"
               "Bridges baresip, a SIP softphone, to callkitd: baresip's calls become callkitd calls,\n"
               "callkitd's actions become baresip commands.\n\n"
               "  --ctrl HOST:PORT        baresip's ctrl_tcp address (default %s)\n"
               "  --audio-player MOD,DEV  baresip's player while a call holds the audio session\n"
               "                          (default %s)\n"
               "  --audio-source MOD,DEV  baresip's source then (default %s)\n"
               "  --idle-player MOD,DEV   baresip's player otherwise (default %s)\n"
               "  --idle-source MOD,DEV   baresip's source otherwise (default %s)\n"
               "  --no-audio-switch       leave baresip's audio devices alone\n"
               "  --stream-tag-file PATH  the PipeWire ALSA drop-in that tags baresip's streams with the\n"
               "                          call (default $XDG_CONFIG_HOME/%s)\n"
               "  --no-stream-tag         write no such drop-in\n"
               "  --baresip-binary NAME   baresip's process name, for the drop-in (default baresip)\n"
               "  -v, --verbose           log every command and event on stderr\n"
               "  -h, --help              this help\n"
               "  --version               the version\n",
               DEFAULT_CTRL, DEFAULT_PLAYER, DEFAULT_SOURCE, DEFAULT_IDLE_PLAYER, DEFAULT_IDLE_SOURCE,
               TAG_FILE_NAME);
}

enum {
        ARG_CTRL = 0x100,
        ARG_AUDIO_PLAYER,
        ARG_AUDIO_SOURCE,
        ARG_IDLE_PLAYER,
        ARG_IDLE_SOURCE,
        ARG_NO_AUDIO_SWITCH,
        ARG_TAG_FILE,
        ARG_NO_TAG,
        ARG_BINARY,
        ARG_VERSION,
};

/* MOD,DEV as baresip's auplay and ausrc take it. */
static int device_valid(const char *s) {
        const char *comma = strchr(s, ',');

        if (!comma || comma == s || comma - s >= 16 || strlen(comma + 1) >= 128)
                return 0;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c < ' ' || *c == '"' || *c == '\\')
                        return 0;
        return 1;
}

static int set_string(char **field, const char *value) {
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* Returns 0 to run, 1 to exit successfully, or a negative errno. */
static int parse_argv(int argc, char **argv, Bridge *b) {
        static const struct option options[] = {
                { "ctrl", required_argument, NULL, ARG_CTRL },
                { "audio-player", required_argument, NULL, ARG_AUDIO_PLAYER },
                { "audio-source", required_argument, NULL, ARG_AUDIO_SOURCE },
                { "idle-player", required_argument, NULL, ARG_IDLE_PLAYER },
                { "idle-source", required_argument, NULL, ARG_IDLE_SOURCE },
                { "no-audio-switch", no_argument, NULL, ARG_NO_AUDIO_SWITCH },
                { "stream-tag-file", required_argument, NULL, ARG_TAG_FILE },
                { "no-stream-tag", no_argument, NULL, ARG_NO_TAG },
                { "baresip-binary", required_argument, NULL, ARG_BINARY },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        bool no_switch = false, no_tag = false;
        const char *ctrl = DEFAULT_CTRL;
        int c, r = 0;

        b->audio.player = strdup(DEFAULT_PLAYER);
        b->audio.source = strdup(DEFAULT_SOURCE);
        b->audio.idle_player = strdup(DEFAULT_IDLE_PLAYER);
        b->audio.idle_source = strdup(DEFAULT_IDLE_SOURCE);
        b->audio.binary = strdup("baresip");
        if (!b->audio.player || !b->audio.source || !b->audio.idle_player || !b->audio.idle_source ||
            !b->audio.binary)
                return -ENOMEM;

        while ((c = getopt_long(argc, argv, "vh", options, NULL)) >= 0) {
                char **device = NULL;

                switch (c) {
                case ARG_CTRL: ctrl = optarg; break;
                case ARG_AUDIO_PLAYER: device = &b->audio.player; break;
                case ARG_AUDIO_SOURCE: device = &b->audio.source; break;
                case ARG_IDLE_PLAYER: device = &b->audio.idle_player; break;
                case ARG_IDLE_SOURCE: device = &b->audio.idle_source; break;
                case ARG_NO_AUDIO_SWITCH: no_switch = true; break;
                case ARG_TAG_FILE:
                        if (optarg[0] != '/') {
                                bb_log_error("--stream-tag-file needs an absolute path, not %s", optarg);
                                return -EINVAL;
                        }
                        r = set_string(&b->audio.tag_file, optarg);
                        break;
                case ARG_NO_TAG: no_tag = true; break;
                case ARG_BINARY:
                        if (!*optarg || strpbrk(optarg, "\"\\/\n")) {
                                bb_log_error("bad --baresip-binary %s", optarg);
                                return -EINVAL;
                        }
                        r = set_string(&b->audio.binary, optarg);
                        break;
                case 'v': b->verbose = true; break;
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("baresip-bridge %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        return -EINVAL;
                }
                if (device) {
                        if (!device_valid(optarg)) {
                                bb_log_error("bad audio device %s: give MODULE,DEVICE as baresip's "
                                             "config does (alsa,default)", optarg);
                                return -EINVAL;
                        }
                        r = set_string(device, optarg);
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                bb_log_error("unexpected argument %s", argv[optind]);
                return -EINVAL;
        }
        if (no_switch) {
                bb_audio_config_clear(&b->audio);
                no_tag = true;
        }
        if (no_tag) {
                free(b->audio.tag_file);
                b->audio.tag_file = NULL;
        } else if (!b->audio.tag_file) {
                const char *config = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

                if (config && config[0] == '/')
                        r = asprintf(&b->audio.tag_file, "%s/%s", config, TAG_FILE_NAME);
                else if (home && home[0] == '/')
                        r = asprintf(&b->audio.tag_file, "%s/.config/%s", home, TAG_FILE_NAME);
                else {
                        bb_log_error("neither XDG_CONFIG_HOME nor HOME is set: baresip's streams are "
                                     "not tagged (see --stream-tag-file)");
                        r = 0;
                }
                if (r < 0)
                        return -ENOMEM;
        }
        {
                _cleanup_free_ char *host = NULL, *port = NULL;

                r = bb_ctrl_parse_address(ctrl, &host, &port);
                if (r == -EINVAL) {
                        bb_log_error("bad --ctrl %s: give HOST:PORT, e.g. %s", ctrl, DEFAULT_CTRL);
                        return r;
                }
        }
        r = set_string(&b->ctrl_address, ctrl);
        return r < 0 ? r : 0;
}

int main(int argc, char **argv) {
        Bridge b = { .exit_status = EXIT_FAILURE };
        sigset_t mask;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        the_bridge = &b;
        r = parse_argv(argc, argv, &b);
        if (r != 0) {
                bb_audio_config_clear(&b.audio);
                free(b.ctrl_address);
                if (r == -ENOMEM)
                        bb_log_error("out of memory");
                return r > 0 ? EXIT_SUCCESS : 2;
        }

        /* SIGTERM and SIGINT end the loop cleanly: the providers are
         * invalidated and sanitizers report at exit. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&b.event);
        if (r >= 0)
                r = sd_event_add_signal(b.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(b.event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                goto finish;

        r = sd_bus_open_user(&b.bus);
        if (r < 0) {
                bb_log_error("cannot connect to the session bus: %s", strerror(-r));
                goto finish;
        }
        r = sd_bus_attach_event(b.bus, b.event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto finish;

        r = bb_ctrl_new(&b, b.ctrl_address, &b.ctrl);
        if (r < 0)
                goto finish;

        r = sd_event_loop(b.event);
finish:
        if (r < 0)
                bb_log_error("%s", strerror(-r));
        bb_ops_fail_all(&b, NULL, "baresip-bridge is stopping");
        b.ctrl = bb_ctrl_free(b.ctrl);
        bb_call_commands_cancel(&b, -ECANCELED);
        bb_calls_drop_all(&b, NULL, false, false);
        bb_accounts_free(&b);
        bb_audio_shutdown(&b);
        bb_audio_config_clear(&b.audio);
        free(b.ctrl_address);
        sd_bus_flush_close_unref(b.bus);
        sd_event_unref(b.event);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
