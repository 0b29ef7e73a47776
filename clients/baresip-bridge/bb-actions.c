/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * callkitd's actions, carried out by baresip. baresip's ctrl_tcp answers
 * every command with "ok" even when nothing happened, so no action is
 * fulfilled on that answer alone: each waits for the event that shows it
 * happened (an answer for CALL_ESTABLISHED, an end for CALL_CLOSED, a hold
 * for the answer to its re-INVITE), or for a reply whose text names the
 * new state (mute), and is failed with a reason otherwise, at the latest a
 * little before callkitd's deadline.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"

/* How long before callkitd's deadline an unconfirmed action is failed,
 * and how long an action waits when callkitd gave no deadline. */
#define DEADLINE_MARGIN_USEC (250 * 1000ULL)
#define DEFAULT_WAIT_USEC (8 * 1000 * 1000ULL)

static const char *kind_name(BbOpKind kind) {
        static const char *const names[] = {
                [BB_OP_START] = "start-call",
                [BB_OP_ANSWER] = "answer-call",
                [BB_OP_END] = "end-call",
                [BB_OP_HOLD] = "set-held",
                [BB_OP_MUTE] = "set-muted",
                [BB_OP_DTMF] = "play-dtmf",
        };
        return names[kind];
}

static void op_unlink(Bridge *b, BbOp *op) {
        for (BbOp **p = &b->ops; *p; p = &(*p)->next)
                if (*p == op) {
                        *p = op->next;
                        return;
                }
}

static void op_maybe_free(Bridge *b, BbOp *op) {
        if (!op->done || op->n_commands > 0)
                return;
        ck_action_unref(op->action);
        free(op);
}

static void op_complete(Bridge *b, BbOp *op) {
        op->done = true;
        op->timer = sd_event_source_disable_unref(op->timer);
        op_unlink(b, op);
        op->call = NULL;
        op_maybe_free(b, op);
}

void bb_op_fulfill(Bridge *b, BbOp *op) {
        int r;

        if (op->done)
                return;
        r = ck_action_fulfill(op->action);
        if (r < 0)
                bb_event("fulfill-failed %s %s %s", kind_name(op->kind),
                         ck_action_get_call_uuid(op->action), strerror(-r));
        else
                bb_event("fulfilled %s %s", kind_name(op->kind), ck_action_get_call_uuid(op->action));
        op_complete(b, op);
}

void bb_op_fail(Bridge *b, BbOp *op, const char *reason) {
        if (op->done)
                return;
        bb_event("failed %s %s %s", kind_name(op->kind), ck_action_get_call_uuid(op->action), reason);
        (void) ck_action_fail(op->action, reason);
        if (op->kind == BB_OP_HOLD && op->call)
                /* The re-INVITE never came back: let the next one go. */
                op->call->modifying = false;
        op_complete(b, op);
}

static int on_op_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        BbOp *op = userdata;

        bb_op_fail(op->bridge, op, "baresip did not confirm it in time");
        return 0;
}

BbOp *bb_op_new(Bridge *b, BbOpKind kind, CkAction *action, BbCall *call, BbAccount *a) {
        uint64_t deadline = ck_action_get_deadline(action), now, wait = DEFAULT_WAIT_USEC;
        struct timespec ts;
        BbOp *op;
        int r;

        op = calloc(1, sizeof(*op));
        if (!op) {
                (void) ck_action_fail(action, "out of memory");
                return NULL;
        }
        op->bridge = b;
        op->kind = kind;
        op->action = ck_action_ref(action);
        op->call = call;
        op->account = a;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t) ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
        if (deadline > now)
                wait = deadline - now > 2 * DEADLINE_MARGIN_USEC ? deadline - now - DEADLINE_MARGIN_USEC
                                                                 : (deadline - now) / 2;
        r = sd_event_add_time_relative(b->event, &op->timer, CLOCK_MONOTONIC, wait, 0, on_op_timeout, op);
        if (r < 0) {
                (void) ck_action_fail(action, strerror(-r));
                ck_action_unref(op->action);
                free(op);
                return NULL;
        }
        op->next = b->ops;
        b->ops = op;
        return op;
}

BbOp *bb_op_find(Bridge *b, BbOpKind kind, BbCall *call) {
        for (BbOp *op = b->ops; op; op = op->next)
                if (op->kind == kind && op->call == call && !op->done)
                        return op;
        return NULL;
}

void bb_ops_fail_all(Bridge *b, BbCall *call, const char *reason) {
        BbOp *op, *next;

        for (op = b->ops; op; op = next) {
                next = op->next;
                if (!call || op->call == call)
                        bb_op_fail(b, op, reason);
        }
}

typedef struct OpCommand {
        BbOp *op;
        BbResponseHandler handler;
} OpCommand;

static void on_op_command(Bridge *b, int ok, const char *data, void *userdata) {
        OpCommand *oc = userdata;
        BbOp *op = oc->op;

        /* Still counted while the handler runs, which may complete op. */
        if (!op->done) {
                if (ok < 0)
                        bb_op_fail(b, op, ok == -ENOENT ? "baresip has no such call" :
                                          ok == -ECONNRESET ? "baresip went away" : strerror(-ok));
                else if (oc->handler)
                        oc->handler(b, ok, data, op);
        }
        op->n_commands--;
        free(oc);
        op_maybe_free(b, op);
}

int bb_op_command(BbOp *op, const char *command, const char *params, BbResponseHandler handler) {
        Bridge *b = op->bridge;
        OpCommand *oc = calloc(1, sizeof(*oc));
        int r;

        if (!oc)
                return -ENOMEM;
        oc->op = op;
        oc->handler = handler;
        r = op->call ? bb_call_command(b, op->call, command, params, on_op_command, oc)
                     : bb_ctrl_command(b->ctrl, command, params, on_op_command, oc);
        if (r < 0) {
                free(oc);
                return r;
        }
        op->n_commands++;
        return 0;
}

/* ---------------------------------------------------------------------- */

static BbCall *action_call(Bridge *b, CkAction *a) {
        BbCall *call = bb_call_by_uuid(b, ck_action_get_call_uuid(a));

        bb_event("perform %s %s", ck_action_type_to_string(ck_action_get_type(a)), ck_action_get_call_uuid(a));
        if (!call) {
                (void) ck_action_fail(a, "baresip has no such call");
                bb_event("failed %s %s unknown call", ck_action_type_to_string(ck_action_get_type(a)),
                         ck_action_get_call_uuid(a));
        } else if (!bb_ctrl_is_connected(b->ctrl)) {
                (void) ck_action_fail(a, "baresip is not reachable");
                call = NULL;
        }
        return call;
}

static void start_op(Bridge *b, BbOpKind kind, CkAction *a, BbCall *call, BbAccount *acc,
                     const char *command, const char *params, BbResponseHandler handler, bool want) {
        BbOp *op = bb_op_new(b, kind, a, call, acc);
        int r;

        if (!op)
                return;
        op->want = want;
        r = bb_op_command(op, command, params, handler);
        if (r < 0)
                bb_op_fail(b, op, r == -ENOTCONN ? "baresip is not reachable" : strerror(-r));
}

/* The command went through; the event does the rest. */
static void on_command_accepted(Bridge *b, int ok, const char *data, void *userdata) {
        BbOp *op = userdata;

        if (ok != 1)
                bb_op_fail(b, op, data && *data ? data : "baresip refused the command");
}

static bool dial_target_valid(const char *s) {
        if (!s || !*s || strlen(s) > 255)
                return false;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c <= ' ' || *c == 0x7f || *c == '"' || *c == '<' || *c == '>')
                        return false;
        return true;
}

static void on_start_call(CkProvider *p, CkAction *a, void *userdata) {
        BbAccount *acc = userdata;
        Bridge *b = acc->bridge;
        const char *type = NULL, *value = NULL;

        bb_event("perform start-call %s", ck_action_get_call_uuid(a));
        if (!bb_ctrl_is_connected(b->ctrl)) {
                (void) ck_action_fail(a, "baresip is not reachable");
                bb_event("failed start-call %s baresip is not reachable", ck_action_get_call_uuid(a));
                return;
        }
        if (ck_action_get_handle(a, &type, &value) < 0 || !dial_target_valid(value)) {
                (void) ck_action_fail(a, "no SIP URI or number to dial");
                bb_event("failed start-call %s no SIP URI or number to dial", ck_action_get_call_uuid(a));
                return;
        }
        if (b->accounts && b->accounts->next) {
                /* dial uses the current user agent: this account's first. */
                BbOp *op = bb_op_new(b, BB_OP_START, a, NULL, acc);

                if (!op)
                        return;
                if (bb_op_command(op, "uafind", acc->aor, NULL) < 0 ||
                    bb_op_command(op, "dial", value, on_command_accepted) < 0)
                        bb_op_fail(b, op, "baresip is not reachable");
                return;
        }
        start_op(b, BB_OP_START, a, NULL, acc, "dial", value, on_command_accepted, false);
}

static void on_answer_call(CkProvider *p, CkAction *a, void *userdata) {
        BbAccount *acc = userdata;
        BbCall *call = action_call(acc->bridge, a);

        if (!call)
                return;
        if (call->outgoing || call->state != BB_CALL_RINGING) {
                (void) ck_action_fail(a, "the call is not ringing");
                return;
        }
        start_op(acc->bridge, BB_OP_ANSWER, a, call, acc, "accept", "", on_command_accepted, false);
}

static void on_end_call(CkProvider *p, CkAction *a, void *userdata) {
        BbAccount *acc = userdata;
        BbCall *call = action_call(acc->bridge, a);

        if (!call)
                return;
        start_op(acc->bridge, BB_OP_END, a, call, acc, "hangup", "", on_command_accepted, false);
}

static void on_set_held(CkProvider *p, CkAction *a, void *userdata) {
        BbAccount *acc = userdata;
        Bridge *b = acc->bridge;
        BbCall *call = action_call(b, a);
        BbOp *op, *old;

        if (!call)
                return;
        if (call->state != BB_CALL_ESTABLISHED) {
                (void) ck_action_fail(a, "the call is not connected");
                return;
        }
        if ((old = bb_op_find(b, BB_OP_HOLD, call)))
                bb_op_fail(b, old, "superseded by a newer set-held");
        call->want_held = ck_action_get_on_hold(a);
        op = bb_op_new(b, BB_OP_HOLD, a, call, acc);
        if (!op)
                return;
        op->want = call->want_held;
        if (!call->modifying && call->held == call->want_held) {
                /* baresip is there already. */
                bb_op_fulfill(b, op);
                return;
        }
        /* Now, or when the re-INVITE in flight is answered. */
        bb_call_reconcile_hold(b, call);
}

static void on_mute_reply(Bridge *b, int ok, const char *data, void *userdata) {
        BbOp *op = userdata;
        int muted = -1;

        /* "call muted" or "call un-muted": the state after the toggle. */
        if (data && strstr(data, "un-muted"))
                muted = 0;
        else if (data && strstr(data, "muted"))
                muted = 1;
        if (muted < 0) {
                bb_op_fail(b, op, data && *data ? data : "baresip did not say whether the call is muted");
                return;
        }
        if (op->call)
                op->call->muted = muted;
        if (muted == op->want) {
                bb_event("muted %s %s", ck_action_get_call_uuid(op->action), muted ? "true" : "false");
                bb_op_fulfill(b, op);
        } else if (op->tries++ == 0) {
                if (bb_op_command(op, "mute", "", on_mute_reply) < 0)
                        bb_op_fail(b, op, "baresip is not reachable");
        } else
                bb_op_fail(b, op, "baresip did not change the mute state");
}

static void on_set_muted(CkProvider *p, CkAction *a, void *userdata) {
        BbAccount *acc = userdata;
        BbCall *call = action_call(acc->bridge, a);

        if (!call)
                return;
        if (call->state != BB_CALL_ESTABLISHED) {
                (void) ck_action_fail(a, "the call is not connected");
                return;
        }
        /* baresip's mute toggles: the reply says where it went. */
        start_op(acc->bridge, BB_OP_MUTE, a, call, acc, "mute", "", on_mute_reply, ck_action_get_muted(a));
}

static void on_dtmf_reply(Bridge *b, int ok, const char *data, void *userdata) {
        BbOp *op = userdata;

        /* sndcode replies nothing; the call was found (callfind said so)
         * and ok is false when a digit could not be sent. */
        if (ok == 1)
                bb_op_fulfill(b, op);
        else
                bb_op_fail(b, op, data && *data ? data : "baresip could not send the digits");
}

static void on_play_dtmf(CkProvider *p, CkAction *a, void *userdata) {
        BbAccount *acc = userdata;
        BbCall *call = action_call(acc->bridge, a);
        const char *digits = ck_action_get_digits(a);

        if (!call)
                return;
        if (call->state != BB_CALL_ESTABLISHED) {
                (void) ck_action_fail(a, "the call is not connected");
                return;
        }
        if (!digits || !*digits || strspn(digits, "0123456789*#ABCDabcd") != strlen(digits) ||
            strlen(digits) > 64) {
                (void) ck_action_fail(a, "baresip sends the DTMF digits 0-9, *, # and A-D only");
                bb_event("failed play-dtmf %s bad digits", call->uuid);
                return;
        }
        start_op(acc->bridge, BB_OP_DTMF, a, call, acc, "sndcode", digits, on_dtmf_reply, false);
}

static void on_set_group(CkProvider *p, CkAction *a, void *userdata) {
        bb_event("perform set-group %s", ck_action_get_call_uuid(a));
        (void) ck_action_fail(a, "baresip cannot merge calls");
}

static void on_timed_out(CkProvider *p, CkAction *a, void *userdata) {
        bb_event("timed-out %s %s", ck_action_type_to_string(ck_action_get_type(a)), ck_action_get_call_uuid(a));
}

static void on_did_begin(CkProvider *p, void *userdata) {
        BbAccount *acc = userdata;

        bb_event("provider %s %s", acc->aor, ck_provider_get_object_path(p));
}

static void on_did_reset(CkProvider *p, const char *reason, void *userdata) {
        BbAccount *acc = userdata;

        /* callkitd ended every call of the provider: the SIP calls must end
         * too, or they would go on where nobody can see or control them. */
        bb_event("did-reset %s %s", acc->aor, reason);
        bb_calls_drop_all(acc->bridge, acc, false, true);
}

static void on_did_activate(CkProvider *p, char **calls, void *userdata) {
        BbAccount *acc = userdata;

        bb_audio_activate(acc->bridge, calls);
}

static void on_did_deactivate(CkProvider *p, char **calls, void *userdata) {
        BbAccount *acc = userdata;

        bb_audio_deactivate(acc->bridge, calls);
}

const CkProviderDelegate bb_delegate = {
        .did_begin = on_did_begin,
        .did_reset = on_did_reset,
        .timed_out_performing_action = on_timed_out,
        .did_activate_audio_session = on_did_activate,
        .did_deactivate_audio_session = on_did_deactivate,
        .perform_start_call = on_start_call,
        .perform_answer_call = on_answer_call,
        .perform_end_call = on_end_call,
        .perform_set_held = on_set_held,
        .perform_set_muted = on_set_muted,
        .perform_set_group = on_set_group,
        .perform_play_dtmf = on_play_dtmf,
};
