/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * speakerbox --push: VoIP pushes as a PushKit app gets them. speakerbox
 * registers with callkitd's PushRegistry (libcallkit's CkPushRegistry),
 * prints its token and UnifiedPush endpoint for the app's server, and for
 * every push does what the contract asks: a push that obliges it reports
 * the incoming call it announces (ck_provider_report_push); a push about
 * one of its calls ends that call with the reason the server gave
 * (payload {"end": "remote-ended"}, "declined-elsewhere",
 * "answered-elsewhere"); a stale push shows nothing. With --push-misbehave
 * it never reports, to show callkitd's side of a broken contract.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spa/utils/json.h>

#include "speakerbox.h"

static const struct {
        const char *name;
        CkCallEndedReason reason;
} end_reasons[] = {
        { "failed", CK_CALL_ENDED_REASON_FAILED },
        { "remote-ended", CK_CALL_ENDED_REASON_REMOTE_ENDED },
        { "unanswered", CK_CALL_ENDED_REASON_UNANSWERED },
        { "answered-elsewhere", CK_CALL_ENDED_REASON_ANSWERED_ELSEWHERE },
        { "declined-elsewhere", CK_CALL_ENDED_REASON_DECLINED_ELSEWHERE },
};

static const char *or_dash(const char *s) {
        return s && *s ? s : "-";
}

/* The "end" of a payload that is a JSON object: why the server says the
 * call it names is over. Returns 0 and the reason, or -ENODATA. */
static int payload_end_reason(const void *payload, size_t size, CkCallEndedReason *ret) {
        struct spa_json it[2];
        char key[64], value[64];
        const char *v;
        int len;

        spa_json_init(&it[0], payload, size);
        if (spa_json_enter_object(&it[0], &it[1]) <= 0)
                return -ENODATA;
        while (spa_json_get_string(&it[1], key, sizeof(key)) > 0) {
                if (strcmp(key, "end") == 0) {
                        if (spa_json_get_string(&it[1], value, sizeof(value)) <= 0)
                                return -ENODATA;
                        for (size_t i = 0; i < sizeof(end_reasons) / sizeof(end_reasons[0]); i++)
                                if (strcmp(value, end_reasons[i].name) == 0) {
                                        *ret = end_reasons[i].reason;
                                        return 0;
                                }
                        return -ENODATA;
                }
                /* Another key: skip its value, whatever it is. */
                len = spa_json_next(&it[1], &v);
                if (len <= 0)
                        return -ENODATA;
                if (spa_json_is_container(v, len))
                        (void) spa_json_container_len(&it[1], v, len);
        }
        return -ENODATA;
}

static void on_token(CkPushRegistry *r, const char *token, void *userdata) {
        sb_event("push-token %s", token);
}

static void on_endpoint(CkPushRegistry *r, const char *endpoint, void *userdata) {
        sb_event("push-endpoint %s", or_dash(endpoint));
}

static void on_deadline_missed(CkPushRegistry *r, const char *push_id, void *userdata) {
        sb_event("push-deadline-missed %s", or_dash(push_id));
}

/* A push about one of our calls: the server says how it ended. */
static void end_call(Speakerbox *sb, SbCall *call, const void *payload, size_t size) {
        CkCallEndedReason reason;
        int r;

        if (payload_end_reason(payload, size, &reason) < 0)
                return;
        r = ck_provider_report_call_ended(sb->provider, call->uuid, reason, 0);
        if (r < 0) {
                sb_event("report-failed ended %s %s", call->uuid, strerror(-r));
                return;
        }
        sb_event("call %s ended %s", call->uuid, end_reasons[reason].name);
        sb_call_free(sb, call);
}

/* The call the push announces, reported in one step, and kept as one of
 * ours so that answering and ending it work as for any call. */
static void report_call(Speakerbox *sb, const CkPushMetadata *m) {
        char *uuid = NULL;
        SbCall *call;
        int r;

        r = ck_provider_report_push(sb->provider, m, &uuid);
        if (r < 0) {
                CkError e = r == -EBADR ? ck_provider_get_last_error(sb->provider) : CK_ERROR_NONE;

                sb_event("report-failed push %s %s", or_dash(m->call_uuid),
                         e != CK_ERROR_NONE ? ck_error_to_string(e) : strerror(-r));
                return;
        }
        call = sb_call_new(sb, uuid, m->remote_handle_value, m->localized_caller_name, false, false);
        free(uuid);
        if (call)
                sb_call_set_state(sb, call, SB_CALL_RINGING);
}

static void on_push(CkPushRegistry *r, const void *payload, size_t size, const CkPushMetadata *m,
                    void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = m->call_uuid ? sb_call_find(sb, m->call_uuid, NULL) : NULL;

        if (call && strcasecmp(call->uuid, m->call_uuid) != 0)
                call = NULL;
        sb_event("push %s must_report=%d reason=%s call=%s handle=%s", or_dash(m->push_id), m->must_report,
                 or_dash(m->reason), or_dash(m->call_uuid), or_dash(m->remote_handle_value));
        if (call)
                end_call(sb, call, payload, size);
        else if (m->must_report && sb->push_misbehave)
                sb_event("push-ignored %s", or_dash(m->push_id));
        else if (m->must_report)
                report_call(sb, m);
}

static const CkPushRegistryDelegate push_delegate = {
        .did_update_token = on_token,
        .did_receive_push = on_push,
        .did_update_endpoint = on_endpoint,
        .did_miss_report_deadline = on_deadline_missed,
};

int sb_push_start(Speakerbox *sb) {
        const CkPushRegistryConfiguration config = {
                .app_id = sb->app_id,
                .bus_name = sb->app_id,
                .development = sb->push_development,
        };
        int r;

        r = ck_push_registry_new(sb->bus, &config, &push_delegate, sb, &sb->push);
        if (r < 0)
                return r;
        /* Registered at once: say so now; else did_update_token will. */
        if (ck_push_registry_get_token(sb->push))
                on_token(sb->push, ck_push_registry_get_token(sb->push), sb);
        sb_event("push-endpoint %s", or_dash(ck_push_registry_get_endpoint(sb->push)));
        return 0;
}
