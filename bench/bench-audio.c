/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-audio: how fast a call gets its audio.
 *
 * One run starts a private dbus-daemon, a headless pipewire with a null
 * sink and libpipewire-module-callkit, and callkitd, all in a private
 * XDG_RUNTIME_DIR. The bench is a provider (sd-bus) and a PipeWire client
 * with a Music playback stream of its own. Each round reports an incoming
 * call, has it answered, and from the moment the provider sends
 * FulfillAction for the answer measures, in one run:
 *
 *   (a) DidActivateAudioSession arriving at the provider;
 *   (m) the call's callkit.call.<uuid> entry saying "audio": true in the
 *       callkit metadata (callkitd's decision reaching PipeWire);
 *   (b) the other playback (the bench's stream) being ducked: the module's
 *       callkit.stream entry for it saying "ducked" and the stream's Props
 *       reaching it with lowered softVolumes, whichever comes last.
 *
 * Figures are medians and 95th percentiles, and ratios to one PipeWire
 * quantum at the graph's rate (default.clock.quantum / default.clock.rate
 * of the server: 1024 / 48 kHz = 21.3 ms). Target: (a) and (b) within one
 * quantum. A benchmark, not a test: exits 0 when a target is missed, non-zero
 * only when it cannot measure.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/props.h>
#include <spa/pod/iter.h>
#include <systemd/sd-bus.h>

#include "callkit-names.h"

#ifndef BENCH_DEFAULT_CALLKITD
#define BENCH_DEFAULT_CALLKITD "callkitd"
#endif
#ifndef BENCH_MODULE_DIR
#define BENCH_MODULE_DIR ""
#endif
#define SYSTEM_MODULE_DIR "/usr/lib/x86_64-linux-gnu/pipewire-0.3"


#define STEP_TIMEOUT_US (5 * 1000000LL)

struct bench
{
  char dir[64];
  pid_t dbus, pipewire, wireplumber, callkitd;

  sd_bus *bus;
  char *provider_path;
  char action_id[64];
  int64_t activated_at;

  struct pw_loop *loop;
  struct pw_context *context;
  struct pw_core *core;
  struct spa_hook core_listener;
  struct pw_registry *registry;
  struct spa_hook registry_listener;
  struct pw_metadata *metadata;
  struct spa_hook metadata_listener;
  struct pw_node *music;   /* the other playback's node, bound */
  struct spa_hook music_listener;
  uint32_t music_id;
  pid_t music_player;
  uint32_t quantum, rate;

  char call_key[128];
  int64_t audio_at;       /* the call's entry says audio: true */
  int64_t ducked_entry_at; /* callkit.stream for our node says ducked */
  int64_t ducked_props_at; /* our stream's Props lowered */
  bool ducked_entry, ducked_props;
  bool call_entry_present;
};

static int64_t
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die (const char *what)
{
  fprintf (stderr, "bench-audio: %s\n", what);
  exit (EXIT_FAILURE);
}

/* ---- processes ------------------------------------------------------ */

static pid_t
spawn (char *const argv[], const char *log_name, struct bench *b)
{
  char log_path[128];
  pid_t pid;

  snprintf (log_path, sizeof log_path, "%s/%s", b->dir, log_name);
  pid = fork ();
  if (pid < 0)
    die ("fork failed");
  if (pid == 0)
    {
      FILE *log = freopen (log_path, "w", stderr);
      if (log == NULL || dup2 (fileno (log), STDOUT_FILENO) < 0)
        _exit (127);
      execvp (argv[0], argv);
      _exit (127);
    }
  return pid;
}

static void
stop (pid_t pid)
{
  if (pid <= 0)
    return;
  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
}

static void
write_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");

  if (f == NULL || fputs (text, f) < 0 || fclose (f) != 0)
    die ("cannot write the configuration");
}

static void
setup_dirs (struct bench *b, const char *module_dir)
{
  char path[256], conf[512];

  snprintf (b->dir, sizeof b->dir, "/tmp/ckd-bench-audio-XXXXXX");
  if (mkdtemp (b->dir) == NULL)
    die ("cannot make a runtime dir");
  setenv ("XDG_RUNTIME_DIR", b->dir, 1);
  snprintf (path, sizeof path, "%s/config", b->dir);
  setenv ("XDG_CONFIG_HOME", path, 1);
  snprintf (path, sizeof path, "%s/config/pipewire/pipewire.conf.d", b->dir);
  for (char *p = path + strlen (b->dir) + 1; (p = strchr (p, '/')) != NULL; p++)
    {
      *p = '\0';
      mkdir (path, 0700);
      *p = '/';
    }
  mkdir (path, 0700);
  snprintf (conf, sizeof conf, "%s/10-sink.conf", path);
  write_file (conf, "context.objects = [ { factory = adapter args = {\n"
                    "  factory.name = support.null-audio-sink node.name = bench-sink\n"
                    "  media.class = Audio/Sink audio.position = [ FL FR ] } } ]\n");
  snprintf (conf, sizeof conf, "%s/20-callkit.conf", path);
  write_file (conf, "context.modules = [ { name = libpipewire-module-callkit args = { } } ]\n");
  snprintf (conf, sizeof conf, "%s:%s", module_dir, SYSTEM_MODULE_DIR);
  setenv ("PIPEWIRE_MODULE_DIR", conf, 1);
  unsetenv ("PIPEWIRE_REMOTE");
  snprintf (path, sizeof path, "%s/bus.conf", b->dir);
  snprintf (conf, sizeof conf,
            "<busconfig><type>session</type><listen>unix:path=%s/bus</listen>"
            "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
            "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
            b->dir);
  write_file (path, conf);
  snprintf (conf, sizeof conf, "unix:path=%s/bus", b->dir);
  setenv ("DBUS_SESSION_BUS_ADDRESS", conf, 1);
}

/* Setup may poll: it is not measured. */
static void
pause_ms (int ms)
{
  struct timespec ts = { 0, ms * 1000000L };

  nanosleep (&ts, NULL);
}

/* ---- PipeWire ------------------------------------------------------- */

static void
iterate (struct bench *b, int64_t deadline)
{
  int64_t left = deadline - now_us ();

  /* sd-bus messages already read are not seen by poll. */
  while (sd_bus_process (b->bus, NULL) > 0)
    ;
  pw_loop_iterate (b->loop, (int) (left > 0 ? (left + 999) / 1000 : 0));
}

static void
on_core_info (void *data, const struct pw_core_info *info)
{
  struct bench *b = data;
  const char *s;

  if (info->props == NULL)
    return;
  if ((s = spa_dict_lookup (info->props, "default.clock.quantum")) != NULL)
    b->quantum = (uint32_t) atoi (s);
  if ((s = spa_dict_lookup (info->props, "default.clock.rate")) != NULL)
    b->rate = (uint32_t) atoi (s);
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .info = on_core_info,
};

static int
on_metadata_property (void *data, uint32_t subject, const char *key, const char *type,
                      const char *value)
{
  struct bench *b = data;
  int64_t t = now_us ();

  if (key == NULL)
    return 0;
  if (b->call_key[0] != '\0' && strcmp (key, b->call_key) == 0)
    {
      b->call_entry_present = value != NULL;
      if (value != NULL && b->audio_at == 0 && strstr (value, "\"audio\": true") != NULL)
        b->audio_at = t;
    }
  else if (strcmp (key, CALLKIT_KEY_STREAM) == 0 && subject == b->music_id)
    {
      b->ducked_entry = value != NULL && strstr (value, "\"ducked\"") != NULL;
      if (b->ducked_entry && b->ducked_entry_at == 0)
        b->ducked_entry_at = t;
    }
  return 0;
}

static const struct pw_metadata_events metadata_events = {
  PW_VERSION_METADATA_EVENTS,
  .property = on_metadata_property,
};

/* The other playback's Props, as any client sees them: ducked while a
 * soft volume is below one. */
static void
on_music_param (void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
                const struct spa_pod *param)
{
  struct bench *b = data;
  const struct spa_pod_prop *prop;
  const struct spa_pod_object *obj = (const struct spa_pod_object *) param;
  bool lowered = false;

  if (id != SPA_PARAM_Props || param == NULL || !spa_pod_is_object (param))
    return;
  SPA_POD_OBJECT_FOREACH (obj, prop)
    {
      float volumes[SPA_AUDIO_MAX_CHANNELS];
      uint32_t n;

      if (prop->key != SPA_PROP_softVolumes)
        continue;
      n = spa_pod_copy_array (&prop->value, SPA_TYPE_Float, volumes, SPA_AUDIO_MAX_CHANNELS);
      for (uint32_t i = 0; i < n; i++)
        if (volumes[i] < 0.99f)
          lowered = true;
    }
  b->ducked_props = lowered;
  if (lowered && b->ducked_props_at == 0)
    b->ducked_props_at = now_us ();
}

static const struct pw_node_events music_events = {
  PW_VERSION_NODE_EVENTS,
  .param = on_music_param,
};

static void
bind_music (struct bench *b, uint32_t id)
{
  uint32_t ids[] = { SPA_PARAM_Props };

  b->music = pw_registry_bind (b->registry, id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0);
  b->music_id = id;
  pw_node_add_listener (b->music, &b->music_listener, &music_events, b);
  pw_node_subscribe_params (b->music, ids, 1);
}

static void
on_global (void *data, uint32_t id, uint32_t permissions, const char *type, uint32_t version,
           const struct spa_dict *props)
{
  struct bench *b = data;
  const char *name;

  if (props == NULL)
    return;
  if (strcmp (type, PW_TYPE_INTERFACE_Node) == 0 && b->music == NULL)
    {
      name = spa_dict_lookup (props, PW_KEY_NODE_NAME);
      if (name != NULL && strcmp (name, "bench-music") == 0)
        bind_music (b, id);
      return;
    }
  if (b->metadata != NULL || strcmp (type, PW_TYPE_INTERFACE_Metadata) != 0)
    return;
  name = spa_dict_lookup (props, PW_KEY_METADATA_NAME);
  if (name == NULL || strcmp (name, CALLKIT_METADATA_NAME) != 0)
    return;
  b->metadata = pw_registry_bind (b->registry, id, type, PW_VERSION_METADATA, 0);
  pw_metadata_add_listener (b->metadata, &b->metadata_listener, &metadata_events, b);
}

static const struct pw_registry_events registry_events = {
  PW_VERSION_REGISTRY_EVENTS,
  .global = on_global,
};

static bool
connect_pipewire (struct bench *b)
{
  b->core = pw_context_connect (b->context, NULL, 0);
  if (b->core == NULL)
    return false;
  pw_core_add_listener (b->core, &b->core_listener, &core_events, b);
  b->registry = pw_core_get_registry (b->core, PW_VERSION_REGISTRY, 0);
  pw_registry_add_listener (b->registry, &b->registry_listener, &registry_events, b);
  return true;
}

/* The other playback, in a process of its own: the module matches a
 * call's own streams by process id, and the bench is the provider. It
 * plays silence until killed. */
static void
music_process (void *data)
{
  struct pw_stream *stream = *(struct pw_stream **) data;
  struct pw_buffer *buf = pw_stream_dequeue_buffer (stream);
  struct spa_data *d;

  if (buf == NULL)
    return;
  d = &buf->buffer->datas[0];
  if (d->data != NULL)
    {
      memset (d->data, 0, d->maxsize);
      d->chunk->offset = 0;
      d->chunk->stride = 8;
      d->chunk->size = d->maxsize;
    }
  pw_stream_queue_buffer (stream, buf);
}

static const struct pw_stream_events music_stream_events = {
  PW_VERSION_STREAM_EVENTS,
  .process = music_process,
};

static void
run_music_player (void)
{
  uint8_t buffer[512];
  struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (buffer, sizeof buffer);
  struct spa_audio_info_raw info = { .format = SPA_AUDIO_FORMAT_F32, .channels = 2, .rate = 48000,
                                     .position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR } };
  const struct spa_pod *params[1];
  struct pw_main_loop *loop;
  struct pw_stream *stream;

  pw_init (NULL, NULL);
  loop = pw_main_loop_new (NULL);
  stream = pw_stream_new_simple (pw_main_loop_get_loop (loop), "bench music",
                                 pw_properties_new (PW_KEY_MEDIA_TYPE, "Audio",
                                                    PW_KEY_MEDIA_CATEGORY, "Playback",
                                                    PW_KEY_MEDIA_ROLE, "Music",
                                                    PW_KEY_NODE_NAME, "bench-music", NULL),
                                 &music_stream_events, &stream);
  params[0] = spa_format_audio_raw_build (&builder, SPA_PARAM_EnumFormat, &info);
  if (stream == NULL
      || pw_stream_connect (stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                            PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS, params, 1) < 0)
    _exit (1);
  pw_main_loop_run (loop);
  _exit (0);
}

static pid_t
spawn_music_player (void)
{
  pid_t pid = fork ();

  if (pid < 0)
    die ("fork failed");
  if (pid == 0)
    run_music_player ();
  return pid;
}

/* ---- D-Bus ---------------------------------------------------------- */

static int
on_provider_signal (sd_bus_message *m, void *data, sd_bus_error *error)
{
  struct bench *b = data;
  const char *member = sd_bus_message_get_member (m);
  const char *id;

  if (strcmp (member, "DidActivateAudioSession") == 0)
    {
      if (b->activated_at == 0)
        b->activated_at = now_us ();
    }
  else if (strcmp (member, "PerformAction") == 0
           && sd_bus_message_read (m, "s", &id) > 0)
    snprintf (b->action_id, sizeof b->action_id, "%s", id);
  return 0;
}

static int
on_bus_io (void *data, int fd, uint32_t mask)
{
  struct bench *b = data;

  while (sd_bus_process (b->bus, NULL) > 0)
    ;
  return 0;
}

static void
on_bus_io_cb (void *data, int fd, uint32_t mask)
{
  on_bus_io (data, fd, mask);
}

static bool
has_capability (struct bench *b, const char *name)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  char **caps = NULL;
  bool found = false;

  if (sd_bus_get_property_strv (b->bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE, "Capabilities",
                                &error, &caps) < 0)
    {
      sd_bus_error_free (&error);
      return false;
    }
  for (char **c = caps; c != NULL && *c != NULL; c++)
    {
      found = found || strcmp (*c, name) == 0;
      free (*c);
    }
  free (caps);
  return found;
}

static void
call_or_die (struct bench *b, const char *path, const char *iface, const char *method,
             sd_bus_message **reply, const char *types, ...)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *m = NULL;
  va_list ap;
  int r;

  r = sd_bus_message_new_method_call (b->bus, &m, CKD_BUS_NAME, path, iface, method);
  va_start (ap, types);
  if (r >= 0)
    r = sd_bus_message_appendv (m, types, ap);
  va_end (ap);
  if (r >= 0)
    r = sd_bus_call (b->bus, m, 0, &error, reply);
  sd_bus_message_unref (m);
  if (r < 0)
    {
      fprintf (stderr, "bench-audio: %s failed: %s\n", method,
               error.message ? error.message : strerror (-r));
      exit (EXIT_FAILURE);
    }
  sd_bus_error_free (&error);
}

/* ---- one round ------------------------------------------------------ */

static void
wait_for (struct bench *b, bool (*done) (struct bench *), const char *what)
{
  int64_t deadline = now_us () + STEP_TIMEOUT_US;

  while (!done (b))
    {
      if (now_us () > deadline)
        {
          fprintf (stderr,
                   "bench-audio: timed out waiting for %s (activated %d, audio entry %d, "
                   "ducked entry %d, ducked Props %d; logs in %s)\n",
                   what, b->activated_at != 0, b->audio_at != 0, b->ducked_entry_at != 0,
                   b->ducked_props_at != 0, b->dir);
          exit (EXIT_FAILURE);
        }
      iterate (b, deadline);
    }
}

static bool has_action (struct bench *b) { return b->action_id[0] != '\0'; }
static bool all_seen (struct bench *b)
{
  return b->activated_at && b->audio_at && b->ducked_entry_at && b->ducked_props_at;
}
static bool restored (struct bench *b)
{
  return !b->call_entry_present && !b->ducked_entry && !b->ducked_props;
}

static void
round_trip (struct bench *b, int round, double *a, double *m, double *d)
{
  sd_bus_message *reply = NULL;
  char uuid[37];
  int64_t t0, ducked;
  unsigned char r[16];

  for (int i = 0; i < 16; i++)
    r[i] = (unsigned char) (random () & 0xff);
  snprintf (uuid, sizeof uuid, "%02x%02x%02x%02x-%02x%02x-4%x%02x-a%x%02x-%02x%02x%02x%02x%02x%02x",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6] & 0xf, r[7], r[8] & 0xf, r[9], r[10], r[11],
            r[12], r[13], r[14], r[15]);
  snprintf (b->call_key, sizeof b->call_key, CALLKIT_KEY_CALL_PREFIX "%s", uuid);
  b->action_id[0] = '\0';
  b->activated_at = b->audio_at = b->ducked_entry_at = b->ducked_props_at = 0;

  call_or_die (b, b->provider_path, CKD_PROVIDER_INTERFACE, "ReportNewIncomingCall", NULL, "sa{sv}",
               uuid, 0);
  call_or_die (b, CKD_OBJECT_ROOT, CKD_CALL_CONTROLLER_INTERFACE, "RequestTransaction", &reply, "aa{sv}", 1, 2,
               "type", "s", "answer-call", "call", "s", uuid);
  sd_bus_message_unref (reply);
  wait_for (b, has_action, "PerformAction");

  t0 = now_us ();
  call_or_die (b, b->provider_path, CKD_PROVIDER_INTERFACE, "FulfillAction", NULL, "sa{sv}",
               b->action_id, 0);
  wait_for (b, all_seen, "activation, metadata and ducking");
  ducked = b->ducked_entry_at > b->ducked_props_at ? b->ducked_entry_at : b->ducked_props_at;
  a[round] = (double) (b->activated_at - t0) / 1000.0;
  m[round] = (double) (b->audio_at - t0) / 1000.0;
  d[round] = (double) (ducked - t0) / 1000.0;

  call_or_die (b, b->provider_path, CKD_PROVIDER_INTERFACE, "ReportCallEnded", NULL, "ssx", uuid,
               "remote-ended", (int64_t) 0);
  wait_for (b, restored, "the call's entry to go and the stream to be restored");
}

static int
cmp_double (const void *x, const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;

  return (a > b) - (a < b);
}

static void
report (const char *name, double *v, int n, double quantum_ms, bool has_target)
{
  double median, p95;

  qsort (v, (size_t) n, sizeof *v, cmp_double);
  median = v[n / 2];
  p95 = v[(int) ceil (n * 0.95) - 1];
  printf ("%-46s %8.2f ms %8.2f ms %7.2f   %s\n", name, median, p95, median / quantum_ms,
          has_target ? (median <= quantum_ms ? "PASS" : "MISS") : "-");
}

int
main (int argc, char **argv)
{
  struct bench b = { 0 };
  const char *callkitd = getenv ("CALLKITD") ? getenv ("CALLKITD") : BENCH_DEFAULT_CALLKITD;
  const char *module_dir = getenv ("CALLKITD_PIPEWIRE_MODULE_DIR") ? getenv ("CALLKITD_PIPEWIRE_MODULE_DIR")
                                                                    : BENCH_MODULE_DIR;
  int rounds = 200, opt;
  double *a, *m, *d, quantum_ms;
  bool keep = false;
  sd_bus_message *reply = NULL;
  const char *path;
  static const struct option options[] = {
    { "rounds", required_argument, NULL, 'n' },
    { "keep-dir", no_argument, NULL, 'k' },
    { NULL, 0, NULL, 0 },
  };

  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    {
      if (opt == 'n')
        rounds = atoi (optarg);
      else if (opt == 'k')
        keep = true;
      else
        {
          fprintf (stderr, "usage: bench-audio [--rounds=N] [--keep-dir] [CALLKITD]\n");
          return 2;
        }
    }
  if (optind < argc)
    callkitd = argv[optind];
  if (rounds < 1 || *module_dir == '\0')
    die ("needs --rounds >= 1 and the module (CALLKITD_PIPEWIRE_MODULE_DIR)");

  setup_dirs (&b, module_dir);
  {
    char config[128];
    char *dbus_argv[] = { "dbus-daemon", "--nofork", config, NULL };
    char *pw_argv[] = { "pipewire", NULL };
    char *wp_argv[] = { "wireplumber", NULL };
    char *ckd_argv[] = { (char *) callkitd, "--incoming-report-rate=0", NULL };

    snprintf (config, sizeof config, "--config-file=%s/bus.conf", b.dir);
    b.dbus = spawn (dbus_argv, "dbus-daemon.log", &b);
    b.pipewire = spawn (pw_argv, "pipewire.log", &b);
    for (int i = 0; i < 500 && sd_bus_open_user (&b.bus) < 0; i++)
      pause_ms (10);
    if (b.bus == NULL)
      die ("the private dbus-daemon did not start");
    b.callkitd = spawn (ckd_argv, "callkitd.log", &b);
    /* The session manager links the streams to the sink, so the graph
     * runs as on a desktop. */
    b.wireplumber = spawn (wp_argv, "wireplumber.log", &b);
  }

  srandom ((unsigned) getpid ());
  pw_init (&argc, &argv);
  b.loop = pw_loop_new (NULL);
  pw_loop_enter (b.loop);
  b.context = pw_context_new (b.loop, NULL, 0);
  for (int i = 0; i < 500 && !connect_pipewire (&b); i++)
    pause_ms (10);
  if (b.core == NULL)
    die ("pipewire did not start");
  pw_loop_add_io (b.loop, sd_bus_get_fd (b.bus), SPA_IO_IN, false, on_bus_io_cb, &b);

  for (int i = 0; i < 1000 && !has_capability (&b, "audio-policy"); i++)
    pause_ms (10);
  if (!has_capability (&b, "audio-policy"))
    die ("callkitd did not connect to PipeWire and the module");
  while (b.metadata == NULL || b.quantum == 0 || b.rate == 0)
    iterate (&b, now_us () + 100000);
  b.music_player = spawn_music_player ();
  while (b.music == NULL)
    iterate (&b, now_us () + 100000);

  call_or_die (&b, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE, "RegisterProvider", &reply, "a{sv}", 0);
  if (sd_bus_message_read (reply, "o", &path) < 0)
    die ("RegisterProvider gave no path");
  b.provider_path = strdup (path);
  sd_bus_message_unref (reply);
  if (sd_bus_match_signal (b.bus, NULL, CKD_BUS_NAME, b.provider_path, CKD_PROVIDER_INTERFACE, NULL,
                           on_provider_signal, &b) < 0)
    die ("cannot subscribe to the provider's signals");

  a = calloc ((size_t) rounds, sizeof *a);
  m = calloc ((size_t) rounds, sizeof *m);
  d = calloc ((size_t) rounds, sizeof *d);
  for (int i = 0; i < rounds; i++)
    round_trip (&b, i, a, m, d);

  quantum_ms = 1000.0 * b.quantum / b.rate;
  printf ("bench-audio: %d rounds; one quantum = %u / %u Hz = %.2f ms\n", rounds, b.quantum,
          b.rate, quantum_ms);
  printf ("%-46s %11s %11s %7s   %s\n", "from the fulfilled answer to", "median", "p95",
          "quanta", "target 1");
  report ("(a) DidActivateAudioSession at the provider", a, rounds, quantum_ms, true);
  report ("(m) callkit.call entry with audio: true", m, rounds, quantum_ms, false);
  report ("(b) other playback ducked (metadata + Props)", d, rounds, quantum_ms, true);

  stop (b.music_player);
  spa_hook_remove (&b.music_listener);
  pw_proxy_destroy ((struct pw_proxy *) b.music);
  pw_core_disconnect (b.core);
  pw_context_destroy (b.context);
  pw_loop_leave (b.loop);
  pw_loop_destroy (b.loop);
  sd_bus_flush_close_unref (b.bus);
  stop (b.callkitd);
  stop (b.wireplumber);
  stop (b.pipewire);
  stop (b.dbus);
  if (!keep)
    {
      char cmd[128];
      snprintf (cmd, sizeof cmd, "rm -rf '%s'", b.dir);
      if (system (cmd) != 0)
        fprintf (stderr, "bench-audio: could not remove %s\n", b.dir);
    }
  else
    printf ("logs and configuration kept in %s\n", b.dir);
  free (a);
  free (m);
  free (d);
  return EXIT_SUCCESS;
}
