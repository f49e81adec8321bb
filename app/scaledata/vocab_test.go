package scaledata

import (
	"strings"
	"testing"
)

// Each candidate word lives in one kind of text only, so that a search
// for it means what the Personas say.
func TestVocabularyWords(t *testing.T) {
	subjects := strings.ToLower(strings.Join(append(append(append([]string{}, subjectThings...), subjectProblems...), subjectSuffixes...), " | "))
	public := strings.ToLower(strings.Join(append(append(append(append(append(append([]string{},
		customerOpenings...), customerDetails...), customerClosings...), agentOpenings...), agentActions...), agentClosings...), " | "))
	notes := strings.ToLower(strings.Join(noteLines, " | "))
	for _, w := range subjectWordCandidates {
		if !strings.Contains(subjects, strings.ToLower(w)) {
			t.Errorf("subject word %q is in no subject", w)
		}
	}
	for _, w := range messageWordCandidates {
		if !strings.Contains(public, w) || strings.Contains(subjects, w) {
			t.Errorf("message word %q: in public texts %v, in subjects %v", w, strings.Contains(public, w), strings.Contains(subjects, w))
		}
	}
	for _, w := range noteWordCandidates {
		if !strings.Contains(notes, w) || strings.Contains(subjects, w) || strings.Contains(public, w) {
			t.Errorf("note word %q is not in notes only", w)
		}
	}
}

func TestPlan(t *testing.T) {
	for _, n := range []int{minTickets, 20_000, 54_321, 123_457, 1_000_000, 2_000_000} {
		p, err := newPlan(n)
		if err != nil {
			t.Fatal(err)
		}
		var sum, most int64
		company := map[int64]int64{}
		for i, c := range p.contactCompany {
			sum += p.contactTickets[i]
			company[c] += p.contactTickets[i]
			if p.contactTickets[i] < 1 {
				t.Fatalf("%d: contact %d has no tickets", n, i+1)
			}
			if int64(i+1) != p.heavy {
				most = max(most, p.contactTickets[i])
			}
		}
		if sum != int64(n) || p.contactTickets[p.heavy-1] != int64(p.heavyTickets) || most >= int64(p.heavyTickets) {
			t.Errorf("%d: %d tickets, Heavy %d, the next %d", n, sum, p.contactTickets[p.heavy-1], most)
		}
		for c, k := range company {
			if c != 0 && c != p.orgCompany && k >= company[p.orgCompany] {
				t.Errorf("%d: company %d has %d tickets, the Org company %d", n, c, k, company[p.orgCompany])
			}
		}
		if company[p.orgCompany] != int64(p.orgTickets) {
			t.Errorf("%d: Org company has %d tickets, want %d", n, company[p.orgCompany], p.orgTickets)
		}
	}
	if _, err := newPlan(minTickets - 1); err == nil {
		t.Error("a plan below the minimum size")
	}
}
