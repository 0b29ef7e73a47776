/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-calls.h"

#include <errno.h>
#include <string.h>

#include <spa/utils/defs.h>
#include <spa/utils/string.h>

#include "callkit-names.h"

struct callkit_call_entry {
	uint32_t subject;
	struct callkit_call call;
};

void callkit_calls_init(struct callkit_calls *calls)
{
	calls->daemon = SPA_ID_INVALID;
	pw_array_init(&calls->entries, sizeof(struct callkit_call_entry) * 8);
	pw_array_init(&calls->active, sizeof(struct callkit_call) * 8);
}

void callkit_calls_clear(struct callkit_calls *calls)
{
	pw_array_clear(&calls->entries);
	pw_array_clear(&calls->active);
}

void callkit_calls_reset(struct callkit_calls *calls)
{
	calls->daemon = SPA_ID_INVALID;
	pw_array_reset(&calls->entries);
}

static struct callkit_call_entry *find(struct callkit_calls *calls,
		uint32_t subject, const char *uuid)
{
	struct callkit_call_entry *e;

	pw_array_for_each(e, &calls->entries) {
		if (e->subject == subject && spa_streq(e->call.uuid, uuid))
			return e;
	}
	return NULL;
}

static void remove_call(struct callkit_calls *calls, uint32_t subject,
		const char *uuid)
{
	struct callkit_call_entry *e = find(calls, subject, uuid);

	if (e != NULL)
		pw_array_remove(&calls->entries, e);
}

static void remove_subject(struct callkit_calls *calls, uint32_t subject)
{
	struct callkit_call_entry *e = pw_array_first(&calls->entries);

	while (pw_array_check(&calls->entries, e)) {
		if (e->subject == subject)
			pw_array_remove(&calls->entries, e);
		else
			e++;
	}
}

static uint32_t count_subject(struct callkit_calls *calls, uint32_t subject)
{
	struct callkit_call_entry *e;
	uint32_t n = 0;

	pw_array_for_each(e, &calls->entries) {
		if (e->subject == subject)
			n++;
	}
	return n;
}

static int set_call(struct callkit_calls *calls, uint32_t subject,
		const char *uuid, const char *value)
{
	struct callkit_call call;
	struct callkit_call_entry *e;

	if (value == NULL) {
		remove_call(calls, subject, uuid);
		return 1;
	}
	if (callkit_call_parse(&call, uuid, value) < 0) {
		remove_call(calls, subject, uuid);
		return -EINVAL;
	}
	e = find(calls, subject, uuid);
	if (e == NULL) {
		if (count_subject(calls, subject) >= CALLKIT_MAX_CALLS_PER_SUBJECT)
			return -ENOSPC;
		e = pw_array_add(&calls->entries, sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		e->subject = subject;
	}
	e->call = call;
	return 1;
}

int callkit_calls_update(struct callkit_calls *calls, uint32_t subject,
		const char *key, const char *value)
{
	if (key == NULL) {
		remove_subject(calls, subject);
		if (subject == calls->daemon)
			calls->daemon = SPA_ID_INVALID;
		return 1;
	}
	if (spa_streq(key, CALLKIT_KEY_DAEMON)) {
		if (value != NULL)
			calls->daemon = subject;
		else if (subject == calls->daemon)
			calls->daemon = SPA_ID_INVALID;
		return 1;
	}
	if (spa_strstartswith(key, CALLKIT_KEY_CALL_PREFIX))
		return set_call(calls, subject,
				key + strlen(CALLKIT_KEY_CALL_PREFIX), value);
	return 0;
}

const struct callkit_call *callkit_calls_active(struct callkit_calls *calls,
		size_t *n_calls)
{
	struct callkit_call_entry *e;
	struct callkit_call *c;

	pw_array_reset(&calls->active);
	if (calls->daemon != SPA_ID_INVALID) {
		pw_array_for_each(e, &calls->entries) {
			if (e->subject != calls->daemon)
				continue;
			c = pw_array_add(&calls->active, sizeof(*c));
			if (c == NULL)
				break;
			*c = e->call;
		}
	}
	*n_calls = pw_array_get_len(&calls->active, struct callkit_call);
	return calls->active.data;
}
