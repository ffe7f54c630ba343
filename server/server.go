// Package server is bayskills' HTTP layer: routes, authentication,
// authorization and the JSON API. Handlers parse, authorize, call the store
// or the domain packages, and respond; the rules live elsewhere.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/store"
)

// Config is what the server needs besides the database.
type Config struct {
	DataDir string // where the token key lives
	BaseURL string // public URL; the token issuer
	Version string // build version, for /healthz
	Logger  *slog.Logger
	Now     func() time.Time // clock; time.Now when nil
	// LoginsPerMinute caps sign-in attempts per client address (default
	// 120: a hall of judges behind one venue NAT signs in at 8 a.m.).
	LoginsPerMinute int
	// PublicPerMinute caps verification requests per client address
	// (default 600); negative: no cap, for load tests. A tenth of it, in
	// requests that find nothing, blocks the address for the minute:
	// guessing ids or numbers gets nowhere.
	PublicPerMinute int
	// MasterKey seals the issuers' private keys (LoadMasterKey); nil means
	// the data directory's master.key, created on first start.
	MasterKey []byte
	// MetricsToken, when set, lets a scraper that sends it as its bearer
	// token read GET /metrics; the admin always may.
	MetricsToken string
}

// Server serves the API.
type Server struct {
	db             *store.DB
	cfg            Config
	log            *slog.Logger
	tokens         *tokens
	loginByAddr    *limiter
	loginByAccount *limiter
	engine         *gin.Engine
	pages          *pageSet
	issuance       *issuanceRunner
	verify         verifier
	publicByAddr   *limiter // verification requests per client address
	missesByAddr   *limiter // verification requests that found nothing, per address
	metrics        *serverMetrics
}

// New builds a server on db. It creates the token key on first start.
func New(db *store.DB, cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	key, err := loadTokenKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if cfg.LoginsPerMinute <= 0 {
		cfg.LoginsPerMinute = 120
	}
	if cfg.PublicPerMinute == 0 {
		cfg.PublicPerMinute = 600
	}
	if cfg.MasterKey == nil {
		if cfg.MasterKey, err = LoadMasterKey(cfg.DataDir, ""); err != nil {
			return nil, err
		}
	}
	if err := checkMasterKey(context.Background(), db, cfg.MasterKey); err != nil {
		return nil, err
	}
	// This process runs the issuances from now on: one left running was
	// cut short when the previous server stopped, and issues nothing.
	if _, err := db.FailInterrupted(context.Background()); err != nil {
		return nil, fmt.Errorf("interrupted issuances: %w", err)
	}
	issuer := cfg.BaseURL
	if issuer == "" {
		issuer = "bayskills"
	}
	s := &Server{
		db:          db,
		cfg:         cfg,
		log:         cfg.Logger,
		tokens:      &tokens{key: key, issuer: issuer, now: cfg.Now},
		loginByAddr: newLimiter(cfg.LoginsPerMinute, time.Minute, cfg.Now),
		// Per account: 5 failures per 15 minutes; a 6-digit PIN then takes
		// years to guess.
		loginByAccount: newLimiter(5, 15*time.Minute, cfg.Now),
	}
	if cfg.PublicPerMinute > 0 {
		s.publicByAddr = newLimiter(cfg.PublicPerMinute, time.Minute, cfg.Now)
		s.missesByAddr = newLimiter(max(cfg.PublicPerMinute/10, 1), time.Minute, cfg.Now)
	}
	s.metrics = newMetrics(db, cfg.MetricsToken)
	s.issuance = newIssuanceRunner(db, cfg.MasterKey, cfg.Logger, cfg.Now)
	s.issuance.metrics = s.metrics
	if s.pages, err = loadPages(); err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	s.engine = s.routes()
	return s, nil
}

// Close stops the issuances still running (they fail as interrupted, and
// nothing of them is issued) and waits for them to end.
func (s *Server) Close() { s.issuance.close() }

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) engineBase() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.SetTrustedProxies(nil) // the client address is the peer's: X-Forwarded-For cannot dodge rate limits
	e.HandleMethodNotAllowed = true
	// Metrics outside the panic recovery: they count the 500 it makes.
	e.Use(requestID, accessLog(s.log), s.metrics.observe, recoverPanics(s.log), securityHeaders)
	e.NoRoute(func(c *gin.Context) { fail(c, apperr.New(apperr.NotFound, "no such route")) })
	e.NoMethod(func(c *gin.Context) { fail(c, apperr.New(apperr.NotAllowed, "method not allowed on this route")) })
	return e
}

func (s *Server) healthz(c *gin.Context) {
	if err := s.db.Ping(c.Request.Context()); err != nil {
		fail(c, apperr.Wrap(err, "ping database"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.cfg.Version})
}
