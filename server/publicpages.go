package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/store"
)

// publicPageRoutes are the pages anyone may open: an event's public results.
func (s *Server) publicPageRoutes() []route {
	return []route{
		{"GET", "/results/:event", public, s.publicResultsPage, page},
	}
}

// publicResultsPage: an event's final results, medal table first, for
// everyone (unless the event keeps them hidden until the closing ceremony).
func (s *Server) publicResultsPage(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("event"), 10, 64)
	if err != nil {
		s.pageFail(c, apperr.New(apperr.NotFound, "event not found"))
		return
	}
	st, err := s.db.EventStanding(c.Request.Context(), id, true)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	e, err := s.db.Event(c.Request.Context(), id)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	final := 0
	for _, sk := range st.Skills {
		if sk.Lifecycle.State == store.ResultsFinal {
			final++
		}
	}
	s.render(c, http.StatusOK, "results_public", publicResultsData{Event: e, Standing: st, Final: final})
}

type publicResultsData struct {
	Event    store.Event
	Standing store.Standing
	Final    int
}
