package e2e

// Your data: Ben opens the page from the header, downloads his data as a
// JSON file, asks for his account's deletion, and an admin finds the
// request in the back office.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// mdDownloaded waits, a bounded number of times, for a finished download
// in dir and returns its name.
func mdDownloaded(t *testing.T, dir string) string {
	t.Helper()
	for i := 0; i < 300; i++ {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".crdownload") && strings.HasSuffix(e.Name(), ".json") {
				return e.Name()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no download arrived in %s", dir)
	return ""
}

func TestBrowserMyData(t *testing.T) {
	s := startServer(t, serverOptions{})
	ben := newBrowser(t, s.URL)
	boCustomerLogin(ben, benEmail, demoPassword)

	ben.do("open Your data from the header", chromedp.Click(chromedp.CSS(`.hdr-user a[href$="/me/data"]`)))
	ben.waitPath("/portal/me/data")
	ben.waitText("h1", "Your data")
	shareShot(ben, "mydata", 1280, 900, false)
	shareShot(ben, "mydata", 390, 844, true)
	ben.do("size the viewport", chromedp.EmulateViewport(1280, 900))

	dir := t.TempDir()
	ben.do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		p := cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}
		if c := chromedp.FromContext(ctx); c != nil {
			p.BrowserContextID = c.BrowserContextID
		}
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, p)
		return err
	}))
	ben.do("download the JSON", chromedp.Click(chromedp.CSS("#mydata-json")))
	name := mdDownloaded(t, dir)
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Profile struct {
			Email string `json:"email"`
		} `json:"profile"`
		Tickets []struct {
			ID int64 `json:"id"`
		} `json:"tickets"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatalf("the download %s is no JSON: %v", name, err)
	}
	if data.Profile.Email != benEmail || len(data.Tickets) == 0 {
		t.Errorf("the download holds %q with %d tickets", data.Profile.Email, len(data.Tickets))
	}

	// Unconfirmed, the request is refused at the checkbox.
	ben.do("ask without confirming", chromedp.Click(chromedp.CSS("#deletion-submit")))
	ben.waitText("#confirm-error", "Tick the box")
	ben.do("confirm and ask",
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#deletion-submit")),
	)
	ben.waitText("#deletion-status", "Your request was sent.")
	shareShot(ben, "mydata-requested", 1280, 900, false)

	admin := boSideBrowser(t, ben)
	boStaffLogin(admin, "admin@example.com")
	admin.open("/admin/contacts/deletion-requests")
	admin.waitText("main", "Ben Brown")
	admin.waitText("main", "Pending")
	admin.do("open Ben's contact page", chromedp.Click(chromedp.CSS(`main table a[href^="/admin/contacts/"]`)))
	admin.waitText("#contact-deletion", "asked for their account to be deleted")
	shareShot(admin, "mydata-admin-contact", 1280, 900, false)
	shareShot(admin, "mydata-admin-contact", 390, 844, true)
}
