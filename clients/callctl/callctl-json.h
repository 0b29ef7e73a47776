/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

/* The D-Bus value at m's read position (one complete type; m moves past
 * it) as JSON: dictionaries become objects (keys as text), arrays and
 * structures arrays, variants their contents. NULL if m cannot be read. */
JsonNode *callctl_json_from_message (sd_bus_message *m);

/* A property value as callctl prints it: a handle (ss) becomes
 * {"type": …, "value": …}, anything else as callctl_json_from_message().
 * m is positioned at the property's variant. */
JsonNode *callctl_json_from_property (sd_bus_message *m);

/* "IsOnHold" → "is_on_hold", "SupportsDTMF" → "supports_dtmf",
 * "UUID" → "uuid": the snake_case that the API uses for dictionary keys. */
char *callctl_json_key_from_property (const char *property_name);

G_END_DECLS
