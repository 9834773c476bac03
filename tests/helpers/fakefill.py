#!/usr/bin/env python3
"""Resolve more names than a small fake range holds, keeping connections open.

    fakefill.py [--close] [--byname] PORT NAME...

For each NAME in turn: getaddrinfo(NAME, PORT, AF_INET, SOCK_STREAM) (with
--byname the C library's gethostbyname() instead), connect to the answer, read the destination's first line, and keep the
connection open.  Prints per name

    ADDR <name> <ip>              the answer
    LINE <name> <first line>      what the destination said
    CLASH <name> <ip> <other>     the answer is the address of <other>,
                                  another name whose connection is open
    EAI <name> <EAI_AGAIN|...>    the lookup failed
    HERR <name> <TRY_AGAIN|...>   gethostbyname() failed (--byname)
    ERRNO <name> <name>           the connect failed

After the last name it looks the first name up again and prints
"AGAIN <name> <ip>" (its address must not have moved), and then
"OPEN <n>" (connections still open).  With --close every connection is
closed before that second lookup.  Exits 0 when no answer clashed.
"""

import ctypes
import errno
import socket
import sys

HERR_NAMES = {1: "HOST_NOT_FOUND", 2: "TRY_AGAIN", 3: "NO_RECOVERY", 4: "NO_DATA"}


class Hostent(ctypes.Structure):
    _fields_ = [("h_name", ctypes.c_char_p),
                ("h_aliases", ctypes.POINTER(ctypes.c_char_p)),
                ("h_addrtype", ctypes.c_int),
                ("h_length", ctypes.c_int),
                ("h_addr_list", ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)))]


def by_name(libc, name):
    """gethostbyname(name): its first address, or raises LookupError(h_errno)."""
    he = libc.gethostbyname(name.encode())
    if not he:
        raise LookupError(libc.__h_errno_location().contents.value)
    raw = bytes(he.contents.h_addr_list[0][0:4])
    return socket.inet_ntoa(raw)


def lookup(libc, name, port):
    if libc is None:
        ai = socket.getaddrinfo(name, port, socket.AF_INET, socket.SOCK_STREAM)
        return ai[0][4][0]
    return by_name(libc, name)


def main():
    args = sys.argv[1:]
    close = False
    libc = None
    while args and args[0].startswith("--"):
        if args[0] == "--close":
            close = True
        elif args[0] == "--byname":
            libc = ctypes.CDLL(None)
            libc.gethostbyname.restype = ctypes.POINTER(Hostent)
            libc.gethostbyname.argtypes = [ctypes.c_char_p]
            libc.__h_errno_location.restype = ctypes.POINTER(ctypes.c_int)
        args = args[1:]
    if len(args) < 2:
        print("usage: fakefill.py [--close] PORT NAME...", file=sys.stderr)
        return 2
    port = int(args[0])
    names = args[1:]
    live = {}  # address -> (name, socket)
    clashes = 0
    for name in names:
        try:
            ip = lookup(libc, name, port)
        except socket.gaierror as e:
            code = {socket.EAI_AGAIN: "EAI_AGAIN", socket.EAI_NONAME: "EAI_NONAME",
                    socket.EAI_MEMORY: "EAI_MEMORY", socket.EAI_FAIL: "EAI_FAIL"}
            print("EAI %s %s" % (name, code.get(e.errno, str(e.errno))), flush=True)
            continue
        except LookupError as e:
            print("HERR %s %s" % (name, HERR_NAMES.get(e.args[0], str(e.args[0]))),
                  flush=True)
            continue
        print("ADDR %s %s" % (name, ip), flush=True)
        if ip in live and live[ip][0] != name:
            clashes += 1
            print("CLASH %s %s %s" % (name, ip, live[ip][0]), flush=True)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect((ip, port))
            line = s.makefile("r").readline().strip()
        except OSError as e:
            print("ERRNO %s %s" % (name, errno.errorcode.get(e.errno, str(e.errno))),
                  flush=True)
            s.close()
            continue
        print("LINE %s %s" % (name, line), flush=True)
        live[ip] = (name, s)
    if close:
        for _, s in live.values():
            s.close()
        live = {}
    try:
        print("AGAIN %s %s" % (names[0], lookup(libc, names[0], port)), flush=True)
    except (socket.gaierror, LookupError) as e:
        print("AGAIN %s failed %s" % (names[0], e.args[0]), flush=True)
    print("OPEN %d" % len(live), flush=True)
    return 1 if clashes else 0


if __name__ == "__main__":
    sys.exit(main())
