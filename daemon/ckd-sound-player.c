/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>

#include <spa/param/audio/format-utils.h>

#include "callkit-names.h"
#include "ckd-sound-player.h"

struct _CkdSoundPlayer
{
  CkdPipewire *pipewire;
  gulong changed_id;
  CkdSound *sound; /* what should play, or NULL */
  char *name;
  gsize position;  /* next frame of sound to play */
  struct pw_stream *stream;
  struct spa_hook stream_listener;
};

static void
on_process (void *data)
{
  CkdSoundPlayer *self = data;
  CkdSound *sound = self->sound;
  struct pw_buffer *b = pw_stream_dequeue_buffer (self->stream);
  struct spa_data *d;
  gsize stride, n_frames, done = 0;
  float *dst;

  if (b == NULL)
    return;
  d = &b->buffer->datas[0];
  dst = d->data;
  if (dst == NULL || sound == NULL)
    {
      pw_stream_queue_buffer (self->stream, b);
      return;
    }
  stride = sizeof (float) * sound->channels;
  n_frames = d->maxsize / stride;
  if (b->requested > 0)
    n_frames = MIN (n_frames, b->requested);
  /* Looping: wrap around to the start as often as the buffer needs. */
  while (done < n_frames)
    {
      gsize chunk = MIN (n_frames - done, sound->n_frames - self->position);

      memcpy (dst + done * sound->channels, sound->samples + self->position * sound->channels,
              chunk * stride);
      done += chunk;
      self->position = (self->position + chunk) % sound->n_frames;
    }
  d->chunk->offset = 0;
  d->chunk->stride = (int32_t) stride;
  d->chunk->size = (uint32_t) (n_frames * stride);
  pw_stream_queue_buffer (self->stream, b);
}

static void
on_state_changed (void *data, enum pw_stream_state old, enum pw_stream_state state,
                  const char *error)
{
  CkdSoundPlayer *self = data;

  if (state == PW_STREAM_STATE_ERROR)
    g_message ("the %s stream failed: %s", self->name, error ? error : "unknown error");
  else
    g_debug ("the %s stream is %s", self->name, pw_stream_state_as_string (state));
}

/* PipeWire destroys streams with their core. */
static void
on_destroy (void *data)
{
  CkdSoundPlayer *self = data;

  spa_hook_remove (&self->stream_listener);
  self->stream = NULL;
}

static const struct pw_stream_events stream_events = {
  PW_VERSION_STREAM_EVENTS,
  .destroy = on_destroy,
  .state_changed = on_state_changed,
  .process = on_process,
};

static void
destroy_stream (CkdSoundPlayer *self)
{
  if (self->stream != NULL)
    pw_stream_destroy (self->stream); /* on_destroy clears it */
}

static void
start_stream (CkdSoundPlayer *self)
{
  struct pw_core *core = ckd_pipewire_get_core (self->pipewire);
  struct spa_audio_info_raw info = { 0 };
  uint8_t buffer[1024];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  const struct spa_pod *params[1];
  struct pw_properties *props;

  if (core == NULL || self->sound == NULL || self->stream != NULL)
    return;
  /* Notification: the ringtone is an alert to the user, not call audio
   * (Communication), and the module leaves it alone either way. */
  props = pw_properties_new (PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Playback",
                             PW_KEY_MEDIA_ROLE, "Notification", PW_KEY_MEDIA_NAME, self->name,
                             PW_KEY_NODE_NAME, "callkitd-ringer", PW_KEY_APP_NAME, "callkitd",
                             CALLKIT_PROP_RINGTONE, "true", NULL);
  self->stream = pw_stream_new (core, "callkitd ringer", props);
  if (self->stream == NULL)
    {
      g_message ("cannot create the %s stream: %s", self->name, g_strerror (errno));
      return;
    }
  spa_zero (self->stream_listener);
  pw_stream_add_listener (self->stream, &self->stream_listener, &stream_events, self);

  info.format = SPA_AUDIO_FORMAT_F32;
  info.channels = self->sound->channels;
  info.rate = self->sound->rate;
  if (info.channels == 1)
    info.position[0] = SPA_AUDIO_CHANNEL_MONO;
  else if (info.channels == 2)
    {
      info.position[0] = SPA_AUDIO_CHANNEL_FL;
      info.position[1] = SPA_AUDIO_CHANNEL_FR;
    }
  else
    info.flags = SPA_AUDIO_FLAG_UNPOSITIONED;
  params[0] = spa_format_audio_raw_build (&builder, SPA_PARAM_EnumFormat, &info);
  self->position = 0;
  /* Without RT_PROCESS, process() runs on the main loop. */
  if (pw_stream_connect (self->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                         PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS, params, 1)
      < 0)
    {
      g_message ("cannot connect the %s stream", self->name);
      destroy_stream (self);
    }
}

static void
on_pipewire_changed (CkdPipewire *pipewire, gpointer user_data)
{
  CkdSoundPlayer *self = user_data;

  if (ckd_pipewire_get_core (pipewire) == NULL)
    destroy_stream (self);
  else
    start_stream (self);
}

CkdSoundPlayer *
ckd_sound_player_new (CkdPipewire *pipewire)
{
  CkdSoundPlayer *self = g_new0 (CkdSoundPlayer, 1);

  self->pipewire = g_object_ref (pipewire);
  self->changed_id = g_signal_connect (pipewire, "changed", G_CALLBACK (on_pipewire_changed),
                                       self);
  return self;
}

void
ckd_sound_player_free (CkdSoundPlayer *self)
{
  if (self == NULL)
    return;
  ckd_sound_player_stop (self);
  g_clear_signal_handler (&self->changed_id, self->pipewire);
  g_clear_object (&self->pipewire);
  g_free (self);
}

void
ckd_sound_player_play (CkdSoundPlayer *self, CkdSound *sound, const char *name)
{
  ckd_sound_player_stop (self);
  self->sound = ckd_sound_ref (sound);
  self->name = g_strdup (name);
  start_stream (self);
}

void
ckd_sound_player_stop (CkdSoundPlayer *self)
{
  destroy_stream (self);
  g_clear_pointer (&self->sound, ckd_sound_unref);
  g_clear_pointer (&self->name, g_free);
}
