package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portico/app/model"
	"portico/app/web/core"
)

// The texts an admin writes reach each customer in their own language,
// with the default language's text where theirs is missing; choices show
// by label; counts take their plural form.
func TestPortalTexts(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.admin()
	spanish := map[string]string{"Accept-Language": "es"}
	english := map[string]string{"Accept-Language": "en"}
	text := func(body string) string { return html.UnescapeString(body) }

	// The admin writes the title and a menu entry in both languages, and
	// a heading in English only.
	res, body := admin.admPost("/admin/portal/general", admForm("title_en", "Acme Help", "title_es", "Ayuda de Acme",
		"slug", "portal", "base_url", "https://help.acme.example", "language", "en", "languages", "en", "languages", "es"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("general: %d %s", res.StatusCode, body)
	}
	res, _ = admin.admPost("/admin/portal/branding", admForm("primary_color", "#1d4ed8", "accent_color", "#0f766e", "font", "system",
		"menu_label_en", "Service status", "menu_label_es", "Estado del servicio", "menu_url", "https://status.acme.example"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("branding: %d", res.StatusCode)
	}
	res, _ = admin.admPost("/admin/portal/pages", admForm("login_heading_en", "Welcome to Acme", "login_heading_es", "",
		"login_intro_en", "", "login_intro_es", ""), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("pages: %d", res.StatusCode)
	}

	for _, tc := range []struct {
		headers          map[string]string
		title, menu, not string
	}{
		{spanish, "Ayuda de Acme", "Estado del servicio", "Acme Help<"},
		{english, "Acme Help", "Service status", "Ayuda de Acme"},
	} {
		_, body := h.client().request(http.MethodGet, "/portal/login", tc.headers)
		page := text(body)
		if !strings.Contains(page, "<title>"+tc.title+"</title>") || !strings.Contains(page, ">"+tc.menu+"</a>") {
			t.Errorf("%v: title %q or menu %q missing", tc.headers, tc.title, tc.menu)
		}
		if strings.Contains(page, tc.not) {
			t.Errorf("%v: shows the other language's %q", tc.headers, tc.not)
		}
		// The heading has no Spanish text: the default language's shows.
		if got := h1(body); got != "Welcome to Acme" {
			t.Errorf("%v: heading %q, want the default language's", tc.headers, got)
		}
	}

	// The demo's consent version has Spanish texts, shown to a Spanish
	// visitor; an English one reads English.
	_, body = h.client().request(http.MethodGet, "/portal/register", spanish)
	if !strings.Contains(text(body), "Acepto el tratamiento de mis datos") || strings.Contains(text(body), "I agree to the processing") {
		t.Error("a Spanish visitor does not see the Spanish consent label")
	}
	_, body = h.client().request(http.MethodGet, "/portal/register", english)
	if !strings.Contains(text(body), "I agree to the processing") {
		t.Error("an English visitor does not see the English consent label")
	}

	// The settings' samples show a chosen language of the portal.
	res, body = admin.get("/admin/portal/sample/register?lang=es", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="es"`) || !strings.Contains(text(body), "Ayuda de Acme") ||
		!strings.Contains(text(body), "Acepto el tratamiento de mis datos") {
		t.Errorf("the Spanish sample: %d", res.StatusCode)
	}
	if res, _ = admin.get("/admin/portal/sample/register?lang=fr", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("a sample in a language the portal lacks: %d, want 404", res.StatusCode)
	}

	// A consent label missing in the default language is refused at its
	// input, and what was typed stays.
	res, body = admin.admPost("/admin/portal/consent", admForm("notice_en", "We keep your data.", "label_en", "",
		"notice_es", "Guardamos tus datos.", "label_es", "Acepto"), true)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("consent without an English label: %d", res.StatusCode)
	}
	admInvalid(t, body, "label_en")
	if got, _ := admValue(body, "label_es"); got != "Acepto" {
		t.Errorf("the Spanish label typed shows %q", got)
	}

	// A Spanish notice of nothing but a script is refused at its input.
	res, body = admin.admPost("/admin/portal/consent", admForm("notice_en", "We keep your data.", "label_en", "I agree",
		"notice_es", "<script>alert(1)</script>", "label_es", "Acepto"), true)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a Spanish notice of a script: %d", res.StatusCode)
	}
	admInvalid(t, body, "notice_es")

	// The support form: labels, help and choices in Spanish.
	c := h.client()
	c.as(ana)
	c.cookies[core.LanguageCookie] = "es"
	_, body = c.get("/portal/tickets/new", false)
	page := text(body)
	for _, want := range []string{">Asunto", ">Categoría", ">Producto", `<option value="technical">Problema técnico</option>`,
		`<option value="Label printer">Impresora de etiquetas</option>`, "Los pasos, los mensajes de error"} {
		if !strings.Contains(page, want) {
			t.Errorf("Spanish support form lacks %q", want)
		}
	}
	key := keyRe.FindStringSubmatch(body)[1]
	res, body = c.multipart("/portal/tickets", [][2]string{{"idempotency_key", key}, {"subject", "Pantalla en blanco"},
		{"description", "Al abrir la app."}, {"category", "hacking"}, {"custom_product", "Portico API"}}, nil, true)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldErrors(body)["category"], "Elige una de las opciones.") {
		t.Fatalf("a value that is no choice: %d %v", res.StatusCode, fieldErrors(body))
	}
	res, _ = c.multipart("/portal/tickets", [][2]string{{"idempotency_key", key}, {"subject", "Pantalla en blanco"},
		{"description", "Al abrir la app."}, {"category", "technical"}, {"custom_product", "Label printer"}}, nil, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	ticketPath := strings.Split(res.Header.Get("Location"), "?")[0]
	id, _ := strconv.ParseInt(ticketPath[strings.LastIndex(ticketPath, "/")+1:], 10, 64)
	_, body = c.get(ticketPath, false)
	page = text(body)
	if !strings.Contains(page, "Problema técnico") || !strings.Contains(page, "Impresora de etiquetas") || strings.Contains(page, ">technical<") {
		t.Error("the Spanish ticket page does not show the choices' labels")
	}
	delete(c.cookies, core.LanguageCookie)
	_, body = c.request(http.MethodGet, ticketPath, english)
	if !strings.Contains(text(body), "Technical problem") {
		t.Error("the English ticket page does not show the English label")
	}
	_, body = admin.get("/admin/tickets/"+strconv.FormatInt(id, 10), false)
	if !strings.Contains(text(body), "Technical problem") || !strings.Contains(text(body), "Label printer") || strings.Contains(body, ">technical<") {
		t.Error("the back office shows the category's code, not its label")
	}

	_, body = admin.get("/admin/tickets/new", false)
	if !strings.Contains(text(body), `<option value="technical">Technical problem</option>`) {
		t.Error("the back office's new ticket does not offer the category's choices")
	}

	// Stage names per language, shown when the portal shows stage names.
	h.updateSettings(func(s *model.PortalSettings) { s.ShowStageNames = true })
	var stageID int64
	if err := h.st.DB.QueryRow("SELECT stage_id FROM tickets WHERE id = ?", id).Scan(&stageID); err != nil {
		t.Fatal(err)
	}
	res, body = admin.admPost("/admin/stages/"+strconv.FormatInt(stageID, 10), admForm("name", "New", "status", "open",
		"labels_en", "Received", "labels_es", strings.Repeat("R", 101)), true)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a stage name too long: %d", res.StatusCode)
	}
	admInvalid(t, body, "stage-"+strconv.FormatInt(stageID, 10)+"-labels_es")
	res, _ = admin.admPost("/admin/stages/"+strconv.FormatInt(stageID, 10), admForm("name", "New", "status", "open",
		"labels_en", "Received", "labels_es", "Recibido"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stage names: %d", res.StatusCode)
	}
	c.cookies[core.LanguageCookie] = "es"
	_, body = c.get("/portal/tickets", false)
	if !strings.Contains(text(body), "Recibido") {
		t.Error("the Spanish list does not show the stage's Spanish name")
	}
	_, body = c.get(ticketPath, false)
	if !strings.Contains(text(body), "Recibido") {
		t.Error("the Spanish ticket page does not show the stage's Spanish name")
	}

	// Counts take their plural form, in each language.
	count := regexp.MustCompile(`\d+ tickets? encontrados?`)
	_, body = c.get("/portal/tickets?q="+url.QueryEscape("Pantalla en blanco"), false)
	if got := count.FindString(body); got != "1 ticket encontrado" {
		t.Errorf("one Spanish result: %q", got)
	}
	_, body = c.get("/portal/tickets?status=all", false)
	if got := count.FindString(body); !strings.HasSuffix(got, "tickets encontrados") {
		t.Errorf("several Spanish results: %q", got)
	}
	delete(c.cookies, core.LanguageCookie)
	_, body = c.request(http.MethodGet, "/portal/tickets?q="+url.QueryEscape("Pantalla en blanco"), english)
	if !strings.Contains(body, "1 ticket found") {
		t.Error("one English result is not \"1 ticket found\"")
	}
}
