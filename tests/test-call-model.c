/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call model without a bus: state machine, updates, groups, and the
 * dictionary, configuration, rate-limit and recent-set helpers it uses. */
#include "config.h"

#include <unistd.h>
#include "callkit-names.h"

#include "ckd-call-group.h"
#include "ckd-call.h"
#include "ckd-caller.h"
#include "ckd-error.h"
#include "ckd-provider.h"
#include "ckd-rate-limit.h"
#include "ckd-recent-set.h"

#define UUID_A "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001"
#define UUID_B "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002"
#define UUID_C "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a003"

static CkdProvider *
new_provider (void)
{
  CkdProviderConfig config = { 0 };
  g_autoptr (GVariant) empty = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));

  g_assert_true (ckd_provider_config_parse (&config, empty, 60000, NULL));
  return ckd_provider_new (1, ":1.1", NULL, &config, 10);
}

static void
test_incoming_lifecycle (void)
{
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, NULL, FALSE, 1);

  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_RINGING);
  g_assert_false (ckd_call_has_connected (call));
  g_assert_cmpint (ckd_call_local_end_reason (call), ==, CKD_ENDED_REASON_DECLINED);

  ckd_call_answer (call, 42);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_ACTIVE);
  g_assert_cmpint (call->connected_at, ==, 42);
  g_assert_cmpint (ckd_call_local_end_reason (call), ==, CKD_ENDED_REASON_HUNG_UP);

  ckd_call_set_held (call, TRUE);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_HELD);
  g_assert_true (ckd_call_is_on_hold (call));
  ckd_call_set_held (call, FALSE);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_ACTIVE);

  ckd_call_end (call, CKD_ENDED_REASON_REMOTE_ENDED, 0);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_ENDED);
  g_assert_cmpint (call->ended_reason, ==, CKD_ENDED_REASON_REMOTE_ENDED);
  g_assert_cmpint (call->ended_at, >, 0);
}

static void
test_incoming_rejects_outgoing_reports (void)
{
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, NULL, FALSE, 1);
  g_autoptr (GError) error = NULL;

  g_assert_false (ckd_call_report_started_connecting (call, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION);
  g_clear_error (&error);
  g_assert_false (ckd_call_report_connected (call, 0, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_RINGING);
}

static void
test_outgoing_lifecycle (void)
{
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, NULL, TRUE, 1);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_DIALING);
  g_assert_true (ckd_call_report_started_connecting (call, &error));
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_CONNECTING);
  g_assert_false (ckd_call_report_started_connecting (call, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION);
  g_clear_error (&error);

  g_assert_true (ckd_call_report_connected (call, 7, &error));
  g_assert_no_error (error);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_ACTIVE);
  g_assert_cmpint (call->connected_at, ==, 7);
  g_assert_false (ckd_call_report_connected (call, 8, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ACTION);
  g_assert_cmpint (call->connected_at, ==, 7);
}

static void
test_outgoing_connects_without_connecting (void)
{
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, NULL, TRUE, 1);

  g_assert_true (ckd_call_report_connected (call, 0, NULL));
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_ACTIVE);
  g_assert_cmpint (call->connected_at, >, 0);
}

static void
test_hold_only_from_connected (void)
{
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, NULL, FALSE, 1);

  ckd_call_set_held (call, TRUE);
  g_assert_cmpint (call->state, ==, CKD_CALL_STATE_RINGING);
}

static void
test_update_is_partial (void)
{
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, NULL, TRUE, 1);
  CkdCallUpdate update = { 0 };
  g_autoptr (GVariant) first = g_variant_ref_sink (
    g_variant_new_parsed ("{'remote_handle': <('phone-number', '+15550100')>, "
                          "'localized_caller_name': <'Alice'>}"));
  g_autoptr (GVariant) second =
    g_variant_ref_sink (g_variant_new_parsed ("{'remote_handle': <('generic', 'group:42')>}"));

  g_assert_true (ckd_call_update_parse (&update, first, NULL));
  ckd_call_apply_update (call, &update);
  ckd_call_update_clear (&update);
  g_assert_cmpint (call->remote_handle.type, ==, CKD_HANDLE_PHONE_NUMBER);
  g_assert_cmpstr (call->localized_caller_name, ==, "Alice");
  g_assert_true (call->supports_holding);

  /* An outgoing call's handle may change (1:1 becomes a group call);
   * keys not given stay as they were. */
  g_assert_true (ckd_call_update_parse (&update, second, NULL));
  ckd_call_apply_update (call, &update);
  ckd_call_update_clear (&update);
  g_assert_cmpint (call->remote_handle.type, ==, CKD_HANDLE_GENERIC);
  g_assert_cmpstr (call->remote_handle.value, ==, "group:42");
  g_assert_cmpstr (call->localized_caller_name, ==, "Alice");
}

static void
test_update_empty_handle_is_unknown_caller (void)
{
  CkdCallUpdate update = { 0 };
  g_autoptr (GVariant) dict =
    g_variant_ref_sink (g_variant_new_parsed ("{'remote_handle': <('', '')>}"));

  g_assert_true (ckd_call_update_parse (&update, dict, NULL));
  g_assert_cmpint (update.remote_handle.type, ==, CKD_HANDLE_GENERIC);
  g_assert_cmpstr (update.remote_handle.value, ==, "");
  ckd_call_update_clear (&update);
}

static void
assert_update_error (const char *text, const char *expected_fragment)
{
  CkdCallUpdate update = { 0 };
  g_autoptr (GVariant) dict = g_variant_ref_sink (g_variant_new_parsed (text));
  g_autoptr (GError) error = NULL;

  g_assert_false (ckd_call_update_parse (&update, dict, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, expected_fragment) == NULL)
    g_error ("'%s' does not mention '%s'", error->message, expected_fragment);
  ckd_call_update_clear (&update);
}

static void
test_update_errors_name_the_key (void)
{
  assert_update_error ("{'has_video': <'yes'>}", "'has_video' must be of type b, not s");
  assert_update_error ("{'colour': <true>}", "unknown key 'colour'");
  assert_update_error ("{'has_video': <true>, 'has_video': <false>}", "'has_video' is given twice");
  assert_update_error ("{'remote_handle': <('fax', '123')>}", "handle type 'fax'");
}

static void
test_update_rejects_long_strings (void)
{
  g_autofree char *big = g_strnfill (1024 * 1024, 'x');
  g_autoptr (GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);
  g_autoptr (GVariant) dict = NULL;
  g_autoptr (GError) error = NULL;
  CkdCallUpdate update = { 0 };

  g_variant_builder_add (builder, "{sv}", "localized_caller_name", g_variant_new_string (big));
  dict = g_variant_ref_sink (g_variant_builder_end (builder));
  g_assert_false (ckd_call_update_parse (&update, dict, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "the limit is 1024"));
  ckd_call_update_clear (&update);
}

static void
test_uuid_normalize (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *lower = ckd_uuid_normalize ("0B4BB8B6-7F0C-4D7E-9D6B-4F1C55D0A001", NULL);
  g_autofree char *path = ckd_call_path_for_uuid (UUID_A);

  g_assert_cmpstr (lower, ==, UUID_A);
  g_assert_cmpstr (path, ==, CKD_OBJECT_ROOT "/call/0b4bb8b6_7f0c_4d7e_9d6b_4f1c55d0a001");
  g_assert_null (ckd_uuid_normalize ("not-a-uuid", &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ckd_uuid_normalize ("", &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
}

static void
test_config_defaults_and_validation (void)
{
  CkdProviderConfig config = { 0 };
  g_autoptr (GVariant) empty = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  g_autoptr (GVariant) bad =
    g_variant_ref_sink (g_variant_new_parsed ("{'maximum_call_groups': <uint32 0>}"));
  g_autoptr (GVariant) types =
    g_variant_ref_sink (g_variant_new_parsed ("{'supported_handle_types': <['phone-number']>}"));
  g_autoptr (GError) error = NULL;

  g_assert_true (ckd_provider_config_parse (&config, empty, 30000, NULL));
  g_assert_cmpuint (config.maximum_call_groups, ==, 2);
  g_assert_cmpuint (config.maximum_calls_per_call_group, ==, 5);
  g_assert_true (config.includes_calls_in_recents);
  g_assert_cmpuint (config.action_timeout_ms, ==, 10000);
  g_assert_cmpuint (config.ringing_timeout_ms, ==, 30000);
  g_assert_true (ckd_provider_config_supports_handle_type (&config, CKD_HANDLE_EMAIL_ADDRESS));

  /* A refused configuration leaves the old one in place. */
  g_assert_false (ckd_provider_config_parse (&config, bad, 30000, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "maximum_call_groups"));
  g_assert_cmpuint (config.maximum_call_groups, ==, 2);

  g_assert_true (ckd_provider_config_parse (&config, types, 30000, NULL));
  g_assert_true (ckd_provider_config_supports_handle_type (&config, CKD_HANDLE_PHONE_NUMBER));
  g_assert_false (ckd_provider_config_supports_handle_type (&config, CKD_HANDLE_GENERIC));
  ckd_provider_config_clear (&config);
}

static void
test_rate_limit (void)
{
  CkdRateLimit limit;
  guint taken = 0;

  ckd_rate_limit_init (&limit, 10, 20);
  for (int i = 0; i < 100; i++)
    taken += ckd_rate_limit_take (&limit, 1000000);
  g_assert_cmpuint (taken, ==, 20);
  /* A tenth of a second later: one more. */
  g_assert_true (ckd_rate_limit_take (&limit, 1100000));
  g_assert_false (ckd_rate_limit_take (&limit, 1100000));

  ckd_rate_limit_init (&limit, 0, 0);
  for (int i = 0; i < 1000; i++)
    g_assert_true (ckd_rate_limit_take (&limit, 1));
}

static void
test_recent_set_is_bounded (void)
{
  g_autoptr (CkdRecentSet) set = ckd_recent_set_new (2);

  ckd_recent_set_add (set, "a");
  ckd_recent_set_add (set, "b");
  ckd_recent_set_add (set, "a");
  g_assert_true (ckd_recent_set_contains (set, "a"));
  ckd_recent_set_add (set, "c");
  g_assert_false (ckd_recent_set_contains (set, "a"));
  g_assert_true (ckd_recent_set_contains (set, "b"));
  g_assert_true (ckd_recent_set_contains (set, "c"));
}

static CkdCall *
connected_call (CkdProvider *provider, const char *uuid, CkdCallState state)
{
  CkdCall *call = ckd_call_new (uuid, provider, FALSE, 1);

  ckd_call_answer (call, 1);
  ckd_call_set_held (call, state == CKD_CALL_STATE_HELD);
  call->supports_grouping = TRUE;
  call->supports_ungrouping = TRUE;
  ckd_provider_add_call (provider, call);
  return call;
}

static void
test_groups (void)
{
  g_autoptr (CkdProvider) provider = new_provider ();
  CkdCall *a = connected_call (provider, UUID_A, CKD_CALL_STATE_ACTIVE);
  CkdCall *b = connected_call (provider, UUID_B, CKD_CALL_STATE_HELD);
  CkdCall *c = connected_call (provider, UUID_C, CKD_CALL_STATE_HELD);
  g_autoptr (GPtrArray) members = NULL;

  /* Merging a held call into an active one makes the conference active. */
  ckd_call_group_join (provider->calls, b, a);
  g_assert_nonnull (a->group);
  g_assert_cmpstr (a->group, ==, b->group);
  g_assert_cmpint (b->state, ==, CKD_CALL_STATE_ACTIVE);

  ckd_call_group_join (provider->calls, c, b);
  members = ckd_call_group_members (provider->calls, a);
  g_assert_cmpuint (members->len, ==, 3);

  /* Holding one member holds the conference. */
  ckd_call_group_set_held (provider->calls, c, TRUE);
  g_assert_cmpint (a->state, ==, CKD_CALL_STATE_HELD);
  g_assert_cmpint (b->state, ==, CKD_CALL_STATE_HELD);
  g_assert_cmpint (c->state, ==, CKD_CALL_STATE_HELD);

  /* Leaving keeps the hold state; a group of one dissolves. */
  ckd_call_group_leave (provider->calls, c);
  g_assert_null (c->group);
  g_assert_cmpint (c->state, ==, CKD_CALL_STATE_HELD);
  g_assert_nonnull (a->group);
  ckd_call_group_leave (provider->calls, b);
  g_assert_null (b->group);
  g_assert_null (a->group);

  for (guint i = 0; i < provider->calls->len; i++)
    ckd_call_free (g_ptr_array_index (provider->calls, i));
  g_ptr_array_set_size (provider->calls, 0);
}

static void
test_group_dissolves_when_member_ends (void)
{
  g_autoptr (CkdProvider) provider = new_provider ();
  CkdCall *a = connected_call (provider, UUID_A, CKD_CALL_STATE_ACTIVE);
  CkdCall *b = connected_call (provider, UUID_B, CKD_CALL_STATE_ACTIVE);

  ckd_call_group_join (provider->calls, b, a);
  ckd_call_end (b, CKD_ENDED_REASON_REMOTE_ENDED, 0);
  ckd_call_group_forget_ended (provider->calls, b);
  g_assert_null (a->group);
  g_assert_null (b->group);

  for (guint i = 0; i < provider->calls->len; i++)
    ckd_call_free (g_ptr_array_index (provider->calls, i));
  g_ptr_array_set_size (provider->calls, 0);
}

/* Read privacy: who may see a provider (and its calls) and an app's data. */
static void
test_caller_may_see (void)
{
  g_autoptr (CkdProvider) host = new_provider ();
  g_autoptr (CkdProvider) flatpak = new_provider ();
  g_autoptr (CkdCaller) user = ckd_caller_new (":1.7", getuid (), 70, FALSE, NULL);
  g_autoptr (CkdCaller) app = ckd_caller_new (":1.8", getuid (), 80, TRUE, "org.example.App");
  g_autoptr (CkdCaller) other = ckd_caller_new (":1.9", getuid (), 90, TRUE, "org.example.Other");
  g_autoptr (CkdCaller) nameless = ckd_caller_new (":1.10", getuid (), 100, TRUE, NULL);
  g_autoptr (CkdCaller) owner = ckd_caller_new (":1.1", getuid (), 10, TRUE, NULL);
  g_autoptr (CkdCaller) stranger = ckd_caller_new (":1.11", getuid () + 1, 110, FALSE, NULL);

  /* An unsandboxed provider whose desktop entry names the app. */
  g_free (host->config.desktop_entry);
  host->config.desktop_entry = g_strdup ("org.example.App");
  flatpak->sandboxed = TRUE;
  flatpak->app_id = g_strdup ("org.example.App");
  g_free (flatpak->owner);
  flatpak->owner = g_strdup (":1.2");

  g_assert_true (ckd_caller_may_see_provider (user, host));
  g_assert_true (ckd_caller_may_see_provider (user, flatpak));
  g_assert_false (ckd_caller_may_see_provider (app, host));
  g_assert_true (ckd_caller_may_see_provider (app, flatpak));
  g_assert_false (ckd_caller_may_see_provider (other, flatpak));
  g_assert_false (ckd_caller_may_see_provider (nameless, flatpak));
  g_assert_false (ckd_caller_may_see_provider (nameless, host));
  /* Its own provider, whatever its app. */
  g_assert_true (ckd_caller_may_see_provider (owner, host));
  g_assert_false (ckd_caller_may_see_provider (stranger, host));

  g_assert_true (ckd_caller_may_see_app (user, "org.example.App"));
  g_assert_true (ckd_caller_may_see_app (user, NULL));
  g_assert_true (ckd_caller_may_see_app (app, "org.example.App"));
  g_assert_false (ckd_caller_may_see_app (app, "org.example.Other"));
  g_assert_false (ckd_caller_may_see_app (app, NULL));
  g_assert_false (ckd_caller_may_see_app (app, ""));
  g_assert_false (ckd_caller_may_see_app (nameless, NULL));
  g_assert_false (ckd_caller_may_see_app (nameless, ""));
  g_assert_false (ckd_caller_may_see_app (stranger, "org.example.App"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/call/incoming-lifecycle", test_incoming_lifecycle);
  g_test_add_func ("/call/incoming-rejects-outgoing-reports", test_incoming_rejects_outgoing_reports);
  g_test_add_func ("/call/outgoing-lifecycle", test_outgoing_lifecycle);
  g_test_add_func ("/call/outgoing-connects-without-connecting",
                   test_outgoing_connects_without_connecting);
  g_test_add_func ("/call/hold-only-from-connected", test_hold_only_from_connected);
  g_test_add_func ("/call/update-is-partial", test_update_is_partial);
  g_test_add_func ("/call/update-empty-handle", test_update_empty_handle_is_unknown_caller);
  g_test_add_func ("/call/update-errors-name-the-key", test_update_errors_name_the_key);
  g_test_add_func ("/call/update-rejects-long-strings", test_update_rejects_long_strings);
  g_test_add_func ("/call/uuid-normalize", test_uuid_normalize);
  g_test_add_func ("/provider/config", test_config_defaults_and_validation);
  g_test_add_func ("/rate-limit", test_rate_limit);
  g_test_add_func ("/recent-set", test_recent_set_is_bounded);
  g_test_add_func ("/group/join-hold-leave", test_groups);
  g_test_add_func ("/group/dissolves-when-member-ends", test_group_dissolves_when_member_ends);
  g_test_add_func ("/caller/may-see", test_caller_may_see);
  return g_test_run ();
}
