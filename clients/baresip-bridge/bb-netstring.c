/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-netstring.h"

void bb_netstring_reader_clear(BbNetstringReader *r) {
        free(r->buf);
        *r = (BbNetstringReader) {};
}

int bb_netstring_feed(BbNetstringReader *r, const void *data, size_t n) {
        if (n == 0)
                return 0;
        if (r->len + n > r->alloc) {
                size_t want = r->alloc ? r->alloc : 4096;
                char *grown;

                while (want < r->len + n)
                        want *= 2;
                grown = realloc(r->buf, want);
                if (!grown)
                        return -ENOMEM;
                r->buf = grown;
                r->alloc = want;
        }
        memcpy(r->buf + r->len, data, n);
        r->len += n;
        return 0;
}

int bb_netstring_next(BbNetstringReader *r, char **ret, size_t *ret_len) {
        size_t length = 0, digits = 0, frame;
        char *payload;

        while (digits < r->len && r->buf[digits] >= '0' && r->buf[digits] <= '9') {
                /* No leading zeros (the format forbids them), no overflow. */
                if (digits == 1 && r->buf[0] == '0')
                        return -EBADMSG;
                length = length * 10 + (r->buf[digits] - '0');
                if (length > BB_NETSTRING_MAX)
                        return -EMSGSIZE;
                digits++;
        }
        if (digits == r->len)
                return digits > 9 ? -EBADMSG : 0;
        if (digits == 0 || r->buf[digits] != ':')
                return -EBADMSG;
        frame = digits + 1 + length + 1;
        if (r->len < frame)
                return 0;
        if (r->buf[frame - 1] != ',')
                return -EBADMSG;
        payload = malloc(length + 1);
        if (!payload)
                return -ENOMEM;
        memcpy(payload, r->buf + digits + 1, length);
        payload[length] = '\0';
        memmove(r->buf, r->buf + frame, r->len - frame);
        r->len -= frame;
        *ret = payload;
        *ret_len = length;
        return 1;
}

int bb_netstring_encode(const char *payload, size_t n, char **ret, size_t *ret_len) {
        char *out;
        int len;

        out = malloc(n + 32);
        if (!out)
                return -ENOMEM;
        len = snprintf(out, 32, "%zu:", n);
        memcpy(out + len, payload, n);
        out[len + n] = ',';
        out[len + n + 1] = '\0';
        *ret = out;
        *ret_len = len + n + 1;
        return 0;
}
