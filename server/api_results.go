package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
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
	c.Data(http.StatusOK, "image/svg+xml", scoreDistributionSVG(skillOf(c).Code+": judgement scores", a.Histogram))
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
	c.Data(http.StatusOK, "image/svg+xml", judgeSeveritySVG(skillOf(c).Code+": judge severity", bars, a.Threshold))
}
