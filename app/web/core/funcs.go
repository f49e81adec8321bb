package core

import (
	"html/template"
	"regexp"
	"strings"

	"portico/app/i18n"
	"portico/app/store"
	"portico/app/web/form"
)

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"add": func(a, b int) int { return a + b },
		"sub": func(a, b int) int { return a - b },
		"seq": func(from, to int) []int {
			var out []int
			for i := from; i <= to; i++ {
				out = append(out, i)
			}
			return out
		},
		"lower":     strings.ToLower,
		"join":      strings.Join,
		"hasPrefix": strings.HasPrefix,
		"div":       func(a, b int) int { return a / b },
		"fieldName": form.FieldName,
		"imageSrc":  ImageSrc,
		// noticeHTML shows the consent notice's links; it is sanitized at
		// save and again here, so stored markup can never carry a script.
		"noticeHTML": func(s string) template.HTML { return template.HTML(form.SanitizeNotice(s)) },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"list":        func(v ...string) []string { return v },
		"messageBody": MessageBody,
		// stageLabel is the stage name when the settings show stage names,
		// and "" for plain Open/Closed.
		"stageLabel": func(show bool, name string) string {
			if show {
				return name
			}
			return ""
		},
		"initial": func(s string) string {
			for _, r := range s {
				return strings.ToUpper(string(r))
			}
			return ""
		},
		"upper": strings.ToUpper,
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				k, _ := kv[i].(string)
				m[k] = kv[i+1]
			}
			return m
		},
	}
}

// ImageSrc lets a template show an uploaded logo or favicon. html/template
// replaces data: URLs with "#ZgotmplZ"; readImage stores only base64 data
// URLs of raster types that browsers show safely, so those are let
// through, and anything else stays a plain string.
func ImageSrc(v string) any {
	rest, isData := strings.CutPrefix(v, "data:")
	ct, data, ok := strings.Cut(rest, ";base64,")
	if isData && ok && (InlineTypes[ct] || ct == "image/x-icon" || ct == "image/vnd.microsoft.icon") && base64Re.MatchString(data) {
		return template.URL(v)
	}
	return v
}

var base64Re = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)

// MessageBody is a message's text as a reader sees it: the text of an
// erased contact's message is stored as one neutral English sentence and
// shown in the reader's language.
func MessageBody(l *i18n.Locale, body string) string {
	if body == store.ErasedBody {
		return l.T("message.erased")
	}
	return body
}
