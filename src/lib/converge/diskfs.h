/* A disk image file made on the host from a file system tar, with no
 * privileged container, no loop device and no root: the tar is unpacked
 * into a folder, `mke2fs -d` copies it into a fresh ext2/3/4 file system,
 * then `debugfs` gives every entry its owner and mode from the tar and makes
 * its device files (which an unprivileged unpack cannot). A raw disk puts
 * that file system in the first partition of an MBR partition table; a
 * qcow2 one is that raw disk converted by `qemu-img` (qemu-utils).
 *
 * The programs (e2fsprogs) run with an argument vector, never through a
 * shell. */
#ifndef BERTH_DISKFS_H
#define BERTH_DISKFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

#define DISKFS_PART_START (1024 * 1024) /* the first partition's offset, aligned */

struct diskfs_opts {
    const char *fs;           /* ext2, ext3 or ext4 */
    long long size;           /* bytes of the file (the disk, for raw) */
    const char *label;        /* or NULL */
    bool raw;                 /* an MBR disk with one Linux partition */
    bool gpt;                 /* ... with a GPT partition table instead of an MBR */
    bool qcow2;               /* ... converted to qcow2 (qemu-img); raw must be set too */
    const char *work;         /* an empty folder for the unpacked tree */
};

/* Make out (which must not exist) from the tar in f (read from its start). */
/* (e2fsprogs and, for qcow2, qemu-img are found in PATH, /usr/sbin, /sbin.) */
int diskfs_make(FILE *tar, const char *out, const struct diskfs_opts *o, berr **err);

/* Pure, unit-tested: the MBR of a disk of `sectors` 512-byte sectors with
 * one bootable Linux (0x83) partition from DISKFS_PART_START to the end. */
void diskfs_mbr(uint8_t mbr[512], uint64_t sectors);

/* Pure, unit-tested: a GPT disk of `sectors` sectors with one Linux file
 * system partition from DISKFS_PART_START to diskfs_gpt_last(sectors): the
 * protective MBR, primary header and entries (sectors 0-33) in primary, the
 * backup entries and header (the last 33 sectors) in backup. */
void diskfs_gpt(uint8_t primary[34 * 512], uint8_t backup[33 * 512], uint64_t sectors,
                const uint8_t disk_guid[16], const uint8_t part_guid[16]);
uint64_t diskfs_gpt_last(uint64_t sectors);
uint32_t diskfs_crc32(const uint8_t *p, size_t n);

/* Pure, unit-tested: a debugfs request line quoting path, or NULL when the
 * path cannot be written in one (a '"' or a newline). */
char *diskfs_quote(const char *path);

/* Run argv (argv[0] looked up in PATH and in /sbin, /usr/sbin), its output
 * kept: a failure is an error with its last lines. */
int diskfs_run(const char *const *argv, berr **err);

#endif
