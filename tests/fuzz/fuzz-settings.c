/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* callkitd.conf (ckd_user_settings_apply): any file gives settings
 * within their documented bounds, and reading it twice changes nothing. */
#include "config.h"

#include "ckd-settings.h"
#include "fuzz-common.h"

static void
assert_bounded (const CkdUserSettings *s)
{
  g_assert (s->history.max_entries >= 1 && s->history.max_entries <= CKD_HISTORY_MAX_MAX_ENTRIES);
  g_assert (s->history.max_age_days <= CKD_HISTORY_MAX_MAX_AGE_DAYS);
  g_assert (s->push.stale_after_seconds >= 1 && s->push.stale_after_seconds <= 86400);
  g_assert (s->push.report_deadline_ms >= 100 && s->push.report_deadline_ms <= 600000);
  g_assert (s->push.violations_before_throttle >= 1
            && s->push.violations_before_throttle <= 1000);
  g_assert (s->push.throttle_seconds >= 1 && s->push.throttle_seconds <= 86400);
  g_assert (s->push.activation_timeout_ms >= 100 && s->push.activation_timeout_ms <= 600000);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) problems_again = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings settings, again;

  ckd_fuzz_init ();
  if (!g_key_file_load_from_data (key_file, (const char *) data, size, G_KEY_FILE_NONE, NULL))
    return 0;

  ckd_user_settings_init (&settings);
  ckd_user_settings_apply (&settings, key_file, "callkitd.conf", problems);
  assert_bounded (&settings);

  again = settings;
  ckd_user_settings_apply (&again, key_file, "callkitd.conf", problems_again);
  g_assert (ckd_user_settings_equal (&settings, &again));
  g_assert_cmpuint (problems->len, ==, problems_again->len);
  return 0;
}
