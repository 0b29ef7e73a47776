/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Netstrings ("12:hello world!,"), the framing of baresip's ctrl_tcp. The
 * reader is fed what the socket gives and hands out whole payloads.
 */

#include <stddef.h>

/* Larger messages are refused: ctrl_tcp's own are a few kB at most. */
#define BB_NETSTRING_MAX (1024 * 1024)

typedef struct BbNetstringReader {
        char *buf;
        size_t len;
        size_t alloc;
} BbNetstringReader;

void bb_netstring_reader_clear(BbNetstringReader *r);
/* Appends data. Returns 0 or -ENOMEM. */
int bb_netstring_feed(BbNetstringReader *r, const void *data, size_t n);
/* Takes the next whole payload out of the buffer: returns 1 and sets
 * *ret and *ret_len (malloc'ed, NUL-terminated; free it), 0 when more data is
 * needed, -EBADMSG for a malformed frame, -EMSGSIZE for one over
 * BB_NETSTRING_MAX, -ENOMEM. After an error the stream cannot be resynced:
 * drop the connection. */
int bb_netstring_next(BbNetstringReader *r, char **ret, size_t *ret_len);
/* A frame around payload, malloc'ed. Returns 0 or -ENOMEM. */
int bb_netstring_encode(const char *payload, size_t n, char **ret, size_t *ret_len);
