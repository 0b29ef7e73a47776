/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a call's notification says and offers, without a bus. */
#include "config.h"

#include "ckd-call-group.h"
#include "ckd-call-texts.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-provider.h"

#define UUID_A "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001"
#define UUID_B "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002"
#define UUID_C "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a003"

static CkdProvider *
new_provider (const char *name)
{
  CkdProviderConfig config = { 0 };
  GVariantBuilder dict;
  g_autoptr (GVariant) value = NULL;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  if (name != NULL)
    g_variant_builder_add (&dict, "{sv}", "localized_name", g_variant_new_string (name));
  value = g_variant_ref_sink (g_variant_builder_end (&dict));
  g_assert_true (ckd_provider_config_parse (&config, value, 60000, NULL));
  return ckd_provider_new (1, ":1.1", NULL, &config, 10);
}

static void
set_handle (CkdCall *call, const char *value)
{
  g_free (call->remote_handle.value);
  call->remote_handle.value = g_strdup (value);
}

/* As a provider's report sets it: the name is the provider's part of the
 * call's identity too. */
static void
set_caller_name (CkdCall *call, const char *name)
{
  g_auto (CkdCallUpdate) update = { 0 };
  g_autoptr (GVariant) dict = g_variant_ref_sink (
    g_variant_new_parsed ("{'localized_caller_name': <%s>}", name));

  g_assert_true (ckd_call_update_parse (&update, dict, NULL));
  ckd_call_apply_update (call, &update);
}

static void
test_texts (void)
{
  g_autoptr (CkdProvider) provider = new_provider ("Speakerbox");
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, provider, FALSE, 1);
  char *s;

  /* The summary says what it is; the body who calls, through which app. */
  s = ckd_call_texts_ringing_summary (call);
  g_assert_cmpstr (s, ==, "Incoming call");
  g_free (s);
  s = ckd_call_texts_ringing_body (call, TRUE);
  g_assert_cmpstr (s, ==, "Unknown caller\nSpeakerbox");
  g_free (s);
  s = ckd_call_texts_missed_summary (call);
  g_assert_cmpstr (s, ==, "Missed call from Unknown caller");
  g_free (s);

  /* The handle alone is the caller's label, not repeated. */
  set_handle (call, "<sip:alice@example.org>");
  s = ckd_call_texts_caller_label (call);
  g_assert_cmpstr (s, ==, "<sip:alice@example.org>");
  g_free (s);
  s = ckd_call_texts_ringing_body (call, TRUE);
  g_assert_cmpstr (s, ==, "&lt;sip:alice@example.org&gt;\nSpeakerbox");
  g_free (s);

  /* With a name the handle adds something; escaped only for markup. */
  set_caller_name (call, "Alice & Bob");
  call->has_video = TRUE;
  s = ckd_call_texts_ringing_summary (call);
  g_assert_cmpstr (s, ==, "Incoming video call");
  g_free (s);
  s = ckd_call_texts_ringing_body (call, TRUE);
  g_assert_cmpstr (s, ==, "Alice &amp; Bob\n&lt;sip:alice@example.org&gt;\nSpeakerbox");
  g_free (s);
  s = ckd_call_texts_ringing_body (call, FALSE);
  g_assert_cmpstr (s, ==, "Alice & Bob\n<sip:alice@example.org>\nSpeakerbox");
  g_free (s);
  s = ckd_call_texts_missed_summary (call);
  g_assert_cmpstr (s, ==, "Missed video call from Alice & Bob");
  g_free (s);
}

static void
test_duration (void)
{
  const struct
  {
    gint64 seconds;
    const char *text;
  } cases[] = {
    { -5, "0:00" },     { 0, "0:00" },       { 42, "0:42" },         { 60, "1:00" },
    { 725, "12:05" },   { 3599, "59:59" },   { 3600, "1:00:00" },    { 3723, "1:02:03" },
    { 360000, "100:00:00" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ckd_call_texts_duration (cases[i].seconds);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_actions (void)
{
  g_auto (GStrv) answer = ckd_call_texts_ringing_actions (CKD_ANSWER_ANSWER);
  g_auto (GStrv) both = ckd_call_texts_ringing_actions (CKD_ANSWER_HOLD_OR_END_ANSWER);
  g_auto (GStrv) end = ckd_call_texts_ringing_actions (CKD_ANSWER_END_ANSWER);
  g_auto (GStrv) hold = ckd_call_texts_ringing_actions (CKD_ANSWER_HOLD_ANSWER);
  const char *const expect_hold[] = { "default", "Show", "hold-answer", "Hold & Answer",
                                      "decline", "Decline", NULL };
  g_auto (GStrv) none = ckd_call_texts_ringing_actions (CKD_ANSWER_NO_ANSWER);
  const char *const expect_answer[] = { "default", "Show", "answer", "Answer", "decline",
                                        "Decline", NULL };
  const char *const expect_both[] = { "default", "Show", "hold-answer", "Hold & Answer",
                                      "end-answer", "End & Answer", "decline", "Decline", NULL };
  const char *const expect_end[] = { "default", "Show", "end-answer", "End & Answer",
                                     "decline", "Decline", NULL };
  const char *const expect_none[] = { "default", "Show", "decline", "Decline", NULL };

  g_assert_true (g_strv_equal ((const char *const *) answer, expect_answer));
  g_assert_true (g_strv_equal ((const char *const *) both, expect_both));
  g_assert_true (g_strv_equal ((const char *const *) end, expect_end));
  g_assert_true (g_strv_equal ((const char *const *) hold, expect_hold));
  g_assert_true (g_strv_equal ((const char *const *) none, expect_none));
}

static void
test_ongoing (void)
{
  g_autoptr (CkdProvider) provider = new_provider ("Speakerbox");
  g_autoptr (CkdCall) call = ckd_call_new (UUID_A, provider, FALSE, 1);
  const char *const active[] = { "default", "Show", "hang-up", "Hang up", "mute", "Mute",
                                 "hold", "Hold", NULL };
  const char *const held_muted[] = { "default", "Show", "hang-up", "Hang up", "unmute",
                                     "Unmute", "resume", "Resume", NULL };
  const char *const no_hold[] = { "default", "Show", "hang-up", "Hang up", "mute", "Mute",
                                  NULL };
  GStrv actions;
  char *s;

  set_handle (call, "<sip:bob@example.org>");
  ckd_call_answer (call, 2);
  actions = ckd_call_texts_ongoing_actions (call);
  g_assert_true (g_strv_equal ((const char *const *) actions, active));
  g_strfreev (actions);
  s = ckd_call_texts_ongoing_summary (call);
  g_assert_cmpstr (s, ==, "Ongoing call");
  g_free (s);
  s = ckd_call_texts_ongoing_body (call, TRUE);
  g_assert_cmpstr (s, ==, "&lt;sip:bob@example.org&gt;\nSpeakerbox");
  g_free (s);
  s = ckd_call_texts_ongoing_body (call, FALSE);
  g_assert_cmpstr (s, ==, "<sip:bob@example.org>\nSpeakerbox");
  g_free (s);

  call->muted = TRUE;
  ckd_call_set_held (call, TRUE);
  actions = ckd_call_texts_ongoing_actions (call);
  g_assert_true (g_strv_equal ((const char *const *) actions, held_muted));
  g_strfreev (actions);
  set_caller_name (call, "Bob");
  s = ckd_call_texts_ongoing_summary (call);
  g_assert_cmpstr (s, ==, "Call on hold");
  g_free (s);
  s = ckd_call_texts_ongoing_body (call, TRUE);
  g_assert_cmpstr (s, ==, "Bob\n&lt;sip:bob@example.org&gt;\nSpeakerbox\nMuted");
  g_free (s);

  call->muted = FALSE;
  call->supports_holding = FALSE;
  ckd_call_set_held (call, FALSE);
  actions = ckd_call_texts_ongoing_actions (call);
  g_assert_true (g_strv_equal ((const char *const *) actions, no_hold));
  g_strfreev (actions);
  call->has_video = TRUE;
  s = ckd_call_texts_ongoing_summary (call);
  g_assert_cmpstr (s, ==, "Ongoing video call");
  g_free (s);
}

static void
test_choose_answer (void)
{
  g_autoptr (CkdProvider) provider = new_provider (NULL);
  g_autoptr (GHashTable) calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) ckd_call_free);
  CkdCall *active = ckd_call_new (UUID_A, provider, FALSE, 1);
  CkdCall *ringing = ckd_call_new (UUID_B, provider, FALSE, 2);

  ckd_provider_add_call (provider, active);
  ckd_provider_add_call (provider, ringing);
  g_hash_table_insert (calls, ringing->uuid, ringing);
  g_assert_cmpint (ckd_call_texts_choose_answer (calls, ringing), ==, CKD_ANSWER_ANSWER);
  g_assert_null (ckd_call_texts_find_active_call (calls, ringing));

  g_hash_table_insert (calls, active->uuid, active);
  ckd_call_answer (active, 3);
  g_assert_true (ckd_call_texts_find_active_call (calls, ringing) == active);
  g_assert_cmpint (ckd_call_texts_choose_answer (calls, ringing), ==,
                   CKD_ANSWER_HOLD_OR_END_ANSWER);

  active->supports_holding = FALSE;
  g_assert_cmpint (ckd_call_texts_choose_answer (calls, ringing), ==, CKD_ANSWER_END_ANSWER);

  /* A held call is out of the way already. */
  active->supports_holding = TRUE;
  ckd_call_set_held (active, TRUE);
  g_assert_cmpint (ckd_call_texts_choose_answer (calls, ringing), ==, CKD_ANSWER_ANSWER);
  /* Validation changed no call. */
  g_assert_cmpint (active->state, ==, CKD_CALL_STATE_HELD);
  g_assert_cmpint (ringing->state, ==, CKD_CALL_STATE_RINGING);

  /* Against a group, End & Answer ends the whole group. */
  {
    CkdCall *member = ckd_call_new (UUID_C, provider, FALSE, 4);

    ckd_provider_add_call (provider, member);
    g_hash_table_insert (calls, member->uuid, member);
    ckd_call_set_held (active, FALSE);
    ckd_call_answer (member, 5);
    ckd_call_group_join (provider->calls, member, active);
    g_assert_nonnull (active->group);
    g_assert_cmpint (ckd_call_texts_choose_answer (calls, ringing), ==,
                     CKD_ANSWER_HOLD_OR_END_ANSWER);
    active->supports_holding = FALSE;
    member->supports_holding = FALSE;
    g_assert_cmpint (ckd_call_texts_choose_answer (calls, ringing), ==, CKD_ANSWER_END_ANSWER);
    ckd_provider_remove_call (provider, member);
  }

  ckd_provider_remove_call (provider, active);
  ckd_provider_remove_call (provider, ringing);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notifier/texts", test_texts);
  g_test_add_func ("/notifier/duration", test_duration);
  g_test_add_func ("/notifier/actions", test_actions);
  g_test_add_func ("/notifier/ongoing", test_ongoing);
  g_test_add_func ("/notifier/choose-answer", test_choose_answer);
  return g_test_run ();
}
