/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The calls callkitd published in the callkit metadata, read from its
 * entries one change at a time: which client is callkitd (the subject of
 * callkit.daemon), and the callkit.call.<uuid> entries of every subject.
 * Only the calls of callkitd's subject count; the others are kept in case
 * their subject announces itself as callkitd later.
 *
 * No PipeWire server needed: pipewire/array.h is header-only.
 */

#include <stddef.h>
#include <stdint.h>

#include <pipewire/array.h>

#include "callkit-policy.h"

/* Calls kept at most per subject, so that no client can crowd out
 * callkitd's; callkitd's own limits stay far below. */
#define CALLKIT_MAX_CALLS_PER_SUBJECT 256

struct callkit_calls {
	/* callkitd's client global, SPA_ID_INVALID while there is none. */
	uint32_t daemon;
	struct pw_array entries;	/* struct callkit_call_entry */
	struct pw_array active;		/* struct callkit_call, scratch */
};

void callkit_calls_init(struct callkit_calls *calls);
void callkit_calls_clear(struct callkit_calls *calls);

/* Forget everything: no callkitd, no calls. */
void callkit_calls_reset(struct callkit_calls *calls);

/* Take one change of the metadata: key and value NULL when every entry of
 * subject went. Returns 1 when the calls may have changed, 0 when the key
 * is none of callkitd's, -EINVAL when the entry is malformed (the call it
 * names is dropped), -ENOSPC when the subject has too many calls (the
 * entry is ignored), or -ENOMEM. */
int callkit_calls_update(struct callkit_calls *calls, uint32_t subject,
		const char *key, const char *value);

/* The calls of the current callkitd, valid until the next call here. */
const struct callkit_call *callkit_calls_active(struct callkit_calls *calls,
		size_t *n_calls);
