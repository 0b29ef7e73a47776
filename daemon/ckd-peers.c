/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ckd-peers.h"

/* A connection's identity is asked for at its first call and kept until
 * it leaves the bus. Calls that arrive while it is being identified wait,
 * in order. */

typedef struct
{
  CkdPeerReady ready;
  gpointer user_data;
  GDestroyNotify destroy;
} Waiting;

typedef struct
{
  CkdPeers *peers;
  char *name;
  CkdPeer identity;  /* valid once known */
  char *app_id;      /* owned: identity.app_id */
  gboolean known;
  char *refusal;     /* why it is not served, once known */
  GQueue waiting;    /* Waiting *, in arrival order */
  sd_bus_slot *vanished_slot;
  sd_bus_slot *credentials_slot;
} Peer;

typedef struct
{
  CkdPeerGone gone;
  gpointer user_data;
} GoneHandler;

struct _CkdPeers
{
  sd_bus *bus;
  uid_t uid;          /* callkitd's own: it serves this user only */
  GHashTable *peers;  /* unique name -> Peer * */
  GArray *gone_handlers; /* GoneHandler */
};

static void
waiting_free (Waiting *waiting)
{
  if (waiting->destroy != NULL)
    waiting->destroy (waiting->user_data);
  g_free (waiting);
}

static void
peer_free (Peer *peer)
{
  Waiting *waiting;

  while ((waiting = g_queue_pop_head (&peer->waiting)) != NULL)
    waiting_free (waiting);
  sd_bus_slot_unref (peer->vanished_slot);
  sd_bus_slot_unref (peer->credentials_slot);
  g_free (peer->app_id);
  g_free (peer->refusal);
  g_free (peer->name);
  g_free (peer);
}

CkdPeers *
ckd_peers_new (sd_bus *bus)
{
  CkdPeers *self = g_new0 (CkdPeers, 1);

  self->bus = sd_bus_ref (bus);
  self->uid = getuid ();
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
  self->gone_handlers = g_array_new (FALSE, FALSE, sizeof (GoneHandler));
  return self;
}

void
ckd_peers_free (CkdPeers *self)
{
  if (self == NULL)
    return;
  g_hash_table_destroy (self->peers);
  g_array_unref (self->gone_handlers);
  sd_bus_unref (self->bus);
  g_free (self);
}

const CkdPeer *
ckd_peers_lookup (CkdPeers *self, const char *name)
{
  Peer *peer = name != NULL ? g_hash_table_lookup (self->peers, name) : NULL;

  return peer != NULL && peer->known && peer->refusal == NULL ? &peer->identity : NULL;
}

void
ckd_peers_foreach (CkdPeers *self, CkdPeerFunc func, gpointer user_data)
{
  GHashTableIter iter;
  Peer *peer;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->known && peer->refusal == NULL)
      func (&peer->identity, user_data);
}

void
ckd_peers_add_gone_handler (CkdPeers *self, CkdPeerGone gone, gpointer user_data)
{
  GoneHandler handler = { gone, user_data };

  g_array_append_val (self->gone_handlers, handler);
}

void
ckd_peers_remove_gone_handler (CkdPeers *self, CkdPeerGone gone, gpointer user_data)
{
  for (guint i = 0; i < self->gone_handlers->len; i++)
    {
      GoneHandler *handler = &g_array_index (self->gone_handlers, GoneHandler, i);

      if (handler->gone == gone && handler->user_data == user_data)
        {
          g_array_remove_index (self->gone_handlers, i);
          return;
        }
    }
}

/* ---- answering ------------------------------------------------------ */

static void
run_waiting (Peer *peer)
{
  Waiting *waiting;

  while ((waiting = g_queue_pop_head (&peer->waiting)) != NULL)
    {
      if (peer->refusal != NULL)
        waiting->ready (NULL, peer->refusal, waiting->user_data);
      else
        waiting->ready (&peer->identity, NULL, waiting->user_data);
      waiting_free (waiting);
    }
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
  peer->known = TRUE;
  g_debug ("%s: %s", peer->name, peer->refusal);
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

static int
on_name_owner_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  Peer *peer = userdata;
  CkdPeers *self = peer->peers;
  g_autofree char *name = NULL;
  g_autoptr (GArray) handlers = NULL;
  const char *name_arg, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name_arg, &old_owner, &new_owner) < 0
      || !g_str_equal (name_arg, peer->name) || *new_owner != '\0')
    return 0;
  name = g_strdup (peer->name);
  g_debug ("%s left the bus", name);
  g_hash_table_remove (self->peers, name);
  /* A handler may remove itself. */
  handlers = g_array_copy (self->gone_handlers);
  for (guint i = 0; i < handlers->len; i++)
    {
      GoneHandler *handler = &g_array_index (handlers, GoneHandler, i);
      handler->gone (name, handler->user_data);
    }
  return 0;
}

static gboolean
read_credentials (sd_bus_message *reply, guint32 *uid, guint32 *pid, int *bus_pidfd)
{
  gboolean have_uid = FALSE;
  const char *key;
  int r;

  r = sd_bus_message_enter_container (reply, 'a', "{sv}");
  while (r > 0 && (r = sd_bus_message_enter_container (reply, 'e', "sv")) > 0)
    {
      r = sd_bus_message_read (reply, "s", &key);
      if (r >= 0 && g_str_equal (key, "UnixUserID"))
        {
          r = sd_bus_message_read (reply, "v", "u", uid);
          have_uid = r >= 0;
        }
      else if (r >= 0 && g_str_equal (key, "ProcessID"))
        r = sd_bus_message_read (reply, "v", "u", pid);
      else if (r >= 0 && g_str_equal (key, "ProcessFD"))
        r = sd_bus_message_read (reply, "v", "h", bus_pidfd);
      else if (r >= 0)
        r = sd_bus_message_skip (reply, "v");
      if (r >= 0)
        r = sd_bus_message_exit_container (reply);
    }
  return r >= 0 && have_uid;
}

static int
on_credentials (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  Peer *peer = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  guint32 uid = G_MAXUINT32, pid = 0;
  int pidfd = -1, bus_pidfd = -1;
  gboolean sandboxed = FALSE;
  g_autofree char *app_id = NULL;

  peer->credentials_slot = sd_bus_slot_unref (peer->credentials_slot);
  if (error != NULL)
    {
      /* The client left before it could be asked about: nobody waits
       * for the answers. */
      if (sd_bus_error_has_name (error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
        {
          g_hash_table_remove (peer->peers->peers, peer->name);
          return 0;
        }
      set_refusal (peer, "cannot identify %s: %s", peer->name, error->message);
      run_waiting (peer);
      return 0;
    }
  if (!read_credentials (reply, &uid, &pid, &bus_pidfd))
    {
      set_refusal (peer, "cannot identify %s: the bus did not say who it is", peer->name);
      run_waiting (peer);
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
          run_waiting (peer);
          return 0;
        }
      if (!identify_app (pid, pidfd, &sandboxed, &app_id))
        {
          if (pidfd >= 0)
            close (pidfd);
          set_refusal (peer, "%s left while it was identified", peer->name);
          run_waiting (peer);
          return 0;
        }
      if (pidfd >= 0)
        close (pidfd);
    }
  peer->known = TRUE;
  peer->app_id = g_steal_pointer (&app_id);
  peer->identity = (CkdPeer) {
    .name = peer->name,
    .uid = uid,
    .pid = pid,
    .sandboxed = sandboxed,
    .app_id = peer->app_id,
  };
  if (uid != peer->peers->uid)
    set_refusal (peer, "callkitd serves the user %u only, not user %u", peer->peers->uid, uid);
  g_debug ("%s is uid %u pid %u%s%s", peer->name, uid, pid, sandboxed ? ", sandboxed app " : "",
           sandboxed ? (peer->app_id ? peer->app_id : "?") : "");
  run_waiting (peer);
  return 0;
}

static Peer *
peer_new (CkdPeers *self, const char *name)
{
  g_autofree char *match = NULL;
  Peer *peer = g_new0 (Peer, 1);
  int r;

  peer->peers = self;
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

void
ckd_peers_identify (CkdPeers *self, const char *name, CkdPeerReady ready, gpointer user_data,
                    GDestroyNotify destroy)
{
  Peer *peer = g_hash_table_lookup (self->peers, name);
  Waiting *waiting;

  if (peer == NULL)
    peer = peer_new (self, name);
  /* The common case, without an allocation: a known client. */
  if (peer->known && g_queue_is_empty (&peer->waiting))
    {
      if (peer->refusal != NULL)
        ready (NULL, peer->refusal, user_data);
      else
        ready (&peer->identity, NULL, user_data);
      if (destroy != NULL)
        destroy (user_data);
      return;
    }
  waiting = g_new0 (Waiting, 1);
  waiting->ready = ready;
  waiting->user_data = user_data;
  waiting->destroy = destroy;
  /* Run by on_credentials(), or by the run_waiting() this is called
   * from. */
  g_queue_push_tail (&peer->waiting, waiting);
}

/* ---- method calls --------------------------------------------------- */

typedef struct
{
  sd_bus_message *m;
  CkdPeerCall handler;
  gpointer object;
  GCallback method;
} PeerCall;

static void
peer_call_free (gpointer data)
{
  PeerCall *call = data;

  sd_bus_message_unref (call->m);
  g_free (call);
}

static void
run_call (const CkdPeer *peer, const char *refusal, gpointer user_data)
{
  PeerCall *call = user_data;

  /* A call that waited was read by the vtable's dispatch already. */
  sd_bus_message_rewind (call->m, TRUE);
  call->handler (peer, refusal, call->m, call->object, call->method);
}

void
ckd_peers_call (CkdPeers *self, sd_bus_message *m, CkdPeerCall handler, gpointer object,
                GCallback method)
{
  const char *sender = sd_bus_message_get_sender (m);
  PeerCall *call;

  if (sender == NULL)
    {
      handler (NULL, "callkitd serves clients of a message bus only", m, object, method);
      return;
    }
  /* A known client is served at once, without an allocation. */
  if (ckd_peers_lookup (self, sender) != NULL)
    {
      PeerCall now = { m, handler, object, method };

      ckd_peers_identify (self, sender, run_call, &now, NULL);
      return;
    }
  call = g_new (PeerCall, 1);
  *call = (PeerCall) { sd_bus_message_ref (m), handler, object, method };
  ckd_peers_identify (self, sender, run_call, call, peer_call_free);
}
