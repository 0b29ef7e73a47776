/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-provider-config.h"
#include "ckd-sound-file.h"

static gboolean
check_handle_types (const char *what, const char *key, gconstpointer field, GError **error)
{
  char *const *types = *(char **const *) field;
  CkdHandleType type;

  if (types == NULL || types[0] == NULL)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' must name at least one handle type", what, key);
      return FALSE;
    }
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_autofree char *shown = ckd_shorten (types[i]);

      if (!ckd_handle_type_from_string (types[i], &type))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "%s: '%s' has unknown handle type '%s', expected generic, phone-number "
                       "or email-address",
                       what, key, shown);
          return FALSE;
        }
      /* Only three types exist, so this also bounds the list. */
      if (g_strv_contains ((const char *const *) types + i + 1, types[i]))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "%s: '%s' names the handle type '%s' twice", what, key, shown);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_desktop_entry (const char *what, const char *key, gconstpointer field, GError **error)
{
  const char *id = *(char *const *) field;

  if (strchr (id, '/') != NULL || g_str_has_suffix (id, ".desktop"))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' must be a desktop file id without path or .desktop suffix", what,
                   key);
      return FALSE;
    }
  return TRUE;
}

/* A path or a sound theme name. A path that names something callkitd
 * must not read as sound (a device, /proc/self/mem, a file over the size
 * limit) is refused now; whether a file that is not there yet plays, or
 * one that changed since, is found out when a call rings, falling back
 * to the theme's ringtone then. */
static gboolean
check_ringtone (const char *what, const char *key, gconstpointer field, GError **error)
{
  const char *ringtone = *(char *const *) field;
  g_autoptr (GError) file_error = NULL;

  if (strchr (ringtone, '/') != NULL && !g_path_is_absolute (ringtone))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' must be an absolute path of a sound file or the name of a sound "
                   "theme sound",
                   what, key);
      return FALSE;
    }
  if (g_path_is_absolute (ringtone)
      && !ckd_sound_file_check (ringtone, -1, &file_error)
      && !g_error_matches (file_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' must be a sound file: %s", what, key, file_error->message);
      return FALSE;
    }
  return TRUE;
}

#define FIELD(name, kind, ...) { #name, kind, G_STRUCT_OFFSET (CkdProviderConfig, name), __VA_ARGS__ }

static const CkdDictField config_fields[] = {
  FIELD (localized_name, CKD_FIELD_STRING, 0, 0, NULL),
  FIELD (icon_name, CKD_FIELD_STRING, 0, 0, NULL),
  FIELD (ringtone, CKD_FIELD_STRING, 0, CKD_MAX_PATH_LENGTH, check_ringtone),
  FIELD (desktop_entry, CKD_FIELD_STRING, 0, 0, check_desktop_entry),
  FIELD (maximum_call_groups, CKD_FIELD_UINT32, 1, 16, NULL),
  FIELD (maximum_calls_per_call_group, CKD_FIELD_UINT32, 1, 64, NULL),
  FIELD (supported_handle_types, CKD_FIELD_STRV, 0, 0, check_handle_types),
  FIELD (supports_video, CKD_FIELD_BOOLEAN, 0, 0, NULL),
  FIELD (includes_calls_in_recents, CKD_FIELD_BOOLEAN, 0, 0, NULL),
  FIELD (action_timeout_ms, CKD_FIELD_UINT32, 100, 600000, NULL),
  FIELD (ringing_timeout_ms, CKD_FIELD_UINT32, 1000, 3600000, NULL),
};

static void
config_init_defaults (CkdProviderConfig *config, guint32 default_ringing_timeout_ms)
{
  static const char *const all_handle_types[] = { "generic", "phone-number", "email-address",
                                                  NULL };

  *config = (CkdProviderConfig){
    .localized_name = g_strdup (""),
    .icon_name = g_strdup (""),
    .ringtone = g_strdup (""),
    .desktop_entry = g_strdup (""),
    .maximum_call_groups = CKD_DEFAULT_MAXIMUM_CALL_GROUPS,
    .maximum_calls_per_call_group = CKD_DEFAULT_MAXIMUM_CALLS_PER_CALL_GROUP,
    .supported_handle_types = g_strdupv ((char **) all_handle_types),
    .supports_video = FALSE,
    .includes_calls_in_recents = TRUE,
    .action_timeout_ms = CKD_DEFAULT_ACTION_TIMEOUT_MS,
    .ringing_timeout_ms = default_ringing_timeout_ms,
  };
}

gboolean
ckd_provider_config_parse (CkdProviderConfig *config, GVariant *dict,
                           guint32 default_ringing_timeout_ms, GError **error)
{
  CkdProviderConfig scratch;

  config_init_defaults (&scratch, default_ringing_timeout_ms);
  if (!ckd_dict_parse (dict, config_fields, G_N_ELEMENTS (config_fields), &scratch, NULL,
                       "configuration", error))
    {
      ckd_provider_config_clear (&scratch);
      return FALSE;
    }
  ckd_provider_config_clear (config);
  *config = scratch;
  return TRUE;
}

void
ckd_provider_config_clear (CkdProviderConfig *config)
{
  ckd_dict_clear (config_fields, G_N_ELEMENTS (config_fields), config);
}

GVariant *
ckd_provider_config_to_variant (const CkdProviderConfig *config)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  ckd_dict_build (config_fields, G_N_ELEMENTS (config_fields), config, &builder);
  return g_variant_builder_end (&builder);
}

gboolean
ckd_provider_config_supports_handle_type (const CkdProviderConfig *config, CkdHandleType type)
{
  return config->supported_handle_types != NULL
         && g_strv_contains ((const char *const *) config->supported_handle_types,
                             ckd_handle_type_to_string (type));
}
