/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>
#include <pipewire/impl-module.h>

#include <errno.h>

#include "callkit-names.h"
#include "ckd-pipewire.h"

/* Every callback of ours runs on the main loop: PipeWire's own loop is a
 * GSource here, and streams are made without PW_STREAM_FLAG_RT_PROCESS.
 * (pw_context_new() of libpipewire 0.3 always starts its data loop in a
 * thread of its own, whatever the configuration; the graph's wakeups of a
 * ringtone stream arrive there and are handed to the main loop, nothing of
 * callkitd runs there.) */

/* Reconnection backoff: quick at first, so that a restarted server is
 * found again at once, then slower while none runs. */
#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 2000

struct _CkdPipewire
{
  GObject parent_instance;

  struct pw_loop *loop;
  GSource *source;
  struct pw_context *context;

  struct pw_core *core;
  struct spa_hook core_listener;
  struct spa_hook client_listener;
  struct pw_registry *registry;
  struct spa_hook registry_listener;
  struct pw_metadata *metadata;
  guint32 metadata_id;
  guint32 client_id;
  gboolean ready; /* connected and client_id known */

  int flush_seq;
  gboolean flushed;

  guint teardown_id;
  guint reconnect_id;
  guint backoff_ms;
  gboolean logged_absent;
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CkdPipewire, ckd_pipewire, G_TYPE_OBJECT)

/* ---- PipeWire's loop as a GSource ---------------------------------- */

typedef struct
{
  GSource base;
  struct pw_loop *loop;
} LoopSource;

static gboolean
loop_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  LoopSource *s = (LoopSource *) source;
  int res = pw_loop_iterate (s->loop, 0);

  if (res < 0 && res != -EINTR)
    g_debug ("PipeWire loop iteration failed: %s", g_strerror (-res));
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs loop_source_funcs = {
  .dispatch = loop_source_dispatch,
};

static GSource *
loop_source_new (struct pw_loop *loop)
{
  LoopSource *s = (LoopSource *) g_source_new (&loop_source_funcs, sizeof (LoopSource));

  s->loop = loop;
  g_source_set_static_name (&s->base, "PipeWire loop");
  g_source_add_unix_fd (&s->base, pw_loop_get_fd (loop), G_IO_IN | G_IO_ERR | G_IO_HUP);
  return &s->base;
}

/* ---- the context --------------------------------------------------- */

/* The modules callkitd uses: the protocol to reach the server, the
 * client-side node and the adapter behind pw_stream (ringtones), and the
 * marshalling of the metadata interface. */
static const char *const client_modules[] = {
  "libpipewire-module-protocol-native",
  "libpipewire-module-client-node",
  "libpipewire-module-adapter",
  "libpipewire-module-metadata",
};

/* A context without client.conf: that file loads modules for every kind of
 * client (module-rt, which talks to RTKit over D-Bus, client-device,
 * session-manager), and each costs resident memory in a daemon that stays
 * up all session. callkitd loads only what it uses, and no D-Bus support
 * library either (only module-rt would use it). PIPEWIRE_CONFIG_NAME still
 * names a configuration to read instead, as in any PipeWire client. */
static struct pw_context *
context_new (struct pw_loop *loop)
{
  enum spa_log_level level = pw_log_level;
  struct pw_context *context;
  int err;

  /* pw_context_new() then warns that no configuration loaded a module and
   * that its data thread got no realtime priority (that was module-rt's
   * job): both are what callkitd asks for, and would be logged at every
   * start. Unless PIPEWIRE_DEBUG asks for PipeWire's own output, only its
   * errors are printed while the context is made. */
  if (g_getenv ("PIPEWIRE_DEBUG") == NULL)
    pw_log_set_level (SPA_LOG_LEVEL_ERROR);
  context = pw_context_new (loop,
                            pw_properties_new (PW_KEY_CONFIG_NAME, "null",
                                               "support.dbus", "false",
                                               PW_KEY_APP_NAME, "callkitd",
                                               PW_KEY_APP_ID, CKD_BUS_NAME, NULL),
                            0);
  err = errno;
  pw_log_set_level (level);
  if (context == NULL)
    g_error ("cannot create a PipeWire context: %s", g_strerror (err));
  /* A configuration named by PIPEWIRE_CONFIG_NAME brings its own. */
  if (pw_context_get_conf_section (context, "context.spa-libs") == NULL)
    {
      /* What client.conf's context.spa-libs says: where the stream's
       * converter and the support plugins are. */
      pw_context_add_spa_lib (context, "audio.convert.*", "audioconvert/libspa-audioconvert");
      pw_context_add_spa_lib (context, "support.*", "support/libspa-support");
    }
  if (pw_context_get_conf_section (context, "context.modules") == NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (client_modules); i++)
      if (pw_context_load_module (context, client_modules[i], NULL, NULL) == NULL)
        g_warning ("cannot load the PipeWire module %s: %s", client_modules[i],
                   g_strerror (errno));
  return context;
}

/* ---- connection ---------------------------------------------------- */

static void connect_now (CkdPipewire *self);

static gboolean
reconnect_fired (gpointer user_data)
{
  CkdPipewire *self = user_data;

  self->reconnect_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (CkdPipewire *self)
{
  if (self->reconnect_id != 0)
    return;
  self->reconnect_id = g_timeout_add (self->backoff_ms, reconnect_fired, self);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
}

/* Drops the connection. Listeners hear "changed" while the old core and
 * proxies are still alive, so they can remove their hooks first. */
static void
teardown (CkdPipewire *self)
{
  struct pw_metadata *metadata = self->metadata;
  gboolean was_ready = self->ready;

  if (self->core == NULL)
    return;
  self->ready = FALSE;
  self->metadata = NULL;
  self->client_id = SPA_ID_INVALID;
  if (was_ready)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);

  if (metadata != NULL)
    pw_proxy_destroy ((struct pw_proxy *) metadata);
  spa_hook_remove (&self->registry_listener);
  pw_proxy_destroy ((struct pw_proxy *) self->registry);
  self->registry = NULL;
  spa_hook_remove (&self->client_listener);
  spa_hook_remove (&self->core_listener);
  pw_core_disconnect (self->core);
  self->core = NULL;
}

static gboolean
teardown_fired (gpointer user_data)
{
  CkdPipewire *self = user_data;

  self->teardown_id = 0;
  teardown (self);
  g_message ("PipeWire went away; reconnecting when it is back");
  self->logged_absent = TRUE;
  schedule_reconnect (self);
  return G_SOURCE_REMOVE;
}

static void
on_core_error (void *data, uint32_t id, int seq, int res, const char *message)
{
  CkdPipewire *self = data;

  if (id == PW_ID_CORE && res == -EPIPE)
    {
      /* Not from inside the core's own event: destroying it here would
       * free what is being dispatched. */
      if (self->teardown_id == 0)
        self->teardown_id = g_idle_add (teardown_fired, self);
      return;
    }
  g_debug ("PipeWire error on object %u: %s (%s)", id, message, g_strerror (-res));
}

static void
on_core_done (void *data, uint32_t id, int seq)
{
  CkdPipewire *self = data;

  if (id == PW_ID_CORE && seq == self->flush_seq)
    self->flushed = TRUE;
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .done = on_core_done,
  .error = on_core_error,
};

/* Waits, up to @timeout_ms, until the server has handled everything sent
 * so far: what callkitd deletes on its way out must reach the server
 * before the connection closes. */
static void
flush (CkdPipewire *self, gint64 timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  gint64 left;

  if (!self->ready)
    return;
  self->flushed = FALSE;
  self->flush_seq = pw_core_sync (self->core, PW_ID_CORE, 0);
  while (!self->flushed && self->ready
         && (left = deadline - g_get_monotonic_time ()) > 0)
    pw_loop_iterate (self->loop, (int) MAX (left / 1000, 1));
}

/* The server binds our own client object to proxy id 1 right after
 * connecting and sends its info: that carries the global id the metadata
 * entries are owned by. */
static void
on_client_info (void *data, const struct pw_client_info *info)
{
  CkdPipewire *self = data;

  if (self->ready)
    return;
  self->client_id = info->id;
  self->ready = TRUE;
  self->backoff_ms = BACKOFF_FIRST_MS;
  self->logged_absent = FALSE;
  g_message ("connected to PipeWire as client %u", self->client_id);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static const struct pw_client_events client_events = {
  PW_VERSION_CLIENT_EVENTS,
  .info = on_client_info,
};

static void
on_registry_global (void *data, uint32_t id, uint32_t permissions, const char *type,
                    uint32_t version, const struct spa_dict *props)
{
  CkdPipewire *self = data;
  const char *name;

  if (self->metadata != NULL || !g_str_equal (type, PW_TYPE_INTERFACE_Metadata) || props == NULL)
    return;
  name = spa_dict_lookup (props, PW_KEY_METADATA_NAME);
  if (g_strcmp0 (name, CALLKIT_METADATA_NAME) != 0)
    return;
  self->metadata = pw_registry_bind (self->registry, id, type, PW_VERSION_METADATA, 0);
  if (self->metadata == NULL)
    {
      g_message ("cannot bind the PipeWire metadata '%s'", CALLKIT_METADATA_NAME);
      return;
    }
  self->metadata_id = id;
  g_debug ("found PipeWire metadata '%s' (%u)", CALLKIT_METADATA_NAME, id);
  if (self->ready)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_registry_global_remove (void *data, uint32_t id)
{
  CkdPipewire *self = data;
  struct pw_metadata *metadata = self->metadata;

  if (metadata == NULL || id != self->metadata_id)
    return;
  g_debug ("PipeWire metadata '%s' went away", CALLKIT_METADATA_NAME);
  self->metadata = NULL;
  if (self->ready)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  pw_proxy_destroy ((struct pw_proxy *) metadata);
}

static const struct pw_registry_events registry_events = {
  PW_VERSION_REGISTRY_EVENTS,
  .global = on_registry_global,
  .global_remove = on_registry_global_remove,
};

static void
connect_now (CkdPipewire *self)
{
  struct pw_client *client;

  self->core = pw_context_connect (self->context, NULL, 0);
  if (self->core == NULL)
    {
      int err = errno;

      if (!self->logged_absent)
        g_message ("PipeWire is not running (%s); audio policy and ringtones wait for it",
                   g_strerror (err));
      self->logged_absent = TRUE;
      schedule_reconnect (self);
      return;
    }
  spa_zero (self->core_listener);
  pw_core_add_listener (self->core, &self->core_listener, &core_events, self);
  client = pw_core_get_client (self->core);
  spa_zero (self->client_listener);
  pw_client_add_listener (client, &self->client_listener, &client_events, self);
  self->registry = pw_core_get_registry (self->core, PW_VERSION_REGISTRY, 0);
  spa_zero (self->registry_listener);
  pw_registry_add_listener (self->registry, &self->registry_listener, &registry_events, self);
}

/* ---- object -------------------------------------------------------- */

static void
ckd_pipewire_finalize (GObject *object)
{
  CkdPipewire *self = CKD_PIPEWIRE (object);

  if (self->loop == NULL)
    {
      G_OBJECT_CLASS (ckd_pipewire_parent_class)->finalize (object);
      return;
    }
  g_clear_handle_id (&self->teardown_id, g_source_remove);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  flush (self, 500);
  teardown (self);
  pw_context_destroy (self->context);
  g_source_destroy (self->source);
  g_source_unref (self->source);
  pw_loop_leave (self->loop);
  pw_loop_destroy (self->loop);
  pw_deinit ();
  G_OBJECT_CLASS (ckd_pipewire_parent_class)->finalize (object);
}

static void
ckd_pipewire_class_init (CkdPipewireClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ckd_pipewire_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
ckd_pipewire_init (CkdPipewire *self)
{
  self->client_id = SPA_ID_INVALID;
  self->metadata_id = SPA_ID_INVALID;
  self->backoff_ms = BACKOFF_FIRST_MS;
}

CkdPipewire *
ckd_pipewire_new (void)
{
  return g_object_new (CKD_TYPE_PIPEWIRE, NULL);
}

gboolean
ckd_pipewire_is_started (CkdPipewire *self)
{
  return self->loop != NULL;
}

void
ckd_pipewire_start (CkdPipewire *self)
{
  if (self->loop != NULL)
    return;
  g_debug ("loading PipeWire");
  pw_init (NULL, NULL);
  self->loop = pw_loop_new (NULL);
  /* Entered for good: every PipeWire call happens on this thread. */
  pw_loop_enter (self->loop);
  self->source = loop_source_new (self->loop);
  g_source_attach (self->source, NULL);
  self->context = context_new (self->loop);
  connect_now (self);
}

struct pw_core *
ckd_pipewire_get_core (CkdPipewire *self)
{
  return self->ready ? self->core : NULL;
}

guint32
ckd_pipewire_get_client_id (CkdPipewire *self)
{
  return self->ready ? self->client_id : SPA_ID_INVALID;
}

struct pw_metadata *
ckd_pipewire_get_metadata (CkdPipewire *self)
{
  return self->ready ? self->metadata : NULL;
}
