#!/usr/bin/env python3
"""A small SOCKS5 server that behaves like Tor's SocksPort where it matters
for stream isolation and onion-service errors, without any network.

    torlike.py [--log FILE] HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port) and prints the port as the
first line on stdout.  Like Tor it takes "no authentication" (X'00') and
"username/password" (X'02'), choosing X'02' whenever the client offers it,
and accepts any user name and password (RFC 1929 status 0).  It logs, per
connection, to FILE (default stdout):

    AUTH <user> <password>     (or "NOAUTH")
    CONNECT <host> <port>

A CONNECT to a name "f0.onion" ... "f7.onion" (any labels before them
too) is answered with Tor's extended reply code X'F0' ... X'F7' and closed.
Any other CONNECT succeeds: the server plays the destination, sending
"PEER torlike\\n" and echoing what it gets.
"""

import argparse
import socket
import struct
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


def take(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError()
        data += chunk
    return data


def reply(sock, rep):
    sock.sendall(bytes([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]))


def serve(sock, log):
    try:
        ver, nmethods = take(sock, 2)
        methods = take(sock, nmethods)
        if ver != 5:
            return
        if 2 in methods:
            sock.sendall(b"\x05\x02")
            _, ulen = take(sock, 2)
            user = take(sock, ulen).decode("latin-1")
            (plen,) = take(sock, 1)
            password = take(sock, plen).decode("latin-1")
            log.line("AUTH %s %s" % (user, password))
            sock.sendall(b"\x01\x00")
        elif 0 in methods:
            sock.sendall(b"\x05\x00")
            log.line("NOAUTH")
        else:
            sock.sendall(b"\x05\xff")
            return
        _, cmd, _, atyp = take(sock, 4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, take(sock, 4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, take(sock, 16))
        elif atyp == 3:
            (n,) = take(sock, 1)
            host = take(sock, n).decode("latin-1")
        else:
            reply(sock, 8)
            return
        (port,) = struct.unpack("!H", take(sock, 2))
        log.line("CONNECT %s %d" % (host, port))
        if cmd != 1:
            reply(sock, 7)
            return
        labels = host.lower().split(".")
        if len(labels) >= 2 and labels[-1] == "onion" and \
                labels[-2] in ["f%d" % i for i in range(8)]:
            reply(sock, 0xF0 + int(labels[-2][1]))
            return
        reply(sock, 0)
        sock.sendall(b"PEER torlike\n")
        while True:
            data = sock.recv(65536)
            if not data:
                return
            sock.sendall(data)
    except (OSError, EOFError, ValueError):
        pass
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    log = Log(args.log)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, log), daemon=True).start()


if __name__ == "__main__":
    main()
