package model

import (
	"time"

	"github.com/uptrace/bun"
)

// MailJob is account mail asked for in a request (a reset, a registration,
// a confirmation, an invitation), done later by a worker: the request only
// writes the job, the same way whether the address is known or not.
type MailJob struct {
	bun.BaseModel `bun:"table:mail_jobs"`

	ID            int64     `bun:"id,pk,autoincrement"`
	Kind          string    `bun:"kind,notnull"`
	Payload       string    `bun:"payload,notnull"`
	Attempts      int       `bun:"attempts,notnull"`
	LastError     string    `bun:"last_error,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,nullzero,notnull,default:current_timestamp"`
	CreatedAt     time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}
