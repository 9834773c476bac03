/*
 * Socket creation (hook_socket.c) as the syscall() hook sees it.
 */
#ifndef SX_HOOK_SOCKET_H
#define SX_HOOK_SOCKET_H

/*
 * The body of the socket() hook: packet sockets are refused while the
 * library is in force (-1/EACCES and one log line) unless
 * SOCKSIFY_PACKET=direct; everything else is the real socket().  It
 * behaves as the call does in every respect (the guard, init, errno).
 */
int socket_open(int domain, int type, int protocol);

#endif
