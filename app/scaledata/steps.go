package scaledata

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// setup writes the staff, the pipelines with their stages, and the inboxes.
func (g *gen) setup() {
	g.step("setup", func() {
		g.exec(`INSERT INTO staff_users (id, email, name, role, can_portal_settings, created_at)
			VALUES (1, 'admin@portico.example', 'Ada Admin', 'admin', true, ` + ts(Start.AddDate(0, -1, 0)) + `)`)
		g.exec(fmt.Sprintf(`INSERT INTO staff_users (id, email, name, role, created_at)
			SELECT 1 + g, 'agent' || g || '@portico.example', %s || ' ' || %s, 'agent', %s
			FROM generate_series(1, %d) g`, pick(firstNames, "g", 2), pick(lastNames, "g", 3), ts(Start.AddDate(0, -1, 0)), g.p.staff))
		g.exec(`INSERT INTO pipelines (id, name, position) VALUES (1, 'Support', 0), (2, 'Billing', 1)`)
		g.exec(`INSERT INTO stages (id, pipeline_id, name, position, is_closed) VALUES
			(1, 1, 'New', 0, false), (2, 1, 'In progress', 1, false), (3, 1, 'Waiting on customer', 2, false),
			(4, 1, 'Resolved', 3, true), (5, 1, 'Closed', 4, true),
			(6, 2, 'New', 0, false), (7, 2, 'Investigating', 1, false), (8, 2, 'Done', 2, true)`)
		g.exec(`INSERT INTO inboxes (id, name, created_at) VALUES (1, 'Support', ` + ts(Start) + `), (2, 'Billing', ` + ts(Start) + `), (3, 'Phone', ` + ts(Start) + `)`)
	})
}

// people writes companies and contacts, and the plan's allocation of
// ticket slots to contacts.
func (g *gen) people() {
	p := g.p
	g.step(fmt.Sprintf("companies (%d) and contacts (%d)", p.companies, len(p.contactCompany)), func() {
		g.exec(fmt.Sprintf(`INSERT INTO companies (id, name, domain, created_at)
			SELECT g, btrim(%s || ' ' || %s || ' ' || %s), 'company' || g || '.example', %s + %s * interval '30 days'
			FROM generate_series(1, %d) g`,
			pick(companyStems, "g", 4), pick(companyTrades, "g", 5), pick(companyForms, "g", 6),
			ts(Start.AddDate(0, -2, 0)), u("g", 7), p.companies))
		ids := make([]int64, len(p.contactCompany))
		for i := range ids {
			ids[i] = int64(i) + 1
		}
		g.exec(`CREATE TEMP TABLE sd_alloc ON COMMIT DROP AS
			SELECT id, NULLIF(company_id, 0) AS company_id, start, n
			FROM unnest(` + intArray(ids) + `, ` + intArray(p.contactCompany) + `, ` + intArray(p.contactStart) + `, ` + intArray(p.contactTickets) + `)
			  AS a(id, company_id, start, n)`)
		created := fmt.Sprintf("date_trunc('second', %s + %s * interval '30 days')", ts(Start.AddDate(0, -1, 0)), u("a.id", 8))
		g.exec(fmt.Sprintf(`INSERT INTO contacts (id, email, name, company_id, language, email_verified_at, created_at, updated_at)
			SELECT a.id, 'contact' || a.id || '@' || coalesce('company' || a.company_id || '.example', 'mail.example'),
			       %s || ' ' || %s, a.company_id, CASE WHEN %s %% 5 = 0 THEN 'es' ELSE 'en' END,
			       %s + interval '1 hour', %s, %s
			FROM sd_alloc a ORDER BY a.id`,
			pick(firstNames, "a.id", 9), pick(lastNames, "a.id", 10), h("a.id", 11), created, created, created))
	})
}

// tickets writes the tickets and their contacts and companies. Each
// contact's run of slots maps onto ticket IDs through a hash shuffle, so
// that every contact's and company's tickets are scattered over the range.
func (g *gen) tickets() {
	p := g.p
	n := p.tickets
	g.step(fmt.Sprintf("ownership (%d slots)", n), func() {
		g.exec(`CREATE TEMP TABLE sd_own ON COMMIT DROP AS
			SELECT row_number() OVER (ORDER BY ` + h("s.r", 100) + `, s.r) AS id, s.contact_id, s.company_id
			FROM (SELECT a.id AS contact_id, a.company_id, generate_series(a.start, a.start + a.n - 1) AS r FROM sd_alloc a) s`)
		g.exec(`ALTER TABLE sd_own ADD PRIMARY KEY (id)`)
		// The messages beyond each ticket's first: as many again as there
		// are tickets, on tickets chosen by hash, two fifths of them notes.
		// Times are offsets from the ticket's creation, mostly hours to
		// days, at most 45 days.
		g.exec(fmt.Sprintf(`CREATE TEMP TABLE sd_msg ON COMMIT DROP AS
			SELECT j, 1 + %s %% %d AS ticket_id, (120 + floor(3888000 * power(%s, 3)))::int AS off, j %% 5 < 2 AS note
			FROM generate_series(1, %d) j`, h("j", 101), n, u("j", 102), n))
		g.exec(`ALTER TABLE sd_msg ADD PRIMARY KEY (j)`)
		g.exec(`CREATE TEMP TABLE sd_last ON COMMIT DROP AS
			SELECT ticket_id, max(off) AS off FROM sd_msg WHERE NOT note GROUP BY ticket_id`)
		g.exec(`ALTER TABLE sd_last ADD PRIMARY KEY (ticket_id)`)
		for _, t := range []string{"sd_alloc", "sd_own", "sd_msg", "sd_last"} {
			g.exec("ANALYZE " + t)
		}
	})
	g.step(fmt.Sprintf("tickets (%d)", n), func() {
		closedShare := "(0.80 - 0.5 * power(o.id::float8 / " + strconv.Itoa(n) + ", 3))"
		subject := fmt.Sprintf("replace(%s, '#', (2023 + %s %% 4) || '-' || (100 + %s %% 900)) || ' ' || %s || %s",
			pick(subjectThings, "o.id", 110), h("o.id", 111), h("o.id", 112), pick(subjectProblems, "o.id", 113), pick(subjectSuffixes, "o.id", 114))
		categories := []string{"hardware", "software", "access", "network", "other"}
		g.chunked(n, fmt.Sprintf(`INSERT INTO tickets (id, subject, description, pipeline_id, stage_id, closed, priority, category, source, inbox_id, owner_id, properties, created_at, last_activity_at)
			SELECT id, subject, '', CASE WHEN billing THEN 2 ELSE 1 END,
			       CASE WHEN billing THEN (CASE WHEN closed THEN 8 ELSE 6 + r %% 2 END)
			            ELSE (CASE WHEN closed THEN 4 + r %% 2 ELSE 1 + r %% 3 END) END,
			       closed, priority, category, source,
			       CASE WHEN billing THEN 2 WHEN source = 'phone' THEN 3 ELSE 1 END,
			       owner_id, '{}'::jsonb, created, least(created + coalesce(off, 0) * interval '1 second', %s)
			FROM (
			  SELECT o.id, %s AS subject, %s < %s AS closed, %s %% 5 = 0 AS billing, %s AS r,
			         CASE WHEN %s %% 6 = 0 THEN %s WHEN %s %% 5 = 0 THEN 'billing' ELSE %s END AS category,
			         (ARRAY['low','medium','high','urgent'])[CASE WHEN %s %% 100 < 30 THEN 1 WHEN %s %% 100 < 75 THEN 2 WHEN %s %% 100 < 93 THEN 3 ELSE 4 END] AS priority,
			         (ARRAY['portal','email','form','phone','chat'])[CASE WHEN %s %% 100 < 45 THEN 1 WHEN %s %% 100 < 80 THEN 2 WHEN %s %% 100 < 90 THEN 3 WHEN %s %% 100 < 97 THEN 4 ELSE 5 END] AS source,
			         CASE WHEN %s %% 10 < 8 THEN 2 + %s %% %d END AS owner_id,
			         %s AS created, l.off
			  FROM sd_own o LEFT JOIN sd_last l ON l.ticket_id = o.id
			  WHERE o.id BETWEEN {lo} AND {hi}
			) x ORDER BY id`,
			ts(End),
			subject, u("o.id", 115), closedShare, h("o.id", 116), h("o.id", 117),
			h("o.id", 118), lit(Category), h("o.id", 116), pick(categories, "o.id", 119),
			h("o.id", 120), h("o.id", 120), h("o.id", 120),
			h("o.id", 121), h("o.id", 121), h("o.id", 121), h("o.id", 121),
			h("o.id", 122), h("o.id", 123), p.staff,
			g.created("o.id")))
	})
	g.step("ticket contacts and companies", func() {
		g.chunked(n, `INSERT INTO ticket_contacts (ticket_id, contact_id) SELECT id, contact_id FROM sd_own WHERE id BETWEEN {lo} AND {hi} ORDER BY id`)
		// About 5% of tickets get a colleague in copy, some a second one;
		// contacts without a company get another one without a company.
		// The Heavy contact is never added, so that its count stays exact.
		g.exec(`CREATE TEMP TABLE sd_co ON COMMIT DROP AS
			SELECT company_id, min(id) AS first, count(*) AS m FROM sd_alloc WHERE company_id IS NOT NULL GROUP BY company_id`)
		nNone := int64(len(p.contactCompany)) - p.noCompanyFirst + 1
		g.chunked(n, fmt.Sprintf(`INSERT INTO ticket_contacts (ticket_id, contact_id)
			SELECT id, extra FROM (
			  SELECT o.id, o.contact_id,
			         CASE WHEN o.company_id IS NULL THEN %d + (hashint8extended(o.id, 130 + k) & 9223372036854775807) %% %d
			              ELSE c.first + (hashint8extended(o.id, 130 + k) & 9223372036854775807) %% c.m END AS extra
			  FROM sd_own o LEFT JOIN sd_co c ON c.company_id = o.company_id
			  CROSS JOIN (VALUES (1), (2)) AS v(k)
			  WHERE o.id BETWEEN {lo} AND {hi} AND %s < CASE k WHEN 1 THEN 0.05 ELSE 0.015 END
			) x
			WHERE extra <> contact_id AND extra <> %d
			ORDER BY id, extra
			ON CONFLICT DO NOTHING`,
			p.noCompanyFirst, nNone, u("o.id", 131), p.heavy))
		g.chunked(n, `INSERT INTO ticket_companies (ticket_id, company_id) SELECT id, company_id FROM sd_own WHERE id BETWEEN {lo} AND {hi} AND company_id IS NOT NULL ORDER BY id`)
		// About 0.3% of tickets are shared with a participant drawn from
		// every contact, of any company (never the Heavy one), added when
		// the ticket was opened.
		g.chunked(n, fmt.Sprintf(`INSERT INTO ticket_contacts (ticket_id, contact_id, shared, added_at)
			SELECT id, extra, true, created FROM (
			  SELECT o.id, o.contact_id, 1 + %s %% %d AS extra, t.created_at AS created
			  FROM sd_own o JOIN tickets t ON t.id = o.id
			  WHERE o.id BETWEEN {lo} AND {hi} AND %s < 0.003
			) x
			WHERE extra <> contact_id AND extra <> %d
			ORDER BY id
			ON CONFLICT DO NOTHING`,
			h("o.id", 140), len(p.contactCompany), u("o.id", 141), p.heavy))
	})
}

// conversations writes threads and messages: one thread per ticket, a
// second one (a phone call or a forwarded mail) on about 8%; the first
// message is the customer's request, then customer and agent replies and
// internal notes.
func (g *gen) conversations() {
	p := g.p
	n := p.tickets
	g.step(fmt.Sprintf("threads (%d+)", n), func() {
		g.chunked(n, `INSERT INTO threads (id, ticket_id, inbox_id, created_at) SELECT id, id, coalesce(inbox_id, 1), created_at FROM tickets WHERE id BETWEEN {lo} AND {hi} ORDER BY id`)
		g.exec(fmt.Sprintf(`CREATE TEMP TABLE sd_t2 ON COMMIT DROP AS
			SELECT id AS ticket_id, %d + row_number() OVER (ORDER BY id) AS thread_id FROM generate_series(1, %d) id WHERE %s < 0.08`,
			n, n, u("id", 140)))
		g.exec(`ALTER TABLE sd_t2 ADD PRIMARY KEY (ticket_id)`)
		g.chunked(n, `INSERT INTO threads (id, ticket_id, inbox_id, created_at)
			SELECT s.thread_id, s.ticket_id, CASE WHEN t.inbox_id = 3 THEN 1 ELSE 3 END, least(t.created_at + interval '60 seconds', `+ts(End)+`)
			FROM sd_t2 s JOIN tickets t ON t.id = s.ticket_id WHERE s.ticket_id BETWEEN {lo} AND {hi} ORDER BY s.thread_id`)
	})
	customer := func(x string) string {
		return pick(customerOpenings, x, 150) + " || ' ' || " + pick(customerDetails, x, 151) + " || ' ' || " +
			pick(customerDetails, x, 152) + " || ' ' || " + pick(customerClosings, x, 153)
	}
	agent := func(x string) string {
		return pick(agentOpenings, x, 154) + " || ' ' || " + pick(agentActions, x, 155) + " || ' ' || " + pick(agentClosings, x, 156)
	}
	note := func(x string) string { return pick(noteLines, x, 157) + " || ' ' || " + pick(noteLines, x, 158) }
	channel := "CASE t.source WHEN 'form' THEN 'portal' ELSE t.source END"
	g.step(fmt.Sprintf("messages (%d)", 2*n), func() {
		g.chunked(n, fmt.Sprintf(`INSERT INTO messages (id, thread_id, ticket_id, kind, direction, channel, author_contact_id, body, created_at)
			SELECT t.id, t.id, t.id, 'public', 'incoming', %s, o.contact_id, %s, t.created_at
			FROM tickets t JOIN sd_own o ON o.id = t.id WHERE t.id BETWEEN {lo} AND {hi} ORDER BY t.id`, channel, customer("t.id")))
		// Extra messages: notes are the agents'; public replies are the
		// agent's a bit more often than the customer's.
		agentReply := u("m.j", 160) + " < 0.55"
		g.chunked(n, fmt.Sprintf(`INSERT INTO messages (id, thread_id, ticket_id, kind, direction, channel, author_contact_id, author_staff_id, body, created_at)
			SELECT %d + m.j,
			       CASE WHEN s.thread_id IS NOT NULL AND m.j %% 2 = 1 THEN s.thread_id ELSE t.id END,
			       t.id,
			       CASE WHEN m.note THEN 'note' ELSE 'public' END,
			       CASE WHEN m.note OR %s THEN 'outgoing' ELSE 'incoming' END,
			       CASE WHEN m.note THEN 'internal' ELSE %s END,
			       CASE WHEN NOT m.note AND NOT %s THEN o.contact_id END,
			       CASE WHEN m.note OR %s THEN coalesce(t.owner_id, 2 + %s %% %d) END,
			       CASE WHEN m.note THEN %s WHEN %s THEN %s ELSE %s END,
			       least(t.created_at + m.off * interval '1 second', %s)
			FROM sd_msg m
			JOIN tickets t ON t.id = m.ticket_id
			JOIN sd_own o ON o.id = m.ticket_id
			LEFT JOIN sd_t2 s ON s.ticket_id = m.ticket_id
			WHERE m.j BETWEEN {lo} AND {hi}
			ORDER BY m.j`,
			n, agentReply, channel, agentReply, agentReply, h("m.j", 161), p.staff,
			note("m.j"), agentReply, agent("m.j"), customer("m.j"),
			ts(End)))
	})
}

// sequences moves every ID sequence past the explicit IDs.
func (g *gen) sequences() {
	for _, t := range []string{"staff_users", "pipelines", "stages", "inboxes", "companies", "contacts", "tickets", "threads", "messages"} {
		g.exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce((SELECT max(id) FROM %s), 0) + 1, false)`, t, t))
	}
}

// personas picks the search words and the Small and Org contacts, among
// tickets the portal filter does not hide: words that occur for the Heavy
// contact and the Org company, then the first contact (by ID) of a small
// company with a handful of tickets that has each kind of word, then the
// first of the Org company's contacts with a handful of tickets.
func (g *gen) personas() Personas {
	p := g.p
	ps := Personas{Heavy: p.heavy, OrgCompany: p.orgCompany}
	own := func(contact string) string {
		return "SELECT tc.ticket_id FROM ticket_contacts tc JOIN tickets t ON t.id = tc.ticket_id WHERE tc.contact_id = " + contact + " AND NOT tc.shared AND t.category <> " + lit(Category)
	}
	company := "SELECT tco.ticket_id FROM ticket_companies tco JOIN tickets t ON t.id = tco.ticket_id WHERE tco.company_id = " +
		strconv.FormatInt(p.orgCompany, 10) + " AND t.category <> " + lit(Category)
	// Tests that word w (an SQL expression) occurs in a set of tickets.
	subjectIn := func(set, w string) string {
		return "EXISTS (SELECT 1 FROM tickets t2 WHERE t2.id IN (" + set + ") AND t2.subject ILIKE '%' || " + w + " || '%')"
	}
	publicIn := func(set, w string) string {
		return "EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id IN (" + set + ") AND m.kind = 'public' AND m.search @@ plainto_tsquery('simple', " + w + "))"
	}
	noteIn := func(set, w string) string {
		return "EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id IN (" + set + ") AND m.kind = 'note' AND m.search @@ plainto_tsquery('simple', " + w + "))"
	}
	heavy := own(strconv.FormatInt(p.heavy, 10))
	// One short statement per word and set, for the driver's read timeout.
	common := func(words []string, test func(set, w string) string) []string {
		var out []string
		for _, w := range words {
			var both bool
			g.queryRow(`SELECT `+test(heavy, lit(w))+` AND `+test(company, lit(w)), &both)
			if both {
				out = append(out, w)
			}
		}
		return out
	}
	sw := common(subjectWordCandidates, subjectIn)
	mw := common(messageWordCandidates, publicIn)
	nw := common(noteWordCandidates, noteIn)
	if g.err != nil {
		return ps
	}
	if len(sw) == 0 || len(mw) == 0 || len(nw) == 0 {
		g.err = fmt.Errorf("scaledata: no search words common to the Heavy contact and the Org company (%v %v %v)", sw, mw, nw)
		return ps
	}
	first := func(words []string, test func(set, w string) string, set string) string {
		return `(SELECT w FROM unnest(` + textArray(words) + `) WITH ORDINALITY AS s(w, o) WHERE ` + test(set, "w") + ` ORDER BY o LIMIT 1)`
	}
	var candidates []int64
	if g.err == nil {
		rows, err := g.tx.QueryContext(g.ctx, fmt.Sprintf(`SELECT c.id FROM contacts c
			WHERE c.company_id IN (SELECT company_id FROM ticket_companies GROUP BY company_id HAVING count(*) <= %d)
			  AND (SELECT count(*) FROM ticket_contacts tc WHERE tc.contact_id = c.id AND NOT tc.shared) BETWEEN 3 AND 6
			ORDER BY c.id LIMIT 2000`, smallCompanyMax))
		if err != nil {
			g.err = err
			return ps
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			candidates = append(candidates, id)
		}
		rows.Close()
		g.err = rows.Err()
	}
	found := false
	for _, c := range candidates {
		set := own(strconv.FormatInt(c, 10))
		var s, m, n sql.NullString
		g.queryRow(`SELECT `+first(sw, subjectIn, set)+`, `+first(mw, publicIn, set)+`, `+first(nw, noteIn, set), &s, &m, &n)
		if s.Valid && m.Valid && n.Valid {
			ps.Small, ps.SubjectWord, ps.MessageWord, ps.NoteWord = c, s.String, m.String, n.String
			found = true
			break
		}
	}
	if !found && g.err == nil {
		g.err = errors.New("scaledata: no contact of a small company has tickets with every kind of search word")
	}
	found = g.queryRow(fmt.Sprintf(`SELECT c.id FROM contacts c JOIN ticket_contacts tc ON tc.contact_id = c.id AND NOT tc.shared
		WHERE c.company_id = %d GROUP BY c.id ORDER BY count(*) BETWEEN 3 AND 6 DESC, count(*), c.id LIMIT 1`, p.orgCompany), &ps.Org)
	if !found && g.err == nil {
		g.err = errors.New("scaledata: the Org company has no contacts")
	}
	g.queryRow(fmt.Sprintf(`SELECT (SELECT count(*) FROM ticket_contacts WHERE contact_id = %d AND NOT shared), (SELECT count(*) FROM ticket_companies WHERE company_id = %d)`,
		p.heavy, p.orgCompany), &ps.HeavyTickets, &ps.OrgCompanyTickets)
	if g.err == nil && (ps.HeavyTickets != p.heavyTickets || ps.OrgCompanyTickets != p.orgTickets) {
		g.err = fmt.Errorf("scaledata: Heavy has %d tickets and the Org company %d, planned %d and %d",
			ps.HeavyTickets, ps.OrgCompanyTickets, p.heavyTickets, p.orgTickets)
	}
	return ps
}
