/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Replaces the file @path with @contents so that a crash or a power cut
 * at any instant leaves either the old file or the new one, whole: a
 * temporary file beside it is written and flushed to disk, renamed over
 * @path, and the directory is flushed so that the rename itself lasts.
 * The directory is created (0700) when missing. */
gboolean ckd_atomic_file_replace (const char *path, const char *contents, gsize length,
                                  GError **error);
/* Removes the temporary files a replacement of @path that was killed left
 * beside it. */
void ckd_atomic_file_clean (const char *path);

G_END_DECLS
