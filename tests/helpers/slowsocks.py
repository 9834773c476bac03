#!/usr/bin/env python3
"""A SOCKS5 server for the tests whose answers can be made slow or negative.

    slowsocks.py [--log FILE] [--upstream-delay S] [--reply-delay S]
                 [--rep N] [--silent] [--bind IP] HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port), prints the port as the
first line on stdout, and serves every connection as a SOCKS5 server without
authentication that knows only CONNECT (IPv4, IPv6 and host names):

  --upstream-delay S  wait S seconds after the request before connecting to
                      the destination (a slow path to it)
  --reply-delay S     wait S seconds more before sending the reply
  --rep N             answer every request with reply code N (0 = succeeded,
                      the default); a non-zero code is sent after the delays
                      and the connection is closed, as RFC 1928 wants
  --silent            accept, read whatever comes and never answer
  --bind IP           the source address of the outgoing connections
                      (default 127.0.0.6), so a destination can tell that
                      this proxy carried a connection

After a success the data is relayed both ways, starting with any bytes the
client pipelined behind its request.  One asyncio loop serves every
connection, so a hundred parallel handshakes each see only the configured
delays.

Each connection is logged to FILE (default: stderr) as "CONN <ip> <port>",
then "GREETING <hex>", "REQUEST <host> <port>", "REPLY <code>" and, for a
carried connection, "RELAY <host> <port>"; "FIRST-READ <n>" gives the size
of the first read from the client, which is larger than the greeting when
the client pipelined its request behind it.
"""

import argparse
import asyncio
import ipaddress
import socket
import sys


class Log:
    def __init__(self, path):
        self.fh = open(path, "a", buffering=1) if path else sys.stderr

    def line(self, text):
        self.fh.write(text + "\n")
        self.fh.flush()


def reply(code, bound=None):
    """VER REP RSV ATYP BND.ADDR BND.PORT, IPv4 or IPv6 by the address."""
    host, port = bound if bound else ("0.0.0.0", 0)
    addr = ipaddress.ip_address(host)
    atyp = 4 if addr.version == 6 else 1
    return (bytes([5, code, 0, atyp]) + addr.packed +
            bytes([(port >> 8) & 0xFF, port & 0xFF]))


class Client:
    """The client side of one connection, with the first read recorded."""

    def __init__(self, reader, writer, log, tag):
        self.reader = reader
        self.writer = writer
        self.log = log
        self.tag = tag
        self.buf = b""
        self.first = True

    async def take(self, n):
        while len(self.buf) < n:
            data = await self.reader.read(65536)
            if not data:
                raise ConnectionResetError("client closed")
            if self.first:
                self.log.line("%s FIRST-READ %d" % (self.tag, len(data)))
                self.first = False
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


async def read_request(c):
    """The request after the greeting: (0, (host, port)) for a CONNECT,
    else (the reply code that refuses it, None)."""
    head = await c.take(4)
    if head[0] != 5:
        return 1, None
    atyp = head[3]
    if atyp == 1:
        host = str(ipaddress.ip_address(await c.take(4)))
    elif atyp == 4:
        host = str(ipaddress.ip_address(await c.take(16)))
    elif atyp == 3:
        n = (await c.take(1))[0]
        host = (await c.take(n)).decode("latin-1")
    else:
        return 8, None
    pb = await c.take(2)
    if head[1] != 1:
        return 7, None
    return 0, (host, (pb[0] << 8) | pb[1])


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass


async def connect_out(host, port, bind):
    family = socket.AF_INET6 if ":" in host else 0
    local = None
    if bind and ":" not in host:
        local = (bind, 0)
    return await asyncio.wait_for(
        asyncio.open_connection(host, port, family=family, local_addr=local),
        10)


async def serve(args, log, reader, writer):
    peer = writer.get_extra_info("peername")
    tag = "%s:%d" % (peer[0], peer[1])
    log.line("%s CONN %s %d" % (tag, peer[0], peer[1]))
    c = Client(reader, writer, log, tag)
    out_writer = None
    try:
        if args.silent:
            while await reader.read(65536):
                pass
            return
        head = await c.take(2)
        methods = await c.take(head[1])
        log.line("%s GREETING %s" % (tag, (head + methods).hex()))
        if head[0] != 5 or 0 not in methods:
            writer.write(bytes([5, 0xFF]))
            await writer.drain()
            return
        writer.write(bytes([5, 0]))
        await writer.drain()
        code, dst = await read_request(c)
        if code != 0:
            log.line("%s REPLY %d" % (tag, code))
            writer.write(reply(code))
            await writer.drain()
            return
        log.line("%s REQUEST %s %d" % (tag, dst[0], dst[1]))
        if args.upstream_delay > 0:
            await asyncio.sleep(args.upstream_delay)
        code = args.rep
        bound = None
        if code == 0:
            try:
                out_reader, out_writer = await connect_out(dst[0], dst[1],
                                                           args.bind)
                bound = out_writer.get_extra_info("sockname")[:2]
            except ConnectionRefusedError:
                code = 5
            except (OSError, asyncio.TimeoutError):
                code = 4
        if args.reply_delay > 0:
            await asyncio.sleep(args.reply_delay)
        log.line("%s REPLY %d" % (tag, code))
        writer.write(reply(code, bound))
        await writer.drain()
        if code != 0:
            return
        log.line("%s RELAY %s %d" % (tag, dst[0], dst[1]))
        if c.buf:
            out_writer.write(c.buf)
            c.buf = b""
        await asyncio.gather(pipe(reader, out_writer), pipe(out_reader, writer))
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        log.line("%s CLOSE" % tag)
        for w in (out_writer, writer):
            if w is not None:
                w.close()


async def main_async(args):
    log = Log(args.log)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(256)
    server = await asyncio.start_server(
        lambda r, w: serve(args, log, r, w), sock=sock)
    print(sock.getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--upstream-delay", type=float, default=0.0)
    ap.add_argument("--reply-delay", type=float, default=0.0)
    ap.add_argument("--rep", type=int, default=0)
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--bind", default="127.0.0.6")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    if not 0 <= args.rep <= 255:
        ap.error("--rep takes a reply code from 0 to 255")
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
