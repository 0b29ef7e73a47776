/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ckd-sound-file.h"
#include "ckd-sound.h"

#define MAX_CHANNELS 8
#define MIN_RATE 8000
#define MAX_RATE 192000
/* Fade at the edges of each beep so the tone does not click. */
#define FADE_MS 5

/* libsndfile is opened on the first sound file, not linked: its codec
 * libraries (FLAC, Vorbis, Opus, MPEG) cost about 0.8 MiB of resident
 * memory once mapped, in a daemon that may never play a ringtone file. */
#define SNDFILE_SONAME "libsndfile.so.1"

typedef struct
{
  SNDFILE *(*open_fd) (int fd, int mode, SF_INFO *info, int close_desc);
  const char *(*strerror) (SNDFILE *file);
  sf_count_t (*readf_float) (SNDFILE *file, float *ptr, sf_count_t frames);
  int (*close) (SNDFILE *file);
} Sndfile;

static gpointer
sndfile_open (gpointer data)
{
  Sndfile *api = g_new0 (Sndfile, 1);
  GError **error = data;
  /* Stays loaded: a ringtone decoded once will be decoded again. */
  void *handle = dlopen (SNDFILE_SONAME, RTLD_NOW | RTLD_LOCAL);

  if (handle == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "cannot load %s: %s",
                   SNDFILE_SONAME, dlerror ());
      g_free (api);
      return NULL;
    }
  api->open_fd = dlsym (handle, "sf_open_fd");
  api->strerror = dlsym (handle, "sf_strerror");
  api->readf_float = dlsym (handle, "sf_readf_float");
  api->close = dlsym (handle, "sf_close");
  if (api->open_fd == NULL || api->strerror == NULL || api->readf_float == NULL
      || api->close == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s lacks sf_open_fd()",
                   SNDFILE_SONAME);
      g_free (api);
      return NULL;
    }
  return api;
}

/* The error of a failed load is kept and repeated to every caller. */
static const Sndfile *
sndfile_get (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  static GError *load_error;

  g_once (&once, sndfile_open, &load_error);
  if (once.retval == NULL)
    g_propagate_error (error, g_error_copy (load_error));
  return once.retval;
}

static void
sound_clear (CkdSound *sound)
{
  g_free (sound->samples);
}

CkdSound *
ckd_sound_ref (CkdSound *sound)
{
  return g_rc_box_acquire (sound);
}

void
ckd_sound_unref (CkdSound *sound)
{
  g_rc_box_release_full (sound, (GDestroyNotify) sound_clear);
}

CkdSound *
ckd_sound_load (const char *path, GError **error)
{
  g_autoptr (CkdSound) sound = NULL;
  const Sndfile *sf = sndfile_get (error);
  SF_INFO info = { 0 };
  SNDFILE *file;
  sf_count_t max_frames, got;
  int fd;

  if (sf == NULL)
    return NULL;
  /* Non-blocking: a FIFO given as a ringtone must not hang callkitd. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
  if (fd < 0)
    {
      int err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "cannot open %s: %s", path,
                   g_strerror (err));
      return NULL;
    }
  if (!ckd_sound_file_check (path, fd, error))
    {
      close (fd);
      return NULL;
    }
  /* The descriptor stays ours, closed on every path below. */
  file = sf->open_fd (fd, SFM_READ, &info, FALSE);
  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a sound file: %s",
                   path, sf->strerror (NULL));
      close (fd);
      return NULL;
    }
  if (info.channels < 1 || info.channels > MAX_CHANNELS || info.samplerate < MIN_RATE
      || info.samplerate > MAX_RATE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s has %d channels at %d Hz: expected 1 to %d channels at %d to %d Hz", path,
                   info.channels, info.samplerate, MAX_CHANNELS, MIN_RATE, MAX_RATE);
      sf->close (file);
      close (fd);
      return NULL;
    }

  /* info.frames is unknown (huge) for some streamed formats: read up to
   * the limit, whatever the header says. */
  max_frames = (sf_count_t) info.samplerate * CKD_SOUND_MAX_SECONDS;
  sound = g_rc_box_new0 (CkdSound);
  sound->channels = (guint) info.channels;
  sound->rate = (guint) info.samplerate;
  sound->samples = g_new (float, (gsize) max_frames * sound->channels);
  got = sf->readf_float (file, sound->samples, max_frames);
  sf->close (file);
  close (fd);
  if (got <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s has no sound in it", path);
      return NULL;
    }
  sound->n_frames = (gsize) got;
  sound->samples = g_renew (float, sound->samples, sound->n_frames * sound->channels);
  return g_steal_pointer (&sound);
}

CkdSound *
ckd_sound_new_tone (guint rate, double freq, guint n_beeps, guint beep_ms, guint gap_ms,
                    guint pause_ms)
{
  CkdSound *sound = g_rc_box_new0 (CkdSound);
  gsize beep = (gsize) rate * beep_ms / 1000;
  gsize gap = (gsize) rate * gap_ms / 1000;
  gsize fade = MAX ((gsize) rate * FADE_MS / 1000, 1);
  gsize pos = 0;

  sound->channels = 1;
  sound->rate = rate;
  sound->n_frames = n_beeps * beep + (n_beeps > 0 ? (n_beeps - 1) * gap : 0)
                    + (gsize) rate * pause_ms / 1000;
  sound->n_frames = MAX (sound->n_frames, 1);
  sound->samples = g_new0 (float, sound->n_frames);
  for (guint b = 0; b < n_beeps; b++)
    {
      for (gsize i = 0; i < beep; i++)
        {
          double edge = MIN (i, beep - 1 - i);
          double gain = edge < fade ? edge / fade : 1.0;

          sound->samples[pos + i] = (float) (0.3 * gain * sin (2.0 * G_PI * freq * i / rate));
        }
      pos += beep + gap;
    }
  return sound;
}
