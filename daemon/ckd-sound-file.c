/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "ckd-limits.h"
#include "ckd-sound-file.h"

/* File systems whose files are the kernel's views, not stored sound. */
static gboolean
is_kernel_view (const struct statfs *fs)
{
  static const long magics[] = {
    PROC_SUPER_MAGIC, SYSFS_MAGIC,  DEBUGFS_MAGIC,   SECURITYFS_MAGIC, TRACEFS_MAGIC,
    CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC, EFIVARFS_MAGIC, DEVPTS_SUPER_MAGIC,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (magics); i++)
    if ((long) fs->f_type == magics[i])
      return TRUE;
  return FALSE;
}

gboolean
ckd_sound_file_check (const char *path, int fd, GError **error)
{
  struct stat st;
  struct statfs fs;
  int r;

  r = fd >= 0 ? fstat (fd, &st) : stat (path, &st);
  if (r < 0)
    {
      int err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "cannot read %s: %s", path,
                   g_strerror (err));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s is not a regular file",
                   path);
      return FALSE;
    }
  r = fd >= 0 ? fstatfs (fd, &fs) : statfs (path, &fs);
  if (r == 0 && is_kernel_view (&fs))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   "%s is not a regular file (it is on a kernel file system)", path);
      return FALSE;
    }
  if (st.st_size > CKD_MAX_RINGTONE_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "%s has %jd bytes, more than %d bytes", path, (intmax_t) st.st_size,
                   CKD_MAX_RINGTONE_BYTES);
      return FALSE;
    }
  return TRUE;
}
