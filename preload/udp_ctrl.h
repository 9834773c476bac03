/*
 * The control sockets of UDP associations as descriptors (udp_ctrl.c).
 */
#ifndef SX_UDP_CTRL_H
#define SX_UDP_CTRL_H

#include <stdbool.h>
#include <stdint.h>

/* The lowest number a control socket is moved to. */
int udp_ctrl_floor(void);
/* A close-on-exec duplicate of fd at or above the floor, or -errno. */
int udp_ctrl_dup(int fd);
/* Move a new control socket up to the floor; keep it where it is if that fails. */
int udp_ctrl_place(int fd);
/* The inode of fd's open file, to know a control socket again (0: unknown). */
uint64_t udp_ctrl_ino(int fd);
/*
 * Close a control socket, but only if the number still holds it (inode
 * ino; 0: do not check): a program that closed it behind our back (a raw
 * close_range system call) may have the number back for something else.
 */
void udp_ctrl_close(int ctrl, uint64_t ino);
/* False when the proxy has closed or reset the control connection. */
bool udp_ctrl_alive(int ctrl);
/* fd is gone or is no socket any more: forget its association and close its control socket. */
void udp_ctrl_forget(int fd);

#endif
