/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The call directory's pieces without a bus: phone numbers made keys
 * (ckd-phone-number.cc), list files built, written, read back and checked
 * (ckd-directory-file.c), and the text of a list parsed
 * (ckd-directory-input.c). */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ckd-directory-file.h"
#include "ckd-directory-input.h"
#include "ckd-error.h"
#include "ckd-phone-number.h"

static guint64
key_of (const char *text, const char *region)
{
  guint64 key = 0;

  g_assert_true (ckd_phone_number_parse (text, strlen (text), region, &key));
  return key;
}

static void
test_phone_numbers (void)
{
  char buffer[CKD_PHONE_NUMBER_MAX_DIGITS + 2];
  guint64 key;

  g_assert_cmpuint (key_of ("+49301234567", NULL), ==, G_GUINT64_CONSTANT (49301234567));
  g_assert_cmpuint (key_of (" +49 (30) 123-45.67 ", NULL), ==, G_GUINT64_CONSTANT (49301234567));
  /* National, and the "(0)" of a trunk prefix: libphonenumber. */
  g_assert_cmpuint (key_of ("030 1234567", "DE"), ==, G_GUINT64_CONSTANT (49301234567));
  g_assert_cmpuint (key_of ("+49 (0)30 1234567", NULL), ==, G_GUINT64_CONSTANT (49301234567));
  g_assert_cmpuint (key_of ("(555) 010-9999", "US"), ==, G_GUINT64_CONSTANT (15550109999));
  g_assert_false (ckd_phone_number_parse ("030 1234567", 11, NULL, &key));
  g_assert_false (ckd_phone_number_parse ("+0301234567", 11, NULL, &key));
  g_assert_false (ckd_phone_number_parse ("hello", 5, "DE", &key));
  /* Letters are a vanity number's digits, as on a keypad. */
  g_assert_cmpuint (key_of ("+1 800 FLOWERS", NULL), ==, G_GUINT64_CONSTANT (18003569377));
  g_assert_false (ckd_phone_number_parse ("+1234567890123456", 17, NULL, &key));
  g_assert_false (ckd_phone_number_parse ("", 0, "DE", &key));
  ckd_phone_number_format (G_GUINT64_CONSTANT (49301234567), buffer);
  g_assert_cmpstr (buffer, ==, "+49301234567");
  g_assert_true (ckd_phone_number_region_is_known ("DE"));
  g_assert_false (ckd_phone_number_region_is_known ("XX"));
  g_assert_false (ckd_phone_number_region_is_known ("DEU"));
}

static void
test_locale_region (void)
{
  g_setenv ("LC_ALL", "", TRUE);
  g_setenv ("LC_MESSAGES", "de_AT.UTF-8", TRUE);
  g_assert_cmpstr (ckd_phone_number_locale_region (), ==, "AT");
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_assert_cmpstr (ckd_phone_number_locale_region (), ==, "");
}

static char *
temp_path (const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("ckd-directory-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static void
test_write_and_read (void)
{
  g_autofree char *path = temp_path ("app.identification");
  g_autoptr (CkdDirectoryBuilder) builder = ckd_directory_builder_new (CKD_DIRECTORY_IDENTIFICATION);
  g_autoptr (CkdDirectoryBuilder) next = ckd_directory_builder_new (CKD_DIRECTORY_IDENTIFICATION);
  g_autoptr (CkdDirectoryFile) file = NULL;
  g_autoptr (CkdDirectoryFile) second = NULL;
  g_autoptr (GError) error = NULL;

  /* Unsorted, a duplicate (the last word wins), keys that sort
   * differently as text and as numbers. */
  ckd_directory_builder_add (builder, 49301234567, "Spam", 4);
  ckd_directory_builder_add (builder, 15550109999, "Pizza", 5);
  ckd_directory_builder_add (builder, 49301234567, "Telemarketer", 12);
  ckd_directory_builder_add (builder, 4420794600, "Spam", 4);
  file = ckd_directory_builder_write (builder, path, 7, 42, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ckd_directory_file_get_count (file), ==, 3);
  g_assert_cmpuint (ckd_directory_file_get_generation (file), ==, 7);
  g_assert_cmpint (ckd_directory_file_get_updated_at (file), ==, 42);
  g_assert_cmpuint (ckd_directory_file_get_key (file, 0), ==, 4420794600);
  g_assert_cmpuint (ckd_directory_file_get_key (file, 2), ==, 49301234567);
  g_assert_cmpstr (ckd_directory_file_get_label (file, 2), ==, "Telemarketer");
  g_assert_cmpint (ckd_directory_file_find (file, 15550109999), ==, 1);
  g_assert_cmpint (ckd_directory_file_find (file, 15550109998), ==, -1);
  g_assert_cmpint (ckd_directory_file_find (file, 1), ==, -1);
  g_assert_cmpint (ckd_directory_file_find (file, G_GUINT64_CONSTANT (999999999999999)), ==, -1);

  /* The next version from this one: a removal, a relabel. */
  ckd_directory_builder_add_file (next, file);
  ckd_directory_builder_remove (next, 15550109999);
  ckd_directory_builder_add (next, 4420794600, "Ham", 3);
  ckd_directory_builder_remove (next, 1234567);
  second = ckd_directory_builder_write (next, path, 8, 43, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ckd_directory_file_get_count (second), ==, 2);
  g_assert_cmpstr (ckd_directory_file_get_label (second, 0), ==, "Ham");
  /* The first mapping still reads its own version. */
  g_assert_cmpstr (ckd_directory_file_get_label (file, 1), ==, "Pizza");
}

static void
test_damaged_files (void)
{
  g_autofree char *path = temp_path ("app.blocking");
  g_autoptr (CkdDirectoryBuilder) builder = ckd_directory_builder_new (CKD_DIRECTORY_BLOCKING);
  g_autoptr (CkdDirectoryFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  for (guint64 i = 0; i < 1000; i++)
    ckd_directory_builder_add (builder, 15550000000 + i * 7, NULL, 0);
  file = ckd_directory_builder_write (builder, path, 1, 1, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  /* Every single flipped byte is caught, wherever it is. */
  for (gsize at = 0; at < length; at += 61)
    {
      g_autoptr (CkdDirectoryFile) damaged = NULL;
      g_autoptr (GError) local = NULL;

      if (at >= 56 && at < 64)
        continue; /* reserved */
      contents[at] ^= 0x04;
      g_assert_true (g_file_set_contents (path, contents, length, NULL));
      damaged = ckd_directory_file_open (path, CKD_DIRECTORY_BLOCKING, &local);
      g_assert_null (damaged);
      g_assert_error (local, G_FILE_ERROR, G_FILE_ERROR_INVAL);
      contents[at] ^= 0x04;
    }
  /* Truncated, and of the other kind. */
  g_assert_true (g_file_set_contents (path, contents, length - 8, NULL));
  g_assert_null (ckd_directory_file_open (path, CKD_DIRECTORY_BLOCKING, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
  g_assert_null (ckd_directory_file_open (path, CKD_DIRECTORY_IDENTIFICATION, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_unlink (path);
  g_assert_null (ckd_directory_file_open (path, CKD_DIRECTORY_BLOCKING, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static gboolean
read_text (const char *text, CkdDirectoryKind kind, CkdDirectoryBuilder *builder,
           GError **error)
{
  int fds[2];
  gboolean ok;

  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpint (write (fds[1], text, strlen (text)), ==, (gssize) strlen (text));
  close (fds[1]);
  ok = ckd_directory_input_read (fds[0], kind, "DE", 5, builder, error);
  close (fds[0]);
  return ok;
}

static void
test_input (void)
{
  g_autoptr (CkdDirectoryBuilder) builder = ckd_directory_builder_new (CKD_DIRECTORY_IDENTIFICATION);
  g_autoptr (CkdDirectoryBuilder) bad = ckd_directory_builder_new (CKD_DIRECTORY_IDENTIFICATION);
  g_autoptr (GError) error = NULL;

  /* CRLF, blank lines, comments, spaces around the label, no last newline. */
  g_assert_true (read_text ("# list\r\n\r\n+49 30 1234567\t  Spam \r\n030 7654321\tHam",
                            CKD_DIRECTORY_IDENTIFICATION, builder, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ckd_directory_builder_get_size (builder), ==, 2);
  g_assert_false (read_text ("+4930111111\tA\n+4930222222\t\n", CKD_DIRECTORY_IDENTIFICATION,
                             bad, &error));
  g_assert_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "line 2"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/directory/phone-numbers", test_phone_numbers);
  g_test_add_func ("/directory/locale-region", test_locale_region);
  g_test_add_func ("/directory/write-and-read", test_write_and_read);
  g_test_add_func ("/directory/damaged-files", test_damaged_files);
  g_test_add_func ("/directory/input", test_input);
  return g_test_run ();
}
