package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/store"
)

// skillResults: the skill's results from its signed-off marks; 409 naming
// what is not signed off yet.
func (s *Server) skillResults(c *gin.Context) {
	r, err := s.db.Results(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	respond(c, http.StatusOK, r, err)
}

// skillAnalytics: judge severity, Krippendorff's alpha and the score
// distribution of the skill's judgement scores.
func (s *Server) skillAnalytics(c *gin.Context) {
	a, err := s.db.SkillAnalytics(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	respond(c, http.StatusOK, a, err)
}

// scoresChart: the skill's judgement score distribution as SVG.
func (s *Server) scoresChart(c *gin.Context) {
	a, err := s.db.SkillAnalytics(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	tr := s.translator(c)
	c.Data(http.StatusOK, "image/svg+xml", scoreDistributionSVG(tr.say("chart.scores.title", skillOf(c).Code), a.Histogram, tr))
}

// severityChart: each judge's severity as SVG, outliers marked.
func (s *Server) severityChart(c *gin.Context) {
	a, err := s.db.SkillAnalytics(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	bars := make([]severityBar, len(a.Judges))
	for i, j := range a.Judges {
		bars[i] = severityBar{Label: j.DisplayName, Severity: j.Severity, Outlier: j.Outlier}
	}
	tr := s.translator(c)
	c.Data(http.StatusOK, "image/svg+xml", judgeSeveritySVG(tr.say("chart.severity.title", skillOf(c).Code), bars, a.Threshold, tr))
}

// confirmResults: the chief expert's or an organizer's confirmation of
// provisional results after the appeal window; with both they are final.
func (s *Server) confirmResults(c *gin.Context) {
	p, skill := caller(c), skillOf(c)
	as := store.ConfirmOrganizer
	if p.Access.SkillRoles[skill.ID] == store.SkillChiefExpert {
		as = store.ConfirmChiefExpert
	}
	r, err := s.db.ConfirmResults(c.Request.Context(), eventOf(c).ID, skill.ID, p.User.ID, as)
	respond(c, http.StatusOK, r, err)
}

// closeAppeals: an organizer ends the appeal window early, with a reason.
func (s *Server) closeAppeals(c *gin.Context) {
	withBody(c, http.StatusOK, func(in struct {
		Reason string `json:"reason"`
	}) (any, error) {
		return s.db.CloseAppeals(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, caller(c).User.ID, in.Reason)
	})
}

// exportResults: the skill's results as CSV or XLSX, one row per entry,
// with the formula and the lifecycle after the table.
func (s *Server) exportResults(c *gin.Context) {
	format, ok := tableFormat(c, false)
	if !ok {
		return
	}
	r, err := s.db.Results(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	header, rows := resultsTable(r)
	sendTable(c, format, "results-"+skillOf(c).Code, header, rows)
}

// resultsTable lays results out as a sheet: a row per entry, then the
// formula and where the results stand.
func resultsTable(r store.Results) (header []string, rows [][]string) {
	header = []string{"rank", "code", "name_native", "name_latin", "institution", "region", "team"}
	for _, code := range r.Criteria {
		header = append(header, "criterion_"+code)
	}
	header = append(header, "raw", "score", "award", "best_of_region")
	for _, e := range r.Entries {
		native, latin, inst := entryNames(e)
		row := []string{strconv.Itoa(e.Rank), e.Code, native, latin, inst, string(e.Region), e.Team}
		for _, code := range r.Criteria {
			row = append(row, e.Criteria[code])
		}
		best := ""
		if e.BestOfRegion {
			best = "yes"
		}
		rows = append(rows, append(row, e.Raw, e.Score, string(e.Award), best))
	}
	rows = append(rows, nil, []string{"formula", r.Formula}, []string{"state", string(r.Lifecycle.State)})
	if r.Lifecycle.SHA256 != "" {
		rows = append(rows, []string{"sha256", r.Lifecycle.SHA256})
	}
	if r.Lifecycle.FinalAt != "" {
		rows = append(rows, []string{"final_at", r.Lifecycle.FinalAt})
	}
	return header, rows
}

// entryNames joins an entry's competitors' names and institutions (a team
// has several) with "; ".
func entryNames(e store.EntryResult) (native, latin, institution string) {
	var n, l, inst []string
	for _, m := range e.Competitors {
		n, l, inst = append(n, m.NameNative), append(l, m.NameLatin), append(inst, m.Institution)
	}
	return strings.Join(n, "; "), strings.Join(l, "; "), strings.Join(slices.Compact(inst), "; ")
}

// eventResults: the organizers' overview of every skill's results and the
// region medal table, provisional results included.
func (s *Server) eventResults(c *gin.Context) {
	st, err := s.db.EventStanding(c.Request.Context(), eventOf(c).ID, false)
	respond(c, http.StatusOK, st, err)
}

// publicResults: final results for everyone, unless the event keeps them
// hidden until the closing ceremony.
func (s *Server) publicResults(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("event"), 10, 64)
	if err != nil {
		fail(c, apperr.New(apperr.NotFound, "event not found"))
		return
	}
	st, err := s.db.EventStanding(c.Request.Context(), id, true)
	respond(c, http.StatusOK, st, err)
}

// exportMarks: every stored mark of the skill as CSV or XLSX, one row each.
func (s *Server) exportMarks(c *gin.Context) {
	format, ok := tableFormat(c, false)
	if !ok {
		return
	}
	marks, err := s.db.MarkRows(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	header := []string{"entry", "competitors", "criterion", "sub_criterion", "aspect", "kind", "judge", "judge_name",
		"value", "version", "updated_at"}
	rows := make([][]string, len(marks))
	for i, m := range marks {
		rows[i] = []string{m.EntryCode, m.Competitors, m.Criterion, m.SubCriterion, m.Aspect, m.Kind, m.Judge,
			m.JudgeName, m.Value, strconv.FormatInt(m.Version, 10), m.UpdatedAt}
	}
	sendTable(c, format, "marks-"+skillOf(c).Code, header, rows)
}
