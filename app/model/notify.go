package model

// NotifySettings are the portal's options for customers' notification
// choices.
type NotifySettings struct {
	// AgentsAlways keeps agents' replies coming: customers may mute a
	// ticket, but their default can't be "none" (and an earlier "none"
	// still gets agents' replies).
	AgentsAlways bool `json:"agents_always"`
}
