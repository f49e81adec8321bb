// Package model holds Portico's records as bun structs. It does no I/O.
package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Company is an organization whose contacts may share tickets.
type Company struct {
	bun.BaseModel `bun:"table:companies"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	Domain    string    `bun:"domain,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Contact is a customer who may log in to the portal.
type Contact struct {
	bun.BaseModel `bun:"table:contacts"`

	ID              int64        `bun:"id,pk,autoincrement"`
	Email           string       `bun:"email,notnull"`
	Name            string       `bun:"name,notnull"`
	PasswordHash    string       `bun:"password_hash,notnull"`
	CompanyID       *int64       `bun:"company_id"`
	Language        string       `bun:"language,notnull"`
	Disabled        bool         `bun:"disabled,notnull"`
	EmailVerifiedAt bun.NullTime `bun:"email_verified_at"`
	CreatedAt       time.Time    `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt       time.Time    `bun:"updated_at,nullzero,notnull,default:current_timestamp"`

	Company *Company `bun:"rel:belongs-to,join:company_id=id"`
}

// ContactIdentity links a contact to an SSO identity, keyed on issuer and subject.
type ContactIdentity struct {
	bun.BaseModel `bun:"table:contact_identities"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ContactID int64     `bun:"contact_id,notnull"`
	Issuer    string    `bun:"issuer,notnull"`
	Subject   string    `bun:"subject,notnull"`
	Email     string    `bun:"email,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// List is a static list of contacts, used to grant portal access.
type List struct {
	bun.BaseModel `bun:"table:lists"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// ListMember puts a contact on a list.
type ListMember struct {
	bun.BaseModel `bun:"table:list_members"`

	ListID    int64     `bun:"list_id,pk"`
	ContactID int64     `bun:"contact_id,pk"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Staff roles.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// StaffUser works in the back office.
type StaffUser struct {
	bun.BaseModel `bun:"table:staff_users"`

	ID                int64     `bun:"id,pk,autoincrement"`
	Email             string    `bun:"email,notnull"`
	Name              string    `bun:"name,notnull"`
	PasswordHash      string    `bun:"password_hash,notnull"`
	Role              string    `bun:"role,notnull"`
	CanPortalSettings bool      `bun:"can_portal_settings,notnull"`
	NotifyOptOut      bool      `bun:"notify_opt_out,notnull"`
	Disabled          bool      `bun:"disabled,notnull"`
	CreatedAt         time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Pipeline holds ordered stages.
type Pipeline struct {
	bun.BaseModel `bun:"table:pipelines"`

	ID       int64  `bun:"id,pk,autoincrement"`
	Name     string `bun:"name,notnull"`
	Position int    `bun:"position,notnull"`
	// Solve and reopen (see ReopenPolicy): nil stages mean the pipeline's
	// first closed stage for SolveStageID, its first open one for
	// ReopenStageID.
	SolveStageID  *int64 `bun:"solve_stage_id"`
	ReopenStageID *int64 `bun:"reopen_stage_id"`
	ReopenPolicy  string `bun:"reopen_policy,notnull"`
	ReopenDays    int    `bun:"reopen_days,notnull"`

	Stages []*Stage `bun:"rel:has-many,join:id=pipeline_id"`
}

// Stage is a step of a pipeline; a ticket in a closed stage is closed.
type Stage struct {
	bun.BaseModel `bun:"table:stages"`

	ID         int64  `bun:"id,pk,autoincrement"`
	PipelineID int64  `bun:"pipeline_id,notnull"`
	Name       string `bun:"name,notnull"`
	Position   int    `bun:"position,notnull"`
	IsClosed   bool   `bun:"is_closed,notnull"`
	// Labels are the stage's name as the portal shows it, per language;
	// Name is shown where a language has none.
	Labels Text `bun:"labels,notnull"`
	// WaitsOnCustomer marks an open stage where the customer must act:
	// the portal shows its tickets as "waiting on you".
	WaitsOnCustomer bool `bun:"waits_on_customer,notnull"`
}

// What a customer's reply to a closed ticket does, per pipeline.
const (
	ReopenReadOnly = ""         // refused: closed means read-only
	ReopenWithin   = "reopen"   // reopens within ReopenDays of closing, then a follow-up
	ReopenFollowUp = "followup" // always a follow-up ticket
)

// Inbox receives conversation threads.
type Inbox struct {
	bun.BaseModel `bun:"table:inboxes"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Ticket sources.
const (
	SourcePortal = "portal"
	SourceForm   = "form"
	SourceEmail  = "email"
	SourcePhone  = "phone"
	SourceChat   = "chat"
)

// Ticket priorities.
const (
	PriorityLow    = "low"
	PriorityMedium = "medium"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Ticket is a support request. Its ID is the number shown to customers.
// Closed mirrors the stage's IsClosed so that lists filter on one table.
type Ticket struct {
	bun.BaseModel `bun:"table:tickets"`

	ID             int64             `bun:"id,pk,autoincrement"`
	Subject        string            `bun:"subject,notnull"`
	Description    string            `bun:"description,notnull"`
	PipelineID     int64             `bun:"pipeline_id,notnull"`
	StageID        int64             `bun:"stage_id,notnull"`
	Closed         bool              `bun:"closed,notnull"`
	Priority       string            `bun:"priority,notnull"`
	Category       string            `bun:"category,notnull"`
	Source         string            `bun:"source,notnull"`
	InboxID        *int64            `bun:"inbox_id"`
	OwnerID        *int64            `bun:"owner_id"`
	Properties     map[string]string `bun:"properties,type:jsonb,notnull"`
	CreatedAt      time.Time         `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	LastActivityAt time.Time         `bun:"last_activity_at,nullzero,notnull,default:current_timestamp"`
	// ClosedAt is when the ticket last closed; FollowUpOf the closed
	// ticket this one continues.
	ClosedAt   bun.NullTime `bun:"closed_at"`
	FollowUpOf *int64       `bun:"follow_up_of"`

	Stage    *Stage    `bun:"rel:belongs-to,join:stage_id=id"`
	Pipeline *Pipeline `bun:"rel:belongs-to,join:pipeline_id=id"`
}

// TicketContact associates a contact with a ticket.
type TicketContact struct {
	bun.BaseModel `bun:"table:ticket_contacts"`

	TicketID  int64 `bun:"ticket_id,pk"`
	ContactID int64 `bun:"contact_id,pk"`
	// Shared marks a participant: a contact the ticket was shared with,
	// who sees it under "Shared with me" rather than "My tickets".
	Shared           bool         `bun:"shared,notnull"`
	AddedByContactID *int64       `bun:"added_by_contact_id"`
	AddedByStaffID   *int64       `bun:"added_by_staff_id"`
	AddedAt          bun.NullTime `bun:"added_at"`
}

// TicketCompany associates a company with a ticket.
type TicketCompany struct {
	bun.BaseModel `bun:"table:ticket_companies"`

	TicketID  int64 `bun:"ticket_id,pk"`
	CompanyID int64 `bun:"company_id,pk"`
}

// Thread is one conversation on a ticket, in an inbox.
type Thread struct {
	bun.BaseModel `bun:"table:threads"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TicketID  int64     `bun:"ticket_id,notnull"`
	InboxID   int64     `bun:"inbox_id,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Message kinds. Only public messages ever reach the portal.
const (
	KindPublic  = "public"
	KindNote    = "note"
	KindComment = "comment"
)

// Message directions.
const (
	DirectionIncoming = "incoming"
	DirectionOutgoing = "outgoing"
)

// Message is one entry of a thread.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID              int64     `bun:"id,pk,autoincrement"`
	ThreadID        int64     `bun:"thread_id,notnull"`
	TicketID        int64     `bun:"ticket_id,notnull"`
	Kind            string    `bun:"kind,notnull"`
	Direction       string    `bun:"direction,notnull"`
	Channel         string    `bun:"channel,notnull"`
	AuthorContactID *int64    `bun:"author_contact_id"`
	AuthorStaffID   *int64    `bun:"author_staff_id"`
	Body            string    `bun:"body,notnull"`
	CreatedAt       time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`

	AuthorContact *Contact      `bun:"rel:belongs-to,join:author_contact_id=id"`
	AuthorStaff   *StaffUser    `bun:"rel:belongs-to,join:author_staff_id=id"`
	Attachments   []*Attachment `bun:"rel:has-many,join:id=message_id"`
}

// Attachment is a file on a message, stored in the database: its bytes
// are in AttachmentChunk rows.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments"`

	ID          int64     `bun:"id,pk,autoincrement"`
	MessageID   int64     `bun:"message_id,notnull"`
	TicketID    int64     `bun:"ticket_id,notnull"`
	StorageKey  string    `bun:"storage_key,notnull"`
	Filename    string    `bun:"filename,notnull"`
	ContentType string    `bun:"content_type,notnull"`
	Size        int64     `bun:"size,notnull"`
	CreatedAt   time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// AttachmentChunk is one piece, in order, of an attachment's bytes.
type AttachmentChunk struct {
	bun.BaseModel `bun:"table:attachment_chunks"`

	AttachmentID int64  `bun:"attachment_id,pk"`
	Seq          int    `bun:"seq,pk"`
	Data         []byte `bun:"data,notnull"`
}

// Form is a support form whose fields map to ticket properties.
type Form struct {
	bun.BaseModel `bun:"table:forms"`

	ID               int64       `bun:"id,pk,autoincrement"`
	Name             string      `bun:"name,notnull"`
	InboxID          int64       `bun:"inbox_id,notnull"`
	PipelineID       int64       `bun:"pipeline_id,notnull"`
	Fields           []FormField `bun:"fields,type:jsonb,notnull"`
	AllowAttachments bool        `bun:"allow_attachments,notnull"`
	CreatedAt        time.Time   `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// FormField is one field of a support form. Property is subject,
// description, priority, category, or "custom:<name>". A field with
// choices is a choice list; the ticket keeps the chosen value, and pages
// show its label in the reader's language.
type FormField struct {
	Property string   `json:"property"`
	Label    Text     `json:"label"`
	Help     Text     `json:"help,omitempty"`
	Required bool     `json:"required"`
	Choices  []Choice `json:"choices,omitempty"`
}

// Choice is one option of a choice field: the value a ticket keeps, and
// its label per language.
type Choice struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// ChoiceLabel is the label of a field's choice in lang (def being the
// portal's default language), or the value itself when the field offers
// no such choice.
func (f FormField) ChoiceLabel(value, lang, def string) string {
	for _, c := range f.Choices {
		if c.Value == value {
			if l := c.Label.In(lang, def); l != "" {
				return l
			}
			break
		}
	}
	return value
}

// FormSubmission records one submitted form; the idempotency key makes a
// double submit create one ticket.
type FormSubmission struct {
	bun.BaseModel `bun:"table:form_submissions"`

	ID             int64     `bun:"id,pk,autoincrement"`
	FormID         int64     `bun:"form_id,notnull"`
	TicketID       int64     `bun:"ticket_id,notnull"`
	ContactID      int64     `bun:"contact_id,notnull"`
	IdempotencyKey string    `bun:"idempotency_key,notnull"`
	CreatedAt      time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// ConsentVersion is one saved version of the consent notice.
type ConsentVersion struct {
	bun.BaseModel `bun:"table:consent_versions"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Notice    Text      `bun:"notice,notnull"` // per language; a plain string before
	Label     Text      `bun:"label,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// ConsentRecord says who accepted which consent version, and when.
type ConsentRecord struct {
	bun.BaseModel `bun:"table:consent_records"`

	ID         int64     `bun:"id,pk,autoincrement"`
	ContactID  int64     `bun:"contact_id,notnull"`
	VersionID  int64     `bun:"version_id,notnull"`
	IP         string    `bun:"ip,notnull"`
	AcceptedAt time.Time `bun:"accepted_at,nullzero,notnull,default:current_timestamp"`
}

// AuditEntry records a settings change or a security event.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ActorType string    `bun:"actor_type,notnull"`
	ActorID   *int64    `bun:"actor_id"`
	Action    string    `bun:"action,notnull"`
	Target    string    `bun:"target,notnull"`
	Before    string    `bun:"before,notnull"`
	After     string    `bun:"after,notnull"`
	IP        string    `bun:"ip,notnull"`
	CreatedAt time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// OutboxMail is an email waiting for delivery, written in the same
// transaction as the event that caused it.
type OutboxMail struct {
	bun.BaseModel `bun:"table:mail_outbox"`

	ID            int64        `bun:"id,pk,autoincrement"`
	Kind          string       `bun:"kind,notnull"`
	ToAddr        string       `bun:"to_addr,notnull"`
	ToName        string       `bun:"to_name,notnull"`
	Subject       string       `bun:"subject,notnull"`
	TextBody      string       `bun:"text_body,notnull"`
	HTMLBody      string       `bun:"html_body,notnull"`
	DedupeKey     string       `bun:"dedupe_key,notnull"`
	Status        string       `bun:"status,notnull"`
	Attempts      int          `bun:"attempts,notnull"`
	LastError     string       `bun:"last_error,notnull"`
	NextAttemptAt time.Time    `bun:"next_attempt_at,nullzero,notnull,default:current_timestamp"`
	SentAt        bun.NullTime `bun:"sent_at"`
	CreatedAt     time.Time    `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// Token purposes.
const (
	TokenInvite = "invite"
	TokenVerify = "verify"
	TokenReset  = "reset"
)

// Token is a single-use secret sent by email; only its hash is stored.
type Token struct {
	bun.BaseModel `bun:"table:tokens"`

	ID        int64        `bun:"id,pk,autoincrement"`
	Purpose   string       `bun:"purpose,notnull"`
	Hash      string       `bun:"hash,notnull"`
	ContactID *int64       `bun:"contact_id"`
	StaffID   *int64       `bun:"staff_id"`
	ExpiresAt time.Time    `bun:"expires_at,notnull"`
	UsedAt    bun.NullTime `bun:"used_at"`
	CreatedAt time.Time    `bun:"created_at,nullzero,notnull,default:current_timestamp"`
}

// UsedNonce remembers a one-time value (a JWT jti, a SAML assertion ID)
// until it expires, so that a replay is refused.
type UsedNonce struct {
	bun.BaseModel `bun:"table:used_nonces"`

	Nonce     string    `bun:"nonce,pk"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// PortalSettingsRow is the single row holding the portal settings document.
type PortalSettingsRow struct {
	bun.BaseModel `bun:"table:portal_settings"`

	ID        int64          `bun:"id,pk"`
	Data      PortalSettings `bun:"data,type:jsonb,notnull"`
	Version   int64          `bun:"version,notnull"`
	UpdatedAt time.Time      `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}
