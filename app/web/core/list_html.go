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

// ListParts are the written parts of the list, read by the template as
// fields: a method call costs it a reflective call of its own.
type ListParts struct {
	Toggle, Tabs, Head, Sorts, Rows template.HTML
}

// Parts writes the controls and the rows.
func (c ListControls) Parts(rows []ListRow) ListParts {
	return ListParts{Toggle: c.toggleHTML(), Tabs: c.tabsHTML(), Head: c.headHTML(), Sorts: c.sortsHTML(), Rows: rowsHTML(c, rows)}
}

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

// toggleHTML writes the links of the My / Organization toggle.
func (c ListControls) toggleHTML() template.HTML {
	var b strings.Builder
	for _, l := range c.Toggle {
		b.WriteString("\n        ")
		link(&b, l.URL, l.Current, "")
		b.WriteString(esc(l.Label) + "</a>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// tabsHTML writes the status tabs with their counts.
func (c ListControls) tabsHTML() template.HTML {
	var b strings.Builder
	for _, l := range c.Tabs {
		b.WriteString("\n          <li>")
		link(&b, l.URL, l.Current, "")
		n := l.CountText
		if n == "" {
			n = strconv.Itoa(l.Count)
		}
		b.WriteString(esc(l.Label) + " <span>" + esc(n) + "</span></a></li>")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// headHTML writes the sortable column headers.
func (c ListControls) headHTML() template.HTML {
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

// sortsHTML writes the options of the sort menu on phones.
func (c ListControls) sortsHTML() template.HTML {
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

// rowsHTML writes the list's rows, with the labels that each row carries
// for phones.
func rowsHTML(c ListControls, rows []ListRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 320)
	lid, lcreated, lactivity := esc(c.LabelID), esc(c.LabelCreated), esc(c.LabelActivity)
	for _, r := range rows {
		badge := "open"
		switch {
		case r.Closed:
			badge = "closed"
		case r.Waiting:
			badge = "waiting"
		}
		b.WriteString(`<tr><td data-l="` + lid + `">#` + strconv.FormatInt(r.ID, 10) +
			`</td><td><a href="` + esc(r.Href) + `">` + esc(r.Subject) +
			`</a></td><td data-l="` + lcreated + `"><time datetime="` + esc(r.CreatedISO) + `">` + esc(r.Created) +
			`</time></td><td data-l="` + lactivity + `"><time datetime="` + esc(r.ActivityISO) + `">` + esc(r.Activity) +
			`</time></td><td><span class="badge ` + badge + `">` + esc(r.Status) + "</span></td></tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}
