/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libcallkit: the app side of callkitd, CallKit for Linux, over sd-bus.
 *
 * The names follow Apple's CallKit: a CkProvider (CXProvider) created with
 * a CkProviderConfiguration and a CkProviderDelegate, CkCallUpdate
 * (CXCallUpdate), CkAction (CXAction) with fulfill and fail, a
 * CkCallController (CXCallController) that requests CkTransactions, and a
 * CkCallObserver (CXCallObserver) that reports every CkCall (CXCall).
 *
 * Event loop: libcallkit does no I/O of its own. It uses the sd_bus
 * connection the app passes in, and everything it reports arrives while the
 * app runs that bus: attach it to an sd-event loop with
 * sd_bus_attach_event(), or poll sd_bus_get_fd() for sd_bus_get_events()
 * until sd_bus_get_timeout() and call sd_bus_process() until it returns 0.
 * GLib apps can use callkit-glib.h.
 *
 * Threads: no object is thread-safe. Use each object, and the sd_bus it
 * was created on, from one thread only.
 *
 * Errors: every function that can fail returns a negative errno-style
 * value. When callkitd itself refused a request with one of its named
 * errors (io.github.callkitd.CallKit1.Error.*), the function returns
 * -EBADR and the CkError is read with ck_provider_get_last_error() or
 * ck_call_controller_get_last_error() on the object the call was made on
 * (for a CkAction: on its provider). Other D-Bus errors map to their errno
 * as sd-bus does (sd_bus_error_get_errno()), e.g. -EHOSTDOWN when callkitd
 * is not running.
 *
 * Times are microseconds since the Unix epoch (CLOCK_REALTIME); 0 means
 * "now".
 *
 * Objects are opaque and reference counted. For every type X there are
 * x_ref() (adds a reference; NULL-safe; returns its argument), x_unref()
 * (drops one and frees the object at the last; NULL-safe; returns NULL) and
 * x_unrefp() for __attribute__((cleanup(x_unrefp))). Output parameters
 * (ret*) come last and are written only on success.
 *
 * A provider in a few lines (error checks left out):
 *
 *     static void perform(CkProvider *p, CkAction *a, void *userdata) {
 *             // ... carry it out, then:
 *             ck_action_fulfill(a);
 *     }
 *
 *     CkProviderConfiguration config = { .localized_name = "Phone" };
 *     CkProviderDelegate delegate = { .perform_action = perform };
 *     CkCallUpdate *u;
 *     CkProvider *p;
 *     sd_bus_open_user(&bus);
 *     ck_provider_new(bus, &config, &delegate, NULL, &p);
 *     ck_call_update_new(&u);
 *     ck_call_update_set_remote_handle(u, CK_HANDLE_TYPE_PHONE_NUMBER, "+4930123");
 *     ck_provider_report_new_incoming_call(p, "6f1d...-uuid", u);
 *     // then run the bus: sd_bus_attach_event(), or poll + sd_bus_process()
 */

#include <stdint.h>
#include <stddef.h>
#include <systemd/sd-bus.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Defines NAMEp(TYPE **p) that calls NAME(*p) when *p is not NULL, for
 * __attribute__((cleanup(NAMEp))), as systemd's public headers do. */
#define CK_DEFINE_POINTER_CLEANUP_FUNC(type, func)              \
        static inline void func##p(type **p) {                  \
                if (*p)                                         \
                        func(*p);                               \
        }

/* ---------------------------------------------------------------------- */
/* Errors */

/* CallKit's error codes (CXErrorCodeIncomingCallError,
 * CXErrorCodeRequestTransactionError, ...), as callkitd's D-Bus errors. */
typedef enum CkError {
        CK_ERROR_NONE = 0,                 /* no error */
        CK_ERROR_UNKNOWN,                  /* a callkitd error this library does not know */
        CK_ERROR_INVALID_ARGUMENT,
        CK_ERROR_UNENTITLED,
        CK_ERROR_UNKNOWN_CALL_PROVIDER,
        CK_ERROR_EMPTY_TRANSACTION,
        CK_ERROR_UNKNOWN_CALL_UUID,
        CK_ERROR_CALL_UUID_ALREADY_EXISTS,
        CK_ERROR_INVALID_ACTION,
        CK_ERROR_MAXIMUM_CALL_GROUPS_REACHED,
        CK_ERROR_FILTERED_BY_DO_NOT_DISTURB,
        CK_ERROR_FILTERED_BY_BLOCK_LIST,
        CK_ERROR_UNKNOWN_ACTION,
        CK_ERROR_ACTION_FAILED,
        CK_ERROR_ACTION_TIMED_OUT,
        CK_ERROR_LIMIT_EXCEEDED,
        CK_ERROR_UNKNOWN_ENTRY,            /* no such history entry (for this caller) */
        CK_ERROR_CANNOT_START_APP,         /* call back: no live provider, app not startable */
        CK_ERROR_UNKNOWN_PUSH_TOKEN,       /* no push registration with this token */
        CK_ERROR_TIMED_OUT,                /* what callkitd read did not arrive in time */
        CK_ERROR_STORAGE_FAILED,           /* callkitd could not write its files (a full disk) */
        _CK_ERROR_MAX,
} CkError;

/* Maps a D-Bus error name ("io.github.callkitd.CallKit1.Error.UnknownCallUUID")
 * to its CkError. Returns CK_ERROR_NONE for NULL, CK_ERROR_UNKNOWN for a
 * name below io.github.callkitd.CallKit1.Error. that is not known, and
 * -EINVAL for a name outside callkitd's errors. */
int ck_error_from_dbus_name(const char *name);

/* The short name of a CkError ("UnknownCallUUID"), as in the D-Bus error
 * name; "None" and "Unknown" for CK_ERROR_NONE and CK_ERROR_UNKNOWN; NULL
 * for a value out of range. */
const char *ck_error_to_string(CkError error);

/* ---------------------------------------------------------------------- */
/* Enumerations */

/* Handle types, usable as a bitmask in CkProviderConfiguration. */
typedef enum CkHandleType {
        CK_HANDLE_TYPE_GENERIC       = 1 << 0,
        CK_HANDLE_TYPE_PHONE_NUMBER  = 1 << 1,
        CK_HANDLE_TYPE_EMAIL_ADDRESS = 1 << 2,
} CkHandleType;

/* The D-Bus name of one handle type ("phone-number"); NULL for anything
 * but a single CkHandleType. */
const char *ck_handle_type_to_string(CkHandleType type);
/* The CkHandleType of a D-Bus name, or -EINVAL. */
int ck_handle_type_from_string(const char *s);

/* CXCallEndedReason, for ck_provider_report_call_ended(). */
typedef enum CkCallEndedReason {
        CK_CALL_ENDED_REASON_FAILED,
        CK_CALL_ENDED_REASON_REMOTE_ENDED,
        CK_CALL_ENDED_REASON_UNANSWERED,
        CK_CALL_ENDED_REASON_ANSWERED_ELSEWHERE,
        CK_CALL_ENDED_REASON_DECLINED_ELSEWHERE,
        _CK_CALL_ENDED_REASON_MAX,
} CkCallEndedReason;

/* The type of a CkAction (CXStartCallAction, CXAnswerCallAction, ...). */
typedef enum CkActionType {
        CK_ACTION_UNKNOWN = 0,           /* a type newer than this library */
        CK_ACTION_START_CALL,
        CK_ACTION_ANSWER_CALL,
        CK_ACTION_END_CALL,
        CK_ACTION_SET_HELD,
        CK_ACTION_SET_MUTED,
        CK_ACTION_SET_GROUP,
        CK_ACTION_PLAY_DTMF,
        _CK_ACTION_TYPE_MAX,
} CkActionType;

/* The D-Bus name of an action type ("answer-call"); NULL if out of range. */
const char *ck_action_type_to_string(CkActionType type);

/* ---------------------------------------------------------------------- */
/* CkCallUpdate: CXCallUpdate. Only the fields that were set are sent. */

typedef struct CkCallUpdate CkCallUpdate;

/* Creates an empty update. Returns 0 or -ENOMEM. */
int ck_call_update_new(CkCallUpdate **ret);
CkCallUpdate *ck_call_update_ref(CkCallUpdate *u);
/* Drops a reference; frees at the last one. Returns NULL. */
CkCallUpdate *ck_call_update_unref(CkCallUpdate *u);

/* Sets the remote handle: one CkHandleType (not a mask) and its value;
 * value may be "" or NULL (the caller is unknown). Returns 0, -EINVAL or
 * -ENOMEM. */
int ck_call_update_set_remote_handle(CkCallUpdate *u, CkHandleType type, const char *value);
/* Sets the caller's display name. Returns 0, -EINVAL or -ENOMEM. */
int ck_call_update_set_localized_caller_name(CkCallUpdate *u, const char *name);
/* Boolean fields; b is taken as true when non-zero. Return 0 or -EINVAL. */
int ck_call_update_set_supports_holding(CkCallUpdate *u, int b);
int ck_call_update_set_supports_grouping(CkCallUpdate *u, int b);
int ck_call_update_set_supports_ungrouping(CkCallUpdate *u, int b);
int ck_call_update_set_supports_dtmf(CkCallUpdate *u, int b);
int ck_call_update_set_has_video(CkCallUpdate *u, int b);

/* ---------------------------------------------------------------------- */
/* CkProviderConfiguration: CXProviderConfiguration, a plain struct.
 * Zero-initialise it and set what you need; zero and NULL fields take
 * callkitd's defaults. The provider copies it. */

typedef struct CkProviderConfiguration {
        const char *localized_name;
        const char *icon_name;
        const char *ringtone;                  /* a path or a sound theme name */
        const char *desktop_entry;             /* desktop file id without .desktop */
        unsigned maximum_call_groups;          /* 0: default (2) */
        unsigned maximum_calls_per_call_group; /* 0: default (5) */
        unsigned supported_handle_types;       /* CkHandleType mask; 0: all */
        int supports_video;
        unsigned action_timeout_ms;            /* 0: default (10000) */
} CkProviderConfiguration;

/* ---------------------------------------------------------------------- */
/* CkProvider and its delegate */

typedef struct CkProvider CkProvider;
typedef struct CkAction CkAction;

/* CXProviderDelegate. Every callback may be NULL and is called from
 * sd_bus_process() on the provider's bus. The provider holds a reference on
 * itself during a callback, so a callback may unref it. */
typedef struct CkProviderDelegate {
        /* The provider is registered and ready: at start, and again after
         * the library re-registered with a restarted callkitd. */
        void (*did_begin)(CkProvider *p, void *userdata);
        /* Every call of the provider has ended and every pending action
         * failed: drop the app's call state. The provider stays valid; do
         * not re-create it. reason: "requested" (someone reset the
         * provider), "daemon-stopping" (callkitd is shutting down),
         * "daemon-vanished" (callkitd crashed or was killed, and the
         * callkitd that came back did not restore the provider's calls;
         * did_begin follows), or "daemon-restarted" (a new callkitd
         * appeared after one that stopped, and the library registered the
         * provider again with the same configuration; did_begin follows).
         * When callkitd crashes, the app keeps its calls until a callkitd
         * is back: one that restored them (it keeps the live calls of
         * every provider across a crash) gives them back with no reset. */
        void (*did_reset)(CkProvider *p, const char *reason, void *userdata);
        /* Carry out the action, then call ck_action_fulfill() or
         * ck_action_fail() before its deadline, now or later (take a
         * reference with ck_action_ref() to answer after returning). When
         * NULL, actions are failed with reason "not-supported". */
        void (*perform_action)(CkProvider *p, CkAction *action, void *userdata);
        /* The action was not answered before its deadline; answering it now
         * fails with -ESTALE. */
        void (*timed_out_performing_action)(CkProvider *p, CkAction *action, void *userdata);
        /* The provider's calls gained / lost the audio session; calls is the
         * NULL-terminated list of their UUIDs, valid during the callback. */
        void (*did_activate_audio_session)(CkProvider *p, char **calls, void *userdata);
        void (*did_deactivate_audio_session)(CkProvider *p, char **calls, void *userdata);
        /* Optional, one per action type, as CXProviderDelegate's
         * perform(_: CXAnswerCallAction) and friends: when the one for an
         * action's type is set, it is called instead of perform_action,
         * with the same contract. */
        void (*perform_start_call)(CkProvider *p, CkAction *action, void *userdata);
        void (*perform_answer_call)(CkProvider *p, CkAction *action, void *userdata);
        void (*perform_end_call)(CkProvider *p, CkAction *action, void *userdata);
        void (*perform_set_held)(CkProvider *p, CkAction *action, void *userdata);
        void (*perform_set_muted)(CkProvider *p, CkAction *action, void *userdata);
        void (*perform_set_group)(CkProvider *p, CkAction *action, void *userdata);
        void (*perform_play_dtmf)(CkProvider *p, CkAction *action, void *userdata);
} CkProviderDelegate;

/* Registers a provider with callkitd on bus (which it references) and
 * returns it in *ret. config may be NULL (all defaults); delegate is copied
 * and may be NULL. When callkitd is not on the bus yet, the provider is
 * created anyway and registers as soon as callkitd appears. The provider
 * follows callkitd: when it restarts, the library registers again with the
 * same configuration, calls did_reset("daemon-restarted") and then
 * did_begin; the CkProvider stays the same object. After a crash of
 * callkitd the restarted one restores the provider's calls, and only
 * did_begin follows (did_reset("daemon-vanished") first when it did not).
 * Returns 0, -EINVAL, -ENOMEM, -EBADR (callkitd refused the configuration:
 * see ck_error_from_dbus_name(), the CkError is not kept as there is no
 * object) or another negative errno from sd-bus. */
int ck_provider_new(sd_bus *bus,
                    const CkProviderConfiguration *config,
                    const CkProviderDelegate *delegate,
                    void *userdata,
                    CkProvider **ret);
CkProvider *ck_provider_ref(CkProvider *p);
/* Drops a reference. At the last one the provider is invalidated in
 * callkitd (its calls end as failed) and freed. Returns NULL. */
CkProvider *ck_provider_unref(CkProvider *p);

/* Replaces the configuration (CXProvider.configuration): sets callkitd's
 * Configuration property, which replaces the whole configuration (fields
 * left zero take their defaults), and keeps it for re-registrations. When
 * not registered it is only kept. Returns 0, -EINVAL, -ENOMEM, -EBADR (see
 * ck_provider_get_last_error(); the old configuration stays) or another
 * negative errno. */
int ck_provider_set_configuration(CkProvider *p, const CkProviderConfiguration *config);

/* The bus the provider was created on (not a new reference). */
sd_bus *ck_provider_get_bus(CkProvider *p);
/* The provider's object path in callkitd, or NULL while not registered. */
const char *ck_provider_get_object_path(CkProvider *p);
/* 1 when registered with a running callkitd, 0 while waiting for one. */
int ck_provider_is_registered(CkProvider *p);
/* The CkError of the last request on this provider (or on one of its
 * actions) that failed with -EBADR; CK_ERROR_NONE after a success. */
CkError ck_provider_get_last_error(CkProvider *p);

/* The report methods of CXProvider. They wait for callkitd's reply
 * (sd_bus_call()); messages that arrive meanwhile are dispatched later by
 * sd_bus_process(). uuid is the call's UUID, chosen by the app; update may
 * be NULL. Return 0, -EINVAL, -ENOTCONN (not registered right now), -EBADR
 * (see ck_provider_get_last_error()) or another negative errno. */
int ck_provider_report_new_incoming_call(CkProvider *p, const char *uuid, const CkCallUpdate *update);
int ck_provider_report_call_updated(CkProvider *p, const char *uuid, const CkCallUpdate *update);
/* ended_at: when, or 0 for now. */
int ck_provider_report_call_ended(CkProvider *p, const char *uuid, CkCallEndedReason reason, uint64_t ended_at);
int ck_provider_report_outgoing_call_started_connecting(CkProvider *p, const char *uuid, uint64_t at);
int ck_provider_report_outgoing_call_connected(CkProvider *p, const char *uuid, uint64_t at);
/* Called with the outcome of an asynchronous report: 0 or a negative
 * errno as the synchronous function would return; after -EBADR,
 * ck_provider_get_last_error() tells the CkError during the callback. */
typedef void (*CkReportCallback)(CkProvider *p, int r, void *userdata);

/* ck_provider_report_new_incoming_call() without waiting: the call is
 * sent now and callback (may be NULL) runs from sd_bus_process() when
 * callkitd answers, or with a negative errno if the bus goes away first.
 * A provider with a report in flight stays alive until the answer comes.
 * Returns 0 when sent, or -EINVAL, -ENOTCONN, -ENOMEM or another negative
 * errno (the callback is then not called). */
int ck_provider_report_new_incoming_call_async(CkProvider *p, const char *uuid, const CkCallUpdate *update,
                                               CkReportCallback callback, void *userdata);

/* CXProvider.invalidate(): ends the provider's calls and removes it from
 * callkitd; the object then reports -ENOTCONN and does not re-register. */
int ck_provider_invalidate(CkProvider *p);

/* ---------------------------------------------------------------------- */
/* CkAction: an action for the provider to carry out (CXAction). */

/* Actions are created by the library; keep one beyond perform_action
 * with ck_action_ref() and drop it with ck_action_unref(). */
CkAction *ck_action_ref(CkAction *a);
CkAction *ck_action_unref(CkAction *a);

/* Accessors. They cannot fail; strings belong to the action and are NULL
 * when the action does not carry that key. */
const char *ck_action_get_id(CkAction *a);
CkActionType ck_action_get_type(CkAction *a);
const char *ck_action_get_call_uuid(CkAction *a);
const char *ck_action_get_transaction(CkAction *a);
/* When the action times out; 0 if unknown. */
uint64_t ck_action_get_deadline(CkAction *a);
/* The provider that received it (not a new reference); NULL once that
 * provider was freed. */
CkProvider *ck_action_get_provider(CkAction *a);
/* set-held: on_hold; set-muted: muted; start-call: video. 0 or 1. */
int ck_action_get_on_hold(CkAction *a);
int ck_action_get_muted(CkAction *a);
int ck_action_get_video(CkAction *a);
/* start-call: the handle, as its D-Bus type name ("phone-number") and
 * value. Returns 0, or -ENODATA when the action has no handle. */
int ck_action_get_handle(CkAction *a, const char **ret_type, const char **ret_value);
const char *ck_action_get_contact_identifier(CkAction *a);
/* set-group: the UUID to merge with; "" to leave the group. */
const char *ck_action_get_group_with(CkAction *a);
/* play-dtmf: digits and dtmf_type ("single-tone", "soft-pause", "hard-pause"). */
const char *ck_action_get_digits(CkAction *a);
const char *ck_action_get_dtmf_type(CkAction *a);
/* end-call: "declined", "hung-up" or "unanswered". */
const char *ck_action_get_end_reason(CkAction *a);
/* 1 once fulfilled, failed or timed out, else 0. */
int ck_action_is_complete(CkAction *a);

/* Answer the action, exactly once. Return 0, -EALREADY (answered already),
 * -ESTALE (it timed out, or the provider was reset), -EBADR (see
 * ck_provider_get_last_error() of its provider) or another negative errno. */
int ck_action_fulfill(CkAction *a);
/* Fulfill with a date: for start-call, answer-call and end-call, when the
 * call started, connected or ended (usec since the epoch; 0 for now). */
int ck_action_fulfill_with_date(CkAction *a, uint64_t date);
/* reason: free text for the requester, may be NULL. */
int ck_action_fail(CkAction *a, const char *reason);

/* ---------------------------------------------------------------------- */
/* CkTransaction and CkCallController: CXTransaction, CXCallController */

typedef struct CkTransaction CkTransaction;
typedef struct CkCallController CkCallController;

/* Creates an empty transaction (requesting it empty gets
 * CK_ERROR_EMPTY_TRANSACTION). Returns 0, -EINVAL or -ENOMEM. */
int ck_transaction_new(CkTransaction **ret);
CkTransaction *ck_transaction_ref(CkTransaction *t);
CkTransaction *ck_transaction_unref(CkTransaction *t);
/* Number of actions added. */
size_t ck_transaction_get_n_actions(CkTransaction *t);

/* Add one action each; uuid is the call's UUID. Return 0, -EINVAL or
 * -ENOMEM. handle_value may be NULL or "" (unknown). */
int ck_transaction_add_start_call(CkTransaction *t, const char *uuid, CkHandleType handle_type,
                                  const char *handle_value, int video);
/* A start-call action through the provider at provider_path: what a
 * requester that owns no provider, or several, uses (callctl start). */
int ck_transaction_add_start_call_on_provider(CkTransaction *t, const char *uuid, const char *provider_path,
                                              CkHandleType handle_type, const char *handle_value, int video);
int ck_transaction_add_answer_call(CkTransaction *t, const char *uuid);
int ck_transaction_add_end_call(CkTransaction *t, const char *uuid);
int ck_transaction_add_set_held(CkTransaction *t, const char *uuid, int on_hold);
int ck_transaction_add_set_muted(CkTransaction *t, const char *uuid, int muted);
/* group_with: the UUID to merge with, NULL or "" to leave the group. */
int ck_transaction_add_set_group(CkTransaction *t, const char *uuid, const char *group_with);
/* dtmf_type may be NULL (single-tone). */
int ck_transaction_add_play_dtmf(CkTransaction *t, const char *uuid, const char *digits,
                                 const char *dtmf_type);

typedef enum CkActionResult {
        CK_ACTION_RESULT_FULFILLED,
        CK_ACTION_RESULT_FAILED,
        CK_ACTION_RESULT_TIMED_OUT,
} CkActionResult;

/* One action's outcome, as in TransactionCompleted. Strings are valid
 * during the completion callback only. */
typedef struct CkActionOutcome {
        const char *action;
        CkActionType type;
        const char *call;
        CkActionResult result;
        const char *reason;     /* "" when fulfilled */
} CkActionOutcome;

/* Called once every action of the transaction completed. */
typedef void (*CkTransactionCompletion)(CkCallController *c, const char *transaction,
                                        const CkActionOutcome *outcomes, size_t n_outcomes,
                                        void *userdata);

/* A call controller on bus (referenced). Returns 0, -EINVAL, -ENOMEM or a
 * negative errno from sd-bus. */
int ck_call_controller_new(sd_bus *bus, CkCallController **ret);
CkCallController *ck_call_controller_ref(CkCallController *c);
CkCallController *ck_call_controller_unref(CkCallController *c);
CkError ck_call_controller_get_last_error(CkCallController *c);
/* The D-Bus error of the last request on this controller that failed on
 * the bus, whoever sent it (callkitd, or the bus: for example
 * org.freedesktop.DBus.Error.ServiceUnknown when callkitd cannot be
 * started); NULL after a success. Valid until the next request. */
const sd_bus_error *ck_call_controller_get_last_bus_error(CkCallController *c);

/* Requests the transaction: callkitd validates it whole and dispatches its
 * actions; the call returns then. completion (may be NULL) runs from
 * sd_bus_process() when TransactionCompleted arrives. *ret_transaction, if
 * not NULL, receives the transaction id (free() it). Returns 0, -EINVAL,
 * -EBADR (see ck_call_controller_get_last_error(): EmptyTransaction,
 * InvalidAction, ...) or another negative errno. */
int ck_call_controller_request_transaction(CkCallController *c, CkTransaction *t,
                                           CkTransactionCompletion completion, void *userdata,
                                           char **ret_transaction);

/* Resets the provider at provider_path, any app's (Provider.Reset): its
 * calls end as failed, its pending actions fail, its owner gets
 * did_reset("requested"); the provider stays registered. Returns 0,
 * -EINVAL, -EBADR (see ck_call_controller_get_last_error(): Unentitled)
 * or another negative errno (-ENXIO-like for a path that is not a
 * provider). */
int ck_call_controller_reset_provider(CkCallController *c, const char *provider_path);

/* Stops the ringing of the calls ringing now without declining them
 * (Manager.SilenceRinging). *ret_silenced, if not NULL, receives how many
 * calls were ringing. Returns 0 or a negative errno as above. */
int ck_call_controller_silence_ringing(CkCallController *c, unsigned *ret_silenced);

/* ---------------------------------------------------------------------- */
/* CkCallObserver and CkCall: CXCallObserver, CXCall */

typedef struct CkCall CkCall;
typedef struct CkCallObserver CkCallObserver;

/* Called for every change of a call the observer sees: when it appears,
 * when any of its properties changes (including when it ends), and once
 * more when it leaves the bus (then ck_call_is_removed() is 1 and the call
 * is no longer listed). The call is valid during the callback; take a
 * reference to keep it. */
typedef void (*CkCallChanged)(CkCallObserver *o, CkCall *call, void *userdata);

/* Watches every call on the machine that this connection may see, on bus
 * (referenced). Reads the current calls before returning (without calling
 * call_changed for them); call_changed may be NULL. When callkitd
 * restarts, the calls of the old one are reported removed and the new
 * one's are read. Returns 0, -EINVAL, -ENOMEM or a negative errno from
 * sd-bus (-EHOSTDOWN-like errors when callkitd is not running are not
 * errors: the observer starts empty). */
int ck_call_observer_new(sd_bus *bus, CkCallChanged call_changed, void *userdata, CkCallObserver **ret);

typedef enum CkCallObserverFlags {
        /* Start callkitd by D-Bus activation when it is not running, as
         * any method call to it would; without this flag the observer
         * never starts callkitd and only waits for it. */
        CK_CALL_OBSERVER_START_DAEMON = 1 << 0,
} CkCallObserverFlags;

/* ck_call_observer_new() with CkCallObserverFlags. With
 * CK_CALL_OBSERVER_START_DAEMON, a callkitd that cannot be started is an
 * error: the negative errno of the failed call is returned and, when
 * ret_error is not NULL, the D-Bus error is stored there (free it with
 * sd_bus_error_free()); for example ServiceUnknown when no activation
 * file names callkitd, or a Spawn error when it failed to start. */
int ck_call_observer_new_with_flags(sd_bus *bus, uint64_t flags, CkCallChanged call_changed, void *userdata,
                                    sd_bus_error *ret_error, CkCallObserver **ret);
CkCallObserver *ck_call_observer_ref(CkCallObserver *o);
CkCallObserver *ck_call_observer_unref(CkCallObserver *o);

/* The unique bus name of the callkitd whose objects the observer holds, or
 * NULL while none runs. */
const char *ck_call_observer_get_daemon(CkCallObserver *o);

/* Called when callkitd appears on the bus (daemon: its unique name) and
 * when it leaves (daemon: NULL; its calls and providers were reported
 * removed just before). The objects of a new callkitd are reported after
 * it appeared. */
typedef void (*CkDaemonChanged)(CkCallObserver *o, const char *daemon, void *userdata);
/* Sets (or, with NULL, clears) the callback. Returns 0 or -EINVAL. */
int ck_call_observer_set_daemon_changed(CkCallObserver *o, CkDaemonChanged callback, void *userdata);

/* Reads what callkitd says of itself (the Manager's Version and
 * Capabilities properties; a synchronous call). *ret_version (free() it)
 * and *ret_capabilities (a NULL-terminated array: free() each string and
 * the array) may each be NULL when not wanted. Returns 0, -EINVAL,
 * -EHOSTDOWN-like errors when callkitd is not running, or another
 * negative errno. */
int ck_call_observer_get_daemon_info(CkCallObserver *o, char **ret_version, char ***ret_capabilities);
/* The calls now on the bus, ended ones included until they leave. */
size_t ck_call_observer_get_n_calls(CkCallObserver *o);
/* The i-th call (not a new reference), or NULL when out of range. The
 * order is unspecified and changes as calls come and go. */
CkCall *ck_call_observer_get_call(CkCallObserver *o, size_t i);
/* The call with this UUID (any case), or NULL. */
CkCall *ck_call_observer_find_call(CkCallObserver *o, const char *uuid);

/* Calls are created by the observer; a reference keeps a call's last
 * known state after it left the observer. */
CkCall *ck_call_ref(CkCall *c);
CkCall *ck_call_unref(CkCall *c);
/* Accessors of the Call properties; strings belong to the call and are
 * never NULL ("" when unknown). */
const char *ck_call_get_uuid(CkCall *c);
const char *ck_call_get_provider(CkCall *c);       /* object path */
const char *ck_call_get_state(CkCall *c);          /* "ringing", "dialing", "connecting", "active", "held", "ended" */
const char *ck_call_get_localized_caller_name(CkCall *c);
/* The remote handle: D-Bus type name ("phone-number", or "" if none) and value. */
void ck_call_get_remote_handle(CkCall *c, const char **ret_type, const char **ret_value);
const char *ck_call_get_group(CkCall *c);
const char *ck_call_get_ended_reason(CkCall *c);
int ck_call_is_outgoing(CkCall *c);
int ck_call_is_on_hold(CkCall *c);
int ck_call_is_muted(CkCall *c);
int ck_call_has_connected(CkCall *c);
int ck_call_has_ended(CkCall *c);
int ck_call_has_video(CkCall *c);
/* 1 once the call left the bus (see CkCallChanged). */
int ck_call_is_removed(CkCall *c);
uint64_t ck_call_get_connected_at(CkCall *c);
uint64_t ck_call_get_ended_at(CkCall *c);
int ck_call_supports_holding(CkCall *c);
int ck_call_supports_grouping(CkCall *c);
int ck_call_supports_ungrouping(CkCall *c);
int ck_call_supports_dtmf(CkCall *c);
/* The call's object path. */
const char *ck_call_get_object_path(CkCall *c);

/* Every property, whatever its type, for tools that show them all (and
 * properties newer than this library). The names, in the order callkitd
 * sent them: a NULL-terminated array that belongs to the call, valid
 * until the call changes again. */
char **ck_call_get_property_names(CkCall *c);
/* The names of the properties that the change being reported set (every
 * name when the call appeared, none when it was removed), in the same
 * form; valid during the CkCallChanged callback. */
char **ck_call_get_changed_properties(CkCall *c);
/* The value of a property as callkitd sent it: *ret is a new message
 * (sd_bus_message_unref() it) whose next element is the variant, read
 * with sd_bus_message_read(m, "v", ...) or walked with
 * sd_bus_message_peek_type(). Returns 0, -EINVAL, -ENODATA (no such
 * property) or -ENOMEM. */
int ck_call_get_property(CkCall *c, const char *name, sd_bus_message **ret);

/* ---------------------------------------------------------------------- */
/* CkProviderInfo: a provider as callkitd lists it, any app's, seen by a
 * CkCallObserver (CallKit has no such thing: it is for tools and shells
 * that show every provider). Not a CkProvider: nothing is registered. */

typedef struct CkProviderInfo CkProviderInfo;

/* Called when a provider appears, when any of its properties changes, and
 * once more when it leaves (then ck_provider_info_is_removed() is 1). The
 * providers that exist when the observer is created are read without a
 * call, as calls are. */
typedef void (*CkProviderInfoChanged)(CkCallObserver *o, CkProviderInfo *p, void *userdata);
/* Sets (or, with NULL, clears) the callback. Returns 0 or -EINVAL. */
int ck_call_observer_set_provider_changed(CkCallObserver *o, CkProviderInfoChanged callback, void *userdata);
size_t ck_call_observer_get_n_providers(CkCallObserver *o);
/* The i-th provider (not a new reference), in the order of their numbers
 * (provider/N), or NULL when out of range. */
CkProviderInfo *ck_call_observer_get_provider(CkCallObserver *o, size_t i);
/* The provider at this object path, or NULL. */
CkProviderInfo *ck_call_observer_find_provider(CkCallObserver *o, const char *path);

CkProviderInfo *ck_provider_info_ref(CkProviderInfo *p);
CkProviderInfo *ck_provider_info_unref(CkProviderInfo *p);
/* Strings belong to the object and are never NULL ("" when unknown). */
const char *ck_provider_info_get_object_path(CkProviderInfo *p);
/* N of provider/N. Returns 0, or -ENODATA for another path. */
int ck_provider_info_get_number(CkProviderInfo *p, uint64_t *ret);
/* localized_name of its configuration. */
const char *ck_provider_info_get_localized_name(CkProviderInfo *p);
/* The unique bus name of the app that registered it. */
const char *ck_provider_info_get_owner(CkProviderInfo *p);
const char *ck_provider_info_get_application_id(CkProviderInfo *p);
int ck_provider_info_is_audio_session_active(CkProviderInfo *p);
int ck_provider_info_is_removed(CkProviderInfo *p);
/* As ck_call_get_property_names(), ck_call_get_changed_properties() and
 * ck_call_get_property(), for the Provider properties (Configuration is
 * its whole a{sv}). */
char **ck_provider_info_get_property_names(CkProviderInfo *p);
char **ck_provider_info_get_changed_properties(CkProviderInfo *p);
int ck_provider_info_get_property(CkProviderInfo *p, const char *name, sd_bus_message **ret);

/* ---------------------------------------------------------------------- */
/* CkCallDirectory: blocking and identification lists */

/* Lists of phone numbers that callkitd blocks or labels: see the
 * CallDirectory interface. Each app has one list of each kind; the user
 * has their own (app_id NULL or "" from an unsandboxed caller). A
 * sandboxed app reaches its own app's lists alone. */

typedef struct CkCallDirectory CkCallDirectory;

typedef enum CkCallDirectoryKind {
        CK_CALL_DIRECTORY_BLOCKING,
        CK_CALL_DIRECTORY_IDENTIFICATION,
} CkCallDirectoryKind;

/* Zero-initialise it and set what you need. */
typedef struct CkCallDirectoryOptions {
        const char *app_id;             /* whose list; NULL: the caller's app, or the user's */
        const char *default_region;     /* ISO 3166 code for national numbers; NULL: the locale's */
} CkCallDirectoryOptions;

/* What callkitd says of a handle (ck_call_directory_lookup()). */
typedef struct CkCallDirectoryMatch {
        int blocked;
        char **blocked_by;              /* NULL-terminated app ids; "" is the user's own list */
        char *label;                    /* "" when no list labels the number */
        char *label_app;
        char *number;                   /* E.164, "" when the handle is not a phone number */
} CkCallDirectoryMatch;

/* One list, as the Lists property has it. */
typedef struct CkCallDirectoryList {
        char *app_id;                   /* "" for the user's own */
        char *kind;                     /* "blocking", "identification" */
        unsigned count;
        uint64_t generation;
        int64_t updated_at;             /* µs since the epoch */
        char *state;                    /* "ok", "corrupt" */
        uint64_t blocked_calls;
} CkCallDirectoryList;

/* The directory on bus (referenced). Returns 0, -EINVAL or -ENOMEM. */
int ck_call_directory_new(sd_bus *bus, CkCallDirectory **ret);
CkCallDirectory *ck_call_directory_ref(CkCallDirectory *d);
CkCallDirectory *ck_call_directory_unref(CkCallDirectory *d);
/* As ck_history_get_last_error() and ck_history_get_last_bus_error(). */
CkError ck_call_directory_get_last_error(CkCallDirectory *d);
const sd_bus_error *ck_call_directory_get_last_bus_error(CkCallDirectory *d);

/* Replaces a list with the text read from fd (a file or a pipe: one number
 * a line, "number<TAB>label" for identification; any order, duplicates
 * and # comments allowed), or from the file at path. Waits until callkitd
 * stored it; *ret_count (may be NULL): the entries now in the list.
 * Returns 0, -EINVAL, -EBADR (InvalidArgument naming the bad line,
 * LimitExceeded, TimedOut, StorageFailed, Unentitled), or another negative
 * errno (-ENOENT... for a path that cannot be opened). */
int ck_call_directory_replace_from_fd(CkCallDirectory *d, CkCallDirectoryKind kind, int fd,
                                      const CkCallDirectoryOptions *options, unsigned *ret_count);
int ck_call_directory_replace_from_path(CkCallDirectory *d, CkCallDirectoryKind kind,
                                        const char *path, const CkCallDirectoryOptions *options,
                                        unsigned *ret_count);
/* Incremental changes; numbers (and labels, beside them) NULL-terminated.
 * Return as the replaces. */
int ck_call_directory_add_blocking(CkCallDirectory *d, const char *const *numbers,
                                   const CkCallDirectoryOptions *options);
int ck_call_directory_remove_blocking(CkCallDirectory *d, const char *const *numbers,
                                      const CkCallDirectoryOptions *options);
int ck_call_directory_add_identification(CkCallDirectory *d, const char *const *numbers,
                                         const char *const *labels,
                                         const CkCallDirectoryOptions *options);
int ck_call_directory_remove_identification(CkCallDirectory *d, const char *const *numbers,
                                            const CkCallDirectoryOptions *options);
int ck_call_directory_remove_all(CkCallDirectory *d, CkCallDirectoryKind kind,
                                 const CkCallDirectoryOptions *options);
/* What the lists the caller may see say of a handle ("phone-number",
 * "generic", "email-address"). Fills *ret; free it with
 * ck_call_directory_match_clear(). */
int ck_call_directory_lookup(CkCallDirectory *d, const char *handle_type, const char *handle,
                             CkCallDirectoryMatch *ret);
void ck_call_directory_match_clear(CkCallDirectoryMatch *m);
/* The entries of a list, offset first, at most limit (0: as many as
 * callkitd gives at once, 10000), in ascending order: NULL-terminated
 * arrays of E.164 numbers and of their labels ("" in blocking lists; may
 * be NULL), freed with ck_call_directory_strv_free(). */
int ck_call_directory_get_entries(CkCallDirectory *d, CkCallDirectoryKind kind,
                                  const CkCallDirectoryOptions *options, unsigned offset,
                                  unsigned limit, char ***ret_numbers, char ***ret_labels);
void ck_call_directory_strv_free(char **strv);
/* The lists the caller may see; free them with ck_call_directory_lists_free(). */
int ck_call_directory_get_lists(CkCallDirectory *d, CkCallDirectoryList **ret_lists,
                                size_t *ret_n_lists);
void ck_call_directory_lists_free(CkCallDirectoryList *lists, size_t n_lists);

/* ---------------------------------------------------------------------- */
/* CkHistory and CkHistoryEntry: the call history (recents) */

/* callkitd keeps every call that ended, of providers whose configuration
 * includes their calls in the recents (the default), as an entry: see the
 * History interface. A sandboxed app sees and changes only its own app's
 * entries. */

typedef struct CkHistory CkHistory;
typedef struct CkHistoryEntry CkHistoryEntry;

/* Which entries; zero-initialise it and set what you need. */
typedef struct CkHistoryFilter {
        uint64_t since;                 /* calls that ended at or after; 0: any */
        uint64_t before;                /* calls that ended before; 0: any (page back with it) */
        unsigned limit;                 /* at most; 0: as many as callkitd gives at once (1000) */
        int missed_only;
        const char *app_id;             /* NULL: every app the caller may see */
        const char *handle_type;        /* with handle_value: only calls with this handle */
        const char *handle_value;       /* ... (handle_type NULL: "generic") */
} CkHistoryFilter;

/* The history changed (entries added, seen, deleted): read again what you
 * show. Called from sd_bus_process(). */
typedef void (*CkHistoryChanged)(CkHistory *h, void *userdata);

/* The history on bus (referenced); changed may be NULL. Returns 0, -EINVAL,
 * -ENOMEM or a negative errno from sd-bus. */
int ck_history_new(sd_bus *bus, CkHistoryChanged changed, void *userdata, CkHistory **ret);
CkHistory *ck_history_ref(CkHistory *h);
CkHistory *ck_history_unref(CkHistory *h);
/* The CkError of the last request that failed with -EBADR; CK_ERROR_NONE
 * after a success. */
CkError ck_history_get_last_error(CkHistory *h);
/* The D-Bus error of the last request on h that failed on the bus (its
 * name and callkitd's message); NULL after a success. Valid until the
 * next request. */
const sd_bus_error *ck_history_get_last_bus_error(CkHistory *h);

/* The entries the filter (may be NULL) selects, newest first, waiting for
 * callkitd's reply. *ret_entries is a NULL-terminated array of new
 * references, freed with ck_history_entries_free(); *ret_n_entries (may be
 * NULL) their number. Returns 0, -EINVAL, -EBADR (InvalidArgument,
 * LimitExceeded, Unentitled) or another negative errno. */
int ck_history_get_entries(CkHistory *h, const CkHistoryFilter *filter,
                           CkHistoryEntry ***ret_entries, size_t *ret_n_entries);
/* Unrefs every entry and frees the array; NULL-safe. */
void ck_history_entries_free(CkHistoryEntry **entries);
/* Missed calls not seen yet (of the caller's app when sandboxed). */
int ck_history_get_missed_count(CkHistory *h, unsigned *ret);
/* Marks these entries seen (ids: NULL-terminated; NULL or empty: every
 * missed call), deletes them, or deletes what filter selects (its limit
 * must be 0; NULL: everything the caller may see). */
int ck_history_mark_seen(CkHistory *h, const char *const *ids);
int ck_history_delete_entries(CkHistory *h, const char *const *ids);
int ck_history_clear(CkHistory *h, const CkHistoryFilter *filter);
/* Calls the entry's caller back through a live provider of its app (the
 * active call is held, or ended where it cannot be, in the same
 * transaction); with none, callkitd starts the app with a tel: or sip: URI.
 * *ret_transaction (may be NULL): the transaction id, "" when the app was
 * started; free() it. Returns 0, -EINVAL, -EBADR (UnknownEntry,
 * InvalidAction for an unknown caller, CannotStartApp, the errors of
 * ck_call_controller_request_transaction()) or another negative errno. */
int ck_history_call_back(CkHistory *h, const char *id, char **ret_transaction);

CkHistoryEntry *ck_history_entry_ref(CkHistoryEntry *e);
CkHistoryEntry *ck_history_entry_unref(CkHistoryEntry *e);
/* Accessors; strings belong to the entry and are never NULL ("" when
 * unknown or empty). The id is what the other functions take. */
const char *ck_history_entry_get_id(CkHistoryEntry *e);
const char *ck_history_entry_get_call(CkHistoryEntry *e);
const char *ck_history_entry_get_app_id(CkHistoryEntry *e);
const char *ck_history_entry_get_provider_name(CkHistoryEntry *e);
/* An unknown caller has ("generic", ""). */
void ck_history_entry_get_remote_handle(CkHistoryEntry *e, const char **ret_type, const char **ret_value);
const char *ck_history_entry_get_localized_caller_name(CkHistoryEntry *e);
/* As the call's EndedReason ("remote-ended", "hung-up", ...). */
const char *ck_history_entry_get_ended_reason(CkHistoryEntry *e);
/* "" or why the call never rang: "block-list", "do-not-disturb", "stale-push",
 * "push-undelivered". */
const char *ck_history_entry_get_filtered(CkHistoryEntry *e);
const char *ck_history_entry_get_icon_name(CkHistoryEntry *e);
const char *ck_history_entry_get_desktop_entry(CkHistoryEntry *e);
int ck_history_entry_is_outgoing(CkHistoryEntry *e);
int ck_history_entry_has_video(CkHistoryEntry *e);
int ck_history_entry_is_missed(CkHistoryEntry *e);
int ck_history_entry_is_seen(CkHistoryEntry *e);
uint64_t ck_history_entry_get_started_at(CkHistoryEntry *e);
/* 0 when the call never connected. */
uint64_t ck_history_entry_get_connected_at(CkHistoryEntry *e);
uint64_t ck_history_entry_get_ended_at(CkHistoryEntry *e);

/* ---------------------------------------------------------------------- */
/* CkPushRegistry: PKPushRegistry for VoIP pushes */

typedef struct CkPushRegistry CkPushRegistry;

/* Who the app is and how callkitd wakes it. */
typedef struct CkPushRegistryConfiguration {
        const char *app_id;     /* reverse-DNS, as the .desktop file; a Flatpak app may leave it NULL */
        const char *bus_name;   /* the D-Bus-activatable name that starts the app; NULL: the app id */
        int development;        /* violations also shown as desktop notifications */
} CkPushRegistryConfiguration;

/* What a push says, and what callkitd decided (PushReceived's metadata).
 * Strings are NULL when the push did not carry them; everything is valid
 * during the callback only. */
typedef struct CkPushMetadata {
        const char *push_id;
        uint64_t sent_at;                       /* 0: not known */
        uint64_t expires_at;                    /* 0: never */
        const char *call_uuid;                  /* the call the push is about */
        const char *remote_handle_type;         /* "phone-number", ... */
        const char *remote_handle_value;
        const char *localized_caller_name;
        int must_report;                        /* report a new incoming call before report_by */
        const char *reason;                     /* why not: "foreground", "active-call", "stale"; "" */
        uint64_t received_at;
        uint64_t report_by;                     /* 0 unless must_report */
        const char *transport;                  /* "deliver-push", "unifiedpush" */
        const char *envelope_error;             /* a UnifiedPush body not read whole: what was left out */
} CkPushMetadata;

/* PKPushRegistryDelegate. Every callback may be NULL and is called from
 * sd_bus_process() on the registry's bus. */
typedef struct CkPushRegistryDelegate {
        /* The token, at registration, and again after the library
         * registered with a restarted callkitd (it is the same). Send it
         * (or the endpoint) to the app's server. */
        void (*did_update_token)(CkPushRegistry *r, const char *token, void *userdata);
        /* A push. When metadata->must_report, report a new incoming call
         * (metadata->call_uuid when set) before metadata->report_by, e.g.
         * with ck_provider_report_push(); else end or update the call it
         * names, or show nothing. */
        void (*did_receive_push)(CkPushRegistry *r, const void *payload, size_t size,
                                 const CkPushMetadata *metadata, void *userdata);
        /* The UnifiedPush endpoint the app's server sends pushes to; ""
         * when the distributor dropped it. */
        void (*did_update_endpoint)(CkPushRegistry *r, const char *endpoint, void *userdata);
        /* A push obliged the app to report a call and it did not in time:
         * callkitd counted a violation. push_id is "" when it had none. */
        void (*did_miss_report_deadline)(CkPushRegistry *r, const char *push_id, void *userdata);
} CkPushRegistryDelegate;

/* Registers the app for VoIP pushes with callkitd on bus (referenced).
 * When callkitd is not on the bus yet, the registry is created anyway and
 * registers as soon as callkitd appears; when callkitd restarts, it
 * registers again (the token stays the same) and calls did_update_token
 * again. Pushes that woke the app (callkitd started its bus_name) arrive
 * right after the registration. config->app_id is needed unless the app
 * runs in a Flatpak sandbox.
 * Returns 0, -EINVAL, -ENOMEM, -EBADR (callkitd refused: see
 * ck_error_from_dbus_name(); the CkError is not kept as there is no
 * object) or another negative errno from sd-bus. */
int ck_push_registry_new(sd_bus *bus,
                         const CkPushRegistryConfiguration *config,
                         const CkPushRegistryDelegate *delegate,
                         void *userdata,
                         CkPushRegistry **ret);
CkPushRegistry *ck_push_registry_ref(CkPushRegistry *r);
/* Drops a reference. The registration stays in callkitd: pushes start
 * the app again. Returns NULL. */
CkPushRegistry *ck_push_registry_unref(CkPushRegistry *r);

/* The token (PKPushCredentials.token), or NULL while not registered. */
const char *ck_push_registry_get_token(CkPushRegistry *r);
/* The UnifiedPush endpoint, or NULL when there is none. */
const char *ck_push_registry_get_endpoint(CkPushRegistry *r);
/* 1 when registered with a running callkitd, 0 while waiting for one. */
int ck_push_registry_is_registered(CkPushRegistry *r);
CkError ck_push_registry_get_last_error(CkPushRegistry *r);
/* While the app is in the foreground, pushes oblige it to report nothing
 * (reason "foreground"). Kept across re-registrations. Returns 0,
 * -ENOTCONN (not registered right now: kept for the registration),
 * -EBADR or another negative errno. */
int ck_push_registry_set_foreground(CkPushRegistry *r, int foreground);
/* No more pushes for the app (an empty desiredPushTypes): callkitd drops
 * the registration until the app registers again, with the same token.
 * The object reports -ENOTCONN afterwards and does not re-register.
 * Returns 0, -ENOTCONN, -EBADR or another negative errno. */
int ck_push_registry_unregister(CkPushRegistry *r);

/* Reports the incoming call a push announced, in one step: the push's
 * call_uuid (or a new UUID when it named none), its remote handle and
 * caller name. *ret_uuid, if not NULL, receives the call's UUID (free()
 * it). Returns as ck_provider_report_new_incoming_call(). */
int ck_provider_report_push(CkProvider *p, const CkPushMetadata *metadata, char **ret_uuid);

/* ---- caller identification (Live Caller ID Lookup) -------------------- */

/* A caller lookup service: callkitd asks it who calls, for every incoming
 * call with a handle that no source of higher precedence identified
 * already (see the CallDirectory and IdentificationService XML). */
typedef struct CkIdentificationService CkIdentificationService;
/* One question from callkitd, answered exactly once with
 * ck_identification_lookup_reply() or ck_identification_lookup_fail(),
 * from the callback or later (callkitd rings after a short deadline and
 * takes a later answer as an update). */
typedef struct CkIdentificationLookup CkIdentificationLookup;

/* handle_type is "phone-number", "email-address" or "generic"; both
 * strings are valid during the callback only. */
typedef void (*CkIdentificationLookupFunc)(CkIdentificationService *s,
                                           CkIdentificationLookup *lookup,
                                           const char *handle_type,
                                           const char *handle,
                                           void *userdata);

/* callkitd's default for how long it keeps an answer (3600 s). */
#define CK_IDENTIFICATION_DEFAULT_CACHE UINT32_MAX

/* Exports the IdentificationService interface at object_path on bus
 * (referenced) and registers it with callkitd for app_id (NULL in a
 * Flatpak sandbox: the app's own), answers kept for cache_seconds (at
 * most 86400; CK_IDENTIFICATION_DEFAULT_CACHE for callkitd's default).
 * Registers again whenever callkitd (re)appears on the bus; registering
 * anew clears callkitd's cache of this app's answers.
 * Returns 0, -EINVAL, -ENOMEM, -EBADR (callkitd refused: see
 * ck_error_from_dbus_name()) or another negative errno from sd-bus. */
int ck_identification_service_new(sd_bus *bus,
                                  const char *object_path,
                                  const char *app_id,
                                  uint32_t cache_seconds,
                                  CkIdentificationLookupFunc lookup,
                                  void *userdata,
                                  CkIdentificationService **ret);
CkIdentificationService *ck_identification_service_ref(CkIdentificationService *s);
/* The object leaves the bus with the last reference (and callkitd then
 * counts lookups sent to it as failures). Returns NULL. */
CkIdentificationService *ck_identification_service_unref(CkIdentificationService *s);

/* What the answer says; what is not set is not known. An answer with
 * nothing set is a negative answer (callkitd caches it too). */
int ck_identification_lookup_set_name(CkIdentificationLookup *lookup, const char *name);
int ck_identification_lookup_set_label(CkIdentificationLookup *lookup, const char *label);
int ck_identification_lookup_set_suspected_spam(CkIdentificationLookup *lookup, int suspected_spam);
/* How long callkitd may keep this answer (0: not at all), instead of the
 * service's cache_seconds. */
int ck_identification_lookup_set_cache_seconds(CkIdentificationLookup *lookup, uint32_t seconds);
/* Sends the answer and frees lookup. Returns 0 or a negative errno. */
int ck_identification_lookup_reply(CkIdentificationLookup *lookup);
/* Answers with an error (callkitd skips this service for the call) and
 * frees lookup. */
int ck_identification_lookup_fail(CkIdentificationLookup *lookup, const char *message);

CK_DEFINE_POINTER_CLEANUP_FUNC(CkIdentificationService, ck_identification_service_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkCallUpdate, ck_call_update_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkProvider, ck_provider_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkAction, ck_action_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkTransaction, ck_transaction_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkCallController, ck_call_controller_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkCallObserver, ck_call_observer_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkCall, ck_call_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkProviderInfo, ck_provider_info_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkHistory, ck_history_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkCallDirectory, ck_call_directory_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkHistoryEntry, ck_history_entry_unref)
CK_DEFINE_POINTER_CLEANUP_FUNC(CkPushRegistry, ck_push_registry_unref)

#ifdef __cplusplus
}
#endif
