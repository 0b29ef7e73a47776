/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What callkitd does, decided in one place: the command line (CkdOptions)
 * over the user's callkitd.conf over the system's, followed while callkitd
 * runs. Subsystems read the result (ckd_settings_get()) and never merge
 * the sources themselves.
 *
 * The files (GKeyFile) have one struct per group. A new group gets its
 * struct here, a member in CkdUserSettings and its rows in the key table
 * of ckd-settings.c. */

/* The command line. It wins over the files. */
typedef struct
{
  guint ringing_timeout_ms;
  guint incoming_reports_per_second; /* 0: unlimited */
  guint pushes_per_second;           /* per push token; 0: unlimited */
  /* Turned off for good, whatever the files say. */
  gboolean no_ringing_notifications;
  gboolean no_ongoing_notifications;
  gboolean no_missed_call_notifications;
  gboolean transient_missed_calls;
  gboolean no_ringtone; /* the notification server may still make a sound */
  gboolean no_history;  /* keep no call history on disk */
} CkdOptions;

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

/* [History]: the recents (ckd-history.c) */
typedef struct
{
  gboolean keep;      /* keep=: false keeps no history on disk */
  guint max_entries;  /* max-entries=: the oldest go beyond it */
  guint max_age_days; /* max-age-days=: older entries go; 0: no age limit */
} CkdHistorySettings;

#define CKD_HISTORY_DEFAULT_MAX_ENTRIES 10000
#define CKD_HISTORY_MAX_MAX_ENTRIES 1000000
#define CKD_HISTORY_DEFAULT_MAX_AGE_DAYS 365
#define CKD_HISTORY_MAX_MAX_AGE_DAYS 36500

/* [Push]: the VoIP wake-up pushes of the PushRegistry */
typedef struct
{
  guint stale_after_seconds;        /* stale-after-seconds=: older pushes ring nothing */
  guint report_deadline_ms;         /* report-deadline-ms=: to report the announced call */
  guint violations_before_throttle; /* violations-before-throttle= */
  guint throttle_seconds;           /* throttle-seconds=: how long then */
  guint activation_timeout_ms;      /* activation-timeout-ms=: for a started app to register */
  gboolean unifiedpush;             /* unifiedpush=: register tokens with a distributor */
} CkdPushSettings;

/* [DoNotDisturb]: calls kept from the user (ckd-do-not-disturb.c) */
typedef struct
{
  gboolean enabled;               /* enabled=: on whatever the desktop says */
  gboolean follow_desktop;        /* follow-desktop=: GNOME's banners off, Inhibited */
  char **allow_list;              /* allow-list=: handles that always ring; NULL: none */
  gboolean allow_repeated_calls;  /* allow-repeated-calls= */
  guint repeated_call_window_seconds; /* repeated-call-window-seconds= */
  gboolean allow_contacts;        /* allow-contacts=: identified contacts ring */
} CkdDoNotDisturbSettings;

#define CKD_DO_NOT_DISTURB_DEFAULT_REPEATED_CALL_WINDOW_SECONDS 180
#define CKD_DO_NOT_DISTURB_MAX_REPEATED_CALL_WINDOW_SECONDS 3600

/* [MediaKeys]: the MPRIS player of calls (ckd-media-keys.c) */
typedef struct
{
  gboolean enabled;     /* enabled=: the player exists during calls */
  gboolean pause_mutes; /* pause-mutes=: pause mutes an active call rather than ending it */
} CkdMediaKeySettings;

typedef struct
{
  CkdNotificationSettings notifications;
  CkdSoundSettings sounds;
  CkdHistorySettings history;
  CkdPushSettings push;
  CkdDoNotDisturbSettings do_not_disturb;
  CkdMediaKeySettings media_keys;
} CkdUserSettings;

#define CKD_SETTINGS_FILE_NAME "callkitd.conf"

/* The defaults: everything on, missed calls stay, history kept for a
 * year or 10000 calls; the push defaults of ckd-limits.h. */
void ckd_user_settings_init (CkdUserSettings *settings);
/* Frees what @settings holds (the string lists); init again to reuse. */
void ckd_user_settings_clear (CkdUserSettings *settings);
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

/* Applies what @options turn off on top of @settings. */
void ckd_user_settings_apply_options (CkdUserSettings *settings, const CkdOptions *options);

#define CKD_TYPE_SETTINGS (ckd_settings_get_type ())
G_DECLARE_FINAL_TYPE (CkdSettings, ckd_settings, CKD, SETTINGS, GObject)

/* Reads @paths (lowest priority first) now and again whenever one of them
 * is created, changed, replaced or deleted, and applies @options on top;
 * emits "changed" when the result differs. @paths may be NULL: the
 * options and the defaults only. */
CkdSettings *ckd_settings_new (const CkdOptions *options, const char *const *paths);
/* The resolved settings. */
const CkdUserSettings *ckd_settings_get (CkdSettings *self);
const CkdOptions *ckd_settings_get_options (CkdSettings *self);

G_END_DECLS
