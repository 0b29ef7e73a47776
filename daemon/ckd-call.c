/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "callkit-names.h"

#include "ckd-call.h"
#include "ckd-dict.h"
#include "ckd-error.h"

#define FIELD(name, kind) { #name, kind, G_STRUCT_OFFSET (CkdCallUpdate, name), 0, 0, NULL }

static const CkdDictField update_fields[] = {
  FIELD (remote_handle, CKD_FIELD_HANDLE),
  FIELD (localized_caller_name, CKD_FIELD_STRING),
  FIELD (supports_holding, CKD_FIELD_BOOLEAN),
  FIELD (supports_grouping, CKD_FIELD_BOOLEAN),
  FIELD (supports_ungrouping, CKD_FIELD_BOOLEAN),
  FIELD (supports_dtmf, CKD_FIELD_BOOLEAN),
  FIELD (has_video, CKD_FIELD_BOOLEAN),
};

enum
{
  UPDATE_REMOTE_HANDLE,
  UPDATE_LOCALIZED_CALLER_NAME,
  UPDATE_SUPPORTS_HOLDING,
  UPDATE_SUPPORTS_GROUPING,
  UPDATE_SUPPORTS_UNGROUPING,
  UPDATE_SUPPORTS_DTMF,
  UPDATE_HAS_VIDEO,
};

#define HAS(update, bit) (((update)->present & (G_GUINT64_CONSTANT (1) << (bit))) != 0)

gboolean
ckd_call_update_parse (CkdCallUpdate *update, GVariant *dict, GError **error)
{
  return ckd_dict_parse (dict, update_fields, G_N_ELEMENTS (update_fields), update,
                         &update->present, "update", error);
}

void
ckd_call_update_clear (CkdCallUpdate *update)
{
  ckd_dict_clear (update_fields, G_N_ELEMENTS (update_fields), update);
  update->present = 0;
}

char *
ckd_uuid_normalize (const char *s, GError **error)
{
  if (s == NULL || !g_uuid_string_is_valid (s))
    {
      g_autofree char *shown = ckd_shorten (s);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a UUID (expected 8-4-4-4-12 hex digits)", shown);
      return NULL;
    }
  return g_ascii_strdown (s, -1);
}

char *
ckd_call_path_for_uuid (const char *uuid)
{
  g_autofree char *escaped = g_strdup (uuid);

  g_strdelimit (escaped, "-", '_');
  return g_strconcat (CKD_OBJECT_ROOT "/call/", escaped, NULL);
}

CkdCall *
ckd_call_new (const char *uuid, CkdProvider *provider, gboolean outgoing, gint64 now)
{
  CkdCall *call = g_new0 (CkdCall, 1);

  call->uuid = g_strdup (uuid);
  call->provider = provider;
  call->remote_handle.value = g_strdup ("");
  call->localized_caller_name = g_strdup ("");
  call->outgoing = outgoing;
  call->state = outgoing ? CKD_CALL_STATE_DIALING : CKD_CALL_STATE_RINGING;
  call->created_at = now;
  /* Holding and DTMF are what nearly every call can do; grouping needs a
   * conference-capable app, so it is opt-in. */
  call->supports_holding = TRUE;
  call->supports_dtmf = TRUE;
  return call;
}

void
ckd_call_free (CkdCall *call)
{
  if (call == NULL)
    return;
  g_warn_if_fail (call->skeleton == NULL);
  g_free (call->uuid);
  ckd_handle_clear (&call->remote_handle);
  g_free (call->localized_caller_name);
  g_free (call->group);
  g_clear_pointer (&call->pending_actions, g_ptr_array_unref);
  g_free (call);
}

void
ckd_call_apply_update (CkdCall *call, const CkdCallUpdate *update)
{
  if (HAS (update, UPDATE_REMOTE_HANDLE))
    ckd_handle_copy (&call->remote_handle, &update->remote_handle);
  if (HAS (update, UPDATE_LOCALIZED_CALLER_NAME))
    {
      g_free (call->localized_caller_name);
      call->localized_caller_name = g_strdup (update->localized_caller_name);
    }
  if (HAS (update, UPDATE_SUPPORTS_HOLDING))
    call->supports_holding = update->supports_holding;
  if (HAS (update, UPDATE_SUPPORTS_GROUPING))
    call->supports_grouping = update->supports_grouping;
  if (HAS (update, UPDATE_SUPPORTS_UNGROUPING))
    call->supports_ungrouping = update->supports_ungrouping;
  if (HAS (update, UPDATE_SUPPORTS_DTMF))
    call->supports_dtmf = update->supports_dtmf;
  if (HAS (update, UPDATE_HAS_VIDEO))
    call->has_video = update->has_video;
}

gboolean
ckd_call_report_started_connecting (CkdCall *call, GError **error)
{
  if (!call->outgoing || call->state != CKD_CALL_STATE_DIALING)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION,
                   "call %s is %s %s: only a dialing outgoing call can start connecting",
                   call->uuid, call->outgoing ? "an outgoing call" : "an incoming call",
                   ckd_call_state_to_string (call->state));
      return FALSE;
    }
  call->state = CKD_CALL_STATE_CONNECTING;
  return TRUE;
}

gboolean
ckd_call_report_connected (CkdCall *call, gint64 at, GError **error)
{
  if (!call->outgoing || call->connected_at != 0
      || (call->state != CKD_CALL_STATE_DIALING && call->state != CKD_CALL_STATE_CONNECTING))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION,
                   "call %s is %s %s: only a dialing or connecting outgoing call can connect",
                   call->uuid, call->outgoing ? "an outgoing call" : "an incoming call",
                   ckd_call_state_to_string (call->state));
      return FALSE;
    }
  call->state = CKD_CALL_STATE_ACTIVE;
  call->connected_at = ckd_time_or_now (at);
  return TRUE;
}

void
ckd_call_answer (CkdCall *call, gint64 at)
{
  g_return_if_fail (call->state == CKD_CALL_STATE_RINGING);

  call->state = CKD_CALL_STATE_ACTIVE;
  call->connected_at = ckd_time_or_now (at);
}

void
ckd_call_set_held (CkdCall *call, gboolean on_hold)
{
  if (on_hold && call->state == CKD_CALL_STATE_ACTIVE)
    call->state = CKD_CALL_STATE_HELD;
  else if (!on_hold && call->state == CKD_CALL_STATE_HELD)
    call->state = CKD_CALL_STATE_ACTIVE;
}

void
ckd_call_end (CkdCall *call, CkdEndedReason reason, gint64 at)
{
  g_return_if_fail (call->state != CKD_CALL_STATE_ENDED);
  g_return_if_fail (reason != CKD_ENDED_REASON_NONE);

  call->state = CKD_CALL_STATE_ENDED;
  call->ended_reason = reason;
  call->ended_at = ckd_time_or_now (at);
}

CkdEndedReason
ckd_call_local_end_reason (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_RINGING ? CKD_ENDED_REASON_DECLINED
                                               : CKD_ENDED_REASON_HUNG_UP;
}

gboolean
ckd_call_is_on_hold (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_HELD;
}

gboolean
ckd_call_has_connected (const CkdCall *call)
{
  return call->connected_at != 0;
}
