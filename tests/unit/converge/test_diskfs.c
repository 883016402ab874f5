/* The pure parts of disk images (converge/diskfs.c): the MBR of a raw disk
 * and the quoting of paths in debugfs requests. */
#include <stdint.h>
#include <stdlib.h>

#include "../tap.h"
#include "converge/diskfs.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(void)
{
    uint8_t m[512];
    diskfs_mbr(m, 40960); /* 20 MiB */
    is_int(m[510], 0x55, "boot signature 55");
    is_int(m[511], 0xAA, "boot signature AA");
    is_int(m[446], 0x80, "the partition is bootable");
    is_int(m[450], 0x83, "a Linux partition");
    is_int(le32(m + 454), 2048, "starts at 1 MiB");
    is_int(le32(m + 458), 40960 - 2048, "runs to the end of the disk");
    is_int(m[462], 0, "no second partition");
    diskfs_mbr(m, 1000);
    is_int(le32(m + 458), 0, "a disk smaller than the offset: an empty partition");
    diskfs_mbr(m, 1ull << 34);
    is_int(le32(m + 458), 0xFFFFFFFFu, "beyond 2 TiB: the most an MBR can say");

    char *q = diskfs_quote("/etc/a b");
    is_str(q, "\"/etc/a b\"", "a space is quoted");
    free(q);
    ok(diskfs_quote("/a\"b") == NULL, "a quote cannot be written");
    ok(diskfs_quote("/a\nb") == NULL, "nor a newline");
    return tap_done();
}
