/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The call's audio: a capture stream (the microphone, sent to the remote
 * party) and a playback stream (the remote party, here a generated tone)
 * for each call while it holds the audio session. Both carry
 * media.role = Communication and callkit.call = <uuid>, which is how
 * libpipewire-module-callkit ties them to the call.
 *
 * PipeWire's loop runs inside speakerbox's sd-event loop: its epoll fd
 * (pw_loop_get_fd()) is one more I/O source, and pw_loop_iterate() runs when
 * it is readable. A pw_thread_loop would put PipeWire's callbacks on a
 * second thread, and libcallkit objects (which the stream callbacks touch
 * through the call table) must stay on one thread; streams are not created
 * with PW_STREAM_FLAG_RT_PROCESS, so their process callbacks are invoked on
 * this loop too.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/props.h>

#include "callkit-names.h"
#include "speakerbox.h"

#define SB_RATE 48000
#define SB_AMPLITUDE 0.1
/* The remote party: a 440 Hz tone, one second on, one second off, so a
 * listener hears that audio flows and when it stops. */
#define SB_TONE_HZ 440.0
/* Each DTMF digit sounds for 100 ms, then 50 ms of silence. */
#define SB_DTMF_TONE_FRAMES (SB_RATE / 10)
#define SB_DTMF_GAP_FRAMES (SB_RATE / 20)

struct SbCallAudio {
        SbAudio *audio;
        SbCall *call;
        struct pw_stream *playback;
        struct pw_stream *capture;
        struct spa_hook playback_listener;
        struct spa_hook capture_listener;
        uint64_t frames;        /* played so far, the generator's clock */
        char dtmf[128];         /* digits still to play */
        size_t dtmf_len;
        uint32_t dtmf_frame;    /* position within the current digit */
        bool stopping;          /* the streams are being destroyed */
        SbCallAudio *next;
};

struct SbAudio {
        sd_event *event;
        struct pw_loop *loop;
        struct pw_context *context;
        struct pw_core *core;
        struct spa_hook core_listener;
        sd_event_source *loop_source;
        sd_event_source *drop_source;   /* drops a core whose server went away */
        SbCallAudio *streams;
};

/* The two frequencies of a DTMF digit (ITU-T Q.23); 0 for a pause. */
static void dtmf_frequencies(char digit, double *ret_low, double *ret_high) {
        static const char keys[4][5] = { "123A", "456B", "789C", "*0#D" };
        static const double low[4] = { 697, 770, 852, 941 };
        static const double high[4] = { 1209, 1336, 1477, 1633 };

        *ret_low = *ret_high = 0;
        for (unsigned r = 0; r < 4; r++)
                for (unsigned c = 0; c < 4; c++)
                        if (keys[r][c] == digit) {
                                *ret_low = low[r];
                                *ret_high = high[c];
                        }
}

static float next_sample(SbCallAudio *ca) {
        double t = (double) ca->frames / SB_RATE;
        float v = 0;

        if (ca->dtmf_len > 0) {
                double lo, hi;

                dtmf_frequencies(ca->dtmf[0], &lo, &hi);
                if (ca->dtmf_frame < SB_DTMF_TONE_FRAMES && lo > 0)
                        v = SB_AMPLITUDE * (sin(2 * M_PI * lo * t) + sin(2 * M_PI * hi * t)) / 2;
                if (++ca->dtmf_frame >= SB_DTMF_TONE_FRAMES + SB_DTMF_GAP_FRAMES) {
                        memmove(ca->dtmf, ca->dtmf + 1, ca->dtmf_len);
                        ca->dtmf_len--;
                        ca->dtmf_frame = 0;
                }
        } else if ((ca->frames / SB_RATE) % 2 == 0)
                v = SB_AMPLITUDE * sin(2 * M_PI * SB_TONE_HZ * t);
        ca->frames++;
        return v;
}

static void on_playback_process(void *userdata) {
        SbCallAudio *ca = userdata;
        struct pw_buffer *b;
        struct spa_data *d;
        uint32_t n;
        float *dst;

        b = pw_stream_dequeue_buffer(ca->playback);
        if (!b)
                return;
        d = &b->buffer->datas[0];
        dst = d->data;
        if (dst) {
                n = d->maxsize / sizeof(float);
                if (b->requested > 0 && b->requested < n)
                        n = b->requested;
                for (uint32_t i = 0; i < n; i++)
                        dst[i] = next_sample(ca);
                d->chunk->offset = 0;
                d->chunk->stride = sizeof(float);
                d->chunk->size = n * sizeof(float);
        }
        pw_stream_queue_buffer(ca->playback, b);
}

static void on_capture_process(void *userdata) {
        SbCallAudio *ca = userdata;
        struct pw_buffer *b;

        /* A real phone would encode and send these samples; the simulated
         * network has nowhere to send them, so they are consumed. */
        b = pw_stream_dequeue_buffer(ca->capture);
        if (b)
                pw_stream_queue_buffer(ca->capture, b);
}

static void on_stream_state_changed(void *userdata, enum pw_stream_state old,
                                    enum pw_stream_state state, const char *error) {
        SbCallAudio *ca = userdata;

        if (state == PW_STREAM_STATE_ERROR)
                sb_event("audio-error %s %s", ca->call->uuid, error ? error : "unknown");
        /* The stream knows its controls once linked and negotiated: a call
         * muted before that gets its mute now. A stream being destroyed
         * passes through PAUSED too, and takes no controls any more. */
        if (state == PW_STREAM_STATE_PAUSED && old == PW_STREAM_STATE_CONNECTING &&
            !ca->stopping && ca->call->muted)
                sb_audio_set_muted(ca->audio, ca->call, true);
}

static const struct pw_stream_events playback_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_stream_state_changed,
        .process = on_playback_process,
};

static const struct pw_stream_events capture_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_stream_state_changed,
        .process = on_capture_process,
};

static struct pw_stream *stream_new(SbAudio *audio, SbCallAudio *ca, bool capture) {
        const SbCall *call = ca->call;
        const char *peer = call->name && *call->name ? call->name :
                           call->handle && *call->handle ? call->handle : "Unknown";
        uint8_t buffer[1024];
        struct spa_pod_builder builder = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
        const struct spa_pod *params[1];
        struct pw_properties *props;
        struct pw_stream *stream;

        props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
                                  PW_KEY_MEDIA_CATEGORY, capture ? "Capture" : "Playback",
                                  PW_KEY_MEDIA_ROLE, "Communication",
                                  PW_KEY_NODE_NAME, capture ? "speakerbox-capture" : "speakerbox-playback",
                                  CALLKIT_PROP_CALL, call->uuid,
                                  NULL);
        if (!props)
                return NULL;
        pw_properties_setf(props, PW_KEY_MEDIA_NAME, "%s call with %s",
                           capture ? "Microphone for" : "Voice of the", peer);

        stream = pw_stream_new(audio->core, capture ? "speakerbox capture" : "speakerbox playback", props);
        if (!stream)
                return NULL;
        pw_stream_add_listener(stream, capture ? &ca->capture_listener : &ca->playback_listener,
                               capture ? &capture_events : &playback_events, ca);

        params[0] = spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat,
                                               &SPA_AUDIO_INFO_RAW_INIT(.format = SPA_AUDIO_FORMAT_F32,
                                                                        .channels = 1,
                                                                        .rate = SB_RATE,
                                                                        .position = { SPA_AUDIO_CHANNEL_MONO }));
        if (pw_stream_connect(stream, capture ? PW_DIRECTION_INPUT : PW_DIRECTION_OUTPUT, PW_ID_ANY,
                              PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS,
                              params, 1) < 0) {
                pw_stream_destroy(stream);
                return NULL;
        }
        return stream;
}

static void call_audio_free(SbAudio *audio, SbCallAudio *ca) {
        SbCallAudio **p;

        for (p = &audio->streams; *p; p = &(*p)->next)
                if (*p == ca) {
                        *p = ca->next;
                        break;
                }
        ca->stopping = true;
        if (ca->capture)
                pw_stream_destroy(ca->capture);
        if (ca->playback)
                pw_stream_destroy(ca->playback);
        ca->call->audio = NULL;
        free(ca);
}

static void core_drop(SbAudio *audio) {
        while (audio->streams) {
                SbCall *call = audio->streams->call;

                call_audio_free(audio, audio->streams);
                sb_event("audio-stopped %s", call->uuid);
        }
        if (audio->core) {
                spa_hook_remove(&audio->core_listener);
                pw_core_disconnect(audio->core);
                audio->core = NULL;
        }
}

static int on_drop(sd_event_source *s, void *userdata) {
        SbAudio *audio = userdata;

        audio->drop_source = sd_event_source_unref(audio->drop_source);
        core_drop(audio);
        return 0;
}

static void on_core_error(void *userdata, uint32_t id, int seq, int res, const char *message) {
        SbAudio *audio = userdata;

        if (id != PW_ID_CORE || res != -EPIPE || audio->drop_source)
                return;
        /* The server went away. The core cannot be destroyed from its own
         * callback: drop it from the next loop iteration. */
        sb_event("audio-unavailable %s", message ? message : strerror(EPIPE));
        if (sd_event_add_defer(audio->event, &audio->drop_source, on_drop, audio) < 0)
                core_drop(audio);
}

static const struct pw_core_events core_events = {
        PW_VERSION_CORE_EVENTS,
        .error = on_core_error,
};

static int core_connect(SbAudio *audio) {
        if (audio->core)
                return 0;
        audio->core = pw_context_connect(audio->context, NULL, 0);
        if (!audio->core) {
                int r = -errno;

                sb_event("audio-unavailable %s", strerror(-r));
                return r;
        }
        pw_core_add_listener(audio->core, &audio->core_listener, &core_events, audio);
        return 0;
}

static int on_loop_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        SbAudio *audio = userdata;

        pw_loop_iterate(audio->loop, 0);
        return 0;
}

int sb_audio_new(sd_event *event, SbAudio **ret) {
        SbAudio *audio;
        int r;

        pw_init(NULL, NULL);
        audio = calloc(1, sizeof(*audio));
        if (!audio)
                return -ENOMEM;
        audio->event = sd_event_ref(event);
        audio->loop = pw_loop_new(NULL);
        if (!audio->loop) {
                r = -errno;
                goto fail;
        }
        /* This thread runs the loop from now on (see the top of the file). */
        pw_loop_enter(audio->loop);
        audio->context = pw_context_new(audio->loop,
                                        pw_properties_new(PW_KEY_APP_NAME, "Speakerbox", NULL), 0);
        if (!audio->context) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(event, &audio->loop_source, pw_loop_get_fd(audio->loop), EPOLLIN,
                            on_loop_readable, audio);
        if (r < 0)
                goto fail;
        /* Connected on the first activation: the server may start later. */
        *ret = audio;
        return 0;
fail:
        sb_audio_free(audio);
        return r;
}

SbAudio *sb_audio_free(SbAudio *audio) {
        if (!audio)
                return NULL;
        core_drop(audio);
        sd_event_source_disable_unref(audio->drop_source);
        sd_event_source_disable_unref(audio->loop_source);
        if (audio->context)
                pw_context_destroy(audio->context);
        if (audio->loop) {
                pw_loop_leave(audio->loop);
                pw_loop_destroy(audio->loop);
        }
        sd_event_unref(audio->event);
        free(audio);
        pw_deinit();
        return NULL;
}

int sb_audio_start(SbAudio *audio, SbCall *call) {
        SbCallAudio *ca;
        int r;

        if (call->audio)
                return 0;
        r = core_connect(audio);
        if (r < 0)
                return r;
        ca = calloc(1, sizeof(*ca));
        if (!ca)
                return -ENOMEM;
        ca->audio = audio;
        ca->call = call;
        call->audio = ca;
        ca->next = audio->streams;
        audio->streams = ca;
        ca->playback = stream_new(audio, ca, false);
        ca->capture = stream_new(audio, ca, true);
        if (!ca->playback || !ca->capture) {
                r = errno > 0 ? -errno : -EIO;
                call_audio_free(audio, ca);
                return r;
        }
        if (call->muted)
                sb_audio_set_muted(audio, call, true);
        sb_event("audio-started %s", call->uuid);
        return 0;
}

void sb_audio_stop(SbAudio *audio, SbCall *call) {
        if (!call->audio)
                return;
        call_audio_free(audio, call->audio);
        sb_event("audio-stopped %s", call->uuid);
}

void sb_audio_set_muted(SbAudio *audio, SbCall *call, bool muted) {
        float value = muted ? 1.0f : 0.0f;

        /* The capture node's own mute control, so the mute shows in the
         * graph (pw-dump, pavucontrol), not only in this process. A stream
         * that is not linked yet has no controls: see
         * on_stream_state_changed(). */
        if (call->audio && call->audio->capture)
                pw_stream_set_control(call->audio->capture, SPA_PROP_mute, 1, &value, 0);
}

void sb_audio_play_dtmf(SbAudio *audio, SbCall *call, const char *digits) {
        SbCallAudio *ca = call->audio;

        if (!ca)
                return;
        for (; *digits && ca->dtmf_len < sizeof(ca->dtmf) - 1; digits++)
                ca->dtmf[ca->dtmf_len++] = *digits;
        ca->dtmf[ca->dtmf_len] = '\0';
}
