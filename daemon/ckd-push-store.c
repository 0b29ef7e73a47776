/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sys/random.h>

#include "ckd-atomic-file.h"
#include "ckd-limits.h"
#include "ckd-push-registry-private.h"

/* The registrations on disk, so that an app id keeps its token across
 * restarts of callkitd and of the app: $XDG_STATE_HOME/callkitd/
 * push-registrations, a key file with one group per app id. It is
 * replaced whole and atomically (ckd-atomic-file.c) at every change, so
 * that a crash at any instant leaves the old registrations or the new
 * ones. Counters and deadlines are not kept: they belong to a run. */

#define TOKEN_BYTES 16

char *
ckd_push_token_new (void)
{
  guint8 bytes[TOKEN_BYTES];
  GString *token = g_string_sized_new (2 * TOKEN_BYTES);
  gsize done = 0;

  /* Tokens are capabilities: from the kernel's generator, not GRand. */
  while (done < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + done, sizeof bytes - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("cannot read random bytes: %s", g_strerror (errno));
      done += (gsize) n;
    }
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  return g_string_free (token, FALSE);
}

static gboolean
token_is_valid (const char *token)
{
  if (token == NULL || strlen (token) != 2 * TOKEN_BYTES)
    return FALSE;
  for (const char *c = token; *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c) || g_ascii_isupper (*c))
      return FALSE;
  return TRUE;
}

CkdPushApp *
ckd_push_app_new (CkdPushRegistry *self, const char *app_id, const char *token)
{
  CkdPushApp *app = g_new0 (CkdPushApp, 1);

  app->registry = self;
  app->app_id = g_strdup (app_id);
  app->token = g_strdup (token);
  app->bus_name = g_strdup (app_id);
  app->push_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&app->push_id_order);
  g_queue_init (&app->queued);
  g_queue_init (&app->pending);
  guint rate = ckd_settings_get_options (self->settings)->pushes_per_second;

  ckd_rate_limit_init (&app->rate, rate, 2 * rate);
  g_hash_table_insert (self->apps, app->app_id, app);
  g_hash_table_insert (self->tokens, app->token, app);
  return app;
}

void
ckd_push_app_free (CkdPushApp *app)
{
  g_queue_clear_full (&app->queued, (GDestroyNotify) ckd_push_message_free);
  g_queue_clear_full (&app->pending, (GDestroyNotify) ckd_push_message_free);
  g_queue_clear (&app->push_id_order);
  g_hash_table_destroy (app->push_ids);
  sd_bus_slot_unref (app->start_slot);
  g_free (app->app_id);
  g_free (app->token);
  g_free (app->bus_name);
  g_free (app->connection);
  g_free (app->endpoint);
  g_free (app);
}

gboolean
ckd_push_store_load (CkdPushRegistry *self, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;

  ckd_atomic_file_clean (self->store_path);
  if (!g_key_file_load_from_file (file, self->store_path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, local_error->domain, local_error->code,
                   "cannot read the push registrations in %s: %s", self->store_path,
                   local_error->message);
      return FALSE;
    }
  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *token = g_key_file_get_string (file, groups[i], "token", NULL);
      g_autofree char *bus_name = g_key_file_get_string (file, groups[i], "bus-name", NULL);
      g_autofree char *endpoint = g_key_file_get_string (file, groups[i], "endpoint", NULL);
      CkdPushApp *app;

      if (!ckd_app_id_is_valid (groups[i]) || !token_is_valid (token)
          || g_hash_table_contains (self->tokens, token)
          || g_hash_table_size (self->apps) >= CKD_MAX_PUSH_REGISTRATIONS)
        {
          g_message ("%s: [%s] is not a registration callkitd wrote: ignored", self->store_path,
                     groups[i]);
          continue;
        }
      app = ckd_push_app_new (self, groups[i], token);
      if (bus_name != NULL && g_dbus_is_name (bus_name) && !g_dbus_is_unique_name (bus_name))
        {
          g_free (app->bus_name);
          app->bus_name = g_steal_pointer (&bus_name);
        }
      app->development = g_key_file_get_boolean (file, groups[i], "development", NULL);
      app->registered = g_key_file_get_boolean (file, groups[i], "registered", NULL);
      if (endpoint != NULL && *endpoint != '\0')
        app->endpoint = g_steal_pointer (&endpoint);
    }
  g_debug ("%u push registrations read from %s", g_hash_table_size (self->apps),
           self->store_path);
  return TRUE;
}

void
ckd_push_store_save (CkdPushRegistry *self)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  GHashTableIter iter;
  CkdPushApp *app;
  gsize length;

  g_key_file_set_comment (file, NULL, NULL,
                          " callkitd's push registrations: an app id keeps its token. Written "
                          "by callkitd.",
                          NULL);
  g_hash_table_iter_init (&iter, self->apps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &app))
    {
      g_key_file_set_string (file, app->app_id, "token", app->token);
      g_key_file_set_string (file, app->app_id, "bus-name", app->bus_name);
      g_key_file_set_boolean (file, app->app_id, "development", app->development);
      g_key_file_set_boolean (file, app->app_id, "registered", app->registered);
      if (app->endpoint != NULL)
        g_key_file_set_string (file, app->app_id, "endpoint", app->endpoint);
    }
  contents = g_key_file_to_data (file, &length, NULL);
  if (!ckd_atomic_file_replace (self->store_path, contents, length, &error))
    g_warning ("the push registrations are not saved: %s", error->message);
}
