#!/usr/bin/env python3
"""A small SOCKS5 server that only does UDP ASSOCIATE, with a request log
and switches that make its relay misbehave on purpose.

    udpsocks.py [--log FILE] [--map NAME=IP ...] [--bnd-zero]
                [--reply-name NAME] [--inject-frag] [--inject-foreign]
                [--refuse] HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port) and prints the port as the
first line on stdout.  No authentication.  Each UDP ASSOCIATE gets its own
relay socket on HOST; the association ends when its TCP connection does.
Datagrams from the client's address are unwrapped and sent on (a name
destination is looked up in --map, else resolved); datagrams from anyone
else are wrapped and sent to the client.

  --bnd-zero        answer with BND.ADDR all zeros (the client must use the
                    proxy's own address)
  --reply-name NAME wrapped replies name their source as NAME (ATYP 3)
  --inject-frag     before each reply send the client a copy with FRAG 1
  --inject-foreign  before each reply send the client a plain copy from
                    another socket (127.0.0.7), not from the relay
  --refuse          answer UDP ASSOCIATE with REP 07

Log lines (FILE, default stdout):

  ASSOC <client-ip> <client-port> DECLARED <ip> <port> RELAY <port>
  SEND <atyp> <host> <port> <length>       (a datagram from the client)
  CLOSE                                    (an association ended)
"""

import argparse
import ipaddress
import select
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


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_addr(conn):
    atyp = recv_exact(conn, 1)[0]
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, recv_exact(conn, 4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, recv_exact(conn, 16))
    elif atyp == 3:
        host = recv_exact(conn, recv_exact(conn, 1)[0]).decode()
    else:
        raise ValueError("atyp %d" % atyp)
    port = struct.unpack("!H", recv_exact(conn, 2))[0]
    return atyp, host, port


def encode_addr(host, port):
    try:
        ip = ipaddress.ip_address(host)
        if ip.version == 4:
            return b"\x01" + ip.packed + struct.pack("!H", port)
        return b"\x04" + ip.packed + struct.pack("!H", port)
    except ValueError:
        name = host.encode()
        return b"\x03" + bytes([len(name)]) + name + struct.pack("!H", port)


def parse_udp(data):
    """FRAG, ATYP, host, port and payload of a client datagram."""
    frag, atyp = data[2], data[3]
    if atyp == 1:
        host, off = socket.inet_ntop(socket.AF_INET, data[4:8]), 8
    elif atyp == 4:
        host, off = socket.inet_ntop(socket.AF_INET6, data[4:20]), 20
    elif atyp == 3:
        n = data[4]
        host, off = data[5:5 + n].decode(), 5 + n
    else:
        raise ValueError("atyp %d" % atyp)
    port = struct.unpack("!H", data[off:off + 2])[0]
    return frag, atyp, host, port, data[off + 2:]


def resolve(host, mapping):
    if host in mapping:
        return mapping[host]
    return socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0]


def associate(conn, args, log):
    atyp, dhost, dport = read_addr(conn)
    if args.refuse:
        conn.sendall(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
        return
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    relay = socket.socket(family, socket.SOCK_DGRAM)
    relay.bind((args.host, 0))
    rport = relay.getsockname()[1]
    bnd = "0.0.0.0" if args.bnd_zero and family == socket.AF_INET else (
        "::" if args.bnd_zero else args.host)
    conn.sendall(b"\x05\x00\x00" + encode_addr(bnd, rport))
    client = conn.getpeername()
    log.line("ASSOC %s %d DECLARED %s %d RELAY %d" % (client[0], client[1], dhost, dport, rport))
    foreign = None
    if args.inject_foreign:
        foreign = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        foreign.bind(("127.0.0.7", 0))
    client_addr = None
    try:
        while True:
            ready, _, _ = select.select([conn, relay], [], [])
            if conn in ready:
                if not conn.recv(100):
                    break
            if relay not in ready:
                continue
            data, peer = relay.recvfrom(65536)
            if client_addr is None and peer[0] in (client[0], "::ffff:" + client[0]):
                client_addr = peer
            if peer == client_addr:
                try:
                    frag, atyp, host, port, payload = parse_udp(data)
                except (ValueError, IndexError):
                    continue
                log.line("SEND %d %s %d %d" % (atyp, host, port, len(payload)))
                if frag != 0:
                    continue
                relay.sendto(payload, (resolve(host, args.map), port))
                continue
            if client_addr is None:
                continue
            src = args.reply_name if args.reply_name else peer[0]
            header = b"\x00\x00\x00" + encode_addr(src, peer[1])
            if args.inject_frag:
                relay.sendto(b"\x00\x00\x01" + header[3:] + b"fragment", client_addr)
            if foreign is not None and ":" not in client_addr[0]:
                foreign.sendto(data, client_addr)
            relay.sendto(header + data, client_addr)
    finally:
        relay.close()
        if foreign is not None:
            foreign.close()
        log.line("CLOSE")


def serve(conn, args, log):
    try:
        greeting = recv_exact(conn, 2)
        recv_exact(conn, greeting[1])
        conn.sendall(b"\x05\x00")
        ver, cmd, _ = recv_exact(conn, 3)
        if cmd != 3:
            conn.sendall(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        associate(conn, args, log)
    except (EOFError, OSError, ValueError):
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--map", action="append", default=[])
    ap.add_argument("--bnd-zero", action="store_true")
    ap.add_argument("--reply-name")
    ap.add_argument("--inject-frag", action="store_true")
    ap.add_argument("--inject-foreign", action="store_true")
    ap.add_argument("--refuse", action="store_true")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    args.map = dict(m.split("=", 1) for m in args.map)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    log = Log(args.log)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args, log), daemon=True).start()


if __name__ == "__main__":
    main()
