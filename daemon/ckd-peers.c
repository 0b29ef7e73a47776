/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>

#include "ckd-limits.h"
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
  gint64 first_seen; /* CLOCK_BOOTTIME ns of its first message */
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
  /* When each connection appeared on the bus, as callkitd saw it
   * (CLOCK_BOOTTIME ns): the process that made it started before. */
  GHashTable *appeared;  /* unique name -> gint64 * */
  sd_bus_slot *appeared_slot;
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

static gint64 boottime_now (void);

static int
on_connection_appeared (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdPeers *self = userdata;
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) < 0 || name[0] != ':')
    return 0;
  if (*old_owner == '\0' && *new_owner != '\0')
    {
      gint64 *at = g_new (gint64, 1);

      *at = boottime_now ();
      g_hash_table_replace (self->appeared, g_strdup (name), at);
    }
  else if (*new_owner == '\0')
    g_hash_table_remove (self->appeared, name);
  return 0;
}

CkdPeers *
ckd_peers_new (sd_bus *bus)
{
  CkdPeers *self = g_new0 (CkdPeers, 1);
  int r;

  self->bus = sd_bus_ref (bus);
  self->uid = getuid ();
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
  self->gone_handlers = g_array_new (FALSE, FALSE, sizeof (GoneHandler));
  self->appeared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r = sd_bus_add_match_async (bus, &self->appeared_slot,
                              "type='signal',sender='org.freedesktop.DBus',"
                              "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                              "member='NameOwnerChanged'",
                              on_connection_appeared, NULL, self);
  if (r < 0)
    g_warning ("cannot follow connections to the bus: %s", g_strerror (-r));
  return self;
}

/* The latest time the process of the connection @name may have started:
 * when the connection appeared, or else when it first called. */
static gint64
connected_at (CkdPeers *self, const char *name)
{
  gint64 *at = g_hash_table_lookup (self->appeared, name);
  Peer *peer = g_hash_table_lookup (self->peers, name);

  if (at != NULL)
    return *at;
  return peer != NULL ? peer->first_seen : 0;
}

void
ckd_peers_free (CkdPeers *self)
{
  if (self == NULL)
    return;
  g_hash_table_destroy (self->peers);
  sd_bus_slot_unref (self->appeared_slot);
  g_hash_table_destroy (self->appeared);
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

/* Whether the process behind @pidfd is still alive: then every /proc
 * entry of its pid opened since the pidfd was is its own. */
static gboolean
pidfd_alive (int pidfd)
{
#ifdef SYS_pidfd_send_signal
  return syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
#else
  return FALSE;
#endif
}

/* The state of the process of @proc_dir (field 3 of its stat: 'Z' for a
 * zombie) and when it started, in nanoseconds of CLOCK_BOOTTIME (field 22,
 * in clock ticks). FALSE when its stat cannot be read. */
static gboolean
read_process_stat (int proc_dir, char *state, gint64 *started)
{
  char buffer[1024];
  const char *field;
  ssize_t n;
  int fd = openat (proc_dir, "stat", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  guint64 ticks;
  long hz = sysconf (_SC_CLK_TCK);

  if (fd < 0)
    return FALSE;
  n = read (fd, buffer, sizeof buffer - 1);
  close (fd);
  if (n <= 0 || hz <= 0)
    return FALSE;
  buffer[n] = '\0';
  /* After the command name, which may hold anything but ends with ')'. */
  field = strrchr (buffer, ')');
  if (field == NULL || field[1] != ' ' || field[2] == '\0')
    return FALSE;
  *state = field[2];
  for (int i = 2; field != NULL && i < 22; i++)
    field = strchr (field + 1, ' ');
  if (field == NULL || sscanf (field + 1, "%" G_GUINT64_FORMAT, &ticks) != 1)
    return FALSE;
  *started = (gint64) (ticks * (G_GUINT64_CONSTANT (1000000000) / (guint64) hz));
  return TRUE;
}

static gint64
boottime_now (void)
{
  struct timespec now;

  clock_gettime (CLOCK_BOOTTIME, &now);
  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

/* Reads the .flatpak-info at the root of the process @proc_dir: its
 * contents, or NULL with errno set. */
static char *
read_flatpak_info (int proc_dir, gsize *length)
{
  g_autofree char *contents = g_malloc (CKD_MAX_FLATPAK_INFO_SIZE + 1);
  gsize n = 0;
  ssize_t r;
  int fd = openat (proc_dir, "root/.flatpak-info", O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    return NULL;
  while (n <= CKD_MAX_FLATPAK_INFO_SIZE
         && (r = read (fd, contents + n, CKD_MAX_FLATPAK_INFO_SIZE + 1 - n)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int saved = errno;
          close (fd);
          errno = saved;
          return NULL;
        }
      n += (gsize) r;
    }
  close (fd);
  if (n > CKD_MAX_FLATPAK_INFO_SIZE)
    {
      errno = EFBIG;
      return NULL;
    }
  contents[n] = '\0';
  *length = n;
  return g_steal_pointer (&contents);
}

typedef enum
{
  IDENTIFIED,
  PROCESS_GONE,   /* the process that connected is no more */
} Identification;

/* Finds out whether the process @pid that made the connection runs in a
 * Flatpak sandbox, and its app id. Flatpak puts /.flatpak-info at the root
 * of every sandbox (and of the xdg-dbus-proxy it runs for the app) and the
 * app cannot change it; its absence means the process is not a Flatpak.
 * Everything else fails closed: no pid, a file that cannot be read or
 * parsed, or one that names no app make a sandbox with no app id, which is
 * never trusted as the user.
 *
 * The pid may name another process by now. @pidfd (the bus's ProcessFD,
 * or one opened now) pins a process; the /proc directory of the pid,
 * opened after it, is that process's while the pidfd says it is alive
 * after everything was read. A process that has exited (a zombie too) has
 * no root left to read: the connection is refused, since a missing
 * .flatpak-info proves nothing then. Without the bus's pidfd, a process that
 * started after the connection appeared on the bus (@connected_at) took a
 * pid that was freed meanwhile, and is not the client. */
static Identification
identify_app (const char *name, guint32 pid, int pidfd, gboolean pidfd_from_bus,
              gint64 connected_at, gboolean *sandboxed, char **app_id)
{
  g_autofree char *proc_path = g_strdup_printf ("/proc/%u", pid);
  g_autoptr (GKeyFile) info = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;
  int proc_dir, error;
  gint64 started = 0;
  gboolean have_stat;
  char state = '?';

  *sandboxed = TRUE;
  *app_id = NULL;
  if (pid == 0 || pidfd < 0)
    {
      g_message ("%s: its process cannot be pinned (%s): treating it as a sandboxed app with "
                 "no app id",
                 name, pid == 0 ? "the bus gave no pid" : g_strerror (errno));
      return IDENTIFIED;
    }
  proc_dir = open (proc_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_dir < 0)
    return errno == ENOENT || errno == ESRCH ? PROCESS_GONE : IDENTIFIED;
  contents = read_flatpak_info (proc_dir, &length);
  error = errno;
  /* After the read: a process that exited has no root to read (ENOENT),
   * which must not pass for "no .flatpak-info". A zombie is still "alive"
   * to its pidfd. */
  have_stat = read_process_stat (proc_dir, &state, &started);
  close (proc_dir);
  if (!pidfd_alive (pidfd) || (have_stat && (state == 'Z' || state == 'X')))
    return PROCESS_GONE;
  if (!have_stat)
    {
      g_message ("cannot read /proc/%u/stat: treating %s as a sandboxed app with no app id",
                 pid, name);
      g_clear_pointer (&contents, g_free);
      error = EIO;
    }
  /* A clock tick of slack: the start time is counted in ticks. */
  if (have_stat && !pidfd_from_bus && connected_at > 0
      && started > connected_at + 1000000000 / MAX (sysconf (_SC_CLK_TCK), 1))
    {
      g_message ("%s: pid %u belongs to a process that started after the connection: "
                 "the one that connected is gone",
                 name, pid);
      return PROCESS_GONE;
    }
  if (contents == NULL)
    {
      if (error == ENOENT)
        *sandboxed = FALSE;
      else
        g_message ("cannot read /proc/%u/root/.flatpak-info (%s): treating %s as a sandboxed "
                   "app with no app id",
                   pid, g_strerror (error), name);
      return IDENTIFIED;
    }
  if (g_key_file_load_from_data (info, contents, length, G_KEY_FILE_NONE, NULL))
    *app_id = g_key_file_get_string (info, "Application", "name", NULL);
  if (*app_id != NULL && !g_application_id_is_valid (*app_id))
    g_clear_pointer (app_id, g_free);
  if (*app_id == NULL)
    g_message ("/proc/%u/root/.flatpak-info names no application: %s may act on no app's "
               "calls",
               pid, name);
  return IDENTIFIED;
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
  gboolean sandboxed = TRUE;
  g_autofree char *app_id = NULL;
  Identification outcome;

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

  /* The bus's own pidfd is best (taken when the client connected); else
   * one is opened now, and identify_app() checks it is the same process. */
  if (pid != 0)
    pidfd = bus_pidfd >= 0 ? fcntl (bus_pidfd, F_DUPFD_CLOEXEC, 3) : open_pidfd (pid);
  if (pid != 0 && pidfd < 0 && errno == ESRCH)
    outcome = PROCESS_GONE;
  else
    outcome = identify_app (peer->name, pid, pidfd, bus_pidfd >= 0,
                            connected_at (peer->peers, peer->name), &sandboxed, &app_id);
  if (pidfd >= 0)
    close (pidfd);
  if (outcome == PROCESS_GONE)
    {
      set_refusal (peer, "%s cannot be identified: the process that connected it is gone",
                   peer->name);
      run_waiting (peer);
      return 0;
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
  peer->first_seen = boottime_now ();
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
