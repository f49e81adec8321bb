package core

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

// ListState is the ticket list's URL state, with helpers that build the
// links of its controls.
type ListState struct {
	form.ListParams
	Total, Pages int
	Open, Closed int
	CanToggle    bool
	// HasShared adds the "Shared with me" view: tickets shared with the
	// contact as a participant.
	HasShared bool
	Base      string // the portal's public path
}

// withView tells whether the list's URLs carry its view.
func (ls ListState) withView() bool { return ls.CanToggle || ls.HasShared }

// With returns the list URL with one parameter changed. Changing anything
// but the page goes back to page 1.
func (ls ListState) With(key, value string) string {
	p := ls.ListParams
	p.After = ""
	switch key {
	case "view":
		p.View, p.Page = value, 1
	case "status":
		p.Status, p.Page = value, 1
	case "q":
		p.Q, p.Page = value, 1
	case "sort":
		p.Sort, p.Page = value, 1
	case "page":
		p.Page, _ = strconv.Atoi(value)
	}
	return ListURL(p, ls.withView(), ls.Base)
}

// SortBy returns the link of a column header.
func (ls ListState) SortBy(col string) string { return ls.With("sort", NextSort(ls.Sort, col)) }

// SortDir tells how the list is sorted by col, for aria-sort.
func (ls ListState) SortDir(col string) string { return SortDir(ls.Sort, col) }

// NextSort is the sort a column header leads to: ascending first, then it
// toggles. A sort is a column name, with "-" in front for descending.
func NextSort(current, col string) string {
	if current == col {
		return "-" + col
	}
	return col
}

// SortDir is "ascending", "descending" or "" (for aria-sort).
func SortDir(current, col string) string {
	switch current {
	case col:
		return "ascending"
	case "-" + col:
		return "descending"
	}
	return ""
}

// PageURL is With("page", n).
func (ls ListState) PageURL(n int) string { return ls.With("page", strconv.Itoa(n)) }

// ListURL is the canonical URL of the ticket list in state p: its
// parameters in the order of their names, as url.Values would write them,
// written directly (a list builds a dozen of these per request).
func ListURL(p form.ListParams, withView bool, base string) string {
	var b strings.Builder
	b.Grow(len(base) + 64 + len(p.Q) + len(p.After))
	b.WriteString(base)
	b.WriteString("/tickets")
	sep := byte('?')
	param := func(key, value string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	if p.Page > 1 {
		if p.After != "" {
			param("after", p.After)
		}
		param("page", strconv.Itoa(p.Page))
	}
	if p.Q != "" {
		param("q", p.Q)
	}
	if p.Sort != "-activity" {
		param("sort", p.Sort)
	}
	param("status", p.Status)
	if withView && (p.View == "org" || p.View == "shared") {
		param("view", p.View)
	}
	return b.String()
}

// ListRow is one line of the portal's ticket list, formatted before the
// template runs, so that a row costs the template a few field reads.
type ListRow struct {
	ID                    int64
	Href, Subject         string
	Created, CreatedISO   string
	Activity, ActivityISO string
	Status                string
	Closed                bool
	Waiting               bool // open, in a stage that waits on the customer
}

// ListRows formats a page of tickets for the list. The status is the stage
// name when the settings show stage names, and Open, Waiting on you or
// Closed otherwise.
func ListRows(l *i18n.Locale, st model.PortalSettings, rows []store.TicketRow) []ListRow {
	out := make([]ListRow, len(rows))
	base := st.PortalPath() + "/tickets/"
	open, waiting, closed, layout := l.T("status.open"), l.T("status.waiting"), l.T("status.closed"), l.T("format.date")
	for i, r := range rows {
		status := open
		switch {
		case st.ShowStageNames && r.StageName != "":
			status = cmp.Or(l.Pick(r.StageLabels), r.StageName)
		case r.Closed:
			status = closed
		case r.StageWaiting:
			status = waiting
		}
		out[i] = ListRow{
			ID: r.ID, Href: base + strconv.FormatInt(r.ID, 10), Subject: r.Subject,
			Created: r.CreatedAt.UTC().Format(layout), CreatedISO: r.CreatedAt.UTC().Format(time.DateOnly),
			Activity: r.LastActivityAt.UTC().Format(layout), ActivityISO: r.LastActivityAt.UTC().Format(time.DateOnly),
			Status: status, Closed: r.Closed, Waiting: r.StageWaiting && !r.Closed,
		}
	}
	return out
}

// ListControls are the links and choices of the list's controls, worked
// out in Go so that the template only reads fields.
type ListControls struct {
	Toggle      []ListLink // My and Organization tickets, when the contact may switch
	Tabs        []ListLink // Open, Closed and All, with counts
	Columns     []ListColumn
	Sorts       []ListOption // the sort menu on phones
	Prev, Next  string       // page links; "" at either end
	ClearSearch string
	// The labels that each row carries for phones, where the table is
	// a stack of cards without column headers.
	LabelID, LabelCreated, LabelActivity string
	Texts                                ListTexts
	// The list's state that its forms and pager repeat (list_html.go).
	view, status, sort, q, base string
	pages                       int
}

// ListTexts are the list's other words, translated in Go: a template's
// call of a method costs more than the translation itself.
type ListTexts struct {
	ViewLabel, StatusLabel, SearchLabel, SearchPlaceholder, SearchSubmit string
	SortBy, SortApply, Loading, Caption                                  string
	Count                                                                string // "12 tickets"
	Pagination, Prev, Next, PageOf                                       string
}

// ListLink is one link of a control.
type ListLink struct {
	Label, URL string
	Count      int
	CountText  string // Count as the language writes numbers
	Current    bool
}

// ListColumn is a sortable column header.
type ListColumn struct {
	Label, URL string
	AriaSort   string // "ascending", "descending" or ""
	Arrow      string
	Hint       string // what a screen reader hears about the sort
}

// ListOption is one choice of the sort menu.
type ListOption struct {
	Value, Label string
	Selected     bool
}

// listColumns are the list's columns, in order.
var listColumns = []string{"id", "subject", "created", "activity", "status"}

// Cursor is the "after" parameter that starts a page right after row r.
func Cursor(r store.TicketRow) string {
	if r.SortKey == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(r.SortKey)) + "." + strconv.FormatInt(r.ID, 10)
}

// ParseCursor reads an "after" parameter; ok is false for none or a
// broken one, and the page is then counted down to.
func ParseCursor(after string) (key string, id int64, ok bool) {
	k, n, found := strings.Cut(after, ".")
	if !found {
		return "", 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(k)
	id, err2 := strconv.ParseInt(n, 10, 64)
	if err != nil || err2 != nil || id <= 0 {
		return "", 0, false
	}
	return string(b), id, true
}

// Controls builds the controls for the list in this state. last is the
// page's last row: the "next" link starts right after it.
func (ls ListState) Controls(l *i18n.Locale, last *store.TicketRow) ListControls {
	c := ListControls{ClearSearch: ls.With("q", ""),
		LabelID: l.T("tickets.col_id"), LabelCreated: l.T("tickets.col_created"), LabelActivity: l.T("tickets.col_activity"),
		Texts: ListTexts{ViewLabel: l.T("tickets.view_label"), StatusLabel: l.T("tickets.status_label"),
			SearchLabel: l.T("tickets.search_label"), SearchPlaceholder: l.T("tickets.search_placeholder"), SearchSubmit: l.T("tickets.search_submit"),
			SortBy: l.T("tickets.sort_by"), SortApply: l.T("tickets.sort_apply"), Loading: l.T("common.loading"), Caption: l.T("tickets.caption"),
			Count: l.N("tickets.count", ls.Total)},
		view: ls.View, status: ls.Status, sort: ls.Sort, q: ls.Q, base: ls.Base, pages: ls.Pages}
	if ls.Pages > 1 {
		c.Texts.Pagination, c.Texts.Prev, c.Texts.Next = l.T("tickets.pagination"), l.T("tickets.prev"), l.T("tickets.next")
		c.Texts.PageOf = l.T("tickets.page_of", ls.Page, ls.Pages)
	}
	if ls.withView() {
		views := []string{"mine"}
		if ls.CanToggle {
			views = append(views, "org")
		}
		if ls.HasShared {
			views = append(views, "shared")
		}
		for _, v := range views {
			c.Toggle = append(c.Toggle, ListLink{Label: l.T("tickets.view_" + v), URL: ls.With("view", v), Current: ls.View == v})
		}
	}
	counts := map[string]int{"open": ls.Open, "closed": ls.Closed, "all": ls.Open + ls.Closed}
	for _, s := range []string{"open", "closed", "all"} {
		c.Tabs = append(c.Tabs, ListLink{Label: l.T("tickets.status_" + s), URL: ls.With("status", s), Count: counts[s], CountText: l.Number(int64(counts[s])), Current: ls.Status == s})
	}
	for _, col := range listColumns {
		h := ListColumn{Label: l.T("tickets.col_" + col), URL: ls.SortBy(col), AriaSort: ls.SortDir(col), Arrow: "↕", Hint: l.T("tickets.sortable")}
		switch h.AriaSort {
		case "ascending":
			h.Arrow, h.Hint = "▲", l.T("tickets.sorted_asc")
		case "descending":
			h.Arrow, h.Hint = "▼", l.T("tickets.sorted_desc")
		}
		c.Columns = append(c.Columns, h)
	}
	for _, col := range []string{"activity", "created", "id", "subject", "status"} {
		label := l.T("tickets.col_" + col)
		c.Sorts = append(c.Sorts,
			ListOption{Value: "-" + col, Label: label + " ↓", Selected: ls.Sort == "-"+col},
			ListOption{Value: col, Label: label + " ↑", Selected: ls.Sort == col})
	}
	if ls.Page > 1 {
		c.Prev = ls.PageURL(ls.Page - 1)
	}
	if ls.Page < ls.Pages {
		next := ls.ListParams
		next.Page = ls.Page + 1
		if last != nil {
			next.After = Cursor(*last)
		}
		c.Next = ListURL(next, ls.withView(), ls.Base)
	}
	return c
}
