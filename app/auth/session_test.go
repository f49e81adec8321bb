package auth

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"portico/app/testutil"
)

// testSessionStore runs the same checks on any SessionStore.
func testSessionStore(t *testing.T, s SessionStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	put := func(id string, se Session, ttl time.Duration) {
		t.Helper()
		if err := s.Put(ctx, id, &se, ttl); err != nil {
			t.Fatal(err)
		}
	}
	get := func(id string) *Session {
		t.Helper()
		se, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return se
	}

	t.Run("put get delete", func(t *testing.T) {
		id := NewSessionID()
		want := Session{Kind: KindContact, AccountID: 7, CreatedAt: now, LastSeen: now.Add(time.Second), AsContactID: 3}
		if get(id) != nil {
			t.Fatal("a new ID holds a session")
		}
		put(id, want, time.Minute)
		got := get(id)
		if got == nil || got.Kind != want.Kind || got.AccountID != 7 || got.AsContactID != 3 ||
			!got.CreatedAt.Equal(want.CreatedAt) || !got.LastSeen.Equal(want.LastSeen) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		// Changing the returned copy does not change the stored session.
		got.AccountID = 99
		if get(id).AccountID != 7 {
			t.Error("the store hands out its own record")
		}
		// Put replaces.
		want.LastSeen = now.Add(time.Hour)
		put(id, want, time.Minute)
		if !get(id).LastSeen.Equal(want.LastSeen) {
			t.Error("Put did not replace the session")
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if get(id) != nil {
			t.Error("the session survived Delete")
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Errorf("deleting twice: %v", err)
		}
		// Similar IDs are different sessions.
		put(id, want, time.Minute)
		if get(id[:len(id)-1]+"x") != nil || get(id+"x") != nil || get("") != nil {
			t.Error("a different ID finds the session")
		}
	})

	t.Run("ttl", func(t *testing.T) {
		short, long := NewSessionID(), NewSessionID()
		put(short, Session{Kind: KindContact, AccountID: 1, CreatedAt: now, LastSeen: now}, 150*time.Millisecond)
		put(long, Session{Kind: KindContact, AccountID: 1, CreatedAt: now, LastSeen: now}, time.Minute)
		if get(short) == nil {
			t.Fatal("the session expired at once")
		}
		time.Sleep(300 * time.Millisecond)
		if get(short) != nil {
			t.Error("the session outlived its TTL")
		}
		if get(long) == nil {
			t.Error("the other session expired too")
		}
	})

	t.Run("delete account", func(t *testing.T) {
		a1, a2, b, staff := NewSessionID(), NewSessionID(), NewSessionID(), NewSessionID()
		put(a1, Session{Kind: KindContact, AccountID: 41, CreatedAt: now, LastSeen: now}, time.Minute)
		put(a2, Session{Kind: KindContact, AccountID: 41, CreatedAt: now, LastSeen: now}, time.Minute)
		put(b, Session{Kind: KindContact, AccountID: 42, CreatedAt: now, LastSeen: now}, time.Minute)
		put(staff, Session{Kind: KindStaff, AccountID: 41, CreatedAt: now, LastSeen: now}, time.Minute)
		// a1 is refreshed, as every request does.
		put(a1, Session{Kind: KindContact, AccountID: 41, CreatedAt: now, LastSeen: now.Add(time.Second)}, time.Minute)
		if err := s.DeleteAccount(ctx, KindContact, 41); err != nil {
			t.Fatal(err)
		}
		if get(a1) != nil || get(a2) != nil {
			t.Error("a session of the account survived")
		}
		if get(b) == nil {
			t.Error("another account's session was deleted")
		}
		if get(staff) == nil {
			t.Error("a staff session with the same number was deleted")
		}
		// New sessions of the account work again afterwards, and a second
		// DeleteAccount ends them too.
		a3 := NewSessionID()
		put(a3, Session{Kind: KindContact, AccountID: 41, CreatedAt: now, LastSeen: now}, time.Minute)
		if get(a3) == nil {
			t.Fatal("a new session after DeleteAccount is missing")
		}
		if err := s.DeleteAccount(ctx, KindContact, 41); err != nil {
			t.Fatal(err)
		}
		if get(a3) != nil {
			t.Error("the second DeleteAccount missed a session")
		}
		if err := s.DeleteAccount(ctx, KindContact, 12345); err != nil {
			t.Errorf("an account without sessions: %v", err)
		}
	})

	// Touch rewrites a live session, creates none, and never brings back
	// one that DeleteAccount (a password change, a disable) ended while a
	// request that read it was running.
	t.Run("touch", func(t *testing.T) {
		live, gone, never := NewSessionID(), NewSessionID(), NewSessionID()
		put(live, Session{Kind: KindContact, AccountID: 51, CreatedAt: now, LastSeen: now}, time.Minute)
		put(gone, Session{Kind: KindContact, AccountID: 52, CreatedAt: now, LastSeen: now}, time.Minute)
		later := now.Add(90 * time.Second)
		if err := s.Touch(ctx, live, &Session{Kind: KindContact, AccountID: 51, CreatedAt: now, LastSeen: later}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if se := get(live); se == nil || !se.LastSeen.Equal(later) {
			t.Errorf("touched session: %+v", se)
		}
		read := get(gone)
		if err := s.DeleteAccount(ctx, KindContact, 52); err != nil {
			t.Fatal(err)
		}
		read.LastSeen = later
		if err := s.Touch(ctx, gone, read, time.Minute); err != nil {
			t.Fatal(err)
		}
		if se := get(gone); se != nil {
			t.Errorf("a touch brought back a deleted session: %+v", se)
		}
		if err := s.Touch(ctx, never, &Session{Kind: KindContact, AccountID: 53, CreatedAt: now, LastSeen: now}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if se := get(never); se != nil {
			t.Errorf("a touch created a session: %+v", se)
		}
		// A session put afterwards under the account is still found by
		// DeleteAccount: the touch left the account's index alone.
		again := NewSessionID()
		put(again, Session{Kind: KindContact, AccountID: 52, CreatedAt: now, LastSeen: now}, time.Minute)
		if err := s.DeleteAccount(ctx, KindContact, 52); err != nil {
			t.Fatal(err)
		}
		if get(again) != nil {
			t.Error("DeleteAccount missed a session put after a touch")
		}
	})

	t.Run("ping", func(t *testing.T) {
		if err := s.Ping(ctx); err != nil {
			t.Error(err)
		}
	})
}

func TestSessionMemory(t *testing.T) {
	t.Parallel()
	testSessionStore(t, NewMemorySessions())
}

func TestSessionRedis(t *testing.T) {
	t.Parallel()
	c, prefix := testutil.Redis(t)
	s := &RedisSessions{Client: c, Prefix: prefix}
	testSessionStore(t, s)

	ctx := context.Background()
	t.Run("keys", func(t *testing.T) {
		id := NewSessionID()
		now := time.Now()
		if err := s.Put(ctx, id, &Session{Kind: KindContact, AccountID: 5, CreatedAt: now, LastSeen: now}, time.Minute); err != nil {
			t.Fatal(err)
		}
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if len(k) > len(prefix) && containsString(k, id) {
				t.Errorf("key %q holds the raw session ID", k)
			}
			if ttl := c.TTL(ctx, k).Val(); ttl <= 0 {
				t.Errorf("key %q has no TTL (%v)", k, ttl)
			}
		}
		// Another prefix is another store.
		other := &RedisSessions{Client: c, Prefix: prefix + "other:"}
		if se, err := other.Get(ctx, id); err != nil || se != nil {
			t.Errorf("another prefix sees the session: %v %v", se, err)
		}
	})
	t.Run("corrupt record", func(t *testing.T) {
		id := NewSessionID()
		if err := c.Set(ctx, s.key(id), "{not json", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if se, err := s.Get(ctx, id); se != nil || err != nil {
			t.Errorf("a corrupt record reads as %+v, %v", se, err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		dead := &RedisSessions{Client: deadRedis(t)}
		now := time.Now()
		if se, err := dead.Get(ctx, NewSessionID()); err == nil || se != nil {
			t.Errorf("Get on a dead Redis: %v, %v; want an error and no session", se, err)
		}
		if err := dead.Put(ctx, NewSessionID(), &Session{Kind: KindContact, AccountID: 1, CreatedAt: now, LastSeen: now}, time.Minute); err == nil {
			t.Error("Put on a dead Redis: no error")
		}
		if err := dead.Delete(ctx, NewSessionID()); err == nil {
			t.Error("Delete on a dead Redis: no error")
		}
		if err := dead.DeleteAccount(ctx, KindContact, 1); err == nil {
			t.Error("DeleteAccount on a dead Redis: no error")
		}
		if err := dead.Ping(ctx); err == nil {
			t.Error("Ping on a dead Redis: no error")
		}
	})
}

func containsString(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestNewSessionID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := NewSessionID()
		b, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(b) != 32 || len(id) != 43 {
			t.Fatalf("ID %q: %d bytes, %v", id, len(b), err)
		}
		if seen[id] {
			t.Fatal("a repeated session ID")
		}
		seen[id] = true
	}
}
