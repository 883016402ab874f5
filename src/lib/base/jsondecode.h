#pragma once
/* A JSON text into jansson's tree, read by yajl's lexer.
 *
 * jansson's own reader takes each byte through a callback and copies each
 * string byte by byte: about 200 instructions a byte, 55 M of the 126 M a
 * `berth ps -a` of 200 containers spent (the engine's list is 1.6 KB a
 * container, and it has no way to send fewer fields). yajl scans the same
 * text in a tenth of that and hands over whole strings; the tree built is
 * jansson's, so every caller reads the answer as before. */
#include <jansson.h>
#include <stddef.h>

/* buf[0..len) as json_loadb(buf, len, flags, err) reads it, for flags 0,
 * JSON_DECODE_ANY and JSON_REJECT_DUPLICATES: an object or an array at the
 * top (any value with JSON_DECODE_ANY), nothing after it but blanks,
 * strings of valid UTF-8 without \u0000, nesting at most 2048 deep,
 * integers as json_int_t (one too big is an error), other numbers as
 * reals, a key given twice keeps its last value (an error with
 * JSON_REJECT_DUPLICATES). NULL on error, err->text saying why (err may be NULL); the
 * words of the reason are yajl's, or jansson's for a string with escapes
 * (which jansson decodes: see reread_string). */
json_t *json_decode(const char *buf, size_t len, size_t flags, json_error_t *err);
