/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>

#include "ckd-sdbus-source.h"

/* Messages handled per dispatch: enough that a busy bus costs few main
 * loop iterations, few enough that timers still run during a flood. */
#define MESSAGES_PER_DISPATCH 64

typedef struct
{
  GSource base;
  sd_bus *bus;
  gpointer fd_tag;
  GIOCondition condition; /* what the fd is polled for now */
  GSourceFunc closed;
  gpointer closed_data;
  gboolean gone;
} BusSource;

static GIOCondition
condition_of (int events)
{
  GIOCondition condition = G_IO_ERR | G_IO_HUP;

  if (events & POLLIN)
    condition |= G_IO_IN;
  if (events & POLLOUT)
    condition |= G_IO_OUT;
  return condition;
}

static gboolean
bus_source_prepare (GSource *source, int *timeout)
{
  BusSource *s = (BusSource *) source;
  uint64_t until;
  int events;

  *timeout = -1;
  if (s->gone)
    return FALSE;
  events = sd_bus_get_events (s->bus);
  if (events < 0)
    return TRUE; /* dispatch finds out the connection is gone */
  /* Only on a change: g_source_modify_unix_fd() wakes the main context up
   * every time, and an unchanged one would spin the loop. */
  if (condition_of (events) != s->condition)
    {
      s->condition = condition_of (events);
      g_source_modify_unix_fd (source, s->fd_tag, s->condition);
    }
  if (sd_bus_get_timeout (s->bus, &until) > 0)
    {
      /* Both count microseconds of CLOCK_MONOTONIC. */
      gint64 now = g_get_monotonic_time ();

      if (until == 0 || (gint64) until <= now)
        return TRUE;
      if (until != UINT64_MAX)
        *timeout = (int) MIN ((until - (uint64_t) now + 999) / 1000, G_MAXINT);
    }
  return FALSE;
}

static gboolean
bus_source_check (GSource *source)
{
  BusSource *s = (BusSource *) source;
  uint64_t until;

  if (g_source_query_unix_fd (source, s->fd_tag) != 0)
    return TRUE;
  return sd_bus_get_timeout (s->bus, &until) > 0 && (gint64) until <= g_get_monotonic_time ();
}

static gboolean
bus_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  BusSource *s = (BusSource *) source;

  for (int i = 0; i < MESSAGES_PER_DISPATCH; i++)
    {
      int r = sd_bus_process (s->bus, NULL);

      if (r == 0)
        break;
      if (r < 0 && r != -EINTR)
        {
          if (r != -ECONNRESET && r != -ENOTCONN)
            g_message ("the bus connection failed: %s", g_strerror (-r));
          s->gone = TRUE;
          g_source_remove_unix_fd (source, s->fd_tag);
          if (s->closed != NULL)
            s->closed (s->closed_data);
          return G_SOURCE_REMOVE;
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
bus_source_finalize (GSource *source)
{
  BusSource *s = (BusSource *) source;

  sd_bus_unref (s->bus);
}

static GSourceFuncs bus_source_funcs = {
  .prepare = bus_source_prepare,
  .check = bus_source_check,
  .dispatch = bus_source_dispatch,
  .finalize = bus_source_finalize,
};

GSource *
ckd_sdbus_source_new (sd_bus *bus, GSourceFunc closed, gpointer user_data)
{
  BusSource *s = (BusSource *) g_source_new (&bus_source_funcs, sizeof (BusSource));
  int fd = sd_bus_get_fd (bus);

  s->bus = sd_bus_ref (bus);
  s->closed = closed;
  s->closed_data = user_data;
  g_source_set_static_name (&s->base, "sd-bus");
  /* GLib takes a source's fds out of the poll set while it dispatches and
   * puts them back after, waking the loop twice per dispatch. Nothing
   * iterates the main loop from inside sd_bus_process(), so the source
   * never recurses and need not be blocked. */
  g_source_set_can_recurse (&s->base, TRUE);
  s->condition = G_IO_IN | G_IO_ERR | G_IO_HUP;
  s->fd_tag = g_source_add_unix_fd (&s->base, fd, s->condition);
  return &s->base;
}
