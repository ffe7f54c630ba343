package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"bayskills/store"
)

// BenchmarkBaselineGin is the same-run baseline: a bare Gin handler returning
// a constant, through the same recorder. Other figures are reported as
// ratios to it.
func BenchmarkBaselineGin(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/x", func(c *gin.Context) { c.JSON(200, gin.H{"ok": true}) })
	req := httptest.NewRequest("GET", "/x", nil)
	for b.Loop() {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
	}
}

// BenchmarkLogin: one password login, dominated by argon2id (19 MiB, t=2).
func BenchmarkLogin(b *testing.B) {
	f := newFixture(b)
	f.srv.loginByAddr = newLimiter(1<<30, 1, f.srv.cfg.Now)
	body := `{"username":"organizer","password":"` + testPassword + `"}`
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("login = %d", w.Code)
		}
	}
}

// BenchmarkListCompetitors1000: GET the competitors of an event with 1,000
// of them, as its organizer (authentication, scope check, query, JSON).
func BenchmarkListCompetitors1000(b *testing.B) {
	f := newFixture(b)
	in := make([]store.CompetitorInput, 998)
	for i := range in {
		in[i] = store.CompetitorInput{Skill: []string{"CNC", "HAIR"}[i%2], Ref: fmt.Sprintf("B-%04d", i),
			NameNative: fmt.Sprintf("选手%04d", i), NameLatin: fmt.Sprintf("COMPETITOR %04d", i),
			Region: []store.Region{"GD", "HK", "MO"}[i%3], Institution: fmt.Sprintf("Institution %d", i%9)}
	}
	if _, err := f.db.AddCompetitors(context.Background(), f.ids["event"], in); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/events/%d/competitors", f.ids["event"]), nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[asOrganizer])
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK || strings.Count(w.Body.String(), `"name_native"`) != 1000 {
		b.Fatalf("list = %d with %d competitors, want 1000", w.Code, strings.Count(w.Body.String(), `"name_native"`))
	}
	b.SetBytes(int64(w.Body.Len()))
	for b.Loop() {
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, req)
	}
}

// BenchmarkAuthenticatedGet: the fixed cost of an authorized request (token
// check, user and scope lookups) on a small answer.
func BenchmarkAuthenticatedGet(b *testing.B) {
	f := newFixture(b)
	req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/events/%d", f.ids["event"]), nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[asOrganizer])
	for b.Loop() {
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("GET event = %d", w.Code)
		}
	}
}
