/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ckd-call-picture.h"
#include "ckd-error.h"
#include "ckd-limits.h"

CkdCallPicture *
ckd_call_picture_new_for_path (const char *path, GError **error)
{
  CkdCallPicture *picture;

  if (path == NULL || !g_path_is_absolute (path) || strlen (path) > CKD_MAX_PATH_LENGTH
      || !g_utf8_validate (path, -1, NULL))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "a caller's picture needs an absolute UTF-8 path of at most %d bytes",
                   CKD_MAX_PATH_LENGTH);
      return NULL;
    }
  picture = g_new0 (CkdCallPicture, 1);
  picture->path = g_strdup (path);
  return picture;
}

CkdCallPicture *
ckd_call_picture_new_for_pixels (int width, int height, int rowstride, gboolean has_alpha,
                                 GBytes *pixels, GError **error)
{
  int channels = has_alpha ? 4 : 3;
  CkdCallPicture *picture;

  /* Checked in this order, none of the products can overflow: the sides
   * are bounded first. */
  if (width <= 0 || height <= 0 || width > CKD_MAX_CALL_PICTURE_SIDE
      || height > CKD_MAX_CALL_PICTURE_SIDE || rowstride < width * channels
      || rowstride > width * channels + 3 || pixels == NULL
      || g_bytes_get_size (pixels)
           < (gsize) rowstride * (gsize) (height - 1) + (gsize) (width * channels))
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "a caller's picture needs 1 to %d pixels a side, rows of at least "
                   "width times %d bytes (padded by at most 3), and that many bytes",
                   CKD_MAX_CALL_PICTURE_SIDE, channels);
      return NULL;
    }
  picture = g_new0 (CkdCallPicture, 1);
  picture->pixels = g_bytes_ref (pixels);
  picture->width = width;
  picture->height = height;
  picture->rowstride = rowstride;
  picture->has_alpha = has_alpha;
  return picture;
}

CkdCallPicture *
ckd_call_picture_copy (const CkdCallPicture *picture)
{
  CkdCallPicture *copy;

  if (picture == NULL)
    return NULL;
  copy = g_new0 (CkdCallPicture, 1);
  *copy = *picture;
  copy->path = g_strdup (picture->path);
  if (picture->pixels != NULL)
    copy->pixels = g_bytes_ref (picture->pixels);
  return copy;
}

void
ckd_call_picture_free (CkdCallPicture *picture)
{
  if (picture == NULL)
    return;
  g_free (picture->path);
  g_clear_pointer (&picture->pixels, g_bytes_unref);
  g_free (picture);
}

gboolean
ckd_call_picture_equal (const CkdCallPicture *a, const CkdCallPicture *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strcmp0 (a->path, b->path) == 0 && a->width == b->width && a->height == b->height
         && a->rowstride == b->rowstride && a->has_alpha == b->has_alpha
         && ((a->pixels == NULL && b->pixels == NULL)
             || (a->pixels != NULL && b->pixels != NULL && g_bytes_equal (a->pixels, b->pixels)));
}

void
ckd_call_picture_add_hint (const CkdCallPicture *picture, GVariantBuilder *hints)
{
  GVariant *data;

  if (picture->path != NULL)
    {
      /* The specification takes a URI or a path; GNOME Shell and dunst
       * take both. */
      g_variant_builder_add (hints, "{sv}", "image-path", g_variant_new_string (picture->path));
      return;
    }
  /* (iiibiiay): width, height, rowstride, has alpha, bits per sample,
   * channels, data. */
  data = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, picture->pixels, TRUE);
  g_variant_builder_add (hints, "{sv}", "image-data",
                         g_variant_new ("(iiibii@ay)", picture->width, picture->height,
                                        picture->rowstride, picture->has_alpha, 8,
                                        picture->has_alpha ? 4 : 3, data));
}
