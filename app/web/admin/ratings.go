package admin

import (
	"bytes"
	"encoding/csv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
	"portico/app/web/core"
)

// ratingWeeks are the periods the report offers, in weeks.
var ratingWeeks = []int{4, 12, 26, 52}

// reportWeeks is the period asked for, 12 weeks unless one of ratingWeeks.
func reportWeeks(c *fiber.Ctx) int {
	w, _ := strconv.Atoi(c.Query("weeks"))
	for _, ok := range ratingWeeks {
		if w == ok {
			return w
		}
	}
	return 12
}

// weekStart is the Monday, at midnight UTC, of the week of t.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	d := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, time.UTC)
}

// ratingReport groups the ratings of the period.
type ratingReport struct {
	Weeks     int
	Options   []int
	Rows      []store.RatingRow
	ByWeek    []store.RatingCount
	ByAgent   []store.RatingCount
	ByPipe    []store.RatingCount
	Comments  []store.RatingRow
	Total     store.RatingCount
	Truncated bool
}

const maxReportComments = 200

func buildRatingReport(rows []store.RatingRow, weeks int) *ratingReport {
	r := &ratingReport{Weeks: weeks, Options: ratingWeeks, Rows: rows, Truncated: len(rows) >= store.MaxReportRatings}
	group := func(into *[]store.RatingCount, key, label string, score string) {
		for i := range *into {
			if (*into)[i].Key == key {
				(*into)[i].Add(score)
				return
			}
		}
		c := store.RatingCount{Key: key, Label: label}
		c.Add(score)
		*into = append(*into, c)
	}
	for _, x := range rows {
		r.Total.Add(x.Score)
		w := weekStart(x.UpdatedAt).Format("2006-01-02")
		group(&r.ByWeek, w, w, x.Score)
		group(&r.ByAgent, x.OwnerName, x.OwnerName, x.Score)
		group(&r.ByPipe, x.PipelineName, x.PipelineName, x.Score)
		if strings.TrimSpace(x.Comment) != "" && len(r.Comments) < maxReportComments {
			r.Comments = append(r.Comments, x)
		}
	}
	sort.Slice(r.ByWeek, func(i, j int) bool { return r.ByWeek[i].Key > r.ByWeek[j].Key })
	byTotal := func(s []store.RatingCount) {
		sort.SliceStable(s, func(i, j int) bool {
			if s[i].Total() != s[j].Total() {
				return s[i].Total() > s[j].Total()
			}
			return s[i].Label < s[j].Label
		})
	}
	byTotal(r.ByAgent)
	byTotal(r.ByPipe)
	return r
}

func (s *Handler) reportRows(c *fiber.Ctx, weeks int) ([]store.RatingRow, error) {
	since := weekStart(time.Now()).AddDate(0, 0, -7*(weeks-1))
	return store.RatingsSince(c.UserContext(), s.Store.DB, since)
}

// RatingsReport shows the customers' ratings per week, agent and
// pipeline, and their comments.
func (s *Handler) RatingsReport(c *fiber.Ctx) error {
	weeks := reportWeeks(c)
	rows, err := s.reportRows(c, weeks)
	if err != nil {
		return err
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/ratings", fiber.Map{
		"Title": core.LocaleOf(c).T("rating.report_title"), "Report": buildRatingReport(rows, weeks),
	})
}

// csvCell keeps a cell from being read as a formula by a spreadsheet: a
// cell that starts with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// RatingsCSV exports the report's ratings, one line each.
func (s *Handler) RatingsCSV(c *fiber.Ctx) error {
	weeks := reportWeeks(c)
	rows, err := s.reportRows(c, weeks)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"date", "ticket", "subject", "rating", "comment", "customer", "email", "agent", "pipeline"})
	for _, x := range rows {
		_ = w.Write([]string{x.UpdatedAt.UTC().Format(time.RFC3339), strconv.FormatInt(x.TicketID, 10),
			csvCell(x.Subject), x.Score, csvCell(x.Comment), csvCell(x.ContactName), csvCell(x.ContactEmail),
			csvCell(x.OwnerName), csvCell(x.PipelineName)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="ratings.csv"`)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(b.Bytes())
}

// ticketRatings is the ratings panel of the agent's ticket page.
func (s *Handler) ticketRatings(c *fiber.Ctx, ticketID int64) ([]store.RatingRow, error) {
	return store.TicketRatings(c.UserContext(), s.Store.DB, ticketID)
}
