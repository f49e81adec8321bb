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
	Toggle, Tabs, Head, Rows template.HTML
	// The search form, the sort form for phones and the pager: about
	// thirty values, most of them URLs, for which html/template chains
	// two or three escapers each.
	Search, PhoneSort, Pager template.HTML
}

// Parts writes the controls and the rows.
func (c ListControls) Parts(rows []ListRow) ListParts {
	return ListParts{Toggle: c.toggleHTML(), Tabs: c.tabsHTML(), Head: c.headHTML(), Rows: rowsHTML(c, rows),
		Search: c.searchHTML(), PhoneSort: c.phoneSortHTML(), Pager: c.pagerHTML()}
}

// hidden writes a hidden field of a form.
func hidden(b *strings.Builder, name, value string) {
	b.WriteString(`<input type="hidden" name="` + name + `" value="` + esc(value) + `">`)
}

// searchHTML writes the search form: htmx swaps the results and the
// tabs as the customer types, and a plain browser submits it.
func (c ListControls) searchHTML() template.HTML {
	var b strings.Builder
	tickets := esc(c.base) + "/tickets"
	b.WriteString(`<form role="search" method="get" action="` + tickets + `" hx-get="` + tickets +
		`" hx-target="#ticket-results" hx-select="#ticket-results" hx-select-oob="#status-tabs" hx-sync="this:replace" class="flex w-full gap-2 lg:w-96">` + "\n      ")
	if c.view != "mine" {
		hidden(&b, "view", c.view)
	}
	b.WriteString("\n      ")
	hidden(&b, "status", c.status)
	b.WriteString("\n      ")
	hidden(&b, "sort", c.sort)
	t := c.Texts
	b.WriteString("\n      " + `<label for="q" class="sr-only">` + esc(t.SearchLabel) + "</label>\n      " +
		`<input id="q" type="search" name="q" value="` + esc(c.q) + `" maxlength="100" placeholder="` + esc(t.SearchPlaceholder) + `" autocomplete="off"` + "\n        " +
		`hx-get="` + tickets + `" hx-trigger="input changed delay:400ms, search" hx-include="closest form" hx-target="#ticket-results" hx-select="#ticket-results" hx-select-oob="#status-tabs" hx-sync="closest form:replace"` + "\n        " +
		`class="field">` + "\n      " + `<button type="submit" class="btn">` + esc(t.SearchSubmit) + "</button>\n    </form>")
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// phoneSortHTML writes the sort menu that phones show instead of the
// column headers; without JavaScript, its button applies it.
func (c ListControls) phoneSortHTML() template.HTML {
	var b strings.Builder
	tickets := esc(c.base) + "/tickets"
	b.WriteString(`<form method="get" action="` + tickets + `" hx-get="` + tickets + `" hx-trigger="change" class="mt-4 flex items-center gap-2 text-sm sm:hidden">` + "\n    ")
	if c.view == "org" {
		hidden(&b, "view", "org")
	}
	b.WriteString("\n    ")
	hidden(&b, "status", c.status)
	b.WriteString("\n    ")
	if c.q != "" {
		hidden(&b, "q", c.q)
	}
	t := c.Texts
	b.WriteString("\n    " + `<label for="sort-phone" class="text-slate-600">` + esc(t.SortBy) + "</label>\n    " +
		`<select id="sort-phone" name="sort" class="field w-auto py-1.5 pl-2 pr-7">` + string(c.sortsHTML()) + "\n    </select>\n    " +
		`<button type="submit" class="btn py-1.5 [.js_&]:hidden">` + esc(t.SortApply) + "</button>\n  </form>")
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped, the options by sortsHTML
}

// pagerHTML writes the previous and next links and where the page
// stands, or nothing when the list has one page.
func (c ListControls) pagerHTML() template.HTML {
	if c.pages <= 1 {
		return ""
	}
	var b strings.Builder
	t := c.Texts
	b.WriteString("\n    " + `<nav aria-label="` + esc(t.Pagination) + `" class="mt-5 flex items-center justify-between text-sm">` + "\n      ")
	if c.Prev != "" {
		u := esc(c.Prev)
		b.WriteString(`<a href="` + u + `" hx-get="` + u + `" rel="prev" class="btn py-1.5">← ` + esc(t.Prev) + "</a>")
	} else {
		b.WriteString("<span></span>")
	}
	b.WriteString("\n      " + `<span class="text-slate-600">` + esc(t.PageOf) + "</span>\n      ")
	if c.Next != "" {
		u := esc(c.Next)
		b.WriteString(`<a href="` + u + `" hx-get="` + u + `" rel="next" class="btn py-1.5">` + esc(t.Next) + " →</a>")
	} else {
		b.WriteString("<span></span>")
	}
	b.WriteString("\n    </nav>")
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
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
