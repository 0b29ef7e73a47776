/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* What every fuzz target shares. A target is one file, fuzz-NAME.c, that
 * defines LLVMFuzzerTestOneInput() and nothing else global; it is built
 * for libFuzzer (-Dfuzzing=true) and, in every other build, with
 * fuzz-replay.c, which runs its corpus once as a unit test. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Call first in LLVMFuzzerTestOneInput: once per process, makes
 * criticals and errors abort (a g_return_if_fail() that trips is a bug
 * the fuzzer found) and drops every other message, which would only slow
 * the run down. */
void ckd_fuzz_init (void);

/* The bytes as a GVariant of @type, in normal form: what a D-Bus peer can
 * send is always in normal form (GDBus and sd-bus check it on receipt).
 * Never NULL, never floating. */
GVariant *ckd_fuzz_variant (const uint8_t *data, size_t size, const char *type);

/* Reads an input front to back: single bytes for choices and the rest as
 * the payload. Past the end it reads zeros. */
typedef struct
{
  const uint8_t *data;
  size_t size;
} CkdFuzzInput;

guint8 ckd_fuzz_take_byte (CkdFuzzInput *input);
/* A NUL-terminated or @max-byte chunk (not counting the NUL), copied. */
char *ckd_fuzz_take_string (CkdFuzzInput *input, size_t max);
/* Up to @size bytes; *@got says how many there were. */
const uint8_t *ckd_fuzz_take_bytes (CkdFuzzInput *input, size_t size, size_t *got);

G_END_DECLS
