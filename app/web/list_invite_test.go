package web

import (
	"context"
	"net/http"
	"testing"

	"portico/app/model"
	"portico/app/store"
)

// A contact added to a list that grants portal access is invited at once,
// once; a contact added to some other list is not.
func TestListMemberIsInvited(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	st, _, err := store.Settings(ctx, h.st.DB)
	if err != nil {
		t.Fatal(err)
	}
	lists, err := store.Lists(ctx, h.st.DB)
	if err != nil || len(lists) == 0 {
		t.Fatalf("demo lists: %v %v", lists, err)
	}
	access := lists[0]
	st.Access, st.AccessLists = model.AccessLists, []int64{access.ID}
	if _, err := store.SaveSettings(ctx, h.st.DB, st); err != nil {
		t.Fatal(err)
	}
	other := &model.List{Name: "Newsletter"}
	if _, err := h.st.DB.NewInsert().Model(other).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	newcomer := &model.Contact{Email: "newcomer@example.com", Name: "New Comer"}
	if err := store.CreateContact(ctx, h.st.DB, newcomer); err != nil {
		t.Fatal(err)
	}
	invites := func() int {
		return h.recCount("SELECT count(*) FROM mail_outbox WHERE to_addr = ?", newcomer.Email)
	}
	c := h.recStaff("admin@example.com")

	res, _ := c.post("/admin/lists/"+recItoa(other.ID)+"/members", recVals("action", "add", "email", newcomer.Email), true)
	recWant(t, "add to another list", res, http.StatusOK)
	if n := invites(); n != 0 {
		t.Fatalf("a list without portal access invites nobody, got %d mails", n)
	}
	res, _ = c.post("/admin/lists/"+recItoa(access.ID)+"/members", recVals("action", "add", "email", newcomer.Email), true)
	recWant(t, "add to the access list", res, http.StatusOK)
	if n := invites(); n != 1 {
		t.Fatalf("joining the access list sends one invitation, got %d", n)
	}
	c.post("/admin/lists/"+recItoa(access.ID)+"/members", recVals("action", "remove", "email", newcomer.Email), true)
	c.post("/admin/lists/"+recItoa(access.ID)+"/members", recVals("action", "add", "email", newcomer.Email), true)
	if n := invites(); n != 1 {
		t.Fatalf("joining again does not invite twice, got %d", n)
	}
}
