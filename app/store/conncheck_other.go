//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package store

import "net"

// connAlive cannot peek at sockets here: a dead connection is found by
// the statement that uses it.
func connAlive(net.Conn) bool { return true }
