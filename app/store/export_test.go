package store

// ForceSearchWalk makes the store's Postgres search read its pages one
// way, or choose again with nil.
func (s *Store) ForceSearchWalk(walk *bool) { s.searchWalk = walk }
