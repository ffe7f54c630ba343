package server

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/store"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type pinLoginRequest struct {
	Username string `json:"username"`
	PIN      string `json:"pin"`
}

type loginResponse struct {
	Token     string     `json:"token"`
	TokenType string     `json:"token_type"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      store.User `json:"user"`
}

// login: POST /api/v1/auth/login with a username and password.
func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	s.signIn(c, req.Username, req.Password, false)
}

// loginPIN: POST /api/v1/auth/pin, a judge's username and PIN.
func (s *Server) loginPIN(c *gin.Context) {
	var req pinLoginRequest
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	s.signIn(c, req.Username, req.PIN, true)
}

// signIn answers a login request: the token, or why not.
func (s *Server) signIn(c *gin.Context, username, secret string, pin bool) {
	u, err := s.checkLogin(c, username, secret, pin)
	if err != nil {
		fail(c, err)
		return
	}
	token, exp, err := s.tokens.issue(u)
	if err != nil {
		fail(c, apperr.Wrap(err, "sign token"))
		return
	}
	c.Set(ctxPrincipal, &principal{User: u})
	c.JSON(http.StatusOK, loginResponse{Token: token, TokenType: "Bearer", ExpiresAt: exp.UTC(), User: u})
}

// checkLogin checks a credential under the login rate limits: every attempt
// counts against the caller's address, every failure against the account.
// Whatever fails, the answer is the same, so it tells an attacker nothing.
// A rate-limited caller also gets Retry-After.
func (s *Server) checkLogin(c *gin.Context, username, secret string, pin bool) (store.User, error) {
	username = strings.TrimSpace(username)
	if username == "" || secret == "" {
		field, what := "password", "password"
		if pin {
			field, what = "pin", "PIN"
		}
		return store.User{}, apperr.WithFields("username and "+what+" are required",
			map[string]string{"username": "is required", field: "is required"})
	}
	addrKey, accountKey := "ip:"+c.ClientIP(), "user:"+strings.ToLower(username)
	for _, check := range []struct {
		l         *limiter
		key, name string
	}{{s.loginByAddr, addrKey, limiterLoginAddress}, {s.loginByAccount, accountKey, limiterLoginAccount}} {
		if wait, blocked := check.l.blocked(check.key); blocked {
			s.metrics.limited(check.name)
			c.Header("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
			return store.User{}, apperr.New(apperr.RateLimited, "too many login attempts; try again in %s", wait.Round(time.Second))
		}
	}
	s.loginByAddr.hit(addrKey)
	u, err := s.db.UserByName(c.Request.Context(), username[:min(len(username), 64)])
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return store.User{}, err
	}
	hash := u.PasswordHash
	if pin {
		hash = u.PINHash
	}
	if hash == "" {
		hash = dummyHash()
	}
	ok := len(username) <= 64 && len(secret) <= 256 && checkSecret(hash, secret) && err == nil && !u.Disabled && (!pin || u.Role == store.RoleJudge)
	if !ok {
		s.loginByAccount.hit(accountKey)
		s.metrics.loginFailed()
		what := "password"
		if pin {
			what = "PIN"
		}
		return store.User{}, apperr.New(apperr.Unauthorized, "wrong username or %s, or the account is disabled", what)
	}
	s.loginByAccount.reset(accountKey)
	return u, nil
}

// logout: POST /api/v1/auth/logout invalidates every token of the caller.
func (s *Server) logout(c *gin.Context) {
	if err := s.db.RevokeTokens(c.Request.Context(), caller(c).User.ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type meResponse struct {
	User        store.User         `json:"user"`
	OrganizerOf []int64            `json:"organizer_of"`
	Skills      []store.JudgeSkill `json:"skills"`
}

// me: GET /api/v1/me, the caller's account and scopes.
func (s *Server) me(c *gin.Context) {
	p := caller(c)
	skills, err := s.db.SkillsOf(c.Request.Context(), p.User.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := meResponse{User: p.User, OrganizerOf: []int64{}, Skills: skills}
	for ev := range p.Access.OrganizerOf {
		out.OrganizerOf = append(out.OrganizerOf, ev)
	}
	slices.Sort(out.OrganizerOf)
	c.JSON(http.StatusOK, out)
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword: POST /api/v1/me/password. Signs the caller out everywhere;
// the response carries a fresh token.
func (s *Server) changePassword(c *gin.Context) {
	var req passwordChange
	if err := decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	p := caller(c)
	if !checkSecret(p.User.PasswordHash, req.CurrentPassword) {
		fail(c, apperr.WithFields("the current password is wrong", map[string]string{"current_password": "is wrong"}))
		return
	}
	s.updateAccount(c, p.User.ID, store.UserUpdate{}, &req.NewPassword, "new_password")
}

// updateAccount stores u for user id, with a new password when password is
// set (reported against field when too weak), and answers with the user — and
// a fresh token when callers changed their own credentials, since the change
// signed them out everywhere.
func (s *Server) updateAccount(c *gin.Context, id int64, u store.UserUpdate, password *string, field string) {
	if password != nil {
		if msg := checkPassword(*password); msg != "" {
			fail(c, apperr.WithFields("the password is too weak", map[string]string{field: msg}))
			return
		}
		h, err := hashSecret(*password)
		if err != nil {
			fail(c, apperr.Wrap(err, "hash password"))
			return
		}
		u.PasswordHash = &h
	}
	user, err := s.db.UpdateUser(c.Request.Context(), id, u)
	if err != nil {
		fail(c, err)
		return
	}
	if caller(c).User.ID == id && user.TokenVersion != caller(c).User.TokenVersion && !user.Disabled {
		token, exp, err := s.tokens.issue(user)
		if err != nil {
			fail(c, apperr.Wrap(err, "sign token"))
			return
		}
		c.JSON(http.StatusOK, loginResponse{Token: token, TokenType: "Bearer", ExpiresAt: exp.UTC(), User: user})
		return
	}
	c.JSON(http.StatusOK, user)
}

// checkPassword returns what is wrong with a new password, or "". Length is
// what matters (NIST SP 800-63B): at least 10 characters, at most 256.
func checkPassword(pw string) string {
	switch n := len([]rune(pw)); {
	case n < 10:
		return "must be at least 10 characters"
	case n > 256:
		return "must be at most 256 characters"
	}
	return ""
}
