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

    is_int(diskfs_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u, "CRC-32 check value");
    uint8_t *pri = malloc(34 * 512), *bak = malloc(33 * 512);
    uint8_t dg[16] = {1}, pg[16] = {2};
    diskfs_gpt(pri, bak, 40960, dg, pg);
    is_int(pri[446 + 4], 0xEE, "GPT: a protective MBR");
    ok(memcmp(pri + 512, "EFI PART", 8) == 0, "GPT: the primary header at sector 1");
    ok(memcmp(bak + 32 * 512, "EFI PART", 8) == 0, "GPT: the backup header last");
    is_int(le32(pri + 512 + 32), 40959, "GPT: the primary names the backup's sector");
    is_int(le32(bak + 32 * 512 + 24), 40959, "GPT: the backup sits in the last sector");
    is_int(le32(pri + 2 * 512 + 32), 2048, "GPT: the partition starts at 1 MiB");
    is_int(le32(pri + 2 * 512 + 40), 40960 - 34, "GPT: ... and ends at the last usable sector");
    is_int(le32(pri + 512 + 88), diskfs_crc32(pri + 1024, 128 * 128), "GPT: entries CRC");
    uint8_t h[92];
    memcpy(h, pri + 512, 92);
    uint32_t want = le32(h + 16);
    memset(h + 16, 0, 4);
    is_int(diskfs_crc32(h, 92), want, "GPT: header CRC over the header with its CRC zeroed");
    ok(memcmp(pri + 1024, bak, 32 * 512) == 0, "GPT: the backup entries are the same");
    free(pri);
    free(bak);

    char *q = diskfs_quote("/etc/a b");
    is_str(q, "\"/etc/a b\"", "a space is quoted");
    free(q);
    ok(diskfs_quote("/a\"b") == NULL, "a quote cannot be written");
    ok(diskfs_quote("/a\nb") == NULL, "nor a newline");
    return tap_done();
}
