package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/store"
)

// Token settings. Tokens live at most 12 hours: a judging day.
const (
	tokenAudience = "bayskills-api"
	tokenTTL      = 12 * time.Hour
	keyFileName   = "token-hs256.key"
)

// tokenClaims are the claims of an access token. Ver is the user's token
// version at issue: logout and credential changes bump the version, which
// invalidates every token issued before.
type tokenClaims struct {
	jwt.RegisteredClaims
	Ver int64 `json:"ver"`
}

// tokens issues and checks access tokens (HS256 with a key kept in the data
// directory).
type tokens struct {
	key    []byte
	issuer string
	now    func() time.Time
}

// loadTokenKey reads the signing key from dir, creating it on first start.
func loadTokenKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, keyFileName)
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("token key %s is shorter than 32 bytes", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// issue returns a signed token for u and its expiry.
func (t *tokens) issue(u store.User) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(tokenTTL)
	jti := make([]byte, 12)
	rand.Read(jti)
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			Audience:  jwt.ClaimStrings{tokenAudience},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        fmt.Sprintf("%x", jti),
		},
		Ver: u.TokenVersion,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	return s, exp, err
}

// parse checks a token's signature (HS256 only), issuer, audience and times,
// and returns its claims.
func (t *tokens) parse(raw string) (*tokenClaims, error) {
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(tokenAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		return nil, err
	}
	if exp := claims.ExpiresAt.Time; claims.IssuedAt == nil || exp.Sub(claims.IssuedAt.Time) > tokenTTL+time.Minute {
		return nil, errors.New("token lifetime too long")
	}
	return &claims, nil
}

// principal is the authenticated caller of a request.
type principal struct {
	User   store.User
	Access store.Access
}

func (p *principal) isAdmin() bool { return p.User.Role == store.RoleAdmin }

func (p *principal) organizes(event int64) bool { return p.isAdmin() || p.Access.OrganizerOf[event] }

// errUnauthorized is what every failed authentication says, whatever failed:
// no oracle for an attacker.
var errUnauthorized = apperr.New(apperr.Unauthorized, "a valid access token is required")

// principalOf authenticates the caller by the Authorization header or,
// without one, by the session cookie the pages use (viaCookie).
func (s *Server) principalOf(c *gin.Context) (p *principal, viaCookie bool, err error) {
	header := c.GetHeader("Authorization")
	if header == "" {
		if tok, err := c.Cookie(sessionCookie); err == nil && tok != "" {
			header, viaCookie = "Bearer "+tok, true
		}
	}
	p, err = s.authenticate(c.Request.Context(), header)
	return p, viaCookie, err
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin tells a request made by this server's own pages from a
// cross-site one (CSRF): the browser's Sec-Fetch-Site says so, or else the
// Origin header must name this host. A request with neither is refused:
// every browser sends one of them on a cross-site POST.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// authenticate resolves the bearer token to a current, enabled user.
func (s *Server) authenticate(ctx context.Context, header string) (*principal, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return nil, errUnauthorized
	}
	claims, err := s.tokens.parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errUnauthorized
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil {
		return nil, errUnauthorized
	}
	u, err := s.db.User(ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled || u.TokenVersion != claims.Ver {
		return nil, errUnauthorized
	}
	acc, err := s.db.AccessOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return &principal{User: u, Access: acc}, nil
}

// access says who may call a route.
type access int

// Who may call a route. Event- and skill-scoped levels also load the :event
// and :skill of the path (404 when absent) before checking.
const (
	public         access = iota // anyone
	publicLimited                // anyone, rate limited per client address (verification: DESIGN §8)
	authenticated                // any signed-in user
	adminOnly                    // the admin role
	eventCreator                 // admin and organizer accounts
	eventOrganizer               // admin, or an organizer of :event
	eventMember                  // eventOrganizer, or a judge or chief expert of a skill of :event
	skillStaff                   // eventOrganizer, or a judge or chief expert of :skill
	skillLead                    // eventOrganizer, or the chief expert of :skill
	skillJudge                   // a judge or the chief expert of :skill (those who mark)
	chiefExpert                  // the chief expert of :skill only
	issuerOfficer                // admin, or an officer of the issuer of certificate :cert
	metricsReader                // admin, or a scraper with the metrics token (Config.MetricsToken)
)

var accessNames = map[access]string{
	public: "public", publicLimited: "public, rate limited", authenticated: "authenticated", adminOnly: "admin", eventCreator: "event creator",
	eventOrganizer: "event organizer", eventMember: "event member", skillStaff: "skill staff",
	skillLead: "skill lead", skillJudge: "skill judge", chiefExpert: "chief expert",
	issuerOfficer: "issuer officer", metricsReader: "metrics reader",
}

func (a access) String() string { return accessNames[a] }

// authorize is the gate in front of every route: it authenticates, loads the
// event and skill named in the path and checks the caller's scope. Page
// routes fail as pages do (to sign in, or an error page).
func (s *Server) authorize(who access, isPage bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		fail := fail
		if isPage {
			fail = s.pageFail
		}
		switch who {
		case public:
			c.Next()
			return
		case publicLimited:
			s.limitPublic(c, fail)
			return
		case metricsReader:
			if s.metrics.hasToken(c.Request) {
				c.Next()
				return
			}
		}
		p, viaCookie, err := s.principalOf(c)
		if err != nil {
			fail(c, err)
			return
		}
		if viaCookie && !safeMethod(c.Request.Method) && !sameOrigin(c.Request) {
			fail(c, apperr.New(apperr.Forbidden, "cross-site request refused"))
			return
		}
		c.Set(ctxPrincipal, p)
		var event store.Event
		if id := c.Param("event"); id != "" {
			if event, err = s.loadEvent(c, id); err != nil {
				fail(c, err)
				return
			}
		}
		var skill store.Skill
		if id := c.Param("skill"); id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				fail(c, apperr.New(apperr.NotFound, "skill not found"))
				return
			}
			if skill, err = s.db.Skill(c.Request.Context(), event.ID, n); err != nil {
				fail(c, err)
				return
			}
			c.Set(ctxSkill, skill)
		}
		allowed := false
		switch who {
		case authenticated:
			allowed = true
		case adminOnly:
			allowed = p.isAdmin()
		case eventCreator:
			allowed = p.isAdmin() || p.User.Role == store.RoleOrganizer
		case eventOrganizer:
			allowed = p.organizes(event.ID)
		case eventMember:
			allowed = p.organizes(event.ID) || p.Access.JudgeEvents[event.ID]
		case skillStaff:
			allowed = p.organizes(event.ID) || p.Access.SkillRoles[skill.ID] != ""
		case skillLead:
			allowed = p.organizes(event.ID) || p.Access.SkillRoles[skill.ID] == store.SkillChiefExpert
		case skillJudge:
			allowed = p.Access.SkillRoles[skill.ID] != ""
		case chiefExpert:
			allowed = p.Access.SkillRoles[skill.ID] == store.SkillChiefExpert
		case issuerOfficer:
			if allowed, err = s.actsForIssuerOf(c, p); err != nil {
				fail(c, err)
				return
			}
		case metricsReader:
			allowed = p.isAdmin()
		}
		if !allowed {
			fail(c, apperr.New(apperr.Forbidden, "your account may not do this"))
			return
		}
		c.Next()
	}
}

// actsForIssuerOf reports whether p may change the status of certificate
// :cert: the admin, or an officer of its issuer. An unknown certificate is
// not found, for everyone signed in.
func (s *Server) actsForIssuerOf(c *gin.Context, p *principal) (bool, error) {
	id := c.Param("cert")
	if !certs.ValidCertificateID(id) {
		return false, errNoCertificate
	}
	rec, err := s.db.CertificateByID(c.Request.Context(), id)
	if err != nil || p.isAdmin() {
		return err == nil, err
	}
	return s.db.IsIssuerOfficer(c.Request.Context(), rec.IssuerID, p.User.ID)
}

func (s *Server) loadEvent(c *gin.Context, id string) (store.Event, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return store.Event{}, apperr.New(apperr.NotFound, "event not found")
	}
	e, err := s.db.Event(c.Request.Context(), n)
	if err == nil {
		c.Set(ctxEvent, e)
	}
	return e, err
}

func caller(c *gin.Context) *principal   { return c.MustGet(ctxPrincipal).(*principal) }
func eventOf(c *gin.Context) store.Event { return c.MustGet(ctxEvent).(store.Event) }
func skillOf(c *gin.Context) store.Skill { return c.MustGet(ctxSkill).(store.Skill) }
