/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ckd-call-texts.h"

/* Names, handles and provider names come from apps and from remote
 * callers. On D-Bus they stay as they were reported (a client may need
 * the exact value); shown to the user they must not reorder the text
 * (bidi overrides, isolates), hide parts of it (invisible format
 * characters) or carry terminal escapes and bells. Line breaks and tabs
 * become spaces; every other control or format character becomes U+FFFD,
 * so that the user sees something was there. Zero-width (non-)joiners
 * stay: emoji sequences and some scripts need them. */
char *
ckd_call_texts_clean (const char *text)
{
  GString *out;

  if (text == NULL)
    return NULL;
  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      switch (g_unichar_type (c))
        {
        case G_UNICODE_CONTROL:
        case G_UNICODE_LINE_SEPARATOR:
        case G_UNICODE_PARAGRAPH_SEPARATOR:
          if (c == '\n' || c == '\t' || c == '\r' || c == 0x2028 || c == 0x2029)
            g_string_append_c (out, ' ');
          else
            g_string_append_unichar (out, 0xfffd);
          break;
        case G_UNICODE_FORMAT:
          if (c == 0x200c || c == 0x200d)
            g_string_append_unichar (out, c);
          else
            g_string_append_unichar (out, 0xfffd);
          break;
        default:
          g_string_append_unichar (out, c);
          break;
        }
    }
  return g_string_free (out, FALSE);
}


static char *
label_of (const char *name, const char *handle)
{
  if (name != NULL && *name != '\0')
    return ckd_call_texts_clean (name);
  if (handle != NULL && *handle != '\0')
    return ckd_call_texts_clean (handle);
  /* Translators: the caller of a call that came with no name and no
   * number or address */
  return g_strdup (_("Unknown caller"));
}

/* The lines that say who calls and through which app: the caller's name
 * (when @with_name: the summary does not already hold it), the label a
 * source of caller identification gave, the handle when the name is not
 * the handle, the app. */
static GPtrArray *
caller_lines (const char *name, const char *handle, const char *label,
              const char *provider_name, gboolean with_name)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  char *shown = label_of (name, handle);
  char *clean_handle = ckd_call_texts_clean (handle);

  if (with_name)
    g_ptr_array_add (lines, g_strdup (shown));
  if (label != NULL && *label != '\0')
    g_ptr_array_add (lines, ckd_call_texts_clean (label));
  /* The handle adds something only when the name is not the handle. */
  if (clean_handle != NULL && *clean_handle != '\0' && g_strcmp0 (shown, clean_handle) != 0)
    g_ptr_array_add (lines, g_steal_pointer (&clean_handle));
  g_free (clean_handle);
  g_free (shown);
  if (provider_name != NULL && *provider_name != '\0')
    g_ptr_array_add (lines, ckd_call_texts_clean (provider_name));
  return lines;
}

/* The lines of a live call's body: who calls, as caller identification
 * merged it. */
static GPtrArray *
live_caller_lines (const CkdCall *call)
{
  CkdIdentityMerged merged;

  ckd_identity_merge (&call->identity, &merged);
  return caller_lines (merged.name, call->remote_handle.value, merged.label,
                       ckd_provider_display_name (call->provider), TRUE);
}

static char *
join_lines (GPtrArray *lines, gboolean markup)
{
  g_autofree char *text = NULL;

  g_ptr_array_add (lines, NULL);
  text = g_strjoinv ("\n", (char **) lines->pdata);
  g_ptr_array_remove_index (lines, lines->len - 1);
  /* Servers with body-markup drop what looks like a tag: <sip:...>. */
  return markup ? g_markup_escape_text (text, -1) : g_steal_pointer (&text);
}

static char *
missed_summary_of (const char *name, const char *handle, gboolean video)
{
  g_autofree char *label = label_of (name, handle);

  if (video)
    /* Translators: %s is the caller's name, number or address, or
     * "Unknown caller" */
    return g_strdup_printf (_("Missed video call from %s"), label);
  /* Translators: %s is the caller's name, number or address, or
   * "Unknown caller" */
  return g_strdup_printf (_("Missed call from %s"), label);
}

char *
ckd_call_texts_caller_label (const CkdCall *call)
{
  return label_of (ckd_call_identity_name (call), call->remote_handle.value);
}

char *
ckd_call_texts_ringing_summary (const CkdCall *call)
{
  CkdIdentityMerged merged;

  ckd_identity_merge (&call->identity, &merged);
  if (merged.suspected_spam)
    /* Translators: the title of a ringing call's notification when a
     * source of caller identification says the call may be spam */
    return g_strdup (call->has_video ? _("Suspected spam video call")
                                     : _("Suspected spam call"));
  /* Translators: the title of a ringing call's notification; the
   * caller is in the lines below it */
  return g_strdup (call->has_video ? _("Incoming video call") : _("Incoming call"));
}

char *
ckd_call_texts_ringing_body (const CkdCall *call, gboolean markup)
{
  g_autoptr (GPtrArray) lines = live_caller_lines (call);

  return join_lines (lines, markup);
}

char *
ckd_call_texts_missed_summary (const CkdCall *call)
{
  return missed_summary_of (ckd_call_identity_name (call), call->remote_handle.value,
                            call->has_video);
}

/* ---- missed calls, from the history ----------------------------------- */

char *
ckd_call_texts_missed_entry_summary (const CkdHistoryEntry *entry)
{
  return missed_summary_of (entry->localized_caller_name, entry->remote_handle.value,
                            entry->has_video);
}

char *
ckd_call_texts_missed_entry_body (const CkdHistoryEntry *entry, gboolean markup)
{
  g_autoptr (GPtrArray) lines = caller_lines (
    entry->localized_caller_name, entry->remote_handle.value, NULL, entry->provider_name, FALSE);

  return join_lines (lines, markup);
}

CkdCall *
ckd_call_texts_find_active_call (GHashTable *live_calls, const CkdCall *call)
{
  GHashTableIter iter;
  CkdCall *other;

  g_hash_table_iter_init (&iter, live_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != call && ckd_call_state_is_live_group (other->state)
        && ckd_call_state_is_active_like (other->state))
      return other;
  return NULL;
}

static gboolean
trial_valid (GHashTable *live_calls, GPtrArray *actions)
{
  CkdTransactionScope scope = { .live_calls = live_calls };

  return ckd_transaction_validate (actions, &scope, NULL);
}

static GPtrArray *
new_action_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ckd_action_free);
}

static CkdAction *
new_set_held (const char *uuid, gboolean on_hold)
{
  CkdAction *action = ckd_action_new (CKD_ACTION_SET_HELD, uuid);

  action->on_hold = on_hold;
  return action;
}

/* End-call actions for @active and the calls of its group: "End &
 * Answer" ends the conversation the user is in, not one member of it. */
static void
add_end_active (GPtrArray *actions, GHashTable *live_calls, CkdCall *active)
{
  GHashTableIter iter;
  CkdCall *other;

  g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, active->uuid));
  if (active->group == NULL)
    return;
  g_hash_table_iter_init (&iter, live_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != active && g_strcmp0 (other->group, active->group) == 0
        && other->provider == active->provider && other->state != CKD_CALL_STATE_ENDED)
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, other->uuid));
}

CkdAnswerChoice
ckd_call_texts_choose_answer (GHashTable *live_calls, CkdCall *call)
{
  g_autoptr (GPtrArray) answer = new_action_list ();
  g_autoptr (GPtrArray) hold = new_action_list ();
  g_autoptr (GPtrArray) end = new_action_list ();
  CkdCall *active;
  gboolean can_hold, can_end;

  g_ptr_array_add (answer, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  if (trial_valid (live_calls, answer))
    return CKD_ANSWER_ANSWER;
  active = ckd_call_texts_find_active_call (live_calls, call);
  if (active == NULL)
    return CKD_ANSWER_NO_ANSWER;

  g_ptr_array_add (hold, new_set_held (active->uuid, TRUE));
  g_ptr_array_add (hold, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  can_hold = trial_valid (live_calls, hold);
  add_end_active (end, live_calls, active);
  g_ptr_array_add (end, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  can_end = trial_valid (live_calls, end);

  if (can_hold && can_end)
    return CKD_ANSWER_HOLD_OR_END_ANSWER;
  if (can_hold)
    return CKD_ANSWER_HOLD_ANSWER;
  if (can_end)
    return CKD_ANSWER_END_ANSWER;
  return CKD_ANSWER_NO_ANSWER;
}

GStrv
ckd_call_texts_ringing_actions (CkdAnswerChoice answer)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  /* Translators: the notification's default action, which opens the
   * app's window for the call */
  g_strv_builder_add_many (builder, "default", _("Show"), NULL);
  switch (answer)
    {
    case CKD_ANSWER_ANSWER:
      g_strv_builder_add_many (builder, "answer", _("Answer"), NULL);
      break;
    case CKD_ANSWER_HOLD_OR_END_ANSWER:
      /* Translators: a button: put the current call on hold and answer
       * the ringing one */
      g_strv_builder_add_many (builder, "hold-answer", _("Hold & Answer"), NULL);
      /* Translators: a button: hang up the current call and answer the
       * ringing one */
      g_strv_builder_add_many (builder, "end-answer", _("End & Answer"), NULL);
      break;
    case CKD_ANSWER_HOLD_ANSWER:
      g_strv_builder_add_many (builder, "hold-answer", _("Hold & Answer"), NULL);
      break;
    case CKD_ANSWER_END_ANSWER:
      g_strv_builder_add_many (builder, "end-answer", _("End & Answer"), NULL);
      break;
    case CKD_ANSWER_NO_ANSWER:
    default:
      break;
    }
  g_strv_builder_add_many (builder, "decline", _("Decline"), NULL);
  return g_strv_builder_end (builder);
}

char *
ckd_call_texts_ongoing_summary (const CkdCall *call)
{
  if (call->state == CKD_CALL_STATE_HELD)
    /* Translators: the title of the notification of a call on hold */
    return g_strdup (_("Call on hold"));
  /* Translators: the title of the notification of the call the user is
   * in */
  return g_strdup (call->has_video ? _("Ongoing video call") : _("Ongoing call"));
}

char *
ckd_call_texts_duration (gint64 seconds)
{
  gint64 s = MAX (seconds, 0);

  /* Like a phone's call timer: 0:42, 12:05, 1:02:03. */
  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

char *
ckd_call_texts_ongoing_body (const CkdCall *call, gboolean markup)
{
  g_autoptr (GPtrArray) lines = live_caller_lines (call);

  if (call->muted)
    /* Translators: a line of the body: the microphone is muted */
    g_ptr_array_add (lines, g_strdup (_("Muted")));
  return join_lines (lines, markup);
}

GStrv
ckd_call_texts_ongoing_actions (const CkdCall *call)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, "default", _("Show"), "hang-up", _("Hang up"), NULL);
  if (call->muted)
    g_strv_builder_add_many (builder, "unmute", _("Unmute"), NULL);
  else
    g_strv_builder_add_many (builder, "mute", _("Mute"), NULL);
  if (call->supports_holding && call->state == CKD_CALL_STATE_HELD)
    g_strv_builder_add_many (builder, "resume", _("Resume"), NULL);
  else if (call->supports_holding && call->state == CKD_CALL_STATE_ACTIVE)
    /* Translators: a button that puts the call on hold */
    g_strv_builder_add_many (builder, "hold", _("Hold"), NULL);
  return g_strv_builder_end (builder);
}

GPtrArray *
ckd_call_texts_ringing_button_actions (GHashTable *live_calls, CkdCall *call, const char *key)
{
  g_autoptr (GPtrArray) actions = new_action_list ();
  CkdCall *active = ckd_call_texts_find_active_call (live_calls, call);

  if (g_str_equal (key, "answer"))
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
  else if (g_str_equal (key, "decline"))
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, call->uuid));
  else if (g_str_equal (key, "hold-answer") && active != NULL)
    {
      g_ptr_array_add (actions, new_set_held (active->uuid, TRUE));
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
    }
  else if (g_str_equal (key, "end-answer") && active != NULL)
    {
      add_end_active (actions, live_calls, active);
      g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_ANSWER_CALL, call->uuid));
    }
  return actions->len > 0 ? g_steal_pointer (&actions) : NULL;
}

GPtrArray *
ckd_call_texts_ongoing_button_actions (CkdCall *call, const char *key)
{
  g_autoptr (GPtrArray) actions = new_action_list ();

  if (g_str_equal (key, "hang-up"))
    g_ptr_array_add (actions, ckd_action_new (CKD_ACTION_END_CALL, call->uuid));
  else if (g_str_equal (key, "mute") || g_str_equal (key, "unmute"))
    {
      CkdAction *mute = ckd_action_new (CKD_ACTION_SET_MUTED, call->uuid);
      mute->muted = g_str_equal (key, "mute");
      g_ptr_array_add (actions, mute);
    }
  else if (g_str_equal (key, "hold") || g_str_equal (key, "resume"))
    g_ptr_array_add (actions, new_set_held (call->uuid, g_str_equal (key, "hold")));
  return actions->len > 0 ? g_steal_pointer (&actions) : NULL;
}
