/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/impl.h>

#include "config.h"
#include "callkit-metadata.h"

/** \page page_module_callkit PipeWire Module: CallKit
 *
 * Creates the `callkit` metadata object through which callkitd tells the
 * server which calls own the audio session.
 */

#define NAME "callkit"

PW_LOG_TOPIC_STATIC(mod_topic, "mod." NAME);
#define PW_LOG_TOPIC_DEFAULT mod_topic

static const struct spa_dict_item module_props[] = {
	{ PW_KEY_MODULE_AUTHOR, "The callkitd authors" },
	{ PW_KEY_MODULE_DESCRIPTION, "Call audio policy for callkitd" },
	{ PW_KEY_MODULE_VERSION, PACKAGE_VERSION },
};

struct impl {
	struct pw_context *context;
	struct pw_impl_module *module;
	struct spa_hook module_listener;

	struct pw_impl_metadata *metadata;
	struct spa_hook metadata_listener;
};

static void impl_destroy(struct impl *impl)
{
	if (impl->metadata != NULL) {
		spa_hook_remove(&impl->metadata_listener);
		pw_impl_metadata_destroy(impl->metadata);
	}
	free(impl);
}

static void metadata_destroy(void *data)
{
	struct impl *impl = data;
	spa_hook_remove(&impl->metadata_listener);
	impl->metadata = NULL;
}

static const struct pw_impl_metadata_events metadata_events = {
	PW_VERSION_IMPL_METADATA_EVENTS,
	.destroy = metadata_destroy,
};

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

SPA_EXPORT
int pipewire__module_init(struct pw_impl_module *module, const char *args)
{
	struct pw_context *context = pw_impl_module_get_context(module);
	struct impl *impl;
	int res;

	PW_LOG_TOPIC_INIT(mod_topic);

	impl = calloc(1, sizeof(*impl));
	if (impl == NULL)
		return -errno;
	impl->context = context;
	impl->module = module;

	impl->metadata = pw_context_create_metadata(context, CALLKIT_METADATA_NAME,
			NULL, 0);
	if (impl->metadata == NULL) {
		res = -errno;
		pw_log_error("can't create metadata: %m");
		goto error;
	}
	pw_impl_metadata_add_listener(impl->metadata, &impl->metadata_listener,
			&metadata_events, impl);
	res = pw_impl_metadata_register(impl->metadata,
			pw_properties_new(PW_KEY_METADATA_NAME, CALLKIT_METADATA_NAME,
				NULL));
	if (res < 0) {
		pw_log_error("can't register metadata: %s", spa_strerror(res));
		goto error;
	}
	pw_impl_metadata_set_property(impl->metadata, 0, CALLKIT_KEY_POLICY,
			CALLKIT_METADATA_TYPE_JSON,
			"{\"session\":false,\"mode\":\"duck\",\"duck-db\":-20.0}");

	pw_impl_module_add_listener(module, &impl->module_listener,
			&module_events, impl);
	pw_impl_module_update_properties(module,
			&SPA_DICT_INIT_ARRAY(module_props));
	return 0;

error:
	impl_destroy(impl);
	return res;
}
