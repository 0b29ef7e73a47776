/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-callkitd: latency, CPU and memory figures of callkitd.
 *
 * One run starts a private dbus-daemon (own config, <type>session</type>,
 * unix:path socket in a private XDG_RUNTIME_DIR) and callkitd on it, talks
 * to callkitd with sd-bus the way apps will (libcallkit is sd-bus), prints
 * a table of figures with their targets, and stops both processes by PID.
 *
 * It is a benchmark, not a test: it exits 0 when a target is missed (the
 * table says MISS), and non-zero only when it cannot measure at all.
 *
 * Connections: "provider" registers providers, reports calls and fulfills
 * actions; "requester" asks for transactions, as the desktop shell or
 * callctl would. Both are ordinary clients of the same user.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "callkit-names.h"

#ifndef BENCH_DEFAULT_CALLKITD
#define BENCH_DEFAULT_CALLKITD "callkitd"
#endif
#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif
#ifndef BENCH_DEFAULT_FLOOR
#define BENCH_DEFAULT_FLOOR "bench-floor-server"
#endif

/* The floor (bench-floor-server.c): the least a D-Bus service does. */
#define FLOOR_NAME "io.github.callkitd.BenchFloor"
#define FLOOR_PATH "/io/github/callkitd/BenchFloor"


/* Targets (see bench/README.md). */
#define TARGET_REPORT_RATIO 1.5
#define TARGET_TRANSACTION_RATIO 3.0
/* callkitd's CPU per report+end pair over the floor's per two calls. */
#define TARGET_CPU_FLOOR_RATIO 1.5
#define TARGET_RSS_IDLE_KIB (8.0 * 1024.0)
#define TARGET_RSS_PER_CALL_KIB 4.0

/* The memory figure: 4 providers of 250 live calls each (the limit is 256
 * per provider). */
#define RSS_PROVIDERS 4
#define RSS_CALLS_PER_PROVIDER 250

#define WAIT_TIMEOUT_US (10 * 1000000ULL)

/* Latency samples are taken in blocks of this many of one kind. */
#define BLOCK 100

/* ------------------------------------------------------------------------ */
/* Options */

static struct
{
  const char *callkitd;
  const char *dbus_daemon;
  unsigned samples;       /* ping and report */
  unsigned tx_samples;    /* answer transactions */
  unsigned warmup;        /* ping and report; transactions get a fifth */
  unsigned cpu_pairs;
  unsigned start_timeout_s;
  bool keep_dir;
  char phases[128];
  const char *floor;
  unsigned observers;
} opt = {
  .dbus_daemon = "dbus-daemon",
  .floor = BENCH_DEFAULT_FLOOR,
  .observers = 20,
  .samples = 10000,
  .tx_samples = 2000,
  .warmup = 1000,
  .cpu_pairs = 10000,
  .start_timeout_s = 10,
  .phases = "rss,latency,cpu,scale,observers",
};

static bool
phase_enabled (const char *name)
{
  size_t len = strlen (name);

  for (const char *p = opt.phases; (p = strstr (p, name)) != NULL; p += len)
    if ((p == opt.phases || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
      return true;
  return false;
}

/* ------------------------------------------------------------------------ */
/* Small helpers */

static void
die (const char *format, ...) __attribute__ ((format (printf, 1, 2), noreturn));

static void cleanup (void);

static void
die (const char *format, ...)
{
  va_list args;

  fflush (stdout);
  fputs ("bench-callkitd: ", stderr);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  cleanup ();
  exit (EXIT_FAILURE);
}

static uint64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static bool
parse_unsigned (const char *s, unsigned min, unsigned *out)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v > UINT_MAX || v < min || *s == '-')
    return false;
  *out = (unsigned) v;
  return true;
}

/* Reads a whole small file into @buf; false if it cannot. */
static bool
read_small_file (const char *path, char *buf, size_t size)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  size_t len = 0;
  ssize_t n;

  if (fd < 0)
    return false;
  while (len + 1 < size && (n = read (fd, buf + len, size - 1 - len)) > 0)
    len += (size_t) n;
  close (fd);
  buf[len] = '\0';
  return len > 0;
}

/* utime + stime of a process (all its threads), in clock ticks. */
static bool
proc_cpu_ticks (pid_t pid, uint64_t *ticks)
{
  char path[64], buf[2048];
  unsigned long long utime, stime;
  const char *p;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if (!read_small_file (path, buf, sizeof buf))
    return false;
  /* The command name may hold spaces and parentheses: fields start after
   * the last ')'. utime and stime are fields 14 and 15. */
  p = strrchr (buf, ')');
  if (p == NULL
      || sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                 &stime)
           != 2)
    return false;
  *ticks = utime + stime;
  return true;
}

/* Time on CPU of every thread of a process, in ns (schedstat: the
 * scheduler's own accounting, finer than the ticks of /proc/PID/stat).
 * Threads that exited meanwhile are not counted; callkitd keeps its. */
static bool
proc_cpu_schedstat_ns (pid_t pid, uint64_t *ns)
{
  char path[96], buf[256];
  struct dirent *entry;
  DIR *dir;
  uint64_t total = 0;
  bool any = false;

  snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
  dir = opendir (path);
  if (dir == NULL)
    return false;
  while ((entry = readdir (dir)) != NULL)
    {
      unsigned long long run;

      if (entry->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "/proc/%d/task/%.16s/schedstat", (int) pid, entry->d_name);
      if (read_small_file (path, buf, sizeof buf) && sscanf (buf, "%llu", &run) == 1)
        {
          total += run;
          any = true;
        }
    }
  closedir (dir);
  *ns = total;
  return any;
}

/* VmRSS of a process, in KiB. */
static bool
proc_rss_kib (pid_t pid, uint64_t *kib)
{
  char path[64], buf[4096];
  const char *p;
  unsigned long long v;

  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  if (!read_small_file (path, buf, sizeof buf) || (p = strstr (buf, "\nVmRSS:")) == NULL
      || sscanf (p + 7, " %llu", &v) != 1)
    return false;
  *kib = v;
  return true;
}

static uint64_t
self_cpu_ns (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ((uint64_t) ru.ru_utime.tv_sec + (uint64_t) ru.ru_stime.tv_sec) * 1000000000ULL
         + ((uint64_t) ru.ru_utime.tv_usec + (uint64_t) ru.ru_stime.tv_usec) * 1000ULL;
}

/* ------------------------------------------------------------------------ */
/* The private bus and the daemon */

static char runtime_dir[64];
static char config_path[96];
static char socket_path[96];
static char bus_log_path[96];
static char daemon_log_path[96];
static char floor_log_path[96];
/* callkitd's call history goes here, not into the user's own. */
static char data_dir[80];
static char history_dir[96];
static char history_path[128];
static char history_wal_path[136];
static char history_shm_path[136];
static pid_t bus_pid = -1;
static pid_t daemon_pid = -1;
static pid_t floor_pid = -1;
static pid_t observers_pid = -1;
static bool daemon_reaped;

/* Async-signal-safe: on_fatal_signal() calls it too. */
static void
remove_history (void)
{
  unlink (history_path);
  unlink (history_wal_path);
  unlink (history_shm_path);
  rmdir (history_dir);
  rmdir (data_dir);
}

static void
remove_runtime_dir (void)
{
  if (runtime_dir[0] == '\0' || opt.keep_dir)
    return;
  remove_history ();
  unlink (config_path);
  unlink (socket_path);
  unlink (bus_log_path);
  unlink (daemon_log_path);
  unlink (floor_log_path);
  rmdir (runtime_dir);
}

/* Waits up to @timeout_ms for @pid to exit; returns its status or -1. */
static int
reap (pid_t pid, unsigned timeout_ms)
{
  int status;

  for (unsigned waited = 0;; waited += 5)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return status;
      if (r < 0 || waited >= timeout_ms)
        return -1;
      usleep (5000);
    }
}

/* Stops @pid (our child) with SIGTERM, then SIGKILL; returns its status. */
static int
stop_child (pid_t pid, const char *what)
{
  int status;

  if (pid <= 0)
    return 0;
  kill (pid, SIGTERM);
  status = reap (pid, 5000);
  if (status == -1)
    {
      fprintf (stderr, "bench-callkitd: %s (pid %d) ignored SIGTERM; killing it\n", what,
               (int) pid);
      kill (pid, SIGKILL);
      status = reap (pid, 5000);
    }
  return status;
}

static void
cleanup (void)
{
  if (observers_pid > 0)
    stop_child (observers_pid, "observers");
  observers_pid = -1;
  if (floor_pid > 0)
    stop_child (floor_pid, "bench-floor-server");
  floor_pid = -1;
  if (daemon_pid > 0 && !daemon_reaped)
    stop_child (daemon_pid, "callkitd");
  daemon_pid = -1;
  if (bus_pid > 0)
    stop_child (bus_pid, "dbus-daemon");
  bus_pid = -1;
  remove_runtime_dir ();
}

static void
on_fatal_signal (int sig)
{
  /* Async-signal-safe only: stop our children by PID, remove our files. */
  pid_t children[2] = { daemon_reaped ? -1 : daemon_pid, bus_pid };

  for (int i = 0; i < 2; i++)
    if (children[i] > 0)
      kill (children[i], SIGTERM);
  /* Reap them (up to 2 s each, then SIGKILL): nobody else would. */
  for (int i = 0; i < 2; i++)
    {
      struct timespec tick = { 0, 10 * 1000 * 1000 };
      int n = 0;

      if (children[i] <= 0)
        continue;
      while (waitpid (children[i], NULL, WNOHANG) == 0)
        {
          if (++n == 200)
            kill (children[i], SIGKILL);
          nanosleep (&tick, NULL);
        }
    }
  if (runtime_dir[0] != '\0' && !opt.keep_dir)
    {
      remove_history ();
      unlink (config_path);
      unlink (socket_path);
      unlink (bus_log_path);
      unlink (daemon_log_path);
      rmdir (runtime_dir);
    }
  _exit (128 + sig);
}

static void
print_log_tail (const char *path, const char *what)
{
  char buf[4096];

  if (read_small_file (path, buf, sizeof buf))
    fprintf (stderr, "--- %s log (%s) ---\n%s--- end ---\n", what, path, buf);
}

static void
write_bus_config (void)
{
  FILE *f = fopen (config_path, "we");

  if (f == NULL)
    die ("cannot write %s: %s", config_path, strerror (errno));
  fprintf (f,
           "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig>\n"
           "  <type>session</type>\n"
           "  <listen>unix:path=%s</listen>\n"
           "  <auth>EXTERNAL</auth>\n"
           "  <!-- No service dirs: nothing on this bus is activated. -->\n"
           "  <policy context=\"default\">\n"
           "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
           "    <allow eavesdrop=\"true\"/>\n"
           "    <allow own=\"*\"/>\n"
           "  </policy>\n"
           "  <!-- The limits of the stock session.conf. -->\n"
           "  <limit name=\"max_incoming_bytes\">1000000000</limit>\n"
           "  <limit name=\"max_outgoing_bytes\">1000000000</limit>\n"
           "  <limit name=\"max_message_size\">1000000000</limit>\n"
           "  <limit name=\"max_match_rules_per_connection\">50000</limit>\n"
           "  <limit name=\"max_replies_per_connection\">50000</limit>\n"
           "</busconfig>\n",
           socket_path);
  if (fclose (f) != 0)
    die ("cannot write %s: %s", config_path, strerror (errno));
}

static void
redirect_to_log (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd >= 0)
    {
      dup2 (fd, STDOUT_FILENO);
      dup2 (fd, STDERR_FILENO);
    }
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    dup2 (fd, STDIN_FILENO);
}

static void
start_bus (void)
{
  char address[512], fd_arg[32], config_arg[128];
  int pipefd[2];
  size_t len = 0;
  ssize_t n;

  snprintf (runtime_dir, sizeof runtime_dir, "/tmp/ckd-bench-XXXXXX");
  if (mkdtemp (runtime_dir) == NULL)
    {
      runtime_dir[0] = '\0';
      die ("cannot create a runtime dir in /tmp: %s", strerror (errno));
    }
  chmod (runtime_dir, 0700);
  snprintf (config_path, sizeof config_path, "%s/bus.conf", runtime_dir);
  snprintf (socket_path, sizeof socket_path, "%s/bus", runtime_dir);
  snprintf (bus_log_path, sizeof bus_log_path, "%s/dbus-daemon.log", runtime_dir);
  snprintf (daemon_log_path, sizeof daemon_log_path, "%s/callkitd.log", runtime_dir);
  snprintf (floor_log_path, sizeof floor_log_path, "%s/floor.log", runtime_dir);
  snprintf (data_dir, sizeof data_dir, "%s/data", runtime_dir);
  snprintf (history_dir, sizeof history_dir, "%s/callkitd", data_dir);
  snprintf (history_path, sizeof history_path, "%s/history.sqlite", history_dir);
  snprintf (history_wal_path, sizeof history_wal_path, "%s-wal", history_path);
  snprintf (history_shm_path, sizeof history_shm_path, "%s-shm", history_path);
  write_bus_config ();

  /* Our own child in the foreground (--nofork), so that we reap it. */
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    die ("pipe: %s", strerror (errno));
  bus_pid = fork ();
  if (bus_pid < 0)
    die ("fork: %s", strerror (errno));
  if (bus_pid == 0)
    {
      int fd = dup (pipefd[1]); /* without O_CLOEXEC */
      prctl (PR_SET_PDEATHSIG, SIGTERM);
      redirect_to_log (bus_log_path);
      snprintf (fd_arg, sizeof fd_arg, "--print-address=%d", fd);
      snprintf (config_arg, sizeof config_arg, "--config-file=%s", config_path);
      execlp (opt.dbus_daemon, opt.dbus_daemon, config_arg, "--nofork", "--nopidfile", fd_arg,
              (char *) NULL);
      _exit (127);
    }
  close (pipefd[1]);
  /* The address is printed once the bus listens: that is readiness. */
  while (len + 1 < sizeof address && (n = read (pipefd[0], address + len, sizeof address - 1 - len)) > 0)
    {
      len += (size_t) n;
      if (memchr (address, '\n', len) != NULL)
        break;
    }
  close (pipefd[0]);
  address[len] = '\0';
  if (len == 0 || strchr (address, '\n') == NULL)
    {
      print_log_tail (bus_log_path, "dbus-daemon");
      die ("%s did not start (is it installed? set DBUS_DAEMON)", opt.dbus_daemon);
    }
  /* It prints every address it listens on; ours is the unix:path one. */
  snprintf (address, sizeof address, "unix:path=%s", socket_path);
  setenv ("DBUS_SESSION_BUS_ADDRESS", address, 1);
  setenv ("XDG_RUNTIME_DIR", runtime_dir, 1);
  setenv ("XDG_DATA_HOME", data_dir, 1);
}

static void
start_daemon (void)
{
  daemon_pid = fork ();
  if (daemon_pid < 0)
    die ("fork: %s", strerror (errno));
  if (daemon_pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGTERM);
      redirect_to_log (daemon_log_path);
      /* The default rate limit (10 incoming reports a second per provider)
       * would throttle the benchmark: it runs without one, and says so. */
      execl (opt.callkitd, opt.callkitd, "--incoming-report-rate=0", (char *) NULL);
      fprintf (stderr, "cannot run %s: %s\n", opt.callkitd, strerror (errno));
      _exit (127);
    }
}

static void
start_floor (void)
{
  floor_pid = fork ();
  if (floor_pid < 0)
    die ("fork: %s", strerror (errno));
  if (floor_pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGTERM);
      redirect_to_log (floor_log_path);
      execl (opt.floor, opt.floor, (char *) NULL);
      fprintf (stderr, "cannot run %s: %s\n", opt.floor, strerror (errno));
      _exit (127);
    }
}

static bool
daemon_alive (void)
{
  int status;

  if (daemon_reaped)
    return false;
  if (waitpid (daemon_pid, &status, WNOHANG) == daemon_pid)
    {
      daemon_reaped = true;
      return false;
    }
  return true;
}

/* ------------------------------------------------------------------------ */
/* sd-bus helpers */

static sd_bus *
open_bus (const char *description)
{
  sd_bus *bus = NULL;
  int r = sd_bus_open_user_with_description (&bus, description);

  if (r < 0)
    die ("cannot connect to the private bus: %s", strerror (-r));
  return bus;
}

static void
check_call (int r, sd_bus_error *error, const char *what)
{
  if (r < 0)
    {
      if (!daemon_alive ())
        print_log_tail (daemon_log_path, "callkitd");
      die ("%s failed: %s%s%s", what, error->name ? error->name : strerror (-r),
           error->message ? ": " : "", error->message ? error->message : "");
    }
}

/* The unique name that owns @name, or NULL. */
static char *
name_owner (sd_bus *bus, const char *name)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *owner;
  char *result = NULL;

  if (sd_bus_call_method (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s", name)
        >= 0
      && sd_bus_message_read (reply, "s", &owner) >= 0)
    result = strdup (owner);
  sd_bus_error_free (&error);
  sd_bus_message_unref (reply);
  return result;
}

/* Processes @bus until *@done or the timeout; false on timeout or error. */
static bool
wait_until (sd_bus *bus, const bool *done)
{
  uint64_t deadline = now_ns () + WAIT_TIMEOUT_US * 1000ULL;

  while (!*done)
    {
      int r = sd_bus_process (bus, NULL);
      if (r < 0)
        die ("sd_bus_process: %s", strerror (-r));
      if (r > 0)
        continue;
      if (*done)
        break;
      if (now_ns () > deadline)
        return false;
      r = sd_bus_wait (bus, WAIT_TIMEOUT_US);
      if (r < 0 && r != -EINTR)
        die ("sd_bus_wait: %s", strerror (-r));
    }
  return true;
}

/* Processes what is queued on @bus, without waiting. */
static void
drain (sd_bus *bus)
{
  int r;

  while ((r = sd_bus_process (bus, NULL)) > 0)
    ;
  if (r < 0)
    die ("sd_bus_process: %s", strerror (-r));
}

/* ------------------------------------------------------------------------ */
/* The operations measured */

static char daemon_unique[256];
static char floor_unique[256];
static uint32_t uuid_prefix;
static uint16_t uuid_mid;
static uint64_t uuid_counter;

/* A fresh call UUID (callkitd never accepts one twice), canonical v4. */
static void
next_uuid (char out[37])
{
  uint64_t n = ++uuid_counter;

  snprintf (out, 37, "%08" PRIx32 "-%04" PRIx16 "-4%03x-8%03x-%012" PRIx64, uuid_prefix, uuid_mid,
            (unsigned) ((n >> 48) & 0xfff), (unsigned) ((n >> 60) & 0xf),
            (uint64_t) (n & 0xffffffffffffULL));
}

static void
ping (sd_bus *bus)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_call_method (bus, daemon_unique, "/", "org.freedesktop.DBus.Peer", "Ping",
                              &error, NULL, "");

  check_call (r, &error, "Peer.Ping");
}

/* Properties.Get of Manager.Version: GDBus runs it in callkitd's main loop,
 * with no g-authorize-method and no callkitd logic. The floor of anything
 * that reaches callkitd's own code (Peer.Ping is answered by GDBus's worker
 * thread and never reaches the main loop). */
static void
get_version (sd_bus *bus)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  int r = sd_bus_call_method (bus, daemon_unique, CKD_OBJECT_ROOT, "org.freedesktop.DBus.Properties",
                              "Get", &error, &reply, "ss", CKD_MANAGER_INTERFACE, "Version");

  check_call (r, &error, "Properties.Get Manager.Version");
  sd_bus_message_unref (reply);
}

/* A Provider method that its handler refuses at once (ReportCallEnded with
 * a reason that does not exist): the dispatch path every Provider method
 * takes (g-authorize-method, then the handler), with no work behind it. */
static void
refused_report (sd_bus *bus, const char *provider)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_call_method (bus, daemon_unique, provider, CKD_PROVIDER_INTERFACE, "ReportCallEnded",
                              &error, NULL, "ssx", "00000000-0000-4000-8000-000000000000",
                              "no-such-reason", (int64_t) 0);

  if (r >= 0 || !sd_bus_error_has_name (&error, CKD_ERROR_PREFIX "InvalidArgument"))
    die ("ReportCallEnded with a bad reason: expected InvalidArgument, got %s",
         r >= 0 ? "success" : error.name);
  sd_bus_error_free (&error);
}

static char *
register_provider (sd_bus *bus, const char *name)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *path;
  char *result;
  int r;

  /* The longest ringing timeout: no call of the benchmark may end as
   * unanswered (and send an end-call action) while it is measured. */
  r = sd_bus_call_method (bus, daemon_unique, CKD_OBJECT_ROOT, CKD_MANAGER_INTERFACE, "RegisterProvider",
                          &error, &reply, "a{sv}", 2, "localized_name", "s", name,
                          "ringing_timeout_ms", "u", (uint32_t) 3600000);
  check_call (r, &error, "RegisterProvider");
  r = sd_bus_message_read (reply, "o", &path);
  if (r < 0)
    die ("RegisterProvider: bad reply: %s", strerror (-r));
  result = strdup (path);
  sd_bus_message_unref (reply);
  return result;
}

static void
report_incoming (sd_bus *bus, const char *provider, const char *uuid)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  /* What a softphone sends: the caller's number and name. */
  int r = sd_bus_call_method (bus, daemon_unique, provider, CKD_PROVIDER_INTERFACE,
                              "ReportNewIncomingCall", &error, NULL, "sa{sv}", uuid, 2,
                              "remote_handle", "(ss)", "phone-number", "+4930123456789",
                              "localized_caller_name", "s", "Ada Lovelace");

  check_call (r, &error, "ReportNewIncomingCall");
}

static void
report_ended (sd_bus *bus, const char *provider, const char *uuid)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_call_method (bus, daemon_unique, provider, CKD_PROVIDER_INTERFACE, "ReportCallEnded",
                              &error, NULL, "ssx", uuid, "remote-ended", (int64_t) 0);

  check_call (r, &error, "ReportCallEnded");
}

/* The floor's Report, with the details a softphone sends callkitd. */
static void
floor_report (sd_bus *bus, const char *id)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_call_method (bus, floor_unique, FLOOR_PATH, FLOOR_NAME, "Report", &error, NULL,
                              "sa{sv}", id, 2, "remote_handle", "(ss)", "phone-number",
                              "+4930123456789", "localized_caller_name", "s", "Ada Lovelace");

  check_call (r, &error, "floor Report");
}

/* Two Reports: the floor's counterpart of a report pair. */
static void
floor_pair (sd_bus *bus)
{
  char id[37];

  next_uuid (id);
  floor_report (bus, id);
  floor_report (bus, id);
}

/* A process with @n bus connections that each follow every signal callkitd
 * and the floor send, as panels, shells and callctl monitors do. They
 * read what comes and do nothing with it. */
static void
start_observers (unsigned n)
{
  int ready[2];
  char byte;

  if (pipe (ready) < 0)
    die ("pipe: %s", strerror (errno));
  observers_pid = fork ();
  if (observers_pid < 0)
    die ("fork: %s", strerror (errno));
  if (observers_pid == 0)
    {
      sd_bus **buses = calloc (n, sizeof (sd_bus *));
      char match[512];

      /* Not the parent's handlers: those stop the bus and callkitd. */
      signal (SIGTERM, SIG_DFL);
      signal (SIGINT, SIG_DFL);
      signal (SIGHUP, SIG_DFL);
      prctl (PR_SET_PDEATHSIG, SIGTERM);
      close (ready[0]);
      for (unsigned i = 0; i < n; i++)
        {
          if (sd_bus_open_user (&buses[i]) < 0)
            _exit (1);
          for (int k = 0; k < 2; k++)
            {
              snprintf (match, sizeof match, "type='signal',sender='%s'",
                        k == 0 ? daemon_unique : floor_unique);
              if (sd_bus_add_match (buses[i], NULL, match, NULL, NULL) < 0)
                _exit (1);
            }
          /* callkitd addresses its call signals to the connections that
           * have called it: an ObjectManager client's first call. */
          if (sd_bus_call_method (buses[i], "io.github.callkitd.CallKit1",
                                  "/io/github/callkitd/CallKit1",
                                  "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                                  NULL, "")
              < 0)
            _exit (1);
        }
      if (write (ready[1], "r", 1) != 1)
        _exit (1);
      for (;;)
        {
          struct pollfd fds[64];
          unsigned m = n < 64 ? n : 64;

          for (unsigned i = 0; i < m; i++)
            {
              while (sd_bus_process (buses[i], NULL) > 0)
                ;
              fds[i] = (struct pollfd) { .fd = sd_bus_get_fd (buses[i]), .events = POLLIN };
            }
          if (poll (fds, m, -1) < 0 && errno != EINTR)
            _exit (1);
        }
    }
  close (ready[1]);
  if (read (ready[0], &byte, 1) != 1)
    die ("the observers did not start");
  close (ready[0]);
}

/* State of one answer transaction, filled by the signal handlers. */
static struct
{
  const char *uuid;
  bool performed;
  char action[128];
  bool completed;
  char transaction[128];
  char result[32];
} tx;

static int
on_perform_action (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  const char *action, *type, *call;

  (void) userdata;
  (void) ret_error;
  if (sd_bus_message_read (m, "sss", &action, &type, &call) < 0)
    return 0;
  if (tx.uuid == NULL || strcmp (call, tx.uuid) != 0 || strcmp (type, "answer-call") != 0)
    {
      fprintf (stderr, "bench-callkitd: unexpected PerformAction %s %s %s\n", action, type, call);
      return 0;
    }
  snprintf (tx.action, sizeof tx.action, "%s", action);
  tx.performed = true;
  return 0;
}

static int
on_transaction_completed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  const char *id, *key, *value;

  (void) userdata;
  (void) ret_error;
  if (sd_bus_message_read (m, "s", &id) < 0)
    return 0;
  snprintf (tx.transaction, sizeof tx.transaction, "%s", id);
  tx.result[0] = '\0';
  /* outcomes aa{sv}: one action here; we want its "result". */
  if (sd_bus_message_enter_container (m, 'a', "a{sv}") > 0
      && sd_bus_message_enter_container (m, 'a', "{sv}") > 0)
    {
      while (sd_bus_message_enter_container (m, 'e', "sv") > 0)
        {
          if (sd_bus_message_read (m, "s", &key) < 0)
            break;
          if (strcmp (key, "result") == 0 && sd_bus_message_read (m, "v", "s", &value) >= 0)
            snprintf (tx.result, sizeof tx.result, "%s", value);
          else
            sd_bus_message_skip (m, "v");
          sd_bus_message_exit_container (m);
        }
    }
  tx.completed = true;
  return 0;
}

typedef struct
{
  uint64_t total;     /* RequestTransaction sent → TransactionCompleted received */
  uint64_t request;   /* RequestTransaction round trip */
  uint64_t perform;   /* its reply → PerformAction received */
  uint64_t fulfill;   /* FulfillAction round trip */
  uint64_t completed; /* its reply → TransactionCompleted received */
} TxTimes;

static void
answer_transaction (sd_bus *provider_bus, const char *provider, sd_bus *requester_bus,
                    TxTimes *times)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *transaction;
  char uuid[37];
  uint64_t t0, t1, t2, t3, t4;
  int r;

  next_uuid (uuid);
  report_incoming (provider_bus, provider, uuid);
  tx.uuid = uuid;
  tx.performed = tx.completed = false;

  t0 = now_ns ();
  r = sd_bus_call_method (requester_bus, daemon_unique, CKD_OBJECT_ROOT, CKD_CALL_CONTROLLER_INTERFACE,
                          "RequestTransaction", &error, &reply, "aa{sv}", 1, 2, "type", "s",
                          "answer-call", "call", "s", uuid);
  check_call (r, &error, "RequestTransaction");
  t1 = now_ns ();
  if (!wait_until (provider_bus, &tx.performed))
    die ("no PerformAction for call %s within %llu s", uuid,
         (unsigned long long) (WAIT_TIMEOUT_US / 1000000));
  t2 = now_ns ();
  r = sd_bus_call_method (provider_bus, daemon_unique, provider, CKD_PROVIDER_INTERFACE, "FulfillAction",
                          &error, NULL, "sa{sv}", tx.action, 0);
  check_call (r, &error, "FulfillAction");
  t3 = now_ns ();
  if (!wait_until (requester_bus, &tx.completed))
    die ("no TransactionCompleted for call %s within %llu s", uuid,
         (unsigned long long) (WAIT_TIMEOUT_US / 1000000));
  t4 = now_ns ();

  if (sd_bus_message_read (reply, "s", &transaction) < 0 || strcmp (transaction, tx.transaction) != 0)
    die ("TransactionCompleted for %s, expected the transaction returned by RequestTransaction",
         tx.transaction);
  if (strcmp (tx.result, "fulfilled") != 0)
    die ("transaction %s completed as '%s', expected 'fulfilled'", tx.transaction, tx.result);
  sd_bus_message_unref (reply);
  tx.uuid = NULL;

  report_ended (provider_bus, provider, uuid);
  if (times != NULL)
    {
      times->total = t4 - t0;
      times->request = t1 - t0;
      times->perform = t2 - t1;
      times->fulfill = t3 - t2;
      times->completed = t4 - t3;
    }
}

/* ------------------------------------------------------------------------ */
/* Statistics and the table */

typedef struct
{
  bool valid;
  double median_us;
  double p99_us;
  unsigned n;
} Stats;

static int
compare_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

  return x < y ? -1 : x > y;
}

/* Median (mean of the two middle values for an even count) and p99
 * (nearest rank) of @n samples in ns; sorts @samples. */
static Stats
stats_of (uint64_t *samples, unsigned n, double scale)
{
  Stats s = { .valid = n > 0, .n = n };
  size_t rank;

  if (n == 0)
    return s;
  qsort (samples, n, sizeof *samples, compare_u64);
  s.median_us = (n % 2 ? (double) samples[n / 2]
                       : ((double) samples[n / 2 - 1] + (double) samples[n / 2]) / 2.0)
                / 1000.0 * scale;
  rank = (size_t) ceil (0.99 * n);
  s.p99_us = (double) samples[rank > 0 ? rank - 1 : 0] / 1000.0 * scale;
  return s;
}

static unsigned n_pass, n_miss;

static const char *
verdict (bool pass)
{
  if (pass)
    n_pass++;
  else
    n_miss++;
  return pass ? "PASS" : "MISS";
}

/* The table is printed with UTF-8 (µ, ×, ≤, →): columns are padded by
 * characters, not bytes. */
static int
display_width (const char *s)
{
  int n = 0;

  for (; *s != '\0'; s++)
    if (((unsigned char) *s & 0xc0) != 0x80)
      n++;
  return n;
}

static void
cell (const char *s, int width, bool right)
{
  int pad = width - display_width (s);

  if (right)
    printf ("%*s%s", pad > 0 ? pad : 0, "", s);
  else
    printf ("%s%*s", s, pad > 0 ? pad : 0, "");
}

enum
{
  W_NAME = 46,
  W_NUM = 10,
  W_RATIO = 8,
  W_TARGET = 14,
};

static void
row (const char *name, const char *median, const char *p99, const char *ratio,
     const char *target, const char *result)
{
  cell (name, W_NAME, false);
  cell (median, W_NUM, true);
  cell (p99, W_NUM + 1, true);
  cell (ratio, W_RATIO + 1, true);
  printf ("  ");
  cell (target, W_TARGET, false);
  printf (" %s\n", result);
}

static void
row_header (void)
{
  row ("figure", "median µs", "p99 µs", "ratio", "target", "result");
  for (int i = 0; i < W_NAME + W_NUM + W_NUM + 1 + W_RATIO + 1 + 2 + W_TARGET + 7; i++)
    putchar ('-');
  putchar ('\n');
}

static void
latency_row (const char *name, const Stats *s, const Stats *ping_stats, double target_ratio)
{
  char median[32], p99[32], ratio[32], target[32];
  const char *result = "";
  double r = 0;

  if (!s->valid)
    {
      row (name, "-", "-", "-", "-", "(not run)");
      return;
    }
  snprintf (median, sizeof median, "%.1f", s->median_us);
  snprintf (p99, sizeof p99, "%.1f", s->p99_us);
  if (ping_stats->valid && ping_stats->median_us > 0)
    {
      r = s->median_us / ping_stats->median_us;
      snprintf (ratio, sizeof ratio, "%.2f×", r);
    }
  else
    snprintf (ratio, sizeof ratio, "-");
  if (target_ratio > 0)
    {
      snprintf (target, sizeof target, "≤ %.1f× ping", target_ratio);
      if (ping_stats->valid)
        result = verdict (r <= target_ratio);
      else
        result = "(no ping figure)";
    }
  else
    snprintf (target, sizeof target, "(info)");
  row (name, median, p99, ratio, target, result);
}

/* A figure with one value: it takes the median and p99 columns. */
static void
value_row (const char *name, const char *value, const char *unit, const char *target,
           const char *result)
{
  char v[48];

  snprintf (v, sizeof v, "%s %s", value, unit);
  cell (name, W_NAME, false);
  cell (v, W_NUM + W_NUM + 1, true);
  cell ("", W_RATIO + 1, true);
  printf ("  ");
  cell (target, W_TARGET, false);
  printf (" %s\n", result);
}

/* ------------------------------------------------------------------------ */

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: bench-callkitd [OPTION...] [CALLKITD]\n"
           "\n"
           "Measures callkitd on a private dbus-daemon it starts and stops itself.\n"
           "CALLKITD is the daemon to run (default: $CALLKITD, else\n"
           "%s).\n"
           "\n"
           "  --samples=N        samples of ping, Properties.Get, refused report and report\n"
           "                     pair (default 10000)\n"
           "  --tx-samples=N     answer-transaction samples (default 2000), interleaved\n"
           "                     with the others\n"
           "  --warmup=N         unmeasured rounds of all of them first (default 1000; with\n"
           "                     a transaction every fifth round)\n"
           "  --cpu-pairs=N      report+end pairs for the CPU figure (default 10000)\n"
           "  --phases=LIST      of rss,latency,cpu,scale,observers (default all; scale:\n"
           "                     callkitd's CPU per ping and per Properties.Get, taken in the\n"
           "                     cpu phase; observers: the pair again with N connections\n"
           "                     following every signal)\n"
           "  --observers=N      connections of the observers phase (default 20)\n"
           "  --floor=PATH       the floor server (default %s)\n"
           "  --start-timeout=S  seconds to wait for callkitd's bus name (default 10)\n"
           "  --keep-dir         keep the private runtime dir (bus config, logs)\n"
           "  -h, --help         this text\n"
           "\n"
           "Environment: CALLKITD (the daemon), DBUS_DAEMON (default dbus-daemon).\n"
           "callkitd runs with --incoming-report-rate=0 (no rate limit).\n",
           BENCH_DEFAULT_CALLKITD, BENCH_DEFAULT_FLOOR);
}

static void
parse_options (int argc, char **argv)
{
  enum
  {
    OPT_SAMPLES = 256,
    OPT_TX_SAMPLES,
    OPT_WARMUP,
    OPT_CPU_PAIRS,
    OPT_PHASES,
    OPT_START_TIMEOUT,
    OPT_KEEP_DIR,
    OPT_OBSERVERS,
    OPT_FLOOR,
  };
  static const struct option options[] = {
    { "samples", required_argument, NULL, OPT_SAMPLES },
    { "tx-samples", required_argument, NULL, OPT_TX_SAMPLES },
    { "warmup", required_argument, NULL, OPT_WARMUP },
    { "cpu-pairs", required_argument, NULL, OPT_CPU_PAIRS },
    { "phases", required_argument, NULL, OPT_PHASES },
    { "start-timeout", required_argument, NULL, OPT_START_TIMEOUT },
    { "keep-dir", no_argument, NULL, OPT_KEEP_DIR },
    { "observers", required_argument, NULL, OPT_OBSERVERS },
    { "floor", required_argument, NULL, OPT_FLOOR },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      bool ok = true;

      switch (c)
        {
        case OPT_SAMPLES:
          ok = parse_unsigned (optarg, 1, &opt.samples);
          break;
        case OPT_TX_SAMPLES:
          ok = parse_unsigned (optarg, 1, &opt.tx_samples);
          break;
        case OPT_WARMUP:
          ok = parse_unsigned (optarg, 0, &opt.warmup);
          break;
        case OPT_CPU_PAIRS:
          ok = parse_unsigned (optarg, 1, &opt.cpu_pairs);
          break;
        case OPT_PHASES:
          ok = strlen (optarg) < sizeof opt.phases;
          if (ok)
            snprintf (opt.phases, sizeof opt.phases, "%s", optarg);
          break;
        case OPT_START_TIMEOUT:
          ok = parse_unsigned (optarg, 1, &opt.start_timeout_s);
          break;
        case OPT_KEEP_DIR:
          opt.keep_dir = true;
          break;
        case OPT_OBSERVERS:
          ok = parse_unsigned (optarg, 0, &opt.observers);
          break;
        case OPT_FLOOR:
          opt.floor = optarg;
          break;
        case 'h':
          usage (stdout);
          exit (EXIT_SUCCESS);
        default:
          usage (stderr);
          exit (2);
        }
      if (!ok)
        {
          fprintf (stderr, "bench-callkitd: bad value '%s' for --%s\n", optarg,
                   options[c - OPT_SAMPLES].name);
          exit (2);
        }
    }
  if (optind + 1 < argc)
    {
      usage (stderr);
      exit (2);
    }
  if (optind < argc)
    opt.callkitd = argv[optind];
  else if (getenv ("CALLKITD") != NULL && *getenv ("CALLKITD") != '\0')
    opt.callkitd = getenv ("CALLKITD");
  else
    opt.callkitd = BENCH_DEFAULT_CALLKITD;
  if (getenv ("DBUS_DAEMON") != NULL && *getenv ("DBUS_DAEMON") != '\0')
    opt.dbus_daemon = getenv ("DBUS_DAEMON");
}

static void
print_machine (void)
{
  char buf[65536], model[128] = "unknown CPU", load[64] = "?";
  const char *p;
  long ncpu = sysconf (_SC_NPROCESSORS_ONLN);

  if (read_small_file ("/proc/cpuinfo", buf, sizeof buf) && (p = strstr (buf, "model name")) != NULL
      && (p = strchr (p, ':')) != NULL)
    {
      size_t n = strcspn (p + 2, "\n");
      snprintf (model, sizeof model, "%.*s", (int) (n < sizeof model ? n : sizeof model - 1), p + 2);
    }
  if (read_small_file ("/proc/loadavg", buf, sizeof buf))
    snprintf (load, sizeof load, "%.*s", (int) strcspn (buf, " "), buf);
  printf ("machine: %ld CPUs online (%s), load average %s\n", ncpu, model, load);
  printf ("note: 2 cores shared by the benchmark, dbus-daemon and callkitd (and whatever else\n"
          "      runs here): the figures are noisy; medians can move by 2× between runs when\n"
          "      other jobs run. Run it more than once before drawing conclusions.\n");
}

int
main (int argc, char **argv)
{
  sd_bus *provider_bus, *requester_bus;
  char *provider;
  char *rss_providers[RSS_PROVIDERS];
  Stats ping_stats = { 0 }, incoming_stats = { 0 }, ended_stats = { 0 }, pair_stats = { 0 },
        half_pair_stats = { 0 }, tx_stats = { 0 }, tx_request_stats = { 0 },
        tx_fulfill_stats = { 0 }, tx_perform_stats = { 0 }, tx_completed_stats = { 0 },
        get_stats = { 0 }, refused_stats = { 0 }, floor_pair_stats = { 0 },
        obs_pair_stats = { 0 }, obs_floor_pair_stats = { 0 }, obs_ping_stats = { 0 };
  bool have_observers = false;
  double floor_cpu_per_pair_us = -1, obs_cpu_per_pair_us = -1, obs_floor_cpu_per_pair_us = -1;
  bool have_cpu = false, have_rss = false;
  double cpu_per_pair_us = 0, cpu_per_pair_fine_us = 0, bus_cpu_per_pair_us = 0,
         self_cpu_per_pair_us = 0, cpu_per_ping_us = -1, cpu_per_get_us = -1;
  uint64_t rss_idle = 0, rss_steps[RSS_PROVIDERS] = { 0 }, rss_after_end = 0, rss_end = 0;
  uint64_t start;
  char *owner = NULL;
  struct sigaction sa = { .sa_handler = on_fatal_signal };
  int status;

  parse_options (argc, argv);
  setvbuf (stdout, NULL, _IOLBF, 0);
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  if (getrandom (&uuid_prefix, sizeof uuid_prefix, 0) != sizeof uuid_prefix)
    uuid_prefix = (uint32_t) getpid ();
  uuid_mid = (uint16_t) (now_ns () & 0xffff);

  printf ("bench-callkitd: callkitd figures on a private bus (a benchmark, not a test)\n");
  print_machine ();
  printf ("bench built as: %s%s\n", BENCH_BUILDTYPE,
          strcmp (BENCH_BUILDTYPE, "release") == 0
            ? ""
            : " (figures are meant for a release build: meson setup -Dbuildtype=release)");
  printf ("callkitd: %s --incoming-report-rate=0 (no rate limit: the default 10/s would\n"
          "          throttle the benchmark)\n",
          opt.callkitd);
  printf ("samples: %u each of ping, Properties.Get, refused report, report pair; %u answer\n"
          "         transactions; warm-up %u rounds; %u report pairs for CPU; phases %s\n",
          opt.samples, opt.tx_samples, opt.warmup, opt.cpu_pairs, opt.phases);

  start_bus ();
  printf ("bus: dbus-daemon pid %d at %s\n", (int) bus_pid, getenv ("DBUS_SESSION_BUS_ADDRESS"));
  start_daemon ();

  provider_bus = open_bus ("bench-provider");
  requester_bus = open_bus ("bench-requester");
  start = now_ns ();
  while ((owner = name_owner (requester_bus, CKD_BUS_NAME)) == NULL)
    {
      if (!daemon_alive ())
        {
          print_log_tail (daemon_log_path, "callkitd");
          die ("%s exited before it owned %s", opt.callkitd, CKD_BUS_NAME);
        }
      if (now_ns () - start > (uint64_t) opt.start_timeout_s * 1000000000ULL)
        {
          print_log_tail (daemon_log_path, "callkitd");
          die ("%s did not own %s within %u s", opt.callkitd, CKD_BUS_NAME, opt.start_timeout_s);
        }
      usleep (2000);
    }
  snprintf (daemon_unique, sizeof daemon_unique, "%s", owner);
  free (owner);
  printf ("callkitd: pid %d, unique name %s, ready after %.1f ms\n", (int) daemon_pid,
          daemon_unique, (double) (now_ns () - start) / 1e6);
  start_floor ();
  start = now_ns ();
  while ((owner = name_owner (requester_bus, FLOOR_NAME)) == NULL)
    {
      if (now_ns () - start > (uint64_t) opt.start_timeout_s * 1000000000ULL)
        {
          print_log_tail (floor_log_path, "bench-floor-server");
          die ("%s did not own %s within %u s", opt.floor, FLOOR_NAME, opt.start_timeout_s);
        }
      usleep (2000);
    }
  snprintf (floor_unique, sizeof floor_unique, "%s", owner);
  free (owner);
  printf ("floor: %s, pid %d (the least a service does per call: bench-floor-server.c)\n",
          opt.floor, (int) floor_pid);

  provider = register_provider (provider_bus, "bench provider");
  if (sd_bus_match_signal (provider_bus, NULL, daemon_unique, provider, CKD_PROVIDER_INTERFACE,
                           "PerformAction", on_perform_action, NULL)
        < 0
      || sd_bus_match_signal (requester_bus, NULL, daemon_unique, CKD_OBJECT_ROOT, CKD_CALL_CONTROLLER_INTERFACE,
                              "TransactionCompleted", on_transaction_completed, NULL)
           < 0)
    die ("cannot add signal matches");
  drain (provider_bus); /* DidBegin */

  /* --- Memory: first, so that idle is idle ---------------------------- */
  if (phase_enabled ("rss"))
    {
      static char uuids[RSS_PROVIDERS * RSS_CALLS_PER_PROVIDER][37];

      printf ("\nphase rss: idle, then %d providers × %d live calls...\n", RSS_PROVIDERS,
              RSS_CALLS_PER_PROVIDER);
      usleep (100000);
      if (!proc_rss_kib (daemon_pid, &rss_idle))
        die ("cannot read VmRSS of callkitd");
      /* The provider registered above is the first of the four. */
      rss_providers[0] = provider;
      for (int p = 1; p < RSS_PROVIDERS; p++)
        {
          char name[32];
          snprintf (name, sizeof name, "bench provider %d", p + 1);
          rss_providers[p] = register_provider (provider_bus, name);
        }
      for (int p = 0; p < RSS_PROVIDERS; p++)
        {
          for (int i = 0; i < RSS_CALLS_PER_PROVIDER; i++)
            {
              char *uuid = uuids[p * RSS_CALLS_PER_PROVIDER + i];
              next_uuid (uuid);
              report_incoming (provider_bus, rss_providers[p], uuid);
            }
          proc_rss_kib (daemon_pid, &rss_steps[p]);
        }
      for (int p = 0; p < RSS_PROVIDERS; p++)
        for (int i = 0; i < RSS_CALLS_PER_PROVIDER; i++)
          report_ended (provider_bus, rss_providers[p], uuids[p * RSS_CALLS_PER_PROVIDER + i]);
      proc_rss_kib (daemon_pid, &rss_after_end);
      drain (provider_bus);
      have_rss = true;
    }

  /* --- Latency: every figure, in interleaved blocks -------------------- */
  /* The samples are taken in blocks of BLOCK back-to-back operations of
   * one kind (a bare ping loop, a bare report loop...), and the blocks of
   * the different kinds alternate: on a shared machine the load changes
   * during a run, and the ratios to the ping must not depend on when each
   * figure was taken. Each block starts with one unmeasured operation, so
   * that no sample pays for the tail of the previous block's work. */
  if (phase_enabled ("latency"))
    {
      unsigned blocks = (opt.samples + BLOCK - 1) / BLOCK;
      unsigned n = 0, n_tx = 0;
      uint64_t *ping_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *get_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *refused_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *incoming_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *ended_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *pair_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *floor_s = calloc (opt.samples, sizeof (uint64_t));
      uint64_t *tx_s[5];

      for (int k = 0; k < 5; k++)
        if ((tx_s[k] = calloc (opt.tx_samples, sizeof (uint64_t))) == NULL)
          die ("out of memory");
      if (ping_s == NULL || get_s == NULL || refused_s == NULL || incoming_s == NULL
          || ended_s == NULL || pair_s == NULL || floor_s == NULL)
        die ("out of memory");

      printf ("phase latency: %u warm-up rounds, then %u blocks of up to %d samples of each "
              "kind...\n",
              opt.warmup, blocks, BLOCK);
      for (unsigned i = 0; i < opt.warmup; i++)
        {
          char uuid[37];

          ping (provider_bus);
          get_version (provider_bus);
          refused_report (provider_bus, provider);
          next_uuid (uuid);
          report_incoming (provider_bus, provider, uuid);
          report_ended (provider_bus, provider, uuid);
          floor_pair (provider_bus);
          if (i % 5 == 0)
            answer_transaction (provider_bus, provider, requester_bus, NULL);
        }
      for (unsigned b = 0; b < blocks; b++)
        {
          /* This block's share of each kind. */
          unsigned n_end = (unsigned) ((uint64_t) (b + 1) * opt.samples / blocks);
          unsigned tx_end = (unsigned) ((uint64_t) (b + 1) * opt.tx_samples / blocks);
          unsigned first = n;

          ping (provider_bus);
          for (unsigned i = first; i < n_end; i++)
            {
              uint64_t t0 = now_ns ();
              ping (provider_bus);
              ping_s[i] = now_ns () - t0;
            }
          get_version (provider_bus);
          for (unsigned i = first; i < n_end; i++)
            {
              uint64_t t0 = now_ns ();
              get_version (provider_bus);
              get_s[i] = now_ns () - t0;
            }
          refused_report (provider_bus, provider);
          for (unsigned i = first; i < n_end; i++)
            {
              uint64_t t0 = now_ns ();
              refused_report (provider_bus, provider);
              refused_s[i] = now_ns () - t0;
            }
          {
            char uuid[37];
            next_uuid (uuid);
            report_incoming (provider_bus, provider, uuid);
            report_ended (provider_bus, provider, uuid);
          }
          for (unsigned i = first; i < n_end; i++)
            {
              char uuid[37];
              uint64_t t0, t1, t2;

              next_uuid (uuid);
              t0 = now_ns ();
              report_incoming (provider_bus, provider, uuid);
              t1 = now_ns ();
              report_ended (provider_bus, provider, uuid);
              t2 = now_ns ();
              incoming_s[i] = t1 - t0;
              ended_s[i] = t2 - t1;
              pair_s[i] = t2 - t0;
            }
          floor_pair (provider_bus);
          for (unsigned i = first; i < n_end; i++)
            {
              uint64_t t0 = now_ns ();
              floor_pair (provider_bus);
              floor_s[i] = now_ns () - t0;
            }
          n = n_end;
          if (n_tx < tx_end)
            answer_transaction (provider_bus, provider, requester_bus, NULL);
          for (; n_tx < tx_end; n_tx++)
            {
              TxTimes t;

              answer_transaction (provider_bus, provider, requester_bus, &t);
              tx_s[0][n_tx] = t.total;
              tx_s[1][n_tx] = t.request;
              tx_s[2][n_tx] = t.perform;
              tx_s[3][n_tx] = t.fulfill;
              tx_s[4][n_tx] = t.completed;
            }
        }
      ping_stats = stats_of (ping_s, n, 1.0);
      get_stats = stats_of (get_s, n, 1.0);
      refused_stats = stats_of (refused_s, n, 1.0);
      incoming_stats = stats_of (incoming_s, n, 1.0);
      ended_stats = stats_of (ended_s, n, 1.0);
      pair_stats = stats_of (pair_s, n, 1.0);
      half_pair_stats = stats_of (pair_s, n, 0.5);
      floor_pair_stats = stats_of (floor_s, n, 1.0);
      tx_stats = stats_of (tx_s[0], n_tx, 1.0);
      tx_request_stats = stats_of (tx_s[1], n_tx, 1.0);
      tx_perform_stats = stats_of (tx_s[2], n_tx, 1.0);
      tx_fulfill_stats = stats_of (tx_s[3], n_tx, 1.0);
      tx_completed_stats = stats_of (tx_s[4], n_tx, 1.0);
      free (ping_s);
      free (get_s);
      free (refused_s);
      free (incoming_s);
      free (ended_s);
      free (pair_s);
      free (floor_s);
      for (int k = 0; k < 5; k++)
        free (tx_s[k]);
    }

  /* --- CPU per reported call ------------------------------------------- */
  if (phase_enabled ("cpu"))
    {
      uint64_t ticks0, ticks1, fine0, fine1, bus0 = 0, bus1 = 0, self0, self1;
      long hz = sysconf (_SC_CLK_TCK);
      bool fine;

      printf ("phase cpu: %u report+end pairs%s...\n", opt.cpu_pairs,
              phase_enabled ("scale") ? ", then as many pings and Properties.Get" : "");
      if (!proc_cpu_ticks (daemon_pid, &ticks0))
        die ("cannot read /proc/%d/stat", (int) daemon_pid);
      fine = proc_cpu_schedstat_ns (daemon_pid, &fine0);
      proc_cpu_ticks (bus_pid, &bus0);
      self0 = self_cpu_ns ();
      for (unsigned i = 0; i < opt.cpu_pairs; i++)
        {
          char uuid[37];
          next_uuid (uuid);
          report_incoming (provider_bus, provider, uuid);
          report_ended (provider_bus, provider, uuid);
        }
      self1 = self_cpu_ns ();
      proc_cpu_ticks (bus_pid, &bus1);
      fine = proc_cpu_schedstat_ns (daemon_pid, &fine1) && fine;
      if (!proc_cpu_ticks (daemon_pid, &ticks1))
        die ("cannot read /proc/%d/stat", (int) daemon_pid);
      /* For scale: what one message costs callkitd when it does nothing. */
      if (fine && phase_enabled ("scale"))
        {
          unsigned n_floor = opt.cpu_pairs;
          uint64_t f0, f1;

          proc_cpu_schedstat_ns (daemon_pid, &f0);
          for (unsigned i = 0; i < n_floor; i++)
            ping (provider_bus);
          proc_cpu_schedstat_ns (daemon_pid, &f1);
          cpu_per_ping_us = (double) (f1 - f0) / 1e3 / n_floor;
          proc_cpu_schedstat_ns (daemon_pid, &f0);
          for (unsigned i = 0; i < n_floor; i++)
            get_version (provider_bus);
          proc_cpu_schedstat_ns (daemon_pid, &f1);
          cpu_per_get_us = (double) (f1 - f0) / 1e3 / n_floor;
        }
      /* The floor, in the same run, the same way. */
      {
        uint64_t f0, f1;

        if (proc_cpu_schedstat_ns (floor_pid, &f0))
          {
            for (unsigned i = 0; i < opt.cpu_pairs; i++)
              floor_pair (provider_bus);
            if (proc_cpu_schedstat_ns (floor_pid, &f1))
              floor_cpu_per_pair_us = (double) (f1 - f0) / 1e3 / opt.cpu_pairs;
          }
      }
      cpu_per_pair_us = (double) (ticks1 - ticks0) * 1e6 / (double) hz / opt.cpu_pairs;
      cpu_per_pair_fine_us = fine ? (double) (fine1 - fine0) / 1e3 / opt.cpu_pairs : -1;
      bus_cpu_per_pair_us = (double) (bus1 - bus0) * 1e6 / (double) hz / opt.cpu_pairs;
      self_cpu_per_pair_us = (double) (self1 - self0) / 1e3 / opt.cpu_pairs;
      have_cpu = true;
    }

  /* --- With observers ------------------------------------------------- */
  if (phase_enabled ("observers") && opt.observers > 0)
    {
      unsigned n = opt.cpu_pairs / 2 > 0 ? opt.cpu_pairs / 2 : 1;
      uint64_t *pair_s = calloc (n, sizeof (uint64_t));
      uint64_t *floor_s = calloc (n, sizeof (uint64_t));
      uint64_t *ping_s = calloc (n, sizeof (uint64_t));
      uint64_t c0, c1, f0, f1;

      if (pair_s == NULL || floor_s == NULL || ping_s == NULL)
        die ("out of memory");
      printf ("phase observers: %u connections following every signal, then %u pairs of each "
              "kind...\n",
              opt.observers, n);
      start_observers (opt.observers);
      for (unsigned i = 0; i < n; i++)
        {
          char uuid[37];
          uint64_t t0;

          t0 = now_ns ();
          ping (provider_bus);
          ping_s[i] = now_ns () - t0;
          next_uuid (uuid);
          t0 = now_ns ();
          report_incoming (provider_bus, provider, uuid);
          report_ended (provider_bus, provider, uuid);
          pair_s[i] = now_ns () - t0;
          t0 = now_ns ();
          floor_pair (provider_bus);
          floor_s[i] = now_ns () - t0;
        }
      obs_ping_stats = stats_of (ping_s, n, 1.0);
      obs_pair_stats = stats_of (pair_s, n, 1.0);
      obs_floor_pair_stats = stats_of (floor_s, n, 1.0);
      if (proc_cpu_schedstat_ns (daemon_pid, &c0))
        {
          for (unsigned i = 0; i < n; i++)
            {
              char uuid[37];
              next_uuid (uuid);
              report_incoming (provider_bus, provider, uuid);
              report_ended (provider_bus, provider, uuid);
            }
          if (proc_cpu_schedstat_ns (daemon_pid, &c1))
            obs_cpu_per_pair_us = (double) (c1 - c0) / 1e3 / n;
        }
      if (proc_cpu_schedstat_ns (floor_pid, &f0))
        {
          for (unsigned i = 0; i < n; i++)
            floor_pair (provider_bus);
          if (proc_cpu_schedstat_ns (floor_pid, &f1))
            obs_floor_cpu_per_pair_us = (double) (f1 - f0) / 1e3 / n;
        }
      stop_child (observers_pid, "observers");
      observers_pid = -1;
      have_observers = true;
      free (pair_s);
      free (floor_s);
      free (ping_s);
    }

  drain (provider_bus);
  drain (requester_bus);
  proc_rss_kib (daemon_pid, &rss_end);

  /* --- The table ------------------------------------------------------- */
  printf ("\nLatency: synchronous round trips from the bench through dbus-daemon to callkitd and\n"
          "back; ratio = median / median of Peer.Ping.\n\n");
  row_header ();
  latency_row ("Peer.Ping (baseline)", &ping_stats, &ping_stats, 0);
  latency_row ("Properties.Get (main-loop floor)", &get_stats, &ping_stats, 0);
  latency_row ("Provider method refused (dispatch floor)", &refused_stats, &ping_stats, 0);
  latency_row ("ReportNewIncomingCall (single)", &incoming_stats, &ping_stats, TARGET_REPORT_RATIO);
  latency_row ("ReportCallEnded (single)", &ended_stats, &ping_stats, 0);
  latency_row ("report pair: New + Ended", &pair_stats, &ping_stats, 0);
  latency_row ("report pair / 2", &half_pair_stats, &ping_stats, TARGET_REPORT_RATIO);
  latency_row ("answer transaction (request → completed)", &tx_stats, &ping_stats,
               TARGET_TRANSACTION_RATIO);
  latency_row ("  1 RequestTransaction round trip", &tx_request_stats, &ping_stats, 0);
  latency_row ("  2 then PerformAction received", &tx_perform_stats, &ping_stats, 0);
  latency_row ("  3 FulfillAction round trip", &tx_fulfill_stats, &ping_stats, 0);
  latency_row ("  4 then TransactionCompleted received", &tx_completed_stats, &ping_stats, 0);
  latency_row ("floor: 2 × Report (the pair's counterpart)", &floor_pair_stats, &ping_stats, 0);
  if (floor_pair_stats.median_us > 0)
    printf ("  report pair over the floor's pair: %.2f×\n",
            pair_stats.median_us / floor_pair_stats.median_us);

  printf ("\n"
          "Peer.Ping is answered by sd-bus in callkitd's main loop; Properties.Get reaches a\n"
          "property getter but none of callkitd's logic; the refused method is a Provider\n"
          "method that passes authorization and fails at once: the dispatch cost of every\n"
          "method. The report target is checked twice: the single ReportNewIncomingCall, and\n"
          "half a New + Ended pair. The floor is bench-floor-server on the same bus.\n\n");
  if (have_cpu)
    {
      char v[32], target[32];

      snprintf (v, sizeof v, "%.1f", cpu_per_pair_us);
      value_row ("callkitd CPU per reported call (stat)", v, "µs", "(info)", "");
      if (floor_cpu_per_pair_us > 0 && cpu_per_pair_fine_us >= 0)
        {
          double ratio = cpu_per_pair_fine_us / floor_cpu_per_pair_us;

          snprintf (v, sizeof v, "%.1f", floor_cpu_per_pair_us);
          value_row ("floor CPU per 2 × Report (schedstat)", v, "µs", "(info)", "");
          snprintf (v, sizeof v, "%.2f", ratio);
          snprintf (target, sizeof target, "≤ %.1f×", TARGET_CPU_FLOOR_RATIO);
          value_row ("callkitd CPU per pair over the floor's", v, "×", target,
                     verdict (ratio <= TARGET_CPU_FLOOR_RATIO));
        }
      if (cpu_per_pair_fine_us >= 0)
        {
          snprintf (v, sizeof v, "%.1f", cpu_per_pair_fine_us);
          value_row ("  same, from schedstat (ns resolution)", v, "µs", "(info)", "");
        }
      if (cpu_per_ping_us >= 0)
        {
          snprintf (v, sizeof v, "%.1f", cpu_per_ping_us);
          value_row ("  callkitd CPU per Peer.Ping (for scale)", v, "µs", "(info)", "");
          snprintf (v, sizeof v, "%.1f", cpu_per_get_us);
          value_row ("  callkitd CPU per Properties.Get (scale)", v, "µs", "(info)", "");
        }
      snprintf (v, sizeof v, "%.1f", bus_cpu_per_pair_us);
      value_row ("  dbus-daemon CPU per reported call", v, "µs", "(info)", "");
      snprintf (v, sizeof v, "%.1f", self_cpu_per_pair_us);
      value_row ("  bench (client) CPU per reported call", v, "µs", "(info)", "");
    }
  else
    value_row ("callkitd CPU per reported call", "-", "", "-", "(not run)");

  if (have_observers)
    {
      char v[32], name[64];

      snprintf (name, sizeof name, "with %u observers: report pair", opt.observers);
      latency_row (name, &obs_pair_stats, &obs_ping_stats, 0);
      latency_row ("  floor pair, same observers", &obs_floor_pair_stats, &obs_ping_stats, 0);
      if (obs_floor_pair_stats.median_us > 0)
        printf ("  report pair over the floor's pair: %.2f×\n",
                obs_pair_stats.median_us / obs_floor_pair_stats.median_us);
      if (obs_cpu_per_pair_us >= 0)
        {
          snprintf (v, sizeof v, "%.1f", obs_cpu_per_pair_us);
          value_row ("  callkitd CPU per pair", v, "µs", "(info)", "");
        }
      if (obs_floor_cpu_per_pair_us > 0 && obs_cpu_per_pair_us >= 0)
        {
          snprintf (v, sizeof v, "%.2f", obs_cpu_per_pair_us / obs_floor_cpu_per_pair_us);
          value_row ("  callkitd CPU over the floor's", v, "×", "(info)", "");
        }
      if (cpu_per_pair_fine_us > 0 && obs_cpu_per_pair_us >= 0)
        {
          snprintf (v, sizeof v, "%.2f", obs_cpu_per_pair_us / cpu_per_pair_fine_us);
          value_row ("  callkitd CPU over its own without them", v, "×", "(info)", "");
        }
    }

  if (have_rss)
    {
      char v[32], target[32];
      uint64_t rss_1000 = rss_steps[RSS_PROVIDERS - 1];
      double per_call = ((double) rss_1000 - (double) rss_idle) / 1000.0;
      double marginal = ((double) rss_1000 - (double) rss_steps[0])
                        / (double) ((RSS_PROVIDERS - 1) * RSS_CALLS_PER_PROVIDER);

      snprintf (v, sizeof v, "%.2f", (double) rss_idle / 1024.0);
      snprintf (target, sizeof target, "≤ %.0f MiB", TARGET_RSS_IDLE_KIB / 1024.0);
      value_row ("callkitd RSS idle (1 provider)", v, "MiB", target,
                 verdict ((double) rss_idle <= TARGET_RSS_IDLE_KIB));
      snprintf (v, sizeof v, "%.2f", (double) rss_1000 / 1024.0);
      value_row ("callkitd RSS, 1000 live calls (4 × 250)", v, "MiB", "(info)", "");
      snprintf (v, sizeof v, "%.2f", per_call);
      snprintf (target, sizeof target, "≤ %.0f KiB", TARGET_RSS_PER_CALL_KIB);
      value_row ("RSS per live call (RSS_1000 - idle) / 1000", v, "KiB", target,
                 verdict (per_call <= TARGET_RSS_PER_CALL_KIB));
      snprintf (v, sizeof v, "%.2f", marginal);
      value_row ("  marginal, calls 251..1000", v, "KiB", "(info)", "");
      snprintf (v, sizeof v, "%.2f", (double) rss_after_end / 1024.0);
      value_row ("  RSS after those 1000 calls ended", v, "MiB", "(info)", "");
      snprintf (v, sizeof v, "%.2f", (double) rss_end / 1024.0);
      value_row ("  RSS at the end of the run", v, "MiB", "(info)", "");
    }
  else
    value_row ("callkitd RSS", "-", "", "-", "(not run)");

  printf ("\n%u PASS, %u MISS%s\n", n_pass, n_miss,
          n_miss ? "  <-- MISS: a target was not met (the benchmark still exits 0)" : "");

  /* --- Stop everything, by PID ----------------------------------------- */
  free (provider);
  if (have_rss)
    for (int p = 1; p < RSS_PROVIDERS; p++)
      free (rss_providers[p]);
  sd_bus_flush_close_unref (provider_bus);
  sd_bus_flush_close_unref (requester_bus);

  if (!daemon_alive ())
    {
      print_log_tail (daemon_log_path, "callkitd");
      die ("callkitd exited during the benchmark");
    }
  status = stop_child (daemon_pid, "callkitd");
  daemon_reaped = true;
  if (status == -1 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      print_log_tail (daemon_log_path, "callkitd");
      fprintf (stderr, "bench-callkitd: warning: callkitd did not exit cleanly on SIGTERM "
                       "(status 0x%x)\n", (unsigned) status);
    }
  cleanup ();
  return EXIT_SUCCESS;
}
