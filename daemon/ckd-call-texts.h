/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-call.h"
#include "ckd-history-db.h"
#include "ckd-transaction.h"

G_BEGIN_DECLS

/* What a call's notifications say and offer: summaries, bodies, buttons,
 * in the user's language. Pure, so unit tests reach it without a bus;
 * ckd-call-presenter.c shows them. */

/* What the Answer button of a ringing call does, decided by validating
 * trial transactions (nothing is dispatched). */
typedef enum
{
  CKD_ANSWER_ANSWER,             /* answering alone is valid */
  CKD_ANSWER_HOLD_OR_END_ANSWER, /* another call must be held or ended first */
  CKD_ANSWER_HOLD_ANSWER,        /* ... and can only be held */
  CKD_ANSWER_END_ANSWER,         /* ... and can only be ended */
  CKD_ANSWER_NO_ANSWER,          /* nothing makes answering valid */
} CkdAnswerChoice;

/* @text (from an app or a caller) made safe to show: no control, bidi
 * override or other invisible format character (ckd-call-texts.c says
 * how). NULL for NULL. */
char *ckd_call_texts_clean (const char *text);

/* Who calls: the name, else the handle, else "Unknown caller". */
char *ckd_call_texts_caller_label (const CkdCall *call);
/* A ringing call: "Incoming call" (or video call) over the caller's
 * label, handle and app. */
char *ckd_call_texts_ringing_summary (const CkdCall *call);
char *ckd_call_texts_ringing_body (const CkdCall *call, gboolean markup);
char *ckd_call_texts_missed_summary (const CkdCall *call);
/* A missed call's notification, from its history entry: it is shown once
 * a notification server is there, perhaps much later. */
char *ckd_call_texts_missed_entry_summary (const CkdHistoryEntry *entry);
char *ckd_call_texts_missed_entry_body (const CkdHistoryEntry *entry, gboolean markup);

/* The live call (not @call) that answering @call would have to hold or
 * end, or NULL. */
CkdCall *ckd_call_texts_find_active_call (GHashTable *live_calls, const CkdCall *call);
CkdAnswerChoice ckd_call_texts_choose_answer (GHashTable *live_calls, CkdCall *call);
/* The action keys and labels of a ringing call's notification, as the
 * Notify method takes them (key, label, key, label, ...). */
GStrv ckd_call_texts_ringing_actions (CkdAnswerChoice answer);
/* The ongoing (active or held) call's notification: "Ongoing call" (or
 * video call, or "Call on hold") over the caller's label, handle and app,
 * and "Muted". (The presenter adds the duration as the last line.) */
char *ckd_call_texts_ongoing_summary (const CkdCall *call);
char *ckd_call_texts_ongoing_body (const CkdCall *call, gboolean markup);
/* A call timer: 0:42, 12:05, 1:02:03. */
char *ckd_call_texts_duration (gint64 seconds);
GStrv ckd_call_texts_ongoing_actions (const CkdCall *call);
/* What the button @key of a ringing call's notification requests
 * ("answer", "decline", "hold-answer", "end-answer"), or NULL when it does
 * not apply (any more). */
GPtrArray *ckd_call_texts_ringing_button_actions (GHashTable *live_calls, CkdCall *call,
                                                  const char *key);
/* The same for an ongoing call's buttons ("hang-up", "mute", "unmute",
 * "hold", "resume"). */
GPtrArray *ckd_call_texts_ongoing_button_actions (CkdCall *call, const char *key);

G_END_DECLS
