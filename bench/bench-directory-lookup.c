/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-directory-lookup: a call directory lookup in process, on a list
 * file callkitd wrote (run by bench-directory.py). What
 * ckd_directory_lookup() and the incoming-call filter do per list: the
 * handle made a key (ckd_phone_number_parse(): the E.164 fast path, and
 * libphonenumber for a national number), then a binary search of the
 * mapped file (ckd_directory_file_find()).
 *
 * argv: LIST_FILE [SAMPLES]. Prints "name p50_ns p99_ns" lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckd-directory-file.h"
#include "ckd-phone-number.h"

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
compare (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
report (const char *name, gint64 *samples, guint n)
{
  qsort (samples, n, sizeof (gint64), compare);
  printf ("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", name, samples[n / 2],
          samples[(guint) (n * 0.99)]);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CkdDirectoryFile) file = NULL;
  guint n = argc > 2 ? (guint) atoi (argv[2]) : 200000;
  g_autofree gint64 *samples = g_new (gint64, n);
  g_autofree char **texts = g_new0 (char *, n);
  GRand *rand = g_rand_new_with_seed (42);
  guint64 count, hits = 0;

  if (argc < 2)
    return 2;
  file = ckd_directory_file_open (argv[1], CKD_DIRECTORY_BLOCKING, &error);
  if (file == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  count = ckd_directory_file_get_count (file);
  /* Half on the list, half not: a random entry, and one beside it. */
  for (guint i = 0; i < n; i++)
    {
      char number[CKD_PHONE_NUMBER_MAX_DIGITS + 2];
      guint64 key = ckd_directory_file_get_key (file, g_rand_int_range (rand, 0, (gint32) count));

      ckd_phone_number_format (key + (i % 2), number);
      texts[i] = g_strdup (number);
    }
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        gint64 t0 = now_ns ();
        guint64 key = 0;

        if (ckd_phone_number_parse (texts[i], strlen (texts[i]), "DE", &key)
            && ckd_directory_file_find (file, key) >= 0)
          hits++;
        samples[i] = now_ns () - t0;
      }
  report ("lookup-e164", samples, n);
  /* National numbers go through libphonenumber. */
  for (guint i = 0; i < n / 10; i++)
    {
      gint64 t0 = now_ns ();
      guint64 key = 0;
      char national[32];

      g_snprintf (national, sizeof national, "030 %07u", i);
      if (ckd_phone_number_parse (national, strlen (national), "DE", &key)
          && ckd_directory_file_find (file, key) >= 0)
        hits++;
      samples[i] = now_ns () - t0;
    }
  report ("lookup-national", samples, n / 10);
  /* The clock itself, to read the figures against. */
  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = now_ns ();
      samples[i] = now_ns () - t0;
    }
  report ("clock", samples, n);
  printf ("entries %" G_GUINT64_FORMAT " hits %" G_GUINT64_FORMAT "\n", count, hits);
  for (guint i = 0; i < n; i++)
    g_free (texts[i]);
  g_rand_free (rand);
  return 0;
}
