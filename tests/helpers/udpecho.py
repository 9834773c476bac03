#!/usr/bin/env python3
"""A UDP echo server for the end-to-end tests.

    udpecho.py [--log FILE] HOST PORT

Binds HOST:PORT (PORT 0 picks a free port; HOST may be IPv6), prints the
port as the first line on stdout, and sends every datagram back to its
sender unchanged.  Each datagram is logged to FILE (default: stdout) as

    FROM <ip> <port> <length>

so a test can tell who sent it: the proxy's relay, or the client itself.
"""

import argparse
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((args.host, args.port))
    print(s.getsockname()[1], flush=True)
    log = open(args.log, "a", buffering=1) if args.log else sys.stdout
    while True:
        data, peer = s.recvfrom(65536)
        log.write("FROM %s %d %d\n" % (peer[0], peer[1], len(data)))
        log.flush()
        s.sendto(data, peer)


if __name__ == "__main__":
    main()
