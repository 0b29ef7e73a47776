/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ckd-error.h"
#include "ckd-identification-private.h"
#include "ckd-limits.h"

/* A caller's picture from a lookup service, made safe to show: read
 * (bounded in bytes), decoded by gdk-pixbuf only when it is PNG or JPEG
 * and its dimensions are within bounds (checked from its header, before
 * the pixels are decoded), scaled during decoding to fit the
 * notification, and written as PNG into callkitd's runtime directory,
 * named by the content's checksum. The notification server and the
 * Identity property get that file, never the service's own path. */

typedef struct
{
  int width, height;
  gboolean too_large;
} Prepared;

static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  Prepared *prepared = user_data;
  double scale;

  prepared->width = width;
  prepared->height = height;
  if (width > CKD_MAX_IDENTITY_IMAGE_SIDE || height > CKD_MAX_IDENTITY_IMAGE_SIDE)
    {
      prepared->too_large = TRUE;
      /* Decode nothing worth the name: the picture is refused anyway. */
      gdk_pixbuf_loader_set_size (loader, 1, 1);
      return;
    }
  scale = MIN (1.0, (double) CKD_IDENTITY_IMAGE_SHOWN_SIDE / MAX (width, height));
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale)),
                              MAX (1, (int) (height * scale)));
}

static GBytes *
read_file (const char *path, GError **error)
{
  struct stat st;
  g_autofree char *contents = NULL;
  gsize length;
  int fd;

  if (!g_path_is_absolute (path))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "image_path '%s' is not an absolute path", path);
      return NULL;
    }
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "cannot open image_path %s: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  close (fd);
  if (!S_ISREG (st.st_mode) || st.st_size > CKD_MAX_IDENTITY_IMAGE_BYTES)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "image_path %s is not a regular file of at most %d bytes", path,
                   CKD_MAX_IDENTITY_IMAGE_BYTES);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

static gboolean
format_accepted (GdkPixbufFormat *format)
{
  g_autofree char *name = format != NULL ? gdk_pixbuf_format_get_name (format) : NULL;

  return name != NULL && (g_str_equal (name, "png") || g_str_equal (name, "jpeg"));
}

char *
ckd_identity_image_store (const char *path, GBytes *data, const char *dir, GError **error)
{
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *name = NULL;
  g_autofree char *stored = NULL;
  Prepared prepared = { 0 };
  GdkPixbuf *pixbuf;

  bytes = data != NULL ? g_bytes_ref (data) : read_file (path, error);
  if (bytes == NULL)
    return NULL;
  if (g_bytes_get_size (bytes) > CKD_MAX_IDENTITY_IMAGE_BYTES)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "image_data has %zu bytes, more than %d", g_bytes_get_size (bytes),
                   CKD_MAX_IDENTITY_IMAGE_BYTES);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &prepared);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error)
      || !gdk_pixbuf_loader_close (loader, &local_error))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "the picture cannot be decoded: %s", local_error->message);
      return NULL;
    }
  if (!format_accepted (gdk_pixbuf_loader_get_format (loader)))
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "the picture is neither PNG nor JPEG");
      return NULL;
    }
  if (prepared.too_large)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "the picture is %d×%d pixels, more than %d on a side", prepared.width,
                   prepared.height, CKD_MAX_IDENTITY_IMAGE_SIDE);
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                           "the picture has no pixels");
      return NULL;
    }
  checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  name = g_strconcat (checksum, ".png", NULL);
  stored = g_build_filename (dir, name, NULL);
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                   dir, g_strerror (errno));
      return NULL;
    }
  /* Replaced atomically: a notification server never reads half a file. */
  if (!g_file_test (stored, G_FILE_TEST_EXISTS))
    {
      g_autofree char *png = NULL;
      gsize length;

      if (!gdk_pixbuf_save_to_buffer (pixbuf, &png, &length, "png", error, NULL)
          || !g_file_set_contents_full (stored, png, (gssize) length,
                                        G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
        return NULL;
    }
  return g_steal_pointer (&stored);
}
