#!/usr/bin/env python3
"""Resolver checks for the DNS tests, each in one process, printing lines.

    resolve.py addrs NAME...
        getaddrinfo(NAME, 80, AF_INET, SOCK_STREAM) for each NAME in turn:
        "ADDR <name> <address>" or "ERROR <name> <gaierror name>".

    resolve.py connect inet|inet6|unspec NAME PORT [--send TEXT]
        getaddrinfo() for the family, then a TCP connect to the first
        answer: "RESOLVED <address>", "CONNECTED", "GETPEERNAME <address>
        <port>", "LINE <first line received>", "ECHO <TEXT read back>";
        on failure "ERRNO <name>".

    resolve.py python NAME ECHO_PORT HTTP_PORT
        The ways Python programs reach a host by name:
        socket.create_connection and asyncio.open_connection to the echo
        server, urllib to the HTTP server (GET /urllib):
        "CREATE-CONNECTION <first line>", "URLLIB <body lines joined by |>",
        "ASYNCIO <first line>".

    resolve.py lookups NAME...
        Every lookup call Python offers, for each NAME, connecting nowhere:
        getaddrinfo (AF_UNSPEC, AF_INET, AF_INET6), gethostbyname,
        gethostbyname_ex, then getnameinfo and gethostbyaddr on the answer.
        Prints what each returned or raised.
"""

import asyncio
import errno
import socket
import sys
import urllib.request

TIMEOUT = 10


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def gai_error_name(e):
    for name in dir(socket):
        if name.startswith("EAI_") and getattr(socket, name) == e.errno:
            return name
    return str(e.errno)


def cmd_addrs(names):
    status = 0
    for name in names:
        try:
            res = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
            out("ADDR %s %s" % (name, res[0][4][0]))
        except socket.gaierror as e:
            out("ERROR %s %s" % (name, gai_error_name(e)))
            status = 1
    return status


FAMILIES = {
    "inet": socket.AF_INET,
    "inet6": socket.AF_INET6,
    "unspec": socket.AF_UNSPEC,
}


def read_line(sock):
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("latin-1").strip()


def cmd_connect(args):
    family, name, port = FAMILIES[args[0]], args[1], int(args[2])
    send = args[4] if len(args) > 4 and args[3] == "--send" else None
    try:
        res = socket.getaddrinfo(name, port, family, socket.SOCK_STREAM)
    except socket.gaierror as e:
        out("EAI %s" % gai_error_name(e))
        return 1
    fam, socktype, proto, _, addr = res[0]
    out("RESOLVED %s" % addr[0])
    sock = socket.socket(fam, socktype, proto)
    sock.settimeout(TIMEOUT)
    try:
        sock.connect(addr)
        out("CONNECTED")
        peer = sock.getpeername()
        out("GETPEERNAME %s %d" % (peer[0], peer[1]))
        out("LINE %s" % read_line(sock))
        if send is not None:
            sock.sendall(send.encode())
            got = b""
            while len(got) < len(send):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                got += chunk
            out("ECHO %s" % got.decode("latin-1"))
    except OSError as e:
        out("ERRNO %s" % errno.errorcode.get(e.errno, str(e.errno)))
        return 1
    finally:
        sock.close()
    return 0


async def asyncio_first_line(name, port):
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(name, port), TIMEOUT)
    line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    writer.close()
    await writer.wait_closed()
    return line.decode("latin-1").strip()


def cmd_python(args):
    name, port, http_port = args[0], int(args[1]), int(args[2])
    status = 0
    try:
        with socket.create_connection((name, port), timeout=TIMEOUT) as sock:
            out("CREATE-CONNECTION %s" % read_line(sock))
    except OSError as e:
        out("CREATE-CONNECTION-ERROR %s" % e)
        status = 1
    try:
        url = "http://%s:%d/urllib" % (name, http_port)
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            body = resp.read().decode("latin-1").splitlines()
            out("URLLIB %s" % "|".join(body))
    except OSError as e:
        out("URLLIB-ERROR %s" % e)
        status = 1
    try:
        out("ASYNCIO %s" % asyncio.run(asyncio_first_line(name, port)))
    except (OSError, asyncio.TimeoutError) as e:
        out("ASYNCIO-ERROR %r" % e)
        status = 1
    return status


def attempt(label, fn):
    try:
        out("%s %s" % (label, fn()))
    except socket.gaierror as e:
        out("%s %s" % (label, gai_error_name(e)))
    except OSError as e:
        out("%s ERROR %s" % (label, e))


def cmd_lookups(names):
    for name in names:
        for fam_name, fam in (("unspec", socket.AF_UNSPEC),
                              ("inet", socket.AF_INET),
                              ("inet6", socket.AF_INET6)):
            attempt("GAI-%s %s" % (fam_name, name), lambda: sorted(
                set(r[4][0] for r in socket.getaddrinfo(name, 80, fam))))
        attempt("GETHOSTBYNAME %s" % name, lambda: socket.gethostbyname(name))
        attempt("GETHOSTBYNAME-EX %s" % name,
                lambda: socket.gethostbyname_ex(name))
        try:
            addr = socket.gethostbyname(name)
        except OSError:
            continue
        attempt("GETNAMEINFO %s" % addr, lambda: socket.getnameinfo((addr, 80), 0))
        attempt("GETHOSTBYADDR %s" % addr, lambda: socket.gethostbyaddr(addr))
    return 0


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "addrs":
        return cmd_addrs(args)
    if cmd == "connect":
        return cmd_connect(args)
    if cmd == "python":
        return cmd_python(args)
    if cmd == "lookups":
        return cmd_lookups(args)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
