package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/store"
)

type userRequest struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        store.Role `json:"role"`
	Password    string     `json:"password"`
}

type userPatch struct {
	DisplayName *string `json:"display_name"`
	Disabled    *bool   `json:"disabled"`
	Password    *string `json:"password"`
}

func (s *Server) listUsers(c *gin.Context) {
	list, err := s.db.Users(c.Request.Context())
	respond(c, http.StatusOK, list, err)
}

// createUser: admin creates an admin or organizer account. Judge accounts
// come with the judges of an event.
func (s *Server) createUser(c *gin.Context) {
	var req userRequest
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	fe := apperr.FieldErrors{}
	if msg := store.ValidUsername(req.Username); msg != "" {
		fe.Add("username", msg)
	}
	if req.Role != store.RoleAdmin && req.Role != store.RoleOrganizer {
		fe.Add("role", "must be admin or organizer (judges are added to an event)")
	}
	if msg := checkPassword(req.Password); msg != "" {
		fe.Add("password", msg)
	}
	if msg := store.TextProblem(req.DisplayName, 100); msg != "" {
		fe.Add("display_name", msg)
	}
	if err := fe.Err("the account has invalid fields"); err != nil {
		fail(c, err)
		return
	}
	hash, err := hashSecret(req.Password)
	if err != nil {
		fail(c, apperr.Wrap(err, "hash password"))
		return
	}
	u, err := s.db.CreateUser(c.Request.Context(), store.NewUser{Username: req.Username, DisplayName: req.DisplayName,
		Role: req.Role, PasswordHash: hash})
	respond(c, http.StatusCreated, u, err)
}

func (s *Server) getUser(c *gin.Context) {
	withID(c, "user", "user", http.StatusOK, func(id int64) (any, error) { return s.db.User(c.Request.Context(), id) })
}

// updateUser: admin renames, disables or re-enables an account, or resets its
// password. Admins cannot disable themselves (someone must stay in charge).
func (s *Server) updateUser(c *gin.Context) {
	var req userPatch
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, "user", "user")
	if err != nil {
		fail(c, err)
		return
	}
	if req.Disabled != nil && *req.Disabled && id == caller(c).User.ID {
		fail(c, apperr.New(apperr.Conflict, "you cannot disable your own account"))
		return
	}
	if req.DisplayName != nil {
		if msg := store.TextProblem(*req.DisplayName, 100); msg != "" {
			fail(c, apperr.WithFields("the account has invalid fields", map[string]string{"display_name": msg}))
			return
		}
	}
	s.updateAccount(c, id, store.UserUpdate{DisplayName: req.DisplayName, Disabled: req.Disabled}, req.Password, "password")
}
