/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Do not disturb on the session, without a bus: the allow list's
 * matching, the contact check that caller identification installs, the
 * user's switch kept in the state directory and refused to sandboxed
 * callers. (The bus, GNOME's setting, the notification server and the
 * repeated calls: tests/test_desktop_do_not_disturb.py.) */
#include "config.h"

#include <glib/gstdio.h>

#include "ckd-do-not-disturb.h"
#include "ckd-error.h"

typedef struct
{
  char *dir;
  char *conf;
  CkdSettings *settings;
  CkdRegistry *registry;
  CkdSession *session;
  CkdDoNotDisturb *dnd;
  CkdProvider *provider;
  guint uuids;
} Fixture;

static void
set_up_with (Fixture *f, const char *conf_text)
{
  CkdOptions options = { .ringing_timeout_ms = 60000 };
  const char *paths[2] = { NULL, NULL };
  g_autoptr (CkdCaller) owner = ckd_caller_new (":1.7", 1000, 1, FALSE, NULL);
  g_autoptr (GVariant) config = g_variant_parse (NULL, "@a{sv} {}", NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-dnd-XXXXXX", &error);
  g_assert_no_error (error);
  f->conf = g_build_filename (f->dir, "callkitd.conf", NULL);
  g_assert_true (g_file_set_contents (f->conf, conf_text, -1, NULL));
  paths[0] = f->conf;
  f->settings = ckd_settings_new (&options, paths);
  f->registry = ckd_registry_new ();
  f->session = ckd_session_new (f->registry, f->settings);
  f->dnd = ckd_do_not_disturb_new (f->session, NULL, f->dir);
  f->provider = ckd_session_register_provider (f->session, owner, config, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  set_up_with (f, data != NULL ? data : "");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *switch_path = g_build_filename (f->dir, "do-not-disturb", NULL);

  g_clear_pointer (&f->dnd, ckd_do_not_disturb_free);
  ckd_session_stop (f->session);
  g_clear_object (&f->session);
  g_clear_object (&f->registry);
  g_clear_object (&f->settings);
  g_unlink (switch_path);
  g_unlink (f->conf);
  g_rmdir (f->dir);
  g_free (f->conf);
  g_free (f->dir);
}

/* Reports an incoming call from @number: TRUE when it rings (it is ended
 * at once), FALSE when do not disturb kept it. */
static gboolean
rings (Fixture *f, const char *number)
{
  g_autofree char *uuid =
    g_strdup_printf ("6a0e5a52-1e5b-4a43-9b43-%012x", ++f->uuids);
  g_autofree char *text =
    g_strdup_printf ("{'remote_handle': <('phone-number', '%s')>}", number);
  g_autoptr (GVariant) update = g_variant_parse (NULL, text, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  CkdCall *call = ckd_session_report_new_incoming_call (f->session, f->provider, uuid, update,
                                                        &error);

  if (call == NULL)
    {
      g_assert_error (error, CKD_ERROR, CKD_ERROR_FILTERED_BY_DO_NOT_DISTURB);
      return FALSE;
    }
  g_assert_true (ckd_session_report_call_ended (f->session, f->provider, uuid, "remote-ended",
                                                0, &error));
  g_assert_no_error (error);
  return TRUE;
}

/* A contact check as caller identification would install: here, the
 * numbers of @user_data. */
static gboolean
is_contact (const CkdCall *call, gpointer user_data)
{
  return g_strv_contains (user_data, call->remote_handle.value);
}

static void
test_contact_check (Fixture *f, gconstpointer data)
{
  const char *contacts[] = { "+4930111", NULL };
  const char *other = "+4930222";

  g_assert_true (ckd_session_set_do_not_disturb (f->session, NULL, TRUE, NULL));
  /* No check installed: nobody is a contact. */
  g_assert_false (rings (f, contacts[0]));
  ckd_do_not_disturb_set_contact_check (f->dnd, is_contact, contacts);
  g_assert_true (rings (f, contacts[0]));
  /* A contact rings every time. */
  g_assert_true (rings (f, contacts[0]));
  g_assert_false (rings (f, other));
  /* Removed again. */
  ckd_do_not_disturb_set_contact_check (f->dnd, NULL, NULL);
  g_assert_false (rings (f, "+4930111 "));
}

static void
test_contacts_not_allowed (Fixture *f, gconstpointer data)
{
  const char *contacts[] = { "+4930111", NULL };

  ckd_do_not_disturb_set_contact_check (f->dnd, is_contact, contacts);
  g_assert_true (ckd_session_set_do_not_disturb (f->session, NULL, TRUE, NULL));
  g_assert_false (rings (f, contacts[0]));
}

static void
test_switch (Fixture *f, gconstpointer data)
{
  g_autoptr (CkdCaller) sandboxed = ckd_caller_new (":1.9", 1000, 2, TRUE, "org.example.App");
  g_autofree char *switch_path = g_build_filename (f->dir, "do-not-disturb", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (ckd_registry_get_do_not_disturb (f->registry));
  g_assert_true (rings (f, "+4930111"));
  g_assert_false (ckd_session_set_do_not_disturb (f->session, sandboxed, TRUE, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_UNENTITLED);
  g_assert_false (ckd_registry_get_do_not_disturb (f->registry));
  g_assert_false (g_file_test (switch_path, G_FILE_TEST_EXISTS));

  g_assert_true (ckd_session_set_do_not_disturb (f->session, NULL, TRUE, NULL));
  g_assert_true (ckd_registry_get_do_not_disturb (f->registry));
  g_assert_true (g_file_test (switch_path, G_FILE_TEST_EXISTS));
  g_assert_false (rings (f, "+4930222"));

  /* Kept for the next callkitd. */
  ckd_do_not_disturb_free (f->dnd);
  ckd_registry_set_do_not_disturb (f->registry, FALSE);
  f->dnd = ckd_do_not_disturb_new (f->session, NULL, f->dir);
  g_assert_true (ckd_registry_get_do_not_disturb (f->registry));

  g_assert_true (ckd_session_set_do_not_disturb (f->session, NULL, FALSE, NULL));
  g_assert_false (ckd_registry_get_do_not_disturb (f->registry));
  g_assert_false (g_file_test (switch_path, G_FILE_TEST_EXISTS));
  g_assert_true (rings (f, "+4930333"));
}

static void
test_allow_list_matching (void)
{
  const char *list[] = { "+49 30 1234-567", "sip:ada@example.org", "Bob@Example.org", NULL };
  const struct
  {
    CkdHandleType type;
    const char *value;
    gboolean allowed;
  } cases[] = {
    { CKD_HANDLE_PHONE_NUMBER, "+49301234567", TRUE },
    { CKD_HANDLE_PHONE_NUMBER, "+49 (30) 1234.567", TRUE },
    { CKD_HANDLE_PHONE_NUMBER, "49301234567", FALSE }, /* the country code's + counts */
    { CKD_HANDLE_PHONE_NUMBER, "+493012345678", FALSE },
    { CKD_HANDLE_PHONE_NUMBER, "", FALSE },
    { CKD_HANDLE_GENERIC, "+49301234567", FALSE }, /* only phone numbers are compared by digits */
    { CKD_HANDLE_GENERIC, "sip:ada@example.org", TRUE },
    { CKD_HANDLE_GENERIC, "SIP:ada@example.org", FALSE },
    { CKD_HANDLE_EMAIL_ADDRESS, "bob@example.org", TRUE },
    { CKD_HANDLE_EMAIL_ADDRESS, "eve@example.org", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CkdHandle handle = { cases[i].type, (char *) cases[i].value };

      g_assert_cmpint (ckd_do_not_disturb_allow_list_has (list, &handle), ==, cases[i].allowed);
    }
  {
    CkdHandle handle = { CKD_HANDLE_PHONE_NUMBER, "+49301234567" };

    g_assert_false (ckd_do_not_disturb_allow_list_has (NULL, &handle));
  }
}

int
main (int argc, char **argv)
{
  /* GNOME's setting from memory, not the machine's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);
#define ADD(name, conf, func) \
  g_test_add ("/do-not-disturb/" name, Fixture, conf, fixture_set_up, func, fixture_tear_down)
  /* Without repeated calls, which would let a number through again. */
  ADD ("contact-check", "[DoNotDisturb]\nallow-repeated-calls=false\n", test_contact_check);
  ADD ("contacts-not-allowed", "[DoNotDisturb]\nallow-contacts=false\n",
       test_contacts_not_allowed);
  ADD ("switch", NULL, test_switch);
#undef ADD
  g_test_add_func ("/do-not-disturb/allow-list-matching", test_allow_list_matching);
  return g_test_run ();
}
