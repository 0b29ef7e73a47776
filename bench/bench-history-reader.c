/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-history-reader: the reads of the call history, timed the way apps
 * make them (sd-bus, as libcallkit does), for bench-history.py.
 *
 *   bench-history-reader SAMPLES
 *
 * On the bus of DBUS_SESSION_BUS_ADDRESS, it times Peer.Ping, GetEntries
 * of the newest 100 entries, of the newest 100 missed calls, and a read of
 * MissedCount, in alternating blocks of 100 of each kind (so that a load
 * that drifts touches all alike), and prints one line per kind:
 *
 *   NAME MEDIAN_US P99_US ENTRIES
 *
 * It exits non-zero when it cannot measure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "callkit-names.h"

#define BLOCK 100

enum
{
  KIND_PING,
  KIND_ENTRIES,
  KIND_MISSED,
  KIND_COUNT,
  N_KINDS,
};

static const char *const names[N_KINDS] = { "ping", "entries", "missed", "count" };

static unsigned long long
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec;
}

/* One read of @kind; returns how many entries came back (0 for the
 * others), negative errno when it failed. */
static int
run (sd_bus *bus, const char *daemon, int kind)
{
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  uint32_t count;
  int r, n = 0;

  switch (kind)
    {
    case KIND_PING:
      r = sd_bus_call_method (bus, daemon, "/", "org.freedesktop.DBus.Peer", "Ping", &error,
                              NULL, "");
      break;
    case KIND_ENTRIES:
    case KIND_MISSED:
      r = sd_bus_call_method (bus, daemon, CKD_OBJECT_ROOT, CKD_HISTORY_INTERFACE, "GetEntries",
                              &error, &reply, "a{sv}", kind == KIND_MISSED ? 2 : 1, "limit", "u",
                              100, "missed_only", "b", 1);
      if (r >= 0)
        r = sd_bus_message_enter_container (reply, 'a', "a{sv}");
      while (r >= 0 && (r = sd_bus_message_skip (reply, "a{sv}")) > 0)
        n++;
      break;
    case KIND_COUNT:
    default:
      r = sd_bus_get_property_trivial (bus, daemon, CKD_OBJECT_ROOT, CKD_HISTORY_INTERFACE,
                                       "MissedCount", &error, 'u', &count);
      break;
    }
  if (r < 0)
    fprintf (stderr, "bench-history-reader: %s: %s\n", names[kind],
             error.message != NULL ? error.message : strerror (-r));
  sd_bus_error_free (&error);
  sd_bus_message_unref (reply);
  return r < 0 ? r : n;
}

static int
compare (const void *a, const void *b)
{
  unsigned long long x = *(const unsigned long long *) a, y = *(const unsigned long long *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  unsigned blocks = argc > 1 ? (unsigned) strtoul (argv[1], NULL, 10) / BLOCK : 20;
  unsigned long long *samples[N_KINDS];
  int entries[N_KINDS] = { 0 };
  sd_bus_creds *creds = NULL;
  const char *unique = NULL;
  char *daemon;
  sd_bus *bus = NULL;
  int r;

  if (blocks == 0)
    blocks = 1;
  /* callkitd's unique name, as apps reach it once they know it. */
  r = sd_bus_open_user (&bus);
  if (r >= 0)
    r = sd_bus_get_name_creds (bus, CKD_BUS_NAME, SD_BUS_CREDS_UNIQUE_NAME, &creds);
  if (r >= 0)
    r = sd_bus_creds_get_unique_name (creds, &unique);
  if (r < 0)
    {
      fprintf (stderr, "bench-history-reader: no callkitd on the bus: %s\n", strerror (-r));
      return EXIT_FAILURE;
    }
  daemon = strdup (unique);
  sd_bus_creds_unref (creds);
  for (int k = 0; k < N_KINDS; k++)
    samples[k] = calloc (blocks * BLOCK, sizeof **samples);
  for (unsigned b = 0; b < blocks; b++)
    for (int k = 0; k < N_KINDS; k++)
      {
        /* Each block starts with one read not timed. */
        if (run (bus, daemon, k) < 0)
          return EXIT_FAILURE;
        for (unsigned i = 0; i < BLOCK; i++)
          {
            unsigned long long t0 = now_ns ();
            int n = run (bus, daemon, k);

            if (n < 0)
              return EXIT_FAILURE;
            samples[k][b * BLOCK + i] = now_ns () - t0;
            entries[k] = n;
          }
      }
  for (int k = 0; k < N_KINDS; k++)
    {
      unsigned n = blocks * BLOCK;

      qsort (samples[k], n, sizeof **samples, compare);
      printf ("%s %.1f %.1f %d\n", names[k], samples[k][n / 2] / 1000.0,
              samples[k][n * 99 / 100] / 1000.0, entries[k]);
      free (samples[k]);
    }
  free (daemon);
  sd_bus_flush_close_unref (bus);
  return EXIT_SUCCESS;
}
