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

// withBody decodes the JSON body into a T and answers status with what call
// returns for it.
func withBody[T any](c *gin.Context, status int, call func(T) (any, error)) {
	var in T
	if err := decode(c, &in); err != nil {
		fail(c, err)
		return
	}
	v, err := call(in)
	respond(c, status, v, err)
}

// withID parses the path id name (of a what) and answers status with what
// call returns for it.
func withID(c *gin.Context, name, what string, status int, call func(int64) (any, error)) {
	id, err := pathID(c, name, what)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := call(id)
	respond(c, status, v, err)
}

// withIDAndBody is withID and withBody together; the id is checked first.
func withIDAndBody[T any](c *gin.Context, name, what string, status int, call func(int64, T) (any, error)) {
	withID(c, name, what, status, func(id int64) (any, error) {
		var in T
		if err := decode(c, &in); err != nil {
			return nil, err
		}
		return call(id, in)
	})
}

// respond writes v with status, or the error.
func respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	if v == nil || status == http.StatusNoContent {
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
	in := store.EventInput{Settings: store.DefaultEventSettings()} // what the body leaves out
	if err := decode(c, &in); err != nil {
		fail(c, err)
		return
	}
	e, err := s.db.CreateEvent(c.Request.Context(), in, caller(c).User.ID)
	respond(c, http.StatusCreated, e, err)
}

func (s *Server) getEvent(c *gin.Context) { c.JSON(http.StatusOK, eventOf(c)) }

func (s *Server) updateEvent(c *gin.Context) {
	withBody(c, http.StatusOK, func(p store.EventPatch) (any, error) {
		return s.db.UpdateEvent(c.Request.Context(), eventOf(c).ID, caller(c).User.ID, p)
	})
}

func (s *Server) listOrganizers(c *gin.Context) {
	list, err := s.db.Organizers(c.Request.Context(), eventOf(c).ID)
	respond(c, http.StatusOK, list, err)
}

type organizerRequest struct {
	UserID int64 `json:"user_id"`
}

func (s *Server) addOrganizer(c *gin.Context) {
	withBody(c, http.StatusOK, func(req organizerRequest) (any, error) {
		if req.UserID <= 0 {
			return nil, apperr.WithFields("user_id is required", map[string]string{"user_id": "is required"})
		}
		ev := eventOf(c).ID
		if err := s.db.AddOrganizer(c.Request.Context(), ev, req.UserID); err != nil {
			return nil, err
		}
		return s.db.Organizers(c.Request.Context(), ev)
	})
}

func (s *Server) removeOrganizer(c *gin.Context) {
	withID(c, "user", "user", http.StatusNoContent, func(id int64) (any, error) {
		return nil, s.db.RemoveOrganizer(c.Request.Context(), eventOf(c).ID, id)
	})
}

func (s *Server) listSkills(c *gin.Context) {
	list, err := s.db.Skills(c.Request.Context(), eventOf(c).ID)
	respond(c, http.StatusOK, list, err)
}

func (s *Server) createSkill(c *gin.Context) {
	withBody(c, http.StatusCreated, func(in store.SkillInput) (any, error) {
		return s.db.CreateSkill(c.Request.Context(), eventOf(c).ID, in)
	})
}

func (s *Server) getSkill(c *gin.Context) { c.JSON(http.StatusOK, skillOf(c)) }

func (s *Server) updateSkill(c *gin.Context) {
	withBody(c, http.StatusOK, func(p store.SkillPatch) (any, error) {
		return s.db.UpdateSkill(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, caller(c).User.ID, p)
	})
}

type assignRequest struct {
	Role string `json:"role"`
}

func (s *Server) assignJudge(c *gin.Context) {
	withIDAndBody(c, "judge", "judge", http.StatusOK, func(id int64, req assignRequest) (any, error) {
		return s.db.AssignJudge(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, id, req.Role)
	})
}

func (s *Server) unassignJudge(c *gin.Context) {
	withID(c, "judge", "judge", http.StatusNoContent, func(id int64) (any, error) {
		return nil, s.db.UnassignJudge(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, id)
	})
}
