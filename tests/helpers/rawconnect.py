#!/usr/bin/env python3
"""Connect with the C library's syscall(SYS_connect, ...) instead of
connect(), then read the destination's first line (dest.py says which
address the connection came from).  Prints CONNECTED and PEER-LINE ...,
or ERRNO <name>."""
import ctypes
import errno
import socket
import struct
import sys

SYS_CONNECT = 42  # x86_64

host, port = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
addr = struct.pack("!HH4s8x", socket.AF_INET, port, socket.inet_aton(host))
# sockaddr_in's family is in host byte order.
addr = struct.pack("=H", socket.AF_INET) + addr[2:]
buf = ctypes.create_string_buffer(addr, len(addr))
rc = libc.syscall(ctypes.c_long(SYS_CONNECT), ctypes.c_long(s.fileno()),
                  buf, ctypes.c_long(len(addr)))
if rc < 0:
    print("ERRNO", errno.errorcode.get(ctypes.get_errno(), "?"))
    sys.exit(1)
print("CONNECTED")
line = s.makefile("rb").readline().decode().strip()
print("PEER-LINE", line)
