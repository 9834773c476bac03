#!/usr/bin/python3
"""A SOCKS5 server that speaks only the GSSAPI method (RFC 1961).

    gsssocks.py --keytab FILE --level LEVEL [--log FILE] [--out IP]
                [--split N] [--batch N] [--corrupt N] [--slow-read SEC]
                HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port), prints the port as the
first line on stdout.  Each connection offers method X'01' (GSSAPI) or
gets X'FF'; the security context is accepted with the real GSS-API
library (python3-gssapi over MIT Kerberos) from the keytab FILE, for any
service principal in it.  The protection level the server selects is
LEVEL whatever the client asks: clear (0, as Dante's "gssapi.enctype:
clear"), integrity (1) or confidentiality (2), or with "asked" the level
the client asked for.  From then on, with
integrity or confidentiality, every message both ways (the request, the
reply and the relayed data) is a GSS-API token framed as RFC 1961
section 5 says; a token that does not unwrap ends the connection.
CONNECT to an IPv4 address or a host name (resolved here) is relayed,
from --out when given.

What goes to the client can be cut up: --split N sends the wrapped bytes
of every write in pieces of N bytes, each a segment of its own, with a
pause after each of the first three; --batch N wraps
the target's data in messages of N bytes and sends all the messages of
one read from the target in one write; --corrupt N flips a byte in the
token of the Nth data message to the client (the reply is the first).
--slow-read SEC makes the server a slow reader: a receive buffer of 4 KiB
and a pause of SEC before each message it reads from the client, so that
the client's writes meet a full socket.

Each connection is logged to FILE (default stdout): "CONN <ip> <port>",
"AUTH <client principal> ASKED <n> LEVEL <n>", "CONNECT <host> <port>",
"UNWRAPPED <bytes>" per relayed message from the client, "CLOSE" or
"ERROR <text>".
"""

import argparse
import ipaddress
import select
import socket
import sys
import threading
import time

import gssapi

LEVELS = {"clear": 0, "integrity": 1, "confidentiality": 2, "asked": -1}


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


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Closed()
        buf += chunk
    return buf


def recv_frame(sock, mtyp):
    """One RFC 1961 message of type mtyp: its token."""
    head = recv_exact(sock, 2)
    if head[0] != 1:
        raise ValueError("frame version %d" % head[0])
    if head[1] == 0xFF:
        raise ValueError("client aborted")
    if head[1] != mtyp:
        raise ValueError("frame type %d, wanted %d" % (head[1], mtyp))
    n = int.from_bytes(recv_exact(sock, 2), "big")
    return recv_exact(sock, n)


def frame(mtyp, token):
    return bytes([1, mtyp]) + len(token).to_bytes(2, "big") + token


class Conn:
    def __init__(self, args, log, sock):
        self.args = args
        self.log = log
        self.sock = sock
        self.ctx = None
        self.level = 0
        self.sent = 0

    def send(self, data):
        """Send data to the client, wrapped when a level is in force."""
        if self.level == 0:
            self.sock.sendall(data)
            return
        size = self.args.batch or 16384
        wire = b""
        while data:
            chunk, data = data[:size], data[size:]
            token = bytearray(self.ctx.wrap(chunk, self.level == 2).message)
            self.sent += 1
            if self.sent == self.args.corrupt:
                token[len(token) // 2] ^= 0x55
            wire += frame(3, bytes(token))
            if not self.args.batch:
                self.put(wire)
                wire = b""
        self.put(wire)

    def put(self, wire):
        """Write wrapped bytes, in pieces when --split says so."""
        if not self.args.split:
            self.sock.sendall(wire)
            return
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for n, i in enumerate(range(0, len(wire), self.args.split)):
            self.sock.sendall(wire[i:i + self.args.split])
            # The first pieces each in a segment of their own: the head cut.
            if n < 3:
                time.sleep(0.002)

    def recv_unwrapped(self):
        token = recv_frame(self.sock, 3)
        res = self.ctx.unwrap(token)
        if self.level == 2 and not res.encrypted:
            raise ValueError("a message without confidentiality")
        return res.message

    def accept_context(self):
        creds = gssapi.Credentials(usage="accept", store={"keytab": self.args.keytab})
        self.ctx = gssapi.SecurityContext(creds=creds, usage="accept")
        while not self.ctx.complete:
            token = recv_frame(self.sock, 1)
            try:
                out = self.ctx.step(token)
            except gssapi.exceptions.GSSError:
                self.sock.sendall(bytes([1, 0xFF]))
                raise
            if out:
                self.sock.sendall(frame(1, out))

    def negotiate_level(self):
        asked = self.ctx.unwrap(recv_frame(self.sock, 2)).message
        if len(asked) != 1:
            raise ValueError("protection level of %d bytes" % len(asked))
        chosen = LEVELS[self.args.level]
        if chosen < 0:
            chosen = asked[0]
        reply = self.ctx.wrap(bytes([chosen]), False).message
        self.sock.sendall(frame(2, reply))
        self.log.line("AUTH %s ASKED %d LEVEL %d" %
                      (self.ctx.initiator_name, asked[0], chosen))
        self.level = chosen

    def request(self):
        """The client's request: plain, or one wrapped message."""
        if self.level != 0:
            msg = self.recv_unwrapped()
        else:
            msg = recv_exact(self.sock, 4)
            if msg[3] == 1:
                msg += recv_exact(self.sock, 6)
            elif msg[3] == 3:
                ln = recv_exact(self.sock, 1)
                msg += ln + recv_exact(self.sock, ln[0] + 2)
            else:
                raise ValueError("address type %d" % msg[3])
        if msg[0] != 5 or msg[1] != 1:
            raise ValueError("not a CONNECT request")
        atyp = msg[3]
        if atyp == 1:
            host = str(ipaddress.IPv4Address(msg[4:8]))
            port = int.from_bytes(msg[8:10], "big")
        elif atyp == 3:
            ln = msg[4]
            host = msg[5:5 + ln].decode()
            port = int.from_bytes(msg[5 + ln:7 + ln], "big")
        else:
            raise ValueError("address type %d" % atyp)
        self.log.line("CONNECT %s %d" % (host, port))
        return host, port

    def run(self):
        greeting = recv_exact(self.sock, 2)
        methods = recv_exact(self.sock, greeting[1])
        if greeting[0] != 5 or 1 not in methods:
            self.sock.sendall(b"\x05\xff")
            raise ValueError("GSSAPI not offered")
        self.sock.sendall(b"\x05\x01")
        self.accept_context()
        self.negotiate_level()
        host, port = self.request()
        try:
            out = socket.create_connection((host, port), timeout=10,
                                           source_address=(self.args.out or "", 0))
        except OSError:
            self.send(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            raise
        bnd = out.getsockname()
        self.send(b"\x05\x00\x00\x01" + socket.inet_aton(bnd[0]) +
                  bnd[1].to_bytes(2, "big"))
        self.relay(out)

    def relay(self, out):
        out.settimeout(None)
        peers = [self.sock, out]
        while True:
            readable, _, _ = select.select(peers, [], [])
            if self.sock in readable:
                if self.args.slow_read:
                    time.sleep(self.args.slow_read)
                if self.level == 0:
                    data = self.sock.recv(65536)
                else:
                    try:
                        data = self.recv_unwrapped()
                        self.log.line("UNWRAPPED %d" % len(data))
                    except Closed:
                        data = b""
                if not data:
                    break
                out.sendall(data)
            if out in readable:
                data = out.recv(65536)
                if not data:
                    break
                self.send(data)
        out.close()


def serve(args, log, sock, peer):
    log.line("CONN %s %d" % peer[:2])
    try:
        Conn(args, log, sock).run()
        log.line("CLOSE")
    except Closed:
        log.line("CLOSE")
    except Exception as exc:  # noqa: BLE001 -- every failure is logged
        log.line("ERROR %s" % str(exc).replace("\n", " "))
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keytab", required=True)
    ap.add_argument("--level", choices=sorted(LEVELS), default="clear")
    ap.add_argument("--log")
    ap.add_argument("--out")
    ap.add_argument("--split", type=int, default=0)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--corrupt", type=int, default=0)
    ap.add_argument("--slow-read", type=float, default=0)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    log = Log(args.log)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.slow_read:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind((args.host, args.port))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    while True:
        sock, peer = srv.accept()
        threading.Thread(target=serve, args=(args, log, sock, peer),
                         daemon=True).start()


if __name__ == "__main__":
    main()
