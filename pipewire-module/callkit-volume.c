/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-volume.h"

#include <errno.h>
#include <math.h>

#include <spa/param/param.h>
#include <spa/param/props.h>
#include <spa/pod/iter.h>

static int read_volumes(const struct spa_pod_object *obj, uint32_t volumes_key,
		uint32_t mute_key, struct callkit_volumes *volumes)
{
	const struct spa_pod_prop *prop;

	prop = spa_pod_object_find_prop(obj, NULL, volumes_key);
	if (prop == NULL)
		return -ENOENT;
	volumes->n_volumes = spa_pod_copy_array(&prop->value, SPA_TYPE_Float,
			volumes->volumes, CALLKIT_MAX_CHANNELS);
	if (volumes->n_volumes == 0)
		return -EINVAL;

	volumes->mute = false;
	prop = spa_pod_object_find_prop(obj, NULL, mute_key);
	if (prop != NULL && spa_pod_get_bool(&prop->value, &volumes->mute) < 0)
		return -EINVAL;
	return 0;
}

int callkit_props_parse(const struct spa_pod *param, struct callkit_props *props)
{
	const struct spa_pod_object *obj;

	if (param == NULL || !spa_pod_is_object_type(param, SPA_TYPE_OBJECT_Props))
		return -EINVAL;
	obj = (const struct spa_pod_object *) param;

	if (read_volumes(obj, SPA_PROP_channelVolumes, SPA_PROP_mute,
				&props->channel) < 0)
		return -EINVAL;
	/* A node without soft volumes applies its channel volumes. */
	if (read_volumes(obj, SPA_PROP_softVolumes, SPA_PROP_softMute,
				&props->soft) < 0)
		props->soft = props->channel;
	return 0;
}

void callkit_volumes_for_verdict(const struct callkit_props *props,
		enum callkit_verdict verdict, float gain,
		struct callkit_volumes *result)
{
	uint32_t i;

	*result = props->channel;
	switch (verdict) {
	case CALLKIT_VERDICT_DUCKED:
		for (i = 0; i < result->n_volumes; i++)
			result->volumes[i] *= gain;
		break;
	case CALLKIT_VERDICT_SILENCED:
	case CALLKIT_VERDICT_CORKED:
		result->mute = true;
		break;
	case CALLKIT_VERDICT_ALLOWED:
	case CALLKIT_VERDICT_UNTOUCHED:
		break;
	}
}

bool callkit_volumes_equal(const struct callkit_volumes *a,
		const struct callkit_volumes *b)
{
	uint32_t i;

	if (a->n_volumes != b->n_volumes || a->mute != b->mute)
		return false;
	for (i = 0; i < a->n_volumes; i++)
		if (fabsf(a->volumes[i] - b->volumes[i]) >
		    1e-5f * fmaxf(1.0f, fabsf(a->volumes[i])))
			return false;
	return true;
}

struct spa_pod *callkit_volumes_build_props(struct spa_pod_builder *b,
		const struct callkit_volumes *volumes)
{
	struct spa_pod_frame f;

	spa_pod_builder_push_object(b, &f, SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(b, SPA_PROP_softVolumes, 0);
	spa_pod_builder_array(b, sizeof(float), SPA_TYPE_Float,
			volumes->n_volumes, volumes->volumes);
	spa_pod_builder_prop(b, SPA_PROP_softMute, 0);
	spa_pod_builder_bool(b, volumes->mute);
	return spa_pod_builder_pop(b, &f);
}
