#!/usr/bin/env python3
"""A SOCKS4/SOCKS5 server that breaks at a chosen step of the handshake.

    faultsocks.py [--log FILE] [--good-first N] [--delay S] [--bind IP]
                  MODE HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port), prints the port as the
first line on stdout.  The first N connections (--good-first, default 0)
are served properly and relayed to their destination (outgoing from
--bind, default 127.0.0.5); every later one meets MODE.  The version is
taken from the first byte (4 or 5); a SOCKS5 client offering method 2
(user/password, RFC 1929) is asked to authenticate and any pair is taken.

Where to break (SOCKS4 has no method or authentication step: those modes
close right after its request there; the modes about SOCKS5 address types
and authentication replies answer a SOCKS4 request with success: long-name,
zero-name, ipv6-bnd; or close: oversized-method, oversized-auth):

  close-on-accept       close before reading anything
  close-after-greeting  read the greeting (SOCKS4: the request), close
  close-after-method    send the method choice, close
  close-after-auth      authenticate, close (needs method 2)
  close-after-request   read the request, close
  close-mid-reply       send half of the reply, close
  reset-after-request   read the request, reset the connection (RST)
  trickle               send every reply byte on its own, --delay apart
                        (default 0.05), then relay: a working proxy
  trickle-stall         send every reply byte but the last on its own,
                        --delay apart, then never the last
  garbage-method        answer the greeting with bytes that are no SOCKS
                        (SOCKS4: answer the request so)
  garbage-reply         choose the method properly, then answer the
                        request with bytes that are no SOCKS
  flood                 answer the greeting with 1 MiB of 0xff, then wait
  oversized-method      the method choice followed by 300 extra bytes
  oversized-auth        an authentication reply of 300 bytes
  long-name             a success reply whose BND is a 255-byte name
                        (a legal maximum), then relay
  zero-name             a success reply whose BND is a 0-byte name
  ipv6-bnd              a success reply with an IPv6 BND, then relay
  success-reset         a success reply, then a reset at once
  success-close         a success reply, then a close at once
  silent                read whatever comes and never answer
  silent-after-method   choose the method, then never answer the request
  good                  no fault: every connection is served properly

Every connection is logged to FILE (default stdout) as "CONN <n> <mode>",
"REQUEST <host> <port>" when a request was read, and "CLOSE <n>".
"""

import argparse
import ipaddress
import select
import socket
import struct
import sys
import threading
import time


class Closed(Exception):
    pass


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.fh = open(path, "a", buffering=1) if path else sys.stdout

    def line(self, text):
        with self.lock:
            self.fh.write(text + "\n")
            self.fh.flush()


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def take(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise Closed()
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def take_until_nul(self, limit=1024):
        while b"\0" not in self.buf:
            if len(self.buf) > limit:
                raise Closed()
            data = self.sock.recv(65536)
            if not data:
                raise Closed()
            self.buf += data
        i = self.buf.index(b"\0")
        out, self.buf = self.buf[:i], self.buf[i + 1:]
        return out

    def send(self, data, delay=0.0):
        if delay > 0:
            for i in range(len(data)):
                time.sleep(delay)
                self.sock.sendall(data[i:i + 1])
        else:
            self.sock.sendall(data)

    def drain_forever(self):
        while True:
            if not self.sock.recv(65536):
                raise Closed()

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        self.sock.close()
        raise Closed()


GARBAGE = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"


def s5_reply(rep, atyp=1, addr=b"\0\0\0\0", port=0):
    return bytes([5, rep, 0, atyp]) + addr + port.to_bytes(2, "big")


def s4_reply(cd, extra=b""):
    return bytes([0, cd, 0, 0, 0, 0, 0, 0]) + extra


def read_s5_request(c):
    ver, cmd, _rsv, atyp = c.take(4)
    if ver != 5:
        raise Closed()
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, c.take(4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, c.take(16))
    elif atyp == 3:
        host = c.take(c.take(1)[0]).decode("latin-1")
    else:
        raise Closed()
    port = int.from_bytes(c.take(2), "big")
    return cmd, host, port


def read_s4_request(c):
    """After the version byte."""
    cmd = c.take(1)[0]
    port = int.from_bytes(c.take(2), "big")
    ip = c.take(4)
    c.take_until_nul()
    if ip[:3] == b"\0\0\0" and ip[3] != 0:
        host = c.take_until_nul().decode("latin-1")
    else:
        host = socket.inet_ntop(socket.AF_INET, ip)
    return cmd, host, port


def relay(a, b):
    socks = [a, b]
    try:
        while True:
            r, _, _ = select.select(socks, [], [])
            for s in r:
                other = b if s is a else a
                data = s.recv(65536)
                if not data:
                    return
                other.sendall(data)
    except OSError:
        return


def connect_out(host, port, bind):
    out = socket.create_connection((host, port), timeout=5,
                                   source_address=(bind, 0))
    out.settimeout(None)
    return out


def serve_good(c, ver, args, log, n):
    if ver == 4:
        cmd, host, port = read_s4_request(c)
    else:
        methods = c.take(c.take(1)[0])
        method = 2 if 2 in methods else 0
        c.send(bytes([5, method]))
        if method == 2:
            c.take(1)
            c.take(c.take(1)[0])
            c.take(c.take(1)[0])
            c.send(b"\x01\x00")
        cmd, host, port = read_s5_request(c)
    log.line("REQUEST %s %d" % (host, port))
    try:
        out = connect_out(host, port, args.bind)
    except OSError:
        c.send(s4_reply(91) if ver == 4 else s5_reply(5))
        return
    c.send(s4_reply(90) if ver == 4 else s5_reply(0))
    relay_after(c, out)


def relay_after(c, out):
    try:
        if c.buf:
            out.sendall(c.buf)
            c.buf = b""
        relay(c.sock, out)
    finally:
        out.close()


def serve_bad_s4(c, mode, args, log):
    if mode in ("close-after-greeting", "close-after-method",
                "close-after-auth"):
        read_s4_request(c)
        return
    if mode == "garbage-method":
        read_s4_request(c)
        c.send(GARBAGE)
        c.drain_forever()
    if mode == "flood":
        read_s4_request(c)
        c.send(b"\xff" * (1 << 20))
        c.drain_forever()
    if mode == "silent":
        c.drain_forever()
    cmd, host, port = read_s4_request(c)
    log.line("REQUEST %s %d" % (host, port))
    good = s4_reply(90)
    if mode in ("close-after-request", "oversized-method", "oversized-auth"):
        return
    if mode == "reset-after-request":
        c.reset()
    if mode == "close-mid-reply":
        c.send(good[:4])
        return
    if mode == "silent-after-method":
        c.drain_forever()
    if mode == "garbage-reply":
        c.send(GARBAGE)
        c.drain_forever()
    if mode == "trickle-stall":
        c.send(good[:-1], args.delay)
        c.drain_forever()
    if mode == "success-reset":
        c.send(good)
        c.reset()
    if mode == "success-close":
        c.send(good)
        return
    out = connect_out(host, port, args.bind)
    if mode == "trickle":
        c.send(good, args.delay)
    else:
        c.send(good)
    relay_after(c, out)


def serve_bad_s5(c, mode, args, log):
    if mode == "silent":
        c.drain_forever()
    methods = c.take(c.take(1)[0])
    if mode == "close-after-greeting":
        return
    if mode == "garbage-method":
        c.send(GARBAGE)
        c.drain_forever()
    if mode == "flood":
        c.send(b"\xff" * (1 << 20))
        c.drain_forever()
    method = 2 if 2 in methods else 0
    if mode == "trickle" or mode == "trickle-stall":
        c.send(bytes([5, method]), args.delay)
    elif mode == "oversized-method":
        c.send(bytes([5, method]) + b"\x05" * 300)
    else:
        c.send(bytes([5, method]))
    if mode == "close-after-method":
        return
    if method == 2:
        c.take(1)
        c.take(c.take(1)[0])
        c.take(c.take(1)[0])
        if mode == "oversized-auth":
            c.send(b"\x01\x00" + b"\x01" * 298)
        elif mode in ("trickle", "trickle-stall"):
            c.send(b"\x01\x00", args.delay)
        else:
            c.send(b"\x01\x00")
        if mode == "close-after-auth":
            return
    if mode == "silent-after-method":
        c.drain_forever()
    cmd, host, port = read_s5_request(c)
    log.line("REQUEST %s %d" % (host, port))
    good = s5_reply(0)
    if mode in ("close-after-request", "close-after-auth"):
        return
    if mode == "reset-after-request":
        c.reset()
    if mode == "close-mid-reply":
        c.send(good[:5])
        return
    if mode == "garbage-reply":
        c.send(GARBAGE)
        c.drain_forever()
    if mode == "trickle-stall":
        c.send(good[:-1], args.delay)
        c.drain_forever()
    if mode == "zero-name":
        c.send(bytes([5, 0, 0, 3, 0, 0, 0]))
        c.drain_forever()
    if mode == "success-reset":
        c.send(good)
        c.reset()
    if mode == "success-close":
        c.send(good)
        return
    out = connect_out(host, port, args.bind)
    if mode == "trickle":
        c.send(good, args.delay)
    elif mode == "long-name":
        c.send(s5_reply(0, 3, bytes([255]) + b"n" * 255, 4242))
    elif mode == "ipv6-bnd":
        c.send(s5_reply(0, 4, ipaddress.ip_address("2001:db8::1").packed, 4242))
    else:
        c.send(good)
    relay_after(c, out)


def handle(sock, n, args, log):
    c = Conn(sock)
    good = n <= args.good_first or args.mode == "good"
    log.line("CONN %d %s" % (n, "good" if good else args.mode))
    try:
        if not good and args.mode == "close-on-accept":
            return
        ver = c.take(1)[0]
        if good:
            serve_good(c, ver, args, log, n)
        elif ver == 4:
            serve_bad_s4(c, args.mode, args, log)
        else:
            serve_bad_s5(c, args.mode, args, log)
    except (Closed, OSError):
        pass
    finally:
        log.line("CLOSE %d" % n)
        try:
            sock.close()
        except OSError:
            pass


MODES = (
    "close-on-accept", "close-after-greeting", "close-after-method",
    "close-after-auth", "close-after-request", "close-mid-reply",
    "reset-after-request", "trickle", "trickle-stall", "garbage-method",
    "garbage-reply", "flood", "oversized-method", "oversized-auth",
    "long-name", "zero-name", "ipv6-bnd", "success-reset", "success-close",
    "silent", "silent-after-method", "good")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--good-first", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument("--bind", default="127.0.0.5")
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(256)
    print(srv.getsockname()[1], flush=True)
    log = Log(args.log)
    n = 0
    while True:
        sock, _ = srv.accept()
        n += 1
        threading.Thread(target=handle, args=(sock, n, args, log),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
