package portal

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// exportPage is how many tickets or attachments the export reads at once:
// a contact who sees many tickets is written out a page at a time, never
// held whole in memory.
const exportPage = 100

// exportTimeout bounds one download's work after the handler returns.
const exportTimeout = 10 * time.Minute

// MyData shows the "Your data" page: the downloads and, when the settings
// allow it, the form to ask for the account's deletion.
func (s *Handler) MyData(c *fiber.Ctx) error {
	m, err := s.myDataView(c, form.Errors{})
	if err != nil {
		return err
	}
	m["Requested"] = c.Query("requested") == "1"
	return s.Page(c, fiber.StatusOK, "pages/portal/mydata", m)
}

func (s *Handler) myDataView(c *fiber.Ctx, errs form.Errors) (fiber.Map, error) {
	pending, err := store.PendingDeletionRequest(c.UserContext(), s.Store.DB, core.ContactOf(c).ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return fiber.Map{"Title": core.LocaleOf(c).T("mydata.title"), "Pending": pending, "Errors": errs,
		"CanDelete": !core.SettingsOf(c).MyData.NoSelfDeletion}, nil
}

// MyDataDelete takes a contact's request that their account be deleted:
// the admins are told and carry it out from the back office.
func (s *Handler) MyDataDelete(c *fiber.Ctx) error {
	if core.SettingsOf(c).MyData.NoSelfDeletion {
		return core.ErrNotFound
	}
	if c.FormValue("confirm") != "1" {
		m, err := s.myDataView(c, form.Errors{"confirm": "mydata.confirm_required"})
		if err != nil {
			return err
		}
		return s.Page(c, fiber.StatusUnprocessableEntity, "pages/portal/mydata", m)
	}
	if !s.AllowContactPost(c, "deletion", s.Posts.ReplyPerContact, s.Posts.ReplyPerIP) {
		return core.ErrRateLimited
	}
	if err := s.Desk.RequestDeletion(c.UserContext(), core.ContactOf(c), core.IP(c)); err != nil {
		return err
	}
	return core.Redirect(c, "/portal/me/data?requested=1#deletion")
}

type exportProfile struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	Language      string    `json:"language"`
	Company       string    `json:"company,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

type exportConsent struct {
	Label      string    `json:"label"`
	AcceptedAt time.Time `json:"accepted_at"`
}

type exportField struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type exportAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

type exportMessage struct {
	ID          int64              `json:"id"`
	Author      string             `json:"author"`
	FromSupport bool               `json:"from_support"`
	Mine        bool               `json:"mine"`
	CreatedAt   time.Time          `json:"created_at"`
	Body        string             `json:"body"`
	Attachments []exportAttachment `json:"attachments"`
}

type exportTicket struct {
	ID             int64           `json:"id"`
	Subject        string          `json:"subject"`
	Status         string          `json:"status"`
	CreatedAt      time.Time       `json:"created_at"`
	LastActivityAt time.Time       `json:"last_activity_at"`
	Fields         []exportField   `json:"fields"`
	Messages       []exportMessage `json:"messages"`
}

// exportJob is what a download needs once the handler has returned: the
// request's context is gone by the time the body is written.
type exportJob struct {
	st      *store.Store
	viewer  store.Viewer
	contact model.Contact
	l       *i18n.Locale
	form    *model.Form
	stages  bool
}

func (s *Handler) exportJob(c *fiber.Ctx) (*exportJob, error) {
	ct := core.ContactOf(c)
	pf, err := core.PortalForm(c.UserContext(), s.Store.DB, core.SettingsOf(c))
	if err != nil {
		return nil, err
	}
	return &exportJob{st: s.Store, viewer: core.Viewer(c, true), contact: *ct, l: core.LocaleOf(c),
		form: pf, stages: core.SettingsOf(c).ShowStageNames}, nil
}

func exportHeaders(c *fiber.Ctx, ctype, name string) {
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-Type-Options", "nosniff")
}

// MyDataJSON sends everything the portal shows the contact as one JSON
// file, written ticket by ticket as it is read.
func (s *Handler) MyDataJSON(c *fiber.Ctx) error {
	job, err := s.exportJob(c)
	if err != nil {
		return err
	}
	ctx := context.Background()
	head, err := job.head(ctx)
	if err != nil {
		return err
	}
	exportHeaders(c, fiber.MIMEApplicationJSONCharsetUTF8, fmt.Sprintf("portico-data-%d.json", job.contact.ID))
	log := s.Log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		if err := job.writeJSON(ctx, w, head); err != nil && log != nil {
			log.Error("data export stopped", "contact", job.contact.ID, "err", err)
		}
	})
	return nil
}

type exportHead struct {
	Profile  exportProfile   `json:"profile"`
	Consents []exportConsent `json:"consents"`
}

func (j *exportJob) head(ctx context.Context) (*exportHead, error) {
	ct := j.contact
	h := &exportHead{Profile: exportProfile{ID: ct.ID, Name: ct.Name, Email: ct.Email,
		EmailVerified: !ct.EmailVerifiedAt.IsZero(), Language: ct.Language, CreatedAt: ct.CreatedAt},
		Consents: []exportConsent{}}
	if ct.Company != nil {
		h.Profile.Company = ct.Company.Name
	}
	cs, err := store.ContactConsents(ctx, j.st.DB, ct.ID)
	if err != nil {
		return nil, err
	}
	for _, cg := range cs {
		h.Consents = append(h.Consents, exportConsent{Label: j.l.Pick(cg.Label), AcceptedAt: cg.AcceptedAt})
	}
	return h, nil
}

// writeJSON writes {"generated_at", "profile", "consents", "tickets": [...]}
// with one encoder call per ticket.
func (j *exportJob) writeJSON(ctx context.Context, w *bufio.Writer, head *exportHead) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("  ", "  ")
	write := func(s string) { _, _ = w.WriteString(s) }
	write("{\n  \"generated_at\": ")
	if err := enc.Encode(time.Now().UTC()); err != nil {
		return err
	}
	write("  ,\"profile\": ")
	if err := enc.Encode(head.Profile); err != nil {
		return err
	}
	write("  ,\"consents\": ")
	if err := enc.Encode(head.Consents); err != nil {
		return err
	}
	write("  ,\"tickets\": [\n  ")
	var after int64
	first := true
	for {
		ids, err := j.st.VisibleTicketIDs(ctx, j.st.DB, j.viewer, after, exportPage)
		if err != nil {
			return err
		}
		for _, id := range ids {
			t, err := j.ticket(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue // gone or hidden since the page was read
			}
			if err != nil {
				return err
			}
			if !first {
				write("  ,")
			}
			first = false
			if err := enc.Encode(t); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if len(ids) < exportPage {
			break
		}
		after = ids[len(ids)-1]
	}
	write("  ]\n}\n")
	return w.Flush()
}

// ticket is one ticket as its portal page shows it: properties, the
// fields of the portal's form, and the latest thread's public messages.
func (j *exportJob) ticket(ctx context.Context, id int64) (*exportTicket, error) {
	t, err := j.st.VisibleTicket(ctx, j.st.DB, j.viewer, id)
	if err != nil {
		return nil, err
	}
	msgs, err := store.LatestThreadMessages(ctx, j.st.DB, t.ID)
	if err != nil {
		return nil, err
	}
	out := &exportTicket{ID: t.ID, Subject: t.Subject, Status: j.status(t), CreatedAt: t.CreatedAt,
		LastActivityAt: t.LastActivityAt, Fields: []exportField{}, Messages: []exportMessage{}}
	for _, f := range core.TicketFields(j.l, j.form, &t.Ticket, false) {
		out.Fields = append(out.Fields, exportField{Label: f.Label, Value: f.Value})
	}
	for _, m := range msgs {
		em := exportMessage{ID: m.ID, FromSupport: m.AuthorStaffID != nil, CreatedAt: m.CreatedAt, Body: core.MessageBody(j.l, m.Body),
			Mine: m.AuthorContactID != nil && *m.AuthorContactID == j.contact.ID, Attachments: []exportAttachment{}}
		switch {
		case m.AuthorStaff != nil:
			em.Author = m.AuthorStaff.Name
		case m.AuthorContact != nil:
			em.Author = m.AuthorContact.Name
		}
		for _, a := range m.Attachments {
			em.Attachments = append(em.Attachments, exportAttachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
		}
		out.Messages = append(out.Messages, em)
	}
	return out, nil
}

// status is the ticket's status as the ticket page words it.
func (j *exportJob) status(t *store.TicketDetail) string {
	switch {
	case j.stages:
		if s := j.l.Pick(t.StageLabels); s != "" {
			return s
		}
		return t.StageName
	case t.Closed:
		return j.l.T("status.closed")
	case t.StageWaiting:
		return j.l.T("status.waiting")
	}
	return j.l.T("status.open")
}

// MyDataZIP sends the attachments the contact can download, as one ZIP
// written while each file's chunks are read.
func (s *Handler) MyDataZIP(c *fiber.Ctx) error {
	job, err := s.exportJob(c)
	if err != nil {
		return err
	}
	exportHeaders(c, "application/zip", fmt.Sprintf("portico-attachments-%d.zip", job.contact.ID))
	log := s.Log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		if err := job.writeZIP(ctx, w); err != nil && log != nil {
			log.Error("attachment export stopped", "contact", job.contact.ID, "err", err)
		}
	})
	return nil
}

// ZipName is where an attachment goes in the archive: one folder per
// ticket, the attachment's ID keeping equal names apart.
func ZipName(a *model.Attachment) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == '\\' || r == 0x7f {
			return '_'
		}
		return r
	}, path.Base(strings.ReplaceAll(a.Filename, "\\", "/")))
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	return fmt.Sprintf("ticket-%d/%d-%s", a.TicketID, a.ID, name)
}

func (j *exportJob) writeZIP(ctx context.Context, w *bufio.Writer) error {
	zw := zip.NewWriter(w)
	var after int64
	for {
		as, err := j.st.VisibleAttachments(ctx, j.st.DB, j.viewer, after, exportPage)
		if err != nil {
			return err
		}
		for _, a := range as {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: ZipName(a), Method: zip.Deflate, Modified: a.CreatedAt})
			if err != nil {
				return err
			}
			r := store.OpenAttachment(j.st.DB, a)
			_, err = io.Copy(f, r)
			r.Close()
			if err != nil {
				return err
			}
		}
		if len(as) < exportPage {
			break
		}
		after = as[len(as)-1].ID
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return w.Flush()
}
