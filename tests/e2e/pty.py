#!/usr/bin/env python3
"""Drive a command through a pseudo-terminal, as a user at a terminal would.

usage: pty.py [--rows R] [--cols C] [--timeout S] STEP... -- COMMAND [ARG...]

Steps, in order:
  expect:REGEX    wait until the output since the last match matches REGEX
  send:TEXT       type TEXT (Python escapes: \\r Enter, \\x03 Ctrl-C, \\x04 Ctrl-D)
  resize:RxC      set the window size (the kernel sends SIGWINCH)
  signal:NAME     send signal NAME (TERM, INT, HUP...) to the command
  sleep:SECONDS   wait

Cursor-position queries (ESC [6n) are answered as a terminal would.
Then waits for the command to end. Prints everything it wrote (CR removed),
then a last line "[pty] exit=N restored=yes|no": its exit status (128+N when
a signal killed it) and whether the terminal's settings are what they were
before it started (a program that puts the terminal in raw mode must put it
back). Exits 0, or 1 when an expect or the whole run timed out (the output
so far is printed, then "[pty] timeout: ...").
"""
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main(argv):
    rows, cols, timeout = 24, 80, 30.0
    args = argv[1:]
    while args and args[0] in ("--rows", "--cols", "--timeout"):
        opt, val, args = args[0], args[1], args[2:]
        if opt == "--rows":
            rows = int(val)
        elif opt == "--cols":
            cols = int(val)
        else:
            timeout = float(val)
    if "--" not in args:
        sys.exit("usage: pty.py [--rows R] [--cols C] [--timeout S] STEP... -- COMMAND...")
    i = args.index("--")
    steps, cmd = args[:i], args[i + 1:]

    master, slave = os.openpty()
    set_size(slave, rows, cols)
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = bytearray()
    seen = 0  # expects search after the last match
    deadline = time.monotonic() + timeout
    status = None

    def pump(wait):
        nonlocal status
        r, _, _ = select.select([master], [], [], wait)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            out.extend(data)
            # Answer cursor-position queries as a terminal does (busybox's
            # line editor asks, and waits a while for the answer).
            for _ in range(data.count(b"\x1b[6n")):
                os.write(master, b"\x1b[1;1R")
        if status is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                status = st

    def fail(why):
        sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
        sys.stdout.write("\n[pty] timeout: %s\n" % why)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sys.exit(1)

    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "expect":
            rx = re.compile(arg.encode())
            while True:
                m = rx.search(out, seen)
                if m:
                    seen = m.end()
                    break
                if time.monotonic() > deadline:
                    fail("no %r in the output" % arg)
                if status is not None:
                    pump(0.05)
                    if not rx.search(out, seen):
                        fail("the command ended before %r" % arg)
                pump(0.05)
        elif kind == "send":
            os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "resize":
            r, c = arg.split("x")
            set_size(master, int(r), int(c))
        elif kind == "signal":
            os.kill(pid, getattr(signal, "SIG" + arg))
        elif kind == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                pump(0.02)
        else:
            sys.exit("pty.py: unknown step %r" % step)

    while status is None:
        if time.monotonic() > deadline:
            fail("the command did not end")
        pump(0.05)
    # What it wrote last, still in the terminal.
    while True:
        r, _, _ = select.select([master], [], [], 0.05)
        if not r:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out.extend(data)
    after = termios.tcgetattr(slave)
    code = os.waitstatus_to_exitcode(status)
    code = 128 - code if code < 0 else code
    sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
    sys.stdout.write("\n[pty] exit=%d restored=%s\n" % (code, "yes" if after == before else "no"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
