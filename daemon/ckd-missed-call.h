/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-call.h"

G_BEGIN_DECLS

/* A missed call, kept after its call is gone (or for a call that never
 * rang: a stale push that named its caller): what a missed-call
 * notification shows and what Call back needs, and what history keeps. */
typedef struct
{
  char *uuid; /* the call's, or NULL when it had none */
  char *caller_name;
  CkdHandle handle;
  gboolean video;
  char *provider_path; /* a live provider of the app to call back through, or NULL */
  char *provider_name;
  char *icon;
  char *desktop_entry;
  char *app_id;   /* the application's id, or NULL when not known */
  char *filtered; /* why it never rang ("stale-push"), or NULL: it rang */
  gint64 at;      /* when it was missed */
} CkdMissedCall;

/* The missed call @call, which ended just now. */
CkdMissedCall *ckd_missed_call_new (const CkdCall *call);
/* An empty one, for a call that never existed here. */
CkdMissedCall *ckd_missed_call_new_empty (void);
CkdMissedCall *ckd_missed_call_copy (const CkdMissedCall *missed);
void ckd_missed_call_free (CkdMissedCall *missed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdMissedCall, ckd_missed_call_free)

G_END_DECLS
