/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main() for the fuzz targets where libFuzzer is not linked (every build
 * but -Dfuzzing=true): runs each file given, or each file of each
 * directory given, through LLVMFuzzerTestOneInput() once. So the corpora,
 * with every input that once crashed callkitd, are run by `meson test` in
 * the plain and the sanitizer builds too. */
#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"

static gboolean
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GDir) dir = NULL;
      const char *name;

      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          if (!run_file (argv[i]))
            return 1;
          n++;
          continue;
        }
      dir = g_dir_open (argv[i], 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          if (!run_file (path))
            return 1;
          n++;
        }
    }
  printf ("%u inputs ran\n", n);
  /* An empty corpus proves nothing. */
  return n > 0 ? 0 : 1;
}
