/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-push: how long a VoIP push takes through callkitd, as figures and
 * ratios to a D-Bus round trip (Peer.Ping to callkitd):
 *
 * - push → PushReceived: a transport calls DeliverPush, the app's
 *   connection gets PushReceived;
 * - push → ringing, app running: the app reports the call the push
 *   announces, an observer sees the call appear (InterfacesAdded);
 * - push → ringing, app not running: callkitd starts the app by D-Bus
 *   activation (this program again, as the app: --app), which registers,
 *   gets the queued push and reports its call.
 *
 * One run starts its own dbus-daemon (a private runtime dir with a
 * service dir for the activated app) and callkitd on it, with --push-rate=0
 * and --incoming-report-rate=0 (no rate limits: they would time the
 * limits, not callkitd), and stops both by PID. A benchmark, not a
 * test: it prints figures and exits 0; non-zero only when it cannot
 * measure.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "callkit-names.h"

#ifndef BENCH_DEFAULT_CALLKITD
#define BENCH_DEFAULT_CALLKITD "callkitd"
#endif

#define APP_ID "io.github.callkitd.BenchPushApp"
#define TIMEOUT_US (20 * 1000000ULL)

static unsigned n_samples = 2000, n_activations = 30;
static char dir[64];
static pid_t bus_pid = -1, ckd_pid = -1;


/* ---- small things --------------------------------------------------- */

static uint64_t
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void
stop_pid (pid_t *pid)
{
  if (*pid <= 0)
    return;
  kill (*pid, SIGTERM);
  for (int i = 0; i < 500 && waitpid (*pid, NULL, WNOHANG) == 0; i++)
    usleep (10000);
  if (waitpid (*pid, NULL, WNOHANG) == 0)
    {
      kill (*pid, SIGKILL);
      waitpid (*pid, NULL, 0);
    }
  *pid = -1;
}

static void
finish (void)
{
  char command[128];

  stop_pid (&ckd_pid);
  stop_pid (&bus_pid);
  if (dir[0] != '\0' && getenv ("BENCH_KEEP_DIR") == NULL)
    {
      snprintf (command, sizeof command, "rm -rf '%s'", dir);
      if (system (command) != 0)
        fprintf (stderr, "bench-push: cannot remove %s\n", dir);
    }
}

static void __attribute__ ((noreturn, format (printf, 1, 2)))
fail (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("bench-push: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  finish ();
  exit (EXIT_FAILURE);
}

static void
check (int r, const sd_bus_error *error, const char *what)
{
  if (r < 0)
    fail ("%s: %s", what, error && error->message ? error->message : strerror (-r));
}

static void
new_uuid (char out[SD_ID128_UUID_STRING_MAX])
{
  sd_id128_t id;

  check (sd_id128_randomize (&id), NULL, "a random UUID");
  sd_id128_to_uuid_string (id, out);
}

/* Runs @buses (NULL-terminated) until *@done: whatever comes on any of
 * them is processed, so that one process can play several peers. */
static void
wait_for_all (sd_bus **buses, const bool *done, const char *what)
{
  uint64_t deadline = now_us () + TIMEOUT_US;

  while (!*done)
    {
      struct pollfd fds[4];
      nfds_t n = 0;
      bool busy = false;

      for (sd_bus **bus = buses; *bus != NULL; bus++)
        {
          int r = sd_bus_process (*bus, NULL);

          check (r, NULL, what);
          busy |= r > 0;
        }
      if (busy || *done)
        continue;
      if (now_us () > deadline)
        fail ("timed out waiting for %s", what);
      for (sd_bus **bus = buses; *bus != NULL && n < 4; bus++, n++)
        {
          fds[n].fd = sd_bus_get_fd (*bus);
          fds[n].events = (short) sd_bus_get_events (*bus);
          fds[n].revents = 0;
        }
      if (poll (fds, n, 100) < 0 && errno != EINTR)
        fail ("poll: %s", strerror (errno));
    }
}

static void
wait_for (sd_bus *bus, const bool *done, const char *what)
{
  sd_bus *buses[] = { bus, NULL };

  wait_for_all (buses, done, what);
}

/* The call_uuid of a PushReceived, or NULL. */
static const char *
push_call_uuid (sd_bus_message *m)
{
  const char *key, *uuid = NULL;
  const void *payload;
  size_t size;
  int r;

  r = sd_bus_message_skip (m, "s");
  if (r >= 0)
    r = sd_bus_message_read_array (m, 'y', &payload, &size);
  if (r >= 0)
    r = sd_bus_message_enter_container (m, 'a', "{sv}");
  while (r > 0 && (r = sd_bus_message_enter_container (m, 'e', "sv")) > 0)
    {
      r = sd_bus_message_read (m, "s", &key);
      if (r >= 0 && strcmp (key, "call_uuid") == 0)
        r = sd_bus_message_read (m, "v", "s", &uuid);
      else if (r >= 0)
        r = sd_bus_message_skip (m, "v");
      if (r >= 0)
        r = sd_bus_message_exit_container (m);
    }
  return r < 0 ? NULL : uuid;
}

/* ---- the app, started by D-Bus activation (--app) ------------------- */

typedef struct
{
  sd_bus *bus;
  const char *provider;
  bool reported;
} App;

static int
app_on_push (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  App *app = userdata;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  const char *uuid = push_call_uuid (m);
  int r;

  if (uuid == NULL)
    return 0;
  r = sd_bus_call_method (app->bus, CKD_BUS_NAME, app->provider, CKD_PROVIDER_INTERFACE,
                          "ReportNewIncomingCall", &error, NULL, "sa{sv}", uuid, 1,
                          "remote_handle", "(ss)", "phone-number", "+4930123456789");
  sd_bus_error_free (&error);
  app->reported = r >= 0;
  return 0;
}

static int
run_app (void)
{
  sd_bus_message *reply = NULL;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  App app = { 0 };
  bool never = false;
  int r;

  r = sd_bus_open_user (&app.bus);
  check (r, NULL, "the app's bus");
  r = sd_bus_match_signal (app.bus, NULL, NULL, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "PushReceived",
                           app_on_push, &app);
  check (r, NULL, "PushReceived");
  r = sd_bus_call_method (app.bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE, "RegisterProvider",
                          &error, &reply, "a{sv}", 1, "ringing_timeout_ms", "u", 3600000);
  check (r, &error, "RegisterProvider");
  check (sd_bus_message_read (reply, "o", &app.provider), NULL, "the provider");
  r = sd_bus_request_name (app.bus, APP_ID, 0);
  check (r, NULL, "the app's name");
  r = sd_bus_call_method (app.bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "Register", &error, NULL,
                          "a{sv}", 1, "app_id", "s", APP_ID);
  check (r, &error, "Register");
  /* Until the bench stops it. */
  wait_for (app.bus, &never, "the end");
  return 0;
}

/* ---- the private bus and callkitd ----------------------------------- */

/* Runs @argv with its output in @log; @ready_fd (or -1) stays open in
 * the child as fd 3. */
static pid_t
spawn (char *const argv[], const char *log, int ready_fd)
{
  pid_t pid = fork ();

  if (pid < 0)
    fail ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      FILE *out = freopen (log, "a", stdout);

      prctl (PR_SET_PDEATHSIG, SIGTERM);
      if (out == NULL || dup2 (fileno (stdout), STDERR_FILENO) < 0
          || (ready_fd >= 0 && dup2 (ready_fd, 3) < 0))
        _exit (127);
      execvp (argv[0], argv);
      _exit (127);
    }
  return pid;
}

static void
write_file (const char *path, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

static void
write_file (const char *path, const char *format, ...)
{
  FILE *f = fopen (path, "w");
  va_list args;

  if (f == NULL)
    fail ("%s: %s", path, strerror (errno));
  va_start (args, format);
  vfprintf (f, format, args);
  va_end (args);
  if (fclose (f) != 0)
    fail ("%s: %s", path, strerror (errno));
}

static void
start_bus (const char *self)
{
  char config[128], services[128], service[192], log[128], address[256];
  char *argv[] = { "dbus-daemon", "--nofork", "--nopidfile", "--print-address=3",
                   (char *) "--config-file", config, NULL };
  int pipe_fds[2];
  ssize_t n;

  snprintf (config, sizeof config, "%s/bus.conf", dir);
  snprintf (services, sizeof services, "%s/services", dir);
  snprintf (log, sizeof log, "%s/bus.log", dir);
  mkdir (services, 0700);
  write_file (config,
              "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
              " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
              "<busconfig><type>session</type><listen>unix:path=%s/bus</listen>"
              "<auth>EXTERNAL</auth><servicedir>%s</servicedir>"
              "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
              "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
              dir, services);
  /* The app whose activation is timed: this program, as the app. */
  snprintf (service, sizeof service, "%s/%s.service", services, APP_ID);
  write_file (service, "[D-BUS Service]\nName=%s\nExec=%s --app\n", APP_ID, self);

  if (pipe (pipe_fds) < 0)
    fail ("pipe: %s", strerror (errno));
  bus_pid = spawn (argv, log, pipe_fds[1]);
  close (pipe_fds[1]);
  /* Ready once it printed its address. */
  n = read (pipe_fds[0], address, sizeof address - 1);
  close (pipe_fds[0]);
  if (n <= 0)
    fail ("dbus-daemon did not start (see %s)", log);
  address[n] = '\0';
  address[strcspn (address, "\n")] = '\0';
  setenv ("DBUS_SESSION_BUS_ADDRESS", address, 1);
  setenv ("XDG_RUNTIME_DIR", dir, 1);
  /* callkitd keeps its push registrations there, and reads no settings
   * of the user. */
  setenv ("XDG_STATE_HOME", dir, 1);
  setenv ("XDG_CONFIG_HOME", dir, 1);
  setenv ("XDG_CONFIG_DIRS", dir, 1);
}

static int
on_owner (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  bool *owned = userdata;
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) >= 0
      && strcmp (name, CKD_BUS_NAME) == 0 && *new_owner != '\0')
    *owned = true;
  return 0;
}

static void
start_callkitd (sd_bus *bus, const char *path)
{
  char log[128];
  char *argv[] = { (char *) path, "--push-rate=0", "--incoming-report-rate=0", NULL };
  sd_bus_slot *slot = NULL;
  bool owned = false;

  snprintf (log, sizeof log, "%s/callkitd.log", dir);
  check (sd_bus_match_signal (bus, &slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "NameOwnerChanged", on_owner, &owned),
         NULL, "NameOwnerChanged");
  ckd_pid = spawn (argv, log, -1);
  wait_for (bus, &owned, "callkitd to own its name");
  sd_bus_slot_unref (slot);
}

/* ---- the figures ---------------------------------------------------- */

typedef struct
{
  double median, p99;
} Stats;

static int
compare (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

  return x < y ? -1 : x > y;
}

static Stats
stats (uint64_t *samples, unsigned n)
{
  qsort (samples, n, sizeof *samples, compare);
  return (Stats) { samples[n / 2], samples[(n * 99 + 99) / 100 - 1] };
}

static void
print_row (const char *name, Stats s, Stats ping, unsigned n)
{
  printf ("%-44s %10.0f %10.0f %9.1f %8u\n", name, s.median, s.p99, s.median / ping.median, n);
}

typedef struct
{
  sd_bus *transport; /* calls DeliverPush */
  sd_bus *app;       /* registered for pushes, reports calls */
  sd_bus *observer;  /* sees calls appear */
  const char *token;
  const char *provider;
  char token_buf[64];
  char provider_buf[256];
  sd_bus *buses[4];  /* the three, NULL-terminated */
  bool pushed, rang, report;
  char ringing_path[256];
} Bench;

static int
on_push (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  Bench *b = userdata;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  const char *uuid;
  int r;

  b->pushed = true;
  if (!b->report)
    return 0;
  uuid = push_call_uuid (m);
  if (uuid == NULL)
    fail ("a PushReceived without its call");
  r = sd_bus_call_method (b->app, CKD_BUS_NAME, b->provider, CKD_PROVIDER_INTERFACE, "ReportNewIncomingCall",
                          &error, NULL, "sa{sv}", uuid, 1, "remote_handle", "(ss)",
                          "phone-number", "+4930123456789");
  check (r, &error, "ReportNewIncomingCall");
  return 0;
}

static int
on_interfaces_added (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  Bench *b = userdata;
  const char *path;

  if (sd_bus_message_read (m, "o", &path) >= 0 && strstr (path, "/call/") != NULL)
    {
      snprintf (b->ringing_path, sizeof b->ringing_path, "%s", path);
      b->rang = true;
    }
  return 0;
}

/* Sent without waiting for the reply: the clock runs until the app (or
 * the observer) sees the push's effect. */
static void
deliver (Bench *b, const char *token, const char *uuid)
{
  int r = sd_bus_call_method_async (b->transport, NULL, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE,
                                    "DeliverPush", NULL, NULL, "saya{sv}", token, 2, '{', '}', 2,
                                    "call_uuid", "s", uuid, "remote_handle", "(ss)",
                                    "phone-number", "+4930123456789");

  check (r, NULL, "DeliverPush");
  check (sd_bus_flush (b->transport), NULL, "DeliverPush");
}

/* The call the push rang ends, so that calls do not pile up. */
static void
end_call (Bench *b, const char *uuid)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_call_method (b->app, CKD_BUS_NAME, b->provider, CKD_PROVIDER_INTERFACE, "ReportCallEnded",
                              &error, NULL, "ssx", uuid, "remote-ended", (int64_t) 0);

  check (r, &error, "ReportCallEnded");
}

static Stats
measure_ping (Bench *b, uint64_t *samples)
{
  for (unsigned i = 0; i < n_samples; i++)
    {
      uint64_t start = now_us ();
      int r = sd_bus_call_method (b->transport, CKD_BUS_NAME, CKD_OBJECT_ROOT, "org.freedesktop.DBus.Peer",
                                  "Ping", NULL, NULL, "");
      check (r, NULL, "Ping");
      samples[i] = now_us () - start;
    }
  return stats (samples, n_samples);
}

static Stats
measure_push (Bench *b, uint64_t *samples, bool ring)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  /* PushReceived alone: the app is in the foreground, so that the pushes
   * oblige it to report nothing (and no deadline piles up); the same
   * delivery otherwise. Ringing: in the background, the app reports. */
  int r = sd_bus_call_method (b->app, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "SetForeground", &error,
                              NULL, "sb", b->token, !ring);

  check (r, &error, "SetForeground");
  for (unsigned i = 0; i < n_samples; i++)
    {
      char uuid[SD_ID128_UUID_STRING_MAX];
      uint64_t start;

      new_uuid (uuid);
      b->pushed = b->rang = false;
      b->report = ring;
      start = now_us ();
      deliver (b, b->token, uuid);
      wait_for_all (b->buses, ring ? &b->rang : &b->pushed, ring ? "the call to ring" : "PushReceived");
      samples[i] = now_us () - start;
      if (ring)
        end_call (b, uuid);
    }
  return stats (samples, n_samples);
}

static int
on_name_gone (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  bool *gone = userdata;
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) >= 0
      && strcmp (name, APP_ID) == 0 && *new_owner == '\0')
    *gone = true;
  return 0;
}

/* Each sample starts the app: it is not running when the push comes. */
static Stats
measure_activation (Bench *b, const char *token, uint64_t *samples)
{
  for (unsigned i = 0; i < n_activations; i++)
    {
      char uuid[SD_ID128_UUID_STRING_MAX];
      sd_bus_slot *slot = NULL;
      sd_bus_message *reply = NULL;
      const char *owner;
      uint32_t pid;
      bool gone = false;
      uint64_t start;
      int r;

      new_uuid (uuid);
      b->rang = false;
      start = now_us ();
      deliver (b, token, uuid);
      wait_for_all (b->buses, &b->rang, "the activated app's call to ring");
      samples[i] = now_us () - start;

      /* Stop the app; callkitd sees it leave before the next push. */
      r = sd_bus_call_method (b->observer, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetNameOwner", NULL, &reply, "s", APP_ID);
      check (r, NULL, "the app's owner");
      check (sd_bus_message_read (reply, "s", &owner), NULL, "the app's owner");
      r = sd_bus_match_signal (b->observer, &slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameOwnerChanged", on_name_gone, &gone);
      check (r, NULL, "NameOwnerChanged");
      {
        sd_bus_message *pid_reply = NULL;

        r = sd_bus_call_method (b->observer, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "GetConnectionUnixProcessID", NULL,
                                &pid_reply, "s", owner);
        check (r, NULL, "the app's pid");
        check (sd_bus_message_read (pid_reply, "u", &pid), NULL, "the app's pid");
        sd_bus_message_unref (pid_reply);
      }
      sd_bus_message_unref (reply);
      kill ((pid_t) pid, SIGTERM);
      wait_for (b->observer, &gone, "the app to leave");
      sd_bus_slot_unref (slot);
      check (sd_bus_call_method (b->transport, CKD_BUS_NAME, CKD_OBJECT_ROOT, "org.freedesktop.DBus.Peer",
                                 "Ping", NULL, NULL, ""),
             NULL, "Ping");
    }
  return stats (samples, n_activations);
}

static void
register_app (Bench *b)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *s;
  int r;

  r = sd_bus_match_signal (b->app, NULL, NULL, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "PushReceived", on_push, b);
  check (r, NULL, "PushReceived");
  r = sd_bus_call_method (b->app, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE, "RegisterProvider", &error,
                          &reply, "a{sv}", 1, "ringing_timeout_ms", "u", 3600000);
  check (r, &error, "RegisterProvider");
  check (sd_bus_message_read (reply, "o", &s), NULL, "the provider");
  snprintf (b->provider_buf, sizeof b->provider_buf, "%s", s);
  b->provider = b->provider_buf;
  sd_bus_message_unref (reply);
  r = sd_bus_call_method (b->app, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "Register", &error, &reply,
                          "a{sv}", 1, "app_id", "s", "io.github.callkitd.BenchRunning");
  check (r, &error, "Register");
  check (sd_bus_message_read (reply, "s", &s), NULL, "the token");
  snprintf (b->token_buf, sizeof b->token_buf, "%s", s);
  b->token = b->token_buf;
  sd_bus_message_unref (reply);
}

/* The activated app ran once before: its token, then it is gone. */
static char *
installed_app_token (Bench *b)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  sd_bus *once;
  const char *s;
  char *token;
  int r;

  check (sd_bus_open_user (&once), NULL, "a bus connection");
  r = sd_bus_call_method (once, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_PUSH_REGISTRY_INTERFACE, "Register", &error, &reply,
                          "a{sv}", 1, "app_id", "s", APP_ID);
  check (r, &error, "Register");
  check (sd_bus_message_read (reply, "s", &s), NULL, "the token");
  token = strdup (s);
  sd_bus_message_unref (reply);
  sd_bus_flush_close_unref (once);
  /* callkitd has seen it leave once a later call of ours is answered. */
  check (sd_bus_call_method (b->transport, CKD_BUS_NAME, CKD_OBJECT_ROOT, "org.freedesktop.DBus.Peer", "Ping",
                             NULL, NULL, ""),
         NULL, "Ping");
  return token;
}

int
main (int argc, char **argv)
{
  const char *callkitd = getenv ("CALLKITD") ?: BENCH_DEFAULT_CALLKITD;
  char self[4096];
  uint64_t *samples;
  Bench b = { 0 };
  Stats ping, push, ring, wake;
  char *token;
  ssize_t n;

  if (argc > 1 && strcmp (argv[1], "--app") == 0)
    return run_app ();
  for (int i = 1; i < argc; i++)
    if (strncmp (argv[i], "--samples=", 10) == 0)
      n_samples = (unsigned) strtoul (argv[i] + 10, NULL, 10);
    else if (strncmp (argv[i], "--activations=", 14) == 0)
      n_activations = (unsigned) strtoul (argv[i] + 14, NULL, 10);
    else if (argv[i][0] != '-')
      callkitd = argv[i];
    else
      {
        fprintf (stderr, "usage: bench-push [--samples=N] [--activations=N] [CALLKITD]\n");
        return 2;
      }
  if (n_samples < 10 || n_activations < 3)
    fail ("at least 10 samples and 3 activations");
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n < 0)
    fail ("/proc/self/exe: %s", strerror (errno));
  self[n] = '\0';
  snprintf (dir, sizeof dir, "/tmp/ckd-bench-push-XXXXXX");
  if (mkdtemp (dir) == NULL)
    fail ("mkdtemp: %s", strerror (errno));
  signal (SIGCHLD, SIG_DFL);

  start_bus (self);
  check (sd_bus_open_user (&b.transport), NULL, "the transport's bus");
  check (sd_bus_open_user (&b.app), NULL, "the app's bus");
  check (sd_bus_open_user (&b.observer), NULL, "the observer's bus");
  b.buses[0] = b.transport;
  b.buses[1] = b.app;
  b.buses[2] = b.observer;
  start_callkitd (b.transport, callkitd);
  check (sd_bus_match_signal (b.observer, NULL, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                              "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                              on_interfaces_added, &b),
         NULL, "InterfacesAdded");
  register_app (&b);
  token = installed_app_token (&b);

  samples = calloc (n_samples > n_activations ? n_samples : n_activations, sizeof *samples);
  if (samples == NULL)
    fail ("out of memory");
  ping = measure_ping (&b, samples);
  push = measure_push (&b, samples, false);
  ring = measure_push (&b, samples, true);
  wake = measure_activation (&b, token, samples);

  printf ("bench-push: %s on a private dbus-daemon, --push-rate=0 --incoming-report-rate=0\n\n",
          callkitd);
  printf ("%-44s %10s %10s %9s %8s\n", "figure (microseconds)", "median", "p99", "x ping",
          "samples");
  print_row ("Peer.Ping to callkitd (baseline)", ping, ping, n_samples);
  print_row ("push -> PushReceived", push, ping, n_samples);
  print_row ("push -> ringing, app running", ring, ping, n_samples);
  print_row ("push -> ringing, app started by activation", wake, ping, n_activations);
  printf ("\nratios: PushReceived %.1f x ping; ringing %.1f x PushReceived; "
          "activation %.1f x ringing with the app running\n",
          push.median / ping.median, ring.median / push.median, wake.median / ring.median);

  free (token);
  free (samples);
  sd_bus_flush_close_unref (b.transport);
  sd_bus_flush_close_unref (b.app);
  sd_bus_flush_close_unref (b.observer);
  finish ();
  return 0;
}
