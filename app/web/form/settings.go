package form

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"

	"portico/app/brand"
	"portico/app/model"
)

// Each settings section reads only its own fields into a copy of the
// settings and says what is wrong, by field. The caller saves the copy
// only when there is no error, so a section never half-saves.

// Getter reads one form value; Values reads all values of a field.
type Getter struct {
	Get    func(string, ...string) string
	Values func(string) []string
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// reservedSlugs are paths Portico itself serves.
var reservedSlugs = []string{"admin", "static", "healthz", "readyz", "metrics"}

// ApplyGeneral reads title, slug, base URL and languages.
func ApplyGeneral(s *model.PortalSettings, g Getter, available []string) Errors {
	e := Errors{}
	previousSlug, previousLanguage := s.Slug, s.Language
	s.Slug = strings.ToLower(oneLine(g.Get("slug")))
	s.BaseURL = strings.TrimRight(oneLine(g.Get("base_url")), "/")
	s.Language = g.Get("language")
	s.Languages = nil
	for _, l := range g.Values("languages") {
		if contains(available, l) && !contains(s.Languages, l) {
			s.Languages = append(s.Languages, l)
		}
	}
	switch {
	case !slugRe.MatchString(s.Slug):
		e["slug"] = "settings.slug_invalid"
	case contains(reservedSlugs, s.Slug):
		e["slug"] = "settings.slug_reserved"
	case s.Slug != previousSlug && previousSlug != "":
		// The old address keeps working: it redirects to the new one.
		var kept []string
		for _, old := range append(s.PreviousSlugs, previousSlug) {
			if old != s.Slug && !contains(kept, old) {
				kept = append(kept, old)
			}
		}
		s.PreviousSlugs = kept[max(len(kept)-10, 0):]
	}
	if s.BaseURL != "" && !AbsoluteURL(s.BaseURL) {
		e["base_url"] = "settings.base_url_invalid"
	}
	def := s.Language
	if !contains(available, s.Language) {
		e["language"] = "form.invalid"
		def = previousLanguage
	} else if !contains(s.Languages, s.Language) {
		s.Languages = append([]string{s.Language}, s.Languages...)
	}
	// The form shows a title input for every language Portico speaks,
	// since this same section enables the languages.
	s.Title = readText(s.Title, g, "title", available, def, oneLine)
	checkText(e, s.Title, "title", available, def, true, 100)
	return e
}

// AbsoluteURL accepts http(s) URLs with a host and nothing else.
func AbsoluteURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// ApplyAccess reads who may use the portal.
func ApplyAccess(s *model.PortalSettings, g Getter, lists []int64) Errors {
	e := Errors{}
	s.Access = g.Get("access")
	s.SSOAccess = g.Get("sso_access")
	s.AccessLists = ids(g.Values("access_lists"), lists)
	s.SSOLists = ids(g.Values("sso_lists"), lists)
	s.SSOOnly = g.Get("sso_only") == "on"
	if s.Access != model.AccessRegistration && s.Access != model.AccessLists {
		e["access"] = "form.invalid"
	} else if s.Access == model.AccessLists && len(s.AccessLists) == 0 {
		e["access_lists"] = "settings.lists_required"
	}
	applyAccounts(s, g, e)
	if s.SSOAccess != "all" && s.SSOAccess != "lists" {
		e["sso_access"] = "form.invalid"
	} else if s.SSOAccess == "lists" && len(s.SSOLists) == 0 {
		e["sso_lists"] = "settings.lists_required"
	}
	return e
}

// ids keeps the submitted IDs that exist, in order, without repeats.
func ids(raw []string, known []int64) []int64 {
	var out []int64
	for _, r := range raw {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			continue
		}
		for _, k := range known {
			if k == id && !containsID(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func containsID(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// SystemPages are the pages whose heading and intro admins may edit.
var SystemPages = []string{"login", "register", "logout", "access_denied", "password_reset"}

// ApplyPages reads the system page texts.
func ApplyPages(s *model.PortalSettings, g Getter) Errors {
	e := Errors{}
	langs, def := Langs(*s), s.Language
	old := s.Pages
	s.Pages = map[string]model.PageText{}
	for _, p := range SystemPages {
		pt := model.PageText{
			Heading: readText(old[p].Heading, g, p+"_heading", langs, def, oneLine),
			Intro:   readText(old[p].Intro, g, p+"_intro", langs, def, clean),
		}
		checkText(e, pt.Heading, p+"_heading", langs, def, false, 120)
		checkText(e, pt.Intro, p+"_intro", langs, def, false, 1000)
		if !pt.Heading.IsEmpty() || !pt.Intro.IsEmpty() {
			s.Pages[p] = pt
		}
	}
	return e
}

// consentPolicy allows links and simple emphasis in the consent notice.
var consentPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "b", "i", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// SanitizeNotice cleans consent notice HTML: links and emphasis only.
func SanitizeNotice(html string) string { return consentPolicy.Sanitize(html) }

// Consent is the consent section: notice and checkbox label, per
// language.
type Consent struct {
	Notice model.Text
	Label  model.Text
	typed  model.Text // the notice before sanitizing
	langs  []string
	def    string
}

// ReadConsent reads and sanitizes the consent texts in the portal's
// languages.
func ReadConsent(s model.PortalSettings, g Getter) Consent {
	langs := Langs(s)
	typed := readText(nil, g, "notice", langs, s.Language, clean)
	notice := model.Text{}
	for l, v := range typed {
		notice[l] = strings.TrimSpace(SanitizeNotice(v))
	}
	return Consent{
		Notice: notice.Clean(),
		Label:  readText(nil, g, "label", langs, s.Language, oneLine),
		typed:  typed, langs: langs, def: s.Language,
	}
}

// Validate checks the consent texts: both are needed in the default
// language; the others fall back to it.
func (c Consent) Validate() Errors {
	e := Errors{}
	checkText(e, c.Notice, "notice", c.langs, c.def, true, 5000)
	checkText(e, c.Label, "label", c.langs, c.def, true, 300)
	for _, l := range c.langs {
		// Typed, but nothing allowed was left: say so rather than fall
		// back to another language in silence.
		if c.typed[l] != "" && c.Notice[l] == "" {
			e[LangField("notice", l)] = "settings.notice_markup_only"
		}
	}
	return e
}

// FilterProperties are the ticket properties a filter rule may test.
var FilterProperties = []string{"pipeline", "stage", "priority", "category", "source", "inbox"}

// FilterOperators are the rule operators, in the order offered.
var FilterOperators = []string{model.OpIs, model.OpIsNot, model.OpAnyOf, model.OpNoneOf, model.OpKnown, model.OpUnknown}

// ApplyFilters reads the rule rows. Rows with no property are dropped, so
// an empty row added by "add a rule" is harmless.
func ApplyFilters(s *model.PortalSettings, g Getter) Errors {
	e := Errors{}
	props, ops, vals := g.Values("property"), g.Values("operator"), g.Values("value")
	s.Filters = nil
	for i, p := range props {
		p = oneLine(p)
		if p == "" {
			continue
		}
		r := model.FilterRule{Property: p}
		if i < len(ops) {
			r.Operator = ops[i]
		}
		if i < len(vals) {
			for _, v := range strings.Split(vals[i], ",") {
				if v = oneLine(v); v != "" {
					r.Values = append(r.Values, v)
				}
			}
		}
		n := len(s.Filters)
		s.Filters = append(s.Filters, r)
		custom := strings.HasPrefix(p, "custom:") && len(p) > 7 && !tooLong(p, 80)
		if !contains(FilterProperties, p) && !custom {
			e[fmt.Sprintf("property_%d", n)] = "settings.filter_property_invalid"
		}
		switch {
		case !contains(FilterOperators, r.Operator):
			e[fmt.Sprintf("operator_%d", n)] = "form.invalid"
		case r.Operator != model.OpKnown && r.Operator != model.OpUnknown && len(r.Values) == 0:
			e[fmt.Sprintf("value_%d", n)] = "settings.filter_value_required"
		case (r.Operator == model.OpIs || r.Operator == model.OpIsNot) && len(r.Values) > 1:
			e[fmt.Sprintf("value_%d", n)] = "settings.filter_one_value"
		}
	}
	if len(s.Filters) > 20 {
		e["filters"] = "settings.filter_too_many"
	}
	return e
}

// ApplyPermissions reads the ticket permission mode.
func ApplyPermissions(s *model.PortalSettings, g Getter) Errors {
	s.Permission = g.Get("permission")
	s.ShareAnyAddress = g.Get("share_any_address") == "1"
	// Likewise the sharing and solving switches (their fragment sends
	// sharing_switches).
	if g.Get("sharing_switches") == "1" {
		s.NoSharing = g.Get("sharing") != "1"
		s.NoCustomerSolve = g.Get("customer_solve") != "1"
	}
	s.Notify.AgentsAlways = g.Get("notify_agents_always") == "1"
	// The rating switch is read only from a form that shows it (its
	// fragment sends rating_switch), so that a form without it leaves it be.
	if g.Get("rating_switch") == "1" {
		s.Rating.Off = g.Get("rating_on") != "1"
	}
	s.MyData.NoSelfDeletion = g.Get("self_deletion") != "1"
	if s.Permission != model.PermissionContact && s.Permission != model.PermissionCompany {
		return Errors{"permission": "form.invalid"}
	}
	return Errors{}
}

// ApplyInbox reads the default inbox.
func ApplyInbox(s *model.PortalSettings, g Getter, inboxes []int64) Errors {
	got := ids([]string{g.Get("default_inbox_id")}, inboxes)
	if len(got) == 0 {
		s.DefaultInboxID = 0
		return Errors{"default_inbox_id": "form.required"}
	}
	s.DefaultInboxID = got[0]
	return Errors{}
}

// ApplyForm reads the support form. Zero means no form.
func ApplyForm(s *model.PortalSettings, g Getter, forms []int64) Errors {
	v := g.Get("form_id")
	if v == "" || v == "0" {
		s.FormID = 0
		return Errors{}
	}
	got := ids([]string{v}, forms)
	if len(got) == 0 {
		return Errors{"form_id": "form.invalid"}
	}
	s.FormID = got[0]
	return Errors{}
}

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Fonts offered for the portal.
var Fonts = []string{"system", "serif", "rounded"}

// ApplyBranding reads colours, font, stage display and the menu. Logo and
// favicon uploads are read by the handler.
func ApplyBranding(s *model.PortalSettings, g Getter) Errors {
	e := Errors{}
	s.PrimaryColor = strings.ToLower(oneLine(g.Get("primary_color")))
	s.AccentColor = strings.ToLower(oneLine(g.Get("accent_color")))
	s.Font = g.Get("font")
	s.ShowStageNames = g.Get("show_stage_names") == "yes"
	// Any readable colour is kept: the portal uses a shade of it for each
	// use that keeps its contrast. Only a colour with no such shade is
	// refused.
	if !colorRe.MatchString(s.PrimaryColor) {
		e["primary_color"] = "settings.color_invalid"
	} else if _, err := brand.Derive(s.PrimaryColor); err != nil {
		e["primary_color"] = "settings.color_no_shade"
	}
	if !colorRe.MatchString(s.AccentColor) {
		e["accent_color"] = "settings.color_invalid"
	} else if _, err := brand.DeriveAccent(s.AccentColor); err != nil {
		e["accent_color"] = "settings.color_no_shade"
	}
	if !contains(Fonts, s.Font) {
		s.Font = "system"
	}
	if g.Get("remove_logo") == "yes" {
		s.LogoURL = ""
	}
	if g.Get("remove_favicon") == "yes" {
		s.FaviconURL = ""
	}
	langs, def := Langs(*s), s.Language
	urls := g.Values("menu_url")
	labels := map[string][]string{}
	for _, l := range langs {
		labels[l] = g.Values(LangField("menu_label", l))
	}
	if bare := g.Values("menu_label"); len(bare) > 0 && len(labels[def]) == 0 {
		// A form from before labels had languages.
		labels[def] = bare
	}
	at := func(l []string, i int) string {
		if i < len(l) {
			return l[i]
		}
		return ""
	}
	s.Menu = nil
	for i, u := range urls {
		u = oneLine(u)
		label := model.Text{}
		for _, l := range langs {
			label[l] = oneLine(at(labels[l], i))
		}
		label = label.Clean()
		if label.IsEmpty() && u == "" {
			continue
		}
		n := len(s.Menu)
		s.Menu = append(s.Menu, model.MenuItem{Label: label, URL: u})
		checkText(e, label, fmt.Sprintf("menu_label_%d", n), langs, def, true, 40)
		if !(AbsoluteURL(u) || (strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.Contains(u, "\\"))) {
			e[fmt.Sprintf("menu_url_%d", n)] = "settings.menu_url_invalid"
		}
	}
	if len(s.Menu) > 10 {
		e["menu"] = "settings.menu_too_many"
	}
	return e
}

// ApplySessions reads the idle timeout (minutes) and absolute lifetime
// (hours).
func ApplySessions(s *model.PortalSettings, g Getter) Errors {
	// A number out of range is kept in the copy too, so that the form
	// shows it again with its error; the copy is not saved then.
	e := Errors{}
	idle, err := strconv.Atoi(strings.TrimSpace(g.Get("idle_minutes")))
	if err == nil && idle > -1<<20 && idle < 1<<20 {
		s.IdleTimeoutSec = idle * 60
	}
	if err != nil || idle < 5 || idle > 24*60 {
		e["idle_minutes"] = "settings.idle_range"
	}
	life, err := strconv.Atoi(strings.TrimSpace(g.Get("lifetime_hours")))
	if err == nil {
		s.MaxLifetimeHours = life
	}
	if err != nil || life < 1 || life > 24*30 {
		e["lifetime_hours"] = "settings.lifetime_range"
	}
	if !e.Any() && life*60 < idle {
		e["lifetime_hours"] = "settings.lifetime_shorter"
	}
	return e
}

// Missing lists what keeps the portal from being switched on, as
// translation keys paired with the section that fixes each. Single
// sign-on (ssoProviders enabled providers) counts as a way in.
func Missing(s model.PortalSettings, ssoProviders int) [][2]string {
	var out [][2]string
	if s.BaseURL == "" {
		out = append(out, [2]string{"settings.missing_base_url", "general"})
	}
	passwords := s.Access != "" && !(s.Access == model.AccessLists && len(s.AccessLists) == 0)
	sso := ssoProviders > 0 && (s.SSOAccess != model.SSOAccessLists || len(s.SSOLists) > 0)
	switch {
	case s.SSOOnly && !sso:
		out = append(out, [2]string{"settings.missing_sso", "sso"})
	case !s.SSOOnly && !passwords && !sso:
		out = append(out, [2]string{"settings.missing_access", "access"})
	}
	if s.SelfRegistration() && s.ConsentVersionID == 0 {
		out = append(out, [2]string{"settings.missing_consent", "consent"})
	}
	if s.DefaultInboxID == 0 {
		out = append(out, [2]string{"settings.missing_inbox", "inbox"})
	}
	return out
}
