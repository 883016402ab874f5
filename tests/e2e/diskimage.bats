#!/usr/bin/env bats
# diskimage parts against the real engine (issue 16.2): the built-in flow
# makes an ext4 file (and a raw MBR disk) from an image's file system with
# owners, modes, symbolic links and device files kept, checked with
# `e2fsck -fn` and `debugfs`, with no privileged container; dockeroo's
# builder flow copies out the file its build script makes (privileged
# containers cannot start on the machines this runs on: `privileged` is
# passed to the engine, not exercised here). Outputs are
# written atomically, skipped when unchanged, removed by `down --rmi`
# unless keep, and a failure leaves nothing in the engine.
load helpers

IMG=berth-e2e-busybox
TUSER=bdisk${BATS_ROOT_PID:-$$}  # one per run: the suite runs two at once

setup_file() {
    export SOCK=${DOCKER_HOST#unix://}
    busybox_image "$IMG"
    # A builder image with mke2fs (the host's binary and its libraries).
    export TOOLS=berth-e2e-mke2fs
    if ! curl -sf --unix-socket "$SOCK" "http://e/images/$TOOLS/json" >/dev/null; then
        local root
        root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/tmp" "$root/sbin"
        cp /bin/busybox "$root/bin/"
        for a in sh mkdir cat ls dd; do ln -s busybox "$root/bin/$a"; done
        cp "$(command -v mke2fs)" "$root/sbin/mke2fs"
        for lib in $(ldd "$(command -v mke2fs)" | grep -o '/[^ ]*'); do
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
        tar -C "$root" -cf "$root.tar" .
        curl -sf --unix-socket "$SOCK" -X POST -H 'Content-Type: application/x-tar' \
            --data-binary @"$root.tar" "http://e/images/create?fromSrc=-&repo=$TOOLS&tag=latest" >/dev/null
        rm -rf "$root" "$root.tar"
    fi
}

teardown_file() {
    host_user_end "$TUSER"
}

setup() {
    export P=tdi$$x$BATS_TEST_NUMBER
    export D=$BATS_TEST_TMPDIR/p
    mkdir -p "$D/r/bin" "$D/r/dev" "$D/r/home/ann" "$D/r/etc"
    cp /bin/busybox "$D/r/bin/"
    ln -s busybox "$D/r/bin/sh"
    mknod "$D/r/dev/null" c 1 3
    chown 1234:99 "$D/r/home/ann"
    chmod 4755 "$D/r/bin/busybox"
    echo ann > "$D/r/etc/motd"
    chmod 600 "$D/r/etc/motd"
    tar -C "$D/r" -cf "$D/root.tar" .
    rm -rf "$D/r"
    cat > "$D/berth.ini" <<EOF
[project]
name = $P

[img]
recipe = bootstrap
archives = root.tar

[disk]
recipe = diskimage
image = \${img:image}
output = out/disk.img
size = 16M
label = rootfs

[raw]
recipe = diskimage
base-image = \${img:image}
output = out/raw.img
format = raw
size = 20M
EOF
}

teardown() {
    "$BERTH" -C "$D" --progress quiet down --rmi >/dev/null 2>&1 || true
}

leftovers() {
    curl -sf --unix-socket "$SOCK" "http://e/containers/json?all=1" | python3 -c '
import json, sys
print(len([c for c in json.load(sys.stdin) if (c["Labels"] or {}).get("berth.project") == sys.argv[1]]))' "$P"
}

@test "ext4 from an image: e2fsck passes, debugfs shows modes, owners, links, devices" {
    run "$BERTH" -C "$D" --progress plain up
    [ "$status" -eq 0 ]
    run e2fsck -fn "$D/out/disk.img"
    [ "$status" -eq 0 ]
    run debugfs -R 'ls -l /bin' "$D/out/disk.img"
    [[ "$output" == *"104755 (1)      0      0"*"busybox"* ]]
    [[ "$output" == *"120777 (7)"*" sh"* ]]
    run debugfs -R 'ls -l /home' "$D/out/disk.img"
    [[ "$output" == *"40755 (2)   1234     99"*"ann"* ]]
    run debugfs -R 'stat /dev/null' "$D/out/disk.img"
    [[ "$output" == *"Type: character special"* ]]
    [[ "$output" == *"Device major/minor number: 01:03"* ]]
    run debugfs -R 'ls -l /etc' "$D/out/disk.img"
    [[ "$output" == *"100600"*"motd"* ]]
    run debugfs -R 'cat /etc/motd' "$D/out/disk.img"
    [[ "$output" == *"ann"* ]]
    run dumpe2fs -h "$D/out/disk.img"
    [[ "$output" == *"Filesystem volume name:   rootfs"* ]]
    [ "$(stat -c %s "$D/out/disk.img")" = 16777216 ]
    [ "$(leftovers)" = 0 ]
}

@test "an image of hundreds of entries (busybox with every applet link): made, each entry's owner and mode set" {
    # debugfs echoes each of its requests: tens of KB of output, in which
    # berth must find a complaint anywhere, and take no cut line for one
    cat >> "$D/berth.ini" <<EOF
[many]
recipe = diskimage
base-image = $IMG
output = out/many.img
size = 16M
EOF
    run "$BERTH" -C "$D" --progress plain up many
    echo "$output"
    [ "$status" -eq 0 ]
    run e2fsck -fn "$D/out/many.img"
    [ "$status" -eq 0 ]
    run debugfs -R 'ls -l /bin' "$D/out/many.img"
    # every applet's link (all but busybox itself), owned by root
    [ "$(grep -c '120777 (7)      0      0' <<<"$output")" -eq "$(( $(/bin/busybox --list | wc -l) - 1 ))" ]
    [[ "$output" == *" wget"* ]]
}

@test "raw: an MBR with one Linux partition holding the file system" {
    "$BERTH" -C "$D" --progress quiet up raw
    [ "$(stat -c %s "$D/out/raw.img")" = 20971520 ]
    run python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(512)
boot, ptype, start, count = b[446], b[450], *struct.unpack("<II", b[454:462])
print(hex(boot), hex(ptype), start, count, b[510:512].hex())' "$D/out/raw.img"
    [ "$output" = "0x80 0x83 2048 38912 55aa" ]
    dd if="$D/out/raw.img" of="$BATS_TEST_TMPDIR/p1" bs=1M skip=1 status=none
    run e2fsck -fn "$BATS_TEST_TMPDIR/p1"
    [ "$status" -eq 0 ]
    run debugfs -R 'ls -l /home' "$BATS_TEST_TMPDIR/p1"
    [[ "$output" == *"1234     99"*"ann"* ]]
}

@test "skipped when unchanged; a changed input rewrites it, plan says why" {
    "$BERTH" -C "$D" --progress quiet up
    ino=$(stat -c %i "$D/out/disk.img")
    run "$BERTH" -C "$D" plan
    [[ "$output" == *"nothing to do"* ]]
    [[ "$output" == *"disk image $D/out/disk.img from $P/img"* ]]
    sed -i 's/^size = 16M/size = 24M/' "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [[ "$output" == *"write"*"diskimage disk"*"changed: size"* ]]
    "$BERTH" -C "$D" --progress quiet up
    [ "$(stat -c %s "$D/out/disk.img")" = 25165824 ]
    # Written under another name and renamed into place: a new file.
    [ "$(stat -c %i "$D/out/disk.img")" != "$ino" ]
    # Nothing else is left in the output's folder.
    [ "$(ls -A "$D/out" | sort | tr '\n' ' ')" = "disk.img raw.img " ]
}

@test "an output changed behind berth's back is written again, and not removed by down" {
    "$BERTH" -C "$D" --progress quiet up disk
    echo mine > "$D/out/disk.img"
    run "$BERTH" -C "$D" plan disk
    [[ "$output" == *"not the one berth wrote"* ]]
    "$BERTH" -C "$D" --progress quiet up disk
    run e2fsck -fn "$D/out/disk.img"
    [ "$status" -eq 0 ]
    echo mine > "$D/out/disk.img"
    "$BERTH" -C "$D" --progress quiet down --rmi
    [ "$(cat "$D/out/disk.img")" = mine ]
}

@test "down --rmi removes the output unless keep" {
    "$BERTH" -C "$D" --progress quiet up
    printf 'keep = true\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain down --rmi
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed disk image $D/out/disk.img"* ]]
    [ ! -e "$D/out/disk.img" ]
    [ -e "$D/out/raw.img" ]
}

@test "dockeroo's builder flow: the build script's image-file is copied out" {
    cat >> "$D/berth.ini" <<EOF

[built]
recipe = diskimage
build-image = $TOOLS
base-image = \${img:image}
build-root = /mnt
image-file = /tmp/disk.img
prepare-script = mkdir -p /mnt
build-script = /sbin/mke2fs -q -F -t ext4 -d /mnt /tmp/disk.img 16M
output = out/built.img
EOF
    run "$BERTH" -C "$D" --progress plain up built
    [ "$status" -eq 0 ]
    run e2fsck -fn "$D/out/built.img"
    [ "$status" -eq 0 ]
    run debugfs -R 'ls -l /home' "$D/out/built.img"
    [[ "$output" == *"1234     99"*"ann"* ]]
    run debugfs -R 'ls -l /bin' "$D/out/built.img"
    [[ "$output" == *"104755"*"busybox"* ]]
    [ "$(leftovers)" = 0 ]
    run "$BERTH" -C "$D" plan built
    [[ "$output" == *"nothing to do"* ]]
}

@test "a failing build script fails the part with its output and leaves nothing" {
    cat >> "$D/berth.ini" <<EOF

[built]
recipe = diskimage
build-image = $TOOLS
base-image = \${img:image}
image-file = /tmp/disk.img
prepare-script = mkdir -p /mnt
build-script = echo no-disk-today; exit 4
output = out/built.img
EOF
    run "$BERTH" -C "$D" --progress plain up built
    [ "$status" -eq 1 ]
    [[ "$output" == *"the script exited with 4"*"no-disk-today"* ]]
    [ ! -e "$D/out/built.img" ]
    [ "$(leftovers)" = 0 ]
    [ -z "$(ls -A "$D/out" 2>/dev/null)" ]
}

@test "raw with a GPT partition table: partx reads it, the partition holds the file system" {
    printf '\n[g]\nrecipe = diskimage\nimage = ${img:image}\noutput = out/g.img\nformat = raw\npartition-table = gpt\nsize = 20M\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up g
    [ "$status" -eq 0 ]
    run blkid -p "$D/out/g.img"
    [[ "$output" == *'PTTYPE="gpt"'* ]]
    run partx -g -s -o START,END,TYPE "$D/out/g.img"
    [ "$(echo $output)" = "2048 40926 0fc63daf-8483-4772-8e79-3d69d8477de4" ]
    # Both headers' CRCs, checked by another implementation (zlib's).
    run python3 -c '
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
for lba in (1, len(d) // 512 - 1):
    h = bytearray(d[lba * 512:lba * 512 + 92])
    crc = struct.unpack("<I", h[16:20])[0]
    h[16:20] = b"\0\0\0\0"
    ent = struct.unpack("<Q", h[72:80])[0]
    print(zlib.crc32(bytes(h)) == crc, zlib.crc32(d[ent * 512:ent * 512 + 16384]) == struct.unpack("<I", h[88:92])[0])
' "$D/out/g.img"
    [ "$output" = "True True
True True" ]
    dd if="$D/out/g.img" of="$BATS_TEST_TMPDIR/p1" bs=512 skip=2048 count=38879 status=none
    run e2fsck -fn "$BATS_TEST_TMPDIR/p1"
    [ "$status" -eq 0 ]
}

@test "qcow2: the raw disk converted by qemu-img" {
    command -v qemu-img >/dev/null || skip "qemu-img is not installed (qemu-utils)"
    printf '\n[q]\nrecipe = diskimage\nimage = ${img:image}\noutput = out/q.qcow2\nformat = qcow2\nsize = 20M\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up q
    [ "$status" -eq 0 ]
    run qemu-img info "$D/out/q.qcow2"
    [[ "$output" == *"file format: qcow2"* ]]
    [[ "$output" == *"virtual size: 20 MiB"* ]]
    qemu-img convert -f qcow2 -O raw "$D/out/q.qcow2" "$BATS_TEST_TMPDIR/q.raw"
    dd if="$BATS_TEST_TMPDIR/q.raw" of="$BATS_TEST_TMPDIR/p1" bs=1M skip=1 status=none
    run e2fsck -fn "$BATS_TEST_TMPDIR/p1"
    [ "$status" -eq 0 ]
}

@test "a key of the other flow is refused at its line, not ignored" {
    printf 'build-script = true\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:"*"build-script"*"needs 'build-image'"* ]]
    sed -i '$d' "$D/berth.ini"
    printf '[q]\nrecipe = diskimage\nimage = x\noutput = q.img\nbuild-image = x\nimage-file = /d\nsize = 1G\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"key 'size': is for berth's own flow"* ]]
    sed -i 's/^size = 1G$/fs = ext3/; s/^build-image = x$//; s/^image-file = \/d$//' "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"key 'fs': is for format = raw or qcow2"* ]]
}

@test "a non-root user makes the same image: owners, modes and devices kept" {
    host_user_begin "$TUSER"
    # The project in a folder of the user's own.
    local U
    U=$(su "$TUSER" -c 'mktemp -d /tmp/bdisk.XXXXXX')
    cp "$D/berth.ini" "$D/root.tar" "$U/"
    chown -R "$TUSER" "$U"
    D=$U
    run su "$TUSER" -c "cd $D && DOCKER_HOST=$DOCKER_HOST $BERTH --progress quiet up disk"
    cp "$D/out/disk.img" "$BATS_TEST_TMPDIR/u.img" 2>/dev/null || true
    local owner
    owner=$(stat -c %U "$D/out/disk.img" 2>/dev/null || true)
    "$BERTH" -C "$D" --progress quiet down --rmi >/dev/null 2>&1 || true
    rm -rf "$U"
    D=$BATS_TEST_TMPDIR/p
    [ "$status" -eq 0 ]
    [ "$owner" = "$TUSER" ]
    [ "$status" -eq 0 ]
    run e2fsck -fn "$BATS_TEST_TMPDIR/u.img"
    [ "$status" -eq 0 ]
    run debugfs -R 'ls -l /home' "$BATS_TEST_TMPDIR/u.img"
    [[ "$output" == *"40755 (2)   1234     99"*"ann"* ]]
    run debugfs -R 'ls -l /bin' "$BATS_TEST_TMPDIR/u.img"
    [[ "$output" == *"104755 (1)      0      0"*"busybox"* ]]
    run debugfs -R 'stat /dev/null' "$BATS_TEST_TMPDIR/u.img"
    [[ "$output" == *"Type: character special"* ]]
}

@test "an image's absolute links to host paths are never followed on the host: a host file keeps its mode" {
    # The image unpacks in a work folder on the host, removed after: its
    # links must not reach out (busybox --install -s /bin makes /bin/sh ->
    # /bin/busybox: the host's busybox was once made mode 700 so)
    victim=$BATS_TEST_TMPDIR/victim
    echo mine > "$victim"
    chmod 644 "$victim"
    mkdir -p "$D/r2/bin"
    cp /bin/busybox "$D/r2/bin/"
    ln -s "$victim" "$D/r2/bin/victim"
    tar -C "$D/r2" -cf "$D/root2.tar" .
    printf '%s\n' '[img2]' 'recipe = bootstrap' 'archives = root2.tar' '' '[disk2]' 'recipe = diskimage' \
        'image = ${img2:image}' 'output = out/disk2.img' 'size = 16M' >> "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up disk2
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(stat -c %a "$victim")" = 644 ]
    [ "$(cat "$victim")" = mine ]
    run debugfs -R 'stat /bin/victim' "$D/out/disk2.img"
    [[ "$output" == *"Fast link dest: \"$victim\""* ]]
}
