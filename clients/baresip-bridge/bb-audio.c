/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baresip's audio follows callkitd's audio session. While none of the
 * bridge's calls holds it, baresip's calls use the idle devices (by
 * default aubridge devices that nothing is connected to: no sound card is
 * opened and no sound is sent); when callkitd activates a call's session,
 * baresip switches to the real devices (`auplay`, `ausrc`), and back when
 * it is deactivated. baresip switches the devices of all its calls at
 * once, which is right here: only the call holding the session talks, the
 * others are held or ringing.
 *
 * So that libpipewire-module-callkit knows whose streams these are,
 * baresip's ALSA streams through PipeWire (pipewire-alsa) get the call's
 * UUID as `callkit.call`: the PipeWire ALSA plugin reads its client-rt.conf
 * drop-ins each time a device is opened, and the bridge writes one that
 * names the call just before it switches the devices.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"

void bb_audio_config_clear(BbAudioConfig *c) {
        free(c->player);
        free(c->source);
        free(c->idle_player);
        free(c->idle_source);
        free(c->tag_file);
        free(c->binary);
        *c = (BbAudioConfig) {};
}

static int mkdir_parents(const char *path) {
        _cleanup_free_ char *dir = strdup(path);

        if (!dir)
                return -ENOMEM;
        for (char *s = dir + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        return 0;
}

/* Written to a temporary file and renamed over the old one, so that the
 * plugin never reads half a file. */
static int write_tag(Bridge *b, const char *uuid) {
        const char *path = b->audio.tag_file;
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int r;

        r = mkdir_parents(path);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        {
                int fd = mkstemp(tmp);

                if (fd < 0)
                        return -errno;
                (void) fchmod(fd, 0644);
                f = fdopen(fd, "w");
                if (!f) {
                        r = -errno;
                        close(fd);
                        unlink(tmp);
                        return r;
                }
        }
        fprintf(f,
                "# Written by baresip-bridge while call %s holds the audio session:\n"
                "# the ALSA streams %s opens through PipeWire belong to that call.\n"
                "alsa.rules = [\n"
                "  { matches = [ { application.process.binary = \"%s\" } ]\n"
                "    actions = { update-props = { callkit.call = \"%s\" media.role = \"Communication\" } }\n"
                "  }\n"
                "]\n",
                uuid, b->audio.binary, b->audio.binary, uuid);
        r = fflush(f) == 0 ? 0 : -errno;
        fclose(f);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

static void remove_tag(Bridge *b) {
        if (b->audio.tag_file && unlink(b->audio.tag_file) < 0 && errno != ENOENT)
                bb_log_error("cannot remove %s: %s", b->audio.tag_file, strerror(errno));
}

typedef struct Switch {
        char uuid[37];
        bool active;
        unsigned pending;
        bool failed;
        char *why;
} Switch;

/* Whether a call of ours has no audio stream yet (ringing, or dialling
 * with no answer): baresip cannot switch such a call's devices. */
static bool have_call_without_audio(Bridge *b) {
        for (BbCall *c = b->calls; c; c = c->next)
                if (c->state != BB_CALL_ESTABLISHED)
                        return true;
        return false;
}

/* baresip says "switch audio player: MOD,DEV" and then, when a call's
 * device could not be set, "failed to set audio-player" and stops there;
 * "no such ..." when the module or device does not exist. The call named
 * is baresip's current call, which it switches first. A failure is a call
 * with no audio stream yet: another call, which gets its devices when it
 * holds the session, or this one, activated while it dials, which gets
 * them when it is established (bb_audio_call_established()). */
static void on_switch_reply(Bridge *b, int ok, const char *data, void *userdata) {
        Switch *sw = userdata;
        bool bad;

        bad = ok < 0 || !data || !strstr(data, "switch audio") || strstr(data, "no such") ||
                (strstr(data, "failed") && !have_call_without_audio(b));
        if (bad && !sw->failed) {
                sw->failed = true;
                sw->why = strdup(ok == -ENOENT ? "baresip has no such call" :
                                 ok < 0 ? strerror(-ok) : data ? data : "no reply");
        }
        if (--sw->pending > 0)
                return;
        if (sw->failed) {
                char *nl;

                while (sw->why && (nl = strchr(sw->why, '\n')))
                        *nl = ' ';
                bb_log_error("cannot switch baresip's audio %s for call %s: %s", sw->active ? "on" : "off",
                             sw->uuid, sw->why ? sw->why : "");
                bb_event("audio-failed %s %s", sw->uuid, sw->active ? "on" : "off");
        } else
                bb_event("audio-%s %s", sw->active ? "started" : "stopped", sw->uuid);
        free(sw->why);
        free(sw);
}

/* baresip's auplay and ausrc switch every call of the user agent, starting
 * with its current call: the call is made current first (when baresip
 * still has it). */
static int device_command(Bridge *b, const char *uuid, const char *command, const char *device, Switch *sw) {
        BbCall *call = bb_call_by_uuid(b, uuid);

        if (call)
                return bb_call_command(b, call, command, device, on_switch_reply, sw);
        return bb_ctrl_command(b->ctrl, command, device, on_switch_reply, sw);
}

static void switch_devices(Bridge *b, const char *uuid, bool active) {
        const char *player = active ? b->audio.player : b->audio.idle_player;
        const char *source = active ? b->audio.source : b->audio.idle_source;
        Switch *sw;

        if (!player && !source)
                return;
        sw = calloc(1, sizeof(*sw));
        if (!sw)
                return;
        snprintf(sw->uuid, sizeof(sw->uuid), "%s", uuid);
        sw->active = active;
        if (player && device_command(b, uuid, "auplay", player, sw) >= 0)
                sw->pending++;
        if (source && device_command(b, uuid, "ausrc", source, sw) >= 0)
                sw->pending++;
        if (sw->pending == 0) {
                bb_event("audio-failed %s %s", uuid, active ? "on" : "off");
                free(sw);
        }
}

void bb_audio_activate(Bridge *b, char **uuids) {
        BbCall *target = NULL;

        for (char **u = uuids; u && *u; u++) {
                BbCall *call = bb_call_by_uuid(b, *u);

                bb_event("audio-activated %s", *u);
                if (call) {
                        call->audio = true;
                        if (!target)
                                target = call;
                }
        }
        if (!target)
                return;
        if (b->audio.tag_file) {
                int r = write_tag(b, target->uuid);

                if (r < 0)
                        bb_log_error("cannot write %s: %s", b->audio.tag_file, strerror(-r));
        }
        free(b->audio_call);
        b->audio_call = strdup(target->uuid);
        switch_devices(b, target->uuid, true);
}

static void stop(Bridge *b) {
        _cleanup_free_ char *uuid = b->audio_call;

        b->audio_call = NULL;
        remove_tag(b);
        if (uuid)
                switch_devices(b, uuid, false);
}

void bb_audio_deactivate(Bridge *b, char **uuids) {
        bool ours = false;

        for (char **u = uuids; u && *u; u++) {
                BbCall *call = bb_call_by_uuid(b, *u);

                bb_event("audio-deactivated %s", *u);
                if (call)
                        call->audio = false;
                if (b->audio_call && strcasecmp(b->audio_call, *u) == 0)
                        ours = true;
        }
        if (ours)
                stop(b);
}

void bb_audio_call_established(Bridge *b, BbCall *call) {
        /* A call's audio takes baresip's devices when it is created, at
         * the SDP exchange: a call that got the session while it was
         * dialling had none to switch then. */
        if (call->audio && b->audio_call && strcasecmp(b->audio_call, call->uuid) == 0)
                switch_devices(b, call->uuid, true);
}

void bb_audio_call_gone(Bridge *b, BbCall *call) {
        if (b->audio_call && strcasecmp(b->audio_call, call->uuid) == 0)
                stop(b);
}

void bb_audio_shutdown(Bridge *b) {
        free(b->audio_call);
        b->audio_call = NULL;
        remove_tag(b);
}
