/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The little JSON that baresip's ctrl_tcp speaks: every message is one
 * object whose members we read are strings and booleans. Nested values
 * (the statistics of CALL_RTCP) are checked and skipped. Commands are one
 * object of three strings.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct BbJsonMember {
        char *key;
        char *value;            /* strings unescaped; true/false/null and numbers as written */
        bool is_string;
} BbJsonMember;

typedef struct BbJsonObject {
        BbJsonMember *members;
        size_t n_members;
} BbJsonObject;

/* Parses one JSON object that fills text[0..len) (whitespace around it
 * allowed). Returns 0, -EBADMSG for anything that is not valid JSON or not
 * an object, -E2BIG when nested deeper than 32 levels, -ENOMEM. */
int bb_json_parse_object(const char *text, size_t len, BbJsonObject **ret);
BbJsonObject *bb_json_object_free(BbJsonObject *o);
static inline void bb_json_object_freep(BbJsonObject **o) {
        if (*o)
                bb_json_object_free(*o);
}

/* The string member key, or NULL when absent or not a string. */
const char *bb_json_get_string(const BbJsonObject *o, const char *key);
/* 1 for true, 0 for false, -ENODATA when absent or not a boolean. */
int bb_json_get_bool(const BbJsonObject *o, const char *key);

/* Appends s as a JSON string (quotes included) to a malloc'ed buffer.
 * Returns 0 or -ENOMEM. */
int bb_json_append_string(char **buf, size_t *len, const char *s);
