package core

import (
	"context"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
)

// FieldValue is one filled field of a ticket as a reader sees it: the
// field's label and the value, a choice shown by its label.
type FieldValue struct {
	Property string
	Label    string
	Value    string
}

// PortalForm is the portal's support form, or nil when it has none.
func PortalForm(ctx context.Context, db bun.IDB, st model.PortalSettings) (*model.Form, error) {
	if st.FormID == 0 {
		return nil, nil
	}
	f, err := store.FormByID(ctx, db, st.FormID)
	if IsNotFound(err) {
		return nil, nil
	}
	return f, err
}

// TicketFields lists a ticket's category and custom properties in l's
// language, in the order of the form's fields. With all set, properties
// the form does not name follow under their own names (the back office
// shows everything; the portal only what the form asks).
func TicketFields(l *i18n.Locale, f *model.Form, t *model.Ticket, all bool) []FieldValue {
	var out []FieldValue
	seen := map[string]bool{}
	value := func(property string) string {
		if property == "category" {
			return t.Category
		}
		if name, ok := strings.CutPrefix(property, "custom:"); ok {
			return t.Properties[name]
		}
		return ""
	}
	if f != nil {
		for _, fl := range f.Fields {
			v := value(fl.Property)
			if v == "" {
				continue
			}
			seen[fl.Property] = true
			label := l.Pick(fl.Label)
			if label == "" {
				label = fieldName(l, fl.Property)
			}
			out = append(out, FieldValue{Property: fl.Property, Label: label, Value: fl.ChoiceLabel(v, l.Code, l.Default)})
		}
	}
	if !seen["category"] && t.Category != "" {
		out = append(out, FieldValue{Property: "category", Label: l.T("ticket.category"), Value: t.Category})
	}
	if !all {
		return out
	}
	names := make([]string, 0, len(t.Properties))
	for k := range t.Properties {
		if !seen["custom:"+k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		out = append(out, FieldValue{Property: "custom:" + k, Label: k, Value: t.Properties[k]})
	}
	return out
}

func fieldName(l *i18n.Locale, property string) string {
	if property == "category" {
		return l.T("ticket.category")
	}
	return strings.TrimPrefix(property, "custom:")
}
