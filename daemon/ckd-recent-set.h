/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A set of strings that remembers only the newest @capacity entries, so
 * that memory stays bounded however many calls come and go. */
typedef struct _CkdRecentSet CkdRecentSet;

CkdRecentSet *ckd_recent_set_new (guint capacity);
void ckd_recent_set_free (CkdRecentSet *set);
void ckd_recent_set_add (CkdRecentSet *set, const char *s);
gboolean ckd_recent_set_contains (CkdRecentSet *set, const char *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdRecentSet, ckd_recent_set_free)

G_END_DECLS
