package form

import (
	"portico/app/model"
)

// Langs are the languages an admin writes texts in: the portal's default
// language first, then the other enabled ones.
func Langs(s model.PortalSettings) []string {
	out := []string{s.Language}
	for _, l := range s.Languages {
		if l != s.Language && l != "" {
			out = append(out, l)
		}
	}
	return out
}

// LangField is the name (and id) of one language's input of a text:
// "title_es".
func LangField(name, lang string) string { return name + "_" + lang }

// readText reads a text written per language, one input per language
// (LangField). The texts of languages the form does not show are kept. A
// form with none of those inputs but the bare name (as forms were before
// texts had languages) sets the default language's text.
func readText(old model.Text, g Getter, name string, langs []string, def string, read func(string) string) model.Text {
	t := model.Text{}
	for k, v := range old {
		t[k] = v
	}
	found := false
	for _, l := range langs {
		if vs := g.Values(LangField(name, l)); len(vs) > 0 {
			t[l], found = read(vs[0]), true
		}
	}
	if !found {
		vs := g.Values(name)
		if len(vs) == 0 {
			return old
		}
		t[def] = read(vs[0])
	}
	// The untagged text was shown in the default language's input, and
	// comes back as that language's.
	delete(t, model.Untagged)
	return t.Clean()
}

// checkText adds the errors of a text to e, at each language's input:
// too long in any language, or missing in the default one when required.
func checkText(e Errors, t model.Text, name string, langs []string, def string, required bool, limit int) {
	for _, l := range langs {
		if tooLong(t[l], limit) {
			e[LangField(name, l)] = "form.too_long"
		}
	}
	if required && t[def] == "" {
		e[LangField(name, def)] = "form.required"
	}
}
