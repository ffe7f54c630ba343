package server

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"bayskills/assets"
)

// formLogin posts the login form and returns the response.
func formLogin(f *fixture, form url.Values) response {
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.send(req)
}

func sessionOf(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", r.Header)
	return nil
}

// TestSessionCookieAndCSRF: the login form keeps the token in an HttpOnly,
// SameSite=Strict cookie that authenticates pages and the API; a request
// authenticated by the cookie that changes something must come from this
// site (CSRF), and a bad login re-renders the form without a cookie.
func TestSessionCookieAndCSRF(t *testing.T) {
	f := newFixture(t)
	r := formLogin(f, url.Values{"username": {"organizer"}, "secret": {"wrong"}, "kind": {"password"}, "next": {"/console"}})
	if r.Status != http.StatusUnauthorized || r.Header.Get("Set-Cookie") != "" || !strings.Contains(string(r.Body), "Wrong username") {
		t.Fatalf("bad login = %d %q", r.Status, r.Header.Get("Set-Cookie"))
	}
	r = formLogin(f, url.Values{"username": {"organizer"}, "secret": {testPassword}, "kind": {"password"},
		"next": {"//evil.example/"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("login with an off-site next = %d to %q, want 303 to /", r.Status, r.Header.Get("Location"))
	}
	cookie := sessionOf(t, r)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Value == "" {
		t.Fatalf("session cookie %+v, want HttpOnly SameSite=Strict", cookie)
	}
	withCookie := func(method, path string, headers map[string]string) response {
		req := httptest.NewRequest(method, path, strings.NewReader(`{"settings":{"tie_threshold":1}}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(cookie)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return f.send(req)
	}
	event := f.path("/api/v1/events/%d", "event")
	if r := withCookie("GET", event, nil); r.Status != 200 {
		t.Fatalf("GET with the cookie = %d", r.Status)
	}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
		{}, // neither header: refused too
	} {
		if r := withCookie("PATCH", event, h); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "cross-site") {
			t.Errorf("cookie PATCH with %v = %d %s, want 403", h, r.Status, r.Body)
		}
	}
	if e, _ := f.db.Event(t.Context(), f.ids["event"]); e.Settings.TieThreshold != 0 {
		t.Fatal("a refused cross-site request changed the event")
	}
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://example.com"}} {
		if r := withCookie("PATCH", event, h); r.Status != 200 {
			t.Errorf("same-site cookie PATCH with %v = %d %s", h, r.Status, r.Body)
		}
	}
	// Logging out drops the cookie and every token of the account.
	if r := withCookie("POST", "/logout", map[string]string{"Sec-Fetch-Site": "same-origin"}); r.Status != http.StatusSeeOther ||
		sessionOf(t, r).MaxAge >= 0 {
		t.Fatalf("logout = %d, cookie %+v", r.Status, r.Header.Get("Set-Cookie"))
	}
	if r := withCookie("GET", event, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("GET after logout = %d, want 401", r.Status)
	}
}

// TestPageLanguages: the language comes from ?lang= (then remembered),
// else Accept-Language; every catalog has exactly English's keys.
func TestPageLanguages(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ accept, query, want string }{
		{"zh-HK,zh;q=0.9,en;q=0.5", "", "zh-Hant"},
		{"zh-CN", "", "zh-Hans"},
		{"pt-PT,pt", "", "pt"},
		{"fr-FR, en;q=0.8", "", "en"},
		{"", "", "en"},
		{"en", "zh-Hant", "zh-Hant"},
		{"en", "xx", "en"},
	} {
		req := httptest.NewRequest("GET", "/login?lang="+tc.query, nil)
		req.Header.Set("Accept-Language", tc.accept)
		r := f.send(req)
		if r.Status != 200 || !strings.Contains(string(r.Body), `<html lang="`+tc.want+`">`) {
			t.Errorf("Accept-Language %q, ?lang=%q: status %d, want the page in %s", tc.accept, tc.query, r.Status, tc.want)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q", csp)
		}
	}
	// Every language has exactly English's keys, none empty, area by area.
	files, err := fs.Glob(assets.Web, "web/i18n/*.en.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no English catalogs: %v", err)
	}
	keys := func(file string) []string {
		raw, err := assets.Web.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", file, k)
			}
		}
		return slices.Sorted(maps.Keys(m))
	}
	for _, en := range files {
		for _, l := range pageLangs[1:] {
			other := strings.TrimSuffix(en, "en.json") + l.Code + ".json"
			if got, want := keys(other), keys(en); !slices.Equal(got, want) {
				t.Errorf("%s has keys %v, %s has %v", other, got, en, want)
			}
		}
	}
}

// TestStaticFiles: a static file linked with its hash is cached for a
// year; without it, revalidated; an unknown file is a 404 page.
func TestStaticFiles(t *testing.T) {
	f := newFixture(t)
	hash := f.srv.pages.static["app.css"]
	r := f.do("GET", "/static/app.css?v="+hash, asAnonymous, nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("hashed static = %d %q %q", r.Status, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	if r := f.do("GET", "/static/app.css", asAnonymous, nil); r.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unhashed static cache %q", r.Header.Get("Cache-Control"))
	}
	if r := f.do("GET", "/static/../../go.mod", asAnonymous, nil); r.Status != 404 {
		t.Errorf("path traversal = %d", r.Status)
	}
}
