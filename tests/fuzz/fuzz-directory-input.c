/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text of a call directory list (ckd_directory_input_read), as an app
 * hands it over: whatever the text, it is refused with a named error or
 * becomes a list that is written, read back and checks out, each number
 * on it found again. The first byte picks the kind and the region. */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ckd-directory-input.h"
#include "ckd-error.h"
#include "fuzz-common.h"

static const char *const regions[] = { NULL, "DE", "US", "GB", "XX" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };
  guint8 choice;
  CkdDirectoryKind kind;
  const char *region;
  g_autoptr (CkdDirectoryBuilder) builder = NULL;
  g_autoptr (CkdDirectoryFile) written = NULL;
  g_autoptr (CkdDirectoryFile) reread = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  int fd;

  ckd_fuzz_init ();
  choice = ckd_fuzz_take_byte (&input);
  kind = choice & 1 ? CKD_DIRECTORY_IDENTIFICATION : CKD_DIRECTORY_BLOCKING;
  region = regions[(choice >> 1) % G_N_ELEMENTS (regions)];

  /* A file of the text, as an app that writes one hands it over. */
  fd = memfd_create ("list", MFD_CLOEXEC);
  g_assert (fd >= 0);
  if (input.size > 0)
    g_assert (write (fd, input.data, input.size) == (ssize_t) input.size);
  g_assert (lseek (fd, 0, SEEK_SET) == 0);
  builder = ckd_directory_builder_new (kind);
  if (!ckd_directory_input_read (fd, kind, region, 60, builder, &error))
    {
      close (fd);
      /* Refused: with one of callkitd's errors, saying why. */
      g_assert (error->domain == CKD_ERROR);
      g_assert (error->code == CKD_ERROR_INVALID_ARGUMENT
                || error->code == CKD_ERROR_LIMIT_EXCEEDED);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  close (fd);

  dir = g_dir_make_tmp ("fuzz-directory-XXXXXX", NULL);
  g_assert (dir != NULL);
  path = g_build_filename (dir, "list", NULL);
  written = ckd_directory_builder_write (builder, path, 1, 1, &error);
  g_assert_no_error (error);
  reread = ckd_directory_file_open (path, kind, &error);
  g_assert_no_error (error);
  g_assert (ckd_directory_file_get_count (reread) == ckd_directory_file_get_count (written));
  g_assert (ckd_directory_file_get_checksum (reread) == ckd_directory_file_get_checksum (written));
  for (guint64 i = 0; i < ckd_directory_file_get_count (reread); i++)
    {
      guint64 key = ckd_directory_file_get_key (reread, i);

      /* Sorted, each key once, each found where it is. */
      g_assert (i == 0 || ckd_directory_file_get_key (reread, i - 1) < key);
      g_assert (ckd_directory_file_find (reread, key) == (gint64) i);
      if (kind == CKD_DIRECTORY_IDENTIFICATION)
        g_assert (g_utf8_validate (ckd_directory_file_get_label (reread, i), -1, NULL));
    }
  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
