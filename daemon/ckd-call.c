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
  return g_strconcat (CKD_CALL_PATH_PREFIX, escaped, NULL);
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
  g_warn_if_fail (call->queued_dtmf == NULL || g_queue_is_empty (call->queued_dtmf));
  g_clear_pointer (&call->queued_dtmf, g_queue_free);
  g_free (call->uuid);
  ckd_handle_clear (&call->remote_handle);
  g_free (call->localized_caller_name);
  g_free (call->group);
  ckd_call_picture_free (call->picture);
  g_clear_pointer (&call->pending_actions, g_ptr_array_unref);
  g_free (call);
}

void
ckd_call_set_picture (CkdCall *call, CkdCallPicture *picture)
{
  ckd_call_picture_free (call->picture);
  call->picture = picture;
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

gboolean
ckd_call_is_ringing_incoming (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_RINGING && !call->outgoing;
}

gboolean
ckd_call_is_missed (const CkdCall *call)
{
  return call->state == CKD_CALL_STATE_ENDED && !call->outgoing && call->connected_at == 0
         && (call->ended_reason == CKD_ENDED_REASON_UNANSWERED
             || call->ended_reason == CKD_ENDED_REASON_REMOTE_ENDED);
}

void
ckd_call_snapshot_take (CkdCallSnapshot *snapshot, const CkdCall *call)
{
  CkdCall *before = &snapshot->before;

  *before = *call;
  /* The strings may be freed by the change, the call by its end: keep
   * copies. */
  before->uuid = g_strdup (call->uuid);
  before->remote_handle.value = g_strdup (call->remote_handle.value);
  before->localized_caller_name = g_strdup (call->localized_caller_name);
  before->group = g_strdup (call->group);
  before->picture = ckd_call_picture_copy (call->picture);
}

CkdCallChanges
ckd_call_snapshot_finish (CkdCallSnapshot *snapshot, const CkdCall *call)
{
  CkdCall *before = &snapshot->before;
  CkdCallChanges changes = 0;

#define CHANGED(bit, cond)                                                  \
  G_STMT_START                                                              \
  {                                                                         \
    if (cond)                                                               \
      changes |= (bit);                                                     \
  }                                                                         \
  G_STMT_END
  CHANGED (CKD_CALL_CHANGED_REMOTE_HANDLE,
           before->remote_handle.type != call->remote_handle.type
             || g_strcmp0 (before->remote_handle.value, call->remote_handle.value) != 0);
  CHANGED (CKD_CALL_CHANGED_LOCALIZED_CALLER_NAME,
           g_strcmp0 (before->localized_caller_name, call->localized_caller_name) != 0);
  CHANGED (CKD_CALL_CHANGED_IS_ON_HOLD, ckd_call_is_on_hold (before) != ckd_call_is_on_hold (call));
  CHANGED (CKD_CALL_CHANGED_IS_MUTED, before->muted != call->muted);
  CHANGED (CKD_CALL_CHANGED_HAS_CONNECTED,
           ckd_call_has_connected (before) != ckd_call_has_connected (call));
  CHANGED (CKD_CALL_CHANGED_HAS_ENDED, (before->state == CKD_CALL_STATE_ENDED)
                                         != (call->state == CKD_CALL_STATE_ENDED));
  CHANGED (CKD_CALL_CHANGED_HAS_VIDEO, before->has_video != call->has_video);
  CHANGED (CKD_CALL_CHANGED_STATE, before->state != call->state);
  CHANGED (CKD_CALL_CHANGED_GROUP, g_strcmp0 (before->group, call->group) != 0);
  CHANGED (CKD_CALL_CHANGED_SUPPORTS_HOLDING, before->supports_holding != call->supports_holding);
  CHANGED (CKD_CALL_CHANGED_SUPPORTS_GROUPING,
           before->supports_grouping != call->supports_grouping);
  CHANGED (CKD_CALL_CHANGED_SUPPORTS_UNGROUPING,
           before->supports_ungrouping != call->supports_ungrouping);
  CHANGED (CKD_CALL_CHANGED_SUPPORTS_DTMF, before->supports_dtmf != call->supports_dtmf);
  CHANGED (CKD_CALL_CHANGED_CONNECTED_AT, before->connected_at != call->connected_at);
  CHANGED (CKD_CALL_CHANGED_ENDED_AT, before->ended_at != call->ended_at);
  CHANGED (CKD_CALL_CHANGED_ENDED_REASON, before->ended_reason != call->ended_reason);
  CHANGED (CKD_CALL_CHANGED_STARTED, before->started != call->started);
  CHANGED (CKD_CALL_CHANGED_SILENCED, before->silenced != call->silenced);
  CHANGED (CKD_CALL_CHANGED_PICTURE, !ckd_call_picture_equal (before->picture, call->picture));
#undef CHANGED

  ckd_call_snapshot_clear (snapshot);
  return changes;
}

void
ckd_call_snapshot_clear (CkdCallSnapshot *snapshot)
{
  CkdCall *before = &snapshot->before;

  g_clear_pointer (&before->uuid, g_free);
  g_clear_pointer (&before->remote_handle.value, g_free);
  g_clear_pointer (&before->localized_caller_name, g_free);
  g_clear_pointer (&before->group, g_free);
  g_clear_pointer (&before->picture, ckd_call_picture_free);
}
