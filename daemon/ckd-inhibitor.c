/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "ckd-inhibitor.h"
#include "ckd-sdbus-source.h"

#define CAPABILITY "inhibit"
#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"
#define WHY "Call in progress"

/* One of the two inhibitors (idle, sleep). */
typedef struct
{
  const char *what;
  const char *mode;
  int fd;             /* -1 when not held */
  sd_bus_slot *slot;  /* the Inhibit call on its way */
} Lock;

struct _CkdInhibitor
{
  CkdRegistry *registry;
  sd_bus *bus; /* the system bus; NULL without one */
  GSource *bus_source;
  sd_bus_slot *owner_match;
  sd_bus_slot *owner_query;
  gboolean logind_present;
  char *who; /* the app the inhibitors name; NULL when none is held or asked for */
  Lock locks[2];
  gulong call_added_id, call_changed_id, call_removed_id;
};

gboolean
ckd_inhibitor_state_needs_inhibit (CkdCallState state)
{
  switch (state)
    {
    case CKD_CALL_STATE_DIALING:
    case CKD_CALL_STATE_CONNECTING:
    case CKD_CALL_STATE_ACTIVE:
    case CKD_CALL_STATE_HELD:
      return TRUE;
    case CKD_CALL_STATE_RINGING:
    case CKD_CALL_STATE_ENDED:
      break;
    }
  return FALSE;
}

static void
lock_release (Lock *lock)
{
  lock->slot = sd_bus_slot_unref (lock->slot);
  if (lock->fd >= 0)
    {
      /* logind drops the inhibitor when its end of the pipe sees the
       * close. */
      close (lock->fd);
      lock->fd = -1;
    }
}

static int
on_inhibit_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  Lock *lock = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  int fd = -1;
  int r;

  lock->slot = sd_bus_slot_unref (lock->slot);
  if (error != NULL)
    {
      g_message ("logind refused the %s inhibitor, the call does not keep the machine "
                 "awake: %s",
                 lock->what, error->message);
      return 0;
    }
  r = sd_bus_message_read (reply, "h", &fd);
  if (r >= 0)
    {
      /* The message owns @fd and closes it with itself. */
      lock->fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
      if (lock->fd < 0)
        r = -errno;
    }
  if (r < 0)
    g_message ("cannot keep the %s inhibitor: %s", lock->what, g_strerror (-r));
  else
    g_debug ("holding the %s inhibitor (%s)", lock->what, lock->mode);
  return 0;
}

/* The app to name: the one named now while one of its calls still needs
 * the machine awake, else the app of any call that does; NULL when no
 * call does. */
static const char *
needed_app (CkdInhibitor *self)
{
  GHashTableIter iter;
  gpointer value;
  const char *found = NULL;

  g_hash_table_iter_init (&iter, ckd_registry_get_calls (self->registry));
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CkdCall *call = value;
      const char *app = ckd_provider_display_name (call->provider);

      if (!ckd_inhibitor_state_needs_inhibit (call->state))
        continue;
      if (g_strcmp0 (app, self->who) == 0)
        return self->who;
      if (found == NULL)
        found = app;
    }
  return found;
}

static void
take (CkdInhibitor *self, const char *who)
{
  g_free (self->who);
  self->who = g_strdup (who);
  for (gsize i = 0; i < G_N_ELEMENTS (self->locks); i++)
    {
      Lock *lock = &self->locks[i];
      int r;

      r = sd_bus_call_method_async (self->bus, &lock->slot, LOGIND_NAME, LOGIND_PATH,
                                    LOGIND_MANAGER, "Inhibit", on_inhibit_reply, lock, "ssss",
                                    lock->what, who, WHY, lock->mode);
      if (r < 0)
        g_message ("cannot ask logind for the %s inhibitor: %s", lock->what, g_strerror (-r));
    }
  g_info ("keeping the machine awake for a call of %s", who);
}

static void
release (CkdInhibitor *self)
{
  for (gsize i = 0; i < G_N_ELEMENTS (self->locks); i++)
    lock_release (&self->locks[i]);
  g_clear_pointer (&self->who, g_free);
}

static void
update (CkdInhibitor *self)
{
  const char *app = needed_app (self);

  if (app == NULL)
    {
      if (self->who != NULL)
        g_info ("no call keeps the machine awake any more");
      release (self);
      return;
    }
  if (!self->logind_present || g_strcmp0 (app, self->who) == 0)
    return;
  /* The app named has no such call left, another has: the inhibitors
   * name that one now. */
  release (self);
  take (self, app);
}

static void
on_call_changed (CkdInhibitor *self, CkdCall *call, CkdCallChanges changes)
{
  if (changes & CKD_CALL_CHANGED_STATE)
    update (self);
}

static void
set_logind_present (CkdInhibitor *self, gboolean present)
{
  if (present == self->logind_present)
    return;
  self->logind_present = present;
  ckd_registry_set_capability (self->registry, CAPABILITY, present);
  if (present)
    {
      g_message ("logind is there: calls keep the machine awake");
      update (self);
    }
  else
    {
      g_message ("logind is not running on the system bus: calls do not keep the machine "
                 "awake");
      release (self);
    }
}

static int
on_owner_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) >= 0
      && g_str_equal (name, LOGIND_NAME))
    set_logind_present (userdata, *new_owner != '\0');
  return 0;
}

static int
on_owner_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdInhibitor *self = userdata;

  self->owner_query = sd_bus_slot_unref (self->owner_query);
  if (sd_bus_message_is_method_error (reply, NULL))
    {
      g_message ("logind is not running on the system bus: calls do not keep the machine "
                 "awake");
      return 0;
    }
  set_logind_present (self, TRUE);
  return 0;
}

static gboolean
on_bus_closed (gpointer user_data)
{
  CkdInhibitor *self = user_data;

  g_message ("the system bus went away: calls do not keep the machine awake");
  set_logind_present (self, FALSE);
  return G_SOURCE_REMOVE;
}

static int
connect_system_bus (CkdInhibitor *self)
{
  int r;

  r = sd_bus_open_system_with_description (&self->bus, "callkitd-inhibit");
  if (r < 0)
    return r;
  r = sd_bus_match_signal_async (self->bus, &self->owner_match, "org.freedesktop.DBus",
                                 "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                 "NameOwnerChanged", on_owner_changed, NULL, self);
  if (r < 0)
    return r;
  r = sd_bus_call_method_async (self->bus, &self->owner_query, "org.freedesktop.DBus",
                                "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                "GetNameOwner", on_owner_reply, self, "s", LOGIND_NAME);
  if (r < 0)
    return r;
  self->bus_source = ckd_sdbus_source_new (self->bus, on_bus_closed, self);
  g_source_attach (self->bus_source, NULL);
  return 0;
}

CkdInhibitor *
ckd_inhibitor_new (CkdRegistry *registry)
{
  CkdInhibitor *self = g_new0 (CkdInhibitor, 1);
  int r;

  self->registry = g_object_ref (registry);
  self->locks[0] = (Lock) { .what = "idle", .mode = "block", .fd = -1 };
  self->locks[1] = (Lock) { .what = "sleep", .mode = "delay", .fd = -1 };
  r = connect_system_bus (self);
  if (r < 0)
    {
      g_message ("cannot connect to the system bus, calls do not keep the machine awake: %s",
                 g_strerror (-r));
      self->owner_match = sd_bus_slot_unref (self->owner_match);
      self->owner_query = sd_bus_slot_unref (self->owner_query);
      self->bus = sd_bus_flush_close_unref (self->bus);
    }
  self->call_added_id = g_signal_connect_swapped (registry, "call-added",
                                                  G_CALLBACK (update), self);
  self->call_changed_id = g_signal_connect_swapped (registry, "call-changed",
                                                    G_CALLBACK (on_call_changed), self);
  self->call_removed_id = g_signal_connect_swapped (registry, "call-removed",
                                                    G_CALLBACK (update), self);
  return self;
}

void
ckd_inhibitor_free (CkdInhibitor *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->call_added_id, self->registry);
  g_clear_signal_handler (&self->call_changed_id, self->registry);
  g_clear_signal_handler (&self->call_removed_id, self->registry);
  release (self);
  self->owner_match = sd_bus_slot_unref (self->owner_match);
  self->owner_query = sd_bus_slot_unref (self->owner_query);
  if (self->bus_source != NULL)
    {
      g_source_destroy (self->bus_source);
      g_source_unref (self->bus_source);
    }
  if (self->bus != NULL)
    sd_bus_flush_close_unref (self->bus);
  ckd_registry_set_capability (self->registry, CAPABILITY, FALSE);
  g_object_unref (self->registry);
  g_free (self);
}
