/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ckd-atomic-file.h"
#include "ckd-do-not-disturb.h"
#include "ckd-limits.h"

#define CAPABILITY "do-not-disturb"
#define SWITCH_FILE "do-not-disturb"
#define GNOME_SCHEMA "org.gnome.desktop.notifications"
#define GNOME_KEY "show-banners"
#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"

struct _CkdDoNotDisturb
{
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  sd_bus *bus;
  char *switch_path;
  gboolean user_switch;      /* Manager.DoNotDisturb, as the user last wrote it */
  GSettings *gnome;          /* NULL when the schema is not installed */
  gboolean banners_off;      /* GNOME's show-banners is false */
  gboolean server_inhibited; /* the notification server's Inhibited */
  sd_bus_slot *properties_match, *owner_match, *inhibited_query;
  /* handle key -> gint64 monotonic µs of its last call kept from the
   * user, for the repeated-call exception */
  GHashTable *recent_callers;
  guint kept;                /* calls kept from the user since start */
  CkdDoNotDisturbContactCheck contact_check;
  gpointer contact_check_data;
  gulong settings_changed_id, requested_id;
};

/* ---- pure parts ---------------------------------------------------- */

/* '+' and the digits of a phone number, NULL when it has no digit. */
static char *
phone_digits (const char *number)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = number; *p != '\0'; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && digits->len == 0))
      g_string_append_c (digits, *p);
    else if (strchr (" -.()/", *p) == NULL)
      {
        /* Not a phone number written in the usual ways. */
        g_string_free (digits, TRUE);
        return NULL;
      }
  if (digits->len == 0 || (digits->len == 1 && digits->str[0] == '+'))
    {
      g_string_free (digits, TRUE);
      return NULL;
    }
  return g_string_free (digits, FALSE);
}

gboolean
ckd_do_not_disturb_allow_list_has (const char *const *allow_list, const CkdHandle *handle)
{
  g_autofree char *digits = NULL;

  if (allow_list == NULL || handle->value == NULL || *handle->value == '\0')
    return FALSE;
  if (handle->type == CKD_HANDLE_PHONE_NUMBER)
    digits = phone_digits (handle->value);
  for (guint i = 0; allow_list[i] != NULL; i++)
    {
      g_autofree char *entry_digits = NULL;

      if (g_str_equal (allow_list[i], handle->value)
          || (handle->type == CKD_HANDLE_EMAIL_ADDRESS
              && g_ascii_strcasecmp (allow_list[i], handle->value) == 0))
        return TRUE;
      if (digits != NULL && (entry_digits = phone_digits (allow_list[i])) != NULL
          && g_str_equal (digits, entry_digits))
        return TRUE;
    }
  return FALSE;
}

/* ---- the state ----------------------------------------------------- */

static const CkdDoNotDisturbSettings *
choices (CkdDoNotDisturb *self)
{
  return &ckd_settings_get (self->settings)->do_not_disturb;
}

static void
update (CkdDoNotDisturb *self)
{
  const CkdDoNotDisturbSettings *settings = choices (self);
  gboolean desktop = settings->follow_desktop && (self->banners_off || self->server_inhibited);
  gboolean on = self->user_switch || settings->enabled || desktop;

  if (on == ckd_registry_get_do_not_disturb (self->registry))
    return;
  if (on)
    g_message ("do not disturb is on:%s%s%s%s", self->user_switch ? " the user's switch" : "",
               settings->enabled ? " callkitd.conf" : "",
               settings->follow_desktop && self->banners_off ? " GNOME's banners are off" : "",
               settings->follow_desktop && self->server_inhibited
                 ? " the notification server is inhibited"
                 : "");
  else
    g_message ("do not disturb is off");
  ckd_registry_set_do_not_disturb (self->registry, on);
}

static void
on_settings_changed (CkdDoNotDisturb *self)
{
  update (self);
}

/* ---- the user's switch --------------------------------------------- */

static gboolean
read_switch (const char *path)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && g_str_has_prefix (contents, "on");
}

static void
on_requested (CkdDoNotDisturb *self, gboolean on)
{
  g_autoptr (GError) error = NULL;

  self->user_switch = on;
  /* Kept, as a phone keeps it across a restart. A failure to keep it
   * still turns it for this run. */
  if (on)
    ckd_atomic_file_replace (self->switch_path, "on\n", 3, &error);
  else if (g_unlink (self->switch_path) < 0 && errno != ENOENT)
    g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot remove %s: %s",
                 self->switch_path, g_strerror (errno));
  if (error != NULL)
    g_warning ("do not disturb will not be kept across a restart: %s", error->message);
  update (self);
}

/* ---- GNOME --------------------------------------------------------- */

static void
on_gnome_changed (GSettings *settings, const char *key, gpointer user_data)
{
  CkdDoNotDisturb *self = user_data;

  self->banners_off = !g_settings_get_boolean (settings, GNOME_KEY);
  update (self);
}

static void
follow_gnome (CkdDoNotDisturb *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, GNOME_SCHEMA, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, GNOME_KEY))
    {
      g_message ("the GSettings schema %s is not installed: GNOME's do not disturb is not "
                 "followed",
                 GNOME_SCHEMA);
      return;
    }
  self->gnome = g_settings_new_full (schema, NULL, NULL);
  g_signal_connect (self->gnome, "changed::" GNOME_KEY, G_CALLBACK (on_gnome_changed), self);
  self->banners_off = !g_settings_get_boolean (self->gnome, GNOME_KEY);
}

/* ---- the notification server's Inhibited ---------------------------- */

static void
set_server_inhibited (CkdDoNotDisturb *self, gboolean inhibited)
{
  if (self->server_inhibited == inhibited)
    return;
  self->server_inhibited = inhibited;
  g_info ("the notification server is %s", inhibited ? "inhibited" : "not inhibited");
  update (self);
}

static int
on_inhibited_reply (sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  CkdDoNotDisturb *self = userdata;
  int inhibited = FALSE;

  self->inhibited_query = sd_bus_slot_unref (self->inhibited_query);
  /* No server, or one without the property (GNOME Shell, dunst): not
   * inhibited. */
  if (!sd_bus_message_is_method_error (reply, NULL))
    (void) sd_bus_message_read (reply, "v", "b", &inhibited);
  set_server_inhibited (self, inhibited);
  return 0;
}

static void
ask_inhibited (CkdDoNotDisturb *self)
{
  int r;

  self->inhibited_query = sd_bus_slot_unref (self->inhibited_query);
  r = sd_bus_call_method_async (self->bus, &self->inhibited_query, NOTIFICATIONS_NAME,
                                NOTIFICATIONS_PATH, "org.freedesktop.DBus.Properties", "Get",
                                on_inhibited_reply, self, "ss", NOTIFICATIONS_NAME,
                                "Inhibited");
  if (r < 0)
    g_message ("cannot ask the notification server whether it is inhibited: %s",
               g_strerror (-r));
}

static int
on_properties_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdDoNotDisturb *self = userdata;
  const char *interface, *name;
  int r;

  if (sd_bus_message_read (m, "s", &interface) < 0
      || !g_str_equal (interface, NOTIFICATIONS_NAME)
      || sd_bus_message_enter_container (m, 'a', "{sv}") < 0)
    return 0;
  while ((r = sd_bus_message_enter_container (m, 'e', "sv")) > 0)
    {
      if (sd_bus_message_read (m, "s", &name) < 0)
        return 0;
      if (g_str_equal (name, "Inhibited"))
        {
          int inhibited;

          if (sd_bus_message_read (m, "v", "b", &inhibited) >= 0)
            set_server_inhibited (self, inhibited);
          return 0;
        }
      if (sd_bus_message_skip (m, "v") < 0 || sd_bus_message_exit_container (m) < 0)
        return 0;
    }
  if (r < 0 || sd_bus_message_exit_container (m) < 0)
    return 0;
  /* Invalidated without a value: ask. */
  if (sd_bus_message_enter_container (m, 'a', "s") > 0)
    while (sd_bus_message_read (m, "s", &name) > 0)
      if (g_str_equal (name, "Inhibited"))
        {
          ask_inhibited (self);
          break;
        }
  return 0;
}

static int
on_owner_changed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  CkdDoNotDisturb *self = userdata;
  const char *name, *old_owner, *new_owner;

  if (sd_bus_message_read (m, "sss", &name, &old_owner, &new_owner) < 0)
    return 0;
  if (*new_owner != '\0')
    ask_inhibited (self);
  else
    set_server_inhibited (self, FALSE);
  return 0;
}

static void
follow_notification_server (CkdDoNotDisturb *self)
{
  int r;

  r = sd_bus_match_signal_async (self->bus, &self->properties_match, NOTIFICATIONS_NAME,
                                 NOTIFICATIONS_PATH, "org.freedesktop.DBus.Properties",
                                 "PropertiesChanged", on_properties_changed, NULL, self);
  if (r >= 0)
    r = sd_bus_add_match_async (self->bus, &self->owner_match,
                                "type='signal',sender='org.freedesktop.DBus',"
                                "path='/org/freedesktop/DBus',"
                                "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                "arg0='" NOTIFICATIONS_NAME "'",
                                on_owner_changed, NULL, self);
  if (r < 0)
    {
      g_message ("cannot follow the notification server's do not disturb: %s", g_strerror (-r));
      return;
    }
  ask_inhibited (self);
}

/* ---- the filter ---------------------------------------------------- */

/* What identifies a caller for the repeated-call exception: NULL for an
 * unknown caller, who can never be recognised as calling again. */
static char *
caller_key (const CkdCall *call)
{
  g_autofree char *digits = NULL;

  if (call->remote_handle.value == NULL || *call->remote_handle.value == '\0')
    return NULL;
  if (call->remote_handle.type == CKD_HANDLE_PHONE_NUMBER
      && (digits = phone_digits (call->remote_handle.value)) != NULL)
    return g_strconcat ("tel:", digits, NULL);
  return g_strconcat (ckd_handle_type_to_string (call->remote_handle.type), ":",
                      call->remote_handle.value, NULL);
}

static gboolean
called_recently (CkdDoNotDisturb *self, const char *key, gint64 now)
{
  gint64 window = (gint64) choices (self)->repeated_call_window_seconds * G_USEC_PER_SEC;
  gpointer at;

  return g_hash_table_lookup_extended (self->recent_callers, key, NULL, &at)
         && now - *(gint64 *) at <= window;
}

static void
remember_caller (CkdDoNotDisturb *self, char *key, gint64 now)
{
  gint64 window = (gint64) choices (self)->repeated_call_window_seconds * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer k, at;

  g_hash_table_iter_init (&iter, self->recent_callers);
  while (g_hash_table_iter_next (&iter, &k, &at))
    if (now - *(gint64 *) at > window)
      g_hash_table_iter_remove (&iter);
  /* Still full of callers within the window: the one of the oldest call
   * goes. */
  if (g_hash_table_size (self->recent_callers) >= CKD_MAX_DO_NOT_DISTURB_REMEMBERED_CALLERS
      && !g_hash_table_contains (self->recent_callers, key))
    {
      gpointer oldest = NULL;
      gint64 oldest_at = G_MAXINT64;

      g_hash_table_iter_init (&iter, self->recent_callers);
      while (g_hash_table_iter_next (&iter, &k, &at))
        if (*(gint64 *) at < oldest_at)
          {
            oldest = k;
            oldest_at = *(gint64 *) at;
          }
      g_hash_table_remove (self->recent_callers, oldest);
    }
  g_hash_table_replace (self->recent_callers, key, g_memdup2 (&now, sizeof now));
}

static CkdCallFilter
filter_call (const CkdCall *call, gpointer user_data)
{
  CkdDoNotDisturb *self = user_data;
  const CkdDoNotDisturbSettings *settings = choices (self);
  g_autofree char *key = NULL;
  gint64 now;

  if (!ckd_registry_get_do_not_disturb (self->registry))
    return CKD_CALL_FILTER_NONE;
  if (ckd_do_not_disturb_allow_list_has ((const char *const *) settings->allow_list,
                                         &call->remote_handle))
    {
      g_info ("call %s rings through do not disturb: the caller is on the allow list",
              call->uuid);
      return CKD_CALL_FILTER_NONE;
    }
  if (settings->allow_contacts && self->contact_check != NULL
      && self->contact_check (call, self->contact_check_data))
    {
      g_info ("call %s rings through do not disturb: the caller is a contact", call->uuid);
      return CKD_CALL_FILTER_NONE;
    }
  key = caller_key (call);
  now = g_get_monotonic_time ();
  if (settings->allow_repeated_calls && key != NULL && called_recently (self, key, now))
    {
      g_info ("call %s rings through do not disturb: the caller called again within %u s",
              call->uuid, settings->repeated_call_window_seconds);
      g_hash_table_remove (self->recent_callers, key);
      return CKD_CALL_FILTER_NONE;
    }
  if (key != NULL)
    remember_caller (self, g_steal_pointer (&key), now);
  self->kept++;
  g_info ("do not disturb kept call %s from the user (%u since callkitd started)", call->uuid,
          self->kept);
  return CKD_CALL_FILTER_DO_NOT_DISTURB;
}

/* ---- set-up -------------------------------------------------------- */

CkdDoNotDisturb *
ckd_do_not_disturb_new (CkdSession *session, sd_bus *bus, const char *state_dir)
{
  CkdDoNotDisturb *self = g_new0 (CkdDoNotDisturb, 1);

  self->session = g_object_ref (session);
  self->registry = g_object_ref (ckd_session_get_registry (session));
  self->settings = g_object_ref (ckd_session_get_settings (session));
  self->bus = bus != NULL ? sd_bus_ref (bus) : NULL;
  self->switch_path = g_build_filename (state_dir, SWITCH_FILE, NULL);
  self->recent_callers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->user_switch = read_switch (self->switch_path);
  follow_gnome (self);
  if (self->bus != NULL)
    follow_notification_server (self);
  self->settings_changed_id = g_signal_connect_swapped (self->settings, "changed",
                                                        G_CALLBACK (on_settings_changed), self);
  self->requested_id = g_signal_connect_swapped (session, "do-not-disturb-requested",
                                                 G_CALLBACK (on_requested), self);
  ckd_session_add_incoming_call_filter (session, filter_call, self);
  ckd_registry_set_capability (self->registry, CAPABILITY, TRUE);
  update (self);
  return self;
}

void
ckd_do_not_disturb_set_contact_check (CkdDoNotDisturb *self, CkdDoNotDisturbContactCheck check,
                                      gpointer user_data)
{
  self->contact_check = check;
  self->contact_check_data = user_data;
}

void
ckd_do_not_disturb_free (CkdDoNotDisturb *self)
{
  if (self == NULL)
    return;
  ckd_session_remove_incoming_call_filter (self->session, filter_call, self);
  g_clear_signal_handler (&self->requested_id, self->session);
  g_clear_signal_handler (&self->settings_changed_id, self->settings);
  if (self->gnome != NULL)
    g_signal_handlers_disconnect_by_data (self->gnome, self);
  g_clear_object (&self->gnome);
  self->properties_match = sd_bus_slot_unref (self->properties_match);
  self->owner_match = sd_bus_slot_unref (self->owner_match);
  self->inhibited_query = sd_bus_slot_unref (self->inhibited_query);
  ckd_registry_set_capability (self->registry, CAPABILITY, FALSE);
  g_hash_table_unref (self->recent_callers);
  g_free (self->switch_path);
  if (self->bus != NULL)
    sd_bus_unref (self->bus);
  g_object_unref (self->settings);
  g_object_unref (self->registry);
  g_object_unref (self->session);
  g_free (self);
}
