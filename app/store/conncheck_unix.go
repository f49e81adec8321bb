//go:build linux || darwin || freebsd || netbsd || openbsd

package store

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// connAlive peeks at an idle connection's socket without blocking. A
// connection the server ended (Postgres restarted, or its backend
// terminated) has already received the server's last words or the end of
// the stream; a live idle one has nothing to read.
func connAlive(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := true
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EWOULDBLOCK), errors.Is(rerr, syscall.EINTR):
			alive = true
		default: // data while idle (n > 0), the end of the stream (n == 0), or an error
			alive = false
		}
		return true // never wait for the socket
	})
	return err == nil && alive
}
