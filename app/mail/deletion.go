package mail

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// KindDeletionRequest is the mail telling admins that a customer asked
// for their account's deletion.
const KindDeletionRequest = "deletion_request"

// NotifyDeletionRequest queues, through tx, a mail to every staff user
// who may change the portal settings, saying that the contact asked for
// their account to be deleted, with a link to the contact's page.
func (m *Mailer) NotifyDeletionRequest(ctx context.Context, tx bun.IDB, requestID int64, ct *model.Contact) error {
	st, _, err := store.Settings(ctx, tx)
	if err != nil {
		return err
	}
	staff, err := store.SettingsStaff(ctx, tx)
	if err != nil || len(staff) == 0 {
		return err
	}
	l := m.locale(st, "")
	b := m.brand(st, l.Code)
	c := content{
		L: l, Brand: b,
		Lines:  []string{l.T("mydata.mail.body", contactLabel(ct))},
		Button: l.T("mydata.mail.button"),
		URL:    m.Link(st, "/admin/contacts/"+strconv.FormatInt(ct.ID, 10), nil),
		After:  []string{l.T("mydata.mail.why")},
		Footer: l.T("mail.footer_staff", b.Title),
	}
	text, html, err := m.render(c)
	if err != nil {
		return err
	}
	subject := l.T("mydata.mail.subject", contactLabel(ct))
	for _, u := range staff {
		if err := enqueueSkipping(ctx, tx, Mail{
			Kind: KindDeletionRequest, ToAddr: u.Email, ToName: u.Name, Subject: subject, Text: text, HTML: html,
			DedupeKey: "deletion:" + strconv.FormatInt(requestID, 10) + ":" + strconv.FormatInt(u.ID, 10),
		}); err != nil {
			return err
		}
	}
	return nil
}
