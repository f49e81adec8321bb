package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"portico/app/model"
)

// The portal shows a ticket's newest thread only, and so do its search and
// its attachment downloads: an older thread's text is not found and its
// attachments answer the same 404 as a missing one.
func TestPortalOlderThreadHidden(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	if _, body := c.get("/portal/tickets?q=quarter", true); containsID(rowIDs(body), 25) {
		t.Error("the older thread's text of #25 is found")
	}
	if _, body := c.get("/portal/tickets?q=Madrid", true); !containsID(rowIDs(body), 25) {
		t.Error("the newer thread's text of #25 is not found")
	}
	// Ticket #22's screenshot, then a newer thread on #22.
	var shot int64
	if err := h.st.DB.NewRaw("SELECT id FROM attachments WHERE ticket_id = 22 AND filename = 'screenshot.png'").Scan(context.Background(), &shot); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/portal/attachments/%d", shot)
	if res, _ := c.get(path, false); res.StatusCode != http.StatusOK {
		t.Fatalf("the screenshot: %d", res.StatusCode)
	}
	var inbox int64
	if err := h.st.DB.NewRaw("SELECT inbox_id FROM threads WHERE ticket_id = 22").Scan(context.Background(), &inbox); err != nil {
		t.Fatal(err)
	}
	th := &model.Thread{TicketID: 22, InboxID: inbox, CreatedAt: time.Now().UTC()}
	if _, err := h.st.DB.NewInsert().Model(th).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, body := c.get(path, false)
	_, missing := c.get("/portal/attachments/999999", false)
	if res.StatusCode != http.StatusNotFound || h1(body) != h1(missing) {
		t.Errorf("the older thread's attachment: %d", res.StatusCode)
	}
	if _, body := c.get("/portal/tickets?q=overheating", true); containsID(rowIDs(body), 22) {
		t.Error("the older thread's text of #22 is found")
	}
}
