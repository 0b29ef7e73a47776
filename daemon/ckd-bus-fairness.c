/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-bus-private.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-rate-limit.h"
#include "ckd-settings.h"

/* Fairness between clients on one bus connection. Every client's messages
 * reach callkitd through one socket, in the order the bus daemon
 * interleaved them (it serves its clients' sockets in turn), so callkitd
 * cannot reorder them. What it can do is keep each message cheap and each
 * sender's share bounded: before anything else reads a method call, its
 * sender takes a token from its own bucket (--method-call-rate, twice
 * that in a burst); a sender that has none left gets LimitExceeded
 * at once, without its arguments being read, its identity looked up or
 * any state touched. Together with the session's global limits (a refused
 * report costs a few microseconds) this bounds how long a quiet client's
 * message can wait behind a flood. */

/* Buckets of senders that stopped calling are dropped once there are
 * this many. */
#define PRUNE_ABOVE 256

typedef struct
{
  CkdRateLimit limit;
} Budget;

static void
prune (CkdBus *self, gint64 now)
{
  GHashTableIter iter;
  Budget *budget;

  g_hash_table_iter_init (&iter, self->method_budgets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &budget))
    {
      /* A full bucket is one the sender has not drawn on for a while:
       * forgetting it changes nothing. */
      CkdRateLimit probe = budget->limit;

      if (ckd_rate_limit_take (&probe, now) && probe.tokens + 1.0 >= probe.burst)
        g_hash_table_iter_remove (&iter);
    }
}

static int
method_budget_filter (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdBus *self = userdata;
  const char *sender = sd_bus_message_get_sender (m);
  gint64 now;
  Budget *budget;

  guint rate = ckd_settings_get_options (ckd_session_get_settings (self->session))
                 ->method_calls_per_second;

  if (rate == 0 || sender == NULL || !sd_bus_message_is_method_call (m, NULL, NULL))
    return 0;
  now = g_get_monotonic_time ();
  budget = g_hash_table_lookup (self->method_budgets, sender);
  if (budget == NULL)
    {
      if (g_hash_table_size (self->method_budgets) >= PRUNE_ABOVE)
        prune (self, now);
      budget = g_new0 (Budget, 1);
      ckd_rate_limit_init (&budget->limit, rate, 2 * rate);
      g_hash_table_insert (self->method_budgets, g_strdup (sender), budget);
    }
  if (ckd_rate_limit_take (&budget->limit, now))
    return 0;
  (void) sd_bus_reply_method_errorf (m, ckd_error_to_dbus_name (CKD_ERROR_LIMIT_EXCEEDED),
                                     "more than %u method calls a second from %s", rate,
                                     sender);
  return 1;
}

int
ckd_bus_fairness_init (CkdBus *self)
{
  sd_bus_slot *slot = NULL;
  int r;

  self->method_budgets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r = sd_bus_add_filter (self->bus, &slot, method_budget_filter, self);
  if (r >= 0)
    g_ptr_array_add (self->slots, slot);
  return r;
}

void
ckd_bus_fairness_clear (CkdBus *self)
{
  g_clear_pointer (&self->method_budgets, g_hash_table_unref);
}
