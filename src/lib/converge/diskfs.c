#include "converge/diskfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "transfer/tarball.h"

#define OUTPUT_KEEP 4096 /* bytes of a program's output kept for its error */

/* ---- running e2fsprogs ---- */

static void exec_tool(const char *const *argv)
{
    execvp(argv[0], (char *const *)argv);
    /* e2fsprogs live in sbin, which a user's PATH may lack. */
    static const char *const dirs[] = {"/usr/sbin/", "/sbin/"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs) && !strchr(argv[0], '/'); i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", dirs[i], argv[0]);
        execv(path, (char *const *)argv);
    }
}

/* Each whole line of a program's output, as it comes, without its newline
 * (NUL-terminated). */
typedef void line_fn(void *ud, const char *line, size_t n);

/* The longest line handed on whole; a longer one goes on in pieces. */
#define LINE_MAX_LEN 65536

static void each_line(strbuf *partial, const char *data, size_t n, bool end, line_fn *fn,
                      void *ud)
{
    sb_add(partial, data, n);
    size_t start = 0;
    for (size_t i = 0; i < partial->len; i++) {
        if (partial->buf[i] != '\n' && i - start < LINE_MAX_LEN)
            continue;
        char keep = partial->buf[i];
        partial->buf[i] = '\0';
        fn(ud, partial->buf + start, i - start);
        partial->buf[i] = keep;
        start = i + (keep == '\n');
    }
    if (end && start < partial->len)
        fn(ud, partial->buf + start, partial->len - start);
    sb_consume(partial, end ? partial->len : start);
}

/* Run argv; its output's last OUTPUT_KEEP bytes in *out when out is set,
 * and every line of it through each when each is set (the kept tail may
 * start within a line; each sees them whole). */
static int run_capture(const char *const *argv, strbuf *kept, line_fn *each, void *each_ud,
                       berr **err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "%s", argv[0]);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return berr_errno(err, BERR_FAILURE, errno, "%s", argv[0]);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        exec_tool(argv);
        dprintf(1, "berth-exec-failed %d", errno);
        _exit(127);
    }
    close(fds[1]);
    strbuf out = STRBUF_INIT, partial = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (each)
            each_line(&partial, buf, (size_t)n, false, each, each_ud);
        sb_add(&out, buf, (size_t)n);
        if (out.len > 2 * OUTPUT_KEEP)
            sb_consume(&out, out.len - OUTPUT_KEEP);
    }
    if (each)
        each_line(&partial, "", 0, true, each, each_ud);
    sb_release(&partial);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = 0;
    int e = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 &&
        sscanf(out.buf ? out.buf : "", "berth-exec-failed %d", &e) == 1)
        rc = berr_errno(err, BERR_NOTFOUND, e, "cannot run %s (install %s)", argv[0],
                        streq(argv[0], "qemu-img") ? "qemu-utils" : "e2fsprogs");
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = berr_set(err, BERR_FAILURE, "%s failed (%s %d): %s", argv[0],
                      WIFEXITED(status) ? "exit code" : "signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                      out.len ? out.buf : "no output");
    if (kept && rc == 0)
        sb_add(kept, out.buf ? out.buf : "", out.len);
    sb_release(&out);
    return rc;
}

int diskfs_run(const char *const *argv, berr **err)
{
    return run_capture(argv, NULL, NULL, NULL, err);
}

/* debugfs exits 0 when a request fails: its echo lines start with
 * "debugfs"; any other line is a request's complaint. Every line is looked
 * at, as it comes: an image of many files makes tens of KB of echoes. */
static void debugfs_line(void *ud, const char *line, size_t n)
{
    char **first = ud;
    if (!*first && n && !starts_with(line, "debugfs") && !starts_with(line, "Allocated inode"))
        *first = xstrndup(line, n);
}

static int debugfs_run(const char *script, const char *fsfile, berr **err)
{
    const char *argv[] = {"debugfs", "-w", "-f", script, fsfile, NULL};
    char *complaint = NULL;
    int rc = run_capture(argv, NULL, debugfs_line, &complaint, err);
    if (rc == 0 && complaint)
        rc = berr_set(err, BERR_FAILURE, "debugfs: %s", complaint);
    free(complaint);
    return rc;
}

/* ---- the tree, and what an unprivileged unpack loses ---- */

struct fixup {
    char *path; /* "/bin/busybox" */
    unsigned uid, gid, mode; /* mode: type and permission bits */
    unsigned type;           /* AE_IF* */
    unsigned major, minor;
};

struct fixups {
    struct fixup *v;
    size_t n, cap;
};

static void fixups_free(struct fixups *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].path);
    free(f->v);
}

char *diskfs_quote(const char *path)
{
    if (strpbrk(path, "\"\n\r"))
        return NULL;
    return xasprintf("\"%s\"", path);
}

/* Unpack tar into dir: regular files, folders, symbolic and hard links, with
 * room for the unpacking user to write (every mode is set again later);
 * every entry recorded in f. Names leaving dir are refused. */
static int unpack(FILE *tar, const char *dir, struct fixups *f, berr **err)
{
    struct archive *r = archive_read_new();
    archive_read_support_format_tar(r);
    struct archive *w = archive_write_disk_new();
    /* Names are cleaned (tar_clean_name) and then made absolute below dir. */
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    int rc = 0;
    if (archive_read_open_FILE(r, tar) != ARCHIVE_OK)
        rc = berr_set(err, BERR_FAILURE, "read the image's file system: %s",
                      archive_error_string(r));
    struct archive_entry *e;
    while (rc == 0) {
        int h = archive_read_next_header(r, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
            rc = berr_set(err, BERR_FAILURE, "read the image's file system: %s",
                          archive_error_string(r));
            break;
        }
        cleanup_free char *name = tar_clean_name(archive_entry_pathname(e));
        if (!name) {
            rc = berr_set(err, BERR_FAILURE, "the image's file system has an entry '%s' outside "
                          "its root", archive_entry_pathname(e));
            break;
        }
        if (!*name || streq(name, ".dockerenv"))
            continue; /* the root: mke2fs makes it (root_owner); the engine's marker */
        unsigned type = archive_entry_filetype(e);
        if (f->n == f->cap) {
            f->cap = f->cap ? 2 * f->cap : 256;
            f->v = xrealloc(f->v, f->cap * sizeof *f->v);
        }
        const char *hl = archive_entry_hardlink(e);
        f->v[f->n++] = (struct fixup){
            .path = xasprintf("/%s", name), .uid = (unsigned)archive_entry_uid(e),
            .gid = (unsigned)archive_entry_gid(e), .mode = archive_entry_mode(e),
            .type = hl ? AE_IFREG : type, .major = (unsigned)archive_entry_rdevmajor(e),
            .minor = (unsigned)archive_entry_rdevminor(e)};
        if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
            continue; /* devices, fifos: made by debugfs */
        cleanup_free char *full = xasprintf("%s/%s", dir, name);
        archive_entry_set_pathname(e, full);
        if (hl) {
            cleanup_free char *hn = tar_clean_name(hl);
            if (!hn || !*hn) {
                rc = berr_set(err, BERR_FAILURE, "hard link '%s' leaves the root", name);
                break;
            }
            cleanup_free char *hfull = xasprintf("%s/%s", dir, hn);
            archive_entry_set_hardlink(e, hfull);
        }
        if (type == AE_IFDIR)
            archive_entry_set_perm(e, 0755);
        else if (type == AE_IFREG)
            archive_entry_set_perm(e, (archive_entry_perm(e) & 0777) | 0600);
        if (archive_write_header(w, e) != ARCHIVE_OK) {
            rc = berr_set(err, BERR_FAILURE, "unpack %s: %s", name, archive_error_string(w));
            break;
        }
        const void *buf;
        size_t len;
        la_int64_t off;
        int d;
        while ((d = archive_read_data_block(r, &buf, &len, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK) {
                d = ARCHIVE_FATAL;
                break;
            }
        if (d != ARCHIVE_EOF) {
            rc = berr_set(err, BERR_FAILURE, "unpack %s: %s", name,
                          archive_error_string(w) ? archive_error_string(w)
                                                  : archive_error_string(r));
            break;
        }
    }
    if (archive_write_close(w) != ARCHIVE_OK && rc == 0)
        rc = berr_set(err, BERR_FAILURE, "unpack: %s", archive_error_string(w));
    archive_write_free(w);
    archive_read_free(r);
    return rc;
}

/* The debugfs requests that give each entry its tar owner and mode. */
static int fixup_script(const struct fixups *f, const char *path, berr **err)
{
    FILE *s = fopen(path, "w");
    if (!s)
        return berr_errno(err, BERR_FAILURE, errno, "%s", path);
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        const struct fixup *x = &f->v[i];
        cleanup_free char *q = diskfs_quote(x->path);
        if (!q) {
            rc = berr_set(err, BERR_FAILURE, "the image has a file whose name debugfs cannot "
                          "take (a '\"' or a newline): %s", x->path);
            break;
        }
        /* mknod takes a name in the current folder. */
        const char *base = strrchr(x->path, '/') + 1;
        cleanup_free char *parent = x->path == base - 1 ? xstrdup("/")
                                                        : xstrndup(x->path, (size_t)(base - 1 - x->path));
        cleanup_free char *qp = diskfs_quote(parent), *qb = diskfs_quote(base);
        if (x->type == AE_IFCHR || x->type == AE_IFBLK)
            fprintf(s, "cd %s\nmknod %s %c %u %u\n", qp, qb, x->type == AE_IFCHR ? 'c' : 'b',
                    x->major, x->minor);
        else if (x->type == AE_IFIFO)
            fprintf(s, "cd %s\nmknod %s p\n", qp, qb);
        else if (x->type == AE_IFSOCK)
            continue;
        fprintf(s, "sif %s uid %u\nsif %s gid %u\nsif %s mode 0%o\n", q, x->uid, q, x->gid, q,
                x->mode);
    }
    if (fclose(s) != 0 && rc == 0)
        rc = berr_errno(err, BERR_FAILURE, errno, "%s", path);
    return rc;
}

/* ---- the disk ---- */

void diskfs_mbr(uint8_t mbr[512], uint64_t sectors)
{
    memset(mbr, 0, 512);
    uint64_t first = DISKFS_PART_START / 512;
    uint64_t count = sectors > first ? sectors - first : 0;
    if (count > 0xFFFFFFFFu)
        count = 0xFFFFFFFFu;
    uint8_t *e = mbr + 446;
    e[0] = 0x80;                       /* bootable */
    e[1] = 0xFE, e[2] = 0xFF, e[3] = 0xFF; /* CHS: beyond what CHS can say */
    e[4] = 0x83;                       /* Linux */
    e[5] = 0xFE, e[6] = 0xFF, e[7] = 0xFF;
    for (int i = 0; i < 4; i++) {
        e[8 + i] = (uint8_t)(first >> (8 * i));
        e[12 + i] = (uint8_t)(count >> (8 * i));
    }
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
}

/* CRC-32 (IEEE 802.3, as GPT and zlib use it). */
uint32_t diskfs_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t diskfs_gpt_last(uint64_t sectors)
{
    return sectors - 34; /* the backup entries (32 sectors) and header follow */
}

/* One GPT header at lba, its entries at entries_lba, the other header at alt. */
static void gpt_header(uint8_t *h, uint64_t sectors, uint64_t lba, uint64_t alt,
                       uint64_t entries_lba, const uint8_t disk_guid[16], uint32_t entries_crc)
{
    memset(h, 0, 512);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, lba);
    put64(h + 32, alt);
    put64(h + 40, 34);
    put64(h + 48, diskfs_gpt_last(sectors));
    memcpy(h + 56, disk_guid, 16);
    put64(h + 72, entries_lba);
    put32(h + 80, 128);
    put32(h + 84, 128);
    put32(h + 88, entries_crc);
    put32(h + 16, diskfs_crc32(h, 92));
}

void diskfs_gpt(uint8_t primary[34 * 512], uint8_t backup[33 * 512], uint64_t sectors,
                const uint8_t disk_guid[16], const uint8_t part_guid[16])
{
    /* Linux file system data: 0FC63DAF-8483-4772-8E79-3D69D8477DE4, mixed endian. */
    static const uint8_t linux_fs[16] = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
                                         0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};
    memset(primary, 0, 34 * 512);
    /* A protective MBR: one partition of type 0xEE over the whole disk. */
    uint8_t *m = primary, *e = m + 446;
    uint64_t count = sectors - 1 > 0xFFFFFFFFu ? 0xFFFFFFFFu : sectors - 1;
    e[2] = 0x02;
    e[4] = 0xEE;
    e[5] = 0xFF, e[6] = 0xFF, e[7] = 0xFF;
    put32(e + 8, 1);
    put32(e + 12, (uint32_t)count);
    m[510] = 0x55;
    m[511] = 0xAA;
    uint8_t *entries = primary + 2 * 512;
    memcpy(entries, linux_fs, 16);
    memcpy(entries + 16, part_guid, 16);
    put64(entries + 32, DISKFS_PART_START / 512);
    put64(entries + 40, diskfs_gpt_last(sectors));
    static const char name[] = "rootfs"; /* UTF-16LE */
    for (size_t i = 0; i < sizeof name - 1; i++)
        entries[56 + 2 * i] = (uint8_t)name[i];
    uint32_t ecrc = diskfs_crc32(entries, 128 * 128);
    gpt_header(primary + 512, sectors, 1, sectors - 1, 2, disk_guid, ecrc);
    memcpy(backup, entries, 32 * 512);
    gpt_header(backup + 32 * 512, sectors, sectors - 1, 1, sectors - 33, disk_guid, ecrc);
}

/* Copy the file system into the disk at the partition's offset. */
static int write_raw(const char *fsfile, const char *out, long long size, bool gpt, berr **err)
{
    cleanup_close int in = open(fsfile, O_RDONLY | O_CLOEXEC);
    cleanup_close int o = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (in < 0 || o < 0)
        return berr_errno(err, BERR_FAILURE, errno, "%s", in < 0 ? fsfile : out);
    uint64_t sectors = (uint64_t)size / 512;
    if (ftruncate(o, size) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "%s", out);
    if (gpt) {
        uint8_t guids[32];
        if (getrandom(guids, sizeof guids, 0) != (ssize_t)sizeof guids)
            return berr_errno(err, BERR_FAILURE, errno, "random GUIDs");
        for (int g = 0; g < 2; g++) { /* version 4, variant 1 */
            guids[16 * g + 7] = (uint8_t)((guids[16 * g + 7] & 0x0F) | 0x40);
            guids[16 * g + 8] = (uint8_t)((guids[16 * g + 8] & 0x3F) | 0x80);
        }
        uint8_t *primary = xmalloc(34 * 512), *backup = xmalloc(33 * 512);
        diskfs_gpt(primary, backup, sectors, guids, guids + 16);
        bool ok = pwrite(o, primary, 34 * 512, 0) == 34 * 512 &&
                  pwrite(o, backup, 33 * 512, (off_t)(sectors - 33) * 512) == 33 * 512;
        free(primary);
        free(backup);
        if (!ok)
            return berr_errno(err, BERR_FAILURE, errno, "%s", out);
    } else {
        uint8_t mbr[512];
        diskfs_mbr(mbr, sectors);
        if (pwrite(o, mbr, sizeof mbr, 0) != (ssize_t)sizeof mbr)
            return berr_errno(err, BERR_FAILURE, errno, "%s", out);
    }
    static char buf[1 << 16];
    off_t at = DISKFS_PART_START;
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (pwrite(o, buf, (size_t)n, at) != n)
            return berr_errno(err, BERR_FAILURE, errno, "%s", out);
        at += n;
    }
    if (n < 0 || fsync(o) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "%s", out);
    return 0;
}

int diskfs_make(FILE *tar, const char *out, const struct diskfs_opts *o, berr **err)
{
    long long fs_bytes = !o->raw ? o->size
                         : o->gpt ? (long long)(diskfs_gpt_last((uint64_t)o->size / 512) + 1) * 512 -
                                        DISKFS_PART_START
                                  : o->size - DISKFS_PART_START;
    fs_bytes &= ~4095LL; /* whole blocks */
    if (fs_bytes < 1024 * 1024)
        return berr_set(err, BERR_PROJECT, "size %lld bytes is too small for a disk image "
                        "(at least %s)", o->size, o->raw ? "2M" : "1M");
    struct fixups f = {0};
    cleanup_free char *root = xasprintf("%s/root", o->work);
    cleanup_free char *script = xasprintf("%s/fixup.debugfs", o->work);
    cleanup_free char *fsfile = o->raw || o->qcow2 ? xasprintf("%s/fs.img", o->work) : xstrdup(out);
    cleanup_free char *kib = xasprintf("%lldk", fs_bytes / 1024);
    cleanup_free char *opts = xstrdup("root_owner=0:0");
    int rc = mkdir(root, 0700) < 0 ? berr_errno(err, BERR_FAILURE, errno, "%s", root) : 0;
    if (rc == 0)
        rc = unpack(tar, root, &f, err);
    if (rc == 0) {
        int fd = open(fsfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || ftruncate(fd, fs_bytes) < 0)
            rc = berr_errno(err, BERR_FAILURE, errno, "%s", fsfile);
        if (fd >= 0)
            close(fd);
    }
    if (rc == 0) {
        const char *argv[16];
        int n = 0;
        argv[n++] = "mke2fs";
        argv[n++] = "-q";
        argv[n++] = "-F";
        argv[n++] = "-t";
        argv[n++] = o->fs;
        argv[n++] = "-E";
        argv[n++] = opts;
        argv[n++] = "-d";
        argv[n++] = root;
        if (o->label) {
            argv[n++] = "-L";
            argv[n++] = o->label;
        }
        argv[n++] = fsfile;
        argv[n++] = kib;
        argv[n] = NULL;
        rc = diskfs_run(argv, err);
    }
    if (rc == 0)
        rc = fixup_script(&f, script, err);
    if (rc == 0)
        rc = debugfs_run(script, fsfile, err);
    cleanup_free char *disk = o->qcow2 ? xasprintf("%s/disk.raw", o->work) : xstrdup(out);
    if (rc == 0 && o->raw)
        rc = write_raw(fsfile, disk, o->size, o->gpt, err);
    if (rc == 0 && o->qcow2) {
        const char *argv[] = {"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", disk, out,
                              NULL};
        rc = diskfs_run(argv, err);
    }
    fixups_free(&f);
    return rc;
}
