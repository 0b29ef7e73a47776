/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-policy.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <spa/utils/json.h>
#include <spa/utils/string.h>

const char *const callkit_default_duck_roles[] = {
	"Music", "Movie", "Game", NULL,
};

int callkit_roles_parse(struct callkit_roles *roles, const char *json)
{
	struct spa_json it[2];
	const char *value;
	size_t n = 0;
	int len;

	if (json == NULL)
		return -EINVAL;
	spa_json_init(&it[0], json, strlen(json));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		return -EINVAL;

	while ((len = spa_json_next(&it[1], &value)) > 0) {
		if (n == CALLKIT_MAX_ROLES || spa_json_is_container(value, len) ||
		    spa_json_parse_stringn(value, len, roles->names[n],
				    CALLKIT_ROLE_LEN) <= 0 ||
		    roles->names[n][0] == '\0')
			return -EINVAL;
		roles->list[n] = roles->names[n];
		n++;
	}
	roles->list[n] = NULL;
	return 0;
}

bool callkit_uuid_is_valid(const char *uuid)
{
	size_t i;

	if (uuid == NULL || strlen(uuid) != CALLKIT_UUID_LEN)
		return false;
	for (i = 0; i < CALLKIT_UUID_LEN; i++) {
		char c = uuid[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

int callkit_call_parse(struct callkit_call *call, const char *uuid,
		const char *json)
{
	struct spa_json it[2];
	struct callkit_call parsed = { 0 };
	char key[64];
	const char *value;
	int len;

	if (!callkit_uuid_is_valid(uuid) || json == NULL)
		return -EINVAL;
	memcpy(parsed.uuid, uuid, CALLKIT_UUID_LEN + 1);

	spa_json_init(&it[0], json, strlen(json));
	if (spa_json_enter_object(&it[0], &it[1]) <= 0)
		return -EINVAL;

	while ((len = spa_json_next(&it[1], &value)) > 0) {
		/* A key too long to be one of ours is skipped like any
		 * unknown key. */
		if (!spa_json_is_string(value, len))
			return -EINVAL;
		if (spa_json_parse_stringn(value, len, key, sizeof(key)) <= 0)
			key[0] = '\0';

		if ((len = spa_json_next(&it[1], &value)) <= 0)
			return -EINVAL;

		if (spa_streq(key, "audio")) {
			if (spa_json_parse_bool(value, len, &parsed.audio) <= 0)
				return -EINVAL;
		} else if (spa_streq(key, "pid")) {
			if (spa_json_parse_int(value, len, &parsed.pid) <= 0 ||
			    parsed.pid < 0)
				return -EINVAL;
		} else if (spa_streq(key, "state")) {
			if (!spa_json_is_string(value, len) ||
			    spa_json_parse_stringn(value, len, parsed.state,
					    sizeof(parsed.state)) <= 0)
				return -EINVAL;
		} else if (spa_json_is_container(value, len)) {
			/* Unknown keys (provider, later additions) are
			 * skipped, containers included. */
			if (spa_json_container_len(&it[1], value, len) <= 0)
				return -EINVAL;
		}
	}
	*call = parsed;
	return 0;
}

int callkit_mode_parse(const char *name, enum callkit_mode *mode)
{
	if (spa_streq(name, "duck"))
		*mode = CALLKIT_MODE_DUCK;
	else if (spa_streq(name, "cork"))
		*mode = CALLKIT_MODE_CORK;
	else
		return -EINVAL;
	return 0;
}

const char *callkit_mode_name(enum callkit_mode mode)
{
	return mode == CALLKIT_MODE_CORK ? "cork" : "duck";
}

int callkit_duck_db_parse(const char *str, float *db)
{
	float value;

	if (str == NULL || !spa_atof(str, &value) || !isfinite(value) ||
	    value > 0.0f)
		return -EINVAL;
	*db = value;
	return 0;
}

float callkit_db_to_gain(float db)
{
	return powf(10.0f, db / 20.0f);
}

static bool role_is_ducked(const struct callkit_config *config, const char *role)
{
	const char *const *r;

	if (role == NULL || role[0] == '\0')
		return true;
	for (r = config->duck_roles; r != NULL && *r != NULL; r++)
		if (spa_streq(*r, role))
			return true;
	return false;
}

const struct callkit_call *callkit_policy_find_call(
		const struct callkit_call *calls, size_t n_calls,
		const struct callkit_stream *stream)
{
	const struct callkit_call *found = NULL;
	size_t i;

	if (stream->call != NULL) {
		for (i = 0; i < n_calls; i++)
			if (spa_streq(calls[i].uuid, stream->call))
				return &calls[i];
		/* A stream tagged for a call that is not live is someone
		 * else's stream, judged by its role. */
		return NULL;
	}
	if (!spa_streq(stream->role, "Communication") || stream->pid <= 0)
		return NULL;
	/* A provider with a call on hold and one active, both talking
	 * through the same streams: they follow the active one. */
	for (i = 0; i < n_calls; i++) {
		if (calls[i].pid != stream->pid)
			continue;
		if (calls[i].audio)
			return &calls[i];
		if (found == NULL)
			found = &calls[i];
	}
	return found;
}

bool callkit_policy_session(const struct callkit_call *calls, size_t n_calls)
{
	size_t i;

	for (i = 0; i < n_calls; i++)
		if (calls[i].audio)
			return true;
	return false;
}

enum callkit_verdict callkit_policy_decide(const struct callkit_config *config,
		const struct callkit_call *calls, size_t n_calls,
		const struct callkit_stream *stream,
		const struct callkit_call **call)
{
	const struct callkit_call *found;

	*call = NULL;
	if (stream->ringtone)
		return CALLKIT_VERDICT_UNTOUCHED;

	found = callkit_policy_find_call(calls, n_calls, stream);
	if (found != NULL) {
		*call = found;
		return found->audio ? CALLKIT_VERDICT_ALLOWED :
			CALLKIT_VERDICT_SILENCED;
	}

	if (stream->internal ||
	    stream->direction != CALLKIT_DIRECTION_PLAYBACK ||
	    !callkit_policy_session(calls, n_calls) ||
	    !role_is_ducked(config, stream->role))
		return CALLKIT_VERDICT_UNTOUCHED;

	return config->mode == CALLKIT_MODE_CORK ? CALLKIT_VERDICT_CORKED :
		CALLKIT_VERDICT_DUCKED;
}

const char *callkit_verdict_name(enum callkit_verdict verdict)
{
	switch (verdict) {
	case CALLKIT_VERDICT_ALLOWED:
		return "allowed";
	case CALLKIT_VERDICT_SILENCED:
		return "silenced";
	case CALLKIT_VERDICT_DUCKED:
		return "ducked";
	case CALLKIT_VERDICT_CORKED:
		return "corked";
	case CALLKIT_VERDICT_UNTOUCHED:
	default:
		return "untouched";
	}
}
