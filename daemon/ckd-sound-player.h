/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-pipewire.h"
#include "ckd-sound.h"

G_BEGIN_DECLS

/* Plays one sound in a loop through a PipeWire playback stream until
 * stopped. The stream carries callkit.ringtone=true so that
 * libpipewire-module-callkit never ducks or silences it. When PipeWire
 * goes away the stream goes with it; when it comes back while a sound is
 * still wanted, a new stream starts. */

typedef struct _CkdSoundPlayer CkdSoundPlayer;

CkdSoundPlayer *ckd_sound_player_new (CkdPipewire *pipewire);
void ckd_sound_player_free (CkdSoundPlayer *self);

/* Replaces what plays by @sound; @name is the stream's media.name
 * ("ringtone", "call-waiting"). */
void ckd_sound_player_play (CkdSoundPlayer *self, CkdSound *sound, const char *name);
void ckd_sound_player_stop (CkdSoundPlayer *self);

G_END_DECLS
