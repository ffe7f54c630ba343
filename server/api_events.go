package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/assets"
	"bayskills/store"
)

// pathID parses the numeric path parameter name; anything else is NotFound.
func pathID(c *gin.Context, name, what string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.New(apperr.NotFound, "%s not found", what)
	}
	return n, nil
}

// respond writes v with status, or the error.
func respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	if v == nil {
		c.Status(status)
		return
	}
	c.JSON(status, v)
}

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", assets.OpenAPI)
}

func (s *Server) listEvents(c *gin.Context) {
	p := caller(c)
	list, err := s.db.Events(c.Request.Context(), p.User.ID, p.isAdmin())
	respond(c, http.StatusOK, list, err)
}

func (s *Server) createEvent(c *gin.Context) {
	var in store.EventInput
	if err := decode(c, &in); err != nil {
		fail(c, err)
		return
	}
	e, err := s.db.CreateEvent(c.Request.Context(), in, caller(c).User.ID)
	respond(c, http.StatusCreated, e, err)
}

func (s *Server) getEvent(c *gin.Context) { c.JSON(http.StatusOK, eventOf(c)) }

func (s *Server) updateEvent(c *gin.Context) {
	var p store.EventPatch
	if err := decode(c, &p); err != nil {
		fail(c, err)
		return
	}
	e, err := s.db.UpdateEvent(c.Request.Context(), eventOf(c).ID, p)
	respond(c, http.StatusOK, e, err)
}

func (s *Server) listOrganizers(c *gin.Context) {
	list, err := s.db.Organizers(c.Request.Context(), eventOf(c).ID)
	respond(c, http.StatusOK, list, err)
}

type organizerRequest struct {
	UserID int64 `json:"user_id"`
}

func (s *Server) addOrganizer(c *gin.Context) {
	var req organizerRequest
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.UserID <= 0 {
		fail(c, apperr.WithFields("user_id is required", map[string]string{"user_id": "is required"}))
		return
	}
	ev := eventOf(c).ID
	if err := s.db.AddOrganizer(c.Request.Context(), ev, req.UserID); err != nil {
		fail(c, err)
		return
	}
	list, err := s.db.Organizers(c.Request.Context(), ev)
	respond(c, http.StatusOK, list, err)
}

func (s *Server) removeOrganizer(c *gin.Context) {
	id, err := pathID(c, "user", "user")
	if err == nil {
		err = s.db.RemoveOrganizer(c.Request.Context(), eventOf(c).ID, id)
	}
	respond(c, http.StatusNoContent, nil, err)
}

func (s *Server) listSkills(c *gin.Context) {
	list, err := s.db.Skills(c.Request.Context(), eventOf(c).ID)
	respond(c, http.StatusOK, list, err)
}

func (s *Server) createSkill(c *gin.Context) {
	var in store.SkillInput
	if err := decode(c, &in); err != nil {
		fail(c, err)
		return
	}
	sk, err := s.db.CreateSkill(c.Request.Context(), eventOf(c).ID, in)
	respond(c, http.StatusCreated, sk, err)
}

func (s *Server) getSkill(c *gin.Context) { c.JSON(http.StatusOK, skillOf(c)) }

func (s *Server) updateSkill(c *gin.Context) {
	var p store.SkillPatch
	if err := decode(c, &p); err != nil {
		fail(c, err)
		return
	}
	sk, err := s.db.UpdateSkill(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, p)
	respond(c, http.StatusOK, sk, err)
}

type assignRequest struct {
	Role string `json:"role"`
}

func (s *Server) assignJudge(c *gin.Context) {
	var req assignRequest
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, "judge", "judge")
	if err != nil {
		fail(c, err)
		return
	}
	j, err := s.db.AssignJudge(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, id, req.Role)
	respond(c, http.StatusOK, j, err)
}

func (s *Server) unassignJudge(c *gin.Context) {
	id, err := pathID(c, "judge", "judge")
	if err == nil {
		err = s.db.UnassignJudge(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, id)
	}
	respond(c, http.StatusNoContent, nil, err)
}
