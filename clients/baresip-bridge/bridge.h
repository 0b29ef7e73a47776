/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * baresip-bridge: baresip, a real SIP softphone, as a callkitd provider.
 *
 * One thread, one sd-event loop: the session bus (libcallkit) and baresip's
 * ctrl_tcp connection are sources of the same loop, so no state is shared
 * across threads.
 *
 * bb-ctrl.c     the ctrl_tcp connection: connect, reconnect, netstrings,
 *               commands with their responses, events
 * bb-accounts.c one CkProvider per baresip account (its AOR)
 * bb-calls.c    the call table and baresip's events -> callkitd reports
 * bb-actions.c  callkitd's actions -> baresip commands, fulfilled or failed
 *               when baresip's events confirm them
 * bb-audio.c    the audio session -> baresip's audio devices
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <systemd/sd-event.h>

#include "bb-json.h"
#include "callkit.h"

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ __attribute__((cleanup(freep)))

typedef struct Bridge Bridge;
typedef struct BbCtrl BbCtrl;
typedef struct BbAccount BbAccount;
typedef struct BbCall BbCall;
typedef struct BbOp BbOp;

/* What an action waits for before it is fulfilled. */
typedef enum BbOpKind {
        BB_OP_START,            /* the first event with a new outgoing call id */
        BB_OP_ANSWER,           /* CALL_ESTABLISHED */
        BB_OP_END,              /* CALL_CLOSED */
        BB_OP_HOLD,             /* CALL_REMOTE_SDP answer to our re-INVITE */
        BB_OP_MUTE,             /* the mute command's reply naming the new state */
        BB_OP_DTMF,             /* the sndcode command's reply */
} BbOpKind;

/* An action in flight: fulfilled or failed exactly once, at the latest by
 * its timer, a little before callkitd's deadline. */
struct BbOp {
        Bridge *bridge;
        BbOpKind kind;
        bool done;              /* answered; freed once no command waits for baresip */
        unsigned n_commands;    /* commands of this op waiting for a response */
        unsigned tries;
        CkAction *action;
        BbCall *call;           /* NULL for BB_OP_START until matched */
        BbAccount *account;
        bool want;              /* hold / mute: the state asked for */
        sd_event_source *timer;
        BbOp *next;
};

struct BbAccount {
        Bridge *bridge;
        char *aor;
        CkProvider *provider;
        bool seen;              /* listed by the last reginfo */
        BbAccount *next;
};

typedef enum BbCallState {
        BB_CALL_RINGING,        /* incoming, reported */
        BB_CALL_DIALING,        /* outgoing, INVITE sent */
        BB_CALL_ESTABLISHED,
} BbCallState;

struct BbCall {
        Bridge *bridge;
        BbAccount *account;
        char uuid[37];
        char *sip_id;           /* baresip's call id: the SIP Call-ID */
        char *peer_uri;
        bool outgoing;
        BbCallState state;
        bool reported;          /* callkitd knows the call */
        bool want_held;         /* callkitd's view */
        bool held;              /* baresip's view, from the re-INVITEs we saw */
        bool modifying;         /* a re-INVITE of ours or baresip's in flight */
        bool muted;
        bool audio;             /* between DidActivate and DidDeactivate */
        BbCall *next;
};

typedef struct BbAudioConfig {
        char *player;           /* MOD,DEV while a call holds the session */
        char *source;
        char *idle_player;      /* MOD,DEV otherwise */
        char *idle_source;
        char *tag_file;         /* PipeWire ALSA drop-in naming the call, or NULL */
        char *binary;           /* baresip's process name, matched by that drop-in */
} BbAudioConfig;

struct Bridge {
        sd_event *event;
        sd_bus *bus;
        BbCtrl *ctrl;
        char *ctrl_address;     /* host:port, as given */
        BbAccount *accounts;
        BbCall *calls;
        BbOp *ops;
        BbAudioConfig audio;
        char *audio_call;       /* UUID of the call baresip's devices serve, or NULL */
        struct BbStep *steps;   /* commands on a call, one at a time (bb-calls.c) */
        bool verbose;
        int exit_status;
};

/* baresip-bridge.c: one line on stdout, "event: ...", for people and
 * tests; log_error goes to stderr. */
void bb_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bb_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bb_debug(Bridge *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* bb-ctrl.c */
typedef void (*BbResponseHandler)(Bridge *b, int ok, const char *data, void *userdata);
/* HOST:PORT or [IPV6]:PORT. Returns 0, -EINVAL or -ENOMEM. */
int bb_ctrl_parse_address(const char *address, char **ret_host, char **ret_port);
int bb_ctrl_new(Bridge *b, const char *address, BbCtrl **ret);
BbCtrl *bb_ctrl_free(BbCtrl *c);
bool bb_ctrl_is_connected(BbCtrl *c);
/* Queues a command; handler (may be NULL) gets baresip's response: ok
 * (0/1, or a negative errno when the connection went first) and its text.
 * Returns 0, -ENOTCONN or -ENOMEM. */
int bb_ctrl_command(BbCtrl *c, const char *command, const char *params,
                    BbResponseHandler handler, void *userdata);

/* bb-accounts.c */
/* Creates the account's provider when it is new. */
BbAccount *bb_account_get(Bridge *b, const char *aor);
void bb_accounts_sync(Bridge *b, const char *reginfo);
void bb_accounts_free(Bridge *b);
/* The account whose provider this is. */
BbAccount *bb_account_by_provider(Bridge *b, CkProvider *p);
extern const CkProviderDelegate bb_delegate;

/* bb-calls.c */
void bb_calls_on_event(Bridge *b, const BbJsonObject *event);
BbCall *bb_call_by_uuid(Bridge *b, const char *uuid);
BbCall *bb_call_by_sip_id(Bridge *b, const char *sip_id);
/* uuid: NULL for a new random one. */
BbCall *bb_call_new(Bridge *b, BbAccount *a, const char *uuid, const char *sip_id,
                    const char *peer_uri, bool outgoing);
void bb_call_free(Bridge *b, BbCall *call);
/* Ends every call: callkitd hears `failed` when report is true (baresip
 * went away); baresip is told to hang up when hangup is true (callkitd
 * reset the provider). */
void bb_calls_drop_all(Bridge *b, BbAccount *only, bool report, bool hangup);
/* The handle of a SIP URI: a phone number when the user part is one. */
CkHandleType bb_handle_from_uri(const char *uri, char **ret_value);
/* Sends the re-INVITE that brings baresip to the hold state callkitd
 * wants, when none is in flight. */
void bb_call_reconcile_hold(Bridge *b, BbCall *call);
/* Fails the commands on calls that wait for their turn. */
void bb_call_commands_cancel(Bridge *b, int error);
/* Runs command on call: first makes it baresip's current call (uafind
 * when there are several accounts, then callfind), and sends command only
 * once baresip said it found the call, because baresip's in-call commands
 * act on the current call. handler gets -ENOENT when baresip has no such
 * call. */
int bb_call_command(Bridge *b, BbCall *call, const char *command, const char *params,
                    BbResponseHandler handler, void *userdata);

/* bb-actions.c */
BbOp *bb_op_new(Bridge *b, BbOpKind kind, CkAction *action, BbCall *call, BbAccount *a);
void bb_op_fulfill(Bridge *b, BbOp *op);
void bb_op_fail(Bridge *b, BbOp *op, const char *reason);
BbOp *bb_op_find(Bridge *b, BbOpKind kind, BbCall *call);
/* Sends a command for op (counted, so op outlives it); handler gets op. */
int bb_op_command(BbOp *op, const char *command, const char *params, BbResponseHandler handler);
/* Fails every op of the call (or every op when call is NULL). */
void bb_ops_fail_all(Bridge *b, BbCall *call, const char *reason);

/* bb-audio.c */
void bb_audio_activate(Bridge *b, char **uuids);
void bb_audio_deactivate(Bridge *b, char **uuids);
void bb_audio_call_gone(Bridge *b, BbCall *call);
void bb_audio_call_established(Bridge *b, BbCall *call);
void bb_audio_config_clear(BbAudioConfig *c);
/* At exit: the drop-in goes. */
void bb_audio_shutdown(Bridge *b);
