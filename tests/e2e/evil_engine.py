#!/usr/bin/env python3
"""An engine whose one container serves hostile archives, which a real engine
never produces (its file systems cannot hold '..' names or files below a
symbolic link). Usage: evil_engine.py SOCKET PROJECT OUTSIDE

The container is PROJECT's web:main. GET /containers/evil/archive?path=/NAME
answers a tar whose top folder is NAME, holding the case NAME names; OUTSIDE
is a folder outside the copy's destination that the cases aim at.
"""
import base64
import io
import json
import os
import socket
import sys
import tarfile
import threading
import urllib.parse


def cases(outside):
    def f(name, data=b"pwned\n"):
        t = tarfile.TarInfo(name)
        t.size = len(data)
        return t, data

    def link(name, kind, target):
        t = tarfile.TarInfo(name)
        t.type = kind
        t.linkname = target
        return t, None

    def dev(name):
        t = tarfile.TarInfo(name)
        t.type = tarfile.CHRTYPE
        t.devmajor, t.devminor = 1, 3
        return t, None

    return {
        "dotdot": [f("dotdot/ok"), f("dotdot/../../escaped-dotdot")],
        "absolute": [f("absolute/ok"), f(outside + "/escaped-absolute")],
        # a link out, then a file through it
        "symlink": [link("symlink/l", tarfile.SYMTYPE, outside), f("symlink/l/escaped-symlink")],
        "relsymlink": [link("relsymlink/l", tarfile.SYMTYPE, "../../outside"),
                       f("relsymlink/l/escaped-relsymlink")],
        "hardlink": [link("hardlink/h", tarfile.LNKTYPE, outside + "/target")],
        "relhardlink": [link("relhardlink/h", tarfile.LNKTYPE, "relhardlink/../../outside/target")],
        "device": [dev("device/null")],
    }


def make_tar(name, outside):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        top = tarfile.TarInfo(name)
        top.type = tarfile.DIRTYPE
        top.mode = 0o755
        tar.addfile(top)
        for info, data in cases(outside)[name]:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def answer(conn, status, headers, body=b""):
    head = "HTTP/1.1 %s\r\nApi-Version: 1.41\r\nContent-Length: %d\r\n" % (status, len(body))
    for k, v in headers.items():
        head += "%s: %s\r\n" % (k, v)
    conn.sendall(head.encode() + b"\r\n" + body)


def serve(conn, project, outside):
    try:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, data = data.split(b"\r\n\r\n", 1)
            method, target = head.split(b" ")[:2]
            url = urllib.parse.urlparse(target.decode())
            query = urllib.parse.parse_qs(url.query)
            path = url.path
            if path == "/_ping":
                answer(conn, "200 OK", {}, b"OK")
            elif path.endswith("/containers/json"):
                body = json.dumps([{
                    "Id": "evil", "Names": ["/%s-web-main" % project], "State": "running",
                    "Labels": {"berth.project": project, "berth.part": "web",
                               "berth.instance": "main", "berth.kind": "container"}}])
                answer(conn, "200 OK", {"Content-Type": "application/json"}, body.encode())
            elif path.endswith("/containers/evil/archive"):
                name = query.get("path", ["/"])[0].strip("/")
                if name not in cases(outside):
                    answer(conn, "404 Not Found", {"Content-Type": "application/json"},
                           b'{"message": "no such case"}')
                    continue
                stat = json.dumps({"name": name, "size": 4096, "mode": 2147484141,
                                   "mtime": "2024-05-01T10:00:00Z", "linkTarget": ""})
                hdr = {"X-Docker-Container-Path-Stat": base64.b64encode(stat.encode()).decode()}
                if method == b"HEAD":
                    conn.sendall(("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
                                  "X-Docker-Container-Path-Stat: %s\r\n"
                                  "Content-Length: 0\r\n\r\n" % hdr["X-Docker-Container-Path-Stat"]).encode())
                else:
                    hdr["Content-Type"] = "application/x-tar"
                    answer(conn, "200 OK", hdr, make_tar(name, outside))
            else:
                answer(conn, "404 Not Found", {"Content-Type": "application/json"},
                       b'{"message": "not faked"}')
    except OSError:
        pass
    finally:
        conn.close()


def main():
    sock, project, outside = sys.argv[1:4]
    if os.path.exists(sock):
        os.unlink(sock)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock)
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, project, outside), daemon=True).start()


if __name__ == "__main__":
    main()
