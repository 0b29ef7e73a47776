/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of callkitd's audio: the metadata values it publishes
 * for the PipeWire module, which call rings and how, and the sounds. */
#include "config.h"

#include <math.h>
#include <sndfile.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ckd-audio-policy.h"
#include "ckd-provider.h"
#include "ckd-ringer.h"
#include "ckd-sound.h"

#define UUID_A "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001"
#define UUID_B "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002"
#define UUID_C "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a003"

static CkdProvider *
new_provider (void)
{
  CkdProviderConfig config = { 0 };
  g_autoptr (GVariant) empty = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));

  g_assert_true (ckd_provider_config_parse (&config, empty, 60000, NULL));
  return ckd_provider_new (3, ":1.1", NULL, &config, 10);
}

/* The member @name of the JSON object @json, as JSON text. */
static char *
json_member (const char *json, const char *name)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (object, name));
  json_generator_set_root (generator, json_object_get_member (object, name));
  return json_generator_to_data (generator, NULL);
}

static void
assert_member (const char *json, const char *name, const char *expected)
{
  g_autofree char *value = json_member (json, name);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_policy_json (void)
{
  g_autoptr (CkdProvider) provider = new_provider ();
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, provider, FALSE, 1);
  g_autoptr (CkdCall) outgoing = ckd_call_new (UUID_B, provider, TRUE, 1);
  char *s;

  s = ckd_audio_policy_call_json (call, 4321);
  assert_member (s, "state", "\"ringing\"");
  assert_member (s, "audio", "false");
  assert_member (s, "pid", "4321");
  assert_member (s, "provider", "\"/io/github/callkitd/CallKit1/provider/3\"");
  g_free (s);
  ckd_call_answer (call, 2);
  s = ckd_audio_policy_call_json (call, 0);
  assert_member (s, "state", "\"active\"");
  assert_member (s, "audio", "true");
  assert_member (s, "pid", "0");
  g_free (s);
  ckd_call_set_held (call, TRUE);
  s = ckd_audio_policy_call_json (call, 1);
  assert_member (s, "state", "\"held\"");
  assert_member (s, "audio", "false");
  g_free (s);

  /* An outgoing call has audio once its start action is fulfilled. */
  s = ckd_audio_policy_call_json (outgoing, 1);
  assert_member (s, "state", "\"dialing\"");
  assert_member (s, "audio", "false");
  g_free (s);
  outgoing->started = TRUE;
  s = ckd_audio_policy_call_json (outgoing, 1);
  assert_member (s, "audio", "true");
  g_free (s);

  /* Strings are JSON strings, whatever they hold: what is parsed back is
   * what went in. */
  s = ckd_audio_policy_daemon_json (42, "1.0 \"beta\"\\\n");
  assert_member (s, "pid", "42");
  {
    g_autoptr (JsonParser) parser = json_parser_new ();

    g_assert_true (json_parser_load_from_data (parser, s, -1, NULL));
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                    "version"),
                     ==, "1.0 \"beta\"\\\n");
  }
  g_free (s);
}

static void
test_module_present (void)
{
  g_assert_true (ckd_audio_policy_module_present ("Spa:String:JSON",
                                                  "{\"session\": false, \"mode\": \"duck\"}"));
  g_assert_false (ckd_audio_policy_module_present (NULL, NULL));
  g_assert_false (ckd_audio_policy_module_present ("Spa:String:JSON", ""));
}

typedef struct
{
  CkdProvider *provider;
  GHashTable *calls;
} RingFixture;

static void
ring_setup (RingFixture *f, gconstpointer data)
{
  f->provider = new_provider ();
  f->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ckd_call_free);
}

static void
ring_teardown (RingFixture *f, gconstpointer data)
{
  g_hash_table_destroy (f->calls);
  ckd_provider_free (f->provider);
}

static CkdCall *
add_call (RingFixture *f, const char *uuid, gboolean outgoing, gint64 created_at)
{
  CkdCall *call = ckd_call_new (uuid, f->provider, outgoing, created_at);

  g_hash_table_insert (f->calls, call->uuid, call);
  return call;
}

static void
test_ringer_choose (RingFixture *f, gconstpointer data)
{
  CkdRingChoice choice;
  CkdCall *a, *b, *c;

  choice = ckd_ringer_choose (f->calls);
  g_assert_cmpint (choice.kind, ==, CKD_RING_NONE);
  g_assert_null (choice.call);

  /* The call reported first rings; the other waits its turn. */
  b = add_call (f, UUID_B, FALSE, 20);
  a = add_call (f, UUID_A, FALSE, 10);
  choice = ckd_ringer_choose (f->calls);
  g_assert_cmpint (choice.kind, ==, CKD_RING_RINGTONE);
  g_assert_true (choice.call == a);

  /* Silenced: the next one rings; both silenced: nothing. */
  a->silenced = TRUE;
  choice = ckd_ringer_choose (f->calls);
  g_assert_true (choice.call == b);
  b->silenced = TRUE;
  choice = ckd_ringer_choose (f->calls);
  g_assert_cmpint (choice.kind, ==, CKD_RING_NONE);
  a->silenced = b->silenced = FALSE;

  /* On a call: call waiting instead, whether it is active, held or an
   * outgoing call still dialing. */
  c = add_call (f, UUID_C, TRUE, 5);
  choice = ckd_ringer_choose (f->calls);
  g_assert_cmpint (choice.kind, ==, CKD_RING_CALL_WAITING);
  g_assert_true (choice.call == a);
  ckd_call_report_connected (c, 6, NULL);
  g_assert_cmpint (ckd_ringer_choose (f->calls).kind, ==, CKD_RING_CALL_WAITING);
  ckd_call_set_held (c, TRUE);
  g_assert_cmpint (ckd_ringer_choose (f->calls).kind, ==, CKD_RING_CALL_WAITING);

  /* Answered or ended calls do not ring; an ended call is no call. */
  ckd_call_end (c, CKD_ENDED_REASON_REMOTE_ENDED, 7);
  ckd_call_answer (a, 8);
  choice = ckd_ringer_choose (f->calls);
  g_assert_cmpint (choice.kind, ==, CKD_RING_CALL_WAITING);
  g_assert_true (choice.call == b);
  ckd_call_end (a, CKD_ENDED_REASON_REMOTE_ENDED, 9);
  choice = ckd_ringer_choose (f->calls);
  g_assert_cmpint (choice.kind, ==, CKD_RING_RINGTONE);
  g_assert_true (choice.call == b);
}

static void
write_file (const char *path, const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
test_theme_sound (void)
{
  /* main() gave the test data dirs of its own. */
  g_autofree char *stereo =
    g_build_filename (g_get_user_data_dir (), "sounds", "freedesktop", "stereo", NULL);
  g_autofree char *oga = g_build_filename (stereo, "callkit-test-ring.oga", NULL);
  g_autofree char *wav = g_build_filename (stereo, "callkit-test-ring.wav", NULL);
  g_autofree char *found = NULL;

  g_assert_null (ckd_ringer_find_theme_sound ("callkit-test-ring"));
  write_file (wav, "");
  found = ckd_ringer_find_theme_sound ("callkit-test-ring");
  g_assert_cmpstr (found, ==, wav);
  g_clear_pointer (&found, g_free);
  /* .oga first, as the theme ships it. */
  write_file (oga, "");
  found = ckd_ringer_find_theme_sound ("callkit-test-ring");
  g_assert_cmpstr (found, ==, oga);
}

static char *
write_wav (int channels, int rate, sf_count_t frames)
{
  char *path = g_build_filename (g_get_user_cache_dir (), "tone.wav", NULL);
  SF_INFO info = { .channels = channels, .samplerate = rate,
                   .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
  g_autofree float *samples = g_new0 (float, frames * channels);
  SNDFILE *file;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0700), ==, 0);
  for (sf_count_t i = 0; i < frames * channels; i++)
    samples[i] = (i % 2) ? 0.5f : -0.5f;
  file = sf_open (path, SFM_WRITE, &info);
  g_assert_nonnull (file);
  g_assert_cmpint (sf_writef_float (file, samples, frames), ==, frames);
  sf_close (file);
  return path;
}

static void
test_sound_load (void)
{
  g_autofree char *wav = write_wav (2, 16000, 1600);
  g_autofree char *long_wav = NULL;
  g_autofree char *text = g_build_filename (g_get_user_cache_dir (), "text.wav", NULL);
  g_autofree char *fifo = g_build_filename (g_get_user_cache_dir (), "fifo.wav", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdSound) sound = ckd_sound_load (wav, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (sound->channels, ==, 2);
  g_assert_cmpuint (sound->rate, ==, 16000);
  g_assert_cmpuint (sound->n_frames, ==, 1600);
  g_assert_cmpfloat_with_epsilon (sound->samples[0], -0.5, 0.001);
  g_assert_cmpfloat_with_epsilon (sound->samples[1], 0.5, 0.001);
  g_clear_pointer (&sound, ckd_sound_unref);

  /* Longer than the limit: cut, not refused. */
  long_wav = write_wav (1, 8000, 8000 * (CKD_SOUND_MAX_SECONDS + 2));
  sound = ckd_sound_load (long_wav, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sound->n_frames, ==, 8000 * CKD_SOUND_MAX_SECONDS);
  g_clear_pointer (&sound, ckd_sound_unref);

  write_file (text, "not a sound");
  g_assert_null (ckd_sound_load (text, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (ckd_sound_load ("/nonexistent/ring.wav", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ckd_sound_load (g_get_user_cache_dir (), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  /* A FIFO would block a plain open() until a writer comes. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_null (ckd_sound_load (fifo, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
}

static void
test_tone (void)
{
  g_autoptr (CkdSound) tone = ckd_sound_new_tone (8000, 440.0, 2, 100, 50, 1000);
  float peak = 0;

  /* 2 × 100 ms + 50 ms + 1000 ms at 8 kHz. */
  g_assert_cmpuint (tone->n_frames, ==, 800 + 800 + 400 + 8000);
  g_assert_cmpuint (tone->channels, ==, 1);
  for (gsize i = 0; i < 800; i++)
    peak = MAX (peak, fabsf (tone->samples[i]));
  g_assert_cmpfloat (peak, >, 0.2);
  g_assert_cmpfloat (peak, <=, 1.0);
  /* Silent between the beeps and in the pause; faded in, no click. */
  g_assert_cmpfloat (tone->samples[0], ==, 0.0);
  g_assert_cmpfloat (tone->samples[900], ==, 0.0);
  g_assert_cmpfloat (tone->samples[tone->n_frames - 1], ==, 0.0);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_remove (path);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = g_dir_make_tmp ("test-audio-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (tmp, "data", NULL);
  g_autofree char *cache = g_build_filename (tmp, "cache", NULL);
  int status;

  /* Own data and cache dirs, read by GLib once: G_TEST_OPTION_ISOLATE_DIRS
   * would do the same but leaks in GLib 2.74. */
  g_assert_nonnull (tmp);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("XDG_DATA_DIRS", tmp, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audio-policy/json", test_policy_json);
  g_test_add_func ("/audio-policy/module-present", test_module_present);
  g_test_add ("/ringer/choose", RingFixture, NULL, ring_setup, test_ringer_choose, ring_teardown);
  g_test_add_func ("/ringer/theme-sound", test_theme_sound);
  g_test_add_func ("/sound/load", test_sound_load);
  g_test_add_func ("/sound/tone", test_tone);
  status = g_test_run ();
  remove_tree (tmp);
  return status;
}
