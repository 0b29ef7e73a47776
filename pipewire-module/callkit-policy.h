/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What libpipewire-module-callkit does with one stream, decided from the
 * calls callkitd published and the stream's own properties. Plain C with
 * spa/utils/json.h only, so that the unit test reaches it without a
 * PipeWire server.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CALLKIT_UUID_LEN 36
#define CALLKIT_STATE_LEN 16

enum callkit_mode {
	CALLKIT_MODE_DUCK,	/* other playback plays quieter during a call */
	CALLKIT_MODE_CORK,	/* other playback is muted during a call */
};

enum callkit_verdict {
	CALLKIT_VERDICT_UNTOUCHED,	/* not ours to change */
	CALLKIT_VERDICT_ALLOWED,	/* a stream of the call holding the session */
	CALLKIT_VERDICT_SILENCED,	/* a stream of a ringing or held call */
	CALLKIT_VERDICT_DUCKED,		/* other playback while a call holds the session */
	CALLKIT_VERDICT_CORKED,		/* the same, in cork mode */
};

enum callkit_direction {
	CALLKIT_DIRECTION_PLAYBACK,	/* Stream/Output/Audio */
	CALLKIT_DIRECTION_CAPTURE,	/* Stream/Input/Audio */
};

/* One live call, from a callkit.call.<uuid> entry. */
struct callkit_call {
	char uuid[CALLKIT_UUID_LEN + 1];
	char state[CALLKIT_STATE_LEN];
	bool audio;		/* holds the audio session */
	int32_t pid;		/* the provider's process, 0 when unknown */
};

/* What the module knows about one stream node. Strings may be NULL. */
struct callkit_stream {
	enum callkit_direction direction;
	const char *role;	/* media.role */
	const char *call;	/* callkit.call */
	bool ringtone;		/* callkit.ringtone = true */
	/* Made by a module of the server itself (loopback, echo-cancel,
	 * filter-chain): it carries other streams' audio, the call's
	 * perhaps. */
	bool internal;
	int32_t pid;		/* pipewire.sec.pid of the node's client, 0 unknown */
};

struct callkit_config {
	enum callkit_mode mode;
	float duck_db;			/* <= 0 */
	/* media.role values that are ducked, NULL-terminated; streams
	 * without a role are ducked too. */
	const char *const *duck_roles;
};

/* The default list of ducked roles: Music, Movie, Game. */
extern const char *const callkit_default_duck_roles[];

#define CALLKIT_MAX_ROLES 16
#define CALLKIT_ROLE_LEN 64

/* A list of media roles read from module arguments. */
struct callkit_roles {
	char names[CALLKIT_MAX_ROLES][CALLKIT_ROLE_LEN];
	const char *list[CALLKIT_MAX_ROLES + 1];	/* NULL-terminated */
};

/* Parse a SPA-JSON array of role names ("[ Music Movie ]"). Returns 0, or
 * -EINVAL when it is no array, has more than CALLKIT_MAX_ROLES names, or a
 * name is empty or CALLKIT_ROLE_LEN long or longer. */
int callkit_roles_parse(struct callkit_roles *roles, const char *json);

/* Whether uuid is a call id in canonical form (lower-case hex, 8-4-4-4-12). */
bool callkit_uuid_is_valid(const char *uuid);

/* Parse the JSON value of a callkit.call.<uuid> entry into call.
 * Returns 0, or -EINVAL when uuid or json is malformed (call unchanged). */
int callkit_call_parse(struct callkit_call *call, const char *uuid,
		const char *json);

/* Parse a mode name ("duck" or "cork"): 0, or -EINVAL. */
int callkit_mode_parse(const char *name, enum callkit_mode *mode);
const char *callkit_mode_name(enum callkit_mode mode);

/* Parse a duck level in dB ("-20", "-6.5"): finite and <= 0, else -EINVAL. */
int callkit_duck_db_parse(const char *str, float *db);

/* Linear gain for a level in dB (-20 dB: 0.1). */
float callkit_db_to_gain(float db);

/* The call, among calls[0..n_calls), that the stream belongs to, or NULL:
 * the one named by its callkit.call property, or failing that, for a
 * Communication stream, a call of the provider process that owns the
 * stream's client (the one holding the session first). */
const struct callkit_call *callkit_policy_find_call(
		const struct callkit_call *calls, size_t n_calls,
		const struct callkit_stream *stream);

/* Whether any of the calls holds the audio session. */
bool callkit_policy_session(const struct callkit_call *calls, size_t n_calls);

/* The verdict for stream; *call is set to its call (or NULL). */
enum callkit_verdict callkit_policy_decide(const struct callkit_config *config,
		const struct callkit_call *calls, size_t n_calls,
		const struct callkit_stream *stream,
		const struct callkit_call **call);

/* The verdict's name in the callkit.stream entry. */
const char *callkit_verdict_name(enum callkit_verdict verdict);
