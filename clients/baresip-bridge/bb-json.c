/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bb-json.h"

#define MAX_DEPTH 32

typedef struct Parser {
        const char *p;
        const char *end;
} Parser;

static void skip_ws(Parser *ps) {
        while (ps->p < ps->end && strchr(" \t\r\n", *ps->p) && *ps->p)
                ps->p++;
}

static int hex4(const char *s, uint32_t *ret) {
        uint32_t v = 0;

        for (int i = 0; i < 4; i++) {
                char c = s[i];

                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= c - '0';
                else if (c >= 'a' && c <= 'f')
                        v |= c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        v |= c - 'A' + 10;
                else
                        return -EBADMSG;
        }
        *ret = v;
        return 0;
}

static size_t put_utf8(char *out, uint32_t cp) {
        if (cp < 0x80) {
                out[0] = cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = 0xc0 | (cp >> 6);
                out[1] = 0x80 | (cp & 0x3f);
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = 0xe0 | (cp >> 12);
                out[1] = 0x80 | ((cp >> 6) & 0x3f);
                out[2] = 0x80 | (cp & 0x3f);
                return 3;
        }
        out[0] = 0xf0 | (cp >> 18);
        out[1] = 0x80 | ((cp >> 12) & 0x3f);
        out[2] = 0x80 | ((cp >> 6) & 0x3f);
        out[3] = 0x80 | (cp & 0x3f);
        return 4;
}

/* Parses a string at ps->p (on the opening quote). With ret, returns the
 * unescaped text; without, only checks it. An escaped NUL is refused:
 * every string we read ends up in a C string. */
static int parse_string(Parser *ps, char **ret) {
        char *out = NULL;
        size_t n = 0;
        const char *start;

        if (ps->p >= ps->end || *ps->p != '"')
                return -EBADMSG;
        start = ++ps->p;
        if (ret) {
                /* Unescaping never makes a string longer. */
                out = malloc(ps->end - start + 1);
                if (!out)
                        return -ENOMEM;
        }
        while (ps->p < ps->end && *ps->p != '"') {
                unsigned char c = *ps->p;

                if (c < 0x20)
                        goto bad;
                if (c != '\\') {
                        if (out)
                                out[n++] = c;
                        ps->p++;
                        continue;
                }
                if (++ps->p >= ps->end)
                        goto bad;
                switch (*ps->p) {
                case '"': case '\\': case '/':
                        if (out)
                                out[n++] = *ps->p;
                        break;
                case 'b': if (out) out[n++] = '\b'; break;
                case 'f': if (out) out[n++] = '\f'; break;
                case 'n': if (out) out[n++] = '\n'; break;
                case 'r': if (out) out[n++] = '\r'; break;
                case 't': if (out) out[n++] = '\t'; break;
                case 'u': {
                        uint32_t cp, lo;

                        if (ps->end - ps->p < 5 || hex4(ps->p + 1, &cp) < 0)
                                goto bad;
                        ps->p += 4;
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                                if (ps->end - ps->p < 7 || ps->p[1] != '\\' || ps->p[2] != 'u' ||
                                    hex4(ps->p + 3, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                                        goto bad;
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                ps->p += 6;
                        } else if (cp >= 0xdc00 && cp <= 0xdfff)
                                goto bad;
                        if (cp == 0)
                                goto bad;
                        /* \uXXXX is 6 bytes in, at most 4 out; a pair is
                         * 12 in, 4 out. */
                        if (out)
                                n += put_utf8(out + n, cp);
                        break;
                }
                default:
                        goto bad;
                }
                ps->p++;
        }
        if (ps->p >= ps->end)
                goto bad;
        ps->p++;
        if (out) {
                out[n] = '\0';
                *ret = out;
        }
        return 0;
bad:
        free(out);
        return -EBADMSG;
}

static int parse_value(Parser *ps, unsigned depth, char **ret_text, bool *ret_is_string);

static int skip_container(Parser *ps, unsigned depth) {
        char close = *ps->p == '{' ? '}' : ']';
        bool object = close == '}';
        int r;

        if (depth >= MAX_DEPTH)
                return -E2BIG;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return 0;
        }
        for (;;) {
                if (object) {
                        skip_ws(ps);
                        r = parse_string(ps, NULL);
                        if (r < 0)
                                return r;
                        skip_ws(ps);
                        if (ps->p >= ps->end || *ps->p != ':')
                                return -EBADMSG;
                        ps->p++;
                }
                r = parse_value(ps, depth + 1, NULL, NULL);
                if (r < 0)
                        return r;
                skip_ws(ps);
                if (ps->p >= ps->end)
                        return -EBADMSG;
                if (*ps->p == close) {
                        ps->p++;
                        return 0;
                }
                if (*ps->p != ',')
                        return -EBADMSG;
                ps->p++;
        }
}

static int parse_number(Parser *ps) {
        const char *s = ps->p;

        if (ps->p < ps->end && *ps->p == '-')
                ps->p++;
        if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9'))
                return -EBADMSG;
        if (*ps->p == '0')
                ps->p++;
        else
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        if (ps->p < ps->end && *ps->p == '.') {
                ps->p++;
                if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9'))
                        return -EBADMSG;
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        }
        if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
                ps->p++;
                if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
                        ps->p++;
                if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9'))
                        return -EBADMSG;
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        }
        return ps->p > s ? 0 : -EBADMSG;
}

static int parse_value(Parser *ps, unsigned depth, char **ret_text, bool *ret_is_string) {
        static const char *const words[] = { "true", "false", "null" };
        const char *start;
        int r;

        skip_ws(ps);
        if (ps->p >= ps->end)
                return -EBADMSG;
        if (ret_is_string)
                *ret_is_string = false;
        start = ps->p;
        switch (*ps->p) {
        case '"':
                if (ret_is_string)
                        *ret_is_string = true;
                return parse_string(ps, ret_text);
        case '{':
        case '[':
                r = skip_container(ps, depth);
                break;
        case 't': case 'f': case 'n':
                r = -EBADMSG;
                for (size_t i = 0; i < 3; i++) {
                        size_t l = strlen(words[i]);

                        if ((size_t) (ps->end - ps->p) >= l && memcmp(ps->p, words[i], l) == 0) {
                                ps->p += l;
                                r = 0;
                                break;
                        }
                }
                break;
        default:
                r = parse_number(ps);
        }
        if (r < 0)
                return r;
        if (ret_text) {
                *ret_text = strndup(start, ps->p - start);
                if (!*ret_text)
                        return -ENOMEM;
        }
        return 0;
}

BbJsonObject *bb_json_object_free(BbJsonObject *o) {
        if (!o)
                return NULL;
        for (size_t i = 0; i < o->n_members; i++) {
                free(o->members[i].key);
                free(o->members[i].value);
        }
        free(o->members);
        free(o);
        return NULL;
}

int bb_json_parse_object(const char *text, size_t len, BbJsonObject **ret) {
        BbJsonObject *o;
        Parser ps = { .p = text, .end = text + len };
        int r = -EBADMSG;

        if (!text || !ret)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        skip_ws(&ps);
        if (ps.p >= ps.end || *ps.p != '{')
                goto fail;
        ps.p++;
        skip_ws(&ps);
        if (ps.p < ps.end && *ps.p == '}') {
                ps.p++;
                goto done;
        }
        for (;;) {
                BbJsonMember m = {};
                BbJsonMember *grown;

                skip_ws(&ps);
                r = parse_string(&ps, &m.key);
                if (r < 0)
                        goto fail;
                skip_ws(&ps);
                if (ps.p >= ps.end || *ps.p != ':') {
                        free(m.key);
                        r = -EBADMSG;
                        goto fail;
                }
                ps.p++;
                r = parse_value(&ps, 1, &m.value, &m.is_string);
                if (r < 0) {
                        free(m.key);
                        goto fail;
                }
                grown = realloc(o->members, (o->n_members + 1) * sizeof(*grown));
                if (!grown) {
                        free(m.key);
                        free(m.value);
                        r = -ENOMEM;
                        goto fail;
                }
                o->members = grown;
                o->members[o->n_members++] = m;
                skip_ws(&ps);
                r = -EBADMSG;
                if (ps.p >= ps.end)
                        goto fail;
                if (*ps.p == '}') {
                        ps.p++;
                        break;
                }
                if (*ps.p != ',')
                        goto fail;
                ps.p++;
        }
done:
        skip_ws(&ps);
        if (ps.p != ps.end) {
                r = -EBADMSG;
                goto fail;
        }
        *ret = o;
        return 0;
fail:
        bb_json_object_free(o);
        return r;
}

static const BbJsonMember *find(const BbJsonObject *o, const char *key) {
        if (!o || !key)
                return NULL;
        /* The last one wins, as in most parsers. */
        for (size_t i = o->n_members; i > 0; i--)
                if (strcmp(o->members[i - 1].key, key) == 0)
                        return &o->members[i - 1];
        return NULL;
}

const char *bb_json_get_string(const BbJsonObject *o, const char *key) {
        const BbJsonMember *m = find(o, key);

        return m && m->is_string ? m->value : NULL;
}

int bb_json_get_bool(const BbJsonObject *o, const char *key) {
        const BbJsonMember *m = find(o, key);

        if (!m || m->is_string)
                return -ENODATA;
        if (strcmp(m->value, "true") == 0)
                return 1;
        if (strcmp(m->value, "false") == 0)
                return 0;
        return -ENODATA;
}

int bb_json_append_string(char **buf, size_t *len, const char *s) {
        size_t need = 2;
        char *grown, *out;

        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                need += (*c < 0x20 || *c == '"' || *c == '\\') ? 6 : 1;
        grown = realloc(*buf, *len + need + 1);
        if (!grown)
                return -ENOMEM;
        *buf = grown;
        out = grown + *len;
        *out++ = '"';
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                if (*c == '"' || *c == '\\') {
                        *out++ = '\\';
                        *out++ = *c;
                } else if (*c < 0x20) {
                        static const char hex[] = "0123456789abcdef";

                        *out++ = '\\';
                        *out++ = 'u';
                        *out++ = '0';
                        *out++ = '0';
                        *out++ = hex[*c >> 4];
                        *out++ = hex[*c & 0xf];
                } else
                        *out++ = *c;
        }
        *out++ = '"';
        *out = '\0';
        *len = out - grown;
        return 0;
}
