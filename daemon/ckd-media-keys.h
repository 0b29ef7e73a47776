/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "ckd-session.h"

G_BEGIN_DECLS

/* Headset buttons and media keys: while a call is live, callkitd is an
 * MPRIS player (org.mpris.MediaPlayer2.callkitd at /org/mpris/MediaPlayer2)
 * so that the desktop's media-key handling (gnome-settings-daemon, KDE,
 * playerctl) and Bluetooth/USB headset buttons reach it. Play or
 * PlayPause answers a ringing call; Pause or PlayPause ends the active
 * call, or with [MediaKeys] pause-mutes= mutes it (Play and PlayPause
 * unmute it again); Stop declines or ends; Raise shows the call in its
 * app. Each goes through the session as a transaction of callkitd's own,
 * like a notification's button. The name goes when no call is left.
 * "media-keys" is in the capabilities while the player can be served. */
typedef struct _CkdMediaKeys CkdMediaKeys;

/* @bus: the session bus connection the player is served on. */
CkdMediaKeys *ckd_media_keys_new (CkdSession *session, sd_bus *bus);
void ckd_media_keys_free (CkdMediaKeys *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdMediaKeys, ckd_media_keys_free)

G_END_DECLS
