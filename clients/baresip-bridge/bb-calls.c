/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The calls, and what baresip's events become for callkitd.
 *
 * A call is known by its SIP Call-ID (the `id` of baresip's events) and by
 * the UUID callkitd knows it by: chosen here for incoming calls, taken from
 * the start-call action for outgoing ones.
 *
 * | baresip event                     | callkitd                                 |
 * | CALL_INCOMING                     | ReportNewIncomingCall                    |
 * | CALL_ESTABLISHED                  | answer-call fulfilled / outgoing connected |
 * | CALL_CLOSED                       | end-call fulfilled, or ReportCallEnded    |
 * | CALL_REMOTE_SDP answer            | set-held fulfilled                       |
 * | first outgoing event with an id   | start-call fulfilled, started connecting |
 *
 * README.md has the whole table.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-id128.h>

#include "bridge.h"

BbCall *bb_call_by_uuid(Bridge *b, const char *uuid) {
        for (BbCall *c = b->calls; uuid && c; c = c->next)
                if (strcasecmp(c->uuid, uuid) == 0)
                        return c;
        return NULL;
}

BbCall *bb_call_by_sip_id(Bridge *b, const char *sip_id) {
        for (BbCall *c = b->calls; sip_id && c; c = c->next)
                if (c->sip_id && strcmp(c->sip_id, sip_id) == 0)
                        return c;
        return NULL;
}

BbCall *bb_call_new(Bridge *b, BbAccount *a, const char *uuid, const char *sip_id,
                    const char *peer_uri, bool outgoing) {
        BbCall *call = calloc(1, sizeof(*call));

        if (!call)
                return NULL;
        call->sip_id = strdup(sip_id);
        call->peer_uri = strdup(peer_uri ? peer_uri : "");
        if (!call->sip_id || !call->peer_uri) {
                free(call->sip_id);
                free(call->peer_uri);
                free(call);
                return NULL;
        }
        if (uuid)
                snprintf(call->uuid, sizeof(call->uuid), "%s", uuid);
        else {
                sd_id128_t id;

                if (sd_id128_randomize(&id) < 0) {
                        free(call->sip_id);
                        free(call->peer_uri);
                        free(call);
                        return NULL;
                }
                snprintf(call->uuid, sizeof(call->uuid), SD_ID128_UUID_FORMAT_STR, SD_ID128_FORMAT_VAL(id));
        }
        call->bridge = b;
        call->account = a;
        call->outgoing = outgoing;
        call->state = outgoing ? BB_CALL_DIALING : BB_CALL_RINGING;
        call->next = b->calls;
        b->calls = call;
        return call;
}

void bb_call_free(Bridge *b, BbCall *call) {
        for (BbCall **p = &b->calls; *p; p = &(*p)->next)
                if (*p == call) {
                        *p = call->next;
                        break;
                }
        bb_ops_fail_all(b, call, "the call ended");
        bb_audio_call_gone(b, call);
        bb_event("call-gone %s", call->uuid);
        free(call->sip_id);
        free(call->peer_uri);
        free(call);
}

static void report_ended(BbCall *call, CkCallEndedReason reason, const char *why) {
        static const char *const names[] = {
                [CK_CALL_ENDED_REASON_FAILED] = "failed",
                [CK_CALL_ENDED_REASON_REMOTE_ENDED] = "remote-ended",
                [CK_CALL_ENDED_REASON_UNANSWERED] = "unanswered",
                [CK_CALL_ENDED_REASON_ANSWERED_ELSEWHERE] = "answered-elsewhere",
                [CK_CALL_ENDED_REASON_DECLINED_ELSEWHERE] = "declined-elsewhere",
        };
        int r;

        bb_event("ended %s %s %s", call->uuid, names[reason], why ? why : "");
        if (!call->reported || !call->account)
                return;
        r = ck_provider_report_call_ended(call->account->provider, call->uuid, reason, 0);
        if (r < 0 && r != -ENOTCONN)
                bb_log_error("cannot report the end of call %s: %s", call->uuid, strerror(-r));
}

void bb_calls_drop_all(Bridge *b, BbAccount *only, bool report, bool hangup) {
        BbCall *c, *next;

        for (c = b->calls; c; c = next) {
                next = c->next;
                if (only && c->account != only)
                        continue;
                if (hangup)
                        (void) bb_call_command(b, c, "hangup", "", NULL, NULL);
                if (report)
                        report_ended(c, CK_CALL_ENDED_REASON_FAILED, "baresip went away");
                bb_call_free(b, c);
        }
}

/* A number, as far as a phone goes: digits, an optional leading +, and
 * the separators people write (which are dropped). */
static char *phone_number(const char *user, size_t n) {
        char *out = malloc(n + 1);
        size_t k = 0, digits = 0;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                char c = user[i];

                if (c >= '0' && c <= '9') {
                        out[k++] = c;
                        digits++;
                } else if (c == '+' && k == 0)
                        out[k++] = c;
                else if (!strchr("-.() ", c)) {
                        free(out);
                        return NULL;
                }
        }
        out[k] = '\0';
        if (digits == 0) {
                free(out);
                return NULL;
        }
        return out;
}

CkHandleType bb_handle_from_uri(const char *uri, char **ret_value) {
        const char *user = NULL, *end;

        *ret_value = NULL;
        if (!uri) {
                *ret_value = strdup("");
                return CK_HANDLE_TYPE_GENERIC;
        }
        if (strncasecmp(uri, "tel:", 4) == 0) {
                user = uri + 4;
                end = user + strcspn(user, ";?");
        } else if (strncasecmp(uri, "sip:", 4) == 0 || strncasecmp(uri, "sips:", 5) == 0) {
                user = uri + (uri[3] == ':' ? 4 : 5);
                end = strchr(user, '@');
                if (end) {
                        const char *semi = memchr(user, ';', end - user);

                        /* user=phone parameters and the like */
                        if (semi)
                                end = semi;
                } else
                        user = NULL;
        }
        if (user) {
                char *number = phone_number(user, end - user);

                if (number) {
                        *ret_value = number;
                        return CK_HANDLE_TYPE_PHONE_NUMBER;
                }
        }
        *ret_value = strdup(uri);
        return CK_HANDLE_TYPE_GENERIC;
}

/* ---------------------------------------------------------------------- */
/* Commands on one call */

typedef struct BbStep Step;
struct BbStep {
        Bridge *bridge;
        Step *next;             /* queued after this one */
        char uuid[37];
        char *sip_id;
        char *aor;              /* NULL: the current user agent is fine */
        char *command;
        char *params;
        bool ua_selected;
        BbResponseHandler handler;
        void *userdata;
};

static void step_free(Step *s) {
        free(s->sip_id);
        free(s->aor);
        free(s->command);
        free(s->params);
        free(s);
}

static void on_step(Bridge *b, int ok, const char *data, void *userdata);
static int step_send(Step *s);

/* The head of b->steps is the one talking to baresip: selecting a call and
 * acting on it are two commands, and another step's selection must not
 * come between them. */
static void step_finish(Step *s, int ok, const char *data) {
        Bridge *b = s->bridge;

        if (b->steps == s)
                b->steps = s->next;
        if (s->handler)
                s->handler(b, ok, data, s->userdata);
        step_free(s);
        while (b->steps) {
                Step *next = b->steps;
                int r = step_send(next);

                if (r >= 0)
                        break;
                b->steps = next->next;
                if (next->handler)
                        next->handler(b, r, NULL, next->userdata);
                step_free(next);
        }
}

void bb_call_commands_cancel(Bridge *b, int error) {
        while (b->steps) {
                Step *s = b->steps;

                b->steps = s->next;
                if (s->handler)
                        s->handler(b, error, NULL, s->userdata);
                step_free(s);
        }
}

static int step_send(Step *s) {
        Bridge *b = s->bridge;

        /* With several accounts, the user agent first: callfind looks in
         * the calls of the current one. */
        if (!s->ua_selected && s->aor) {
                s->ua_selected = true;
                return bb_ctrl_command(b->ctrl, "uafind", s->aor, on_step, s);
        }
        return bb_ctrl_command(b->ctrl, "callfind", s->sip_id, on_step, s);
}

static void on_command_done(Bridge *b, int ok, const char *data, void *userdata) {
        step_finish(userdata, ok, data);
}

static void on_step(Bridge *b, int ok, const char *data, void *userdata) {
        Step *s = userdata;
        int r;

        if (ok < 0)
                return step_finish(s, ok, data);
        if (!data || strstr(data, "not found")) {
                bb_debug(b, "baresip does not know call %s: %s", s->uuid, data ? data : "");
                return step_finish(s, -ENOENT, data);
        }
        if (strncmp(data, "setting current call", 20) != 0) {
                /* uafind answered: now the call. */
                r = step_send(s);
                if (r < 0)
                        step_finish(s, r, NULL);
                return;
        }
        r = bb_ctrl_command(b->ctrl, s->command, s->params, on_command_done, s);
        if (r < 0)
                step_finish(s, r, NULL);
}

int bb_call_command(Bridge *b, BbCall *call, const char *command, const char *params,
                    BbResponseHandler handler, void *userdata) {
        Step *s;
        int r;

        if (!bb_ctrl_is_connected(b->ctrl))
                return -ENOTCONN;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->bridge = b;
        snprintf(s->uuid, sizeof(s->uuid), "%s", call->uuid);
        s->sip_id = strdup(call->sip_id);
        if (b->accounts && b->accounts->next && call->account)
                s->aor = strdup(call->account->aor);
        s->command = strdup(command);
        s->params = strdup(params ? params : "");
        s->handler = handler;
        s->userdata = userdata;
        if (!s->sip_id || !s->command || !s->params) {
                step_free(s);
                return -ENOMEM;
        }
        if (b->steps) {
                Step **tail = &b->steps;

                while (*tail)
                        tail = &(*tail)->next;
                *tail = s;
                return 0;
        }
        r = step_send(s);
        if (r < 0) {
                step_free(s);
                return r;
        }
        b->steps = s;
        return 0;
}

/* ---------------------------------------------------------------------- */
/* Hold: callkitd's view (want_held) and baresip's (held) */

static void on_hold_command(Bridge *b, int ok, const char *data, void *userdata) {
        char *uuid = userdata;
        BbCall *call = bb_call_by_uuid(b, uuid);

        free(uuid);
        if (!call || ok == 1)
                return;
        /* Refused: no re-INVITE is coming. */
        call->modifying = false;
        BbOp *op = bb_op_find(b, BB_OP_HOLD, call);
        if (op)
                bb_op_fail(b, op, "baresip refused to change the hold state");
}

void bb_call_reconcile_hold(Bridge *b, BbCall *call) {
        char *uuid;
        int r;

        if (call->modifying || call->state != BB_CALL_ESTABLISHED || call->held == call->want_held)
                return;
        uuid = strdup(call->uuid);
        if (!uuid)
                return;
        call->modifying = true;
        call->held = call->want_held;
        if (!bb_op_find(b, BB_OP_HOLD, call))
                /* Not asked for now: baresip drifted from callkitd's view. */
                bb_event("hold-sync %s %s", call->uuid, call->want_held ? "held" : "resumed");
        r = bb_call_command(b, call, call->want_held ? "hold" : "resume", "", on_hold_command, uuid);
        if (r < 0) {
                free(uuid);
                call->modifying = false;
                bb_log_error("cannot %s call %s: %s", call->want_held ? "hold" : "resume", call->uuid,
                             strerror(-r));
        }
}

/* ---------------------------------------------------------------------- */
/* Events */

typedef struct ReportCtx {
        Bridge *bridge;
        char uuid[37];
} ReportCtx;

static void on_reported(CkProvider *p, int r, void *userdata) {
        _cleanup_free_ ReportCtx *ctx = userdata;
        BbCall *call = bb_call_by_uuid(ctx->bridge, ctx->uuid);

        if (r < 0) {
                CkError e = r == -EBADR ? ck_provider_get_last_error(p) : CK_ERROR_NONE;

                bb_event("report-failed %s %s", ctx->uuid,
                         e != CK_ERROR_NONE ? ck_error_to_string(e) : strerror(-r));
                if (call) {
                        /* callkitd will not show it (do not disturb, a block
                         * list, a limit): the caller hears it declined. */
                        (void) bb_call_command(ctx->bridge, call, "hangup", "", NULL, NULL);
                        bb_call_free(ctx->bridge, call);
                }
                return;
        }
        if (!call) {
                /* Closed while the report was on its way. */
                bb_event("ended %s unanswered closed-before-reported", ctx->uuid);
                (void) ck_provider_report_call_ended(p, ctx->uuid, CK_CALL_ENDED_REASON_UNANSWERED, 0);
                return;
        }
        call->reported = true;
        bb_event("ringing %s", call->uuid);
}

static void on_incoming(Bridge *b, BbAccount *a, const char *sip_id, const char *peer_uri,
                        const char *display_name) {
        __attribute__((cleanup(ck_call_update_unrefp))) CkCallUpdate *u = NULL;
        _cleanup_free_ char *handle = NULL;
        CkHandleType type;
        ReportCtx *ctx;
        BbCall *call;
        int r;

        call = bb_call_new(b, a, NULL, sip_id, peer_uri, false);
        if (!call) {
                bb_log_error("out of memory for call %s", sip_id);
                return;
        }
        type = bb_handle_from_uri(peer_uri, &handle);
        bb_event("incoming %s %s %s %s", call->uuid, sip_id,
                 type == CK_HANDLE_TYPE_PHONE_NUMBER ? "phone-number" : "generic", handle ? handle : "");
        r = ck_call_update_new(&u);
        if (r >= 0)
                r = ck_call_update_set_remote_handle(u, type, handle);
        if (r >= 0 && display_name && *display_name)
                r = ck_call_update_set_localized_caller_name(u, display_name);
        if (r >= 0)
                r = ck_call_update_set_supports_holding(u, true);
        if (r >= 0)
                r = ck_call_update_set_supports_dtmf(u, true);
        if (r >= 0)
                r = ck_call_update_set_supports_grouping(u, false);
        if (r >= 0)
                r = ck_call_update_set_supports_ungrouping(u, false);
        if (r >= 0)
                r = ck_call_update_set_has_video(u, false);
        ctx = r >= 0 ? calloc(1, sizeof(*ctx)) : NULL;
        if (!ctx) {
                bb_log_error("cannot report call %s: %s", call->uuid, strerror(r < 0 ? -r : ENOMEM));
                (void) bb_call_command(b, call, "hangup", "", NULL, NULL);
                bb_call_free(b, call);
                return;
        }
        ctx->bridge = b;
        snprintf(ctx->uuid, sizeof(ctx->uuid), "%s", call->uuid);
        /* Without waiting: baresip's next events are read meanwhile. */
        r = ck_provider_report_new_incoming_call_async(a->provider, call->uuid, u, on_reported, ctx);
        if (r < 0) {
                free(ctx);
                bb_event("report-failed %s %s", call->uuid, strerror(-r));
                (void) bb_call_command(b, call, "hangup", "", NULL, NULL);
                bb_call_free(b, call);
        }
}

/* The first event that carries the id of a call we dialled: the oldest
 * start-call of that account still waiting. */
static BbCall *match_outgoing(Bridge *b, BbAccount *a, const char *sip_id, const char *peer_uri) {
        BbOp *op = NULL;
        BbCall *call;
        int r;

        for (BbOp *o = b->ops; o; o = o->next)
                if (o->kind == BB_OP_START && !o->done && !o->call && o->account == a)
                        op = o;         /* the list is newest first */
        if (!op) {
                bb_debug(b, "outgoing call %s was not started through callkitd: left alone", sip_id);
                return NULL;
        }
        call = bb_call_new(b, a, ck_action_get_call_uuid(op->action), sip_id, peer_uri, true);
        if (!call) {
                bb_op_fail(b, op, "out of memory");
                return NULL;
        }
        op->call = call;
        call->reported = true;
        bb_event("outgoing %s %s", call->uuid, sip_id);
        bb_op_fulfill(b, op);
        /* The INVITE is out. */
        r = ck_provider_report_outgoing_call_started_connecting(a->provider, call->uuid, 0);
        if (r < 0)
                bb_log_error("cannot report call %s connecting: %s", call->uuid, strerror(-r));
        return call;
}

static void on_established(Bridge *b, BbCall *call) {
        BbOp *op;
        int r;

        call->state = BB_CALL_ESTABLISHED;
        bb_event("established %s", call->uuid);
        if (call->outgoing) {
                r = ck_provider_report_outgoing_call_connected(call->account->provider, call->uuid, 0);
                if (r < 0)
                        bb_log_error("cannot report call %s connected: %s", call->uuid, strerror(-r));
        } else if ((op = bb_op_find(b, BB_OP_ANSWER, call)))
                bb_op_fulfill(b, op);
        bb_audio_call_established(b, call);
        /* callkitd may have held it before it connected. */
        bb_call_reconcile_hold(b, call);
}

static void on_closed(Bridge *b, BbCall *call, const char *param) {
        BbOp *op = bb_op_find(b, BB_OP_END, call);

        if (op) {
                /* Ours: callkitd ends the call when the action is
                 * fulfilled, with its own reason. */
                bb_event("ended %s local %s", call->uuid, param ? param : "");
                bb_op_fulfill(b, op);
        } else if (call->state == BB_CALL_ESTABLISHED)
                /* A BYE from the other side is ECONNRESET in libre; any
                 * other end of a talking call is a failure. */
                report_ended(call, param && strstr(param, "reset by peer") ?
                             CK_CALL_ENDED_REASON_REMOTE_ENDED : CK_CALL_ENDED_REASON_FAILED, param);
        else if (!call->outgoing)
                /* The caller cancelled, or it rang out: a missed call. */
                report_ended(call, CK_CALL_ENDED_REASON_UNANSWERED, param);
        else
                /* Rejected (4xx-6xx), unreachable, timed out. */
                report_ended(call, CK_CALL_ENDED_REASON_FAILED, param);
        bb_call_free(b, call);
}

static void on_remote_sdp_answer(Bridge *b, BbCall *call) {
        BbOp *op;

        if (call->state != BB_CALL_ESTABLISHED)
                /* The answer to the first INVITE of a call we dialled. */
                return;
        if (!call->modifying) {
                /* An answer to a re-INVITE we did not send: baresip
                 * resumes a held call by itself when another call closes
                 * (and says nothing else about it). callkitd decides what
                 * is held, so it goes back on hold. */
                bb_event("baresip-resumed %s", call->uuid);
                call->held = false;
                bb_call_reconcile_hold(b, call);
                return;
        }
        call->modifying = false;
        op = bb_op_find(b, BB_OP_HOLD, call);
        if (op && op->want == call->held) {
                bb_event("%s %s", call->held ? "held" : "resumed", call->uuid);
                bb_op_fulfill(b, op);
        }
        bb_call_reconcile_hold(b, call);
}

void bb_calls_on_event(Bridge *b, const BbJsonObject *ev) {
        const char *type = bb_json_get_string(ev, "type");
        const char *sip_id = bb_json_get_string(ev, "id");
        const char *aor = bb_json_get_string(ev, "accountaor");
        const char *direction = bb_json_get_string(ev, "direction");
        const char *peer_uri = bb_json_get_string(ev, "peeruri");
        const char *param = bb_json_get_string(ev, "param");
        BbAccount *a;
        BbCall *call;

        if (!type)
                return;
        bb_debug(b, "<- %s %s %s", type, sip_id ? sip_id : "-", param ? param : "");
        if (!sip_id || !aor)
                return;
        a = bb_account_get(b, aor);
        if (!a)
                return;
        call = bb_call_by_sip_id(b, sip_id);

        if (!call && direction && strcmp(direction, "outgoing") == 0) {
                if (strcmp(type, "CALL_CLOSED") != 0)
                        call = match_outgoing(b, a, sip_id, peer_uri);
                else {
                        /* Refused before anything else was heard of it. */
                        BbOp *op = NULL;

                        for (BbOp *o = b->ops; o; o = o->next)
                                if (o->kind == BB_OP_START && !o->done && !o->call && o->account == a)
                                        op = o;
                        if (op)
                                bb_op_fail(b, op, param ? param : "the call failed");
                        return;
                }
        }

        if (strcmp(type, "CALL_INCOMING") == 0) {
                if (!call)
                        on_incoming(b, a, sip_id, peer_uri, bb_json_get_string(ev, "peerdisplayname"));
                return;
        }
        if (!call)
                return;
        if (strcmp(type, "CALL_ESTABLISHED") == 0)
                on_established(b, call);
        else if (strcmp(type, "CALL_CLOSED") == 0)
                on_closed(b, call, param);
        else if (strcmp(type, "CALL_RINGING") == 0)
                bb_event("remote-ringing %s", call->uuid);
        else if (strcmp(type, "CALL_REMOTE_SDP") == 0 && param && strcmp(param, "answer") == 0)
                on_remote_sdp_answer(b, call);
        else if (strcmp(type, "CALL_DTMF_START") == 0)
                bb_event("dtmf-received %s %s", call->uuid, param ? param : "");
        else if (strcmp(type, "CALL_RTPESTAB") == 0)
                bb_event("rtp %s", call->uuid);
}
