/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-provider.h"

G_BEGIN_DECLS

/* Who holds the audio session: the calls of the active group, that is
 * calls answered or connected, or outgoing and started (start-call
 * fulfilled), and neither held nor ended. Pure: callkitd tells providers
 * (DidActivate/DidDeactivateAudioSession) and, later, PipeWire. */
gboolean ckd_audio_session_holds (const CkdCall *call);

/* The UUIDs of @provider's calls that hold the session, or NULL for none. */
char **ckd_audio_session_calls_of (const CkdProvider *provider);

G_END_DECLS
