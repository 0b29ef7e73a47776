/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The names that several programs of callkitd share: the D-Bus names and
 * object paths (callkitd, libcallkit, callctl, speakerbox, the benchmarks)
 * and the PipeWire metadata keys and node properties (callkitd,
 * libpipewire-module-callkit, speakerbox). Each is spelled here and only
 * here. Plain C macros: no GLib, no sd-bus, no PipeWire types, so that the
 * module inside the PipeWire server includes it too. Not installed: apps
 * read the names from dbus-interfaces/ and callkit.h.
 */

/* ---------------------------------------------------------------------- */
/* D-Bus */

#define CKD_BUS_NAME "io.github.callkitd.CallKit1"
#define CKD_OBJECT_ROOT "/io/github/callkitd/CallKit1"
#define CKD_INTERFACE_PREFIX CKD_BUS_NAME "."
#define CKD_MANAGER_INTERFACE CKD_INTERFACE_PREFIX "Manager"
#define CKD_CALL_CONTROLLER_INTERFACE CKD_INTERFACE_PREFIX "CallController"
#define CKD_PROVIDER_INTERFACE CKD_INTERFACE_PREFIX "Provider"
#define CKD_CALL_INTERFACE CKD_INTERFACE_PREFIX "Call"
#define CKD_HISTORY_INTERFACE CKD_INTERFACE_PREFIX "History"
#define CKD_PUSH_REGISTRY_INTERFACE CKD_INTERFACE_PREFIX "PushRegistry"
#define CKD_CALL_DIRECTORY_INTERFACE CKD_INTERFACE_PREFIX "CallDirectory"
#define CKD_IDENTIFICATION_SERVICE_INTERFACE CKD_INTERFACE_PREFIX "IdentificationService"
/* Error names are this prefix and the error's short name. */
#define CKD_ERROR_PREFIX CKD_INTERFACE_PREFIX "Error."
/* A provider is at CKD_PROVIDER_PATH_PREFIX N, a call at
 * CKD_CALL_PATH_PREFIX <UUID with _ for ->; CKD_PROVIDERS_PATH and
 * CKD_CALLS_PATH are the nodes above them. */
#define CKD_PROVIDERS_PATH CKD_OBJECT_ROOT "/provider"
#define CKD_CALLS_PATH CKD_OBJECT_ROOT "/call"
#define CKD_PROVIDER_PATH_PREFIX CKD_PROVIDERS_PATH "/"
#define CKD_CALL_PATH_PREFIX CKD_CALLS_PATH "/"

/* ---------------------------------------------------------------------- */
/* PipeWire
 *
 * callkitd and libpipewire-module-callkit share one PipeWire metadata
 * object, created by the module, so that `pw-metadata -n callkit` shows
 * both sides: what callkitd decided and what the module did about it.
 * Values are JSON (type CALLKIT_METADATA_TYPE_JSON), which PipeWire's own
 * parser (spa/utils/json.h) reads inside the server.
 */

/* Name (metadata.name) of the metadata object the module creates. */
#define CALLKIT_METADATA_NAME "callkit"

/* Type of every value callkitd and the module write. */
#define CALLKIT_METADATA_TYPE_JSON "Spa:String:JSON"

/*
 * Written by callkitd. The subject of all of its keys is the global id of
 * callkitd's own PipeWire client object, so the entries belong to that
 * client: when callkitd disconnects or dies, the module drops them and
 * restores every stream it changed.
 *
 * CALLKIT_KEY_DAEMON: present while callkitd is connected.
 *   {"pid": 1234, "version": "0.1.0"}
 *
 * CALLKIT_KEY_CALL_PREFIX + <uuid>: one entry per live call.
 *   {"state": "ringing", "audio": false, "pid": 4321,
 *    "provider": "/io/github/callkitd/CallKit1/provider/1"}
 *   state is the Call.State string; audio is true while the call holds the
 *   audio session; pid is the provider's process id (0 when unknown),
 *   matched against a stream client's pipewire.sec.pid.
 *   The entry is deleted when the call ends.
 */
#define CALLKIT_KEY_DAEMON "callkit.daemon"
#define CALLKIT_KEY_CALL_PREFIX "callkit.call."

/*
 * Written by the module.
 *
 * CALLKIT_KEY_POLICY (subject 0): the module's configuration and whether a
 *   call holds the audio session now.
 *   {"session": true, "mode": "duck", "duck-db": -20.0}
 *
 * CALLKIT_KEY_STREAM (subject: a stream node's id): what the module does
 *   with that stream. Entries vanish with their node.
 *   {"call": "<uuid>" | null, "policy": "allowed" | "silenced" | "ducked"
 *    | "corked" | "untouched"}
 */
#define CALLKIT_KEY_POLICY "callkit.policy"
#define CALLKIT_KEY_STREAM "callkit.stream"

/* Node property that ties a stream to a call: the call's UUID. */
#define CALLKIT_PROP_CALL "callkit.call"

/* Node property on callkitd's ringtone and call-waiting streams ("true"):
 * the module never ducks or silences them. */
#define CALLKIT_PROP_RINGTONE "callkit.ringtone"
