/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-call.h"
#include "ckd-pipewire.h"

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
 * CkdCall *), leaving out the uuids in @silenced: the incoming ringing
 * call reported first; call waiting when another call is on (active,
 * held, dialing or connecting). */
CkdRingChoice ckd_ringer_choose (GHashTable *live_calls, GHashTable *silenced);
/* The file of sound @name in the freedesktop sound theme
 * ($XDG_DATA_HOME, then $XDG_DATA_DIRS, sounds/freedesktop/stereo/,
 * .oga, .ogg or .wav), or NULL. */
char *ckd_ringer_find_theme_sound (const char *name);

typedef struct _CkdRinger CkdRinger;

/* @ctx is a CkdContext *; with @pipewire NULL nothing ever plays (the
 * daemon runs with --no-ringtone). Otherwise the [Sounds] of
 * callkitd.conf (ctx->user_settings) are followed as they change:
 * ringtone=false plays nothing, call-waiting=false no call-waiting tone. */
CkdRinger *ckd_ringer_new (gpointer ctx, CkdPipewire *pipewire);
void ckd_ringer_free (CkdRinger *self);

/* Calls changed: starts, switches or stops the sound. */
void ckd_ringer_update (CkdRinger *self);
/* Stops ringing for @uuid (for every ringing call with NULL); the calls
 * keep ringing otherwise: they can still be answered. Returns how many
 * calls were silenced. */
guint ckd_ringer_silence (CkdRinger *self, const char *uuid);
void ckd_ringer_call_ended (CkdRinger *self, const char *uuid);
/* Whether callkitd makes the ringing sound itself (connected to PipeWire,
 * ringtones not turned off), so notifications should not (the
 * suppress-sound hint). */
gboolean ckd_ringer_plays_sound (CkdRinger *self);

G_END_DECLS
