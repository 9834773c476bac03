#!/usr/bin/env python3
"""A tiny authoritative DNS responder over UDP for the end-to-end tests.

    udpdns.py [--log FILE] [--answer IPV4] HOST PORT

Binds HOST:PORT (PORT 0 picks a free port), prints the port as the first
line on stdout, and answers every query: an A question with one A record
holding IPV4 (default 192.0.2.53, TTL 60), any other type with an empty
NOERROR answer.  Each query is logged to FILE (default: stdout) as

    QUERY <name> <type> FROM <ip> <port>

so a test can prove which address the query came from.
"""

import argparse
import socket
import struct
import sys


def parse_question(msg):
    """The query name (dotted, lower case), its type and where the question ends."""
    labels = []
    off = 12
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
    return ".".join(labels).lower(), qtype, off + 4


def answer(msg, addr):
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    name, qtype, end = parse_question(msg)
    question = msg[12:end]
    rd = flags & 0x0100
    records = b""
    ancount = 0
    if qtype == 1:
        # A pointer to the name in the question (offset 12), then the A record.
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
        ancount = 1
    header = struct.pack("!HHHHHH", qid, 0x8400 | rd, 1, ancount, 0, 0)
    return name, qtype, header + question + records


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--answer", default="192.0.2.53")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((args.host, args.port))
    print(s.getsockname()[1], flush=True)
    log = open(args.log, "a", buffering=1) if args.log else sys.stdout
    while True:
        msg, peer = s.recvfrom(65536)
        try:
            name, qtype, reply = answer(msg, args.answer)
        except (IndexError, struct.error):
            log.write("MALFORMED FROM %s %d\n" % (peer[0], peer[1]))
            continue
        log.write("QUERY %s %d FROM %s %d\n" % (name, qtype, peer[0], peer[1]))
        log.flush()
        s.sendto(reply, peer)


if __name__ == "__main__":
    main()
