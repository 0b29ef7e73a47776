/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-recent-set.h"

struct _CkdRecentSet
{
  GHashTable *members; /* owns the strings, shared with order */
  GQueue order;        /* oldest first */
  guint capacity;
};

CkdRecentSet *
ckd_recent_set_new (guint capacity)
{
  CkdRecentSet *set = g_new0 (CkdRecentSet, 1);

  set->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&set->order);
  set->capacity = MAX (capacity, 1);
  return set;
}

void
ckd_recent_set_free (CkdRecentSet *set)
{
  g_queue_clear (&set->order);
  g_hash_table_destroy (set->members);
  g_free (set);
}

void
ckd_recent_set_add (CkdRecentSet *set, const char *s)
{
  char *copy;

  if (g_hash_table_contains (set->members, s))
    return;
  if (set->order.length == set->capacity)
    g_hash_table_remove (set->members, g_queue_pop_head (&set->order));

  copy = g_strdup (s);
  g_hash_table_add (set->members, copy);
  g_queue_push_tail (&set->order, copy);
}

gboolean
ckd_recent_set_contains (CkdRecentSet *set, const char *s)
{
  return g_hash_table_contains (set->members, s);
}
