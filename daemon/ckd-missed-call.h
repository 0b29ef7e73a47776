/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-types.h"

G_BEGIN_DECLS

/* An incoming call that was missed without ever being a call here: its
 * push named a caller but came too late, or its app never started to take
 * it. What the history keeps of it, as it keeps a call that ended missed
 * (ckd-history.c), and what its missed-call notification shows. */
typedef struct
{
  char *uuid; /* the call's, or NULL when the push named none */
  char *caller_name;
  CkdHandle handle;
  gboolean video;
  char *app_id;
  char *provider_name; /* the app's name, as the user knows it */
  char *icon;
  char *desktop_entry;
  CkdCallFilter filtered; /* why it never rang */
  gint64 at;              /* when it was missed */
} CkdMissedCall;

CkdMissedCall *ckd_missed_call_new (void);
void ckd_missed_call_free (CkdMissedCall *missed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdMissedCall, ckd_missed_call_free)

G_END_DECLS
