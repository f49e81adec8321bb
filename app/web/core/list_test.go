package core

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portico/app/i18n"
	"portico/app/web/form"
)

// The rows are written in Go, so their escaping is tested here: nothing a
// customer or an agent typed may open a tag or leave an attribute.
func TestRowsHTMLEscapes(t *testing.T) {
	c := ListControls{LabelID: `ID"><b>`, LabelCreated: "Created", LabelActivity: "Last activity"}
	rows := []ListRow{{
		ID: 7, Href: `/portal/tickets/7?"><script>`, Subject: `<img src=x onerror=alert(1)> & "quoted" 'single'`,
		Created: "Oct 1, 2026", CreatedISO: "2026-10-01", Activity: "Oct 2, 2026", ActivityISO: "2026-10-02",
		Status: "<b>Waiting</b>", Closed: true,
	}}
	got := string(c.Parts(rows).Rows)
	for _, bad := range []string{"<img", "<script", "<b>", `"quoted"`, `'single'`} {
		if strings.Contains(got, bad) {
			t.Errorf("row holds %q unescaped:\n%s", bad, got)
		}
	}
	for _, want := range []string{
		`<td data-l="ID&#34;&gt;&lt;b&gt;">#7</td>`,
		`&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quoted&#34; &#39;single&#39;`,
		`<span class="badge closed">&lt;b&gt;Waiting&lt;/b&gt;</span>`,
		`<time datetime="2026-10-01">Oct 1, 2026</time>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("row lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "<tr>"); n != 1 {
		t.Errorf("%d rows", n)
	}
	if got := c.Parts(nil).Rows; got != "" {
		t.Errorf("no rows give %q", got)
	}
}

// The controls are written in Go too: a label, a count and a URL stay
// text and attribute values, and the current choice is marked.
func TestControlsHTMLEscapes(t *testing.T) {
	c := ListControls{
		Toggle:  []ListLink{{Label: `Mine<i>`, URL: `/portal/tickets?status=all&q="><x`, Current: true}},
		Tabs:    []ListLink{{Label: `Open & <b>`, URL: "/portal/tickets?status=open&view=org", Count: 12}},
		Columns: []ListColumn{{Label: `ID"`, URL: "/portal/tickets?sort=id", AriaSort: "ascending", Arrow: "▲", Hint: `<sorted>`}},
		Sorts:   []ListOption{{Value: `-id"`, Label: "ID <↓>", Selected: true}},
	}
	p := c.Parts(nil)
	got := string(p.Toggle + p.Tabs + p.Head + p.PhoneSort)
	for _, bad := range []string{"<i>", "<b>", `"><x`, "<sorted>", `ID"<`, `-id""`} {
		if strings.Contains(got, bad) {
			t.Errorf("controls hold %q unescaped:\n%s", bad, got)
		}
	}
	for _, want := range []string{
		`<a href="/portal/tickets?status=all&amp;q=&#34;&gt;&lt;x" hx-get="/portal/tickets?status=all&amp;q=&#34;&gt;&lt;x" aria-current="page">Mine&lt;i&gt;</a>`,
		`<li><a href="/portal/tickets?status=open&amp;view=org" hx-get="/portal/tickets?status=open&amp;view=org">Open &amp; &lt;b&gt; <span>12</span></a></li>`,
		`<th scope="col" aria-sort="ascending"><a href="/portal/tickets?sort=id" hx-get="/portal/tickets?sort=id">ID&#34;<span aria-hidden="true">▲</span><span class="sr-only">&lt;sorted&gt;</span></a></th>`,
		`<option value="-id&#34;" selected>ID &lt;↓&gt;</option>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("controls lack %q:\n%s", want, got)
		}
	}
}

// TestListURLEncoding: the list's URLs are written as url.Values would
// write them, whatever the search holds.
func TestListURLEncoding(t *testing.T) {
	for _, p := range []form.ListParams{
		{View: "mine", Status: "open", Sort: "-activity", Page: 1},
		{View: "org", Status: "all", Sort: "subject", Page: 3, After: "ZXhwb3J0.1234"},
		{View: "shared", Status: "closed", Sort: "-id", Page: 2, Q: "a&b=c d+é/ñ?#%"},
		{View: "org", Status: "all", Sort: "-activity", Page: 1, Q: "#22", After: "ignored on page 1"},
		{View: "mine", Status: "all", Sort: "status", Page: 12, Q: `"quoted" <tag>`},
	} {
		for _, withView := range []bool{false, true} {
			q := url.Values{}
			if withView && (p.View == "org" || p.View == "shared") {
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
				if p.After != "" {
					q.Set("after", p.After)
				}
			}
			want := "/portal/tickets?" + q.Encode()
			if got := ListURL(p, withView, "/portal"); got != want {
				t.Errorf("ListURL(%+v, %v) = %q, want %q", p, withView, got, want)
			}
		}
	}
}

// The forms and the pager are written in Go too: what the customer typed
// stays an attribute value, and each form keeps the list's state.
func TestFormsHTML(t *testing.T) {
	ls := ListState{ListParams: form.ListParams{View: "org", Status: "closed", Sort: "subject", Q: `"><script>x</script>`, Page: 2},
		Pages: 3, Base: "/help", CanToggle: true}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := bundle.Locale("en")
	c := ls.Controls(en, nil)
	p := c.Parts(nil)
	got := string(p.Search + p.PhoneSort + p.Pager)
	if strings.Contains(got, "<script>") {
		t.Errorf("the search is not escaped:\n%s", got)
	}
	for _, want := range []string{
		`<form role="search" method="get" action="/help/tickets" hx-get="/help/tickets"`,
		`<input type="hidden" name="view" value="org">`,
		`<input type="hidden" name="status" value="closed">`,
		`<input type="hidden" name="sort" value="subject">`,
		`name="q" value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"`,
		`<input type="hidden" name="q" value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;">`,
		`<select id="sort-phone" name="sort"`,
		`<option value="subject" selected>`,
		`rel="prev"`, `rel="next"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	ls.Pages, ls.Page = 1, 1
	if p := ls.Controls(en, nil).Parts(nil); p.Pager != "" {
		t.Errorf("one page has a pager: %s", p.Pager)
	}
}
