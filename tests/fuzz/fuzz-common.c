/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

void
ckd_fuzz_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_log_set_writer_func (write_log, NULL, NULL);
      g_once_init_leave (&done, 1);
    }
}

GVariant *
ckd_fuzz_variant (const uint8_t *data, size_t size, const char *type)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GVariant) raw = g_variant_ref_sink (
    g_variant_new_from_bytes (G_VARIANT_TYPE (type), bytes, FALSE));

  /* A new reference, floating or not depending on the GLib version. */
  return g_variant_take_ref (g_variant_get_normal_form (raw));
}

guint8
ckd_fuzz_take_byte (CkdFuzzInput *input)
{
  guint8 byte;

  if (input->size == 0)
    return 0;
  byte = input->data[0];
  input->data++;
  input->size--;
  return byte;
}

char *
ckd_fuzz_take_string (CkdFuzzInput *input, size_t max)
{
  size_t n = 0;
  char *s;

  while (n < input->size && n < max && input->data[n] != '\0')
    n++;
  s = g_strndup ((const char *) input->data, n);
  /* The terminating NUL belongs to the string. */
  if (n < input->size && input->data[n] == '\0')
    n++;
  input->data += n;
  input->size -= n;
  return s;
}

const uint8_t *
ckd_fuzz_take_bytes (CkdFuzzInput *input, size_t size, size_t *got)
{
  const uint8_t *start = input->data;

  *got = MIN (size, input->size);
  input->data += *got;
  input->size -= *got;
  return start;
}
