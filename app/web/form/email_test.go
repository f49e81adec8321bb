package form

import "testing"

func TestMixedScriptEmail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		email string
		mixed bool
	}{
		{"ana@acme.example", false},
		{"ana@\u0430cme.example", true},   // Cyrillic а in acme
		{"\u0430na@acme.example", true},   // Cyrillic а in the local part
		{"ana@acme.ex\u0430mple", true},   // in the top-level label
		{"ana@p\u0391ypal.example", true}, // Greek Alpha
		{"иван@пример.рф", false},         // all Cyrillic
		{"ivan@пример.рф", false},         // one script per part
		{"jose.perez@correo.es", false},
		{"josé.núñez@correo.es", false}, // Latin with accents
		{"山田@例え.jp", false},             // Han
		{"やまだタロウ山@例え.jp", false},        // Japanese writes these together
		{"abc漢字@example.com", false},    // Latin with Han
		{"abcд@example.com", true},
		{"ana+tag_1-2@acme.example", false},
	}
	for _, tc := range cases {
		if got := mixedScript(tc.email); got != tc.mixed {
			t.Errorf("mixedScript(%q) = %v, want %v", tc.email, got, tc.mixed)
		}
	}
	// At the field: registration and contact forms.
	e := Errors{}
	checkNameEmail(e, "Ana", "ana@\u0430cme.example")
	if e["email"] != "form.email_mixed_script" {
		t.Errorf("error %q, want form.email_mixed_script", e["email"])
	}
}
