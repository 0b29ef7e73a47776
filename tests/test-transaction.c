/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Transaction validation without a bus: every rule that makes a whole
 * transaction valid or refuses it, and the guarantee that validating changes
 * nothing. */
#include "config.h"

#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-transaction.h"

#define UUID_A "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001"
#define UUID_B "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002"
#define UUID_C "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a003"
#define UUID_NEW "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a0ff"

typedef struct
{
  GHashTable *live_calls;
  CkdRecentSet *ended;
  CkdProvider *p1;
  CkdProvider *p2;
  CkdTransactionScope scope;
  CkdProvider *forbidden; /* may_act refuses this one */
} Fixture;

static gboolean
may_act (CkdProvider *provider, gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  if (provider == f->forbidden)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_UNENTITLED, "not yours");
      return FALSE;
    }
  return TRUE;
}

static CkdProvider *
new_provider (guint id, const char *config_text)
{
  CkdProviderConfig config = { 0 };
  g_autoptr (GVariant) dict = g_variant_ref_sink (g_variant_new_parsed (config_text));

  g_assert_true (ckd_provider_config_parse (&config, dict, 60000, NULL));
  return ckd_provider_new (id, ":1.1", NULL, &config, 0);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->live_calls = g_hash_table_new (g_str_hash, g_str_equal);
  f->ended = ckd_recent_set_new (16);
  f->p1 = new_provider (1, "@a{sv} {}");
  f->p2 = new_provider (2, "{'supported_handle_types': <['phone-number']>, "
                           "'maximum_call_groups': <uint32 1>}");
  f->scope = (CkdTransactionScope){ f->live_calls, f->ended, may_act, f };
}

static void
free_calls (CkdProvider *provider)
{
  for (guint i = 0; i < provider->calls->len; i++)
    ckd_call_free (g_ptr_array_index (provider->calls, i));
  g_ptr_array_set_size (provider->calls, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  free_calls (f->p1);
  free_calls (f->p2);
  ckd_provider_free (f->p1);
  ckd_provider_free (f->p2);
  ckd_recent_set_free (f->ended);
  g_hash_table_destroy (f->live_calls);
}

static CkdCall *
add_call (Fixture *f, CkdProvider *provider, const char *uuid, CkdCallState state)
{
  CkdCall *call = ckd_call_new (uuid, provider, state == CKD_CALL_STATE_DIALING, 1);

  if (state == CKD_CALL_STATE_ACTIVE || state == CKD_CALL_STATE_HELD)
    ckd_call_answer (call, 1);
  if (state == CKD_CALL_STATE_HELD)
    ckd_call_set_held (call, TRUE);
  ckd_provider_add_call (provider, call);
  g_hash_table_insert (f->live_calls, call->uuid, call);
  return call;
}

/* Builds actions from a GVariant text of type aa{sv}. */
static GPtrArray *
parse_actions (const char *text, CkdProvider *start_provider)
{
  g_autoptr (GVariant) list = g_variant_ref_sink (g_variant_new_parsed (text));
  GPtrArray *actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);

  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr (GVariant) dict = g_variant_get_child_value (list, i);
      g_autoptr (GError) error = NULL;
      CkdAction *action = ckd_action_parse (dict, i, &error);

      g_assert_no_error (error);
      if (action->type == CKD_ACTION_START_CALL)
        action->provider = start_provider;
      g_ptr_array_add (actions, action);
    }
  return actions;
}

static void
assert_valid (Fixture *f, const char *text, CkdProvider *start_provider)
{
  g_autoptr (GPtrArray) actions = parse_actions (text, start_provider);
  g_autoptr (GError) error = NULL;

  ckd_transaction_validate (actions, &f->scope, &error);
  g_assert_no_error (error);
}

static void
assert_invalid (Fixture *f, const char *text, CkdProvider *start_provider, int code,
                const char *fragment)
{
  g_autoptr (GPtrArray) actions = parse_actions (text, start_provider);
  g_autoptr (GError) error = NULL;

  g_assert_false (ckd_transaction_validate (actions, &f->scope, &error));
  g_assert_error (error, CKD_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("'%s' does not mention '%s'", error->message, fragment);
}

#define ACTION(type, call, ...) "{'type': <'" type "'>, 'call': <'" call "'>" __VA_ARGS__ "}"

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (ckd_transaction_validate (actions, &f->scope, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_EMPTY_TRANSACTION);
}

static void
test_unknown_call (Fixture *f, gconstpointer data)
{
  assert_invalid (f, "[" ACTION ("answer-call", UUID_A) "]", NULL, CKD_ERROR_UNKNOWN_CALL_UUID,
                  UUID_A);
}

static void
test_answer_rules (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_RINGING);
  assert_valid (f, "[" ACTION ("answer-call", UUID_A) "]", NULL);
  add_call (f, f->p1, UUID_B, CKD_CALL_STATE_DIALING);
  assert_invalid (f, "[" ACTION ("answer-call", UUID_B) "]", NULL, CKD_ERROR_INVALID_ACTION,
                  "outgoing");
}

static void
test_answer_non_ringing (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_ACTIVE);
  assert_invalid (f, "[" ACTION ("answer-call", UUID_A) "]", NULL, CKD_ERROR_INVALID_ACTION,
                  "not ringing");
}

static void
test_contradictions (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_RINGING);
  assert_invalid (f, "[" ACTION ("answer-call", UUID_A) ", " ACTION ("end-call", UUID_A) "]",
                  NULL, CKD_ERROR_INVALID_ACTION, "both answered and ended");
  assert_invalid (f,
                  "[" ACTION ("set-muted", UUID_A, ", 'muted': <true>") ", "
                    ACTION ("set-muted", UUID_A, ", 'muted': <false>") "]",
                  NULL, CKD_ERROR_INVALID_ACTION, "a second set-muted");
  assert_invalid (f, "[" ACTION ("end-call", UUID_A) ", " ACTION ("set-muted", UUID_A,
                                                                  ", 'muted': <true>") "]",
                  NULL, CKD_ERROR_INVALID_ACTION, "ended by an earlier action");
}

static void
test_capabilities (Fixture *f, gconstpointer data)
{
  CkdCall *a = add_call (f, f->p1, UUID_A, CKD_CALL_STATE_ACTIVE);

  a->supports_holding = FALSE;
  a->supports_dtmf = FALSE;
  assert_invalid (f, "[" ACTION ("set-held", UUID_A, ", 'on_hold': <true>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "does not support holding");
  assert_invalid (f, "[" ACTION ("play-dtmf", UUID_A, ", 'digits': <'12#'>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "does not support DTMF");
  a->supports_dtmf = TRUE;
  assert_valid (f, "[" ACTION ("play-dtmf", UUID_A, ", 'digits': <'12#'>") "]", NULL);
}

static void
test_uuid_already_exists (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_RINGING);
  ckd_recent_set_add (f->ended, UUID_B);
  assert_invalid (f, "[" ACTION ("start-call", UUID_A) "]", f->p1,
                  CKD_ERROR_CALL_UUID_ALREADY_EXISTS, NULL);
  assert_invalid (f, "[" ACTION ("start-call", UUID_B) "]", f->p1,
                  CKD_ERROR_CALL_UUID_ALREADY_EXISTS, NULL);
  assert_invalid (f, "[" ACTION ("start-call", UUID_C) ", " ACTION ("start-call", UUID_C) "]",
                  f->p1, CKD_ERROR_CALL_UUID_ALREADY_EXISTS, NULL);
}

static void
test_start_call_checks_provider (Fixture *f, gconstpointer data)
{
  assert_invalid (f, "[" ACTION ("start-call", UUID_NEW, ", 'handle': <('email-address', 'a@b')>")
                  "]", f->p2, CKD_ERROR_INVALID_ACTION, "email-address");
  assert_invalid (f, "[" ACTION ("start-call", UUID_NEW, ", 'video': <true>") "]", f->p1,
                  CKD_ERROR_INVALID_ACTION, "video");
  /* An unknown callee is fine: the handle may be empty. */
  assert_valid (f, "[" ACTION ("start-call", UUID_NEW, ", 'handle': <('', '')>") "]", f->p2);
}

static void
test_one_active_group (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_ACTIVE);
  add_call (f, f->p2, UUID_B, CKD_CALL_STATE_RINGING);

  /* Answering B would leave two active groups... */
  assert_invalid (f, "[" ACTION ("answer-call", UUID_B) "]", NULL,
                  CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED, UUID_A);
  /* ...unless A is held or ended in the same transaction. */
  assert_valid (f, "[" ACTION ("set-held", UUID_A, ", 'on_hold': <true>") ", "
                  ACTION ("answer-call", UUID_B) "]", NULL);
  assert_valid (f, "[" ACTION ("end-call", UUID_A) ", " ACTION ("answer-call", UUID_B) "]", NULL);
  /* Starting a call is activating a group too. */
  assert_invalid (f, "[" ACTION ("start-call", UUID_NEW) "]", f->p1,
                  CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED, NULL);
}

static void
test_resume_needs_the_other_held (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_HELD);
  add_call (f, f->p1, UUID_B, CKD_CALL_STATE_ACTIVE);

  assert_invalid (f, "[" ACTION ("set-held", UUID_A, ", 'on_hold': <false>") "]", NULL,
                  CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED, UUID_B);
  assert_valid (f, "[" ACTION ("set-held", UUID_B, ", 'on_hold': <true>") ", "
                  ACTION ("set-held", UUID_A, ", 'on_hold': <false>") "]", NULL);
}

static void
test_maximum_call_groups (Fixture *f, gconstpointer data)
{
  /* p2 allows one group: a held call and a new answered one are two. */
  add_call (f, f->p2, UUID_A, CKD_CALL_STATE_HELD);
  add_call (f, f->p2, UUID_B, CKD_CALL_STATE_RINGING);
  assert_invalid (f, "[" ACTION ("answer-call", UUID_B) "]", NULL,
                  CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED, "maximum_call_groups is 1");
  assert_valid (f, "[" ACTION ("end-call", UUID_A) ", " ACTION ("answer-call", UUID_B) "]", NULL);
}

static void
test_groups (Fixture *f, gconstpointer data)
{
  CkdCall *a = add_call (f, f->p1, UUID_A, CKD_CALL_STATE_ACTIVE);
  CkdCall *b = add_call (f, f->p1, UUID_B, CKD_CALL_STATE_HELD);
  CkdCall *c = add_call (f, f->p2, UUID_C, CKD_CALL_STATE_HELD);

  assert_invalid (f, "[" ACTION ("set-group", UUID_B, ", 'group_with': <'" UUID_A "'>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "does not support grouping");
  a->supports_grouping = b->supports_grouping = c->supports_grouping = TRUE;
  assert_valid (f, "[" ACTION ("set-group", UUID_B, ", 'group_with': <'" UUID_A "'>") "]", NULL);
  assert_invalid (f, "[" ACTION ("set-group", UUID_C, ", 'group_with': <'" UUID_A "'>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "different providers");
  assert_invalid (f, "[" ACTION ("set-group", UUID_A, ", 'group_with': <'" UUID_A "'>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "itself");
  assert_invalid (f, "[" ACTION ("set-group", UUID_A, ", 'group_with': <''>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "not in a group");
  /* Merge then split in one transaction: the split call needs
   * supports_ungrouping. */
  assert_invalid (f, "[" ACTION ("set-group", UUID_B, ", 'group_with': <'" UUID_A "'>") ", "
                  ACTION ("set-group", UUID_B, ", 'group_with': <''>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "a second set-group");
}

static void
test_calls_per_group (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) config =
    g_variant_ref_sink (g_variant_new_parsed ("{'maximum_calls_per_call_group': <uint32 2>}"));
  CkdCall *a = add_call (f, f->p1, UUID_A, CKD_CALL_STATE_ACTIVE);
  CkdCall *b = add_call (f, f->p1, UUID_B, CKD_CALL_STATE_HELD);
  CkdCall *c = add_call (f, f->p1, UUID_C, CKD_CALL_STATE_HELD);

  g_assert_true (ckd_provider_config_parse (&f->p1->config, config, 60000, NULL));
  a->supports_grouping = b->supports_grouping = c->supports_grouping = TRUE;
  assert_invalid (f, "[" ACTION ("set-group", UUID_B, ", 'group_with': <'" UUID_A "'>") ", "
                  ACTION ("set-group", UUID_C, ", 'group_with': <'" UUID_A "'>") "]", NULL,
                  CKD_ERROR_INVALID_ACTION, "maximum_calls_per_call_group is 2");
}

static void
test_entitlement (Fixture *f, gconstpointer data)
{
  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_RINGING);
  f->forbidden = f->p1;
  assert_invalid (f, "[" ACTION ("answer-call", UUID_A) "]", NULL, CKD_ERROR_UNENTITLED, NULL);
  assert_invalid (f, "[" ACTION ("start-call", UUID_NEW) "]", f->p1, CKD_ERROR_UNENTITLED, NULL);
}

static void
test_end_reasons (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) actions = NULL;

  add_call (f, f->p1, UUID_A, CKD_CALL_STATE_RINGING);
  add_call (f, f->p1, UUID_B, CKD_CALL_STATE_ACTIVE);
  actions = parse_actions ("[" ACTION ("end-call", UUID_A) ", " ACTION ("end-call", UUID_B) "]",
                           NULL);
  g_assert_true (ckd_transaction_validate (actions, &f->scope, NULL));
  g_assert_cmpint (((CkdAction *) actions->pdata[0])->end_reason, ==, CKD_ENDED_REASON_DECLINED);
  g_assert_cmpint (((CkdAction *) actions->pdata[1])->end_reason, ==, CKD_ENDED_REASON_HUNG_UP);
  g_assert_true (((CkdAction *) actions->pdata[0])->provider == f->p1);
}

static void
test_validation_changes_nothing (Fixture *f, gconstpointer data)
{
  CkdCall *a = add_call (f, f->p1, UUID_A, CKD_CALL_STATE_ACTIVE);
  CkdCall *b = add_call (f, f->p1, UUID_B, CKD_CALL_STATE_RINGING);

  a->supports_grouping = TRUE;
  assert_valid (f, "[" ACTION ("set-held", UUID_A, ", 'on_hold': <true>") ", "
                  ACTION ("answer-call", UUID_B) ", " ACTION ("set-muted", UUID_B,
                  ", 'muted': <true>") "]", NULL);
  g_assert_cmpint (a->state, ==, CKD_CALL_STATE_ACTIVE);
  g_assert_cmpint (b->state, ==, CKD_CALL_STATE_RINGING);
  g_assert_false (b->muted);
  g_assert_cmpuint (f->p1->calls->len, ==, 2);
  g_assert_cmpuint (g_hash_table_size (f->live_calls), ==, 2);
}

static void
test_too_many_actions (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
  g_autoptr (GError) error = NULL;

  for (int i = 0; i <= CKD_MAX_ACTIONS_PER_TRANSACTION; i++)
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, UUID_A));
  g_assert_false (ckd_transaction_validate (actions, &f->scope, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED);
}

static void
test_action_parse_errors (void)
{
  static const struct
  {
    const char *text;
    const char *fragment;
  } cases[] = {
    { "{'call': <'" UUID_A "'>}", "'type' is missing" },
    { "{'type': <'answer-call'>}", "'call' is missing" },
    { "{'type': <'dance'>, 'call': <'" UUID_A "'>}", "unknown type 'dance'" },
    { "{'type': <'answer-call'>, 'call': <'nope'>}", "not a UUID" },
    { "{'type': <'answer-call'>, 'call': <'" UUID_A "'>, 'muted': <true>}",
      "'muted' does not apply to answer-call" },
    { "{'type': <'set-held'>, 'call': <'" UUID_A "'>}", "set-held needs 'on_hold'" },
    { "{'type': <'set-held'>, 'call': <'" UUID_A "'>, 'on_hold': <'yes'>}",
      "'on_hold' must be of type b, not s" },
    { "{'type': <'play-dtmf'>, 'call': <'" UUID_A "'>, 'digits': <'12x'>}", "'x'" },
    { "{'type': <'play-dtmf'>, 'call': <'" UUID_A "'>, 'digits': <'1'>, 'dtmf_type': <'loud'>}",
      "unknown dtmf_type 'loud'" },
    { "{'type': <'set-group'>, 'call': <'" UUID_A "'>, 'group_with': <'x'>}", "'group_with'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GVariant) dict = g_variant_ref_sink (g_variant_new_parsed (cases[i].text));
      g_autoptr (GError) error = NULL;

      g_assert_null (ckd_action_parse (dict, 3, &error));
      g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, cases[i].fragment) == NULL
          || strstr (error->message, "action 3") == NULL)
        g_error ("case %u: '%s' does not mention '%s'", i, error->message, cases[i].fragment);
    }
}

static void
test_action_parameters (void)
{
  g_autoptr (GVariant) dict = g_variant_ref_sink (g_variant_new_parsed (
    "{'type': <'play-dtmf'>, 'call': <'0B4BB8B6-7F0C-4D7E-9D6B-4F1C55D0A001'>, "
    "'digits': <'1a#'>, 'dtmf_type': <'hard-pause'>}"));
  g_autoptr (CkdAction) action = ckd_action_parse (dict, 0, NULL);
  g_autoptr (GVariant) parameters = NULL;
  const char *s;

  g_assert_nonnull (action);
  g_assert_cmpstr (action->call_uuid, ==, UUID_A);
  action->deadline = 99;
  parameters = g_variant_ref_sink (ckd_action_build_parameters (action, "t7"));
  g_assert_true (g_variant_lookup (parameters, "digits", "&s", &s));
  g_assert_cmpstr (s, ==, "1A#");
  g_assert_true (g_variant_lookup (parameters, "dtmf_type", "&s", &s));
  g_assert_cmpstr (s, ==, "hard-pause");
  g_assert_true (g_variant_lookup (parameters, "transaction", "&s", &s));
  g_assert_cmpstr (s, ==, "t7");
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/transaction/empty", test_empty);
  ADD ("/transaction/unknown-call", test_unknown_call);
  ADD ("/transaction/answer-rules", test_answer_rules);
  ADD ("/transaction/answer-non-ringing", test_answer_non_ringing);
  ADD ("/transaction/contradictions", test_contradictions);
  ADD ("/transaction/capabilities", test_capabilities);
  ADD ("/transaction/uuid-already-exists", test_uuid_already_exists);
  ADD ("/transaction/start-call-checks-provider", test_start_call_checks_provider);
  ADD ("/transaction/one-active-group", test_one_active_group);
  ADD ("/transaction/resume-needs-the-other-held", test_resume_needs_the_other_held);
  ADD ("/transaction/maximum-call-groups", test_maximum_call_groups);
  ADD ("/transaction/groups", test_groups);
  ADD ("/transaction/calls-per-group", test_calls_per_group);
  ADD ("/transaction/entitlement", test_entitlement);
  ADD ("/transaction/end-reasons", test_end_reasons);
  ADD ("/transaction/validation-changes-nothing", test_validation_changes_nothing);
  ADD ("/transaction/too-many-actions", test_too_many_actions);
  g_test_add_func ("/action/parse-errors", test_action_parse_errors);
  g_test_add_func ("/action/parameters", test_action_parameters);
  return g_test_run ();
}
