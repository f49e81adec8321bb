package mail

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"

	"portico/app/i18n"
	"portico/app/model"
)

// brand is how an email carries the portal's look: its title, primary
// colour and logo.
type brand struct {
	Title    string
	Color    string
	Contrast string
	LogoURL  string
	BaseURL  string
}

var hexColorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// brand is the portal's look in a mail, its title in the language lang.
func (m *Mailer) brand(st model.PortalSettings, lang string) brand {
	b := brand{Title: HeaderText(st.Title.In(lang, st.Language), 120), Color: "#2563eb", BaseURL: m.BaseURL(st)}
	if b.Title == "" {
		b.Title = "Portico"
	}
	if hexColorRe.MatchString(st.PrimaryColor) {
		b.Color = strings.ToLower(st.PrimaryColor)
	}
	b.Contrast = contrastText(b.Color)
	// Only a hosted image: mail clients refuse data: URLs, and an uploaded
	// logo is one.
	if strings.HasPrefix(st.LogoURL, "https://") || strings.HasPrefix(st.LogoURL, "http://") {
		b.LogoURL = st.LogoURL
	}
	return b
}

// contrastText is white or near-black, whichever reads better on the
// colour (WCAG relative luminance).
func contrastText(hex string) string {
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += w * c
	}
	if (1.05)/(lum+0.05) >= (lum+0.05)/0.05 {
		return "#ffffff"
	}
	return "#0f172a"
}

// content is what one email says. The templates lay it out; every string
// is already translated and is escaped by the HTML template.
type content struct {
	L         *i18n.Locale
	Brand     brand
	Preheader string
	Greeting  string
	Lines     []string
	QuoteBy   string
	Quote     []string // the message, one entry per line
	Button    string
	URL       string
	After     []string
	Marker    string // "reply above this line", when replies by email work
	Footer    string
	// Mute links a ticket notification to the page that mutes the ticket.
	Mute, MuteURL string
	Choices       []choice // links offered side by side, such as the rating scores
}

// choice is one of the links of content.Choices.
type choice struct {
	Label string
	URL   string
}

// render produces the text and HTML bodies.
func (m *Mailer) render(c content) (text, htmlBody string, err error) {
	if c.Preheader == "" && len(c.Lines) > 0 {
		// The inbox's preview line: the first line of the body.
		c.Preheader = c.Lines[0]
	}
	var tb, hb bytes.Buffer
	if err := m.text.Execute(&tb, c); err != nil {
		return "", "", fmt.Errorf("mail: unable to render text: %w", err)
	}
	if err := m.html.Execute(&hb, c); err != nil {
		return "", "", fmt.Errorf("mail: unable to render HTML: %w", err)
	}
	return normalizeText(tb.String()), hb.String(), nil
}

// normalizeText drops the blank lines that template actions leave behind,
// keeping single empty lines between paragraphs.
func normalizeText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

// quoteLines splits a message body into lines for the templates, capped so
// that a huge message makes a reasonable email.
func quoteLines(body string) []string {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	if len(body) > 20000 {
		body = body[:20000] + "…"
	}
	return strings.Split(strings.TrimSpace(body), "\n")
}

var urlRe = regexp.MustCompile(`https?://[^\s<>"']+`)

// Linkify escapes a text body for HTML and makes its http(s) links
// clickable, for reading the outbox in the back office.
func Linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, loc := range urlRe.FindAllStringIndex(text, -1) {
		b.WriteString(html.EscapeString(text[last:loc[0]]))
		u := strings.TrimRight(text[loc[0]:loc[1]], ".,;:!?)")
		esc := html.EscapeString(u)
		b.WriteString(`<a href="` + esc + `" class="text-brand underline break-all" rel="noreferrer noopener">` + esc + `</a>`)
		b.WriteString(html.EscapeString(text[loc[0]+len(u) : loc[1]]))
		last = loc[1]
	}
	b.WriteString(html.EscapeString(text[last:]))
	return template.HTML(b.String())
}
