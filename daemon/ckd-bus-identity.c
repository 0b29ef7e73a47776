/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ckd-bus-private.h"
#include "ckd-error.h"

/* Who is on the other end of a method call, found out once per
 * connection and without blocking the main loop: the bus's
 * GetConnectionCredentials tells the uid and pid (and a pidfd, where the
 * bus offers one), and the process's /.flatpak-info tells whether it is a
 * Flatpak app and which. The answer is kept until the connection leaves
 * the bus, which is also when its providers go. A client's calls that
 * arrive while it is being identified wait, in order. */

typedef struct
{
  sd_bus_message *m;
  CkdBusMethod method;
} Waiting;

typedef struct
{
  CkdBus *bus;
  char *name;
  CkdCaller *caller; /* once known */
  char *refusal;     /* why it is not served, once known */
  GQueue waiting;    /* Waiting *, in arrival order */
  sd_bus_slot *vanished_slot;
  sd_bus_slot *credentials_slot;
} Peer;

static void
peer_free (Peer *peer)
{
  Waiting *waiting;

  while ((waiting = g_queue_pop_head (&peer->waiting)) != NULL)
    {
      sd_bus_message_unref (waiting->m);
      g_free (waiting);
    }
  sd_bus_slot_unref (peer->vanished_slot);
  sd_bus_slot_unref (peer->credentials_slot);
  ckd_caller_free (peer->caller);
  g_free (peer->refusal);
  g_free (peer->name);
  g_free (peer);
}

void
ckd_bus_identity_init (CkdBus *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
}

void
ckd_bus_identity_clear (CkdBus *self)
{
  g_clear_pointer (&self->peers, g_hash_table_destroy);
}

CkdCaller *
ckd_bus_lookup_caller (CkdBus *self, const char *name)
{
  Peer *peer = name != NULL ? g_hash_table_lookup (self->peers, name) : NULL;

  return peer != NULL ? peer->caller : NULL;
}

/* ---- serving a known caller ----------------------------------------- */

static int
refuse (sd_bus_message *m, const char *why)
{
  int r = ckd_bus_reply_error (m, CKD_ERROR_UNENTITLED, "%s", why);

  if (r < 0)
    g_debug ("cannot refuse %s: %s", sd_bus_message_get_member (m), g_strerror (-r));
  return 1;
}

static int
serve (CkdBus *self, Peer *peer, sd_bus_message *m, CkdBusMethod method)
{
  if (peer->refusal != NULL)
    return refuse (m, peer->refusal);
  if (peer->caller->uid != self->uid)
    {
      g_autofree char *why = g_strdup_printf ("callkitd serves the user %u only, not user %u",
                                              self->uid, peer->caller->uid);
      return refuse (m, why);
    }
  return ckd_bus_run_method (self, m, method, peer->caller);
}

static void
serve_waiting (Peer *peer)
{
  Waiting *waiting;

  while ((waiting = g_queue_pop_head (&peer->waiting)) != NULL)
    {
      sd_bus_message_rewind (waiting->m, TRUE);
      serve (peer->bus, peer, waiting->m, waiting->method);
      sd_bus_message_unref (waiting->m);
      g_free (waiting);
    }
}

/* ---- Flatpak -------------------------------------------------------- */

static int
open_pidfd (guint32 pid)
{
#ifdef SYS_pidfd_open
  return (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
#else
  errno = ENOSYS;
  return -1;
#endif
}

/* Whether the process behind @pidfd is still the one it was. */
static gboolean
pidfd_alive (int pidfd)
{
#ifdef SYS_pidfd_send_signal
  return syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
#else
  return TRUE;
#endif
}

/* Reads the Flatpak app id of the process @pid, which @pidfd pins.
 * Flatpak puts /.flatpak-info at the root of every sandbox and the app
 * cannot change it; its absence means the process is not a Flatpak. What
 * cannot be read or parsed counts as a sandbox with no app id: such a
 * client is never trusted as the user. Returns FALSE when the process
 * went away meanwhile (its pid may name another process by now). */
static gboolean
identify_app (guint32 pid, int pidfd, gboolean *sandboxed, char **app_id)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/root/.flatpak-info", pid);
  g_autoptr (GKeyFile) info = g_key_file_new ();
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize length;

  *sandboxed = FALSE;
  *app_id = NULL;
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_message ("cannot read %s (%s): treating the client as a sandboxed app", path,
                     error->message);
          *sandboxed = TRUE;
        }
    }
  else
    {
      *sandboxed = TRUE;
      if (g_key_file_load_from_data (info, contents, length, G_KEY_FILE_NONE, NULL))
        *app_id = g_key_file_get_string (info, "Application", "name", NULL);
      if (*app_id != NULL && **app_id == '\0')
        g_clear_pointer (app_id, g_free);
      if (*app_id == NULL)
        g_message ("%s names no application: the client may act on no app's calls", path);
    }
  return pidfd < 0 || pidfd_alive (pidfd);
}

/* ---- asking the bus ------------------------------------------------- */

static void
forget_peer (Peer *peer)
{
  g_hash_table_remove (peer->bus->peers, peer->name);
}

static int
on_name_owner_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  Peer *peer = userdata;
  CkdBus *self = peer->bus;
  g_autofree char *name = NULL;
  const char *name_arg, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name_arg, &old_owner, &new_owner) < 0
      || !g_str_equal (name_arg, peer->name) || *new_owner != '\0')
    return 0;
  name = g_strdup (peer->name);
  g_debug ("%s left the bus", name);
  forget_peer (peer);
  ckd_session_owner_vanished (self->session, name);
  return 0;
}

static void
set_refusal (Peer *peer, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_refusal (Peer *peer, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_free (peer->refusal);
  peer->refusal = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s: %s", peer->name, peer->refusal);
}

static int
on_credentials (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  Peer *peer = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  guint32 uid = G_MAXUINT32, pid = 0;
  int pidfd = -1, bus_pidfd = -1;
  gboolean sandboxed = FALSE, have_uid = FALSE;
  g_autofree char *app_id = NULL;
  const char *key;
  int r;

  peer->credentials_slot = sd_bus_slot_unref (peer->credentials_slot);
  if (error != NULL)
    {
      /* The client left before it could be asked about: nobody waits
       * for the answers. */
      if (sd_bus_error_has_name (error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
        {
          forget_peer (peer);
          return 0;
        }
      set_refusal (peer, "cannot identify %s: %s", peer->name, error->message);
      serve_waiting (peer);
      return 0;
    }

  r = sd_bus_message_enter_container (reply, 'a', "{sv}");
  while (r > 0 && (r = sd_bus_message_enter_container (reply, 'e', "sv")) > 0)
    {
      r = sd_bus_message_read (reply, "s", &key);
      if (r >= 0 && g_str_equal (key, "UnixUserID"))
        {
          r = sd_bus_message_read (reply, "v", "u", &uid);
          have_uid = r >= 0;
        }
      else if (r >= 0 && g_str_equal (key, "ProcessID"))
        r = sd_bus_message_read (reply, "v", "u", &pid);
      else if (r >= 0 && g_str_equal (key, "ProcessFD"))
        r = sd_bus_message_read (reply, "v", "h", &bus_pidfd);
      else if (r >= 0)
        r = sd_bus_message_skip (reply, "v");
      if (r >= 0)
        r = sd_bus_message_exit_container (reply);
    }
  if (r < 0 || !have_uid)
    {
      set_refusal (peer, "cannot identify %s: the bus did not say who it is", peer->name);
      serve_waiting (peer);
      return 0;
    }

  if (pid != 0)
    {
      /* A pidfd pins the process, so that reading its /proc entry cannot
       * read another process that got the pid after this one exited. The
       * bus's own pidfd is best (taken when the client connected); else
       * one is opened now and checked again after reading. */
      pidfd = bus_pidfd >= 0 ? fcntl (bus_pidfd, F_DUPFD_CLOEXEC, 3) : open_pidfd (pid);
      if (pidfd < 0 && errno == ESRCH)
        {
          set_refusal (peer, "%s left before it could be identified", peer->name);
          serve_waiting (peer);
          return 0;
        }
      if (!identify_app (pid, pidfd, &sandboxed, &app_id))
        {
          if (pidfd >= 0)
            close (pidfd);
          set_refusal (peer, "%s left while it was identified", peer->name);
          serve_waiting (peer);
          return 0;
        }
      if (pidfd >= 0)
        close (pidfd);
    }
  peer->caller = ckd_caller_new (peer->name, uid, pid, sandboxed, app_id);
  g_debug ("%s is uid %u pid %u%s%s", peer->name, uid, pid,
           sandboxed ? ", sandboxed app " : "", sandboxed ? (app_id ? app_id : "?") : "");
  serve_waiting (peer);
  return 0;
}

static Peer *
peer_new (CkdBus *self, const char *name)
{
  g_autofree char *match = NULL;
  Peer *peer = g_new0 (Peer, 1);
  int r;

  peer->bus = self;
  peer->name = g_strdup (name);
  g_queue_init (&peer->waiting);
  g_hash_table_insert (self->peers, peer->name, peer);

  /* The match goes to the bus before the question: if the client leaves
   * after the bus answered, the signal comes. */
  match = g_strdup_printf ("type='signal',sender='org.freedesktop.DBus',"
                           "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                           "member='NameOwnerChanged',arg0='%s'",
                           name);
  r = sd_bus_add_match_async (self->bus, &peer->vanished_slot, match, on_name_owner_changed,
                              NULL, peer);
  if (r >= 0)
    r = sd_bus_call_method_async (self->bus, &peer->credentials_slot, "org.freedesktop.DBus",
                                  "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                  "GetConnectionCredentials", on_credentials, peer, "s", name);
  if (r < 0)
    set_refusal (peer, "cannot identify %s: %s", name, g_strerror (-r));
  return peer;
}

int
ckd_bus_with_caller (CkdBus *self, sd_bus_message *m, CkdBusMethod method)
{
  const char *sender = sd_bus_message_get_sender (m);
  Peer *peer;
  Waiting *waiting;

  if (sender == NULL)
    return refuse (m, "callkitd serves clients of a message bus only");
  peer = g_hash_table_lookup (self->peers, sender);
  if (peer == NULL)
    peer = peer_new (self, sender);
  if ((peer->caller != NULL || peer->refusal != NULL) && g_queue_is_empty (&peer->waiting))
    return serve (self, peer, m, method);

  waiting = g_new0 (Waiting, 1);
  waiting->m = sd_bus_message_ref (m);
  waiting->method = method;
  g_queue_push_tail (&peer->waiting, waiting);
  return 1;
}
