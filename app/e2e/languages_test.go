package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserLanguages: an admin writes the portal's title, a menu label,
// the consent label and a support-form label in Spanish; a Spanish
// customer reads them, an English one reads English, and the list's
// status text counts in each language's plural forms.
func TestBrowserLanguages(t *testing.T) {
	s := startServer(t, serverOptions{})
	admin := newBrowser(t, s.URL)
	es := boSideBrowser(t, admin)
	en := boSideBrowser(t, admin)

	boStaffLogin(admin, boAdminEmail)
	admin.open("/admin/portal")
	admin.waitJS("the per-language inputs", `document.querySelector('#general #title_en') && document.querySelector('#general #title_es') && document.querySelector('#branding #menu_label_0_es') && document.querySelector('#consent #label_es')`)
	// Each input is labelled with its language.
	if got := evalJS[string](admin, `document.querySelector('label[for="title_es"]').innerText.trim()`); got != "Español" {
		t.Errorf("the Spanish title input is labelled %q", got)
	}
	for _, sec := range []string{"general", "pages", "consent", "branding"} {
		langShot(t, admin, "settings-"+sec, "#"+sec)
	}

	admin.do("write the titles",
		chromedp.SetValue(chromedp.CSS("#general #title_en"), "Acme Help"),
		chromedp.SetValue(chromedp.CSS("#general #title_es"), "Ayuda de Acme"))
	boSaveSection(admin, "general")
	admin.do("write a Spanish menu label", chromedp.SetValue(chromedp.CSS("#branding #menu_label_0_es"), "Centro de soporte"))
	boSaveSection(admin, "branding")
	// The consent section starts from Portico's Spanish text; the admin
	// writes a label of their own.
	if got := evalJS[string](admin, `document.querySelector('#consent #label_es').value`); !strings.HasPrefix(got, "Acepto") {
		t.Errorf("the Spanish consent label starts as %q", got)
	}
	admin.do("write a Spanish consent label", chromedp.SetValue(chromedp.CSS("#consent #label_es"), "Acepto las condiciones de Acme"))
	boSaveSection(admin, "consent")

	// A Spanish label left empty in the default language is refused at
	// its input, with the text typed in the other kept.
	// (The section was just swapped in: set the value on the live node.)
	evalJS[chromedp.Void](admin, `document.querySelector('#general #title_en').value = ''`)
	admin.do("save general", chromedp.Click(chromedp.CSS(`#general button[type="submit"]:not([name])`)))
	admin.waitJS("the title error", `document.querySelector('#title_en[aria-invalid="true"]') && document.querySelector('#title_en-error')`)
	if got := evalJS[string](admin, `document.querySelector('#title_es').value`); got != "Ayuda de Acme" {
		t.Errorf("the Spanish title after a refused save: %q", got)
	}
	admin.open("/admin/portal")

	// The support form's subject label, in Spanish.
	admin.open("/admin/forms")
	formPath := evalJS[string](admin, `document.querySelector('main a[href^="/admin/forms/"]:not([href="/admin/forms/new"])').getAttribute('href')`)
	admin.open(formPath)
	admin.waitJS("the form editor", `document.querySelector('#field_label_0_es')`)
	langShot(t, admin, "form-editor", "")
	admin.do("write the Spanish subject label",
		chromedp.SetValue(chromedp.CSS("#field_label_0_es"), "Asunto breve"),
		// The visible save button, the form's last.
		chromedp.Click(chromedp.CSS(`#form-editor form > div > div:last-child button[type="submit"]`)))
	admin.waitText("#form-editor", "Saved")

	admin.open("/admin/pipelines")
	admin.waitJS("the stage names per language", `document.querySelector('section[id^="pipeline-"] input[name="labels_es"]')`)
	langShot(t, admin, "pipelines", `section[id^="pipeline-"]`)

	// The customers: one reads Spanish, the other English.
	chooseLanguage(es, "es")
	chooseLanguage(en, "en")
	checks := []struct {
		b                              *browser
		title, menu, consent, notTitle string
	}{
		{es, "Ayuda de Acme", "Centro de soporte", "Acepto las condiciones de Acme", "Acme Help"},
		{en, "Acme Help", "Help center", "I agree to the processing of my data", "Ayuda de Acme"},
	}
	for _, c := range checks {
		c.b.open("/portal/register")
		c.b.waitJS("the register page", `document.querySelector('#consent')`)
		if got := evalJS[string](c.b, `document.title`); got != c.title && !strings.HasSuffix(got, "· "+c.title) {
			t.Errorf("document title %q, want %q", got, c.title)
		}
		header := c.b.innerText("header")
		if !strings.Contains(header, c.title) || !strings.Contains(header, c.menu) || strings.Contains(header, c.notTitle) {
			t.Errorf("header %q, want %q and %q", short(header), c.title, c.menu)
		}
		if got := evalJS[string](c.b, `document.querySelector('label[for="consent"]').innerText.trim()`); !strings.HasPrefix(got, c.consent) {
			t.Errorf("consent label %q, want %q", got, c.consent)
		}
	}
	langShot(t, es, "register-es", "")

	boCustomerLogin(es, anaEmail, demoPassword)
	boCustomerLogin(en, anaEmail, demoPassword)
	for _, c := range []struct {
		b                 *browser
		subject, category string
		many, one         *regexp.Regexp
	}{
		{es, "Asunto breve", "Problema técnico", regexp.MustCompile(`\d+ tickets encontrados`), regexp.MustCompile(`\b1 ticket encontrado\b`)},
		{en, "Subject", "Technical problem", regexp.MustCompile(`\d+ tickets found`), regexp.MustCompile(`\b1 ticket found\b`)},
	} {
		c.b.open("/portal/tickets/new")
		c.b.waitJS("the support form", `document.querySelector('#subject')`)
		if got := evalJS[string](c.b, `document.querySelector('label[for="subject"]').innerText`); !strings.HasPrefix(strings.TrimSpace(got), c.subject) {
			t.Errorf("subject label %q, want %q", got, c.subject)
		}
		if !evalJS[bool](c.b, fmt.Sprintf(`[...document.querySelectorAll('#category option')].some(o => o.value === 'technical' && o.text === %s)`, jsString(c.category))) {
			t.Errorf("the category choices lack %q", c.category)
		}
		// The list's status text: many tickets, then a search for one.
		c.b.open("/portal/tickets")
		c.b.waitJS("the ticket list", `document.querySelector('#ticket-list')`)
		if text := evalJS[string](c.b, `document.body.textContent`); !c.many.MatchString(text) {
			t.Errorf("the list's status text lacks the plural %q", c.many)
		}
		c.b.open("/portal/tickets?q=E42")
		c.b.waitJS("the search result", `document.querySelectorAll('#ticket-list tbody tr').length === 1`)
		if text := evalJS[string](c.b, `document.body.textContent`); !c.one.MatchString(text) {
			t.Errorf("one result's status text is not %q", c.one)
		}
	}
	langShot(t, es, "tickets-es", "")
}

// chooseLanguage picks the portal's language with its language form, as a
// customer without JavaScript would.
func chooseLanguage(b *browser, lang string) {
	b.t.Helper()
	b.open("/portal/login")
	b.waitJS("the language form", `document.querySelector('#lang')`)
	evalJS[chromedp.Void](b, fmt.Sprintf(`(() => { const s = document.querySelector('#lang'); s.value = %s; s.form.submit(); })()`, jsString(lang)))
	b.waitJS("the page in "+lang, fmt.Sprintf(`document.readyState === 'complete' && document.documentElement.lang === %s`, jsString(lang)))
}

// langShot keeps a screenshot at desktop and phone width when
// PORTICO_SCREENSHOT_DIR is set: of the element sel, or the whole page.
func langShot(t *testing.T, b *browser, name, sel string) {
	t.Helper()
	dir := os.Getenv("PORTICO_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name  string
		width int64
	}{{"desktop", 1280}, {"phone", 390}} {
		b.do("size the viewport", chromedp.EmulateViewport(v.width, 900))
		ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
		var png []byte
		var err error
		if sel == "" {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		} else {
			png, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		}
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "lang-"+name+"-"+v.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.do("size the viewport", chromedp.EmulateViewport(1280, 900))
}
