package web

import (
	"net/http"
	"net/url"
	"testing"

	"portico/app/demo"
)

// A look-alike address (a Cyrillic "а" in acme) is refused at the email
// field, at registration and when staff create a contact; nothing is
// stored and what was typed stays.
func TestMixedScriptEmailRefused(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	const lookalike = "ana@\u0430cme.example"
	want := recT(h, "form.email_mixed_script")
	before := h.count("SELECT count(*) FROM contacts")

	visitor := h.mlAnon("/portal/register")
	res, body := visitor.post("/portal/register", url.Values{"name": {"Not Ana"}, "email": {lookalike},
		"password": {"a long enough phrase"}, "consent": {"yes"}}, false)
	recWant(t, "registration", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "email", want)
	if recValue(body, "email") != lookalike || recValue(body, "name") != "Not Ana" {
		t.Error("what was typed is lost")
	}

	staff := h.recStaff(demo.AgentEmail)
	for _, htmx := range []bool{false, true} {
		res, body = staff.post("/admin/contacts", recVals("name", "Not Ana", "email", lookalike), htmx)
		recWant(t, "contact creation", res, http.StatusUnprocessableEntity)
		recInvalid(t, body, "email", want)
	}
	if h.count("SELECT count(*) FROM contacts") != before {
		t.Error("a look-alike contact was stored")
	}
	// The same alphabet throughout is fine.
	res, _ = staff.post("/admin/contacts", recVals("name", "Иван", "email", "иван@пример.рф"), false)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("a Cyrillic address: %d", res.StatusCode)
	}
}

// A password of only spaces is refused at the field, like a common one.
func TestBlankPasswordRefused(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	visitor := h.mlAnon("/portal/register")
	res, body := visitor.post("/portal/register", url.Values{"name": {"Sam"}, "email": {"sam@newco.example"},
		"password": {"        "}, "consent": {"yes"}}, false)
	recWant(t, "registration", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "password", recT(h, "password.blank"))
	res, body = visitor.post("/portal/register", url.Values{"name": {"Sam"}, "email": {"sam@newco.example"},
		"password": {"sunshine"}, "consent": {"yes"}}, false)
	recWant(t, "registration", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "password", recT(h, "password.too_common"))
}
