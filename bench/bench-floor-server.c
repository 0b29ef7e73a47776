/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-floor-server: the least a D-Bus service can do per call, as the
 * floor bench-callkitd measures callkitd against in the same run.
 *
 * It owns io.github.callkitd.BenchFloor on the session bus and serves one
 * method, Report(s id, a{sv} details): it keeps the id and the string
 * values of the details (the last 256 reports), replies, and then emits
 * one broadcast signal Reported(s id). Nothing else: no validation beyond
 * the signature, no state machine, no second signal. Plain sd-bus, one
 * loop of sd_bus_process() and sd_bus_wait().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#define NAME "io.github.callkitd.BenchFloor"
#define PATH "/io/github/callkitd/BenchFloor"
#define INTERFACE NAME
#define KEPT 256

static char *kept[KEPT][3];
static unsigned next;

static int
report (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  char **slot = kept[next++ % KEPT];
  const char *id, *key;
  unsigned n = 1;
  int r;

  for (int i = 0; i < 3; i++)
    {
      free (slot[i]);
      slot[i] = NULL;
    }
  r = sd_bus_message_read (m, "s", &id);
  if (r < 0)
    return r;
  slot[0] = strdup (id);
  r = sd_bus_message_enter_container (m, 'a', "{sv}");
  while (r > 0 && (r = sd_bus_message_enter_container (m, 'e', "sv")) > 0)
    {
      const char *contents, *value;
      char type;

      r = sd_bus_message_read (m, "s", &key);
      if (r >= 0)
        r = sd_bus_message_peek_type (m, &type, &contents);
      if (r >= 0 && n < 3 && strcmp (contents, "s") == 0)
        {
          r = sd_bus_message_read (m, "v", "s", &value);
          if (r >= 0)
            slot[n++] = strdup (value);
        }
      else if (r >= 0)
        r = sd_bus_message_skip (m, "v");
      if (r >= 0)
        r = sd_bus_message_exit_container (m);
    }
  if (r < 0)
    return r;
  r = sd_bus_reply_method_return (m, NULL);
  if (r < 0)
    return r;
  return sd_bus_emit_signal (sd_bus_message_get_bus (m), PATH, INTERFACE, "Reported", "s", id);
}

static const sd_bus_vtable vtable[] = {
  SD_BUS_VTABLE_START (0),
  SD_BUS_METHOD ("Report", "sa{sv}", "", report, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_SIGNAL ("Reported", "s", 0),
  SD_BUS_VTABLE_END,
};

int
main (void)
{
  sd_bus *bus = NULL;
  int r;

  r = sd_bus_open_user (&bus);
  if (r >= 0)
    r = sd_bus_add_object_vtable (bus, NULL, PATH, INTERFACE, vtable, NULL);
  if (r >= 0)
    r = sd_bus_request_name (bus, NAME, 0);
  if (r < 0)
    {
      fprintf (stderr, "bench-floor-server: %s\n", strerror (-r));
      return EXIT_FAILURE;
    }
  for (;;)
    {
      r = sd_bus_process (bus, NULL);
      if (r < 0)
        break;
      if (r > 0)
        continue;
      r = sd_bus_wait (bus, UINT64_MAX);
      if (r < 0 && r != -EINTR)
        break;
    }
  sd_bus_flush_close_unref (bus);
  return r == -ECONNRESET || r == -ENOTCONN ? EXIT_SUCCESS : EXIT_FAILURE;
}
