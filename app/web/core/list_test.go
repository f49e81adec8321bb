package core

import (
	"strings"
	"testing"
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
	got := string(c.RowsHTML(rows))
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
	if got := c.RowsHTML(nil); got != "" {
		t.Errorf("no rows give %q", got)
	}
}
