#!/usr/bin/env python3
"""A scripted SOCKS4/SOCKS5 server that misbehaves on purpose.

    badsocks.py [--log FILE] [--rep N] [--cd N] [--delay S] [--bind IP]
                [--user U --password P] MODE HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port), prints the port as the
first line on stdout, and treats every connection according to MODE:

  close-after-greeting  read the SOCKS5 greeting (or SOCKS4 request), close
  close-after-request   choose a method, read the request, close
  close-mid-reply       choose a method, read the request, send half a reply, close
  garbage               answer the first bytes with an HTTP error page and
                        keep the connection open
  wrong-version         answer a SOCKS5 greeting as version 4 (04 00) and a
                        SOCKS4 request with reply version 5, and keep the
                        connection open
  bad-atyp              a CONNECT reply with address type 9, connection kept open
  long-name             a CONNECT reply with a 255-byte name announced but
                        only 4 bytes of it sent, then close
  refuse                reply to the request with SOCKS5 REP --rep (default 5)
                        or SOCKS4 CD --cd (default 91), then close; "--rep
                        port" / "--cd port" reply with the destination port
                        number as the code (connect to port 4 to get REP 4)
  silent                read whatever comes and never answer
  silent-after-method   choose a method, then never answer the request
  slow                  a working proxy: every reply byte is sent on its own
                        after --delay seconds (default 0.05); the outgoing
                        connection is bound to --bind (default 127.0.0.5)
                        and then relayed both ways
  ok                    like slow without the delays

With --user/--password a SOCKS5 client must authenticate (RFC 1929); a wrong
pair gets status 1 and a close.  Every connection is logged to FILE (default
stdout) as "CONN <ip> <port>", then "RECV <hex>" / "SENT <hex>" lines, then
"CLOSE"; a relayed connection adds "RELAY <host> <port>".
"""

import argparse
import ipaddress
import select
import socket
import sys
import threading
import time


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.fh = open(path, "a", buffering=1) if path else sys.stdout

    def line(self, text):
        with self.lock:
            self.fh.write(text + "\n")
            self.fh.flush()


class Closed(Exception):
    pass


class Conn:
    """One client connection with a receive buffer, so that a pipelined
    handshake is parsed the same as one sent step by step."""

    def __init__(self, sock, log, tag):
        self.sock = sock
        self.log = log
        self.tag = tag
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.log.line("%s RECV %s" % (self.tag, data.hex()))
        self.buf += data

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def take_until_nul(self, limit=1024):
        while b"\0" not in self.buf:
            if len(self.buf) > limit:
                raise Closed()
            self.fill()
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
        self.log.line("%s SENT %s" % (self.tag, data.hex()))

    def drain_forever(self):
        while True:
            self.fill()


def read_socks5_request(c):
    ver, cmd, _rsv, atyp = c.take(4)
    if ver != 5:
        raise Closed()
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, c.take(4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, c.take(16))
    elif atyp == 3:
        n = c.take(1)[0]
        host = c.take(n).decode("latin-1")
    else:
        raise Closed()
    port = int.from_bytes(c.take(2), "big")
    return cmd, host, port


def read_socks4_request(c):
    """The version byte has been taken already."""
    cmd = c.take(1)[0]
    port = int.from_bytes(c.take(2), "big")
    ip = c.take(4)
    c.take_until_nul()
    if ip[0] == 0 and ip[1] == 0 and ip[2] == 0 and ip[3] != 0:
        host = c.take_until_nul().decode("latin-1")
    else:
        host = socket.inet_ntop(socket.AF_INET, ip)
    return cmd, host, port


def socks5_reply(rep, bind=("0.0.0.0", 0)):
    ip = ipaddress.ip_address(bind[0])
    atyp = 1 if ip.version == 4 else 4
    return bytes([5, rep, 0, atyp]) + ip.packed + bind[1].to_bytes(2, "big")


def socks4_reply(cd, bind=("0.0.0.0", 0)):
    return bytes([0, cd]) + bind[1].to_bytes(2, "big") + \
        ipaddress.ip_address(bind[0]).packed


def relay(a, b):
    socks = [a, b]
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            other = b if s is a else a
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            try:
                other.sendall(data)
            except OSError:
                return


def negotiate_method(c, args):
    """SOCKS5 greeting and, when needed, RFC 1929 authentication.  Returns
    False when the client was turned away."""
    n = c.take(1)[0]
    methods = c.take(n)
    if args.user is not None:
        if 2 not in methods:
            c.send(bytes([5, 0xFF]))
            return False
        c.send(bytes([5, 2]), args.delay)
        ver = c.take(1)[0]
        ulen = c.take(1)[0]
        user = c.take(ulen)
        plen = c.take(1)[0]
        pw = c.take(plen)
        good = (ver == 1 and user == args.user.encode()
                and pw == args.password.encode())
        c.send(bytes([1, 0 if good else 1]), args.delay)
        return good
    if 0 in methods:
        c.send(bytes([5, 0]), args.delay)
        return True
    if 2 in methods:
        c.send(bytes([5, 2]), args.delay)
        c.take(1)
        c.take(c.take(1)[0])
        c.take(c.take(1)[0])
        c.send(bytes([1, 0]), args.delay)
        return True
    c.send(bytes([5, 0xFF]))
    return False


def handle(sock, args, log):
    peer = sock.getpeername()
    tag = "[%s:%d]" % (peer[0], peer[1])
    log.line("%s CONN %s %d" % (tag, peer[0], peer[1]))
    c = Conn(sock, log, tag)
    mode = args.mode
    try:
        ver = c.take(1)[0]
        if mode == "silent":
            c.drain_forever()
        if mode == "garbage":
            c.send(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            c.drain_forever()
        if ver == 4:
            handle_socks4(c, args, log, tag)
        else:
            handle_socks5(c, args, log, tag)
    except (Closed, OSError):
        pass
    finally:
        log.line("%s CLOSE" % tag)
        try:
            sock.close()
        except OSError:
            pass


def handle_socks4(c, args, log, tag):
    mode = args.mode
    if mode == "close-after-greeting":
        c.take(7)
        return
    if mode == "wrong-version":
        read_socks4_request(c)
        c.send(bytes([5, 90, 0, 0, 0, 0, 0, 0]))
        c.drain_forever()
    cmd, host, port = read_socks4_request(c)
    log.line("%s REQUEST4 %d %s %d" % (tag, cmd, host, port))
    if mode == "close-after-request":
        return
    if mode == "close-mid-reply":
        c.send(socks4_reply(90)[:3])
        return
    if mode == "silent-after-method":
        c.drain_forever()
    if mode == "refuse":
        c.send(socks4_reply(code_for(args.cd, port)), args.delay)
        return
    if mode in ("slow", "ok"):
        try:
            out = connect_out(host, port, args)
        except OSError:
            c.send(socks4_reply(91), args.delay)
            return
        log.line("%s RELAY %s %d" % (tag, host, port))
        c.send(socks4_reply(90), args.delay)
        relay_with_buffer(c, out)
        return
    c.send(socks4_reply(91))


def handle_socks5(c, args, log, tag):
    mode = args.mode
    if mode == "close-after-greeting":
        n = c.take(1)[0]
        c.take(n)
        return
    if mode == "wrong-version":
        n = c.take(1)[0]
        c.take(n)
        c.send(bytes([4, 0]))
        c.drain_forever()
    if not negotiate_method(c, args):
        return
    if mode == "silent-after-method":
        c.drain_forever()
    cmd, host, port = read_socks5_request(c)
    log.line("%s REQUEST5 %d %s %d" % (tag, cmd, host, port))
    if mode == "close-after-request":
        return
    if mode == "close-mid-reply":
        c.send(socks5_reply(0)[:5])
        return
    if mode == "bad-atyp":
        c.send(bytes([5, 0, 0, 9, 1, 2, 3, 4, 0, 80]))
        c.drain_forever()
    if mode == "long-name":
        c.send(bytes([5, 0, 0, 3, 255]) + b"abcd")
        return
    if mode == "refuse":
        c.send(socks5_reply(code_for(args.rep, port)), args.delay)
        return
    if mode in ("slow", "ok"):
        if cmd != 1:
            c.send(socks5_reply(7))
            return
        try:
            out = connect_out(host, port, args)
        except OSError:
            c.send(socks5_reply(5), args.delay)
            return
        log.line("%s RELAY %s %d" % (tag, host, port))
        bound = out.getsockname()
        c.send(socks5_reply(0, (bound[0], bound[1])), args.delay)
        relay_with_buffer(c, out)
        return
    c.send(socks5_reply(1))


def code_for(spec, port):
    return port & 0xFF if spec == "port" else int(spec, 0)


def connect_out(host, port, args):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    out = socket.socket(family, socket.SOCK_STREAM)
    out.settimeout(5)
    if family == socket.AF_INET and args.bind:
        out.bind((args.bind, 0))
    out.connect((host, port))
    out.settimeout(None)
    return out


def relay_with_buffer(c, out):
    """Data the client pipelined after its request goes out first."""
    try:
        if c.buf:
            out.sendall(c.buf)
            c.buf = b""
        relay(c.sock, out)
    finally:
        out.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--rep", default="5")
    ap.add_argument("--cd", default="91")
    ap.add_argument("--delay", type=float, default=None)
    ap.add_argument("--bind", default="127.0.0.5")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("mode", choices=(
        "close-after-greeting", "close-after-request", "close-mid-reply",
        "garbage", "wrong-version", "bad-atyp", "long-name", "refuse",
        "silent", "silent-after-method", "slow", "ok"))
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    if args.delay is None:
        args.delay = 0.05 if args.mode == "slow" else 0.0
    if (args.user is None) != (args.password is None):
        ap.error("--user and --password go together")

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)

    log = Log(args.log)
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=handle, args=(sock, args, log),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
