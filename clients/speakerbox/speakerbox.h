/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * speakerbox: a terminal softphone on libcallkit, the counterpart of
 * Apple's Speakerbox sample. The phone network is simulated (incoming calls
 * come from a command, outgoing calls connect after a moment); everything
 * towards callkitd and PipeWire is real.
 *
 * One thread, one sd-event loop: the bus (sd_bus_attach_event()), stdin,
 * timers and PipeWire's loop (sb-audio.c) all run in it, so no state is
 * shared across threads.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "callkit.h"

typedef struct SbAudio SbAudio;
typedef struct SbCallAudio SbCallAudio;
typedef struct Speakerbox Speakerbox;

typedef enum SbCallState {
        SB_CALL_PENDING,        /* incoming, waiting for its delay to be reported */
        SB_CALL_RINGING,
        SB_CALL_DIALING,        /* outgoing, start-call fulfilled */
        SB_CALL_CONNECTING,
        SB_CALL_ACTIVE,
        SB_CALL_HELD,
} SbCallState;

typedef struct SbCall {
        Speakerbox *sb;
        char uuid[37];
        char *handle;
        char *name;
        bool outgoing;
        bool video;
        bool muted;
        bool audio_active;      /* between DidActivate and DidDeactivate */
        SbCallState state;
        char *group;            /* UUID of the call it was merged with, or NULL */
        sd_event_source *timer; /* delayed report, or connecting/connected */
        SbCallAudio *audio;     /* the streams while the audio session is active */
        struct SbCall *next;
} SbCall;

struct Speakerbox {
        sd_event *event;
        sd_bus *bus;
        CkProvider *provider;
        CkCallController *controller;
        SbAudio *audio;
        SbCall *calls;          /* newest first */
        uint64_t connect_delay_usec;
        unsigned n_begins;
        char **startup;         /* commands run at the first did_begin */
        int exit_status;
        /* --push */
        CkPushRegistry *push;
        const char *app_id;
        bool push_misbehave;    /* never report a call for a push */
        bool push_development;
};

/* speakerbox.c: one machine-readable line on stdout, "event: ...". */
void sb_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The reply to a command: "ok COMMAND ..." (returns 0) or "error COMMAND
 * message" (returns -EINVAL), so a command can end with return sb_reply_*(). */
int sb_reply_ok(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_reply_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_quit(Speakerbox *sb, int status);

/* sb-commands.c */
/* Runs one command line and prints its reply; returns 0 or a negative
 * errno when it failed. */
int sb_command_run(Speakerbox *sb, const char *line);
void sb_command_print_help(void);

/* sb-calls.c */
extern const CkProviderDelegate sb_delegate;
const char *sb_call_state_to_string(SbCallState state);
SbCall *sb_call_new(Speakerbox *sb, const char *uuid, const char *handle, const char *name,
                    bool outgoing, bool video);
SbCall *sb_call_find(Speakerbox *sb, const char *uuid_or_prefix, bool *ret_ambiguous);
void sb_call_set_state(Speakerbox *sb, SbCall *call, SbCallState state);
void sb_call_free(Speakerbox *sb, SbCall *call);
void sb_calls_clear(Speakerbox *sb);
/* Reports the call to callkitd now or after delay_usec. */
int sb_call_report_incoming(Speakerbox *sb, SbCall *call, uint64_t delay_usec);
CkHandleType sb_handle_type_guess(const char *handle);

/* sb-push.c: registers for VoIP pushes (--push) and answers them. */
int sb_push_start(Speakerbox *sb);

/* sb-audio.c: one capture and one playback stream per call while it holds
 * the audio session. Without a PipeWire server the phone works silently. */
int sb_audio_new(sd_event *event, SbAudio **ret);
SbAudio *sb_audio_free(SbAudio *audio);
/* Starts the call's streams (connecting to PipeWire first if needed). */
int sb_audio_start(SbAudio *audio, SbCall *call);
void sb_audio_stop(SbAudio *audio, SbCall *call);
void sb_audio_set_muted(SbAudio *audio, SbCall *call, bool muted);
/* Queues DTMF tones on the call's playback stream, as local feedback. */
void sb_audio_play_dtmf(SbAudio *audio, SbCall *call, const char *digits);
