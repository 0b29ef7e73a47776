/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spa/param/param.h>
#include <spa/pod/builder.h>
#include <spa/utils/json.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/array.h>
#include <pipewire/impl.h>

#include "config.h"
#include "callkit-calls.h"
#include "callkit-names.h"
#include "callkit-policy.h"
#include "callkit-volume.h"

/** \page page_module_callkit PipeWire Module: CallKit
 *
 * Gives call audio to the call that holds the audio session, as callkitd
 * decides it.
 *
 * The module creates the metadata object `callkit`. callkitd, a client of
 * this server, writes into it which calls are live and which one holds the
 * audio session; the module applies that to every audio stream node and
 * writes back what it did, so that `pw-metadata -n callkit` shows the whole
 * state. The keys are listed in callkit-metadata.h.
 *
 * - A stream belongs to a call when its node has `callkit.call = <uuid>`,
 *   or, failing that, when it is a `Communication` stream whose client's
 *   `pipewire.sec.pid` is the process of the call's provider.
 * - The streams of a call that does not hold the session (ringing, held)
 *   are silenced; they are heard again as soon as their call gets it.
 * - While a call holds the session, other playback streams with a ducked
 *   role (`duck.roles`) or no role at all are ducked by `duck.level`, or
 *   muted in `cork` mode. Notification, Alarm, Accessibility and other
 *   roles, capture streams, streams with `callkit.ringtone = true`
 *   (callkitd's ringtone), and the streams of the server's own modules
 *   (loopback, echo-cancel, filter-chain: they carry other streams'
 *   audio, perhaps the call's) are left alone.
 * - When the session ends, a stream leaves its call or callkitd goes away,
 *   every stream sounds exactly as before: the module only changes
 *   `softVolumes` and `softMute` in the node's Props, never the stream's
 *   own `channelVolumes` and `mute`, which are what the user and the app
 *   set and what WirePlumber saves.
 *
 * callkitd's entries have the PipeWire client object of callkitd as their
 * subject. The module follows the client that wrote `callkit.daemon` and
 * ignores calls written by any other subject. When that client disconnects
 * (or dies), the server removes its global and the module drops every
 * entry whose subject was that global, then restores all streams. The
 * server's own metadata implementation keeps entries of removed subjects,
 * so the module does this for every subject of its metadata, stream nodes
 * included.
 *
 * Any client of the server can write this metadata, as any client can
 * change any stream's volume; the module is no security boundary.
 *
 * ## Module Options
 *
 * - `mode`: `duck` (default) lowers other playback during a call, `cork`
 *   mutes it.
 * - `duck.level`: how much `duck` lowers, in dB, at most 0 (default -20,
 *   as PulseAudio's module-role-ducking).
 * - `duck.roles`: the media roles that are ducked or corked (default
 *   `[ Music Movie Game ]`); playback streams without a role always are.
 *
 * ## Example configuration
 *
 *\code{.unparsed}
 * context.modules = [
 * {   name = libpipewire-module-callkit
 *     args = {
 *         mode = duck
 *         duck.level = -20
 *         duck.roles = [ Music Movie Game ]
 *     }
 *     flags = [ ifexists nofail ]
 * }
 * ]
 *\endcode
 */

#define NAME "callkit"

PW_LOG_TOPIC_STATIC(mod_topic, "mod." NAME);
#define PW_LOG_TOPIC_DEFAULT mod_topic

#define DEFAULT_MODE "duck"
#define DEFAULT_DUCK_LEVEL "-20"

#define MODULE_USAGE	"( mode=<duck|cork, default: " DEFAULT_MODE "> ) "		\
			"( duck.level=<dB, at most 0, default: " DEFAULT_DUCK_LEVEL "> ) "	\
			"( duck.roles=<array of media roles, default: [ Music Movie Game ]> ) "

static const struct spa_dict_item module_props[] = {
	{ PW_KEY_MODULE_AUTHOR, "The callkitd authors" },
	{ PW_KEY_MODULE_DESCRIPTION, "Gives call audio to the call that holds the audio session" },
	{ PW_KEY_MODULE_USAGE, MODULE_USAGE },
	{ PW_KEY_MODULE_VERSION, PACKAGE_VERSION },
};

struct stream {
	struct spa_list link;
	struct impl *impl;

	struct pw_impl_node *node;
	struct spa_hook node_listener;
	uint32_t id;

	enum callkit_direction direction;
	char *role;
	char *call;
	bool ringtone;
	int32_t pid;

	/* The last Props the node reported. */
	struct callkit_props props;
	bool have_props;
	uint32_t props_flags;

	/* Our Props changes whose report has not come back yet; a report
	 * that comes while none is pending is someone else's change, which
	 * may have replaced our soft volumes even with equal values. */
	uint32_t pending;
	bool foreign;
	/* Our soft volumes are in place and must be undone. */
	bool touched;
	/* What we set last: a node that reports other soft volumes than we
	 * set (it rounds, it has fewer channels) is not asked again and
	 * again. */
	struct callkit_volumes sent;
	bool have_sent;

	/* What the callkit.stream entry says now. */
	enum callkit_verdict verdict;
	char verdict_call[CALLKIT_UUID_LEN + 1];
	bool published;
};

struct impl {
	struct pw_context *context;
	struct pw_loop *loop;

	struct pw_impl_module *module;
	struct spa_hook module_listener;

	struct spa_hook context_listener;

	struct pw_impl_metadata *metadata;
	struct spa_hook metadata_listener;

	struct callkit_config config;
	struct callkit_roles duck_roles;
	float duck_gain;

	/* The server's own process: streams of its clients with this pid
	 * come from its modules. */
	int32_t pid;

	struct callkit_calls calls;

	struct spa_list streams;

	struct spa_source *update;
	bool session;
	bool policy_published;
};

static void schedule_update(struct impl *impl)
{
	pw_loop_signal_event(impl->loop, impl->update);
}

/* -- what the module publishes -------------------------------------------- */

static void publish_policy(struct impl *impl, bool session)
{
	char level[32];

	if (impl->metadata == NULL ||
	    (impl->policy_published && impl->session == session))
		return;
	impl->session = session;
	impl->policy_published = true;
	spa_json_format_float(level, sizeof(level), impl->config.duck_db);
	pw_impl_metadata_set_propertyf(impl->metadata, 0, CALLKIT_KEY_POLICY,
			CALLKIT_METADATA_TYPE_JSON,
			"{\"session\":%s,\"mode\":\"%s\",\"duck-db\":%s}",
			session ? "true" : "false",
			callkit_mode_name(impl->config.mode), level);
}

static void publish_stream(struct impl *impl, struct stream *s,
		enum callkit_verdict verdict, const struct callkit_call *call)
{
	const char *uuid = call ? call->uuid : "";

	if (impl->metadata == NULL || (s->published && s->verdict == verdict &&
	    spa_streq(s->verdict_call, uuid)))
		return;
	s->verdict = verdict;
	snprintf(s->verdict_call, sizeof(s->verdict_call), "%s", uuid);
	s->published = true;

	pw_log_info("stream %u: %s%s%s", s->id, callkit_verdict_name(verdict),
			call ? " for call " : "", uuid);
	if (call != NULL)
		pw_impl_metadata_set_propertyf(impl->metadata, s->id,
				CALLKIT_KEY_STREAM, CALLKIT_METADATA_TYPE_JSON,
				"{\"call\":\"%s\",\"policy\":\"%s\"}",
				uuid, callkit_verdict_name(verdict));
	else
		pw_impl_metadata_set_propertyf(impl->metadata, s->id,
				CALLKIT_KEY_STREAM, CALLKIT_METADATA_TYPE_JSON,
				"{\"call\":null,\"policy\":\"%s\"}",
				callkit_verdict_name(verdict));
}

/* -- applying a verdict to a stream --------------------------------------- */

static void stream_set_volumes(struct stream *s,
		const struct callkit_volumes *volumes)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_pod *param;
	int res;

	param = callkit_volumes_build_props(&b, volumes);
	if (param == NULL) {
		pw_log_error("stream %u: can't build Props", s->id);
		return;
	}
	res = pw_impl_node_set_param(s->node, SPA_PARAM_Props, 0, param);
	if (res < 0) {
		pw_log_warn("stream %u: can't set Props: %s", s->id,
				spa_strerror(res));
		return;
	}
	s->pending++;
	s->foreign = false;
	s->sent = *volumes;
	s->have_sent = true;
}

static void stream_apply(struct impl *impl, struct stream *s,
		enum callkit_verdict verdict)
{
	bool control = verdict == CALLKIT_VERDICT_SILENCED ||
		verdict == CALLKIT_VERDICT_DUCKED ||
		verdict == CALLKIT_VERDICT_CORKED;
	struct callkit_volumes target;

	/* Without Props there is no volume yet; the first report brings
	 * us back here. */
	if (!s->have_props || (!control && !s->touched))
		return;

	callkit_volumes_for_verdict(&s->props, verdict, impl->duck_gain, &target);
	if (!s->foreign && (callkit_volumes_equal(&target, &s->props.soft) ||
	    (s->have_sent && callkit_volumes_equal(&target, &s->sent)))) {
		s->touched = control;
		return;
	}
	pw_log_debug("stream %u: %s soft volumes", s->id,
			control ? "setting" : "restoring");
	stream_set_volumes(s, &target);
	s->touched = control;
}

static void stream_update(struct impl *impl, struct stream *s,
		const struct callkit_call *calls, size_t n_calls)
{
	const struct callkit_stream info = {
		.direction = s->direction,
		.role = s->role,
		.call = s->call,
		.ringtone = s->ringtone,
		.internal = s->pid == impl->pid,
		.pid = s->pid,
	};
	const struct callkit_call *call;
	enum callkit_verdict verdict;

	verdict = callkit_policy_decide(&impl->config, calls, n_calls, &info, &call);
	publish_stream(impl, s, verdict, call);
	stream_apply(impl, s, verdict);
}

static void on_update(void *data, uint64_t count)
{
	struct impl *impl = data;
	const struct callkit_call *calls;
	struct stream *s;
	size_t n_calls;

	calls = callkit_calls_active(&impl->calls, &n_calls);
	publish_policy(impl, callkit_policy_session(calls, n_calls));
	spa_list_for_each(s, &impl->streams, link)
		stream_update(impl, s, calls, n_calls);
}

/* -- stream nodes ---------------------------------------------------------- */

static char *dup_prop(const struct pw_properties *props, const char *key)
{
	const char *str = pw_properties_get(props, key);
	return (str != NULL && str[0] != '\0') ? strdup(str) : NULL;
}

static int32_t client_pid(struct impl *impl, const struct pw_properties *props)
{
	struct pw_global *global;
	const struct pw_properties *client_props;
	uint32_t client_id;
	int32_t pid;

	if (!spa_atou32(pw_properties_get(props, PW_KEY_CLIENT_ID), &client_id, 10))
		return 0;
	global = pw_context_find_global(impl->context, client_id);
	if (global == NULL || !pw_global_is_type(global, PW_TYPE_INTERFACE_Client))
		return 0;
	client_props = pw_impl_client_get_properties(pw_global_get_object(global));
	if (client_props == NULL ||
	    !spa_atoi32(pw_properties_get(client_props, PW_KEY_SEC_PID), &pid, 10) ||
	    pid < 0)
		return 0;
	return pid;
}

static void stream_read_properties(struct stream *s)
{
	const struct pw_properties *props = pw_impl_node_get_properties(s->node);

	free(s->role);
	free(s->call);
	s->role = dup_prop(props, PW_KEY_MEDIA_ROLE);
	s->call = dup_prop(props, CALLKIT_PROP_CALL);
	s->ringtone = pw_properties_get_bool(props, CALLKIT_PROP_RINGTONE, false);
	s->pid = client_pid(s->impl, props);
}

static int stream_props_param(void *data, int seq, uint32_t id, uint32_t index,
		uint32_t next, struct spa_pod *param)
{
	struct stream *s = data;
	struct callkit_props props;

	if (callkit_props_parse(param, &props) < 0)
		return 0;
	s->props = props;
	s->have_props = true;
	return 1;
}

static void stream_read_props(struct stream *s)
{
	int res;

	res = pw_impl_node_for_each_param(s->node, 0, SPA_PARAM_Props, 0, 1,
			NULL, stream_props_param, s);
	if (res < 0)
		pw_log_debug("stream %u: no Props: %s", s->id, spa_strerror(res));

	if (s->pending > 0)
		s->pending--;
	else
		s->foreign = true;
}

static void stream_info_changed(void *data, const struct pw_node_info *info)
{
	struct stream *s = data;
	uint32_t i;
	bool changed = false;

	if (info->change_mask & PW_NODE_CHANGE_MASK_PROPS) {
		stream_read_properties(s);
		changed = true;
	}
	if (info->change_mask & PW_NODE_CHANGE_MASK_PARAMS) {
		for (i = 0; i < info->n_params; i++) {
			const struct spa_param_info *p = &info->params[i];

			if (p->id != SPA_PARAM_Props ||
			    !(p->flags & SPA_PARAM_INFO_READ) ||
			    p->flags == s->props_flags)
				continue;
			/* The flags toggle their serial bit on every change
			 * of the node's Props. */
			s->props_flags = p->flags;
			stream_read_props(s);
			changed = true;
		}
	}
	if (changed)
		schedule_update(s->impl);
}

static void stream_free(struct stream *s)
{
	spa_list_remove(&s->link);
	spa_hook_remove(&s->node_listener);
	free(s->role);
	free(s->call);
	free(s);
}

static void stream_destroy(void *data)
{
	struct stream *s = data;
	struct impl *impl = s->impl;

	if (impl->metadata != NULL)
		pw_impl_metadata_set_property(impl->metadata, s->id,
				CALLKIT_KEY_STREAM, NULL, NULL);
	stream_free(s);
}

static const struct pw_impl_node_events stream_node_events = {
	PW_VERSION_IMPL_NODE_EVENTS,
	.destroy = stream_destroy,
	.info_changed = stream_info_changed,
};

static void add_node(struct impl *impl, struct pw_global *global)
{
	struct pw_impl_node *node = pw_global_get_object(global);
	const struct pw_properties *props = pw_impl_node_get_properties(node);
	const char *media_class = pw_properties_get(props, PW_KEY_MEDIA_CLASS);
	const struct pw_node_info *info;
	enum callkit_direction direction;
	struct stream *s;

	if (spa_streq(media_class, "Stream/Output/Audio"))
		direction = CALLKIT_DIRECTION_PLAYBACK;
	else if (spa_streq(media_class, "Stream/Input/Audio"))
		direction = CALLKIT_DIRECTION_CAPTURE;
	else
		return;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		pw_log_error("can't follow node %u: %m", pw_global_get_id(global));
		return;
	}
	s->impl = impl;
	s->node = node;
	s->id = pw_global_get_id(global);
	s->direction = direction;
	spa_list_append(&impl->streams, &s->link);
	stream_read_properties(s);

	pw_impl_node_add_listener(node, &s->node_listener, &stream_node_events, s);

	/* Props that the node had before we listened. */
	info = pw_impl_node_get_info(node);
	if (info != NULL)
		stream_info_changed(s, &(struct pw_node_info) {
				.change_mask = PW_NODE_CHANGE_MASK_PARAMS,
				.n_params = info->n_params,
				.params = info->params });
	schedule_update(impl);
}

/* -- the server's globals -------------------------------------------------- */

static void context_global_added(void *data, struct pw_global *global)
{
	struct impl *impl = data;

	if (pw_global_is_type(global, PW_TYPE_INTERFACE_Node))
		add_node(impl, global);
}

static void context_global_removed(void *data, struct pw_global *global)
{
	struct impl *impl = data;

	/* Entries about an object that is gone, callkitd's client among
	 * them, go with it; the metadata listener handles the rest. */
	if (impl->metadata != NULL)
		pw_impl_metadata_set_property(impl->metadata,
				pw_global_get_id(global), NULL, NULL, NULL);
}

static const struct pw_context_events context_events = {
	PW_VERSION_CONTEXT_EVENTS,
	.global_added = context_global_added,
	.global_removed = context_global_removed,
};

static int add_existing_node(void *data, struct pw_global *global)
{
	context_global_added(data, global);
	return 0;
}

/* -- the metadata ---------------------------------------------------------- */

static int metadata_property(void *data, uint32_t subject, const char *key,
		const char *type, const char *value)
{
	struct impl *impl = data;
	uint32_t daemon = impl->calls.daemon;
	int res;

	res = callkit_calls_update(&impl->calls, subject, key, value);
	switch (res) {
	case 0:
		/* Our own keys, and keys we do not know. */
		return 0;
	case -EINVAL:
		pw_log_warn("ignoring malformed %s of subject %u: %s", key,
				subject, value);
		break;
	case -ENOSPC:
		pw_log_warn("ignoring %s of subject %u: more than %d calls",
				key, subject, CALLKIT_MAX_CALLS_PER_SUBJECT);
		return 0;
	default:
		if (res < 0)
			pw_log_error("can't take %s of subject %u: %s", key,
					subject, spa_strerror(res));
		break;
	}
	if (impl->calls.daemon != daemon) {
		if (impl->calls.daemon != SPA_ID_INVALID)
			pw_log_info("callkitd is client %u", impl->calls.daemon);
		else
			pw_log_info("callkitd (client %u) left", daemon);
	}
	schedule_update(impl);
	return 0;
}

static void metadata_forget(struct impl *impl)
{
	spa_hook_remove(&impl->metadata_listener);
	impl->metadata = NULL;
}

static void metadata_destroy(void *data)
{
	struct impl *impl = data;

	/* Destroyed by a client: no one can tell us about calls any
	 * more, so every stream goes back to how it was. */
	pw_log_warn("metadata %s destroyed", CALLKIT_METADATA_NAME);
	metadata_forget(impl);
	callkit_calls_reset(&impl->calls);
	schedule_update(impl);
}

static const struct pw_impl_metadata_events metadata_events = {
	PW_VERSION_IMPL_METADATA_EVENTS,
	.destroy = metadata_destroy,
	.property = metadata_property,
};

/* -- the module ------------------------------------------------------------ */

static void impl_destroy(struct impl *impl)
{
	struct stream *s;

	if (impl->context_listener.link.next != NULL)
		spa_hook_remove(&impl->context_listener);

	/* Streams sound as before the module when it is unloaded. */
	spa_list_consume(s, &impl->streams, link) {
		if (s->touched)
			stream_apply(impl, s, CALLKIT_VERDICT_UNTOUCHED);
		stream_free(s);
	}
	if (impl->metadata != NULL) {
		struct pw_impl_metadata *metadata = impl->metadata;

		metadata_forget(impl);
		pw_impl_metadata_destroy(metadata);
	}
	if (impl->update != NULL)
		pw_loop_destroy_source(impl->loop, impl->update);
	callkit_calls_clear(&impl->calls);
	free(impl);
}

static void module_destroy(void *data)
{
	struct impl *impl = data;

	spa_hook_remove(&impl->module_listener);
	impl_destroy(impl);
}

static const struct pw_impl_module_events module_events = {
	PW_VERSION_IMPL_MODULE_EVENTS,
	.destroy = module_destroy,
};

static int parse_args(struct impl *impl, const char *args)
{
	struct pw_properties *props;
	const char *str;
	int res = 0;

	props = pw_properties_new_string(args ? args : "");
	if (props == NULL) {
		res = -errno;
		pw_log_error("can't parse arguments: %m");
		return res;
	}

	str = pw_properties_get(props, "mode");
	if (callkit_mode_parse(str ? str : DEFAULT_MODE, &impl->config.mode) < 0) {
		pw_log_error("invalid mode '%s': expected duck or cork", str);
		res = -EINVAL;
		goto done;
	}

	str = pw_properties_get(props, "duck.level");
	if (callkit_duck_db_parse(str ? str : DEFAULT_DUCK_LEVEL,
				&impl->config.duck_db) < 0) {
		pw_log_error("invalid duck.level '%s': expected a level in dB, "
				"at most 0", str);
		res = -EINVAL;
		goto done;
	}
	impl->duck_gain = callkit_db_to_gain(impl->config.duck_db);

	str = pw_properties_get(props, "duck.roles");
	if (str == NULL) {
		impl->config.duck_roles = callkit_default_duck_roles;
	} else if (callkit_roles_parse(&impl->duck_roles, str) < 0) {
		pw_log_error("invalid duck.roles '%s': expected an array of at "
				"most %d media roles", str, CALLKIT_MAX_ROLES);
		res = -EINVAL;
		goto done;
	} else {
		impl->config.duck_roles = impl->duck_roles.list;
	}
done:
	pw_properties_free(props);
	return res;
}

SPA_EXPORT
int pipewire__module_init(struct pw_impl_module *module, const char *args)
{
	struct pw_context *context = pw_impl_module_get_context(module);
	struct pw_properties *props;
	struct impl *impl;
	int res;

	PW_LOG_TOPIC_INIT(mod_topic);

	impl = calloc(1, sizeof(*impl));
	if (impl == NULL)
		return -errno;

	pw_log_debug("module %p: new %s", impl, args);

	impl->context = context;
	impl->loop = pw_context_get_main_loop(context);
	impl->module = module;
	impl->pid = getpid();
	callkit_calls_init(&impl->calls);
	spa_list_init(&impl->streams);

	if ((res = parse_args(impl, args)) < 0)
		goto error;

	impl->update = pw_loop_add_event(impl->loop, on_update, impl);
	if (impl->update == NULL) {
		res = -errno;
		pw_log_error("can't create event source: %m");
		goto error;
	}

	impl->metadata = pw_context_create_metadata(context, CALLKIT_METADATA_NAME,
			NULL, 0);
	if (impl->metadata == NULL) {
		res = -errno;
		pw_log_error("can't create metadata: %m");
		goto error;
	}
	pw_impl_metadata_add_listener(impl->metadata, &impl->metadata_listener,
			&metadata_events, impl);
	props = pw_properties_new(PW_KEY_METADATA_NAME, CALLKIT_METADATA_NAME, NULL);
	if (props == NULL) {
		res = -errno;
		goto error;
	}
	pw_properties_setf(props, PW_KEY_MODULE_ID, "%u",
			pw_global_get_id(pw_impl_module_get_global(module)));
	res = pw_impl_metadata_register(impl->metadata, props);
	if (res < 0) {
		pw_log_error("can't register metadata: %s", spa_strerror(res));
		goto error;
	}
	publish_policy(impl, false);

	pw_context_add_listener(context, &impl->context_listener,
			&context_events, impl);
	pw_context_for_each_global(context, add_existing_node, impl);

	pw_impl_module_add_listener(module, &impl->module_listener,
			&module_events, impl);
	pw_impl_module_update_properties(module,
			&SPA_DICT_INIT_ARRAY(module_props));
	return 0;

error:
	impl_destroy(impl);
	return res;
}
