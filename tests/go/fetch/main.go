// fetch: a pure-Go client (built with CGO_ENABLED=0, so Go resolves names
// itself from /etc/resolv.conf and makes its own system calls; no
// LD_PRELOAD library can see it).
//
//	fetch HOST PORT PATH
//
// Looks HOST up (one line "RESOLVED <addr>" per address), connects to
// HOST:PORT, sends an HTTP/1.0 GET for PATH and prints the answer.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: fetch HOST PORT PATH")
		os.Exit(2)
	}
	host, port, path := os.Args[1], os.Args[2], os.Args[3]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &net.Resolver{PreferGo: true}
	addrs, err := r.LookupHost(ctx, host)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch: lookup:", err)
		os.Exit(1)
	}
	for _, a := range addrs {
		fmt.Println("RESOLVED", a)
	}
	d := net.Dialer{Timeout: 10 * time.Second, Resolver: r}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch: dial:", err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Println("REMOTE", c.RemoteAddr())
	fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "fetch: read:", err)
		os.Exit(1)
	}
}
