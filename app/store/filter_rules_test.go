package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

func testFilterRules(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	// Every demo ticket has a priority, a category and a source: add one
	// with none of them (stored as empty text) so that "unknown" has
	// something to find, and "is_not" something to keep.
	stage := firstSupportStage(t, e)
	probe := &model.Ticket{Subject: "Filter rule probe", PipelineID: stage.PipelineID, StageID: stage.ID,
		Properties: map[string]string{"product": ""}}
	if err := store.CreateTicket(ctx, st.DB, probe, []int64{e.ana.ID}, []int64{e.ana.CompanyID}); err != nil {
		t.Fatal(err)
	}
	snap := takeSnapshot(t, st.DB)
	base := store.Viewer{ContactID: e.ana.ID, CompanyID: e.ana.CompanyID, LiveRules: true}
	all := snap.visible(base, "all")

	// IDs the rules use, taken from the tickets themselves.
	var supportPipeline, itPipeline, billingInbox, someStage int64
	for _, id := range all {
		tk := snap.tickets[id]
		switch {
		case strings.HasPrefix(tk.Subject, "[IT]"):
			itPipeline = tk.PipelineID
		case tk.Subject == "Printer shows error E42":
			supportPipeline, someStage = tk.PipelineID, tk.StageID
		case tk.Category == "billing" && tk.InboxID != nil:
			billingInbox = *tk.InboxID
		}
	}
	if supportPipeline == 0 || itPipeline == 0 || billingInbox == 0 || someStage == 0 {
		t.Fatalf("demo data lacks a pipeline, inbox or stage: %d %d %d %d", supportPipeline, itPipeline, billingInbox, someStage)
	}
	rule := func(property, op string, values ...string) model.FilterRule {
		return model.FilterRule{Property: property, Operator: op, Values: values}
	}
	printer, api := "Label printer", "Portico API"

	cases := []struct {
		name  string
		rules []model.FilterRule
		// want bounds the result on top of the Go model, so that a case
		// can't pass by matching everything or nothing by accident: "some"
		// (but not all), "none" or "all".
		want string
	}{
		{"priority is", []model.FilterRule{rule("priority", model.OpIs, "high")}, "some"},
		{"priority is_not", []model.FilterRule{rule("priority", model.OpIsNot, "high")}, "some"},
		{"priority any_of", []model.FilterRule{rule("priority", model.OpAnyOf, "high", "urgent")}, "some"},
		{"priority none_of", []model.FilterRule{rule("priority", model.OpNoneOf, "high", "urgent")}, "some"},
		{"priority known", []model.FilterRule{rule("priority", model.OpKnown)}, "some"},
		{"priority unknown", []model.FilterRule{rule("priority", model.OpUnknown)}, "some"},
		{"category unknown", []model.FilterRule{rule("category", model.OpUnknown)}, "some"},
		{"source known", []model.FilterRule{rule("source", model.OpKnown)}, "some"},
		{"category is", []model.FilterRule{rule("category", model.OpIs, "billing")}, "some"},
		{"category none_of", []model.FilterRule{rule("category", model.OpNoneOf, "billing", "it")}, "some"},
		{"source is phone", []model.FilterRule{rule("source", model.OpIs, model.SourcePhone)}, "some"},
		{"source any_of", []model.FilterRule{rule("source", model.OpAnyOf, model.SourceEmail, model.SourceForm)}, "some"},
		{"pipeline is", []model.FilterRule{rule("pipeline", model.OpIs, itoa(supportPipeline))}, "some"},
		{"pipeline is_not", []model.FilterRule{rule("pipeline", model.OpIsNot, itoa(supportPipeline))}, "some"},
		{"pipeline none_of", []model.FilterRule{rule("pipeline", model.OpNoneOf, itoa(itPipeline))}, "some"},
		{"stage any_of", []model.FilterRule{rule("stage", model.OpAnyOf, itoa(someStage), "987654")}, "some"},
		{"stage known", []model.FilterRule{rule("stage", model.OpKnown)}, "all"},
		{"inbox is", []model.FilterRule{rule("inbox", model.OpIs, itoa(billingInbox))}, "some"},
		{"inbox is_not", []model.FilterRule{rule("inbox", model.OpIsNot, itoa(billingInbox))}, "some"},
		{"inbox known", []model.FilterRule{rule("inbox", model.OpKnown)}, "some"},
		{"inbox unknown", []model.FilterRule{rule("inbox", model.OpUnknown)}, "some"},
		{"inbox none_of", []model.FilterRule{rule("inbox", model.OpNoneOf, itoa(billingInbox))}, "some"},
		{"custom is", []model.FilterRule{rule("custom:product", model.OpIs, printer)}, "some"},
		{"custom is_not", []model.FilterRule{rule("custom:product", model.OpIsNot, printer)}, "some"},
		{"custom any_of", []model.FilterRule{rule("custom:product", model.OpAnyOf, printer, api)}, "some"},
		{"custom none_of", []model.FilterRule{rule("custom:product", model.OpNoneOf, printer, api)}, "some"},
		{"custom known", []model.FilterRule{rule("custom:product", model.OpKnown)}, "some"},
		{"custom unknown", []model.FilterRule{rule("custom:product", model.OpUnknown)}, "some"},
		{"custom with no such key, known", []model.FilterRule{rule("custom:colour", model.OpKnown)}, "none"},
		{"custom with no such key, unknown", []model.FilterRule{rule("custom:colour", model.OpUnknown)}, "all"},
		{"is with no value", []model.FilterRule{rule("priority", model.OpIs)}, "none"},
		{"is empty text", []model.FilterRule{rule("priority", model.OpIs, "")}, "none"},
		{"is_not empty text", []model.FilterRule{rule("category", model.OpIsNot, "")}, "all"},
		{"any_of with no values", []model.FilterRule{rule("priority", model.OpAnyOf)}, "none"},
		{"none_of with no values", []model.FilterRule{rule("priority", model.OpNoneOf)}, "all"},
		{"two rules together", []model.FilterRule{
			rule("pipeline", model.OpIs, itoa(supportPipeline)),
			rule("custom:product", model.OpAnyOf, printer, api),
		}, "some"},
		{"unknown property", []model.FilterRule{rule("colour", model.OpKnown)}, "none"},
		{"unknown property with is_not", []model.FilterRule{rule("colour", model.OpIsNot, "red")}, "none"},
		{"empty custom name", []model.FilterRule{rule("custom:", model.OpUnknown)}, "none"},
		{"property with SQL", []model.FilterRule{rule("priority = priority OR 1=1 --", model.OpKnown)}, "none"},
		{"unknown operator", []model.FilterRule{rule("priority", "like", "%")}, "none"},
		{"value with SQL", []model.FilterRule{rule("priority", model.OpIs, "high' OR '1'='1")}, "none"},
		{"custom name with SQL", []model.FilterRule{rule(`custom:product') OR ('1'='1`, model.OpKnown)}, "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := base
			v.Filters = tc.rules
			got := listIDs(t, st, v, store.ListQuery{})
			exp := snap.visible(v, "all")
			if !slices.Equal(got, exp) {
				t.Errorf("got %v\nwant %v", got, exp)
			}
			switch {
			case tc.want == "some" && (len(got) == 0 || len(got) == len(all)),
				tc.want == "none" && len(got) != 0,
				tc.want == "all" && len(got) != len(all):
				t.Errorf("%d of %d tickets pass, want %s", len(got), len(all), tc.want)
			}
			open, closed, err := st.CountTickets(ctx, st.DB, v, "")
			if err != nil {
				t.Fatal(err)
			}
			if open+closed != len(exp) {
				t.Errorf("CountTickets: %d+%d, want %d", open, closed, len(exp))
			}
			// Saved, the same rules reach the visibility keys, and the
			// portal's viewer (no live rules) sees the same tickets.
			checkSavedRules(t, e, tc.rules, exp)
			// VisibleTicket applies the same rules: check a few tickets
			// each way.
			shown, hidden := 0, 0
			for _, id := range all {
				passes := slices.Contains(exp, id)
				if passes && shown < 3 || !passes && hidden < 3 {
					_, err := st.VisibleTicket(ctx, st.DB, v, id)
					if passes {
						shown++
						if err != nil {
							t.Errorf("VisibleTicket(#%d): %v", id, err)
						}
					} else {
						hidden++
						mustNotFound(t, fmt.Sprintf("VisibleTicket(#%d)", id), err)
					}
				}
			}
		})
	}
}

// errRollback undoes a test's transaction.
var errRollback = errors.New("rollback")

// checkSavedRules saves the rules in a transaction that it rolls back, and
// checks that the portal's view (rules from the visibility keys) lists
// exactly want, with counts to match.
func checkSavedRules(t *testing.T, e *demoEnv, rules []model.FilterRule, want []int64) {
	t.Helper()
	ctx := context.Background()
	err := e.st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ps := e.settings
		ps.Filters = rules
		if _, err := store.SaveSettings(ctx, tx, ps); err != nil {
			return err
		}
		v := store.Viewer{ContactID: e.ana.ID, CompanyID: e.ana.CompanyID}
		rows, total, err := e.st.ListTickets(ctx, tx, v, store.ListQuery{Status: "all", Size: 1000})
		if err != nil {
			return err
		}
		got := []int64{}
		for _, r := range rows {
			got = append(got, r.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || total != len(want) {
			t.Errorf("saved rules: got %v (total %d)\nwant %v", got, total, want)
		}
		open, closed, err := e.st.CountTickets(ctx, tx, v, "")
		if err != nil {
			return err
		}
		if open+closed != len(want) {
			t.Errorf("saved rules: CountTickets %d+%d, want %d", open, closed, len(want))
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}
