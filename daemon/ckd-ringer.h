/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-pipewire.h"
#include "ckd-registry.h"
#include "ckd-settings.h"

G_BEGIN_DECLS

/* Rings while an incoming call rings: the provider's ringtone (or the
 * sound theme's phone-incoming-call), or a short call-waiting tone when
 * the user is already on a call. Stops at once when the call leaves
 * ringing or is silenced (SilenceRinging, a dismissed notification). */

typedef enum
{
  CKD_RING_NONE,
  CKD_RING_RINGTONE,
  CKD_RING_CALL_WAITING,
} CkdRingKind;

typedef struct
{
  CkdRingKind kind;
  CkdCall *call; /* the call it rings for; NULL with CKD_RING_NONE */
} CkdRingChoice;

/* The pure parts. Which call rings and how, of @live_calls (uuid ->
 * CkdCall *), leaving out silenced calls: the incoming ringing call
 * reported first; call waiting when another call is on (active, held,
 * dialing or connecting). */
CkdRingChoice ckd_ringer_choose (GHashTable *live_calls);
/* The file of sound @name in the freedesktop sound theme
 * ($XDG_DATA_HOME, then $XDG_DATA_DIRS, sounds/freedesktop/stereo/,
 * .oga, .ogg or .wav), or NULL. */
char *ckd_ringer_find_theme_sound (const char *name);

typedef struct _CkdRinger CkdRinger;

/* Follows the calls of @registry and the [Sounds] of @settings
 * (ringtone=false plays nothing, call-waiting=false no call-waiting tone),
 * and loads PipeWire when a call first rings. Sets the `ringtone`
 * capability while it can play. */
CkdRinger *ckd_ringer_new (CkdRegistry *registry, CkdSettings *settings, CkdPipewire *pipewire);
void ckd_ringer_free (CkdRinger *self);

G_END_DECLS
