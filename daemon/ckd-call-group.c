/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-call-group.h"

static const char *
group_key (const CkdCall *call)
{
  return call->group != NULL ? call->group : call->uuid;
}

GPtrArray *
ckd_call_group_members (GPtrArray *calls, CkdCall *call)
{
  GPtrArray *members = g_ptr_array_new ();

  if (call->group == NULL)
    {
      g_ptr_array_add (members, call);
      return members;
    }
  for (guint i = 0; i < calls->len; i++)
    {
      CkdCall *other = g_ptr_array_index (calls, i);
      if (g_strcmp0 (other->group, call->group) == 0)
        g_ptr_array_add (members, other);
    }
  return members;
}

static void
dissolve_if_single (GPtrArray *calls, const char *group)
{
  CkdCall *last = NULL;
  guint n = 0;

  if (group == NULL)
    return;
  for (guint i = 0; i < calls->len; i++)
    {
      CkdCall *other = g_ptr_array_index (calls, i);
      if (other->state != CKD_CALL_STATE_ENDED && g_strcmp0 (other->group, group) == 0)
        {
          last = other;
          n++;
        }
    }
  if (n == 1)
    g_clear_pointer (&last->group, g_free);
}

void
ckd_call_group_leave (GPtrArray *calls, CkdCall *call)
{
  g_autofree char *old_group = g_steal_pointer (&call->group);

  dissolve_if_single (calls, old_group);
}

void
ckd_call_group_join (GPtrArray *calls, CkdCall *call, CkdCall *target)
{
  g_autoptr (GPtrArray) members = NULL;
  gboolean active = call->state == CKD_CALL_STATE_ACTIVE;

  if (call->group != NULL && g_strcmp0 (call->group, target->group) == 0)
    return;

  ckd_call_group_leave (calls, call);
  if (target->group == NULL)
    target->group = g_uuid_string_random ();
  call->group = g_strdup (target->group);

  members = ckd_call_group_members (calls, target);
  for (guint i = 0; i < members->len && !active; i++)
    active = ((CkdCall *) g_ptr_array_index (members, i))->state == CKD_CALL_STATE_ACTIVE;
  if (active)
    for (guint i = 0; i < members->len; i++)
      ckd_call_set_held (g_ptr_array_index (members, i), FALSE);
}

void
ckd_call_group_set_held (GPtrArray *calls, CkdCall *call, gboolean on_hold)
{
  g_autoptr (GPtrArray) members = ckd_call_group_members (calls, call);

  for (guint i = 0; i < members->len; i++)
    ckd_call_set_held (g_ptr_array_index (members, i), on_hold);
}

void
ckd_call_group_forget_ended (GPtrArray *calls, CkdCall *call)
{
  g_autofree char *old_group = g_steal_pointer (&call->group);

  dissolve_if_single (calls, old_group);
}

void
ckd_call_group_collect (GPtrArray *calls, gboolean (*pred) (CkdCallState), GHashTable *keys,
                        GHashTable *skip, const CkdCall **example)
{
  for (guint i = 0; i < calls->len; i++)
    {
      const CkdCall *call = g_ptr_array_index (calls, i);
      if (!pred (call->state))
        continue;
      g_hash_table_add (keys, (gpointer) group_key (call));
      if (example != NULL && *example == NULL
          && (skip == NULL || !g_hash_table_contains (skip, call->uuid)))
        *example = call;
    }
}

CkdCall *
ckd_call_copy_for_simulation (const CkdCall *call)
{
  CkdCall *copy = g_new0 (CkdCall, 1);

  copy->uuid = g_strdup (call->uuid);
  copy->provider = call->provider;
  copy->group = g_strdup (call->group);
  copy->state = call->state;
  copy->outgoing = call->outgoing;
  copy->muted = call->muted;
  copy->has_video = call->has_video;
  copy->supports_holding = call->supports_holding;
  copy->supports_grouping = call->supports_grouping;
  copy->supports_ungrouping = call->supports_ungrouping;
  copy->supports_dtmf = call->supports_dtmf;
  copy->started = call->started;
  copy->connected_at = call->connected_at;
  return copy;
}
