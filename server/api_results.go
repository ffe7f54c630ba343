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
