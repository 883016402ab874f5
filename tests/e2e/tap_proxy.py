#!/usr/bin/env python3
"""A pass-through proxy to the real engine that writes down each request
line a client sends ("GET /v1.41/containers/ID/json"), one a line, to LOG.
Nothing is changed or faked: every byte goes through both ways. For tests
that count the calls berth makes (how often it looks at a container while
it waits for it).

With CUT_AFTER (seconds), the first connection that asks for the engine's
event stream (GET .../events) is cut, both ways, that long after it was
asked, as an engine restart or a proxy's idle timeout would cut it.

With HOLD_EXEC (seconds, from the environment), the first request that
makes an exec in a container is held that long before it goes on, as a
slow machine would hold it: the container may stop in between.

Usage: tap_proxy.py LISTEN_SOCKET ENGINE_SOCKET LOG [CUT_AFTER]
Exits on SIGTERM.
"""
import os
import re
import signal
import socket
import sys
import threading

# Anywhere in the stream: a request that follows a body on a kept-alive
# connection comes right after the body's last byte, with no CRLF between.
REQ = re.compile(rb"((?:GET|POST|PUT|DELETE|HEAD) /\S* HTTP/1\.1)\r\n")
lock = threading.Lock()
cut_after = None  # seconds, or None
cut_done = False
hold_exec = float(os.environ.get("HOLD_EXEC", "0"))
EXEC = re.compile(rb"POST /\S*/containers/[^/\s]+/exec HTTP/1\.1")


def cut_later(a, b):
    def cut():
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    threading.Timer(cut_after, cut).start()


def pump(src, dst, log=None):
    global cut_done, hold_exec
    carry = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if log is not None and hold_exec and EXEC.search(data):
                held, hold_exec = hold_exec, 0
                threading.Event().wait(held)
            dst.sendall(data)
            if log is not None:
                buf = carry + data
                last = 0
                for m in REQ.finditer(buf):
                    with lock:
                        if cut_after is not None and not cut_done and b"/events" in m.group(1):
                            cut_done = True
                            cut_later(src, dst)
                        log.write(m.group(1).decode("latin-1") + "\n")
                        log.flush()
                    last = m.end()
                # a request line cut by a read boundary is seen with the next read
                carry = buf[max(last, len(buf) - 300):]
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, target, log):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(target)
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream, log), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


def main():
    global cut_after
    listen, target, logpath = sys.argv[1:4]
    if len(sys.argv) > 4:
        cut_after = float(sys.argv[4])
    log = open(logpath, "a")
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if os.path.exists(listen):
        os.unlink(listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen + ".tmp")
    srv.listen(64)
    os.rename(listen + ".tmp", listen)  # appears only once it listens
    while True:
        client, _ = srv.accept()
        serve(client, target, log)


if __name__ == "__main__":
    main()
