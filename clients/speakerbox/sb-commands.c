/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commands speakerbox reads on stdin (and takes from --incoming and
 * friends): the simulated network (incoming, remote-end) and the phone's
 * buttons. Buttons act as in Apple's Speakerbox: they request a
 * transaction from callkitd (CXCallController), and the change happens when
 * callkitd sends the action back and the delegate fulfills it.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <systemd/sd-id128.h>

#include "speakerbox.h"

#define MAX_ARGS 16

static const struct {
        const char *name;
        CkCallEndedReason reason;
} remote_reasons[] = {
        { "failed", CK_CALL_ENDED_REASON_FAILED },
        { "remote-ended", CK_CALL_ENDED_REASON_REMOTE_ENDED },
        { "unanswered", CK_CALL_ENDED_REASON_UNANSWERED },
        { "answered-elsewhere", CK_CALL_ENDED_REASON_ANSWERED_ELSEWHERE },
        { "declined-elsewhere", CK_CALL_ENDED_REASON_DECLINED_ELSEWHERE },
};

void sb_command_print_help(void) {
        printf("Commands (CALL: a UUID or a unique prefix; when left out, the newest call that fits):\n"
               "  incoming HANDLE [--name NAME] [--video] [--delay SECONDS] [--uuid UUID]\n"
               "                            a call comes in (after SECONDS)\n"
               "  outgoing HANDLE [--video] [--uuid UUID]\n"
               "                            place a call; it connects after --connect-delay\n"
               "  answer [CALL]             answer a ringing call\n"
               "  end [CALL]                hang up, or decline a ringing call\n"
               "  hold [CALL]  resume [CALL]\n"
               "  mute [CALL]  unmute [CALL]\n"
               "  merge [CALL [WITH]]       put CALL (default: the held one) in WITH's group\n"
               "  split [CALL]              take CALL out of its group\n"
               "  dtmf DIGITS [CALL]        send DTMF digits (0-9 * # A-D)\n"
               "  remote-end REASON [CALL]  the other side ends the call; REASON: failed,\n"
               "                            remote-ended, unanswered, answered-elsewhere,\n"
               "                            declined-elsewhere\n"
               "  list                      the calls\n"
               "  push                      the push token and UnifiedPush endpoint (--push)\n"
               "  help  quit\n");
}

/* Splits line into words; "double quotes" keep spaces. Returns the number
 * of words, or -E2BIG / -EINVAL. Words point into buf. */
static int split_words(const char *line, char *buf, size_t size, char **argv) {
        int argc = 0;
        char *out = buf;

        if (strlen(line) >= size)
                return -E2BIG;
        for (const char *p = line;;) {
                bool quoted = false;

                while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                        p++;
                if (!*p)
                        return argc;
                if (argc == MAX_ARGS)
                        return -E2BIG;
                argv[argc++] = out;
                for (; *p; p++) {
                        if (*p == '"')
                                quoted = !quoted;
                        else if (!quoted && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                                break;
                        else
                                *out++ = *p;
                }
                *out++ = '\0';
                if (quoted)
                        return -EINVAL;
        }
}

static void new_uuid(char ret[37]) {
        sd_id128_t id;
        uint8_t *b = id.bytes;

        /* Failing here means no getrandom() and no /dev/urandom: nothing
         * else works either. */
        if (sd_id128_randomize(&id) < 0)
                abort();
        snprintf(ret, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                 b[13], b[14], b[15]);
}

/* The UUID a new call gets: the one given with --uuid, else a new one. */
static int call_uuid(const char *command, const char *arg, char ret[37]) {
        if (!arg) {
                new_uuid(ret);
                return 0;
        }
        if (strlen(arg) != 36)
                return sb_reply_error(command, "bad UUID %s", arg);
        snprintf(ret, 37, "%s", arg);
        return 0;
}

static bool parse_seconds(const char *s, uint64_t *ret_usec) {
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end == s || *end || !isfinite(v) || v < 0 || v > 86400)
                return false;
        *ret_usec = (uint64_t) (v * 1e6);
        return true;
}

/* The call a command is about: the one named, or the newest one whose
 * state is in mask (1 << SbCallState). Replies the error itself. */
static SbCall *pick_call(Speakerbox *sb, const char *command, const char *key, unsigned mask) {
        bool ambiguous;
        SbCall *call;

        if (key) {
                call = sb_call_find(sb, key, &ambiguous);
                if (!call)
                        sb_reply_error(command, ambiguous ? "%s names more than one call" : "no call %s", key);
                return call;
        }
        for (call = sb->calls; call; call = call->next)
                if (mask & (1u << call->state))
                        return call;
        sb_reply_error(command, "no call to %s", command);
        return NULL;
}

static void on_completed(CkCallController *c, const char *transaction, const CkActionOutcome *outcomes,
                         size_t n, void *userdata) {
        static const char *const results[] = { "fulfilled", "failed", "timed-out" };
        char line[1024];
        size_t len = 0;

        line[0] = '\0';
        for (size_t i = 0; i < n && len < sizeof(line); i++)
                len += snprintf(line + len, sizeof(line) - len, " %s:%s%s%s",
                                ck_action_type_to_string(outcomes[i].type), results[outcomes[i].result],
                                outcomes[i].reason && *outcomes[i].reason ? ":" : "",
                                outcomes[i].reason ? outcomes[i].reason : "");
        sb_event("completed %s%s", transaction, line);
}

/* Only one call group has the audio session: answering or placing a call
 * while another is active holds that one in the same transaction (what
 * the phone's "Hold & Answer" does), or callkitd refuses with
 * MaximumCallGroupsReached. */
static int add_hold_active(Speakerbox *sb, CkTransaction *t, const SbCall *except) {
        for (SbCall *c = sb->calls; c; c = c->next)
                if (c != except && c->state == SB_CALL_ACTIVE) {
                        int r = ck_transaction_add_set_held(t, c->uuid, true);

                        if (r < 0)
                                return r;
                }
        return 0;
}

/* Requests t and replies "ok COMMAND UUID TRANSACTION" or the error. */
static int request(Speakerbox *sb, const char *command, const char *uuid, CkTransaction *t, int r) {
        char *id = NULL;

        if (r >= 0)
                r = ck_call_controller_request_transaction(sb->controller, t, on_completed, sb, &id);
        if (r == -EBADR)
                sb_reply_error(command, "%s", ck_error_to_string(ck_call_controller_get_last_error(sb->controller)));
        else if (r < 0)
                sb_reply_error(command, "%s", strerror(-r));
        else
                sb_reply_ok(command, "%s %s", uuid, id);
        free(id);
        return r;
}

#define ALL_CALLS (~0u & ~(1u << SB_CALL_PENDING))
#define LIVE_CALLS ((1u << SB_CALL_ACTIVE) | (1u << SB_CALL_DIALING) | (1u << SB_CALL_CONNECTING))

static int cmd_incoming(Speakerbox *sb, int argc, char **argv) {
        const char *handle = NULL, *name = NULL, *uuid_arg = NULL;
        char uuid[37];
        uint64_t delay = 0;
        bool video = false;
        SbCall *call;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--video") == 0)
                        video = true;
                else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
                        name = argv[++i];
                else if (strcmp(argv[i], "--uuid") == 0 && i + 1 < argc)
                        uuid_arg = argv[++i];
                else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc) {
                        if (!parse_seconds(argv[++i], &delay))
                                return sb_reply_error("incoming", "bad delay %s", argv[i]);
                } else if (argv[i][0] != '-' && !handle)
                        handle = argv[i];
                else
                        return sb_reply_error("incoming", "unexpected %s", argv[i]);
        }
        if (!handle)
                return sb_reply_error("incoming", "usage: incoming HANDLE [--name NAME] [--video] [--delay SECONDS] [--uuid UUID]");
        r = call_uuid("incoming", uuid_arg, uuid);
        if (r < 0)
                return r;
        call = sb_call_new(sb, uuid, handle, name, false, video);
        if (!call)
                return sb_reply_error("incoming", "%s", strerror(ENOMEM));
        r = sb_call_report_incoming(sb, call, delay);
        if (r < 0) {
                if (r == -EBADR)
                        sb_reply_error("incoming", "%s", ck_error_to_string(ck_provider_get_last_error(sb->provider)));
                else
                        sb_reply_error("incoming", "%s", strerror(-r));
                sb_call_free(sb, call);
                return r;
        }
        sb_reply_ok("incoming", "%s", call->uuid);
        return 0;
}

static int cmd_outgoing(Speakerbox *sb, int argc, char **argv) {
        __attribute__((cleanup(ck_transaction_unrefp))) CkTransaction *t = NULL;
        const char *handle = NULL, *uuid_arg = NULL;
        char uuid[37];
        bool video = false;
        SbCall *call;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--video") == 0)
                        video = true;
                else if (strcmp(argv[i], "--uuid") == 0 && i + 1 < argc)
                        uuid_arg = argv[++i];
                else if (argv[i][0] != '-' && !handle)
                        handle = argv[i];
                else
                        return sb_reply_error("outgoing", "unexpected %s", argv[i]);
        }
        if (!handle)
                return sb_reply_error("outgoing", "usage: outgoing HANDLE [--video] [--uuid UUID]");
        r = call_uuid("outgoing", uuid_arg, uuid);
        if (r < 0)
                return r;
        /* Known before start-call comes back, so the handle is ours. */
        call = sb_call_new(sb, uuid, handle, NULL, true, video);
        if (!call)
                return sb_reply_error("outgoing", "%s", strerror(ENOMEM));
        r = ck_transaction_new(&t);
        if (r >= 0)
                r = add_hold_active(sb, t, call);
        if (r >= 0)
                r = ck_transaction_add_start_call(t, uuid, sb_handle_type_guess(handle), handle, video);
        r = request(sb, "outgoing", uuid, t, r);
        if (r < 0) {
                /* Refused: start-call never comes back for it. */
                call = sb_call_find(sb, uuid, NULL);
                if (call && call->timer == NULL && call->state == SB_CALL_DIALING)
                        sb_call_free(sb, call);
        }
        return r;
}

static int cmd_simple(Speakerbox *sb, int argc, char **argv) {
        __attribute__((cleanup(ck_transaction_unrefp))) CkTransaction *t = NULL;
        const char *command = argv[0];
        SbCall *call;
        int r;

        if (argc > 2)
                return sb_reply_error(command, "usage: %s [CALL]", command);
        if (strcmp(command, "answer") == 0)
                call = pick_call(sb, command, argv[1], 1u << SB_CALL_RINGING);
        else if (strcmp(command, "resume") == 0)
                call = pick_call(sb, command, argv[1], 1u << SB_CALL_HELD);
        else if (strcmp(command, "hold") == 0 || strcmp(command, "mute") == 0 ||
                 strcmp(command, "unmute") == 0)
                call = pick_call(sb, command, argv[1], LIVE_CALLS);
        else
                call = pick_call(sb, command, argv[1], ALL_CALLS);
        if (!call)
                return -ENOENT;
        r = ck_transaction_new(&t);
        if (r < 0)
                return sb_reply_error(command, "%s", strerror(-r));
        if (strcmp(command, "answer") == 0) {
                r = add_hold_active(sb, t, call);
                if (r >= 0)
                        r = ck_transaction_add_answer_call(t, call->uuid);
        }
        else if (strcmp(command, "end") == 0)
                r = ck_transaction_add_end_call(t, call->uuid);
        else if (strcmp(command, "hold") == 0)
                r = ck_transaction_add_set_held(t, call->uuid, true);
        else if (strcmp(command, "resume") == 0) {
                /* Swap: the active call waits while this one talks. */
                r = add_hold_active(sb, t, call);
                if (r >= 0)
                        r = ck_transaction_add_set_held(t, call->uuid, false);
        }
        else if (strcmp(command, "mute") == 0 || strcmp(command, "unmute") == 0)
                r = ck_transaction_add_set_muted(t, call->uuid, strcmp(command, "mute") == 0);
        else {
                /* Split: a private word with this call; the rest of its
                 * group, now a second active group, is held. */
                r = ck_transaction_add_set_group(t, call->uuid, NULL);
                if (r >= 0 && call->state == SB_CALL_ACTIVE)
                        r = add_hold_active(sb, t, call);
        }
        return request(sb, command, call->uuid, t, r);
}

static int cmd_merge(Speakerbox *sb, int argc, char **argv) {
        __attribute__((cleanup(ck_transaction_unrefp))) CkTransaction *t = NULL;
        SbCall *call, *with;
        int r;

        if (argc > 3)
                return sb_reply_error("merge", "usage: merge [CALL [WITH]]");
        call = pick_call(sb, "merge", argc > 1 ? argv[1] : NULL, 1u << SB_CALL_HELD);
        if (!call)
                return -ENOENT;
        with = pick_call(sb, "merge", argc > 2 ? argv[2] : NULL, 1u << SB_CALL_ACTIVE);
        if (!with)
                return -ENOENT;
        if (with == call)
                return sb_reply_error("merge", "cannot merge a call with itself");
        r = ck_transaction_new(&t);
        if (r >= 0)
                r = ck_transaction_add_set_group(t, call->uuid, with->uuid);
        return request(sb, "merge", call->uuid, t, r);
}

static int cmd_dtmf(Speakerbox *sb, int argc, char **argv) {
        __attribute__((cleanup(ck_transaction_unrefp))) CkTransaction *t = NULL;
        SbCall *call;
        int r;

        if (argc < 2 || argc > 3)
                return sb_reply_error("dtmf", "usage: dtmf DIGITS [CALL]");
        call = pick_call(sb, "dtmf", argc > 2 ? argv[2] : NULL, LIVE_CALLS);
        if (!call)
                return -ENOENT;
        r = ck_transaction_new(&t);
        if (r >= 0)
                r = ck_transaction_add_play_dtmf(t, call->uuid, argv[1], NULL);
        return request(sb, "dtmf", call->uuid, t, r);
}

static int cmd_remote_end(Speakerbox *sb, int argc, char **argv) {
        const char *reason_names = "failed, remote-ended, unanswered, answered-elsewhere, declined-elsewhere";
        SbCall *call;
        size_t i;
        int r;

        if (argc < 2 || argc > 3)
                return sb_reply_error("remote-end", "usage: remote-end REASON [CALL]; REASON: %s", reason_names);
        for (i = 0; i < sizeof(remote_reasons) / sizeof(remote_reasons[0]); i++)
                if (strcmp(remote_reasons[i].name, argv[1]) == 0)
                        break;
        if (i == sizeof(remote_reasons) / sizeof(remote_reasons[0]))
                return sb_reply_error("remote-end", "unknown reason %s; one of: %s", argv[1], reason_names);
        call = pick_call(sb, "remote-end", argc > 2 ? argv[2] : NULL, ALL_CALLS);
        if (!call)
                return -ENOENT;
        r = ck_provider_report_call_ended(sb->provider, call->uuid, remote_reasons[i].reason, 0);
        if (r == -EBADR)
                return sb_reply_error("remote-end", "%s", ck_error_to_string(ck_provider_get_last_error(sb->provider)));
        if (r < 0)
                return sb_reply_error("remote-end", "%s", strerror(-r));
        sb_reply_ok("remote-end", "%s %s", call->uuid, argv[1]);
        sb_call_free(sb, call);
        return 0;
}

static int cmd_list(Speakerbox *sb, int argc, char **argv) {
        unsigned n = 0;

        for (SbCall *c = sb->calls; c; c = c->next, n++)
                printf("call %s %s %s %s%s%s%s%s%s%s\n", c->uuid, sb_call_state_to_string(c->state),
                       c->outgoing ? "outgoing" : "incoming", *c->handle ? c->handle : "unknown",
                       *c->name ? " name=" : "", c->name,
                       c->muted ? " muted" : "", c->audio_active ? " audio" : "",
                       c->group ? " group=" : "", c->group ? c->group : "");
        return sb_reply_ok("list", "%u", n);
}

static int cmd_help(Speakerbox *sb, int argc, char **argv) {
        sb_command_print_help();
        return sb_reply_ok("help", "%s", "");
}

static int cmd_quit(Speakerbox *sb, int argc, char **argv) {
        sb_quit(sb, EXIT_SUCCESS);
        return sb_reply_ok("quit", "%s", "");
}

static int cmd_push(Speakerbox *sb, int argc, char **argv) {
        const char *endpoint;

        if (!sb->push)
                return sb_reply_error("push", "not registered for pushes: start with --push");
        endpoint = ck_push_registry_get_endpoint(sb->push);
        return sb_reply_ok("push", "%s %s", ck_push_registry_get_token(sb->push) ?: "-",
                           endpoint ? endpoint : "-");
}

static const struct {
        const char *name;
        int (*run)(Speakerbox *sb, int argc, char **argv);
} commands[] = {
        { "incoming", cmd_incoming },
        { "outgoing", cmd_outgoing },
        { "answer", cmd_simple },
        { "end", cmd_simple },
        { "hold", cmd_simple },
        { "resume", cmd_simple },
        { "mute", cmd_simple },
        { "unmute", cmd_simple },
        { "split", cmd_simple },
        { "merge", cmd_merge },
        { "dtmf", cmd_dtmf },
        { "remote-end", cmd_remote_end },
        { "list", cmd_list },
        { "push", cmd_push },
        { "help", cmd_help },
        { "quit", cmd_quit },
};

int sb_command_run(Speakerbox *sb, const char *line) {
        char buf[1024];
        char *argv[MAX_ARGS + 1] = { 0 };
        int argc;

        argc = split_words(line, buf, sizeof(buf), argv);
        if (argc == -EINVAL)
                return sb_reply_error("?", "unbalanced quotes");
        if (argc < 0)
                return sb_reply_error("?", "line too long");
        if (argc == 0)
                return 0;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(commands[i].name, argv[0]) == 0)
                        return commands[i].run(sb, argc, argv);
        return sb_reply_error(argv[0], "unknown command; try help");
}
