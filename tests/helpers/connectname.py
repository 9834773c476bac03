#!/usr/bin/env python3
"""Connect to a destination given by name, as most programs do.

    connectname.py HOST PORT [TEXT]

Resolves HOST with getaddrinfo() (through the library: a fake address,
the proxy gets the name), connects, prints "LINE <first line received>",
and with TEXT sends it and prints "ECHO <line read back>".  On failure it
prints "ERRNO <name>" and exits 1.
"""

import errno
import socket
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    try:
        s = socket.create_connection((host, port), timeout=10)
        f = s.makefile("rb")
        print("LINE", f.readline().decode("latin-1").strip(), flush=True)
        if len(sys.argv) > 3:
            s.sendall(sys.argv[3].encode() + b"\n")
            print("ECHO", f.readline().decode("latin-1").strip(), flush=True)
    except OSError as e:
        print("ERRNO", errno.errorcode.get(e.errno, e.errno) if e.errno
              else type(e).__name__, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
