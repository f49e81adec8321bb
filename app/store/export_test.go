package store

// KeptContacts is how many contacts the store keeps now.
func (s *Store) KeptContacts() int {
	s.accounts.mu.Lock()
	defer s.accounts.mu.Unlock()
	return len(s.accounts.m)
}
