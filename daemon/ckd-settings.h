/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The user's choices from callkitd.conf (GKeyFile), one struct per group.
 * A new group gets its struct here, a member in CkdUserSettings and its
 * rows in the key table of ckd-settings.c. */

/* [Notifications] */
typedef struct
{
  gboolean ringing;           /* ringing= */
  gboolean ongoing;           /* ongoing= */
  gboolean missed;            /* missed= */
  gboolean missed_persistent; /* missed-persistent=: stay until dismissed */
} CkdNotificationSettings;

/* [Sounds]: what callkitd plays itself */
typedef struct
{
  gboolean ringtone;     /* ringtone=: false silences callkitd like --no-ringtone */
  gboolean call_waiting; /* call-waiting=: the tone for a second call during a call */
} CkdSoundSettings;

typedef struct
{
  CkdNotificationSettings notifications;
  CkdSoundSettings sounds;
} CkdUserSettings;

#define CKD_SETTINGS_FILE_NAME "callkitd.conf"

/* The defaults: everything on, missed calls stay. */
void ckd_user_settings_init (CkdUserSettings *settings);
gboolean ckd_user_settings_equal (const CkdUserSettings *a, const CkdUserSettings *b);
/* Applies the keys @key_file has on top of @settings. A bad value or an
 * unknown key in a known group leaves @settings as it was for that key and
 * adds a message naming @path, the group and the key to @problems. Unknown
 * groups are left to other readers. */
void ckd_user_settings_apply (CkdUserSettings *settings, GKeyFile *key_file, const char *path,
                              GPtrArray *problems);
/* The files read, lowest priority first: $XDG_CONFIG_DIRS (last one
 * first), then $XDG_CONFIG_HOME, each with callkitd/callkitd.conf. */
GStrv ckd_user_settings_paths (void);

#define CKD_TYPE_SETTINGS_MONITOR (ckd_settings_monitor_get_type ())
G_DECLARE_FINAL_TYPE (CkdSettingsMonitor, ckd_settings_monitor, CKD, SETTINGS_MONITOR, GObject)

/* Reads @paths (lowest priority first) now and again whenever one of them
 * is created, changed, replaced or deleted; emits "changed" when the
 * result differs. */
CkdSettingsMonitor *ckd_settings_monitor_new (const char *const *paths);
const CkdUserSettings *ckd_settings_monitor_get (CkdSettingsMonitor *self);

G_END_DECLS
