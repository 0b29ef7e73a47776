/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libpipewire-module-callkit's decisions without a PipeWire server: which
 * call a stream belongs to, what happens to it, how the entries callkitd
 * writes and the module's arguments are read, which entries count, and the
 * soft volumes that carry a verdict. */
#include <errno.h>
#include <math.h>

#include <glib.h>

#include <spa/param/props.h>

#include "callkit-calls.h"
#include "callkit-policy.h"
#include "callkit-volume.h"

#define UUID_A "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001"
#define UUID_B "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002"

static const struct callkit_config duck_config = {
	.mode = CALLKIT_MODE_DUCK,
	.duck_db = -20.0f,
	.duck_roles = callkit_default_duck_roles,
};

static struct callkit_call
make_call(const char *uuid, bool audio, int32_t pid)
{
	struct callkit_call call = { .audio = audio, .pid = pid };

	g_strlcpy(call.uuid, uuid, sizeof(call.uuid));
	return call;
}

static enum callkit_verdict
decide(const struct callkit_config *config, const struct callkit_call *calls,
		size_t n_calls, struct callkit_stream stream, const char **call)
{
	const struct callkit_call *found;
	enum callkit_verdict verdict;

	verdict = callkit_policy_decide(config, calls, n_calls, &stream, &found);
	*call = found ? found->uuid : NULL;
	return verdict;
}

static void
test_uuid(void)
{
	g_assert_true(callkit_uuid_is_valid(UUID_A));
	g_assert_false(callkit_uuid_is_valid(NULL));
	g_assert_false(callkit_uuid_is_valid(""));
	g_assert_false(callkit_uuid_is_valid("0B4BB8B6-7F0C-4D7E-9D6B-4F1C55D0A001"));
	g_assert_false(callkit_uuid_is_valid("0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a0011"));
	g_assert_false(callkit_uuid_is_valid("0b4bb8b6x7f0c-4d7e-9d6b-4f1c55d0a001"));
	g_assert_false(callkit_uuid_is_valid("0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a00g"));
}

static void
test_call_parse(void)
{
	struct callkit_call call;

	g_assert_cmpint(callkit_call_parse(&call, UUID_A,
			"{\"state\": \"ringing\", \"audio\": false, \"pid\": 4321, "
			"\"provider\": \"/io/github/callkitd/CallKit1/provider/1\", "
			"\"later\": {\"nested\": [1, 2]}}"), ==, 0);
	g_assert_cmpstr(call.uuid, ==, UUID_A);
	g_assert_cmpstr(call.state, ==, "ringing");
	g_assert_false(call.audio);
	g_assert_cmpint(call.pid, ==, 4321);

	g_assert_cmpint(callkit_call_parse(&call, UUID_B, "{\"audio\": true}"), ==, 0);
	g_assert_cmpstr(call.uuid, ==, UUID_B);
	g_assert_true(call.audio);
	g_assert_cmpint(call.pid, ==, 0);
	g_assert_cmpstr(call.state, ==, "");
}

static void
test_call_parse_refuses(void)
{
	static const char *const bad[] = {
		"", "garbage", "[]", "[ true ]", "{\"audio\": \"yes\"}",
		"{\"audio\": 1}", "{\"pid\": -1}", "{\"pid\": \"12\"}",
		"{\"pid\": 1.5}", "{\"state\": 5}", "{\"state\": \"a-very-long-state\"}",
		"{\"audio\"}", "{ 1: 2 }",
	};
	struct callkit_call call = make_call(UUID_A, true, 7);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i]);
		g_assert_cmpint(callkit_call_parse(&call, UUID_A, bad[i]), ==, -EINVAL);
	}
	g_assert_cmpint(callkit_call_parse(&call, "NOT-A-UUID", "{}"), ==, -EINVAL);
	g_assert_cmpint(callkit_call_parse(&call, UUID_A, NULL), ==, -EINVAL);
	/* A refused entry leaves the call as it was. */
	g_assert_true(call.audio);
	g_assert_cmpint(call.pid, ==, 7);
}

static void
test_arguments(void)
{
	enum callkit_mode mode;
	struct callkit_roles roles;
	float db;

	g_assert_cmpint(callkit_mode_parse("duck", &mode), ==, 0);
	g_assert_cmpint(mode, ==, CALLKIT_MODE_DUCK);
	g_assert_cmpint(callkit_mode_parse("cork", &mode), ==, 0);
	g_assert_cmpint(mode, ==, CALLKIT_MODE_CORK);
	g_assert_cmpint(callkit_mode_parse("loud", &mode), ==, -EINVAL);
	g_assert_cmpint(callkit_mode_parse(NULL, &mode), ==, -EINVAL);
	g_assert_cmpstr(callkit_mode_name(CALLKIT_MODE_CORK), ==, "cork");

	g_assert_cmpint(callkit_duck_db_parse("-20", &db), ==, 0);
	g_assert_cmpfloat(db, ==, -20.0f);
	g_assert_cmpint(callkit_duck_db_parse("0", &db), ==, 0);
	g_assert_cmpint(callkit_duck_db_parse("-6.5", &db), ==, 0);
	g_assert_cmpfloat(db, ==, -6.5f);
	g_assert_cmpint(callkit_duck_db_parse("6", &db), ==, -EINVAL);
	g_assert_cmpint(callkit_duck_db_parse("quiet", &db), ==, -EINVAL);
	g_assert_cmpint(callkit_duck_db_parse("-inf", &db), ==, -EINVAL);
	g_assert_cmpint(callkit_duck_db_parse("nan", &db), ==, -EINVAL);
	g_assert_cmpint(callkit_duck_db_parse(NULL, &db), ==, -EINVAL);

	g_assert_cmpfloat_with_epsilon(callkit_db_to_gain(-20.0f), 0.1f, 1e-6);
	g_assert_cmpfloat_with_epsilon(callkit_db_to_gain(0.0f), 1.0f, 1e-6);

	g_assert_cmpint(callkit_roles_parse(&roles, "[ Music \"Movie\" ]"), ==, 0);
	g_assert_cmpstr(roles.list[0], ==, "Music");
	g_assert_cmpstr(roles.list[1], ==, "Movie");
	g_assert_null(roles.list[2]);
	g_assert_cmpint(callkit_roles_parse(&roles, "[ ]"), ==, 0);
	g_assert_null(roles.list[0]);
	g_assert_cmpint(callkit_roles_parse(&roles, "Music"), ==, -EINVAL);
	g_assert_cmpint(callkit_roles_parse(&roles, "[ [ Music ] ]"), ==, -EINVAL);
	g_assert_cmpint(callkit_roles_parse(&roles, "[ \"\" ]"), ==, -EINVAL);
	g_assert_cmpint(callkit_roles_parse(&roles,
			"[ a b c d e f g h i j k l m n o p q ]"), ==, -EINVAL);
	g_assert_cmpint(callkit_roles_parse(&roles, NULL), ==, -EINVAL);
}

static void
test_find_call(void)
{
	const struct callkit_call calls[] = {
		make_call(UUID_A, false, 100),	/* held */
		make_call(UUID_B, true, 100),	/* active, same provider */
	};
	const char *call;

	/* The property wins, whatever the role and the process. */
	g_assert_cmpint(decide(&duck_config, calls, 2, (struct callkit_stream) {
			.role = "Music", .call = UUID_A, .pid = 5 }, &call),
			==, CALLKIT_VERDICT_SILENCED);
	g_assert_cmpstr(call, ==, UUID_A);

	/* A provider's Communication stream follows its active call. */
	g_assert_cmpint(decide(&duck_config, calls, 2, (struct callkit_stream) {
			.role = "Communication", .pid = 100 }, &call),
			==, CALLKIT_VERDICT_ALLOWED);
	g_assert_cmpstr(call, ==, UUID_B);

	/* ... or its first call, when none is active. */
	g_assert_cmpint(decide(&duck_config, calls, 1, (struct callkit_stream) {
			.role = "Communication", .pid = 100 }, &call),
			==, CALLKIT_VERDICT_SILENCED);
	g_assert_cmpstr(call, ==, UUID_A);

	/* Other roles of the provider's process are not the call's. */
	g_assert_cmpint(decide(&duck_config, calls, 2, (struct callkit_stream) {
			.role = "Music", .pid = 100 }, &call),
			==, CALLKIT_VERDICT_DUCKED);
	g_assert_null(call);

	/* No pid, no match, even against a call with pid 0. */
	g_assert_null(callkit_policy_find_call((const struct callkit_call[]) {
			make_call(UUID_A, true, 0) }, 1, &(struct callkit_stream) {
			.role = "Communication", .pid = 0 }));

	/* A property naming a call that is not live is no call. */
	g_assert_cmpint(decide(&duck_config, calls, 2, (struct callkit_stream) {
			.role = "Communication", .pid = 100,
			.call = "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a0ff" }, &call),
			==, CALLKIT_VERDICT_UNTOUCHED);
	g_assert_null(call);
}

static void
test_duck_and_leave_alone(void)
{
	const struct callkit_call active[] = { make_call(UUID_A, true, 100) };
	const struct callkit_call ringing[] = { make_call(UUID_A, false, 100) };
	static const char *const ducked[] = { "Music", "Movie", "Game", NULL, "" };
	static const char *const untouched[] = {
		"Notification", "Alarm", "Accessibility", "Communication", "Phone",
	};
	struct callkit_config cork = duck_config;
	const char *call;
	size_t i;

	cork.mode = CALLKIT_MODE_CORK;
	for (i = 0; i < G_N_ELEMENTS(ducked); i++) {
		struct callkit_stream s = { .role = ducked[i], .pid = 5 };

		g_assert_cmpint(decide(&duck_config, active, 1, s, &call), ==,
				CALLKIT_VERDICT_DUCKED);
		g_assert_cmpint(decide(&cork, active, 1, s, &call), ==,
				CALLKIT_VERDICT_CORKED);
		/* No session, no duck. */
		g_assert_cmpint(decide(&duck_config, ringing, 1, s, &call), ==,
				CALLKIT_VERDICT_UNTOUCHED);
		g_assert_cmpint(decide(&duck_config, NULL, 0, s, &call), ==,
				CALLKIT_VERDICT_UNTOUCHED);
		/* Capture streams are not ducked. */
		s.direction = CALLKIT_DIRECTION_CAPTURE;
		g_assert_cmpint(decide(&duck_config, active, 1, s, &call), ==,
				CALLKIT_VERDICT_UNTOUCHED);
		/* Nor is the ringtone. */
		s.direction = CALLKIT_DIRECTION_PLAYBACK;
		s.ringtone = true;
		g_assert_cmpint(decide(&duck_config, active, 1, s, &call), ==,
				CALLKIT_VERDICT_UNTOUCHED);
	}
	for (i = 0; i < G_N_ELEMENTS(untouched); i++) {
		struct callkit_stream s = { .role = untouched[i], .pid = 5 };

		g_assert_cmpint(decide(&duck_config, active, 1, s, &call), ==,
				CALLKIT_VERDICT_UNTOUCHED);
	}
	/* The server's own loopback and filter streams carry others' audio. */
	g_assert_cmpint(decide(&duck_config, active, 1, (struct callkit_stream) {
			.role = NULL, .internal = true }, &call),
			==, CALLKIT_VERDICT_UNTOUCHED);
	/* ... unless they are tagged as a call's. */
	g_assert_cmpint(decide(&duck_config, ringing, 1, (struct callkit_stream) {
			.call = UUID_A, .internal = true }, &call),
			==, CALLKIT_VERDICT_SILENCED);
	/* The ringtone stays untouched even when tagged with its call. */
	g_assert_cmpint(decide(&duck_config, ringing, 1, (struct callkit_stream) {
			.role = "Notification", .call = UUID_A, .ringtone = true },
			&call), ==, CALLKIT_VERDICT_UNTOUCHED);
	/* A held call's capture stream is silenced too. */
	g_assert_cmpint(decide(&duck_config, ringing, 1, (struct callkit_stream) {
			.direction = CALLKIT_DIRECTION_CAPTURE,
			.role = "Communication", .pid = 100 }, &call),
			==, CALLKIT_VERDICT_SILENCED);

	g_assert_true(callkit_policy_session(active, 1));
	g_assert_false(callkit_policy_session(ringing, 1));
	g_assert_false(callkit_policy_session(NULL, 0));
}

static void
test_custom_roles(void)
{
	const struct callkit_call active[] = { make_call(UUID_A, true, 100) };
	static const char *const roles[] = { "Notification", NULL };
	struct callkit_config config = duck_config;
	const char *call;

	config.duck_roles = roles;
	g_assert_cmpint(decide(&config, active, 1, (struct callkit_stream) {
			.role = "Notification" }, &call), ==, CALLKIT_VERDICT_DUCKED);
	g_assert_cmpint(decide(&config, active, 1, (struct callkit_stream) {
			.role = "Music" }, &call), ==, CALLKIT_VERDICT_UNTOUCHED);
	g_assert_cmpint(decide(&config, active, 1, (struct callkit_stream) {
			.role = NULL }, &call), ==, CALLKIT_VERDICT_DUCKED);
}

static void
test_verdict_names(void)
{
	g_assert_cmpstr(callkit_verdict_name(CALLKIT_VERDICT_UNTOUCHED), ==, "untouched");
	g_assert_cmpstr(callkit_verdict_name(CALLKIT_VERDICT_ALLOWED), ==, "allowed");
	g_assert_cmpstr(callkit_verdict_name(CALLKIT_VERDICT_SILENCED), ==, "silenced");
	g_assert_cmpstr(callkit_verdict_name(CALLKIT_VERDICT_DUCKED), ==, "ducked");
	g_assert_cmpstr(callkit_verdict_name(CALLKIT_VERDICT_CORKED), ==, "corked");
}

static struct spa_pod *
build_props(struct spa_pod_builder *b, const float *volumes, uint32_t n,
		bool mute, bool with_soft)
{
	struct spa_pod_frame f;

	spa_pod_builder_push_object(b, &f, SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_add(b, SPA_PROP_volume, SPA_POD_Float(1.0f),
			SPA_PROP_mute, SPA_POD_Bool(mute), 0);
	spa_pod_builder_prop(b, SPA_PROP_channelVolumes, 0);
	spa_pod_builder_array(b, sizeof(float), SPA_TYPE_Float, n, volumes);
	if (with_soft) {
		spa_pod_builder_prop(b, SPA_PROP_softVolumes, 0);
		spa_pod_builder_array(b, sizeof(float), SPA_TYPE_Float, n, volumes);
		spa_pod_builder_add(b, SPA_PROP_softMute, SPA_POD_Bool(false), 0);
	}
	return spa_pod_builder_pop(b, &f);
}

static void
test_volumes(void)
{
	const float own[] = { 0.5f, 0.8f };
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct callkit_props props, reread;
	struct callkit_volumes target;
	struct spa_pod *pod;

	g_assert_cmpint(callkit_props_parse(build_props(&b, own, 2, false, true),
				&props), ==, 0);
	g_assert_cmpuint(props.channel.n_volumes, ==, 2);
	g_assert_cmpfloat(props.channel.volumes[1], ==, 0.8f);
	g_assert_true(callkit_volumes_equal(&props.channel, &props.soft));

	callkit_volumes_for_verdict(&props, CALLKIT_VERDICT_DUCKED, 0.1f, &target);
	g_assert_cmpfloat_with_epsilon(target.volumes[0], 0.05f, 1e-6);
	g_assert_cmpfloat_with_epsilon(target.volumes[1], 0.08f, 1e-6);
	g_assert_false(target.mute);
	g_assert_false(callkit_volumes_equal(&target, &props.soft));

	/* What the module writes: softVolumes and softMute, nothing else. */
	pod = callkit_volumes_build_props(&b, &target);
	g_assert_nonnull(pod);
	g_assert_null(spa_pod_find_prop(pod, NULL, SPA_PROP_channelVolumes));
	g_assert_null(spa_pod_find_prop(pod, NULL, SPA_PROP_mute));
	g_assert_nonnull(spa_pod_find_prop(pod, NULL, SPA_PROP_softVolumes));
	g_assert_nonnull(spa_pod_find_prop(pod, NULL, SPA_PROP_softMute));

	callkit_volumes_for_verdict(&props, CALLKIT_VERDICT_SILENCED, 0.1f, &target);
	g_assert_true(target.mute);
	g_assert_cmpfloat(target.volumes[0], ==, 0.5f);
	callkit_volumes_for_verdict(&props, CALLKIT_VERDICT_CORKED, 0.1f, &target);
	g_assert_true(target.mute);

	/* Undoing gives back the stream's own volume and mute. */
	callkit_volumes_for_verdict(&props, CALLKIT_VERDICT_UNTOUCHED, 0.1f, &target);
	g_assert_true(callkit_volumes_equal(&target, &props.channel));
	callkit_volumes_for_verdict(&props, CALLKIT_VERDICT_ALLOWED, 0.1f, &target);
	g_assert_true(callkit_volumes_equal(&target, &props.channel));

	/* A node without soft volumes applies its own. */
	g_assert_cmpint(callkit_props_parse(build_props(&b, own, 2, true, false),
				&reread), ==, 0);
	g_assert_true(reread.soft.mute);
	g_assert_true(callkit_volumes_equal(&reread.soft, &reread.channel));

	/* No volume yet (no format), or no Props at all. */
	g_assert_cmpint(callkit_props_parse(build_props(&b, own, 0, false, true),
				&reread), ==, -EINVAL);
	g_assert_cmpint(callkit_props_parse(NULL, &reread), ==, -EINVAL);
	g_assert_cmpint(callkit_props_parse(&SPA_POD_INIT_Bool(true).pod,
				&reread), ==, -EINVAL);
}

static void
test_volumes_equal(void)
{
	struct callkit_volumes a = { .n_volumes = 2, .volumes = { 0.1f, 0.2f } };
	struct callkit_volumes b = a;

	b.volumes[1] += 1e-7f;
	g_assert_true(callkit_volumes_equal(&a, &b));
	b.volumes[1] += 1e-3f;
	g_assert_false(callkit_volumes_equal(&a, &b));
	b = a;
	b.mute = true;
	g_assert_false(callkit_volumes_equal(&a, &b));
	b = a;
	b.n_volumes = 1;
	g_assert_false(callkit_volumes_equal(&a, &b));
}

#define DAEMON 40
#define OTHER 41
#define CALL_KEY(uuid) "callkit.call." uuid

static void
test_calls_follow_the_daemon(void)
{
	struct callkit_calls calls;
	const struct callkit_call *active;
	size_t n;

	callkit_calls_init(&calls);

	/* Calls written before callkitd announces itself count once it has. */
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, CALL_KEY(UUID_A),
			"{\"audio\": true}"), ==, 1);
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 0);
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, "callkit.daemon",
			"{\"pid\": 1}"), ==, 1);
	g_assert_cmpuint(calls.daemon, ==, DAEMON);
	active = callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpstr(active[0].uuid, ==, UUID_A);
	g_assert_true(active[0].audio);

	/* Another subject's calls do not count. */
	g_assert_cmpint(callkit_calls_update(&calls, OTHER, CALL_KEY(UUID_B),
			"{\"audio\": true}"), ==, 1);
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 1);

	/* An update replaces the call; a deletion ends it. */
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, CALL_KEY(UUID_A),
			"{\"audio\": false, \"state\": \"held\"}"), ==, 1);
	active = callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 1);
	g_assert_false(active[0].audio);
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, CALL_KEY(UUID_A),
			NULL), ==, 1);
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 0);

	/* A malformed entry drops the call it names. */
	callkit_calls_update(&calls, DAEMON, CALL_KEY(UUID_A), "{\"audio\": true}");
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, CALL_KEY(UUID_A),
			"garbage"), ==, -EINVAL);
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 0);
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON,
			"callkit.call.NOT-A-UUID", "{}"), ==, -EINVAL);

	/* Keys that are not callkitd's are none of our business. */
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, "callkit.policy",
			"{}"), ==, 0);
	g_assert_cmpint(callkit_calls_update(&calls, 7, "callkit.stream",
			"{}"), ==, 0);

	/* Another client announcing itself takes over: a replaced callkitd. */
	callkit_calls_update(&calls, DAEMON, CALL_KEY(UUID_A), "{\"audio\": true}");
	g_assert_cmpint(callkit_calls_update(&calls, OTHER, "callkit.daemon",
			"{}"), ==, 1);
	active = callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpstr(active[0].uuid, ==, UUID_B);

	/* Deleting someone else's announcement changes nothing. */
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, "callkit.daemon",
			NULL), ==, 1);
	g_assert_cmpuint(calls.daemon, ==, OTHER);

	/* The daemon's client is gone: all its entries with it. */
	g_assert_cmpint(callkit_calls_update(&calls, OTHER, NULL, NULL), ==, 1);
	g_assert_cmpuint(calls.daemon, ==, SPA_ID_INVALID);
	callkit_calls_update(&calls, OTHER, "callkit.daemon", "{}");
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 0);

	/* Deleting the announcement is leaving too. */
	callkit_calls_update(&calls, DAEMON, "callkit.daemon", "{}");
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 1);
	callkit_calls_update(&calls, DAEMON, "callkit.daemon", NULL);
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 0);

	callkit_calls_reset(&calls);
	g_assert_cmpuint(calls.daemon, ==, SPA_ID_INVALID);
	callkit_calls_update(&calls, DAEMON, "callkit.daemon", "{}");
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 0);

	callkit_calls_clear(&calls);
}

static void
test_calls_limit(void)
{
	struct callkit_calls calls;
	char key[64];
	size_t n;
	int i;

	callkit_calls_init(&calls);
	callkit_calls_update(&calls, DAEMON, "callkit.daemon", "{}");
	for (i = 0; i < CALLKIT_MAX_CALLS_PER_SUBJECT; i++) {
		g_snprintf(key, sizeof(key),
				"callkit.call.0b4bb8b6-7f0c-4d7e-9d6b-%012x", i);
		g_assert_cmpint(callkit_calls_update(&calls, OTHER, key, "{}"), ==, 1);
	}
	g_snprintf(key, sizeof(key), "callkit.call.0b4bb8b6-7f0c-4d7e-9d6b-%012x", i);
	g_assert_cmpint(callkit_calls_update(&calls, OTHER, key, "{}"), ==, -ENOSPC);
	/* A full subject crowds out no other, and may still update. */
	g_assert_cmpint(callkit_calls_update(&calls, DAEMON, key, "{}"), ==, 1);
	g_assert_cmpint(callkit_calls_update(&calls, OTHER,
			"callkit.call.0b4bb8b6-7f0c-4d7e-9d6b-000000000000",
			"{\"audio\": true}"), ==, 1);
	callkit_calls_active(&calls, &n);
	g_assert_cmpuint(n, ==, 1);
	callkit_calls_clear(&calls);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/callkit-policy/uuid", test_uuid);
	g_test_add_func("/callkit-policy/call-parse", test_call_parse);
	g_test_add_func("/callkit-policy/call-parse-refuses", test_call_parse_refuses);
	g_test_add_func("/callkit-policy/arguments", test_arguments);
	g_test_add_func("/callkit-policy/find-call", test_find_call);
	g_test_add_func("/callkit-policy/duck-and-leave-alone", test_duck_and_leave_alone);
	g_test_add_func("/callkit-policy/custom-roles", test_custom_roles);
	g_test_add_func("/callkit-policy/verdict-names", test_verdict_names);
	g_test_add_func("/callkit-calls/follow-the-daemon", test_calls_follow_the_daemon);
	g_test_add_func("/callkit-calls/limit", test_calls_limit);
	g_test_add_func("/callkit-volume/props", test_volumes);
	g_test_add_func("/callkit-volume/equal", test_volumes_equal);
	return g_test_run();
}
