#!/usr/bin/env python3
"""A scripted HTTP CONNECT proxy for the edge cases real proxies never show.

    httpfake.py [--log FILE] MODE HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port), prints the port as the
first line on stdout, reads each client's request up to its empty line,
logs it, and answers according to MODE.  It never connects anywhere: after
a 200 it plays the destination itself, sending "BANNER <target>\\n" and then
echoing what it gets.

  banner    "HTTP/1.1 200 Connection established" and the banner in one send
            (the tunnel's first bytes arrive with the response header)
  split     the same bytes in five sends 0.1 s apart, the banner in the
            last piece with the header's end
  interim   "HTTP/1.1 100 Continue" first, then as banner
  huge      a 200 status line and 20000 bytes of header lines, never ending
  refuse    "HTTP/1.1 502 Bad Gateway" with a body, then close
  oddphrase a 403 whose reason phrase holds a control byte

Each request is logged to FILE (default stdout) as one "REQ <line>" line per
request line (CR removed), then "END".
"""

import argparse
import socket
import sys
import threading
import time

OK = b"HTTP/1.1 200 Connection established\r\nProxy-agent: httpfake\r\n\r\n"


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.fh = open(path, "a", buffering=1) if path else sys.stdout

    def lines(self, lines):
        with self.lock:
            for text in lines:
                self.fh.write(text + "\n")
            self.fh.flush()


def read_request(sock):
    """The request's bytes up to its empty line (nothing after it is read:
    the client sends nothing more before the answer)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            return None
        data += chunk
        if len(data) > 65536:
            return None
    return data


def echo(sock):
    while True:
        data = sock.recv(65536)
        if not data:
            return
        sock.sendall(data)


def serve(sock, mode, log):
    try:
        req = read_request(sock)
        if req is None:
            return
        lines = req.decode("latin-1").split("\r\n")
        log.lines(["REQ " + l for l in lines if l] + ["END"])
        target = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "?"
        banner = ("BANNER %s\n" % target).encode()
        if mode == "banner":
            sock.sendall(OK + banner)
        elif mode == "split":
            whole = OK + banner
            cut = [0, 5, 13, 30, len(OK) - 3, len(whole)]
            for a, b in zip(cut, cut[1:]):
                sock.sendall(whole[a:b])
                time.sleep(0.1)
        elif mode == "interim":
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            time.sleep(0.05)
            sock.sendall(OK + banner)
        elif mode == "huge":
            sock.sendall(b"HTTP/1.1 200 OK\r\n")
            for i in range(1000):
                sock.sendall(b"X-Filler-%04d: %s\r\n" % (i, b"y" * 4))
            time.sleep(5)
            return
        elif mode == "refuse":
            body = b"<html>no</html>\n"
            sock.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
            return
        elif mode == "oddphrase":
            sock.sendall(b"HTTP/1.1 403 Go\x1b[31maway\r\n\r\n")
            return
        echo(sock)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("mode", choices=["banner", "split", "interim", "huge",
                                     "refuse", "oddphrase"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    log = Log(args.log)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args.mode, log),
                         daemon=True).start()


if __name__ == "__main__":
    main()
