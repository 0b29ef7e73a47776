/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-caller.h"
#include "ckd-context.h"

G_BEGIN_DECLS

/* The life of providers and calls: registration, the provider's reports,
 * the end of a call, reset and removal. Every change of a call goes
 * through here so that its D-Bus object follows. */

CkdProvider *ckd_session_register_provider (CkdContext *ctx, CkdCaller *owner,
                                            GVariant *configuration, GError **error);
gboolean ckd_session_set_configuration (CkdContext *ctx, CkdProvider *provider,
                                        GVariant *configuration, GError **error);

/* The two reports on the hot path come in two steps: the check (which
 * creates the call, or finds it), then the publication (export, or the end
 * of the call). A new call is exported before the report is answered; an
 * ended one leaves the bus after the answer, as nothing can reach it by
 * then. */
CkdCall *ckd_session_report_new_incoming_call (CkdContext *ctx, CkdProvider *provider,
                                               const char *uuid, GVariant *update,
                                               GError **error);
void ckd_session_publish_call (CkdContext *ctx, CkdCall *call);
gboolean ckd_session_report_call_updated (CkdContext *ctx, CkdProvider *provider,
                                          const char *uuid, GVariant *update, GError **error);
CkdCall *ckd_session_check_call_ended (CkdContext *ctx, CkdProvider *provider, const char *uuid,
                                       const char *reason_name, gint64 ended_at,
                                       CkdEndedReason *reason, GError **error);
gboolean ckd_session_report_outgoing_started_connecting (CkdContext *ctx, CkdProvider *provider,
                                                         const char *uuid, gint64 at,
                                                         GError **error);
gboolean ckd_session_report_outgoing_connected (CkdContext *ctx, CkdProvider *provider,
                                                const char *uuid, gint64 at, GError **error);

/* A start-call action was dispatched: the call exists from now on. */
CkdCall *ckd_session_add_outgoing_call (CkdContext *ctx, CkdProvider *provider,
                                        const CkdAction *start);

/* The one way a call ends: pending actions fail, the group is fixed up,
 * final properties go out and the object leaves the bus. */
void ckd_session_end_call (CkdContext *ctx, CkdCall *call, CkdEndedReason reason, gint64 at);

/* Push the model of @call (and of every call of its provider, for group
 * changes) to its D-Bus object. */
void ckd_session_call_changed (CkdContext *ctx, CkdCall *call);
void ckd_session_provider_calls_changed (CkdContext *ctx, CkdProvider *provider);

/* Hands the audio session to the calls that hold it now: providers whose
 * calls lost it get DidDeactivateAudioSession first, then those whose calls
 * gained it get DidActivateAudioSession. Run after every change of state. */
void ckd_session_update_audio_sessions (CkdContext *ctx);

/* Drops the provider's calls and pending actions and tells its owner
 * DidReset(@reason); the provider stays. */
void ckd_session_reset_provider (CkdContext *ctx, CkdProvider *provider, const char *reason);
/* Ends the provider's calls and removes it; @why is the pending actions'
 * failure reason. */
void ckd_session_remove_provider (CkdContext *ctx, CkdProvider *provider, const char *why);
/* A client left the bus: its providers go. */
void ckd_session_owner_vanished (CkdContext *ctx, const char *name);

G_END_DECLS
