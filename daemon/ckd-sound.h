/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A sound held in memory to be played in a loop: interleaved 32-bit
 * float frames. Decoded from a file by libsndfile (WAV, FLAC, Ogg
 * Vorbis/Opus, ...) or generated. Reference counted: the ringer caches
 * one while the player plays it. No PipeWire here. */
typedef struct
{
  float *samples;
  gsize n_frames;
  guint channels;
  guint rate;
} CkdSound;

/* The longest part of a file that is kept; a ringtone loops anyway. */
#define CKD_SOUND_MAX_SECONDS 30

/* Decodes @path. Fails with G_IO_ERROR on a file that is not a regular,
 * readable sound file or has no frames; longer files are cut. */
CkdSound *ckd_sound_load (const char *path, GError **error);

/* Tones, for call waiting and for ringing when no sound file is found:
 * @n_beeps beeps of @freq Hz, @beep_ms long with @gap_ms between them,
 * then @pause_ms of silence before the pattern repeats. */
CkdSound *ckd_sound_new_tone (guint rate, double freq, guint n_beeps, guint beep_ms,
                              guint gap_ms, guint pause_ms);

CkdSound *ckd_sound_ref (CkdSound *sound);
void ckd_sound_unref (CkdSound *sound);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdSound, ckd_sound_unref)

G_END_DECLS
