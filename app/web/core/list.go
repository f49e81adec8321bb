package core

import (
	"net/url"
	"portico/app/web/form"
	"strconv"
)

// ListState is the ticket list's URL state, with helpers that build the
// links of its controls.
type ListState struct {
	form.ListParams
	Total, Pages int
	Open, Closed int
	CanToggle    bool
	Base         string // the portal's public path
}

// With returns the list URL with one parameter changed. Changing anything
// but the page goes back to page 1.
func (ls ListState) With(key, value string) string {
	p := ls.ListParams
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
	return ListURL(p, ls.CanToggle, ls.Base)
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

// ListURL is the canonical URL of the ticket list in state p.
func ListURL(p form.ListParams, withView bool, base string) string {
	q := url.Values{}
	if withView && p.View == "org" {
		q.Set("view", p.View)
	}
	q.Set("status", p.Status)
	if p.Q != "" {
		q.Set("q", p.Q)
	}
	if p.Sort != "-activity" {
		q.Set("sort", p.Sort)
	}
	if p.Page > 1 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	return base + "/tickets?" + q.Encode()
}
