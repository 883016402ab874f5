#pragma once
/* The SHA-256 of a JSON value's canonical text: the text
 * json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) writes,
 * byte for byte (a desired configuration's hash label is that hash, so the
 * text must never change, or every container would be made again).
 *
 * jansson's dump checks for loops with a table keyed by each object's
 * address printed by snprintf, and walks each string one code point at a
 * time through a callback: 27 M instructions of a no-op `berth up` of 200
 * containers went there. Here the text goes straight into the hasher, by
 * spans of bytes. What this writer does not handle exactly as jansson does
 * (a real number, a string with bytes beyond ASCII, nesting deeper than
 * 512) is left to jansson's own dump, so the text is the same for every
 * value. */
#include <jansson.h>

void json_hash_hex(const json_t *j, char out[65]);
