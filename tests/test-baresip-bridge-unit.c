/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baresip-bridge's parsers of what comes from baresip: the netstring
 * framing and the JSON of ctrl_tcp. Whatever arrives, they answer with a
 * result or an error, never a crash or an overread (run under ASan).
 */

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "bb-json.h"
#include "bb-netstring.h"

static void test_json_event(void) {
        const char *text =
                "{\"event\":true,\"type\":\"CALL_INCOMING\",\"class\":\"call\","
                "\"accountaor\":\"sip:alice@127.0.0.1\",\"peerdisplayname\":\"Zo\\u00eb \\\"Z\\\"\","
                "\"id\":\"1-2@h\",\"rtcp\":{\"rx\":[1,2,{\"a\":null}]},\"n\":-1.5e3}";
        BbJsonObject *o = NULL;

        g_assert_cmpint(bb_json_parse_object(text, strlen(text), &o), ==, 0);
        g_assert_cmpint(bb_json_get_bool(o, "event"), ==, 1);
        g_assert_cmpstr(bb_json_get_string(o, "type"), ==, "CALL_INCOMING");
        g_assert_cmpstr(bb_json_get_string(o, "peerdisplayname"), ==, "Zo\xc3\xab \"Z\"");
        g_assert_null(bb_json_get_string(o, "rtcp"));
        g_assert_null(bb_json_get_string(o, "missing"));
        g_assert_cmpint(bb_json_get_bool(o, "type"), ==, -ENODATA);
        bb_json_object_free(o);
}

static void test_json_surrogates(void) {
        const char *text = "{\"s\":\"\\ud83d\\ude00\"}";
        BbJsonObject *o = NULL;

        g_assert_cmpint(bb_json_parse_object(text, strlen(text), &o), ==, 0);
        g_assert_cmpstr(bb_json_get_string(o, "s"), ==, "\xf0\x9f\x98\x80");
        bb_json_object_free(o);
}

static void test_json_bad(void) {
        static const char *const bad[] = {
                "", "{", "}", "[]", "\"x\"", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":tru}",
                "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\x\"}",
                "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":\"unterminated}", "{\"a\":1} x",
                "{\"a\":[1,2}", "{\"a\":{\"b\":1]}", "{\"a\":\"\x01\"}", "{a:1}",
        };
        char deep[200];
        BbJsonObject *o = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                /* A copy of exactly the length, so ASan sees any overread. */
                char *copy = g_memdup2(bad[i], strlen(bad[i]));

                g_assert_cmpint(bb_json_parse_object(copy, strlen(bad[i]), &o), <, 0);
                g_assert_null(o);
                g_free(copy);
        }
        memset(deep, '[', sizeof(deep));
        memcpy(deep, "{\"a\":", 5);
        g_assert_cmpint(bb_json_parse_object(deep, sizeof(deep), &o), ==, -E2BIG);
}

static void test_json_every_prefix(void) {
        const char *text = "{\"response\":true,\"ok\":false,\"data\":\"a\\nb\\u00e9\",\"token\":\"bb1\"}";
        size_t n = strlen(text);

        /* Every cut short message is refused, whole or not. */
        for (size_t len = 0; len < n; len++) {
                char *copy = g_memdup2(text, len ? len : 1);
                BbJsonObject *o = NULL;

                g_assert_cmpint(bb_json_parse_object(copy, len, &o), <, 0);
                g_free(copy);
        }
}

static void test_json_escape(void) {
        char *buf = NULL;
        size_t len = 0;
        BbJsonObject *o = NULL;
        char *obj;

        g_assert_cmpint(bb_json_append_string(&buf, &len, "say \"hi\"\\\n\x01"), ==, 0);
        obj = g_strdup_printf("{\"k\":%s}", buf);
        g_assert_cmpint(bb_json_parse_object(obj, strlen(obj), &o), ==, 0);
        g_assert_cmpstr(bb_json_get_string(o, "k"), ==, "say \"hi\"\\\n\x01");
        bb_json_object_free(o);
        g_free(obj);
        free(buf);
}

static void test_netstring(void) {
        BbNetstringReader r = {};
        char *msg = NULL, *frame = NULL;
        size_t len, frame_len;

        g_assert_cmpint(bb_netstring_feed(&r, "5:hel", 5), ==, 0);
        g_assert_cmpint(bb_netstring_next(&r, &msg, &len), ==, 0);
        g_assert_cmpint(bb_netstring_feed(&r, "lo,0:,", 6), ==, 0);
        g_assert_cmpint(bb_netstring_next(&r, &msg, &len), ==, 1);
        g_assert_cmpstr(msg, ==, "hello");
        g_assert_cmpuint(len, ==, 5);
        free(msg);
        g_assert_cmpint(bb_netstring_next(&r, &msg, &len), ==, 1);
        g_assert_cmpstr(msg, ==, "");
        free(msg);
        g_assert_cmpint(bb_netstring_next(&r, &msg, &len), ==, 0);
        bb_netstring_reader_clear(&r);

        g_assert_cmpint(bb_netstring_encode("abc", 3, &frame, &frame_len), ==, 0);
        g_assert_cmpstr(frame, ==, "3:abc,");
        g_assert_cmpuint(frame_len, ==, 6);
        free(frame);
}

static void test_netstring_bad(void) {
        static const char *const bad[] = { "x", ":", "3:abcd", "03:abc,", "3-abc,", "99999999999:" };
        BbNetstringReader r = {};
        char *msg = NULL;
        size_t len;

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_assert_cmpint(bb_netstring_feed(&r, bad[i], strlen(bad[i])), ==, 0);
                g_assert_cmpint(bb_netstring_next(&r, &msg, &len), <, 0);
                bb_netstring_reader_clear(&r);
        }
        g_assert_cmpint(bb_netstring_feed(&r, "2000000:", 8), ==, 0);
        g_assert_cmpint(bb_netstring_next(&r, &msg, &len), ==, -EMSGSIZE);
        bb_netstring_reader_clear(&r);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/baresip-bridge/json/event", test_json_event);
        g_test_add_func("/baresip-bridge/json/surrogates", test_json_surrogates);
        g_test_add_func("/baresip-bridge/json/bad", test_json_bad);
        g_test_add_func("/baresip-bridge/json/every-prefix", test_json_every_prefix);
        g_test_add_func("/baresip-bridge/json/escape", test_json_escape);
        g_test_add_func("/baresip-bridge/netstring/frames", test_netstring);
        g_test_add_func("/baresip-bridge/netstring/bad", test_netstring_bad);
        return g_test_run();
}
