/* json_decode reads a text as json_loadb(buf, len, 0) does: the same tree
 * where jansson reads one (json_equal, and the same types: an integer stays
 * an integer), an error where jansson refuses one. The engine's answers are
 * what it reads, so a list of containers as the engine writes it too. */
#include <stdio.h>
#include <stdlib.h>

#include "../tap.h"
#include "base/jsondecode.h"
#include "base/strbuf.h"

/* Same types all the way down, not only json_equal (1 and 1.0 differ). */
static int same_tree(json_t *a, json_t *b)
{
    if (json_typeof(a) != json_typeof(b) || !json_equal(a, b))
        return 0;
    if (json_is_object(a)) {
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v)
            if (!same_tree(v, json_object_get(b, k)))
                return 0;
        return json_object_size(a) == json_object_size(b);
    }
    if (json_is_array(a)) {
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same_tree(json_array_get(a, i), json_array_get(b, i)))
                return 0;
    }
    return 1;
}

/* Both readers agree on text[0..len): the same tree, or both refuse it. */
static void agree_n(const char *text, size_t len, size_t flags, const char *desc)
{
    json_error_t je, jd;
    json_t *want = json_loadb(text, len, flags, &je);
    json_t *got = json_decode(text, len, flags, &jd);
    int same = want ? got && same_tree(want, got) : !got;
    if (!ok(same, desc))
        printf("#   jansson: %s\n#   json_decode: %s\n", want ? "read" : je.text,
               got ? "read" : jd.text);
    if (!want && !got)
        ok(jd.text[0] != '\0' && !strchr(jd.text, '\n'), "... with a reason on one line");
    json_decref(want);
    json_decref(got);
}

static void agree(const char *text, const char *desc)
{
    agree_n(text, strlen(text), 0, desc);
}

int main(void)
{
    agree("{}", "an empty object");
    agree("[]", "an empty array");
    agree(" \n\t{ \"a\" : 1 } \r\n", "blanks around and inside");
    agree("{\"a\":1,\"b\":-2,\"c\":0,\"d\":-0,\"e\":9223372036854775807,"
          "\"f\":-9223372036854775808}", "integers, to the ends of json_int_t");
    agree("[1.5,-0.25,1e3,1E-3,2.0,-0.0,1.7976931348623157e308]", "reals stay reals");
    agree("[true,false,null,\"\",[],{}]", "every kind of value");
    agree("{\"a\":{\"b\":{\"c\":[1,[2,[3,{\"d\":null}]]]}}}", "nested");
    agree("{\"k\":1,\"k\":2}", "a key twice keeps its last value");
    agree("{\"s\":\"tab\\there \\\"q\\\" back\\\\slash \\/ \\b\\f\\n\\r\"}", "escapes");
    agree("[\"\\u00e9\\u4e2d\\ud83d\\ude00\", \"é中😀\"]", "unicode, escaped and raw, "
          "a surrogate pair");
    agree("{\"\\u00e9t\\u00e9\":\"key with escapes\"}", "escapes in a key");
    agree("{\"long\":\"" "0123456789012345678901234567890123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789012345678901234567890123456789\"}",
          "a long key's value");

    /* what jansson refuses, refused */
    agree("", "an empty text");
    agree("   ", "only blanks");
    agree("1", "a bare number at the top");
    agree("\"s\"", "a bare string at the top");
    agree("{\"a\":1", "an object left open");
    agree("[1,2", "an array left open");
    agree("{\"a\":1}}", "a brace too many");
    agree("{\"a\":1} x", "garbage after the value");
    agree("{\"a\":1} {}", "two values");
    agree("{a:1}", "a key without quotes");
    agree("[1,]", "a trailing comma");
    agree("[01]", "a leading zero");
    agree("[1.]", "a point with no digit");
    agree("['x']", "single quotes");
    agree("[\"a\nb\"]", "a raw control character in a string");
    agree("[\"\\x\"]", "an unknown escape");
    agree("[\"\\u00\"]", "a short \\u escape");
    agree("[\"\\u0000\"]", "\\u0000 in a string");
    agree("{\"a\\u0000b\":1}", "\\u0000 in a key");
    agree("[\"\xff\"]", "invalid UTF-8 in a string");
    agree("{\"\xc3\":1}", "invalid UTF-8 in a key");
    agree("[\"\\ud800\"]", "a lone high surrogate");
    agree("[\"\\udc00x\"]", "a lone low surrogate");
    agree("[\"\\ud800\\u0041\"]", "a high surrogate and no low one after it");
    agree("{\"\\ud800\":1}", "a lone surrogate in a key");
    agree("[\"a\\\\\", \"\\\"\\\\\\\"\"]", "escaped backslashes and quotes next to the quotes");
    agree("[9223372036854775808]", "an integer too big");
    agree("[-9223372036854775809]", "an integer too small");
    agree("[1e999]", "a real too big");
    agree("[true false]", "no comma");
    agree("/* c */ {}", "a comment");
    agree("[nul]", "a word cut short");
    agree_n("[1,\0 2]", 6, 0, "a NUL byte in the text");

    /* JSON_DECODE_ANY: a value of any kind at the top */
    agree_n("42", 2, JSON_DECODE_ANY, "JSON_DECODE_ANY: a number at the top");
    agree_n("\"s\"", 3, JSON_DECODE_ANY, "JSON_DECODE_ANY: a string at the top");
    agree_n("null", 4, JSON_DECODE_ANY, "JSON_DECODE_ANY: null at the top");

    /* JSON_REJECT_DUPLICATES: a key twice refused, at any depth */
    agree_n("{\"k\":1,\"k\":2}", 13, JSON_REJECT_DUPLICATES, "JSON_REJECT_DUPLICATES: a key twice");
    agree_n("[\"a\",{\"k\":1,\"j\":{\"x\":1,\"x\":1}}]", 31, JSON_REJECT_DUPLICATES,
            "JSON_REJECT_DUPLICATES: a key twice deep inside an array");
    agree_n("[\"a\",{\"k\":1,\"j\":{\"x\":1,\"y\":1}}]", 31, JSON_REJECT_DUPLICATES,
            "JSON_REJECT_DUPLICATES: no key twice");

    /* nesting: 2048 levels read, one more refused (jansson's limit) */
    strbuf deep = STRBUF_INIT;
    for (int i = 0; i < 2048; i++)
        sb_addc(&deep, '[');
    for (int i = 0; i < 2048; i++)
        sb_addc(&deep, ']');
    agree(deep.buf, "2048 levels of nesting");
    sb_reset(&deep);
    for (int i = 0; i < 2049; i++)
        sb_addc(&deep, '[');
    for (int i = 0; i < 2049; i++)
        sb_addc(&deep, ']');
    agree(deep.buf, "2049 levels of nesting: refused");
    sb_release(&deep);

    /* a list of containers as the engine writes it, 200 of them */
    strbuf list = STRBUF_INIT;
    sb_addc(&list, '[');
    for (int i = 0; i < 200; i++)
        sb_addf(&list,
                "%s{\"Id\":\"%064d\",\"Names\":[\"/p-s%03d-main\"],\"Image\":\"bench/busybox\","
                "\"ImageID\":\"sha256:deeb86c9\",\"Command\":\"sh -c 'trap '\\\\''exit 0'\\\\'' TERM'\","
                "\"Created\":1796038013,\"Ports\":[{\"IP\":\"127.0.0.1\",\"PrivatePort\":80,"
                "\"PublicPort\":%d,\"Type\":\"tcp\"}],\"Labels\":{\"berth.project\":\"p\","
                "\"berth.part\":\"s%03d\",\"berth.config-hash\":\"89321443\"},\"State\":\"running\","
                "\"Status\":\"Up 29 seconds\",\"HostConfig\":{\"NetworkMode\":\"p-default\"},"
                "\"NetworkSettings\":{\"Networks\":{\"p-default\":{\"IPAMConfig\":null,"
                "\"Links\":null,\"IPAddress\":\"172.18.0.%d\",\"IPPrefixLen\":16,"
                "\"GlobalIPv6Address\":\"\"}}},\"Mounts\":[{\"Type\":\"volume\",\"RW\":true,"
                "\"Propagation\":\"\"}]}",
                i ? "," : "", i, i, 30000 + i, i, i % 250);
    sb_addc(&list, ']');
    agree(list.buf, "a list of 200 containers as the engine writes it");
    json_t *l = json_decode(list.buf, list.len, 0, NULL);
    is_int(json_array_size(l), 200, "... 200 of them");
    is_str(json_string_value(json_object_get(
               json_object_get(json_array_get(l, 7), "Labels"), "berth.part")),
           "s007", "... the labels of each as written");
    json_decref(l);
    sb_release(&list);

    json_error_t je;
    ok(!json_decode("{", 1, 0, NULL), "an error with no json_error_t asked: NULL, no crash");
    ok(!json_decode("[1,x]", 5, 0, &je) && je.position > 0,
       "an error tells how far the text was read");
    return tap_done();
}
