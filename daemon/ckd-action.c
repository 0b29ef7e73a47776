/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-action.h"
#include "ckd-call-group.h"
#include "ckd-dict.h"
#include "ckd-error.h"
#include "ckd-limits.h"

#define FIELD(key, member, kind, max) \
  { key, kind, G_STRUCT_OFFSET (CkdAction, member), 0, max, NULL }

static const CkdDictField action_fields[] = {
  FIELD ("type", type_name, CKD_FIELD_STRING, 0),
  FIELD ("call", call, CKD_FIELD_STRING, 0),
  FIELD ("handle", handle, CKD_FIELD_HANDLE, 0),
  FIELD ("video", video, CKD_FIELD_BOOLEAN, 0),
  FIELD ("contact_identifier", contact_identifier, CKD_FIELD_STRING, 0),
  FIELD ("provider", provider_path, CKD_FIELD_OBJECT_PATH, 0),
  FIELD ("on_hold", on_hold, CKD_FIELD_BOOLEAN, 0),
  FIELD ("muted", muted, CKD_FIELD_BOOLEAN, 0),
  FIELD ("group_with", group_with, CKD_FIELD_STRING, 0),
  FIELD ("digits", digits, CKD_FIELD_STRING, CKD_MAX_DTMF_DIGITS),
  FIELD ("dtmf_type", dtmf_type_name, CKD_FIELD_STRING, 0),
};

#define BIT(i) (G_GUINT64_CONSTANT (1) << (i))
enum
{
  KEY_TYPE,
  KEY_CALL,
  KEY_HANDLE,
  KEY_VIDEO,
  KEY_CONTACT_IDENTIFIER,
  KEY_PROVIDER,
  KEY_ON_HOLD,
  KEY_MUTED,
  KEY_GROUP_WITH,
  KEY_DIGITS,
  KEY_DTMF_TYPE,
};

/* Per type: the keys it requires and the keys it allows besides those. */
static const struct
{
  guint64 required;
  guint64 optional;
} type_keys[CKD_ACTION_N_TYPES] = {
  [CKD_ACTION_START_CALL] = { 0, BIT (KEY_HANDLE) | BIT (KEY_VIDEO) | BIT (KEY_CONTACT_IDENTIFIER)
                                     | BIT (KEY_PROVIDER) },
  [CKD_ACTION_ANSWER_CALL] = { 0, 0 },
  [CKD_ACTION_END_CALL] = { 0, 0 },
  [CKD_ACTION_SET_HELD] = { BIT (KEY_ON_HOLD), 0 },
  [CKD_ACTION_SET_MUTED] = { BIT (KEY_MUTED), 0 },
  [CKD_ACTION_SET_GROUP] = { BIT (KEY_GROUP_WITH), 0 },
  [CKD_ACTION_PLAY_DTMF] = { BIT (KEY_DIGITS), BIT (KEY_DTMF_TYPE) },
};

gboolean
ckd_dtmf_digits_validate (const char *digits, GError **error)
{
  if (*digits == '\0')
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "'digits' is empty");
      return FALSE;
    }
  if (strlen (digits) > CKD_MAX_DTMF_DIGITS)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "'digits' is longer than %d characters", CKD_MAX_DTMF_DIGITS);
      return FALSE;
    }
  for (const char *p = digits; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && strchr ("*#ABCDabcd", *p) == NULL)
      {
        g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                     "'digits' may hold only 0-9, *, # and A-D, not '%c' (0x%02x)",
                     g_ascii_isprint (*p) ? *p : '?', (guchar) *p);
        return FALSE;
      }
  return TRUE;
}

CkdAction *
ckd_action_new (CkdActionType type, const char *call_uuid)
{
  CkdAction *action = g_new0 (CkdAction, 1);

  action->type = type;
  action->call_uuid = g_strdup (call_uuid);
  action->handle.value = g_strdup ("");
  return action;
}

CkdAction *
ckd_action_parse (GVariant *dict, guint index, GError **error)
{
  g_autofree char *what = g_strdup_printf ("action %u", index);
  g_autoptr (CkdAction) action = ckd_action_new (CKD_ACTION_START_CALL, NULL);
  g_autoptr (GError) local_error = NULL;
  guint64 allowed;

  if (!ckd_dict_parse (dict, action_fields, G_N_ELEMENTS (action_fields), action,
                       &action->present, what, error))
    return NULL;

  if (!(action->present & BIT (KEY_TYPE)))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: 'type' is missing", what);
      return NULL;
    }
  if (!ckd_action_type_from_string (action->type_name, &action->type))
    {
      g_autofree char *shown = ckd_shorten (action->type_name);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: unknown type '%s', expected start-call, answer-call, end-call, "
                   "set-held, set-muted, set-group or play-dtmf",
                   what, shown);
      return NULL;
    }
  if (!(action->present & BIT (KEY_CALL)))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: 'call' is missing", what);
      return NULL;
    }

  allowed = BIT (KEY_TYPE) | BIT (KEY_CALL) | type_keys[action->type].required
            | type_keys[action->type].optional;
  for (guint i = 0; i < G_N_ELEMENTS (action_fields); i++)
    {
      if ((action->present & BIT (i)) && !(allowed & BIT (i)))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "%s: '%s' does not apply to %s", what, action_fields[i].key,
                       action->type_name);
          return NULL;
        }
      if ((type_keys[action->type].required & BIT (i)) && !(action->present & BIT (i)))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "%s: %s needs '%s'", what, action->type_name, action_fields[i].key);
          return NULL;
        }
    }

  action->call_uuid = ckd_uuid_normalize (action->call, &local_error);
  if (action->call_uuid == NULL)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: 'call': %s", what,
                   local_error->message);
      return NULL;
    }

  if (action->type == CKD_ACTION_SET_GROUP && *action->group_with != '\0')
    {
      char *group_with = ckd_uuid_normalize (action->group_with, &local_error);
      if (group_with == NULL)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: 'group_with': %s",
                       what, local_error->message);
          return NULL;
        }
      g_free (action->group_with);
      action->group_with = group_with;
    }

  if (action->type == CKD_ACTION_PLAY_DTMF)
    {
      if (!ckd_dtmf_digits_validate (action->digits, &local_error))
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "%s: %s", what,
                       local_error->message);
          return NULL;
        }
      {
        char *upper = g_ascii_strup (action->digits, -1);
        g_free (action->digits);
        action->digits = upper;
      }
      if (action->dtmf_type_name != NULL
          && !ckd_dtmf_type_from_string (action->dtmf_type_name, &action->dtmf_type))
        {
          g_autofree char *shown = ckd_shorten (action->dtmf_type_name);
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "%s: unknown dtmf_type '%s', expected single-tone, soft-pause or "
                       "hard-pause",
                       what, shown);
          return NULL;
        }
    }

  if (action->type == CKD_ACTION_START_CALL && action->provider_path != NULL
      && !g_variant_is_object_path (action->provider_path))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "%s: 'provider' is not an object path", what);
      return NULL;
    }

  return g_steal_pointer (&action);
}

void
ckd_action_free (CkdAction *action)
{
  if (action == NULL)
    return;
  ckd_dict_clear (action_fields, G_N_ELEMENTS (action_fields), action);
  g_clear_handle_id (&action->timeout_id, g_source_remove);
  g_free (action->id);
  g_free (action->call_uuid);
  g_free (action->reason);
  g_free (action);
}

GVariant *
ckd_action_build_parameters (const CkdAction *action, const char *transaction_id)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "transaction",
                         g_variant_new_string (transaction_id ? transaction_id : ""));
  g_variant_builder_add (&builder, "{sv}", "deadline", g_variant_new_int64 (action->deadline));

  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      g_variant_builder_add (&builder, "{sv}", "handle",
                             g_variant_new ("(ss)", ckd_handle_type_to_string (action->handle.type),
                                            action->handle.value ? action->handle.value : ""));
      g_variant_builder_add (&builder, "{sv}", "video", g_variant_new_boolean (action->video));
      g_variant_builder_add (&builder, "{sv}", "contact_identifier",
                             g_variant_new_string (action->contact_identifier
                                                     ? action->contact_identifier
                                                     : ""));
      break;
    case CKD_ACTION_END_CALL:
      g_variant_builder_add (&builder, "{sv}", "reason",
                             g_variant_new_string (ckd_ended_reason_to_string (action->end_reason)));
      break;
    case CKD_ACTION_SET_HELD:
      g_variant_builder_add (&builder, "{sv}", "on_hold", g_variant_new_boolean (action->on_hold));
      break;
    case CKD_ACTION_SET_MUTED:
      g_variant_builder_add (&builder, "{sv}", "muted", g_variant_new_boolean (action->muted));
      break;
    case CKD_ACTION_SET_GROUP:
      g_variant_builder_add (&builder, "{sv}", "group_with",
                             g_variant_new_string (action->group_with));
      break;
    case CKD_ACTION_PLAY_DTMF:
      g_variant_builder_add (&builder, "{sv}", "digits", g_variant_new_string (action->digits));
      g_variant_builder_add (&builder, "{sv}", "dtmf_type",
                             g_variant_new_string (ckd_dtmf_type_to_string (action->dtmf_type)));
      break;
    case CKD_ACTION_ANSWER_CALL:
    case CKD_ACTION_N_TYPES:
    default:
      break;
    }
  return g_variant_builder_end (&builder);
}

GVariant *
ckd_action_build_outcome (const CkdAction *action)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "action", g_variant_new_string (action->id));
  g_variant_builder_add (&builder, "{sv}", "type",
                         g_variant_new_string (ckd_action_type_to_string (action->type)));
  g_variant_builder_add (&builder, "{sv}", "call", g_variant_new_string (action->call_uuid));
  g_variant_builder_add (&builder, "{sv}", "result",
                         g_variant_new_string (ckd_outcome_to_string (action->outcome)));
  g_variant_builder_add (&builder, "{sv}", "reason",
                         g_variant_new_string (action->reason ? action->reason : ""));
  return g_variant_builder_end (&builder);
}

void
ckd_action_apply (const CkdAction *action, GPtrArray *calls, CkdCall *call, CkdCall *target,
                  gint64 date)
{
  if (call->state == CKD_CALL_STATE_ENDED)
    return;
  switch (action->type)
    {
    case CKD_ACTION_START_CALL:
      call->started = TRUE;
      break;
    case CKD_ACTION_ANSWER_CALL:
      if (call->state == CKD_CALL_STATE_RINGING)
        {
          call->ringing_deadline = 0;
          ckd_call_answer (call, date);
        }
      break;
    case CKD_ACTION_SET_HELD:
      ckd_call_group_set_held (calls, call, action->on_hold);
      break;
    case CKD_ACTION_SET_MUTED:
      call->muted = action->muted;
      break;
    case CKD_ACTION_SET_GROUP:
      if (*action->group_with == '\0')
        ckd_call_group_leave (calls, call);
      /* The target may have ended since the request: then there is
       * nothing left to merge with. */
      else if (target != NULL && target->provider == call->provider
               && target->state != CKD_CALL_STATE_ENDED)
        ckd_call_group_join (calls, call, target);
      break;
    case CKD_ACTION_END_CALL:
    case CKD_ACTION_PLAY_DTMF:
    case CKD_ACTION_N_TYPES:
    default:
      break;
    }
}
