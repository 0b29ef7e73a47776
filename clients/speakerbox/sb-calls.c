/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * speakerbox's calls and its CkProviderDelegate: every action callkitd
 * sends is carried out on the call table (the simulated network always
 * agrees) and fulfilled; audio starts and stops only when callkitd hands
 * the audio session over, never when the app thinks a call became active.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "speakerbox.h"

const char *sb_call_state_to_string(SbCallState state) {
        static const char *const names[] = {
                [SB_CALL_PENDING] = "pending",
                [SB_CALL_RINGING] = "ringing",
                [SB_CALL_DIALING] = "dialing",
                [SB_CALL_CONNECTING] = "connecting",
                [SB_CALL_ACTIVE] = "active",
                [SB_CALL_HELD] = "held",
        };
        return names[state];
}

CkHandleType sb_handle_type_guess(const char *handle) {
        if (strchr(handle, '@'))
                return CK_HANDLE_TYPE_EMAIL_ADDRESS;
        if (*handle && strspn(handle, "+0123456789 -()") == strlen(handle))
                return CK_HANDLE_TYPE_PHONE_NUMBER;
        return CK_HANDLE_TYPE_GENERIC;
}

SbCall *sb_call_new(Speakerbox *sb, const char *uuid, const char *handle, const char *name,
                    bool outgoing, bool video) {
        SbCall *call = calloc(1, sizeof(*call));

        if (!call)
                return NULL;
        snprintf(call->uuid, sizeof(call->uuid), "%s", uuid);
        call->handle = strdup(handle ? handle : "");
        call->name = strdup(name ? name : "");
        if (!call->handle || !call->name) {
                free(call->handle);
                free(call->name);
                free(call);
                return NULL;
        }
        call->sb = sb;
        call->outgoing = outgoing;
        call->video = video;
        call->state = outgoing ? SB_CALL_DIALING : SB_CALL_PENDING;
        call->next = sb->calls;
        sb->calls = call;
        return call;
}

SbCall *sb_call_find(Speakerbox *sb, const char *key, bool *ret_ambiguous) {
        SbCall *found = NULL;
        size_t n = strlen(key);

        if (ret_ambiguous)
                *ret_ambiguous = false;
        for (SbCall *c = sb->calls; c; c = c->next) {
                if (strcasecmp(c->uuid, key) == 0)
                        return c;
                if (n > 0 && strncasecmp(c->uuid, key, n) == 0) {
                        if (found) {
                                if (ret_ambiguous)
                                        *ret_ambiguous = true;
                                return NULL;
                        }
                        found = c;
                }
        }
        return found;
}

void sb_call_set_state(Speakerbox *sb, SbCall *call, SbCallState state) {
        if (call->state == state)
                return;
        call->state = state;
        sb_event("call %s %s", call->uuid, sb_call_state_to_string(state));
}

static void group_leave(Speakerbox *sb, SbCall *call);

void sb_call_free(Speakerbox *sb, SbCall *call) {
        for (SbCall **p = &sb->calls; *p; p = &(*p)->next)
                if (*p == call) {
                        *p = call->next;
                        break;
                }
        /* Normally stopped already by DidDeactivateAudioSession; a call that
         * is gone has no one to talk to either way. */
        sb_audio_stop(sb->audio, call);
        group_leave(sb, call);
        sd_event_source_disable_unref(call->timer);
        sb_event("call %s gone", call->uuid);
        free(call->handle);
        free(call->name);
        free(call->group);
        free(call);
}

void sb_calls_clear(Speakerbox *sb) {
        while (sb->calls)
                sb_call_free(sb, sb->calls);
}

static int report_incoming_now(Speakerbox *sb, SbCall *call) {
        __attribute__((cleanup(ck_call_update_unrefp))) CkCallUpdate *u = NULL;
        int r;

        r = ck_call_update_new(&u);
        if (r < 0)
                return r;
        r = ck_call_update_set_remote_handle(u, sb_handle_type_guess(call->handle), call->handle);
        if (r >= 0 && *call->name)
                r = ck_call_update_set_localized_caller_name(u, call->name);
        if (r >= 0)
                r = ck_call_update_set_has_video(u, call->video);
        if (r >= 0)
                r = ck_call_update_set_supports_holding(u, true);
        if (r >= 0)
                r = ck_call_update_set_supports_grouping(u, true);
        if (r >= 0)
                r = ck_call_update_set_supports_ungrouping(u, true);
        if (r >= 0)
                r = ck_call_update_set_supports_dtmf(u, true);
        if (r < 0)
                return r;
        return ck_provider_report_new_incoming_call(sb->provider, call->uuid, u);
}

static void report_failed(Speakerbox *sb, SbCall *call, const char *what, int r) {
        CkError e = r == -EBADR ? ck_provider_get_last_error(sb->provider) : CK_ERROR_NONE;

        sb_event("report-failed %s %s %s", what, call->uuid,
                 e != CK_ERROR_NONE ? ck_error_to_string(e) : strerror(-r));
}

static int on_incoming_due(sd_event_source *s, uint64_t usec, void *userdata) {
        SbCall *call = userdata;
        Speakerbox *sb = call->sb;
        int r;

        call->timer = sd_event_source_disable_unref(call->timer);
        r = report_incoming_now(sb, call);
        if (r < 0) {
                report_failed(sb, call, "incoming", r);
                sb_call_free(sb, call);
                return 0;
        }
        sb_call_set_state(sb, call, SB_CALL_RINGING);
        return 0;
}

int sb_call_report_incoming(Speakerbox *sb, SbCall *call, uint64_t delay_usec) {
        if (delay_usec == 0) {
                int r = report_incoming_now(sb, call);

                if (r >= 0)
                        sb_call_set_state(sb, call, SB_CALL_RINGING);
                return r;
        }
        return sd_event_add_time_relative(sb->event, &call->timer, CLOCK_MONOTONIC, delay_usec, 0,
                                          on_incoming_due, call);
}

/* The simulated network: an outgoing call starts connecting half the
 * connect delay after start-call, and is connected after the whole. */
static int on_outgoing_progress(sd_event_source *s, uint64_t usec, void *userdata) {
        SbCall *call = userdata;
        Speakerbox *sb = call->sb;
        int r;

        call->timer = sd_event_source_disable_unref(call->timer);
        if (call->state == SB_CALL_DIALING) {
                r = ck_provider_report_outgoing_call_started_connecting(sb->provider, call->uuid, 0);
                if (r < 0) {
                        report_failed(sb, call, "connecting", r);
                        return 0;
                }
                sb_call_set_state(sb, call, SB_CALL_CONNECTING);
                r = sd_event_add_time_relative(sb->event, &call->timer, CLOCK_MONOTONIC,
                                               sb->connect_delay_usec / 2, 0, on_outgoing_progress, call);
                if (r < 0)
                        report_failed(sb, call, "connecting", r);
        } else if (call->state == SB_CALL_CONNECTING) {
                r = ck_provider_report_outgoing_call_connected(sb->provider, call->uuid, 0);
                if (r < 0) {
                        report_failed(sb, call, "connected", r);
                        return 0;
                }
                sb_call_set_state(sb, call, SB_CALL_ACTIVE);
        }
        return 0;
}

/* ---------------------------------------------------------------------- */
/* CkProviderDelegate */

static void fulfill(CkAction *a) {
        int r = ck_action_fulfill(a);

        if (r < 0)
                sb_event("fulfill-failed %s %s %s", ck_action_type_to_string(ck_action_get_type(a)),
                         ck_action_get_call_uuid(a), strerror(-r));
}

static SbCall *action_call(Speakerbox *sb, CkAction *a) {
        SbCall *call = sb_call_find(sb, ck_action_get_call_uuid(a), NULL);

        sb_event("perform %s %s", ck_action_type_to_string(ck_action_get_type(a)),
                 ck_action_get_call_uuid(a));
        /* callkitd only sends actions for calls this provider reported, so
         * an unknown one was dropped here (a reset raced the action). */
        if (!call || strcasecmp(call->uuid, ck_action_get_call_uuid(a)) != 0) {
                ck_action_fail(a, "unknown call");
                return NULL;
        }
        return call;
}

static void on_did_begin(CkProvider *p, void *userdata) {
        Speakerbox *sb = userdata;

        sb_event("did-begin %s", ck_provider_get_object_path(p));
        /* The startup commands (from the command line) run once, not again
         * after callkitd restarted. */
        if (sb->n_begins++ == 0 && sb->startup)
                for (char **c = sb->startup; *c; c++)
                        (void) sb_command_run(sb, *c);
}

static void on_did_reset(CkProvider *p, const char *reason, void *userdata) {
        Speakerbox *sb = userdata;

        /* Every call ended in callkitd: drop ours and their audio. */
        sb_calls_clear(sb);
        sb_event("did-reset %s", reason);
}

static void on_start_call(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        const char *type = NULL, *value = NULL;
        SbCall *call;
        int r;

        sb_event("perform start-call %s", ck_action_get_call_uuid(a));
        (void) ck_action_get_handle(a, &type, &value);
        call = sb_call_find(sb, ck_action_get_call_uuid(a), NULL);
        if (!call || strcasecmp(call->uuid, ck_action_get_call_uuid(a)) != 0)
                /* Started elsewhere (callctl start): a new call for us. */
                call = sb_call_new(sb, ck_action_get_call_uuid(a), value, NULL, true,
                                   ck_action_get_video(a));
        if (!call) {
                ck_action_fail(a, "out of memory");
                return;
        }
        r = sd_event_add_time_relative(sb->event, &call->timer, CLOCK_MONOTONIC,
                                       sb->connect_delay_usec / 2, 0, on_outgoing_progress, call);
        if (r < 0) {
                ck_action_fail(a, strerror(-r));
                sb_call_free(sb, call);
                return;
        }
        fulfill(a);
        sb_event("call %s %s", call->uuid, sb_call_state_to_string(call->state));
}

static void on_answer_call(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = action_call(sb, a);

        if (!call)
                return;
        sb_call_set_state(sb, call, SB_CALL_ACTIVE);
        fulfill(a);
}

static void on_end_call(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = action_call(sb, a);

        if (!call)
                return;
        sb_event("ended %s %s", call->uuid, ck_action_get_end_reason(a) ? ck_action_get_end_reason(a) : "hung-up");
        fulfill(a);
        sb_call_free(sb, call);
}

static bool same_group(const SbCall *a, const SbCall *b) {
        return a == b || (a->group && b->group && strcmp(a->group, b->group) == 0);
}

/* callkitd holds and resumes a group as one (CXSetHeldCallAction on one
 * call of a conference holds the conference), and sends the action for the
 * named call only: the phone follows suit for the others. */
static void on_set_held(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = action_call(sb, a);
        SbCallState state = ck_action_get_on_hold(a) ? SB_CALL_HELD : SB_CALL_ACTIVE;

        if (!call)
                return;
        for (SbCall *c = sb->calls; c; c = c->next)
                if (same_group(c, call) && (c->state == SB_CALL_ACTIVE || c->state == SB_CALL_HELD))
                        sb_call_set_state(sb, c, state);
        fulfill(a);
}

static void on_set_muted(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = action_call(sb, a);

        if (!call)
                return;
        call->muted = ck_action_get_muted(a);
        sb_audio_set_muted(sb->audio, call, call->muted);
        sb_event("muted %s %s", call->uuid, call->muted ? "true" : "false");
        fulfill(a);
}

static void group_leave(Speakerbox *sb, SbCall *call) {
        SbCall *last = NULL;
        unsigned n = 0;

        if (!call->group)
                return;
        for (SbCall *c = sb->calls; c; c = c->next)
                if (c != call && same_group(c, call)) {
                        last = c;
                        n++;
                }
        free(call->group);
        call->group = NULL;
        /* A group of one is no group. */
        if (n == 1) {
                free(last->group);
                last->group = NULL;
        }
}

static void on_set_group(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = action_call(sb, a), *target;
        const char *with = ck_action_get_group_with(a);
        bool active;

        if (!call)
                return;
        target = with && *with ? sb_call_find(sb, with, NULL) : NULL;
        if (with && *with && (!target || target == call)) {
                ck_action_fail(a, "unknown call to merge with");
                return;
        }
        group_leave(sb, call);
        if (target) {
                /* Named after the call that was there first. */
                if (!target->group && !(target->group = strdup(target->uuid))) {
                        ck_action_fail(a, "out of memory");
                        return;
                }
                call->group = strdup(target->group);
                if (!call->group) {
                        ck_action_fail(a, "out of memory");
                        return;
                }
                /* Joining a talking group brings the whole group to talk,
                 * as callkitd does. */
                active = false;
                for (SbCall *c = sb->calls; c; c = c->next)
                        active |= same_group(c, call) && c->state == SB_CALL_ACTIVE;
                if (active)
                        for (SbCall *c = sb->calls; c; c = c->next)
                                if (same_group(c, call) && c->state == SB_CALL_HELD)
                                        sb_call_set_state(sb, c, SB_CALL_ACTIVE);
        }
        sb_event("group %s %s", call->uuid, call->group ? call->group : "none");
        fulfill(a);
}

static void on_play_dtmf(CkProvider *p, CkAction *a, void *userdata) {
        Speakerbox *sb = userdata;
        SbCall *call = action_call(sb, a);
        const char *digits = ck_action_get_digits(a);

        if (!call)
                return;
        sb_audio_play_dtmf(sb->audio, call, digits ? digits : "");
        sb_event("dtmf %s %s %s", call->uuid, digits ? digits : "",
                 ck_action_get_dtmf_type(a) ? ck_action_get_dtmf_type(a) : "single-tone");
        fulfill(a);
}

static void on_timed_out(CkProvider *p, CkAction *a, void *userdata) {
        sb_event("timed-out %s %s", ck_action_type_to_string(ck_action_get_type(a)),
                 ck_action_get_call_uuid(a));
}

static void on_audio_session(Speakerbox *sb, char **calls, bool active) {
        for (char **u = calls; u && *u; u++) {
                SbCall *call = sb_call_find(sb, *u, NULL);

                sb_event("audio-%s %s", active ? "activated" : "deactivated", *u);
                if (!call)
                        continue;
                call->audio_active = active;
                if (!active)
                        sb_audio_stop(sb->audio, call);
                else if (sb_audio_start(sb->audio, call) < 0)
                        /* No PipeWire: the call goes on without sound. */
                        sb_event("audio-missing %s", call->uuid);
        }
}

static void on_did_activate(CkProvider *p, char **calls, void *userdata) {
        on_audio_session(userdata, calls, true);
}

static void on_did_deactivate(CkProvider *p, char **calls, void *userdata) {
        on_audio_session(userdata, calls, false);
}

const CkProviderDelegate sb_delegate = {
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
