/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A call directory list's file as callkitd finds it at start
 * (ckd_directory_file_open): truncated, damaged or foreign, it is
 * refused with a reason; whatever is accepted is a sound list, every
 * entry found by the binary search. The first byte picks the kind. */
#include "config.h"

#include <glib/gstdio.h>

#include "ckd-directory-file.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };
  CkdDirectoryKind kind;
  g_autoptr (CkdDirectoryFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  ckd_fuzz_init ();
  kind = ckd_fuzz_take_byte (&input) & 1 ? CKD_DIRECTORY_IDENTIFICATION : CKD_DIRECTORY_BLOCKING;
  dir = g_dir_make_tmp ("fuzz-directory-XXXXXX", NULL);
  g_assert (dir != NULL);
  path = g_build_filename (dir, "list", NULL);
  g_assert (g_file_set_contents (path, (const char *) input.data, (gssize) input.size, NULL));

  file = ckd_directory_file_open (path, kind, &error);
  if (file == NULL)
    g_assert (error->domain == G_FILE_ERROR && g_utf8_validate (error->message, -1, NULL));
  else
    for (guint64 i = 0; i < ckd_directory_file_get_count (file); i++)
      {
        guint64 key = ckd_directory_file_get_key (file, i);

        g_assert (ckd_directory_file_find (file, key) >= 0);
        if (kind == CKD_DIRECTORY_IDENTIFICATION)
          g_assert (g_utf8_validate (ckd_directory_file_get_label (file, i), -1, NULL));
      }
  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
