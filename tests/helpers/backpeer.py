#!/usr/bin/env python3
"""The far end of an FTP-like exchange: a server that connects back.

    backpeer.py [--log FILE] HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port) and prints the port as the
first line on stdout.  On each connection it reads lines; for "CALL <ip>
<port>" it connects to ip:port, sends "HELLO <its ip> <its port>" on that
new connection, answers "CALLED <its ip> <its port>" on the first one, and
keeps the new connection open until the other side closes it.  A failed
call is answered "CALLFAILED <errno name>".

Every event is logged to FILE (default stdout): "CONN <ip> <port>" for a
connection, "CALL <ip> <port>" and "CALLED <ip> <port>" or "CALLFAILED
<name>" for a call.
"""

import argparse
import errno
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


def hold(sock):
    """Keep a called connection open until the other side closes it."""
    try:
        sock.settimeout(60)
        while sock.recv(4096):
            pass
    except OSError:
        pass
    finally:
        sock.close()


def call(ip, port, log):
    log.line("CALL %s %d" % (ip, port))
    try:
        out = socket.create_connection((ip, port), timeout=5)
    except OSError as e:
        name = errno.errorcode.get(e.errno, str(e.errno)) if e.errno else "TIMEOUT"
        log.line("CALLFAILED %s" % name)
        return "CALLFAILED %s" % name
    here = out.getsockname()
    out.sendall(("HELLO %s %d\n" % (here[0], here[1])).encode())
    threading.Thread(target=hold, args=(out,), daemon=True).start()
    log.line("CALLED %s %d" % (here[0], here[1]))
    return "CALLED %s %d" % (here[0], here[1])


def handle(sock, peer, log):
    log.line("CONN %s %d" % (peer[0], peer[1]))
    buf = b""
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                words = line.decode(errors="replace").split()
                if len(words) == 3 and words[0] == "CALL":
                    answer = call(words[1], int(words[2]), log)
                    sock.sendall((answer + "\n").encode())
    except OSError:
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
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    while True:
        sock, peer = srv.accept()
        threading.Thread(target=handle, args=(sock, peer, log), daemon=True).start()


if __name__ == "__main__":
    main()
