/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The volumes of a stream node as its Props param carries them, and the
 * change the module makes to them.
 *
 * The module only ever writes softVolumes and softMute. The stream's own
 * volume (channelVolumes, mute) is what the user and the app set and what
 * WirePlumber's restore-stream saves; it is never touched, so a duck is
 * never saved as the stream's volume. audioconvert applies softVolumes in
 * place of channelVolumes once they are set, so the module writes the
 * stream's own volume scaled by the duck gain, and to undo it writes the
 * stream's own volume unscaled.
 */

#include <stdbool.h>
#include <stdint.h>

#include <spa/pod/builder.h>
#include <spa/pod/pod.h>

#include "callkit-policy.h"

#define CALLKIT_MAX_CHANNELS 64

struct callkit_volumes {
	uint32_t n_volumes;
	float volumes[CALLKIT_MAX_CHANNELS];
	bool mute;
};

/* One Props param, as far as the module cares. */
struct callkit_props {
	struct callkit_volumes channel;	/* channelVolumes, mute */
	struct callkit_volumes soft;	/* softVolumes, softMute */
};

/* Read a Props param. Returns 0, or -EINVAL when param is no Props object
 * or has no channelVolumes (the stream has no volume yet). */
int callkit_props_parse(const struct spa_pod *param, struct callkit_props *props);

/* The soft volumes that give the verdict on a stream whose volume is
 * props->channel: scaled by gain when ducked, muted when silenced or corked,
 * the stream's own volume and mute otherwise. */
void callkit_volumes_for_verdict(const struct callkit_props *props,
		enum callkit_verdict verdict, float gain,
		struct callkit_volumes *result);

/* Whether a and b are the same within float rounding. */
bool callkit_volumes_equal(const struct callkit_volumes *a,
		const struct callkit_volumes *b);

/* A Props param that sets softVolumes and softMute to volumes. */
struct spa_pod *callkit_volumes_build_props(struct spa_pod_builder *b,
		const struct callkit_volumes *volumes);
