/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ckd-atomic-file.h"

static gboolean
fail (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot %s %s: %s", what,
               path, g_strerror (errsv));
  return FALSE;
}

static gboolean
write_all (int fd, const char *contents, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, contents, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      contents += n;
      length -= (gsize) n;
    }
  return TRUE;
}

gboolean
ckd_atomic_file_replace (const char *path, const char *contents, gsize length, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  int fd, dir_fd, errsv;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    return fail (error, errno, "create the directory", dir);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail (error, errno, "create", tmp);
  if (!write_all (fd, contents, length) || fsync (fd) < 0)
    {
      errsv = errno;
      close (fd);
      g_unlink (tmp);
      return fail (error, errsv, "write", tmp);
    }
  if (close (fd) < 0 || g_rename (tmp, path) < 0)
    {
      errsv = errno;
      g_unlink (tmp);
      return fail (error, errsv, "replace", path);
    }
  /* The rename is in the directory: flushed, it survives a power cut. */
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return fail (error, errno, "open", dir);
  if (fsync (dir_fd) < 0)
    {
      errsv = errno;
      close (dir_fd);
      return fail (error, errsv, "flush", dir);
    }
  close (dir_fd);
  return TRUE;
}

void
ckd_atomic_file_clean (const char *path)
{
  g_autofree char *dir_name = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GDir) dir = g_dir_open (dir_name, 0, NULL);
  gsize base_length = strlen (base);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    /* PATH.XXXXXX, as g_mkstemp_full() makes them. */
    if (strlen (name) == base_length + 7 && g_str_has_prefix (name, base)
        && name[base_length] == '.')
      {
        g_autofree char *stale = g_build_filename (dir_name, name, NULL);

        g_debug ("removing %s, left by a write that did not finish", stale);
        g_unlink (stale);
      }
}
