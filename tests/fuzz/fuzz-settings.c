/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* callkitd.conf (ckd_user_settings_apply): any file gives settings
 * within their documented bounds, and reading it twice is reading it
 * once. The do-not-disturb allow list it gives is matched
 * (ckd_do_not_disturb_allow_list_has) against handles made of its own
 * entries: each entry lets its own handle through. */
#include "config.h"

#include "ckd-do-not-disturb.h"
#include "ckd-limits.h"
#include "ckd-settings.h"
#include "fuzz-common.h"

static void
assert_bounded (const CkdUserSettings *s)
{
  const CkdDoNotDisturbSettings *dnd = &s->do_not_disturb;

  g_assert (s->history.max_entries >= 1 && s->history.max_entries <= CKD_HISTORY_MAX_MAX_ENTRIES);
  g_assert (s->history.max_age_days <= CKD_HISTORY_MAX_MAX_AGE_DAYS);
  g_assert (s->push.stale_after_seconds >= 1 && s->push.stale_after_seconds <= 86400);
  g_assert (s->push.report_deadline_ms >= 100 && s->push.report_deadline_ms <= 600000);
  g_assert (s->push.violations_before_throttle >= 1
            && s->push.violations_before_throttle <= 1000);
  g_assert (s->push.throttle_seconds >= 1 && s->push.throttle_seconds <= 86400);
  g_assert (s->push.activation_timeout_ms >= 100 && s->push.activation_timeout_ms <= 600000);
  g_assert (dnd->repeated_call_window_seconds >= 10
            && dnd->repeated_call_window_seconds
                 <= CKD_DO_NOT_DISTURB_MAX_REPEATED_CALL_WINDOW_SECONDS);
  if (dnd->allow_list != NULL)
    {
      guint n = g_strv_length (dnd->allow_list);

      g_assert (n >= 1 && n <= CKD_MAX_DO_NOT_DISTURB_ALLOW_LIST);
      for (guint i = 0; i < n; i++)
        g_assert (*dnd->allow_list[i] != '\0'
                  && strlen (dnd->allow_list[i]) <= CKD_MAX_STRING_LENGTH);
    }
}

static void
check_allow_list (char **allow_list)
{
  for (guint i = 0; allow_list != NULL && allow_list[i] != NULL && i < 16; i++)
    for (CkdHandleType type = 0; type <= CKD_HANDLE_EMAIL_ADDRESS; type++)
      {
        CkdHandle handle = { type, allow_list[i] };
        g_assert (ckd_do_not_disturb_allow_list_has ((const char *const *) allow_list, &handle));
      }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) problems_twice = g_ptr_array_new_with_free_func (g_free);
  CkdUserSettings once, twice;

  ckd_fuzz_init ();
  if (!g_key_file_load_from_data (key_file, (const char *) data, size, G_KEY_FILE_NONE, NULL))
    return 0;

  ckd_user_settings_init (&once);
  ckd_user_settings_apply (&once, key_file, "callkitd.conf", problems);
  assert_bounded (&once);
  check_allow_list (once.do_not_disturb.allow_list);

  ckd_user_settings_init (&twice);
  ckd_user_settings_apply (&twice, key_file, "callkitd.conf", problems_twice);
  ckd_user_settings_apply (&twice, key_file, "callkitd.conf", problems_twice);
  g_assert (ckd_user_settings_equal (&once, &twice));
  g_assert_cmpuint (problems_twice->len, ==, 2 * problems->len);

  ckd_user_settings_clear (&once);
  ckd_user_settings_clear (&twice);
  return 0;
}
