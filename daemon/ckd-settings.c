/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-limits.h"
#include "ckd-settings.h"

/* ---- parsing (pure) ------------------------------------------------ */

typedef enum
{
  KEY_BOOLEAN, /* gboolean */
  KEY_UINT,    /* guint in [min, max] */
  KEY_STRV,    /* char **, NULL when empty; a list of up to max entries */
} KeyKind;

typedef struct
{
  const char *group;
  const char *key;
  KeyKind kind;
  gsize offset; /* of the value in CkdUserSettings */
  guint min, max;
} Key;

#define BOOLEAN_KEY(group, key, member) \
  { group, key, KEY_BOOLEAN, G_STRUCT_OFFSET (CkdUserSettings, member), 0, 0 }
#define UINT_KEY(group, key, member, min, max) \
  { group, key, KEY_UINT, G_STRUCT_OFFSET (CkdUserSettings, member), min, max }
#define STRV_KEY(group, key, member, max) \
  { group, key, KEY_STRV, G_STRUCT_OFFSET (CkdUserSettings, member), 0, max }

static const Key keys[] = {
  BOOLEAN_KEY ("Notifications", "ringing", notifications.ringing),
  BOOLEAN_KEY ("Notifications", "ongoing", notifications.ongoing),
  BOOLEAN_KEY ("Notifications", "missed", notifications.missed),
  BOOLEAN_KEY ("Notifications", "missed-persistent", notifications.missed_persistent),
  BOOLEAN_KEY ("Sounds", "ringtone", sounds.ringtone),
  BOOLEAN_KEY ("Sounds", "call-waiting", sounds.call_waiting),
  BOOLEAN_KEY ("History", "keep", history.keep),
  UINT_KEY ("History", "max-entries", history.max_entries, 1, CKD_HISTORY_MAX_MAX_ENTRIES),
  UINT_KEY ("History", "max-age-days", history.max_age_days, 0, CKD_HISTORY_MAX_MAX_AGE_DAYS),
  BOOLEAN_KEY ("Push", "unifiedpush", push.unifiedpush),
  UINT_KEY ("Push", "stale-after-seconds", push.stale_after_seconds, 1, 86400),
  UINT_KEY ("Push", "report-deadline-ms", push.report_deadline_ms, 100, 600000),
  UINT_KEY ("Push", "violations-before-throttle", push.violations_before_throttle, 1, 1000),
  UINT_KEY ("Push", "throttle-seconds", push.throttle_seconds, 1, 86400),
  UINT_KEY ("Push", "activation-timeout-ms", push.activation_timeout_ms, 100, 600000),
  BOOLEAN_KEY ("DoNotDisturb", "enabled", do_not_disturb.enabled),
  BOOLEAN_KEY ("DoNotDisturb", "follow-desktop", do_not_disturb.follow_desktop),
  STRV_KEY ("DoNotDisturb", "allow-list", do_not_disturb.allow_list,
            CKD_MAX_DO_NOT_DISTURB_ALLOW_LIST),
  BOOLEAN_KEY ("DoNotDisturb", "allow-repeated-calls", do_not_disturb.allow_repeated_calls),
  UINT_KEY ("DoNotDisturb", "repeated-call-window-seconds",
            do_not_disturb.repeated_call_window_seconds, 10,
            CKD_DO_NOT_DISTURB_MAX_REPEATED_CALL_WINDOW_SECONDS),
  BOOLEAN_KEY ("DoNotDisturb", "allow-contacts", do_not_disturb.allow_contacts),
  BOOLEAN_KEY ("MediaKeys", "enabled", media_keys.enabled),
  BOOLEAN_KEY ("MediaKeys", "pause-mutes", media_keys.pause_mutes),
};

void
ckd_user_settings_init (CkdUserSettings *settings)
{
  *settings = (CkdUserSettings) {
    .notifications = {
      .ringing = TRUE,
      .ongoing = TRUE,
      .missed = TRUE,
      .missed_persistent = TRUE,
    },
    .sounds = {
      .ringtone = TRUE,
      .call_waiting = TRUE,
    },
    .history = {
      .keep = TRUE,
      .max_entries = CKD_HISTORY_DEFAULT_MAX_ENTRIES,
      .max_age_days = CKD_HISTORY_DEFAULT_MAX_AGE_DAYS,
    },
    .push = {
      .stale_after_seconds = CKD_DEFAULT_PUSH_STALE_AFTER_SECONDS,
      .report_deadline_ms = CKD_DEFAULT_PUSH_REPORT_DEADLINE_MS,
      .violations_before_throttle = CKD_DEFAULT_PUSH_VIOLATIONS_BEFORE_THROTTLE,
      .throttle_seconds = CKD_DEFAULT_PUSH_THROTTLE_SECONDS,
      .activation_timeout_ms = CKD_DEFAULT_PUSH_ACTIVATION_TIMEOUT_MS,
      .unifiedpush = TRUE,
    },
    .do_not_disturb = {
      .enabled = FALSE,
      .follow_desktop = TRUE,
      .allow_list = NULL,
      .allow_repeated_calls = TRUE,
      .repeated_call_window_seconds = CKD_DO_NOT_DISTURB_DEFAULT_REPEATED_CALL_WINDOW_SECONDS,
      .allow_contacts = TRUE,
    },
    .media_keys = {
      .enabled = TRUE,
      .pause_mutes = FALSE,
    },
  };
}

void
ckd_user_settings_clear (CkdUserSettings *settings)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i].kind == KEY_STRV)
      g_clear_pointer (&G_STRUCT_MEMBER (char **, settings, keys[i].offset), g_strfreev);
}

static gboolean
strv_equal (char **a, char **b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal ((const char *const *) a, (const char *const *) b);
}

gboolean
ckd_user_settings_equal (const CkdUserSettings *a, const CkdUserSettings *b)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if ((keys[i].kind == KEY_BOOLEAN
         && G_STRUCT_MEMBER (gboolean, a, keys[i].offset)
              != G_STRUCT_MEMBER (gboolean, b, keys[i].offset))
        || (keys[i].kind == KEY_UINT
            && G_STRUCT_MEMBER (guint, a, keys[i].offset)
                 != G_STRUCT_MEMBER (guint, b, keys[i].offset))
        || (keys[i].kind == KEY_STRV
            && !strv_equal (G_STRUCT_MEMBER (char **, a, keys[i].offset),
                            G_STRUCT_MEMBER (char **, b, keys[i].offset))))
      return FALSE;
  return TRUE;
}

static const Key *
find_key (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group) && g_str_equal (keys[i].key, key))
      return &keys[i];
  return NULL;
}

static gboolean
is_known_group (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group))
      return TRUE;
  return FALSE;
}

/* Stores @key's value from @key_file in @settings, or says what is wrong
 * with it (with the value as written). */
static char *
apply_key (CkdUserSettings *settings, const Key *key, GKeyFile *key_file)
{
  g_autofree char *raw = g_key_file_get_value (key_file, key->group, key->key, NULL);
  g_autoptr (GError) error = NULL;

  if (key->kind == KEY_BOOLEAN)
    {
      gboolean value = g_key_file_get_boolean (key_file, key->group, key->key, &error);

      if (error != NULL)
        return g_strdup_printf ("\"%s\" is not true or false", raw ? raw : "");
      G_STRUCT_MEMBER (gboolean, settings, key->offset) = value;
    }
  else if (key->kind == KEY_STRV)
    {
      g_auto (GStrv) list = g_key_file_get_string_list (key_file, key->group, key->key, NULL,
                                                        NULL);
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      guint n = 0;

      for (guint i = 0; list != NULL && list[i] != NULL; i++)
        {
          const char *entry = g_strstrip (list[i]);

          if (*entry == '\0')
            continue;
          if (strlen (entry) > CKD_MAX_STRING_LENGTH)
            return g_strdup_printf ("entry %u is longer than %d bytes", i + 1,
                                    CKD_MAX_STRING_LENGTH);
          if (++n > key->max)
            return g_strdup_printf ("more than %u entries", key->max);
          g_strv_builder_add (builder, entry);
        }
      g_clear_pointer (&G_STRUCT_MEMBER (char **, settings, key->offset), g_strfreev);
      if (n > 0)
        G_STRUCT_MEMBER (char **, settings, key->offset) = g_strv_builder_end (builder);
    }
  else
    {
      guint64 value;

      if (raw == NULL
          || !g_ascii_string_to_unsigned (g_strstrip (raw), 10, key->min, key->max, &value,
                                          NULL))
        return g_strdup_printf ("\"%s\" is not a whole number from %u to %u", raw ? raw : "",
                                key->min, key->max);
      G_STRUCT_MEMBER (guint, settings, key->offset) = (guint) value;
    }
  return NULL;
}

void
ckd_user_settings_apply (CkdUserSettings *settings, GKeyFile *key_file, const char *path,
                         GPtrArray *problems)
{
  g_auto (GStrv) groups = g_key_file_get_groups (key_file, NULL);

  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) names = NULL;

      if (!is_known_group (groups[g]))
        continue;
      names = g_key_file_get_keys (key_file, groups[g], NULL, NULL);
      for (guint k = 0; names != NULL && names[k] != NULL; k++)
        {
          const Key *known = find_key (groups[g], names[k]);
          g_autofree char *problem = NULL;

          /* Translated keys (key[de]=) mean nothing here. */
          if (strchr (names[k], '[') != NULL)
            continue;
          if (known == NULL)
            {
              g_ptr_array_add (problems, g_strdup_printf ("%s: [%s] %s: unknown key, ignored",
                                                          path, groups[g], names[k]));
              continue;
            }
          problem = apply_key (settings, known, key_file);
          if (problem != NULL)
            g_ptr_array_add (problems, g_strdup_printf ("%s: [%s] %s: %s, default used", path,
                                                        groups[g], names[k], problem));
        }
    }
}

GStrv
ckd_user_settings_paths (void)
{
  const char *const *system_dirs = g_get_system_config_dirs ();
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = g_strv_length ((char **) system_dirs);
  g_autofree char *user_path = NULL;

  /* XDG_CONFIG_DIRS lists the most important directory first. */
  for (guint i = n; i > 0; i--)
    {
      g_autofree char *path =
        g_build_filename (system_dirs[i - 1], "callkitd", CKD_SETTINGS_FILE_NAME, NULL);
      g_strv_builder_add (builder, path);
    }
  user_path = g_build_filename (g_get_user_config_dir (), "callkitd", CKD_SETTINGS_FILE_NAME,
                                NULL);
  g_strv_builder_add (builder, user_path);
  return g_strv_builder_end (builder);
}

void
ckd_user_settings_apply_options (CkdUserSettings *settings, const CkdOptions *options)
{
  if (options->no_ringing_notifications)
    settings->notifications.ringing = FALSE;
  if (options->no_ongoing_notifications)
    settings->notifications.ongoing = FALSE;
  if (options->no_missed_call_notifications)
    settings->notifications.missed = FALSE;
  if (options->transient_missed_calls)
    settings->notifications.missed_persistent = FALSE;
  if (options->no_ringtone)
    settings->sounds.ringtone = FALSE;
  if (options->no_history)
    settings->history.keep = FALSE;
}

/* ---- the files and their monitors ---------------------------------- */

struct _CkdSettings
{
  GObject parent_instance;
  CkdOptions options;
  GStrv paths;
  GPtrArray *monitors; /* GFileMonitor *, one per path */
  CkdUserSettings settings;
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CkdSettings, ckd_settings, G_TYPE_OBJECT)

static void
load (CkdSettings *self, CkdUserSettings *out)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  ckd_user_settings_init (out);
  for (guint i = 0; self->paths != NULL && self->paths[i] != NULL; i++)
    {
      g_autoptr (GKeyFile) key_file = g_key_file_new ();
      g_autoptr (GError) error = NULL;

      if (!g_key_file_load_from_file (key_file, self->paths[i], G_KEY_FILE_NONE, &error))
        {
          if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            g_ptr_array_add (problems, g_strdup_printf ("%s: %s, file ignored", self->paths[i],
                                                        error->message));
          continue;
        }
      g_debug ("reading settings from %s", self->paths[i]);
      ckd_user_settings_apply (out, key_file, self->paths[i], problems);
    }
  for (guint i = 0; i < problems->len; i++)
    g_warning ("%s", (const char *) g_ptr_array_index (problems, i));
  ckd_user_settings_apply_options (out, &self->options);
}

static void
on_file_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                 gpointer user_data)
{
  CkdSettings *self = user_data;
  CkdUserSettings settings;

  /* CHANGED comes while the file is still being written; CHANGES_DONE_HINT
   * follows once it is closed. */
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED:
    case G_FILE_MONITOR_EVENT_RENAMED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      break;
    default:
      return;
    }
  load (self, &settings);
  if (ckd_user_settings_equal (&settings, &self->settings))
    {
      ckd_user_settings_clear (&settings);
      return;
    }
  ckd_user_settings_clear (&self->settings);
  self->settings = settings;
  g_message ("settings changed");
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
ckd_settings_finalize (GObject *object)
{
  CkdSettings *self = CKD_SETTINGS (object);

  for (guint i = 0; i < self->monitors->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->monitors, i), self);
  g_ptr_array_unref (self->monitors);
  g_strfreev (self->paths);
  ckd_user_settings_clear (&self->settings);
  G_OBJECT_CLASS (ckd_settings_parent_class)->finalize (object);
}

static void
ckd_settings_class_init (CkdSettingsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ckd_settings_finalize;
  /* The settings differ from what ckd_settings_get() said before. */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
}

static void
ckd_settings_init (CkdSettings *self)
{
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
  ckd_user_settings_init (&self->settings);
}

CkdSettings *
ckd_settings_new (const CkdOptions *options, const char *const *paths)
{
  CkdSettings *self = g_object_new (CKD_TYPE_SETTINGS, NULL);

  self->options = *options;
  self->paths = g_strdupv ((char **) paths);
  for (guint i = 0; self->paths != NULL && self->paths[i] != NULL; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_path (self->paths[i]);
      g_autoptr (GError) error = NULL;
      /* WATCH_MOVES: an editor that saves by renaming a new file over the
       * old one is seen as such. The file need not exist yet. */
      GFileMonitor *monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL,
                                                   &error);

      if (monitor == NULL)
        {
          g_message ("cannot watch %s for changes: %s", self->paths[i], error->message);
          continue;
        }
      g_signal_connect (monitor, "changed", G_CALLBACK (on_file_changed), self);
      g_ptr_array_add (self->monitors, monitor);
    }
  ckd_user_settings_clear (&self->settings);
  load (self, &self->settings);
  return self;
}

const CkdUserSettings *
ckd_settings_get (CkdSettings *self)
{
  return &self->settings;
}

const CkdOptions *
ckd_settings_get_options (CkdSettings *self)
{
  return &self->options;
}
