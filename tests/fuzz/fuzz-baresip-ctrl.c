/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What baresip-bridge reads from baresip's ctrl_tcp socket: netstring
 * frames (bb-netstring.c) around JSON objects (bb-json.c), whose strings
 * carry what the far end of a SIP call chose (its display name, its URI).
 * The stream is fed in chunks of the size the first byte gives, as a
 * socket hands it out; every string read is written back as JSON and
 * reads back the same, and every payload framed again reads back whole. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bb-json.h"
#include "bb-netstring.h"
#include "fuzz-common.h"

static void
check_object (const char *payload, size_t len)
{
  BbJsonObject *o = NULL;

  if (bb_json_parse_object (payload, len, &o) < 0)
    return;
  for (size_t i = 0; i < o->n_members; i++)
    {
      const BbJsonMember *member = &o->members[i];
      BbJsonObject *again = NULL;
      g_autofree char *text = NULL;
      char *buf = NULL;
      size_t buf_len = 0;

      if (!member->is_string)
        continue;
      g_assert (bb_json_append_string (&buf, &buf_len, member->value) == 0);
      text = g_strconcat ("{\"k\":", buf, "}", NULL);
      g_assert (bb_json_parse_object (text, strlen (text), &again) == 0);
      g_assert_cmpstr (bb_json_get_string (again, "k"), ==, member->value);
      bb_json_object_free (again);
      free (buf);
    }
  bb_json_object_free (o);
}

static void
check_framing (const char *payload, size_t len)
{
  BbNetstringReader r = { 0 };
  char *frame = NULL, *back = NULL;
  size_t frame_len, back_len;

  g_assert (bb_netstring_encode (payload, len, &frame, &frame_len) == 0);
  g_assert (bb_netstring_feed (&r, frame, frame_len) == 0);
  g_assert (bb_netstring_next (&r, &back, &back_len) == 1);
  g_assert (back_len == len && memcmp (back, payload, len) == 0 && back[len] == '\0');
  free (back);
  free (frame);
  bb_netstring_reader_clear (&r);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CkdFuzzInput input = { data, size };
  size_t chunk = ckd_fuzz_take_byte (&input);
  BbNetstringReader r = { 0 };
  int ret = 0;

  ckd_fuzz_init ();
  if (chunk == 0)
    chunk = SIZE_MAX;
  while (input.size > 0 && ret >= 0)
    {
      size_t got;
      const uint8_t *bytes = ckd_fuzz_take_bytes (&input, chunk, &got);

      g_assert (bb_netstring_feed (&r, bytes, got) == 0);
      for (;;)
        {
          char *payload = NULL;
          size_t len = 0;

          ret = bb_netstring_next (&r, &payload, &len);
          if (ret <= 0)
            break;
          g_assert (payload[len] == '\0');
          check_object (payload, len);
          check_framing (payload, len);
          free (payload);
        }
      g_assert (ret == 0 || ret == -EBADMSG || ret == -EMSGSIZE);
    }
  bb_netstring_reader_clear (&r);
  return 0;
}
