package core

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// The list's repeated controls and its rows are written here rather than
// in the template: html/template calls an escaper through reflection for
// every value, and the controls alone hold about a hundred of them. Every
// value is escaped for text and quoted attributes alike, and the result is
// handed to the template as HTML.

var esc = html.EscapeString

// link writes a link that htmx follows into the list, and plain browsers
// follow as a page.
func link(b *strings.Builder, url string, current bool, attrs string) {
	u := esc(url)
	b.WriteString(`<a href="` + u + `" hx-get="` + u + `"` + attrs)
	if current {
		b.WriteString(` aria-current="page"`)
	}
	b.WriteString(">")
}

// ToggleHTML writes the links of the My / Organization toggle.
func (c ListControls) ToggleHTML() template.HTML {
	var b strings.Builder
	for _, l := range c.Toggle {
		b.WriteString("\n        ")
		link(&b, l.URL, l.Current, "")
		b.WriteString(esc(l.Label) + "</a>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// TabsHTML writes the status tabs with their counts.
func (c ListControls) TabsHTML() template.HTML {
	var b strings.Builder
	for _, l := range c.Tabs {
		b.WriteString("\n          <li>")
		link(&b, l.URL, l.Current, "")
		b.WriteString(esc(l.Label) + " <span>" + strconv.Itoa(l.Count) + "</span></a></li>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// HeadHTML writes the sortable column headers.
func (c ListControls) HeadHTML() template.HTML {
	var b strings.Builder
	for _, h := range c.Columns {
		b.WriteString("\n            <th scope=\"col\"")
		if h.AriaSort != "" {
			b.WriteString(` aria-sort="` + esc(h.AriaSort) + `"`)
		}
		b.WriteString(">")
		link(&b, h.URL, false, "")
		b.WriteString(esc(h.Label) + `<span aria-hidden="true">` + esc(h.Arrow) + `</span><span class="sr-only">` + esc(h.Hint) + "</span></a></th>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// SortsHTML writes the options of the sort menu on phones.
func (c ListControls) SortsHTML() template.HTML {
	var b strings.Builder
	for _, o := range c.Sorts {
		b.WriteString("\n      <option value=\"" + esc(o.Value) + `"`)
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteString(">" + esc(o.Label) + "</option>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// RowsHTML writes the list's rows. A row holds a dozen values, and
// html/template spends more on its escaping calls than on the row itself,
// so the rows are written here, every value escaped for text and quoted
// attributes alike, and handed to the template as HTML.
func (c ListControls) RowsHTML(rows []ListRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 320)
	lid, lcreated, lactivity := esc(c.LabelID), esc(c.LabelCreated), esc(c.LabelActivity)
	for _, r := range rows {
		badge := "open"
		if r.Closed {
			badge = "closed"
		}
		b.WriteString(`<tr><td data-l="` + lid + `">#` + strconv.FormatInt(r.ID, 10) +
			`</td><td><a href="` + esc(r.Href) + `">` + esc(r.Subject) +
			`</a></td><td data-l="` + lcreated + `"><time datetime="` + esc(r.CreatedISO) + `">` + esc(r.Created) +
			`</time></td><td data-l="` + lactivity + `"><time datetime="` + esc(r.ActivityISO) + `">` + esc(r.Activity) +
			`</time></td><td><span class="badge ` + badge + `">` + esc(r.Status) + "</span></td></tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}
