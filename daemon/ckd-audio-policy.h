/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-pipewire.h"
#include "ckd-registry.h"

G_BEGIN_DECLS

/* Publishes callkitd's audio decision in the `callkit` PipeWire metadata
 * (pipewire-module/callkit-metadata.h): a daemon entry, and one entry per
 * live call with its state, whether it holds the audio session and its
 * provider's process id. libpipewire-module-callkit applies it to streams;
 * its own policy entry tells callkitd it is there, which is what the
 * `audio-policy` capability means. It follows the calls of the registry,
 * and has PipeWire loaded when the first call comes. */

typedef struct _CkdAudioPolicy CkdAudioPolicy;

/* The pure parts: the JSON values of the entries. */
char *ckd_audio_policy_daemon_json (guint32 pid, const char *version);
char *ckd_audio_policy_call_json (const CkdCall *call, guint32 pid);
/* Whether a value the module wrote for CALLKIT_KEY_POLICY says it runs. */
gboolean ckd_audio_policy_module_present (const char *type, const char *value);

CkdAudioPolicy *ckd_audio_policy_new (CkdRegistry *registry, CkdPipewire *pipewire);
void ckd_audio_policy_free (CkdAudioPolicy *self);

G_END_DECLS
