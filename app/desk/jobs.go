package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

// Account mail leaves the request: a request for a reset, a registration,
// a new confirmation link or an invitation only writes a small job, the
// same way whatever the address, so that a known and an unknown address
// take the same time. RunJobs does the look-up, the token, the rendering
// and the outbox insert, and deletes the job in the same transaction.

// Job kinds.
const (
	JobReset    = "reset"
	JobRegister = "register"
	JobVerify   = "verify"
	JobInvite   = "invite"
)

// Registration is what a registration job carries: the form, already
// checked, with the password already hashed in the request.
type Registration struct {
	Email, Name, PasswordHash, Language string
	ConsentVersionID                    int64
	IP                                  string
	// Mail is false when the address's mail limit is spent: the account is
	// still created, but no mail goes out.
	Mail bool
}

type addressJob struct{ Email string }

type inviteJob struct{ ContactID int64 }

// RequestReset queues a password reset for an address, known or not.
func (s *Service) RequestReset(ctx context.Context, email string) error {
	return s.enqueue(ctx, s.Store.DB, JobReset, addressJob{Email: email})
}

// RequestVerification queues a new confirmation link for an address,
// known or not.
func (s *Service) RequestVerification(ctx context.Context, email string) error {
	return s.enqueue(ctx, s.Store.DB, JobVerify, addressJob{Email: email})
}

// RequestRegistration queues a registration: a new account, or a "you
// already have an account" mail to the address's owner.
func (s *Service) RequestRegistration(ctx context.Context, r Registration) error {
	return s.enqueue(ctx, s.Store.DB, JobRegister, r)
}

func (s *Service) enqueue(ctx context.Context, db bun.IDB, kind string, payload any) error {
	if err := store.EnqueueJob(ctx, db, kind, payload); err != nil {
		return err
	}
	s.wakeJobs()
	return nil
}

// wakeJobs tells a running worker there is work, without waiting.
func (s *Service) wakeJobs() {
	s.jobsOnce.Do(s.initJobs)
	select {
	case s.jobsWake <- struct{}{}:
	default:
	}
}

func (s *Service) initJobs() { s.jobsWake = make(chan struct{}, 1) }

// RunJobs does due jobs until ctx ends: at once when a request queued
// one on this instance, and every few seconds for those queued elsewhere
// or deferred after a failure.
func (s *Service) RunJobs(ctx context.Context) {
	s.jobsOnce.Do(s.initJobs)
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for {
		if _, err := s.RunDueJobs(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("mail jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.jobsWake:
		case <-tick.C:
		}
	}
}

// RunDueJobs does every job that is due now and answers how many it did.
// A job that fails is put off, longer after each failure, and tried again.
func (s *Service) RunDueJobs(ctx context.Context) (int, error) {
	done := 0
	for ctx.Err() == nil {
		var claimed *model.MailJob
		var jobErr error
		err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			j, err := store.ClaimJob(ctx, tx, time.Now())
			if err != nil {
				return err
			}
			claimed = j
			if jobErr = s.runJob(ctx, tx, j); jobErr != nil {
				return jobErr
			}
			return store.DeleteJob(ctx, tx, j.ID)
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return done, nil
		case err != nil && claimed != nil && jobErr != nil:
			// The job's work rolled back whole; try it again later.
			wait := min(time.Duration(1<<min(claimed.Attempts, 12))*time.Second, time.Hour)
			if derr := store.DeferJob(ctx, s.Store.DB, claimed.ID, jobErr.Error(), time.Now().Add(wait)); derr != nil {
				return done, derr
			}
			s.Log.Error("mail job failed", "job", claimed.ID, "kind", claimed.Kind, "err", jobErr)
		case err != nil:
			return done, err
		default:
			done++
		}
	}
	return done, ctx.Err()
}

// runJob does one job in tx. Settings are read now, so that the mail
// follows the portal as it is when the mail is made.
func (s *Service) runJob(ctx context.Context, tx bun.Tx, j *model.MailJob) error {
	m, err := s.Mailer()
	if err != nil {
		return err
	}
	st, _, err := store.Settings(ctx, tx)
	if err != nil {
		return err
	}
	decode := func(v any) error {
		if err := json.Unmarshal([]byte(j.Payload), v); err != nil {
			return fmt.Errorf("desk: job %d: %w", j.ID, err)
		}
		return nil
	}
	switch j.Kind {
	case JobReset, JobVerify:
		var p addressJob
		if err := decode(&p); err != nil {
			return err
		}
		ct, err := store.ContactByEmail(ctx, tx, p.Email)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil || ct.Disabled {
			return err
		}
		if j.Kind == JobReset {
			return noRecipientIsDone(m.SendReset(ctx, tx, st, ct))
		}
		if !ct.EmailVerifiedAt.IsZero() {
			return nil
		}
		return noRecipientIsDone(m.SendVerification(ctx, tx, st, ct))
	case JobRegister:
		var p Registration
		if err := decode(&p); err != nil {
			return err
		}
		return s.register(ctx, tx, m, st, p)
	case JobInvite:
		var p inviteJob
		if err := decode(&p); err != nil {
			return err
		}
		ct, err := store.ContactByID(ctx, tx, p.ContactID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil || ct.PasswordHash != "" || ct.Disabled {
			return err
		}
		return noRecipientIsDone(m.SendInvite(ctx, tx, st, ct))
	}
	s.Log.Error("unknown mail job dropped", "job", j.ID, "kind", j.Kind)
	return nil
}

// register creates the account of a new address, with its consent record
// and, when addresses must be confirmed, a confirmation link; an address
// that has an account gets a "you already have an account" mail instead.
func (s *Service) register(ctx context.Context, tx bun.Tx, m *mail.Mailer, st model.PortalSettings, p Registration) error {
	existing, err := store.ContactByEmail(ctx, tx, p.Email)
	if err == nil {
		if !p.Mail || existing.Disabled {
			return nil
		}
		return noRecipientIsDone(m.SendAccountExists(ctx, tx, st, existing))
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	ct := &model.Contact{Email: p.Email, Name: p.Name, PasswordHash: p.PasswordHash, Language: p.Language}
	if err := store.CreateContact(ctx, tx, ct); err != nil {
		return err
	}
	if p.ConsentVersionID != 0 {
		if err := store.AddConsentRecord(ctx, tx, &model.ConsentRecord{ContactID: ct.ID, VersionID: p.ConsentVersionID, IP: p.IP}); err != nil {
			return err
		}
	}
	if !st.RequireVerification || !p.Mail {
		return nil
	}
	return noRecipientIsDone(m.SendVerification(ctx, tx, st, ct))
}

// noRecipientIsDone ends a job whose address can take no mail: trying
// again would not help.
func noRecipientIsDone(err error) error {
	if errors.Is(err, mail.ErrNoRecipient) {
		return nil
	}
	return err
}
