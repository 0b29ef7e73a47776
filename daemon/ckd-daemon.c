/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include <errno.h>
#include <stdlib.h>

#include "ckd-audio-policy.h"
#include "ckd-bus.h"
#include "ckd-call-presenter.h"
#include "ckd-call-store.h"
#include "ckd-daemon.h"
#include "ckd-directory.h"
#include "ckd-do-not-disturb.h"
#include "ckd-history.h"
#include "ckd-identification.h"
#include "ckd-inhibitor.h"
#include "ckd-media-keys.h"
#include "ckd-memory-trim.h"
#include "ckd-peers.h"
#include "ckd-pipewire.h"
#include "ckd-push-registry.h"
#include "ckd-ringer.h"
#include "ckd-sdbus-source.h"
#include "ckd-systemd.h"

struct _CkdDaemon
{
  sd_bus *bus;
  GSource *bus_source;
  sd_bus_slot *name_slot;
  sd_bus_slot *name_lost_slot;
  gboolean name_acquired;
  pid_t replaced_pid; /* the owner of the name when --replace asked for it */
  CkdDaemonStopFunc stop;
  gpointer stop_data;

  CkdSettings *settings;
  CkdRegistry *registry;
  CkdSession *session;
  CkdHistory *history;
  CkdPeers *peers;
  /* The front ends, each on the registry, the session and the history. */
  CkdBus *bus_api;
  CkdCallPresenter *presenter;
  CkdPipewire *pipewire;
  CkdAudioPolicy *audio_policy;
  CkdRinger *ringer;
  CkdPushRegistry *push;
  CkdInhibitor *inhibitor;
  CkdDoNotDisturb *do_not_disturb;
  CkdMediaKeys *media_keys;
  CkdDirectory *directory;
  CkdIdentification *identification;
  /* The live calls, kept across a crash: from when the name is ours. */
  CkdCallStore *call_store;
  CkdMemoryTrim *memory_trim;
};

static gboolean
on_bus_closed (gpointer user_data)
{
  CkdDaemon *self = user_data;

  g_message ("the session bus went away");
  self->stop (EXIT_FAILURE, self->stop_data);
  return G_SOURCE_REMOVE;
}

static int
on_name_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdDaemon *self = userdata;
  const sd_bus_error *error = sd_bus_message_get_error (reply);
  uint32_t result = 0;

  self->name_slot = sd_bus_slot_unref (self->name_slot);
  if (error == NULL && sd_bus_message_read (reply, "u", &result) >= 0
      && (result == 1 || result == 4)) /* primary owner, or already it */
    {
      g_autofree char *store_path = ckd_call_store_default_path ();

      self->name_acquired = TRUE;
      /* Only the callkitd that owns the name reads and writes the live
       * calls, and before any provider can register again. */
      self->call_store = ckd_call_store_new (self->session, store_path, self->replaced_pid);
      g_message ("callkitd %s serving %s", PACKAGE_VERSION, CKD_BUS_NAME);
      ckd_systemd_notify_ready ();
      return 0;
    }
  g_printerr ("callkitd: cannot own %s: %s\n", CKD_BUS_NAME,
              error != NULL ? error->message
                            : "another callkitd is running (use --replace)");
  self->stop (EXIT_FAILURE, self->stop_data);
  return 0;
}

static int
on_name_lost (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdDaemon *self = userdata;
  const char *name;

  if (sd_bus_message_read (m, "s", &name) < 0 || !g_str_equal (name, CKD_BUS_NAME))
    return 0;
  g_message ("another callkitd replaced this one");
  /* The live calls are the new callkitd's to keep from now on. */
  if (self->call_store != NULL)
    ckd_call_store_stop (self->call_store);
  self->stop (self->name_acquired ? EXIT_SUCCESS : EXIT_FAILURE, self->stop_data);
  return 0;
}

static gboolean
fail (GError **error, int r, const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r), "%s: %s", what, g_strerror (-r));
  return FALSE;
}

static gboolean
connect_bus (CkdDaemon *self, GError **error)
{
  int r;

  r = sd_bus_open_user_with_description (&self->bus, "callkitd");
  if (r < 0)
    return fail (error, r, "cannot connect to the session bus");
  /* NameLost is sent to us alone; sd-bus still needs a match to hand it
   * over. */
  r = sd_bus_match_signal_async (self->bus, &self->name_lost_slot, "org.freedesktop.DBus",
                                 "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameLost",
                                 on_name_lost, NULL, self);
  if (r < 0)
    return fail (error, r, "cannot follow the bus name");
  self->bus_source = ckd_sdbus_source_new (self->bus, on_bus_closed, self);
  g_source_attach (self->bus_source, NULL);
  return TRUE;
}

static gboolean
request_name (CkdDaemon *self, gboolean replace, GError **error)
{
  uint64_t flags = SD_BUS_NAME_ALLOW_REPLACEMENT | (replace ? SD_BUS_NAME_REPLACE_EXISTING : 0);
  int r;

  /* Whom we replace, so that its live calls, which it drops, are not
   * restored when it has exited before we read its file. */
  if (replace)
    {
      sd_bus_creds *creds = NULL;

      if (sd_bus_get_name_creds (self->bus, CKD_BUS_NAME, SD_BUS_CREDS_PID, &creds) >= 0)
        (void) sd_bus_creds_get_pid (creds, &self->replaced_pid);
      sd_bus_creds_unref (creds);
    }
  r = sd_bus_request_name_async (self->bus, &self->name_slot, CKD_BUS_NAME, flags, on_name_reply,
                                 self);

  return r >= 0 || fail (error, r, "cannot ask for the bus name");
}

/* The front ends do not know each other; they meet here. */

/* Caller identification's source of labels: the call directory's
 * identification lists, every app's and the user's own (label_app ""). */
static gboolean
directory_label (CkdHandleType type, const char *handle, char **ret_label, char **ret_app_id,
                 gpointer user_data)
{
  g_auto (CkdDirectoryMatch) match = { 0 };

  if (!ckd_directory_lookup (user_data, NULL, ckd_handle_type_to_string (type), handle, &match)
      || match.label == NULL)
    return FALSE;
  *ret_label = g_steal_pointer (&match.label);
  *ret_app_id = g_steal_pointer (&match.label_app);
  return TRUE;
}

/* Do not disturb lets the user's contacts through: those of the address
 * books that caller identification reads. */
static gboolean
is_contact (const CkdCall *call, gpointer user_data)
{
  return call->remote_handle.value != NULL
         && ckd_identification_is_known_contact (user_data, call->remote_handle.type,
                                                 call->remote_handle.value);
}

CkdDaemon *
ckd_daemon_new (const CkdOptions *options, gboolean replace, CkdDaemonStopFunc stop,
                gpointer user_data, GError **error)
{
  g_autoptr (CkdDaemon) self = g_new0 (CkdDaemon, 1);
  g_auto (GStrv) settings_paths = ckd_user_settings_paths ();
  g_autofree char *state_dir = NULL;
  g_autofree char *data_dir = NULL;

  self->stop = stop;
  self->stop_data = user_data;
  if (!connect_bus (self, error))
    return NULL;
  self->settings = ckd_settings_new (options, (const char *const *) settings_paths);
  self->registry = ckd_registry_new ();
  self->session = ckd_session_new (self->registry, self->settings);
  self->history = ckd_history_new (self->session, NULL);
  self->peers = ckd_peers_new (self->bus);
  self->bus_api = ckd_bus_new (self->bus, self->peers, self->session, error);
  if (self->bus_api == NULL || !ckd_bus_serve_history (self->bus_api, self->history, error))
    return NULL;
  self->presenter = ckd_call_presenter_new (self->session, self->history, self->bus);
  self->pipewire = ckd_pipewire_new ();
  self->audio_policy = ckd_audio_policy_new (self->registry, self->pipewire);
  self->ringer = ckd_ringer_new (self->registry, self->settings, self->pipewire);
  self->memory_trim = ckd_memory_trim_new (self->registry);
  state_dir = g_build_filename (g_get_user_state_dir (), "callkitd", NULL);
  self->push = ckd_push_registry_new (self->bus, self->peers, self->session, state_dir, error);
  if (self->push == NULL)
    return NULL;
  /* Before do not disturb: its incoming-call filter is asked first, so
   * that a blocked caller is kept as blocked, not as a missed call. */
  data_dir = g_build_filename (g_get_user_data_dir (), "callkitd", NULL);
  self->directory = ckd_directory_new (self->bus, self->peers, self->session, data_dir, error);
  if (self->directory == NULL)
    return NULL;
  self->identification = ckd_identification_new (self->bus, self->peers, self->session, error);
  if (self->identification == NULL)
    return NULL;
  ckd_identification_set_list_source (self->identification, directory_label, self->directory);
  self->inhibitor = ckd_inhibitor_new (self->registry);
  self->do_not_disturb = ckd_do_not_disturb_new (self->session, self->bus, state_dir);
  ckd_do_not_disturb_set_contact_check (self->do_not_disturb, is_contact, self->identification);
  self->media_keys = ckd_media_keys_new (self->session, self->bus);
  /* Last: a client that sees the name finds everything served. */
  if (!request_name (self, replace, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
ckd_daemon_free (CkdDaemon *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->presenter, ckd_call_presenter_free);
  g_clear_pointer (&self->do_not_disturb, ckd_do_not_disturb_free);
  g_clear_pointer (&self->media_keys, ckd_media_keys_free);
  g_clear_pointer (&self->push, ckd_push_registry_free);
  g_clear_pointer (&self->identification, ckd_identification_free);
  g_clear_pointer (&self->directory, ckd_directory_free);
  /* Stopping on purpose: providers are told to drop their calls, so
   * there is nothing to restore. */
  if (self->call_store != NULL)
    ckd_call_store_stop (self->call_store);
  g_clear_pointer (&self->call_store, ckd_call_store_free);
  if (self->session != NULL)
    ckd_session_stop (self->session);
  g_clear_pointer (&self->inhibitor, ckd_inhibitor_free);
  g_clear_pointer (&self->ringer, ckd_ringer_free);
  g_clear_pointer (&self->memory_trim, ckd_memory_trim_free);
  g_clear_pointer (&self->audio_policy, ckd_audio_policy_free);
  g_clear_object (&self->pipewire);
  g_clear_pointer (&self->bus_api, ckd_bus_free);
  g_clear_pointer (&self->peers, ckd_peers_free);
  g_clear_object (&self->history);
  g_clear_object (&self->session);
  g_clear_object (&self->registry);
  g_clear_object (&self->settings);
  self->name_slot = sd_bus_slot_unref (self->name_slot);
  self->name_lost_slot = sd_bus_slot_unref (self->name_lost_slot);
  if (self->bus_source != NULL)
    {
      g_source_destroy (self->bus_source);
      g_source_unref (self->bus_source);
    }
  /* What is still queued (DidReset to every provider) goes out before
   * the connection, and with it the name, goes. */
  if (self->bus != NULL)
    sd_bus_flush_close_unref (self->bus);
  g_free (self);
}
