/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the sound file @path (opened as @fd, or looked up by path when
 * @fd is -1) may be read: a regular file of at most CKD_MAX_RINGTONE_BYTES
 * bytes on a file system that holds files, not one of the kernel's views
 * (/proc, /sys and the like, whose "regular" files are memory, endless or
 * change as they are read). Checked when a ringtone is configured and
 * again when it is opened, as the file may change in between. Errors are
 * G_IO_ERROR, G_IO_ERROR_NOT_FOUND when nothing is there. */
gboolean ckd_sound_file_check (const char *path, int fd, GError **error);

G_END_DECLS
