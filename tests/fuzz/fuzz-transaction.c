/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RequestTransaction's actions (aa{sv}, ckd_action_parse) validated and
 * planned against a session of live calls (ckd_transaction_plan):
 * validation changes no call, and what the plan accepts is valid as a
 * whole.
 *
 * Input: one byte of provider settings, one byte giving the number of
 * calls (at most 8), a byte per call (provider, state, capabilities),
 * a byte per call naming the call whose group it joins, then the
 * actions as a serialized aa{sv}. Calls have the UUIDs below, which
 * the dictionary lists. */
#include "config.h"

#include "ckd-call-group.h"
#include "ckd-transaction.h"
#include "fuzz-common.h"

#define MAX_CALLS 8

static const char *const uuids[MAX_CALLS] = {
  "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001", "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002",
  "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a003", "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a004",
  "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a005", "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a006",
  "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a007", "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a008",
};

typedef struct
{
  CkdProvider *providers[2];
  GHashTable *live_calls;
  CkdRecentSet *ended;
} World;

static CkdProvider *
new_provider (guint id, guint8 bits)
{
  CkdProviderConfig config = { 0 };
  g_autoptr (GVariant) dict = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "maximum_call_groups",
                         g_variant_new_uint32 (1 + (bits & 3)));
  g_variant_builder_add (&builder, "{sv}", "maximum_calls_per_call_group",
                         g_variant_new_uint32 (1 + ((bits >> 2) & 3)));
  g_variant_builder_add (&builder, "{sv}", "supports_video",
                         g_variant_new_boolean ((bits >> 4) & 1));
  if ((bits >> 5) & 1)
    {
      const char *phone[] = { "phone-number", NULL };
      g_variant_builder_add (&builder, "{sv}", "supported_handle_types",
                             g_variant_new_strv (phone, -1));
    }
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));
  g_assert (ckd_provider_config_parse (&config, dict, 30000, NULL));
  return ckd_provider_new (id, ":1.1", NULL, &config, 0);
}

static void
world_init (World *world, CkdFuzzInput *input)
{
  guint8 provider_bits = ckd_fuzz_take_byte (input);
  guint n_calls = ckd_fuzz_take_byte (input) % (MAX_CALLS + 1);
  CkdCall *calls[MAX_CALLS];

  world->providers[0] = new_provider (1, provider_bits & 0x0f);
  world->providers[1] = new_provider (2, provider_bits >> 4);
  world->live_calls = g_hash_table_new (g_str_hash, g_str_equal);
  world->ended = ckd_recent_set_new (16);
  /* A UUID the transaction may not reuse. */
  ckd_recent_set_add (world->ended, "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a0ff");

  for (guint i = 0; i < n_calls; i++)
    {
      guint8 bits = ckd_fuzz_take_byte (input);
      CkdProvider *provider = world->providers[bits & 1];
      guint state = (bits >> 1) & 3; /* ringing, dialing, active, held */
      CkdCall *call = ckd_call_new (uuids[i], provider, state == 1, 1);

      if (state >= 2)
        ckd_call_answer (call, 1);
      if (state == 3)
        ckd_call_set_held (call, TRUE);
      call->supports_holding = (bits >> 3) & 1;
      call->supports_grouping = (bits >> 4) & 1;
      call->supports_ungrouping = (bits >> 5) & 1;
      call->supports_dtmf = (bits >> 6) & 1;
      call->muted = (bits >> 7) & 1;
      ckd_provider_add_call (provider, call);
      g_hash_table_insert (world->live_calls, call->uuid, call);
      calls[i] = call;
    }
  /* Groups as fulfilled set-group actions leave them. */
  for (guint i = 0; i < n_calls; i++)
    {
      guint8 with = ckd_fuzz_take_byte (input);
      CkdCall *target;

      if (with >= n_calls || with == i)
        continue;
      target = calls[with];
      if (target->provider == calls[i]->provider && ckd_call_has_connected (calls[i])
          && ckd_call_has_connected (target))
        ckd_call_group_join (calls[i]->provider->calls, calls[i], target);
    }
}

static void
world_clear (World *world)
{
  for (guint p = 0; p < G_N_ELEMENTS (world->providers); p++)
    {
      CkdProvider *provider = world->providers[p];
      for (guint i = 0; i < provider->calls->len; i++)
        ckd_call_free (g_ptr_array_index (provider->calls, i));
      g_ptr_array_set_size (provider->calls, 0);
      ckd_provider_free (provider);
    }
  g_hash_table_destroy (world->live_calls);
  ckd_recent_set_free (world->ended);
}

/* Everything about the live calls that validation could change. */
static char *
describe_calls (World *world)
{
  GString *s = g_string_new (NULL);

  for (guint p = 0; p < G_N_ELEMENTS (world->providers); p++)
    {
      CkdProvider *provider = world->providers[p];
      for (guint i = 0; i < provider->calls->len; i++)
        {
          const CkdCall *call = g_ptr_array_index (provider->calls, i);
          g_string_append_printf (s, "%s %d %s %d %d %d %" G_GINT64_FORMAT ";", call->uuid,
                                  call->state, call->group ? call->group : "-", call->muted,
                                  call->ended_reason, call->started, call->connected_at);
        }
      g_string_append_printf (s, "pending %u|", provider->n_pending_actions);
    }
  return g_string_free (s, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GVariant) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  World world;
  CkdTransactionScope scope;
  gboolean planned;

  ckd_fuzz_init ();
  world_init (&world, &input);
  list = ckd_fuzz_variant (input.data, input.size, "aa{sv}");
  for (gsize i = 0; i < g_variant_n_children (list) && i < 64; i++)
    {
      g_autoptr (GVariant) dict = g_variant_get_child_value (list, i);
      CkdAction *action = ckd_action_parse (dict, (guint) i, &error);

      if (action == NULL)
        {
          world_clear (&world);
          return 0;
        }
      if (action->type == CKD_ACTION_START_CALL)
        action->provider = world.providers[action->provider_path != NULL
                                           && g_str_has_suffix (action->provider_path, "2")];
      g_ptr_array_add (actions, action);
    }

  scope = (CkdTransactionScope) { world.live_calls, world.ended, NULL, NULL };
  before = describe_calls (&world);
  planned = ckd_transaction_plan (actions, &scope, &error);
  after = describe_calls (&world);
  if (g_strcmp0 (before, after) != 0)
    g_error ("planning changed the calls:\n%s\n%s", before, after);
  if (planned)
    {
      /* The plan (with the holds it added) is valid as it stands. */
      if (!ckd_transaction_validate (actions, &scope, &error))
        g_error ("a planned transaction is invalid: %s", error->message);
    }
  else
    g_assert (error != NULL);

  g_clear_pointer (&actions, g_ptr_array_unref);
  world_clear (&world);
  return 0;
}
