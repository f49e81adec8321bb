package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/uptrace/bun/driver/pgdriver"
)

// checkConn runs before a pooled Postgres connection is reused. A
// connection that the server ended while it sat idle is refused with
// driver.ErrBadConn, and database/sql then runs the statement or starts
// the transaction on another connection, or on a new one. So a restarted
// Postgres, or terminated backends, cost no request.
func checkConn(_ context.Context, cn *pgdriver.Conn) error {
	if !connAlive(cn.Conn()) {
		return driver.ErrBadConn
	}
	return nil
}

// serverEnded reports whether err says that the server ended the
// connection before running the statement: the backend was terminated
// (57P01), the server is shutting down or crashed (57P02), or is starting
// (57P03). Postgres aborts the transaction of a backend it terminates, so
// nothing of the statement was committed and it is safe to run again.
func serverEnded(err error) bool {
	var pe pgdriver.Error
	if errors.As(err, &pe) {
		switch pe.Field('C') {
		case "57P01", "57P02", "57P03":
			return true
		}
	}
	return errors.Is(err, driver.ErrBadConn)
}

// IsUnavailable reports whether err means that the database cannot be
// reached or went away (a restart, a network cut), rather than that a
// statement was wrong: the request may succeed if tried again.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if serverEnded(err) {
		return true
	}
	var pe pgdriver.Error
	if errors.As(err, &pe) {
		code := pe.Field('C')
		return len(code) == 5 && (code[:2] == "08" || code == "53300") // connection exception, too many connections
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
