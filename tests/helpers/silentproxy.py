#!/usr/bin/env python3
"""A proxy that is up but never answers, for the failover tests.

    silentproxy.py [--log FILE] HOST PORT

Listens on HOST:PORT (PORT 0 picks a free port), prints the port it got as
the first line on stdout, accepts every TCP connection, logs it as
"CONN <peer-ip> <peer-port>" and then never sends a byte: the connection
stays open until the client closes it (read and dropped) or the server ends.
"""

import argparse
import socket
import sys
import threading


def hold(conn):
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    log = open(args.log, "a", buffering=1) if args.log else sys.stdout
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, peer = srv.accept()
        log.write("CONN %s %d\n" % (peer[0], peer[1]))
        log.flush()
        threading.Thread(target=hold, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
