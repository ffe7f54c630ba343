package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"bayskills/apperr"
	"bayskills/store"
)

// Prometheus metrics (DESIGN §10), served at GET /metrics to the admin and
// to a scraper holding the metrics token. Each server has a registry of its
// own, so that servers in one process (tests) count apart.
//
// Label values are bounded: a route is Gin's template (/api/v1/events/:event)
// or "unmatched", never the path a client sent; a method outside the
// standard ones is "other".

// Label values of the domain counters. Every one is set to zero at start,
// so that a scraper sees each series before the first event and rate()
// works from it.
const (
	markAccepted = "accepted" // created or updated
	markRepeated = "repeated" // a retry of a request already stored (idempotency key)
	markRefused  = "refused"  // the batch was refused whole (invalid, conflict, locked…)

	limiterLoginAddress = "login_address" // sign-in attempts per client address
	limiterLoginAccount = "login_account" // failed sign-ins per account
	limiterPublic       = "public"        // verification requests per client address
	limiterPublicMisses = "public_misses" // verification requests that found nothing, per address
)

// unmatchedRoute is the route label of a request no route matched.
const unmatchedRoute = "unmatched"

// serverMetrics are a server's Prometheus collectors and its registry.
type serverMetrics struct {
	registry *prometheus.Registry
	handler  http.Handler
	token    []byte // SHA-256 of the metrics token; nil: none configured

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	marks         *prometheus.CounterVec
	certificates  prometheus.Counter
	batches       *prometheus.CounterVec
	verifications *prometheus.CounterVec
	loginFailures prometheus.Counter
	rateLimited   *prometheus.CounterVec
}

// newMetrics builds the registry: the HTTP and domain metrics, the Go
// runtime and process collectors, and the connection pools of db. token,
// when not empty, lets a scraper read the metrics without signing in.
func newMetrics(db *store.DB, token string) *serverMetrics {
	reg := prometheus.NewRegistry()
	m := &serverMetrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bayskills_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bayskills_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		marks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bayskills_marks_total",
			Help: "Marks sent by judges: accepted (created or updated), repeated (a retry already stored) or refused.",
		}, []string{"outcome"}),
		certificates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bayskills_certificates_issued_total",
			Help: "Certificates this server issued (made valid by an issuance batch that finished).",
		}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bayskills_issuance_batches_total",
			Help: "Issuance batches this process ended, by final state (issued or failed).",
		}, []string{"state"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bayskills_verifications_total",
			Help: "Verification verdicts given (by id, QR claims, number and name, or PDF), by verdict.",
		}, []string{"verdict"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bayskills_login_failures_total",
			Help: "Sign-ins refused: wrong username, password or PIN, a disabled account, or an unusable sign-in code.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bayskills_rate_limited_total",
			Help: "Requests refused by a rate limit (429), by limiter.",
		}, []string{"limiter"}),
	}
	for _, o := range []string{markAccepted, markRepeated, markRefused} {
		m.marks.WithLabelValues(o)
	}
	for _, s := range []string{"issued", "failed"} {
		m.batches.WithLabelValues(s)
	}
	for _, v := range []string{VerdictValid, VerdictRevoked, VerdictSuspended, VerdictExpired, VerdictAltered, VerdictNotFound} {
		m.verifications.WithLabelValues(v)
	}
	for _, l := range []string{limiterLoginAddress, limiterLoginAccount, limiterPublic, limiterPublicMisses} {
		m.rateLimited.WithLabelValues(l)
	}
	reg.MustRegister(m.requests, m.duration, m.marks, m.certificates, m.batches, m.verifications, m.loginFailures,
		m.rateLimited, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, pool := range db.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	if token = strings.TrimSpace(token); token != "" {
		sum := sha256.Sum256([]byte(token))
		m.token = sum[:]
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	return m
}

// serveMetrics: GET /metrics, in Prometheus' text format.
func (s *Server) serveMetrics(c *gin.Context) { s.metrics.handler.ServeHTTP(c.Writer, c.Request) }

// hasToken reports whether r carries the metrics token as its bearer
// token. The comparison is of SHA-256 sums, in constant time: it tells
// neither the token nor its length.
func (m *serverMetrics) hasToken(r *http.Request) bool {
	if m.token == nil {
		return false
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(raw)))
	return subtle.ConstantTimeCompare(sum[:], m.token) == 1
}

// observe counts and times every request. It runs outside the panic
// recovery and the routes' own handlers, so it sees the status the client
// got: 429s, 413s and panics turned into 500s included.
func (m *serverMetrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = unmatchedRoute
	}
	method := methodLabel(c.Request.Method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
}

// methodLabel is method when it is a standard one, else "other": any
// token is a method to net/http, and a label must not take a client's
// every invention.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions:
		return method
	}
	return "other"
}

// The domain counters. Each is a no-op on a nil *serverMetrics: the demo loader
// issues certificates with an issuance runner of its own, outside any
// server.

// countMarks counts a batch of marks a judge sent (sent marks) and what the
// store made of it: each created or updated mark accepted, each retry
// repeated; a refused batch (marks are all or nothing) refuses every mark.
// An internal error refuses nothing: the tablet will send them again.
func (m *serverMetrics) countMarks(results []store.MarkResult, sent int, err error) {
	if m == nil {
		return
	}
	if err != nil {
		if apperr.CodeOf(err) != apperr.Internal {
			m.marks.WithLabelValues(markRefused).Add(float64(sent))
		}
		return
	}
	var repeated int
	for _, r := range results {
		if r.Status == "repeated" {
			repeated++
		}
	}
	m.marks.WithLabelValues(markRepeated).Add(float64(repeated))
	m.marks.WithLabelValues(markAccepted).Add(float64(len(results) - repeated))
}

// batchEnded counts an issuance batch that ended in state ("issued" or
// "failed") with certificates issued.
func (m *serverMetrics) batchEnded(state string, certificates int) {
	if m == nil {
		return
	}
	m.batches.WithLabelValues(state).Inc()
	m.certificates.Add(float64(certificates))
}

// verified counts the verdict of a verification; a certificate not found
// (err of code not_found) is the verdict not_found. Other errors answer no
// verdict. It returns v and err as they are.
func (m *serverMetrics) verified(v verification, err error) (verification, error) {
	if m == nil {
		return v, err
	}
	switch {
	case err == nil:
		m.verifications.WithLabelValues(v.Verdict).Inc()
	case apperr.CodeOf(err) == apperr.NotFound:
		m.verifications.WithLabelValues(VerdictNotFound).Inc()
	}
	return v, err
}

// loginFailed counts a refused sign-in.
func (m *serverMetrics) loginFailed() {
	if m != nil {
		m.loginFailures.Inc()
	}
}

// limited counts a request a limiter refused.
func (m *serverMetrics) limited(limiter string) {
	if m != nil {
		m.rateLimited.WithLabelValues(limiter).Inc()
	}
}
