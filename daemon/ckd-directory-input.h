/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ckd-directory-file.h"

G_BEGIN_DECLS

/* The text of a call directory list as an app hands it over: one entry a
 * line, in any order, duplicates allowed, blank lines and lines starting
 * with "#" skipped; a blocking line is a phone number, an identification
 * line "number<TAB>label". Numbers are E.164 ("+49 30 1234567", with
 * spaces, dashes, dots or parentheses) or national with @default_region
 * (ckd-phone-number.h). */

/* Reads the whole text from @fd (a regular file or a pipe) into @builder,
 * blocking: run it in a worker thread. Fails, leaving what was read in
 * @builder to be dropped, with a CKD_ERROR:
 * - InvalidArgument naming the line number and its text for a bad entry,
 *   or saying what @fd is when it is neither a file nor a pipe;
 * - LimitExceeded past CKD_MAX_DIRECTORY_INPUT_BYTES bytes or
 *   CKD_MAX_DIRECTORY_ENTRIES entries;
 * - TimedOut when the text is not whole (end of file) within
 *   @timeout_seconds of the start. */
gboolean ckd_directory_input_read (int fd, CkdDirectoryKind kind, const char *default_region,
                                   guint timeout_seconds, CkdDirectoryBuilder *builder,
                                   GError **error);

/* One number as a caller gives it (Add*Entries, Lookup), made a key; a
 * CKD_ERROR_INVALID_ARGUMENT naming it otherwise. */
gboolean ckd_directory_input_parse_number (const char *text, const char *default_region,
                                           guint64 *ret_key, GError **error);
/* A label of an identification entry: valid UTF-8, one line, not empty,
 * at most CKD_MAX_STRING_LENGTH bytes. */
gboolean ckd_directory_input_check_label (const char *label, gsize length, GError **error);

G_END_DECLS
