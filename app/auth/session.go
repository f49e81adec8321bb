package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is what the server keeps about a logged-in person. The cookie
// holds only a random ID; the store keys the record by the ID's hash.
type Session struct {
	Kind      string    `json:"kind"` // "contact" or "staff"
	AccountID int64     `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	// AsContactID is set when a staff session previews the portal.
	AsContactID int64 `json:"as_contact_id,omitempty"`
	// SSO is the slug of the single sign-on provider the contact logged
	// in with, empty after a password login; IDToken is the provider's
	// ID token, kept as the hint of its end-session request.
	SSO     string `json:"sso,omitempty"`
	IDToken string `json:"id_token,omitempty"`
	// Flows holds the sign-ins under way at identity providers (state,
	// nonce, PKCE verifier), by state, so that they are bound to this
	// browser's session and live wherever sessions live.
	Flows map[string]string `json:"flows,omitempty"`
}

// Session kinds.
const (
	KindContact = "contact"
	KindStaff   = "staff"
	// KindPending holds only sign-in flows of a visitor not logged in.
	KindPending = "pending"
)

// SessionStore keeps sessions. Implementations: Redis for production, an
// in-process map for the embedded mode.
type SessionStore interface {
	// Get returns the session, nil when there is none, or an error when the
	// store cannot answer (which must never be read as a valid session).
	Get(ctx context.Context, id string) (*Session, error)
	Put(ctx context.Context, id string, s *Session, ttl time.Duration) error
	// Touch rewrites a session that still exists, and never brings back
	// one deleted meanwhile (a logout, a password change, a disable).
	Touch(ctx context.Context, id string, s *Session, ttl time.Duration) error
	Delete(ctx context.Context, id string) error
	// DeleteAccount ends every session of one account.
	DeleteAccount(ctx context.Context, kind string, accountID int64) error
	Ping(ctx context.Context) error
}

// NewSessionID returns a random session ID for a cookie.
func NewSessionID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// RedisSessions keeps sessions in Redis, with a set of session hashes per
// account so that a password change or a disabled account ends them all.
type RedisSessions struct {
	Client *redis.Client
	Prefix string
}

func (r *RedisSessions) key(id string) string { return r.Prefix + "sess:" + hashID(id) }
func (r *RedisSessions) accountKey(kind string, id int64) string {
	return r.Prefix + "acct:" + kind + ":" + strconv.FormatInt(id, 10)
}

// Get implements SessionStore.
func (r *RedisSessions) Get(ctx context.Context, id string) (*Session, error) {
	b, err := r.Client.Get(ctx, r.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sessions: unable to read: %w", err)
	}
	s := new(Session)
	if err := json.Unmarshal(b, s); err != nil {
		return nil, nil
	}
	return s, nil
}

// Put implements SessionStore.
func (r *RedisSessions) Put(ctx context.Context, id string, s *Session, ttl time.Duration) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ak := r.accountKey(s.Kind, s.AccountID)
	_, err = r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.key(id), b, ttl)
		// A visitor's pending sign-in belongs to no account: no index.
		if s.AccountID != 0 {
			p.SAdd(ctx, ak, hashID(id))
			p.Expire(ctx, ak, 48*time.Hour)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sessions: unable to write: %w", err)
	}
	return nil
}

// Touch implements SessionStore: SET with XX; the account's index keeps
// its members and, if it still exists, lives on as Put makes it.
func (r *RedisSessions) Touch(ctx context.Context, id string, s *Session, ttl time.Duration) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SetXX(ctx, r.key(id), b, ttl)
		if s.AccountID != 0 {
			p.Expire(ctx, r.accountKey(s.Kind, s.AccountID), 48*time.Hour)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sessions: unable to write: %w", err)
	}
	return nil
}

// Delete implements SessionStore.
func (r *RedisSessions) Delete(ctx context.Context, id string) error {
	if err := r.Client.Del(ctx, r.key(id)).Err(); err != nil {
		return fmt.Errorf("sessions: unable to delete: %w", err)
	}
	return nil
}

// DeleteAccount implements SessionStore.
func (r *RedisSessions) DeleteAccount(ctx context.Context, kind string, accountID int64) error {
	ak := r.accountKey(kind, accountID)
	hashes, err := r.Client.SMembers(ctx, ak).Result()
	if err != nil {
		return fmt.Errorf("sessions: unable to list account sessions: %w", err)
	}
	keys := []string{ak}
	for _, h := range hashes {
		keys = append(keys, r.Prefix+"sess:"+h)
	}
	if err := r.Client.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("sessions: unable to delete account sessions: %w", err)
	}
	return nil
}

// Ping implements SessionStore.
func (r *RedisSessions) Ping(ctx context.Context) error { return r.Client.Ping(ctx).Err() }

// MemorySessions keeps sessions in this process, for the embedded mode.
type MemorySessions struct {
	mu    sync.Mutex
	items map[string]memSession
}

type memSession struct {
	s       Session
	expires time.Time
}

// NewMemorySessions returns an empty in-process store.
func NewMemorySessions() *MemorySessions {
	return &MemorySessions{items: map[string]memSession{}}
}

// Get implements SessionStore.
func (m *MemorySessions) Get(_ context.Context, id string) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[hashID(id)]
	if !ok || time.Now().After(it.expires) {
		delete(m.items, hashID(id))
		return nil, nil
	}
	s := it.s
	return &s, nil
}

// Put implements SessionStore.
func (m *MemorySessions) Put(_ context.Context, id string, s *Session, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	// Sweep now and then, so that abandoned sessions don't pile up.
	if len(m.items) > 0 && len(m.items)%256 == 0 {
		for k, it := range m.items {
			if now.After(it.expires) {
				delete(m.items, k)
			}
		}
	}
	m.items[hashID(id)] = memSession{s: *s, expires: now.Add(ttl)}
	return nil
}

// Touch implements SessionStore.
func (m *MemorySessions) Touch(_ context.Context, id string, s *Session, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := hashID(id)
	if _, ok := m.items[k]; ok {
		m.items[k] = memSession{s: *s, expires: time.Now().Add(ttl)}
	}
	return nil
}

// Delete implements SessionStore.
func (m *MemorySessions) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, hashID(id))
	return nil
}

// DeleteAccount implements SessionStore.
func (m *MemorySessions) DeleteAccount(_ context.Context, kind string, accountID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, it := range m.items {
		if it.s.Kind == kind && it.s.AccountID == accountID {
			delete(m.items, k)
		}
	}
	return nil
}

// Ping implements SessionStore.
func (m *MemorySessions) Ping(context.Context) error { return nil }
