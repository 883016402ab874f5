#include "base/strbuf.h"
#include "../tap.h"
#include "base/util.h"

int main(void)
{
    strbuf sb = STRBUF_INIT;
    is_str(sb.buf, "", "empty buffer reads as empty string");
    sb_adds(&sb, "hello");
    sb_addc(&sb, ' ');
    sb_addf(&sb, "%s %d", "world", 42);
    is_str(sb.buf, "hello world 42", "add, addc and addf append");
    is_int(sb.len, 14, "length tracks content");
    sb_consume(&sb, 6);
    is_str(sb.buf, "world 42", "consume drops a prefix");
    sb_truncate(&sb, 5);
    is_str(sb.buf, "world", "truncate shortens");
    for (int i = 0; i < 1000; i++)
        sb_addc(&sb, 'x');
    is_int(sb.len, 1005, "grows past its first allocation");
    size_t len;
    char *s = sb_detach(&sb, &len);
    is_int(len, 1005, "detach hands back the length");
    is_str(sb.buf, "", "detach leaves an empty buffer");
    free(s);
    s = sb_detach(&sb, NULL);
    is_str(s, "", "detach of an empty buffer gives a freeable empty string");
    free(s);
    sb_release(&sb);
    return tap_done();
}
