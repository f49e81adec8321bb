package sso

// Identity is what a provider asserted about a person, after verification.
type Identity struct {
	Issuer, Subject     string // the key: contact_identities(issuer, subject)
	Email               string
	EmailVerified       bool
	FirstName, LastName string
	Company             string         // optional, mapped by the admin to a company
	Claims              map[string]any // what the IdP sent, secrets removed, for "test sign-in"
}

// Name is the person's full name, as the contact's name.
func (id Identity) Name() string {
	switch {
	case id.FirstName == "":
		return id.LastName
	case id.LastName == "":
		return id.FirstName
	}
	return id.FirstName + " " + id.LastName
}
