#!/usr/bin/env python3
"""A pass-through proxy to the real engine that makes a race happen on
demand: before it forwards berth's `POST /containers/ID/ACTION` (ACTION one
of start, stop, kill), it does the same thing to the same container itself,
as another client racing berth would. The real engine then answers berth
304 Not Modified ("already started" / "already stopped"). Nothing is faked:
every answer berth sees comes from the real engine.

It can also kill at a chosen step, as a crash would: with ACTION
"kill-client:REGEX" it kills (SIGKILL) the client itself, found by the
socket's peer credentials, when a request line matches REGEX, and never
forwards that request; with "kill-pid:PIDFILE:REGEX" it kills the process
whose pid PIDFILE holds (a private dockerd) instead. Each kill happens once.

With ACTION "occupy-container:NAME:IMAGE" or "occupy-volume:NAME" it makes,
just before it forwards berth's first POST /containers/create (or
/volumes/create), a container of IMAGE (a volume) named NAME without any
label, as another client taking the name after berth looked would.

Every request line it forwards is logged as "request METHOD PATH".

Usage: race_proxy.py LISTEN_SOCKET ENGINE_SOCKET ACTION
"""
import json
import signal
import struct
import os
import re
import socket
import sys
import threading

REQLINE = re.compile(rb"((GET|POST|PUT|DELETE|HEAD) (/\S*) HTTP/1\.1)\r\n")  # line, method, path
REQ = re.compile(rb"^POST /v[0-9.]+/containers/([^/ ?]+)/(start|stop|kill)[? ]")



def engine_call(engine, method, path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(engine)
    s.sendall(b"%s %s HTTP/1.1\r\nHost: e\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              % (method, path))
    while s.recv(65536):
        pass
    s.close()


def engine_post(engine, path, body):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(engine)
    data = json.dumps(body).encode()
    s.sendall(b"POST %s HTTP/1.1\r\nHost: e\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (path, len(data), data))
    while s.recv(65536):
        pass
    s.close()


OCCUPY_LOCK = threading.Lock()
OCCUPIED = False              # the name is being (or was) taken
OCCUPY_DONE = threading.Event()  # ... and now it is


def occupy(engine, action, data):
    """The occupy-* actions: take the name before berth's first create.
    berth creates in parallel: a create of the same kind that comes on
    another connection while the name is being taken waits until it is, so
    berth's own create of that name cannot overtake the foreign one."""
    global OCCUPIED
    kind, _, rest = action.partition(b":")
    lines = [m.group(1) for m in REQLINE.finditer(data)] # (any of the chunk's: see crash)
    if kind == b"occupy-container":
        pattern = rb"^POST /v[0-9.]+/containers/create[? ]"
    elif kind == b"occupy-volume":
        pattern = rb"^POST /v[0-9.]+/volumes/create[? ]"
    else:
        return
    if not any(re.match(pattern, l + b" ") for l in lines):
        return
    with OCCUPY_LOCK:
        mine = not OCCUPIED
        OCCUPIED = True
    if not mine:
        OCCUPY_DONE.wait(30)
        return
    if kind == b"occupy-container":
        name, _, image = rest.partition(b":")
        engine_post(engine, b"/containers/create?name=" + name, {"Image": image.decode(), "Cmd": ["true"]})
    else:
        engine_post(engine, b"/volumes/create", {"Name": rest.decode()})
    with open(LOG, "a") as f:
        f.write("occupied %s\n" % rest.decode())
    OCCUPY_DONE.set()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


KILLED = threading.Event()


def crash(client, up, action, data):
    """The kill-* actions: True when this request is where to crash."""
    kind, _, rest = action.partition(b":")
    if kind == b"kill-client":
        pidfile, pattern = None, rest
    elif kind == b"kill-pid":
        pidfile, _, pattern = rest.partition(b":")
    else:
        return False
    # Any request line of the chunk: on a kept-alive connection a request
    # may come right after the last bytes of the previous one's body.
    at = None
    for m in REQLINE.finditer(data):
        if re.search(pattern, m.group(1)):
            at = m.start()
            break
    if KILLED.is_set() or at is None:
        return False
    KILLED.set()
    line = REQLINE.match(data, at).group(1)
    up.sendall(data[:at])  # what came before it goes on; the request does not
    if pidfile is None:
        cred = client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid = struct.unpack("3i", cred)[0]
    else:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    os.kill(pid, signal.SIGKILL)
    with open(LOG, "a") as f:
        f.write("killed %d at %s\n" % (pid, line.decode(errors="replace")))
    return True


def client_to_engine(client, up, engine, action):
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            if crash(client, up, action, data):
                break
            occupy(engine, action, data)
            for m in REQLINE.finditer(data):
                with open(LOG, "a") as f:
                    f.write("request %s %s\n" % (m.group(2).decode(), m.group(3).decode()))
            m = next(filter(None, (REQ.match(l.group(1) + b" ") for l in REQLINE.finditer(data))), None)
            if m and m.group(2) == action:
                # The racing client acts first (stop: at once, t=0).
                path = b"/containers/%s/%s" % (m.group(1), action)
                if action == b"stop":
                    path += b"?t=0"
                engine_call(engine, b"POST", path)
                with open(LOG, "a") as f:
                    f.write("raced %s %s\n" % (action.decode(), m.group(1).decode()))
            up.sendall(data)
    except OSError:
        pass
    for s in (client, up):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    listen, engine, action = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    global LOG
    LOG = listen + ".log"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen + ".tmp")
    os.rename(listen + ".tmp", listen)
    srv.listen(64)
    while True:
        client, _ = srv.accept()
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(engine)
        threading.Thread(target=pump, args=(up, client), daemon=True).start()
        threading.Thread(target=client_to_engine, args=(client, up, engine, action),
                         daemon=True).start()


if __name__ == "__main__":
    main()
