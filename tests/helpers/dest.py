#!/usr/bin/env python3
"""A destination server for the end-to-end tests.

    dest.py [--http | --once] [--log FILE] HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port) and prints the port it got
as the first line on stdout.  Every accepted connection is logged as

    CONN <peer-ip> <peer-port>

to FILE (default: stdout), so a test can tell who connected: the proxy's
outgoing address, or the client itself.

Echo mode (the default): each connection first receives
"PEER <ip> <port>\\n" and then gets back everything it sends.

With --once it echoes the first line only and then closes, so a client
that never half-closes (nc without -N) still ends; some proxies tear down
both directions when the client half-closes, which makes -N racy.

HTTP mode (--http): answers every GET or HEAD with a 200 whose body is
"PEER <ip> <port>\\nPATH <path>\\n"; the log line also carries the path:
"GET <path> <peer-ip> <peer-port>".
"""

import argparse
import socket
import sys
import threading


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.fh = open(path, "a", buffering=1) if path else sys.stdout

    def line(self, text):
        with self.lock:
            self.fh.write(text + "\n")
            self.fh.flush()


def peer_of(conn):
    addr = conn.getpeername()
    return addr[0], addr[1]


def serve_echo(conn, log, once=False):
    ip, port = peer_of(conn)
    log.line("CONN %s %d" % (ip, port))
    try:
        conn.sendall(("PEER %s %d\n" % (ip, port)).encode())
        seen = b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            if once:
                seen += data
                if b"\n" in seen:
                    conn.sendall(seen[:seen.index(b"\n") + 1])
                    break
                continue
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def read_request_head(conn):
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
        if len(data) > 65536:
            return None
    return data


def serve_http(conn, log):
    ip, port = peer_of(conn)
    log.line("CONN %s %d" % (ip, port))
    try:
        conn.settimeout(10)
        head = read_request_head(conn)
        if head is None:
            return
        first = head.split(b"\n", 1)[0].decode("latin-1").strip()
        parts = first.split()
        method = parts[0] if parts else "?"
        path = parts[1] if len(parts) > 1 else "/"
        log.line("%s %s %s %d" % (method, path, ip, port))
        body = ("PEER %s %d\nPATH %s\n" % (ip, port, path)).encode()
        head_out = (
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: %d\r\n"
            "Connection: close\r\n\r\n" % len(body)
        ).encode()
        conn.sendall(head_out if method == "HEAD" else head_out + body)
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", action="store_true")
    ap.add_argument("--once", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)

    log = Log(args.log)
    while True:
        conn, _ = srv.accept()
        if args.http:
            target, targs = serve_http, (conn, log)
        else:
            target, targs = serve_echo, (conn, log, args.once)
        threading.Thread(target=target, args=targs, daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
