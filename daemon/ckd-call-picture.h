/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The picture of the person on the other end of a call, as a source of
 * caller identities (contacts, a directory) found it: a file, or pixels
 * in memory. Pure data, checked when made; the notifications show it with
 * the specification's image-path or image-data hint. A call holds at most
 * one (CkdCall.picture). */
typedef struct
{
  char *path;     /* an absolute path of an image file; NULL for pixels */
  GBytes *pixels; /* 8-bit RGB or RGBA rows; NULL for a file */
  int width;
  int height;
  int rowstride;
  gboolean has_alpha;
} CkdCallPicture;

/* @path must be absolute (the notification server is another process, with
 * another working directory) and at most CKD_MAX_PATH_LENGTH bytes. Fails
 * with CKD_ERROR_INVALID_ARGUMENT. */
CkdCallPicture *ckd_call_picture_new_for_path (const char *path, GError **error);
/* Rows of @rowstride bytes, @height of them, the last one at least
 * @width pixels of 3 (RGB) or 4 (RGBA) bytes; at most
 * CKD_MAX_CALL_PICTURE_SIDE pixels a side. Fails with
 * CKD_ERROR_INVALID_ARGUMENT. */
CkdCallPicture *ckd_call_picture_new_for_pixels (int width, int height, int rowstride,
                                                 gboolean has_alpha, GBytes *pixels,
                                                 GError **error);
CkdCallPicture *ckd_call_picture_copy (const CkdCallPicture *picture);
void ckd_call_picture_free (CkdCallPicture *picture);
gboolean ckd_call_picture_equal (const CkdCallPicture *a, const CkdCallPicture *b);

/* Adds the hint that shows @picture ("image-path" or "image-data", of
 * the notification specification 1.2) to @hints, an a{sv} builder. */
void ckd_call_picture_add_hint (const CkdCallPicture *picture, GVariantBuilder *hints);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdCallPicture, ckd_call_picture_free)

G_END_DECLS
