/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bridge between sd-bus messages and GVariants (ckd-sdbus-gvariant.c)
 * that every dictionary argument of the API crosses.
 *
 * The first byte picks the direction:
 * - even: a GVariant (a type string, NUL, then its serialized value) is
 *   appended to a message and read back: what can be appended reads back
 *   equal;
 * - odd: a message is built value by value as a peer could send it (a
 *   D-Bus signature, NUL, then the bytes of each basic value, string
 *   values NUL-terminated, a count byte per array, a signature per
 *   variant), so that what sd-bus accepts and GLib might not is reached;
 *   reading it must give a GVariant of that signature, in normal form, or
 *   an error, and a{sv} reads the same through ckd_sdbus_read_vardict().
 *
 * The messages are never sent: a bus whose connection never completes
 * is enough to make them. */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ckd-sdbus-gvariant.h"
#include "fuzz-common.h"

#define MAX_DEPTH 16

static sd_bus *
fuzz_bus (void)
{
  static sd_bus *bus = NULL;
  int fds[2];

  if (bus != NULL)
    return bus;
  g_assert (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0);
  g_assert (sd_bus_new (&bus) >= 0);
  g_assert (sd_bus_set_fd (bus, fds[0], fds[0]) >= 0);
  g_assert (sd_bus_start (bus) >= 0);
  /* fds[1] stays open so that the bus never sees its peer go. */
  return bus;
}

static sd_bus_message *
new_message (void)
{
  sd_bus_message *m = NULL;

  g_assert (sd_bus_message_new_method_call (fuzz_bus (), &m, "org.example.Peer", "/",
                                            "org.example.Peer", "Method")
            >= 0);
  return m;
}

static int
seal (sd_bus_message *m)
{
  int r = sd_bus_message_seal (m, 1, 0);

  return r < 0 ? r : sd_bus_message_rewind (m, TRUE);
}

/* ---- GVariant -> message -> GVariant ---- */

/* Whether @a and @b hold the same value. Not g_variant_equal(), which
 * compares serialised bytes: GLib 2.74 takes zero bytes of a tuple of
 * arrays such as (ayay) as a normal form of ([], []), while the same
 * value built anew (as read back from a message) takes one byte. */
static gboolean
same_value (GVariant *a, GVariant *b)
{
  g_autofree char *printed_a = g_variant_print (a, TRUE);
  g_autofree char *printed_b = g_variant_print (b, TRUE);

  return g_str_equal (printed_a, printed_b);
}

static void
round_trip (CkdFuzzInput *input)
{
  g_autofree char *type = ckd_fuzz_take_string (input, 255);
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) back = NULL;
  sd_bus_message *m;

  /* D-Bus has no empty structure; sd-bus appends one but never reads it
   * back. callkitd appends only values it built itself. */
  if (!g_variant_type_string_is_valid (type) || !g_variant_type_is_definite (G_VARIANT_TYPE (type))
      || strstr (type, "()") != NULL)
    return;
  value = ckd_fuzz_variant (input->data, input->size, type);
  m = new_message ();
  if (ckd_sdbus_append_gvariant (m, value) >= 0 && seal (m) >= 0)
    {
      int r = ckd_sdbus_read_gvariant (m, type, &back);
      if (r < 0)
        g_error ("%s appended but did not read back: %s", type, g_strerror (-r));
      g_assert (same_value (value, back));
    }
  sd_bus_message_unref (m);
}

/* ---- a message as a peer builds it -> GVariant ---- */

static int append_type (sd_bus_message *m, const char *type, CkdFuzzInput *input, guint depth);

/* Appends the values of @contents, a sequence of complete types. */
static int
append_sequence (sd_bus_message *m, const char *contents, CkdFuzzInput *input, guint depth)
{
  const char *p = contents;

  while (*p != '\0')
    {
      const char *end = NULL;
      g_autofree char *one = NULL;
      int r;

      if (!g_variant_type_string_scan (p, NULL, &end))
        return -EINVAL;
      one = g_strndup (p, end - p);
      r = append_type (m, one, input, depth);
      if (r < 0)
        return r;
      p = end;
    }
  return 0;
}

static int
append_type (sd_bus_message *m, const char *type, CkdFuzzInput *input, guint depth)
{
  size_t got;
  int r;

  if (depth > MAX_DEPTH)
    return -E2BIG;
  switch (type[0])
    {
    case 'a':
      {
        guint n = ckd_fuzz_take_byte (input) % 4;
        r = sd_bus_message_open_container (m, 'a', type + 1);
        for (guint i = 0; r >= 0 && i < n; i++)
          r = append_type (m, type + 1, input, depth + 1);
        return r < 0 ? r : sd_bus_message_close_container (m);
      }
    case '(':
    case '{':
      {
        g_autofree char *contents = g_strndup (type + 1, strlen (type) - 2);
        r = sd_bus_message_open_container (m, type[0] == '(' ? 'r' : 'e', contents);
        if (r >= 0)
          r = append_sequence (m, contents, input, depth + 1);
        return r < 0 ? r : sd_bus_message_close_container (m);
      }
    case 'v':
      {
        g_autofree char *inner = ckd_fuzz_take_string (input, 64);
        const char *end = NULL;

        if (!g_variant_type_string_scan (inner, NULL, &end) || *end != '\0')
          return -EINVAL;
        r = sd_bus_message_open_container (m, 'v', inner);
        if (r >= 0)
          r = append_type (m, inner, input, depth + 1);
        return r < 0 ? r : sd_bus_message_close_container (m);
      }
    case 's':
    case 'o':
    case 'g':
      {
        g_autofree char *s = ckd_fuzz_take_string (input, 512);
        return sd_bus_message_append_basic (m, type[0], s);
      }
    case 'h':
      /* Which fd is no matter: only its index is read. */
      return sd_bus_message_append_basic (m, 'h', &(int) { STDIN_FILENO });
    case 'y':
    case 'b':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't':
    case 'd':
      {
        guint64 raw = 0;
        const uint8_t *bytes = ckd_fuzz_take_bytes (input, sizeof raw, &got);
        memcpy (&raw, bytes, got);
        if (type[0] == 'b')
          return sd_bus_message_append_basic (m, 'b', &(int) { (int) (raw & 0xff) });
        return sd_bus_message_append_basic (m, type[0], &raw);
      }
    default:
      return -EINVAL;
    }
}

static void
from_peer (CkdFuzzInput *input)
{
  g_autofree char *signature = ckd_fuzz_take_string (input, 64);
  g_autoptr (GVariant) value = NULL;
  sd_bus_message *m;
  const char *end = NULL;
  int r;

  /* One complete type, as the arguments read by these functions are. */
  if (!g_variant_type_string_scan (signature, NULL, &end) || *end != '\0'
      || !g_variant_type_is_definite (G_VARIANT_TYPE (signature)))
    return;
  m = new_message ();
  if (append_type (m, signature, input, 0) < 0 || seal (m) < 0)
    {
      sd_bus_message_unref (m);
      return;
    }

  r = ckd_sdbus_read_gvariant (m, signature, &value);
  if (r >= 0)
    {
      g_assert (g_variant_is_of_type (value, G_VARIANT_TYPE (signature)));
      g_assert (g_variant_is_normal_form (value));
    }
  if (g_str_equal (signature, "a{sv}"))
    {
      g_autoptr (GVariant) dict = NULL;
      g_autofree char *failed_key = NULL;

      g_assert (sd_bus_message_rewind (m, TRUE) >= 0);
      if (ckd_sdbus_read_vardict (m, &dict, &failed_key) >= 0)
        {
          g_assert (value != NULL && g_variant_equal (value, dict));
          g_assert (g_variant_is_normal_form (dict));
        }
      else
        g_assert (value == NULL);
    }
  sd_bus_message_unref (m);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };

  ckd_fuzz_init ();
  if (ckd_fuzz_take_byte (&input) & 1)
    from_peer (&input);
  else
    round_trip (&input);
  return 0;
}
