/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "ckd-caller.h"
#include "ckd-missed-call.h"
#include "ckd-registry.h"
#include "ckd-settings.h"
#include "ckd-transaction.h"

G_BEGIN_DECLS

/* The CallKit rules: registration and reports of providers, transactions
 * from request to outcome (ckd-session-actions.c), deadlines, the ringing
 * timeout, reset and removal, who holds the audio session. Every change
 * goes to the registry, whose signals tell the front ends; what is not
 * state but a message to one party comes as a signal of the session:
 *
 * - "perform-action" (CkdAction *): send it to its provider;
 * - "action-timed-out" (CkdAction *): the provider missed its deadline;
 * - "transaction-completed" (CkdTransaction *): every action has its
 *   outcome; the requester (if any) is told;
 * - "provider-reset" (CkdProvider *, const char *reason);
 * - "audio-session-changed" (CkdProvider *, gboolean active, GStrv calls):
 *   the provider's audio session was activated or deactivated, for those
 *   calls; deactivations come before activations;
 * - "show-call-requested" (CkdCall *): the user asked to see the call in
 *   its app;
 * - "missed-call" (CkdMissedCall *): an incoming call was missed that
 *   never was a call here (its push came too late, or its app never
 *   started to take it); the history keeps it as it keeps a call that
 *   ended missed, and shows it from there;
 * - "do-not-disturb-requested" (gboolean on): the user turned the switch
 *   of do not disturb (ckd_session_set_do_not_disturb()); its front end
 *   decides what that makes of the state in the registry;
 * - "developer-notice" (const char *app_id, const char *text): something
 *   the developer of an app should see (it registered for development
 *   and broke a rule of the API). */

#define CKD_TYPE_SESSION (ckd_session_get_type ())
G_DECLARE_FINAL_TYPE (CkdSession, ckd_session, CKD, SESSION, GObject)

CkdSession *ckd_session_new (CkdRegistry *registry, CkdSettings *settings);
CkdRegistry *ckd_session_get_registry (CkdSession *self);
CkdSettings *ckd_session_get_settings (CkdSession *self);

/* ---- providers ---- */

CkdProvider *ckd_session_register_provider (CkdSession *self, CkdCaller *owner,
                                            GVariant *configuration, GError **error);
gboolean ckd_session_set_configuration (CkdSession *self, CkdProvider *provider,
                                        GVariant *configuration, GError **error);
/* Drops the provider's calls and pending actions and tells its owner
 * (provider-reset); the provider stays. */
void ckd_session_reset_provider (CkdSession *self, CkdProvider *provider, const char *reason);
/* Ends the provider's calls and removes it; @why is the pending actions'
 * failure reason. */
void ckd_session_remove_provider (CkdSession *self, CkdProvider *provider, const char *why);
/* A client left the bus: its providers go. */
void ckd_session_owner_vanished (CkdSession *self, const char *owner);
/* callkitd is stopping: pending actions fail and every provider is reset
 * with "daemon-stopping", its calls left as they are. */
void ckd_session_stop (CkdSession *self);

/* ---- reports ---- */

CkdCall *ckd_session_report_new_incoming_call (CkdSession *self, CkdProvider *provider,
                                               const char *uuid, GVariant *update,
                                               GError **error);
gboolean ckd_session_report_call_updated (CkdSession *self, CkdProvider *provider,
                                          const char *uuid, GVariant *update, GError **error);
gboolean ckd_session_report_call_ended (CkdSession *self, CkdProvider *provider,
                                        const char *uuid, const char *reason, gint64 ended_at,
                                        GError **error);
/* ---- incoming-call filters ---- */

/* A filter (the block list, do not disturb) is asked before a reported
 * incoming call rings, with @call complete (handle, names, video) but not
 * yet live, and returns CKD_CALL_FILTER_NONE to let it ring. Filters are
 * asked in the order they were added; the first that keeps the call from
 * the user decides: ckd_session_report_new_incoming_call() records the
 * call as filtered (ckd_session_record_filtered_call()) and fails with
 * the filter's error (FilteredByBlockList, FilteredByDoNotDisturb). */
typedef CkdCallFilter (*CkdIncomingCallFilterFunc) (const CkdCall *call, gpointer user_data);

void ckd_session_add_incoming_call_filter (CkdSession *self, CkdIncomingCallFilterFunc func,
                                           gpointer user_data);
void ckd_session_remove_incoming_call_filter (CkdSession *self, CkdIncomingCallFilterFunc func,
                                              gpointer user_data);

/* An incoming call that a filter (the block list, do not disturb) keeps
 * from the user: it never rings and never lives, but is checked like a
 * new report, ends as unanswered at once with call->filter = @filter, and
 * goes to the history ("call-ended" of the registry). The filter then
 * refuses the report with its own error. */
gboolean ckd_session_record_filtered_call (CkdSession *self, CkdProvider *provider,
                                           const char *uuid, GVariant *update,
                                           CkdCallFilter filter, GError **error);
gboolean ckd_session_report_outgoing_started_connecting (CkdSession *self, CkdProvider *provider,
                                                         const char *uuid, gint64 at,
                                                         GError **error);
gboolean ckd_session_report_outgoing_connected (CkdSession *self, CkdProvider *provider,
                                                const char *uuid, gint64 at, GError **error);

/* ---- the user ---- */

/* Ringing goes on without a sound for @uuid (every ringing call with
 * NULL) among those @caller may act on (every one with NULL). Returns how
 * many calls were silenced. */
guint ckd_session_silence_ringing (CkdSession *self, const CkdCaller *caller, const char *uuid);
void ckd_session_request_show_call (CkdSession *self, CkdCall *call);
/* A call that never rang was missed: its UUID (if any) is taken from now
 * on, so that a late report of it is refused, and "missed-call" tells the
 * front ends. */
void ckd_session_report_missed_call (CkdSession *self, const CkdMissedCall *missed);
/* The call @uuid must never ring (a stale push named it): a report of it
 * is refused from now on. */
void ckd_session_refuse_call (CkdSession *self, const char *uuid);
/* The user's do-not-disturb switch, turned by @caller (NULL: callkitd
 * itself): Unentitled for a sandboxed caller. */
gboolean ckd_session_set_do_not_disturb (CkdSession *self, const CkdCaller *caller, gboolean on,
                                         GError **error);
void ckd_session_report_developer_notice (CkdSession *self, const char *app_id,
                                          const char *text);

/* ---- transactions (ckd-session-actions.c) ---- */

/* Parses RequestTransaction's aa{sv}. */
GPtrArray *ckd_session_parse_actions (GVariant *actions, GError **error);
/* Validates @actions for @requester (NULL: callkitd itself, as the
 * desktop's notifications) with ckd_transaction_plan() and dispatches
 * them. @done, if not NULL, runs once every action has its outcome. Takes
 * @actions and @done_data (destroyed at once when validation fails).
 * Returns the transaction, owned by the session until it completes. */
CkdTransaction *ckd_session_request_transaction (CkdSession *self, const CkdCaller *requester,
                                                 GPtrArray *actions, CkdTransactionDone done,
                                                 gpointer done_data,
                                                 GDestroyNotify done_destroy, GError **error);
gboolean ckd_session_fulfill_action (CkdSession *self, CkdProvider *provider,
                                     const char *action_id, GVariant *result, GError **error);
gboolean ckd_session_fail_action (CkdSession *self, CkdProvider *provider,
                                  const char *action_id, const char *reason, GError **error);

G_END_DECLS
