#!/usr/bin/env python3
"""A misbehaving engine on a unix socket, for faults the real engine cannot
produce on demand. Usage: fake_engine.py SOCKET MODE

  garbage    answers every connection with bytes that are not HTTP
  hang       accepts connections and never answers
  huge       /_ping answers; every other request gets a 70 MiB JSON body
  notjson    /_ping answers; every other request gets 200 with a non-JSON body
  wrongshape /_ping answers; every other request gets 200 with a JSON array
  cutoff     /_ping answers; every other request is cut off mid-body
  noversion  /_ping answers 200 without an Api-Version header
  escapes    /_ping answers; every other request gets a 500 whose JSON message
             holds terminal escape sequences and 10 MB of text
  rawescapes /_ping answers; every other request gets a 500 whose body is not
             JSON and holds terminal escape sequences
  nomessage  /_ping answers; every other request gets a 500 with an empty body
"""
import json
import os
import socket
import sys
import threading
import time

PING = (b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 2\r\n\r\nOK")


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data.split(b" ", 2)[1] if b" " in data else b""


def respond(conn, mode, path):
    if mode == "noversion":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        return True
    if path == b"/_ping":
        conn.sendall(PING)
        return True
    if mode == "huge":
        size = 70 << 20
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % size)
        block = b" " * (1 << 20)
        for _ in range(70):
            conn.sendall(block)
    elif mode == "notjson":
        body = b"<html>this is not the engine</html>"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    elif mode == "wrongshape":
        body = b"[1, 2, 3]"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    elif mode == "escapes":
        msg = "\x1b]0;pwned\x07\x1b[2J\x1b[31mboom\x1b[0m\r\n" + "A" * (10 << 20) + "TAIL"
        body = json.dumps({"message": msg}).encode()
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    elif mode == "rawescapes":
        body = b"\x1b[2J\x1b[31mnot json\x1b[0m\x00 \x9b31m"
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
    elif mode == "nomessage":
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    elif mode == "cutoff":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"Version\": ")
        return False
    return True


def serve(conn, mode):
    try:
        if mode == "garbage":
            conn.recv(65536)
            conn.sendall(b"\x00\x01\x02 this is not HTTP at all\r\n\r\n")
            return
        if mode == "hang":
            time.sleep(3600)
            return
        while True:
            path = read_request(conn)
            if path is None or not respond(conn, mode, path):
                return
    except OSError:
        pass
    finally:
        conn.close()


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
