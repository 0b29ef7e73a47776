/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckd-atomic-file.h"
#include "ckd-directory-file.h"

#define MAGIC "CKDIRLST"
#define VERSION 1
#define HEADER_SIZE 64
#define CHECKSUMMED_HEADER 48
/* Keys are E.164 numbers: below 10^15 < 2^50, sorted 10 bits a pass. */
#define KEY_BITS 50
#define RADIX_BITS 10
#define NO_LABEL G_MAXUINT32
#define REMOVED (G_MAXUINT32 - 1)

typedef struct
{
  char magic[8];
  guint32 version;
  guint32 kind;
  guint64 count;
  guint64 generation;
  gint64 updated_at;
  guint64 strings_size;
  guint64 checksum;
  guint64 reserved;
} Header;

G_STATIC_ASSERT (sizeof (Header) == HEADER_SIZE);
G_STATIC_ASSERT (G_STRUCT_OFFSET (Header, checksum) == CHECKSUMMED_HEADER);

struct _CkdDirectoryFile
{
  gint ref_count;
  CkdDirectoryKind kind;
  guint8 *data; /* mapped; NULL for an empty list */
  gsize size;
  guint64 count, generation, checksum;
  gint64 updated_at;
  const guint64 *keys;
  const guint32 *labels;
  const char *strings;
};

const char *
ckd_directory_kind_to_string (CkdDirectoryKind kind)
{
  return kind == CKD_DIRECTORY_BLOCKING ? "blocking" : "identification";
}

gboolean
ckd_directory_kind_from_string (const char *text, CkdDirectoryKind *ret_kind)
{
  for (int kind = 0; kind < CKD_DIRECTORY_N_KINDS; kind++)
    if (g_strcmp0 (text, ckd_directory_kind_to_string (kind)) == 0)
      {
        *ret_kind = kind;
        return TRUE;
      }
  return FALSE;
}

/* ---- checksum ------------------------------------------------------- */

/* A 64-bit mix of 8-byte words: catches torn and flipped bytes at memory
 * speed (it guards against accidents, not against an adversary, who could
 * write the file anyway). */
static guint64
mix (guint64 h, guint64 word)
{
  h ^= word * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  h = (h << 29) | (h >> 35);
  return h * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
}

static guint64
checksum (const guint8 *data, gsize size)
{
  guint64 h = G_GUINT64_CONSTANT (0x6A09E667F3BCC908);
  guint64 word;

  for (gsize i = 0; i < CHECKSUMMED_HEADER; i += 8)
    {
      memcpy (&word, data + i, 8);
      h = mix (h, word);
    }
  /* The body is 8-byte aligned and a multiple of 8 bytes long. */
  for (gsize i = HEADER_SIZE; i < size; i += 8)
    h = mix (h, *(const guint64 *) (data + i));
  return mix (h, size);
}

/* ---- reading -------------------------------------------------------- */

static gsize
align8 (gsize n)
{
  return (n + 7) & ~(gsize) 7;
}

CkdDirectoryFile *
ckd_directory_file_new_empty (CkdDirectoryKind kind)
{
  CkdDirectoryFile *self = g_new0 (CkdDirectoryFile, 1);

  self->ref_count = 1;
  self->kind = kind;
  return self;
}

static gboolean
invalid (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a call directory list: %s",
               path, what);
  return FALSE;
}

/* Everything that the lookups rely on, checked once. */
static gboolean
check (CkdDirectoryFile *self, const char *path, CkdDirectoryKind kind, GError **error)
{
  const Header *header = (const Header *) self->data;
  gsize body, labels_size;

  if (self->size < HEADER_SIZE || memcmp (header->magic, MAGIC, 8) != 0)
    return invalid (error, path, "no header");
  if (header->version != VERSION)
    return invalid (error, path, "unknown version");
  if (header->kind != (guint32) kind)
    return invalid (error, path, "a list of another kind");
  if (header->count > (self->size - HEADER_SIZE) / 8)
    return invalid (error, path, "truncated");
  labels_size = kind == CKD_DIRECTORY_IDENTIFICATION ? align8 (header->count * 4) : 0;
  body = header->count * 8 + labels_size;
  if (body > self->size - HEADER_SIZE
      || header->strings_size > self->size - HEADER_SIZE - body
      || HEADER_SIZE + body + align8 (header->strings_size) != self->size)
    return invalid (error, path, "truncated or too long");
  if (checksum (self->data, self->size) != header->checksum)
    return invalid (error, path, "checksum mismatch");
  self->kind = kind;
  self->count = header->count;
  self->generation = header->generation;
  self->updated_at = header->updated_at;
  self->checksum = header->checksum;
  self->keys = (const guint64 *) (self->data + HEADER_SIZE);
  self->labels = (const guint32 *) (self->data + HEADER_SIZE + self->count * 8);
  self->strings = (const char *) (self->data + HEADER_SIZE + body);
  for (guint64 i = 1; i < self->count; i++)
    if (self->keys[i - 1] >= self->keys[i])
      return invalid (error, path, "entries out of order");
  if (kind == CKD_DIRECTORY_IDENTIFICATION)
    {
      if (self->count > 0
          && (header->strings_size == 0 || self->strings[header->strings_size - 1] != '\0'))
        return invalid (error, path, "unterminated labels");
      for (guint64 i = 0; i < self->count; i++)
        if (self->labels[i] >= header->strings_size)
          return invalid (error, path, "label out of range");
    }
  return TRUE;
}

CkdDirectoryFile *
ckd_directory_file_open (const char *path, CkdDirectoryKind kind, GError **error)
{
  g_autoptr (CkdDirectoryFile) self = ckd_directory_file_new_empty (kind);
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  int errsv;
  void *data;

  if (fd < 0)
    {
      errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot open %s: %s",
                   path, g_strerror (errsv));
      return NULL;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      invalid (error, path, "not a regular file");
      return NULL;
    }
  if (st.st_size == 0)
    {
      close (fd);
      invalid (error, path, "empty");
      return NULL;
    }
  data = mmap (NULL, (gsize) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  errsv = errno;
  close (fd);
  if (data == MAP_FAILED)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot map %s: %s",
                   path, g_strerror (errsv));
      return NULL;
    }
  self->data = data;
  self->size = (gsize) st.st_size;
  if (!check (self, path, kind, error))
    return NULL;
  return g_steal_pointer (&self);
}

CkdDirectoryFile *
ckd_directory_file_ref (CkdDirectoryFile *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ckd_directory_file_unref (CkdDirectoryFile *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  if (self->data != NULL)
    munmap (self->data, self->size);
  g_free (self);
}

CkdDirectoryKind
ckd_directory_file_get_kind (const CkdDirectoryFile *self)
{
  return self->kind;
}

guint64
ckd_directory_file_get_count (const CkdDirectoryFile *self)
{
  return self->count;
}

guint64
ckd_directory_file_get_generation (const CkdDirectoryFile *self)
{
  return self->generation;
}

gint64
ckd_directory_file_get_updated_at (const CkdDirectoryFile *self)
{
  return self->updated_at;
}

guint64
ckd_directory_file_get_checksum (const CkdDirectoryFile *self)
{
  return self->checksum;
}

guint64
ckd_directory_file_get_key (const CkdDirectoryFile *self, guint64 index)
{
  g_return_val_if_fail (index < self->count, 0);
  return self->keys[index];
}

const char *
ckd_directory_file_get_label (const CkdDirectoryFile *self, guint64 index)
{
  g_return_val_if_fail (index < self->count, NULL);
  if (self->kind != CKD_DIRECTORY_IDENTIFICATION)
    return NULL;
  return self->strings + self->labels[index];
}

gint64
ckd_directory_file_find (const CkdDirectoryFile *self, guint64 key)
{
  guint64 low = 0, high = self->count;

  while (low < high)
    {
      guint64 middle = low + (high - low) / 2;

      if (self->keys[middle] < key)
        low = middle + 1;
      else
        high = middle;
    }
  return low < self->count && self->keys[low] == key ? (gint64) low : -1;
}

/* ---- writing -------------------------------------------------------- */

typedef struct
{
  guint64 key;
  guint32 label; /* offset in strings, NO_LABEL, or REMOVED */
  guint32 unused;
} Entry;

struct _CkdDirectoryBuilder
{
  CkdDirectoryKind kind;
  GArray *entries; /* Entry */
  GByteArray *strings;
};

CkdDirectoryBuilder *
ckd_directory_builder_new (CkdDirectoryKind kind)
{
  CkdDirectoryBuilder *self = g_new0 (CkdDirectoryBuilder, 1);

  self->kind = kind;
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->strings = g_byte_array_new ();
  return self;
}

void
ckd_directory_builder_free (CkdDirectoryBuilder *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->entries);
  g_byte_array_unref (self->strings);
  g_free (self);
}

gsize
ckd_directory_builder_get_size (const CkdDirectoryBuilder *self)
{
  return self->entries->len;
}

void
ckd_directory_builder_add (CkdDirectoryBuilder *self, guint64 key, const char *label,
                           gsize label_length)
{
  Entry entry = { key, NO_LABEL, 0 };

  if (self->kind == CKD_DIRECTORY_IDENTIFICATION)
    {
      entry.label = self->strings->len;
      g_byte_array_append (self->strings, (const guint8 *) label, label_length);
      g_byte_array_append (self->strings, (const guint8 *) "", 1);
    }
  g_array_append_val (self->entries, entry);
}

void
ckd_directory_builder_remove (CkdDirectoryBuilder *self, guint64 key)
{
  Entry entry = { key, REMOVED, 0 };

  g_array_append_val (self->entries, entry);
}

void
ckd_directory_builder_add_file (CkdDirectoryBuilder *self, const CkdDirectoryFile *file)
{
  if (self->kind == CKD_DIRECTORY_IDENTIFICATION)
    {
      for (guint64 i = 0; i < file->count; i++)
        {
          const char *label = file->strings + file->labels[i];

          ckd_directory_builder_add (self, file->keys[i], label, strlen (label));
        }
      return;
    }
  g_array_set_size (self->entries, self->entries->len + file->count);
  for (guint64 i = 0; i < file->count; i++)
    g_array_index (self->entries, Entry, self->entries->len - file->count + i) =
      (Entry) { file->keys[i], NO_LABEL, 0 };
}

/* LSD radix sort: stable, so that of the entries of one key the last
 * given stays last; linear, so that millions sort in tens of
 * milliseconds. */
static void
sort_entries (Entry *entries, gsize n)
{
  g_autofree Entry *other = g_new (Entry, MAX (n, 1));
  Entry *from = entries, *to = other;
  gsize counts[1 << RADIX_BITS];

  if (n == 0)
    return; /* and entries may be NULL */

  for (guint shift = 0; shift < KEY_BITS; shift += RADIX_BITS)
    {
      gsize total = 0;
      Entry *swap;

      memset (counts, 0, sizeof counts);
      for (gsize i = 0; i < n; i++)
        counts[(from[i].key >> shift) & ((1 << RADIX_BITS) - 1)]++;
      for (gsize b = 0; b < G_N_ELEMENTS (counts); b++)
        {
          gsize c = counts[b];

          counts[b] = total;
          total += c;
        }
      for (gsize i = 0; i < n; i++)
        to[counts[(from[i].key >> shift) & ((1 << RADIX_BITS) - 1)]++] = from[i];
      swap = from;
      from = to;
      to = swap;
    }
  if (from != entries)
    memcpy (entries, from, n * sizeof (Entry));
}

CkdDirectoryFile *
ckd_directory_builder_write (CkdDirectoryBuilder *self, const char *path, guint64 generation,
                             gint64 updated_at, GError **error)
{
  Entry *entries = (Entry *) self->entries->data;
  gsize n = self->entries->len, count = 0, strings_size = 0, labels_size, size;
  g_autoptr (GHashTable) offsets = NULL; /* label → offset in the new table */
  g_autofree guint8 *data = NULL;
  g_autoptr (GByteArray) strings = NULL;
  Header *header;
  guint64 *keys;
  guint32 *labels;

  for (gsize i = 0; i < n; i++)
    g_return_val_if_fail (entries[i].key >> KEY_BITS == 0, NULL);
  sort_entries (entries, n);
  /* The last word on each key, in place. */
  for (gsize i = 0; i < n; i++)
    if (i + 1 == n || entries[i + 1].key != entries[i].key)
      {
        if (entries[i].label != REMOVED)
          entries[count++] = entries[i];
      }
  g_array_set_size (self->entries, count);
  if (self->kind == CKD_DIRECTORY_IDENTIFICATION)
    {
      /* Spam lists say "Spam" a million times: each label once. */
      offsets = g_hash_table_new (g_str_hash, g_str_equal);
      strings = g_byte_array_new ();
      for (gsize i = 0; i < count; i++)
        {
          const char *label = (const char *) self->strings->data + entries[i].label;
          gpointer offset;

          if (!g_hash_table_lookup_extended (offsets, label, NULL, &offset))
            {
              offset = GUINT_TO_POINTER (strings->len);
              g_byte_array_append (strings, (const guint8 *) label, strlen (label) + 1);
              g_hash_table_insert (offsets, (gpointer) label, offset);
            }
          entries[i].label = GPOINTER_TO_UINT (offset);
        }
      strings_size = strings->len;
    }
  labels_size = self->kind == CKD_DIRECTORY_IDENTIFICATION ? align8 (count * 4) : 0;
  size = HEADER_SIZE + count * 8 + labels_size + align8 (strings_size);
  data = g_malloc0 (size);
  header = (Header *) data;
  memcpy (header->magic, MAGIC, 8);
  header->version = VERSION;
  header->kind = self->kind;
  header->count = count;
  header->generation = generation;
  header->updated_at = updated_at;
  header->strings_size = strings_size;
  keys = (guint64 *) (data + HEADER_SIZE);
  labels = (guint32 *) (data + HEADER_SIZE + count * 8);
  for (gsize i = 0; i < count; i++)
    keys[i] = entries[i].key;
  if (self->kind == CKD_DIRECTORY_IDENTIFICATION)
    {
      for (gsize i = 0; i < count; i++)
        labels[i] = entries[i].label;
      if (strings_size > 0)
        memcpy (data + HEADER_SIZE + count * 8 + labels_size, strings->data, strings_size);
    }
  header->checksum = checksum (data, size);
  if (!ckd_atomic_file_replace (path, (const char *) data, size, error))
    return NULL;
  g_clear_pointer (&data, g_free);
  return ckd_directory_file_open (path, self->kind, error);
}
