/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-identity.h"

/* The merged identity: field by field, by source precedence, then by rank
 * among sources of one kind; empty strings say nothing; an update changes
 * only the fields it sends. */

static CkdIdentityFacts
facts (const char *name, const char *label, int spam)
{
  CkdIdentityFacts f = { .name = (char *) name, .label = (char *) label };

  if (name != NULL)
    f.present |= CKD_IDENTITY_NAME;
  if (label != NULL)
    f.present |= CKD_IDENTITY_LABEL;
  if (spam >= 0)
    {
      f.suspected_spam = spam;
      f.present |= CKD_IDENTITY_SUSPECTED_SPAM;
    }
  ckd_identity_facts_normalize (&f);
  return f;
}

static void
test_precedence (void)
{
  CkdIdentity identity;
  CkdIdentityFacts f;
  CkdIdentityMerged m;

  ckd_identity_init (&identity);
  f = facts ("Service B", "B's label", 1);
  g_assert_true (ckd_identity_set (&identity, CKD_IDENTITY_SOURCE_SERVICE, 2, "service:b", &f));
  f = facts ("Service A", NULL, -1);
  g_assert_true (ckd_identity_set (&identity, CKD_IDENTITY_SOURCE_SERVICE, 1, "service:a", &f));
  ckd_identity_merge (&identity, &m);
  /* The service of lower rank wins the name; the other keeps the rest. */
  g_assert_cmpstr (m.name, ==, "Service A");
  g_assert_cmpstr (m.name_source, ==, "service:a");
  g_assert_cmpstr (m.label_source, ==, "service:b");
  g_assert_true (m.suspected_spam);

  f = facts ("Ada", NULL, -1);
  g_assert_true (ckd_identity_set (&identity, CKD_IDENTITY_SOURCE_CONTACTS, 0, "contacts", &f));
  f = facts ("Countess", NULL, 0);
  g_assert_true (ckd_identity_set (&identity, CKD_IDENTITY_SOURCE_PROVIDER, 0, "provider", &f));
  ckd_identity_merge (&identity, &m);
  g_assert_cmpstr (m.name, ==, "Countess");
  g_assert_cmpstr (m.name_source, ==, "provider");
  g_assert_false (m.suspected_spam);
  g_assert_cmpstr (m.suspected_spam_source, ==, "provider");
  g_assert_cmpstr (m.label, ==, "B's label");
  g_assert_cmpuint (ckd_identity_fields_above (&identity, CKD_IDENTITY_SOURCE_SERVICE), ==,
                    CKD_IDENTITY_NAME | CKD_IDENTITY_SUSPECTED_SPAM);
  g_assert_true (ckd_identity_has_source (&identity, CKD_IDENTITY_SOURCE_CONTACTS));

  /* The same again changes nothing. */
  f = facts ("Ada", NULL, -1);
  g_assert_false (ckd_identity_set (&identity, CKD_IDENTITY_SOURCE_CONTACTS, 0, "contacts", &f));
  ckd_identity_clear (&identity);
}

static void
test_update_and_empty (void)
{
  g_autoptr (GVariant) merged = NULL;
  g_autofree char *printed = NULL;
  CkdIdentity identity;
  CkdIdentityFacts f;
  CkdIdentityMerged m;

  ckd_identity_init (&identity);
  f = facts ("Alice", "Work", -1);
  ckd_identity_update (&identity, CKD_IDENTITY_SOURCE_PROVIDER, 0, "provider", &f,
                       CKD_IDENTITY_NAME | CKD_IDENTITY_LABEL);
  /* A later report of the label alone keeps the name. */
  f = facts (NULL, "Friend", -1);
  ckd_identity_update (&identity, CKD_IDENTITY_SOURCE_PROVIDER, 0, "provider", &f,
                       CKD_IDENTITY_LABEL);
  ckd_identity_merge (&identity, &m);
  g_assert_cmpstr (m.name, ==, "Alice");
  g_assert_cmpstr (m.label, ==, "Friend");
  /* An empty name is no name: a lower source's shows. */
  f = facts ("Pizza Place", NULL, -1);
  ckd_identity_set (&identity, CKD_IDENTITY_SOURCE_SERVICE, 0, "service:a", &f);
  f = facts ("", NULL, -1);
  ckd_identity_update (&identity, CKD_IDENTITY_SOURCE_PROVIDER, 0, "provider", &f,
                       CKD_IDENTITY_NAME);
  merged = g_variant_ref_sink (ckd_identity_to_variant (&identity));
  printed = g_variant_print (merged, FALSE);
  g_assert_cmpstr (printed, ==,
                   "{'name': <'Pizza Place'>, 'label': <'Friend'>, "
                   "'sources': <{'name': 'service:a', 'label': 'provider'}>}");
  ckd_identity_clear (&identity);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/identity/precedence", test_precedence);
  g_test_add_func ("/identity/update-and-empty", test_update_and_empty);
  return g_test_run ();
}
