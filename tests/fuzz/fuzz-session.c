/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The session (ckd-session.c) driven as its clients drive it over the
 * bus: providers register, report calls and fulfil or fail actions;
 * clients request transactions and silence ringing; connections vanish;
 * a filter (the block list, do not disturb) keeps calls from the user.
 * Each step's arguments come from the input, dictionaries as serialized
 * GVariants, so that every report and request parser is reached in every
 * state the others leave. After each step the registry must be
 * consistent: every live call is found by its UUID and among its
 * provider's calls, every provider by its id.
 *
 * Input: steps, each an opcode byte, a few argument bytes and, for the
 * steps that take a dictionary, a length byte and that many bytes. */
#include "config.h"

#include "ckd-call-group.h"
#include "ckd-session.h"
#include "fuzz-common.h"

#define N_UUIDS 6
#define MAX_STEPS 64

static const char *const uuids[N_UUIDS] = {
  "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001", "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002",
  "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a003", "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a004",
  "0B4BB8B6-7F0C-4D7E-9D6B-4F1C55D0A005", "not-a-uuid",
};

static const char *const end_reasons[] = {
  "failed", "remote-ended", "unanswered", "answered-elsewhere", "declined-elsewhere",
  "hung-up", "declined", "", "bogus",
};

typedef struct
{
  CkdSession *session;
  CkdRegistry *registry;
  CkdSettings *settings;
  CkdCaller *callers[3]; /* two apps and a sandboxed one */
  GPtrArray *action_ids; /* char *: every action performed */
  guint provider_ids[4]; /* registered so far; 0: none */
  CkdCallFilter filter;  /* what the incoming-call filter decides */
} Fuzz;

static CkdCallFilter
filter_incoming (const CkdCall *call, gpointer user_data)
{
  Fuzz *f = user_data;

  return f->filter;
}

static void
on_perform_action (CkdSession *session, CkdAction *action, Fuzz *f)
{
  g_ptr_array_add (f->action_ids, g_strdup (action->id));
}

static CkdProvider *
take_provider (Fuzz *f, CkdFuzzInput *input)
{
  guint id = f->provider_ids[ckd_fuzz_take_byte (input) % G_N_ELEMENTS (f->provider_ids)];

  return id != 0 ? ckd_registry_lookup_provider (f->registry, id) : NULL;
}

static const char *
take_uuid (CkdFuzzInput *input)
{
  return uuids[ckd_fuzz_take_byte (input) % N_UUIDS];
}

static GVariant *
take_variant (CkdFuzzInput *input, const char *type)
{
  size_t got;
  const uint8_t *bytes = ckd_fuzz_take_bytes (input, ckd_fuzz_take_byte (input), &got);

  return ckd_fuzz_variant (bytes, got, type);
}

static gint64
take_time (CkdFuzzInput *input)
{
  guint8 kind = ckd_fuzz_take_byte (input);

  switch (kind % 4)
    {
    case 0:
      return 0;
    case 1:
      return -1;
    case 2:
      return G_MAXINT64 - kind;
    default:
      return g_get_real_time () - kind * G_USEC_PER_SEC;
    }
}

static void
check_registry (Fuzz *f)
{
  GHashTable *providers = ckd_registry_get_providers (f->registry);
  GHashTable *calls = ckd_registry_get_calls (f->registry);
  GHashTableIter iter;
  CkdProvider *provider;
  CkdCall *call;
  guint n_calls = 0;

  g_hash_table_iter_init (&iter, providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    {
      g_assert (ckd_registry_lookup_provider (f->registry, provider->id) == provider);
      for (guint i = 0; i < provider->calls->len; i++)
        {
          call = g_ptr_array_index (provider->calls, i);
          g_assert (call->provider == provider);
          g_assert (ckd_registry_lookup_call (f->registry, call->uuid) == call);
          g_assert (call->state != CKD_CALL_STATE_ENDED);
          /* A group of one is no group. */
          if (call->group != NULL)
            {
              g_autoptr (GPtrArray) members = ckd_call_group_members (provider->calls, call);
              g_assert_cmpuint (members->len, >=, 2);
            }
        }
      n_calls += provider->calls->len;
    }
  g_assert_cmpuint (n_calls, ==, g_hash_table_size (calls));
  g_hash_table_iter_init (&iter, calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    g_assert (ckd_registry_lookup_provider (f->registry, call->provider->id) == call->provider);
}

static void
step (Fuzz *f, CkdFuzzInput *input)
{
  guint8 op = ckd_fuzz_take_byte (input);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) dict = NULL;
  CkdProvider *provider;
  const char *uuid;

  switch (op % 16)
    {
    case 0: /* RegisterProvider */
      {
        CkdCaller *owner = f->callers[ckd_fuzz_take_byte (input) % G_N_ELEMENTS (f->callers)];
        guint slot = ckd_fuzz_take_byte (input) % G_N_ELEMENTS (f->provider_ids);

        dict = take_variant (input, "a{sv}");
        provider = ckd_session_register_provider (f->session, owner, dict, &error);
        if (provider != NULL)
          f->provider_ids[slot] = provider->id;
        break;
      }
    case 1: /* SetConfiguration */
      provider = take_provider (f, input);
      dict = take_variant (input, "a{sv}");
      if (provider != NULL)
        ckd_session_set_configuration (f->session, provider, dict, &error);
      break;
    case 2: /* ReportNewIncomingCall */
      provider = take_provider (f, input);
      uuid = take_uuid (input);
      dict = take_variant (input, "a{sv}");
      if (provider != NULL)
        ckd_session_report_new_incoming_call (f->session, provider, uuid, dict, &error);
      break;
    case 3: /* ReportCallUpdated */
      provider = take_provider (f, input);
      uuid = take_uuid (input);
      dict = take_variant (input, "a{sv}");
      if (provider != NULL)
        ckd_session_report_call_updated (f->session, provider, uuid, dict, &error);
      break;
    case 4: /* ReportCallEnded */
      {
        const char *reason;
        gint64 at;

        provider = take_provider (f, input);
        uuid = take_uuid (input);
        reason = end_reasons[ckd_fuzz_take_byte (input) % G_N_ELEMENTS (end_reasons)];
        at = take_time (input);
        if (provider != NULL)
          ckd_session_report_call_ended (f->session, provider, uuid, reason, at, &error);
        break;
      }
    case 5: /* ReportOutgoingCallStartedConnecting */
      provider = take_provider (f, input);
      uuid = take_uuid (input);
      if (provider != NULL)
        ckd_session_report_outgoing_started_connecting (f->session, provider, uuid,
                                                        take_time (input), &error);
      break;
    case 6: /* ReportOutgoingCallConnected */
      provider = take_provider (f, input);
      uuid = take_uuid (input);
      if (provider != NULL)
        ckd_session_report_outgoing_connected (f->session, provider, uuid, take_time (input),
                                               &error);
      break;
    case 7: /* RequestTransaction */
      {
        guint8 who = ckd_fuzz_take_byte (input);
        const CkdCaller *requester = who < 64 ? NULL : f->callers[who % G_N_ELEMENTS (f->callers)];
        g_autoptr (GVariant) list = take_variant (input, "aa{sv}");
        GPtrArray *actions = ckd_session_parse_actions (list, &error);

        if (actions != NULL)
          ckd_session_request_transaction (f->session, requester, actions, NULL, NULL, NULL,
                                           &error);
        break;
      }
    case 8: /* FulfillAction */
    case 9: /* FailAction */
      {
        guint8 which = ckd_fuzz_take_byte (input);
        const char *id;

        provider = take_provider (f, input);
        dict = take_variant (input, "a{sv}");
        if (provider == NULL || f->action_ids->len == 0)
          break;
        id = g_ptr_array_index (f->action_ids, which % f->action_ids->len);
        if (op % 16 == 8)
          ckd_session_fulfill_action (f->session, provider, id, dict, &error);
        else
          ckd_session_fail_action (f->session, provider, id, "busy", &error);
        break;
      }
    case 10: /* Invalidate */
      provider = take_provider (f, input);
      if (provider != NULL)
        ckd_session_reset_provider (f->session, provider, "fuzz");
      break;
    case 11: /* Unregister */
      provider = take_provider (f, input);
      if (provider != NULL)
        ckd_session_remove_provider (f->session, provider, "unregistered");
      break;
    case 12: /* a connection leaves the bus */
      {
        guint8 which = ckd_fuzz_take_byte (input);
        ckd_session_owner_vanished (f->session,
                                    f->callers[which % G_N_ELEMENTS (f->callers)]->name);
        break;
      }
    case 13: /* SilenceRinging */
      {
        guint8 which = ckd_fuzz_take_byte (input);
        ckd_session_silence_ringing (f->session, f->callers[which % G_N_ELEMENTS (f->callers)],
                                     (which & 0x80) ? NULL : take_uuid (input));
        break;
      }
    case 14: /* a push's call must never ring; a filter keeps calls from the user */
      {
        static const CkdCallFilter filters[] = { CKD_CALL_FILTER_NONE,
                                                 CKD_CALL_FILTER_BLOCK_LIST,
                                                 CKD_CALL_FILTER_DO_NOT_DISTURB };
        guint8 which = ckd_fuzz_take_byte (input);

        if (which & 1)
          ckd_session_refuse_call (f->session, take_uuid (input));
        else if (which & 2)
          f->filter = filters[(which >> 2) % G_N_ELEMENTS (filters)];
        else
          {
            provider = take_provider (f, input);
            uuid = take_uuid (input);
            dict = take_variant (input, "a{sv}");
            if (provider != NULL)
              ckd_session_record_filtered_call (f->session, provider, uuid, dict,
                                                CKD_CALL_FILTER_BLOCK_LIST, &error);
          }
        break;
      }
    default: /* time passes for whatever is due now */
      g_main_context_iteration (NULL, FALSE);
      break;
    }
  check_registry (f);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };
  CkdOptions options = { .ringing_timeout_ms = 60000 };
  Fuzz f = { 0 };

  ckd_fuzz_init ();
  f.settings = ckd_settings_new (&options, NULL);
  f.registry = ckd_registry_new ();
  f.session = ckd_session_new (f.registry, f.settings);
  f.callers[0] = ckd_caller_new (":1.1", 1000, 11, FALSE, NULL);
  f.callers[1] = ckd_caller_new (":1.2", 1000, 12, FALSE, NULL);
  f.callers[2] = ckd_caller_new (":1.3", 1000, 13, TRUE, "org.example.Phone");
  f.action_ids = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f.session, "perform-action", G_CALLBACK (on_perform_action), &f);
  ckd_session_add_incoming_call_filter (f.session, filter_incoming, &f);

  for (guint i = 0; i < MAX_STEPS && input.size > 0; i++)
    step (&f, &input);

  ckd_session_stop (f.session);
  check_registry (&f);
  g_clear_object (&f.session);
  g_clear_object (&f.registry);
  g_clear_object (&f.settings);
  for (guint i = 0; i < G_N_ELEMENTS (f.callers); i++)
    ckd_caller_free (f.callers[i]);
  g_ptr_array_unref (f.action_ids);
  /* What is due now runs after the session went: it must not reach it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
