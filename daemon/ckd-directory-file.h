/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One list of the call directory on disk: sorted E.164 keys
 * (ckd-phone-number.h), with a label each in identification lists. It is
 * written whole (to a temporary file, flushed, renamed over the old one,
 * the directory flushed: ckd-atomic-file.h), so that a kill or a power cut
 * at any instant leaves the old list or the new one; it is read through
 * mmap and searched in place, so that millions of numbers cost no heap
 * and load in the time a checksum takes.
 *
 * The format, in the byte order of the machine (a file from another one
 * fails its version check):
 *
 *   0  char  magic[8]       "CKDIRLST"
 *   8  u32   version        1
 *   12 u32   kind           CkdDirectoryKind
 *   16 u64   count          entries
 *   24 u64   generation     one more with every change of the list
 *   32 i64   updated_at     µs since the epoch
 *   40 u64   strings_size   bytes of the string table (0 for blocking)
 *   48 u64   checksum       of bytes 0..47 and of everything after 64
 *   56 u64   reserved       0
 *   64 u64   keys[count]    strictly ascending
 *      u32   labels[count]  identification only: offsets in the table,
 *                           then padding to 8 bytes
 *      char  strings[]      NUL-terminated labels, padded to 8 bytes
 */

typedef enum
{
  CKD_DIRECTORY_BLOCKING,
  CKD_DIRECTORY_IDENTIFICATION,
} CkdDirectoryKind;

#define CKD_DIRECTORY_N_KINDS 2

const char *ckd_directory_kind_to_string (CkdDirectoryKind kind);
gboolean ckd_directory_kind_from_string (const char *text, CkdDirectoryKind *ret_kind);

/* A list as read from its file (or empty): immutable, shared by
 * reference, so that a worker thread may build its successor from it
 * while the main loop searches it. */
typedef struct _CkdDirectoryFile CkdDirectoryFile;

/* An empty list of @kind, generation 0. */
CkdDirectoryFile *ckd_directory_file_new_empty (CkdDirectoryKind kind);
/* Maps and checks @path. A missing file fails with G_FILE_ERROR_NOENT; one
 * that is not a whole list of @kind (foreign, truncated, failing its
 * checksum) with G_FILE_ERROR_INVAL saying what is wrong. */
CkdDirectoryFile *ckd_directory_file_open (const char *path, CkdDirectoryKind kind,
                                           GError **error);
CkdDirectoryFile *ckd_directory_file_ref (CkdDirectoryFile *self);
void ckd_directory_file_unref (CkdDirectoryFile *self);

CkdDirectoryKind ckd_directory_file_get_kind (const CkdDirectoryFile *self);
guint64 ckd_directory_file_get_count (const CkdDirectoryFile *self);
guint64 ckd_directory_file_get_generation (const CkdDirectoryFile *self);
gint64 ckd_directory_file_get_updated_at (const CkdDirectoryFile *self);
guint64 ckd_directory_file_get_checksum (const CkdDirectoryFile *self);
/* The entry @index: its key, and (identification) its label. */
guint64 ckd_directory_file_get_key (const CkdDirectoryFile *self, guint64 index);
const char *ckd_directory_file_get_label (const CkdDirectoryFile *self, guint64 index);
/* Binary search: the index of @key, or -1. */
gint64 ckd_directory_file_find (const CkdDirectoryFile *self, guint64 key);

/* The next version of a list: entries added and removed in order, the
 * last word on a key winning. */
typedef struct _CkdDirectoryBuilder CkdDirectoryBuilder;

CkdDirectoryBuilder *ckd_directory_builder_new (CkdDirectoryKind kind);
/* Starts from every entry of @file. */
void ckd_directory_builder_add_file (CkdDirectoryBuilder *self, const CkdDirectoryFile *file);
/* @label (identification lists; NULL for blocking) is copied. */
void ckd_directory_builder_add (CkdDirectoryBuilder *self, guint64 key, const char *label,
                                gsize label_length);
void ckd_directory_builder_remove (CkdDirectoryBuilder *self, guint64 key);
/* Entries (with removals and duplicates) given so far. */
gsize ckd_directory_builder_get_size (const CkdDirectoryBuilder *self);
void ckd_directory_builder_free (CkdDirectoryBuilder *self);

/* Sorts, keeps the last word on each key and replaces @path atomically
 * with the list, @generation and @updated_at in its header. Returns the
 * list as written (read back through mmap), or NULL with a G_FILE_ERROR
 * (a full disk is G_FILE_ERROR_NOSPC) and @path as it was. Runs in any
 * thread. */
CkdDirectoryFile *ckd_directory_builder_write (CkdDirectoryBuilder *self, const char *path,
                                               guint64 generation, gint64 updated_at,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdDirectoryFile, ckd_directory_file_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkdDirectoryBuilder, ckd_directory_builder_free)

G_END_DECLS
