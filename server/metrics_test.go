package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"bayskills/certs"
	"bayskills/store"
)

// testMetricsToken is the metrics token of newMetricsFixture's server.
const testMetricsToken = "scraper-token-for-tests-0123456789"

// newMetricsFixture is a fixture whose server has the metrics token set:
// a second server on the fixture's database and token key, so the
// fixture's tokens hold, with metrics of its own that start at zero.
func newMetricsFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	srv, err := New(f.db, Config{DataDir: f.srv.cfg.DataDir, Now: f.srv.cfg.Now, MetricsToken: testMetricsToken})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	f.srv = srv
	t.Cleanup(srv.Close)
	return f
}

// scrape reads /metrics with auth (a role, or a raw "Bearer …") and parses
// it; the request must succeed.
func scrape(t *testing.T, f *fixture, auth string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	r := f.do("GET", "/metrics", auth, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics as %q: status %d: %s", auth, r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /metrics: Content-Type %q, want text/plain", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("GET /metrics: not the text format: %v\n%s", err, r.Body)
	}
	return fams, string(r.Body)
}

// metricValue returns the value of the series of family name whose labels
// include want: a counter's or gauge's value, a histogram's count. ok is
// false when there is no such series.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, w := range want {
			if labels[k] != w {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// metricSeries names a series: a family and labels it has.
type metricSeries struct {
	name   string
	labels map[string]string
}

func (s metricSeries) String() string { return fmt.Sprintf("%s%v", s.name, s.labels) }

// metricDeltas scrapes with the token before and after act and returns how
// much each series moved, by its String.
func metricDeltas(t *testing.T, f *fixture, series []metricSeries, act func()) map[string]float64 {
	t.Helper()
	before, _ := scrape(t, f, "Bearer "+testMetricsToken)
	act()
	after, _ := scrape(t, f, "Bearer "+testMetricsToken)
	out := map[string]float64{}
	for _, s := range series {
		b, _ := metricValue(before, s.name, s.labels)
		a, ok := metricValue(after, s.name, s.labels)
		if !ok {
			t.Errorf("no series %s after the change", s)
		}
		out[s.String()] = a - b
	}
	return out
}

// checkDeltas compares moves (metricDeltas) with want.
func checkDeltas(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s moved by %v, want %v", k, got[k], w)
		}
	}
}

func TestMetricsAccess(t *testing.T) {
	f := newFixture(t) // a server without a metrics token
	if r := f.do("GET", "/metrics", "Bearer "+testMetricsToken, nil); r.Status != 401 || r.ErrorCode() != "unauthorized" {
		t.Errorf("a metrics token on a server without one: status %d (%q), want 401", r.Status, r.ErrorCode())
	}
	if r := f.do("GET", "/metrics", "Bearer ", nil); r.Status != 401 {
		t.Errorf("an empty bearer on a server without a token: status %d, want 401", r.Status)
	}
	scrape(t, f, asAdmin) // the admin may always read them

	f = newMetricsFixture(t)
	for _, tc := range []struct {
		name, auth string
		status     int
		code       string
	}{
		{"anonymous", asAnonymous, 401, "unauthorized"},
		{"wrong token", "Bearer not-the-token", 401, "unauthorized"},
		{"token with a suffix", "Bearer " + testMetricsToken + "x", 401, "unauthorized"},
		{"token as another scheme", "Basic " + testMetricsToken, 401, "unauthorized"},
		{"judge", asJudge, 403, "forbidden"},
		{"chief expert", asChief, 403, "forbidden"},
		{"organizer", asOrganizer, 403, "forbidden"},
		{"admin", asAdmin, 200, ""},
		{"token", "Bearer " + testMetricsToken, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do("GET", "/metrics", tc.auth, nil)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Errorf("GET /metrics as %s: status %d (%q), want %d (%q): %.200s", tc.name, r.Status, r.ErrorCode(),
					tc.status, tc.code, r.Body)
			}
			if tc.status == 200 && !strings.Contains(string(r.Body), "bayskills_http_requests_total") {
				t.Errorf("GET /metrics as %s: no bayskills_http_requests_total in %.300s", tc.name, r.Body)
			}
		})
	}
	// The token reads the metrics and nothing else.
	if r := f.do("GET", "/api/v1/users", "Bearer "+testMetricsToken, nil); r.Status != 401 {
		t.Errorf("GET /api/v1/users with the metrics token: status %d, want 401", r.Status)
	}
}

func TestMetricsHTTP(t *testing.T) {
	f := newMetricsFixture(t)
	// A route that panics, to see the 500 the recovery makes counted.
	f.srv.engine.GET("/test/panic", func(*gin.Context) { panic("boom") })
	event := fmt.Sprintf("/api/v1/events/%d", f.ids["event"])
	series := []metricSeries{
		{"bayskills_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/events/:event", "code": "200"}},
		{"bayskills_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/api/v1/events/:event"}},
		{"bayskills_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/users", "code": "403"}},
		{"bayskills_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "code": "404"}},
		{"bayskills_http_requests_total", map[string]string{"method": "other", "route": "unmatched", "code": "404"}},
		{"bayskills_http_requests_total", map[string]string{"method": "POST", "route": "/api/v1/auth/login", "code": "413"}},
		{"bayskills_http_requests_total", map[string]string{"method": "GET", "route": "/test/panic", "code": "500"}},
	}
	got := metricDeltas(t, f, series, func() {
		for range 2 {
			if r := f.do("GET", event, asOrganizer, nil); r.Status != 200 {
				t.Fatalf("GET %s: %d %s", event, r.Status, r.Body)
			}
		}
		if r := f.do("GET", "/api/v1/users", asJudge, nil); r.Status != 403 {
			t.Fatalf("GET /api/v1/users as judge: %d", r.Status)
		}
		for _, p := range []string{"/no/such/route-a1b2c3", "/api/v1/events/x/y/z/route-d4e5f6"} {
			if r := f.do("GET", p, asAnonymous, nil); r.Status != 404 {
				t.Fatalf("GET %s: %d", p, r.Status)
			}
		}
		if r := f.do("BREWCOFFEE", "/route-g7h8i9", asAnonymous, nil); r.Status != 404 {
			t.Fatalf("BREWCOFFEE: %d", r.Status)
		}
		req := httptest.NewRequest("POST", "/api/v1/auth/login", bytes.NewReader(make([]byte, maxJSONBody+1)))
		req.Header.Set("Content-Type", "application/json")
		if r := f.send(req); r.Status != 413 {
			t.Fatalf("a body over the limit: %d", r.Status)
		}
		if r := f.do("GET", "/test/panic", asAnonymous, nil); r.Status != 500 {
			t.Fatalf("GET /test/panic: %d", r.Status)
		}
	})
	checkDeltas(t, got, map[string]float64{
		series[0].String(): 2, series[1].String(): 2, series[2].String(): 1, series[3].String(): 2,
		series[4].String(): 1, series[5].String(): 1, series[6].String(): 1,
	})

	fams, text := scrape(t, f, asAdmin)
	// Bounded labels: no raw path, id or invented method.
	for _, raw := range []string{"route-a1b2c3", "route-d4e5f6", "route-g7h8i9", "BREWCOFFEE", `route="` + event + `"`} {
		if strings.Contains(text, raw) {
			t.Errorf("the metrics show %q: labels must be route templates", raw)
		}
	}
	// The scrape by the admin before this one is counted too.
	if v, ok := metricValue(fams, "bayskills_http_requests_total",
		map[string]string{"method": "GET", "route": "/metrics", "code": "200"}); !ok || v < 1 {
		t.Errorf("GET /metrics itself: %v, %v; want counted", v, ok)
	}
	// The runtime, the process and both connection pools.
	for _, s := range []metricSeries{
		{"go_goroutines", nil},
		{"go_memstats_heap_alloc_bytes", nil},
		{"process_resident_memory_bytes", nil},
		{"go_sql_max_open_connections", map[string]string{"db_name": "writer"}},
		{"go_sql_max_open_connections", map[string]string{"db_name": "readers"}},
		{"go_sql_open_connections", map[string]string{"db_name": "readers"}},
	} {
		v, ok := metricValue(fams, s.name, s.labels)
		if !ok || (s.name != "go_sql_open_connections" && v <= 0) {
			t.Errorf("%s = %v (present %v), want a positive value", s, v, ok)
		}
	}
	if v, _ := metricValue(fams, "go_sql_max_open_connections", map[string]string{"db_name": "writer"}); v != 1 {
		t.Errorf("writer pool: max open connections %v, want 1 (one writer)", v)
	}
}

func TestMetricsMarks(t *testing.T) {
	f := newMetricsFixture(t)
	authzJudgingSetup(authzPanel)(t, f) // judge and chief expert sit on A1's panel
	path := f.path("/api/v1/events/%d/skills/%d/marks", "event", "skill")
	mark := func(key string, value float64) map[string]any {
		return map[string]any{"marks": []any{map[string]any{"key": key, "entry_id": f.ids["entry"],
			"aspect_id": f.ids["aspect"], "value": value, "version": 0}}}
	}
	outcome := func(o string) metricSeries {
		return metricSeries{"bayskills_marks_total", map[string]string{"outcome": o}}
	}
	series := []metricSeries{outcome("accepted"), outcome("repeated"), outcome("refused")}
	got := metricDeltas(t, f, series, func() {
		for _, c := range []struct {
			role, key string
			value     float64
			status    int
		}{
			{asJudge, "tablet-1", 87.5, 200},
			{asJudge, "tablet-1", 87.5, 200},   // the tablet retries: repeated
			{asChief, "tablet-2", 90, 200},     // a second judge's entry
			{asJudge, "tablet-3", 150, 422},    // over the aspect's 100 marks
			{asJudge, "tablet-1", 10, 409},     // the key again, for another mark
			{asJudgeOther, "tablet-4", 1, 403}, // not a judge of the skill: never reaches marking
		} {
			if r := f.do("POST", path, c.role, mark(c.key, c.value)); r.Status != c.status {
				t.Fatalf("POST marks %s %v as %s: %d, want %d: %s", c.key, c.value, c.role, r.Status, c.status, r.Body)
			}
		}
	})
	checkDeltas(t, got, map[string]float64{series[0].String(): 2, series[1].String(): 1, series[2].String(): 2})
}

func TestMetricsCertificates(t *testing.T) {
	t.Run("issued and verified", func(t *testing.T) {
		f := newMetricsFixture(t)
		var list []store.CertificateRecord
		series := []metricSeries{
			{"bayskills_certificates_issued_total", nil},
			{"bayskills_issuance_batches_total", map[string]string{"state": "issued"}},
			{"bayskills_issuance_batches_total", map[string]string{"state": "failed"}},
		}
		got := metricDeltas(t, f, series, func() {
			certSetup(certIssued, nil)(t, f)
			var err error
			if list, err = f.db.SkillCertificates(context.Background(), f.ids["event"], f.ids["skill"]); err != nil {
				t.Fatal(err)
			}
		})
		if len(list) == 0 {
			t.Fatal("no certificates issued")
		}
		checkDeltas(t, got, map[string]float64{series[0].String(): float64(len(list)), series[1].String(): 1,
			series[2].String(): 0})

		verdict := func(v string) metricSeries {
			return metricSeries{"bayskills_verifications_total", map[string]string{"verdict": v}}
		}
		series = []metricSeries{verdict(VerdictValid), verdict(VerdictNotFound), verdict(VerdictAltered)}
		c := list[0]
		got = metricDeltas(t, f, series, func() {
			for _, req := range []struct {
				method, path string
				body         any
				status       int
			}{
				{"GET", "/api/v1/public/certificates/" + c.PublicID, nil, 200},
				{"POST", "/api/v1/public/lookup", lookupBody{Number: c.Number, Name: c.HolderLatin}, 200},
				{"GET", "/v/" + c.PublicID, nil, 200},
				{"GET", "/api/v1/public/certificates/" + certs.NewCertificateID(), nil, 404},
				{"GET", "/api/v1/public/certificates/not-an-id", nil, 404},
				{"POST", "/api/v1/public/lookup", lookupBody{Number: c.Number, Name: "Nobody"}, 404},
				{"POST", "/api/v1/public/verify-pdf", []byte("%PDF-1.7 not a certificate"), 200}, // not found
			} {
				if r := f.do(req.method, req.path, asAnonymous, req.body); r.Status != req.status {
					t.Fatalf("%s %s: %d, want %d: %.300s", req.method, req.path, r.Status, req.status, r.Body)
				}
			}
		})
		checkDeltas(t, got, map[string]float64{series[0].String(): 3, series[1].String(): 4, series[2].String(): 0})
	})

	// A batch that fails inside (a name too long for the QR's signed
	// claims) counts as failed, and issues nothing.
	t.Run("failed batch", func(t *testing.T) {
		f := newMetricsFixture(t)
		name := strings.Repeat("陈", 40)
		if _, err := f.db.UpdateCompetitor(context.Background(), f.ids["event"], f.ids["competitor"],
			store.CompetitorPatch{NameNative: &name}); err != nil {
			t.Fatal(err)
		}
		certSetup(certPlan, nil)(t, f)
		series := []metricSeries{
			{"bayskills_certificates_issued_total", nil},
			{"bayskills_issuance_batches_total", map[string]string{"state": "issued"}},
			{"bayskills_issuance_batches_total", map[string]string{"state": "failed"}},
		}
		got := metricDeltas(t, f, series, func() {
			r := f.do("POST", f.path("/api/v1/events/%d/skills/%d/issuances", "event", "skill"), asOrganizer, nil)
			if r.Status != 202 {
				t.Fatalf("POST issuances = %d %s", r.Status, r.Body)
			}
			if b := f.pollIssuance(r.Header.Get("Location")); b.State != "failed" {
				t.Fatalf("batch %+v, want failed", b)
			}
			f.srv.issuance.wait() // the runner counts after it stored the state
		})
		checkDeltas(t, got, map[string]float64{series[0].String(): 0, series[1].String(): 0, series[2].String(): 1})
	})
}

func TestMetricsLoginsAndLimits(t *testing.T) {
	f := newMetricsFixture(t)
	f.srv.loginByAddr = newLimiter(3, time.Minute, f.srv.cfg.Now)
	f.srv.publicByAddr = newLimiter(1, time.Minute, f.srv.cfg.Now)
	limited := func(l string) metricSeries {
		return metricSeries{"bayskills_rate_limited_total", map[string]string{"limiter": l}}
	}
	series := []metricSeries{
		{"bayskills_login_failures_total", nil},
		limited(limiterLoginAddress), limited(limiterPublic), limited(limiterLoginAccount),
		{"bayskills_http_requests_total", map[string]string{"method": "POST", "route": "/api/v1/auth/login", "code": "429"}},
		{"bayskills_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/public/certificates/:id", "code": "429"}},
	}
	got := metricDeltas(t, f, series, func() {
		for i, want := range []int{200, 401, 401, 429, 429} {
			secret := "wrong password"
			if i == 0 {
				secret = testPassword
			}
			if r := f.do("POST", "/api/v1/auth/login", asAnonymous,
				map[string]string{"username": asOrganizer, "password": secret}); r.Status != want {
				t.Fatalf("login %d: %d, want %d", i, r.Status, want)
			}
		}
		id := certs.NewCertificateID()
		for _, want := range []int{404, 429} {
			if r := f.do("GET", "/api/v1/public/certificates/"+id, asAnonymous, nil); r.Status != want {
				t.Fatalf("GET a certificate: %d, want %d", r.Status, want)
			}
		}
	})
	checkDeltas(t, got, map[string]float64{series[0].String(): 2, series[1].String(): 2, series[2].String(): 1,
		series[3].String(): 0, series[4].String(): 2, series[5].String(): 1})
}

// BenchmarkMetricsMiddleware is the cost of counting and timing one
// request: a bare engine with and without the metrics middleware, on a
// route template with a parameter and a constant answer (compare with
// BenchmarkAuthenticatedGet, the fixed cost of a real authorized GET).
func BenchmarkMetricsMiddleware(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	m := newMetrics(newFixture(b).db, "")
	for _, tc := range []struct {
		name string
		use  []gin.HandlerFunc
	}{{"without", nil}, {"with", []gin.HandlerFunc{m.observe}}} {
		b.Run(tc.name, func(b *testing.B) {
			e := gin.New()
			e.Use(tc.use...)
			e.GET("/api/v1/events/:event", func(c *gin.Context) { c.JSON(200, gin.H{"ok": true}) })
			req := httptest.NewRequest("GET", "/api/v1/events/1", nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
			}
		})
	}
}
