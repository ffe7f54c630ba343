package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/store"
)

// runPDFTool runs a poppler or qpdf command on pdf, written to a file whose
// path replaces the argument "{pdf}", and returns its standard output. A
// missing tool fails the test: CI installs them.
func runPDFTool(t *testing.T, pdf []byte, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found (install poppler-utils and qpdf): %v", name, err)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = slices.Clone(args)
	args[slices.Index(args, "{pdf}")] = file
	var stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", name, err, out, stderr.Bytes())
	}
	return string(out)
}

// unusedCodes counts the unused sign-in codes of the fixture's event.
func (f *fixture) unusedCodes() int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRowForTest(context.Background(), "SELECT count(*) FROM login_codes WHERE used_at IS NULL AND event_id = "+
		strconv.FormatInt(f.ids["event"], 10), &n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// issueLoginCode issues judge (a fixture role) a sign-in code through the store,
// as printing their badge does, and returns it.
func (f *fixture) issueLoginCode(judge string) string {
	f.t.Helper()
	codes, err := f.db.IssueLoginCodes(context.Background(), f.ids["event"], f.ids["user:"+asOrganizer],
		[]int64{f.ids[judge]})
	if err != nil || len(codes) != 1 {
		f.t.Fatalf("IssueLoginCodes = %v, %v", codes, err)
	}
	return codes[0].Code
}

// codePage requests a /q page as a browser on this site would.
func (f *fixture) codePage(method, path string, header map[string]string) response {
	req := httptest.NewRequest(method, path, nil)
	if method == "POST" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return f.send(req)
}

func TestJudgeBadges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.AddJudges(ctx, f.ids["event"], []store.JudgeInput{
		{Username: "cnc-judge-1", DisplayName: "周国栋 (ZHOU Guodong)", Region: store.Guangdong, Institution: "Inst GD 3",
			Skill: "CNC", Role: "judge"},
		{Username: "hair-judge-2", DisplayName: "譚美玲 (TAM Mei Ling)", Region: store.HongKong, Institution: "Inst HK 3",
			Skill: "HAIR", Role: "judge"},
	}, func(string) (string, error) { return "not-a-hash", nil }); err != nil {
		t.Fatal(err)
	}
	badges := f.path("/api/v1/events/%d/judges/badges", "event")
	earlier := f.issueLoginCode(asJudge)

	start := time.Now()
	r := f.do("POST", badges, asOrganizer, nil)
	took := time.Since(start)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Fatalf("badges = %d %q: %.200s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	t.Logf("5 badges: %d bytes in %v", len(r.Body), took)
	if got, want := r.Header.Get("Content-Disposition"), `attachment; filename="badges-`+
		strconv.FormatInt(f.ids["event"], 10)+`.pdf"`; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store: the PDF holds sign-in codes", got)
	}
	runPDFTool(t, r.Body, "qpdf", "--check", "{pdf}")
	text := runPDFTool(t, r.Body, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	for _, want := range []string{"Test Skills 2026", "测试技能赛", "周国栋", "ZHOU Guodong", "譚美玲", "TAM Mei Ling",
		"Chief Expert 首席专家", "Judge 裁判", "CNC — CNC", "HAIR — HAIR", "Hong Kong 香港", "Macao 澳门", "Guangdong 广东",
		"judge_other_skill", "chief_expert", "Scan to sign in — one use only", "扫码登录"} {
		if !strings.Contains(text, want) {
			t.Errorf("the badges lack %q:\n%s", want, text)
		}
	}
	// A code for each of the five judges; the badge printed before is void.
	if n := f.unusedCodes(); n != 5 {
		t.Errorf("%d unused codes after printing 5 badges, want 5", n)
	}
	if r := f.codePage("GET", "/q/"+earlier, nil); r.Status != http.StatusGone {
		t.Errorf("the code of the badge printed before = %d, want 410", r.Status)
	}

	// One skill's judges.
	hair := f.path("/api/v1/events/%d/judges/badges?skill=%d", "event", "otherSkill")
	r = f.do("POST", hair, asOrganizer, nil)
	if r.Status != 200 || !strings.HasSuffix(r.Header.Get("Content-Disposition"), `-HAIR.pdf"`) {
		t.Fatalf("HAIR badges = %d %q", r.Status, r.Header.Get("Content-Disposition"))
	}
	text = runPDFTool(t, r.Body, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	if !strings.Contains(text, "譚美玲") || !strings.Contains(text, "judge_other_skill") || strings.Contains(text, "周国栋") {
		t.Errorf("HAIR badges are not HAIR's judges':\n%s", text)
	}
	if n := f.unusedCodes(); n != 5 {
		t.Errorf("%d unused codes after reprinting 2 badges, want still 5 (the 2 replaced)", n)
	}

	// Refusals write nothing.
	before := f.count("login_codes")
	other, err := f.db.CreateSkill(ctx, f.ids["otherEvent"], store.SkillInput{Code: "WEB", Name: store.Names{En: "Web"}})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := f.db.CreateSkill(ctx, f.ids["event"], store.SkillInput{Code: "EMPTY", Name: store.Names{En: "No judges"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"?skill=" + strconv.FormatInt(other.ID, 10), 404},
		{"?skill=WEB", 422},
		{"?skill=", 422},
		{"?skill=" + strconv.FormatInt(empty.ID, 10), 409},
	} {
		if r := f.do("POST", badges+tc.query, asOrganizer, nil); r.Status != tc.want {
			t.Errorf("badges%s = %d, want %d: %s", tc.query, r.Status, tc.want, r.Body)
		}
	}
	// Printing is a POST: a GET (a prefetch, a crawler) reaches no badges
	// (it asks for a judge named "badges") and issues nothing.
	if r := f.do("GET", badges, asOrganizer, nil); r.Status != http.StatusNotFound {
		t.Errorf("GET badges = %d, want 404", r.Status)
	}
	if n := f.count("login_codes"); n != before {
		t.Errorf("refused requests issued codes: %d → %d", before, n)
	}

	// A name the fonts cannot print: a 422 naming judge and character, and
	// the badges in hand keep working.
	valid := f.issueLoginCode(asChief)
	if _, err := f.db.AddJudges(ctx, f.ids["event"], []store.JudgeInput{{Username: "yi-judge", DisplayName: "ꀀ Judge",
		Region: store.Macao, Institution: "Inst MO 3", Skill: "CNC"}}, func(string) (string, error) { return "x", nil }); err != nil {
		t.Fatal(err)
	}
	before = f.count("login_codes")
	r = f.do("POST", badges, asOrganizer, nil)
	if r.Status != 422 || r.ErrorCode() != "invalid" || !strings.Contains(string(r.Body), "yi-judge") ||
		!strings.Contains(string(r.Body), "U+A000") {
		t.Errorf("badges with an unprintable name = %d: %s; want 422 naming yi-judge and U+A000", r.Status, r.Body)
	}
	if n := f.count("login_codes"); n != before {
		t.Errorf("a refused print issued codes: %d → %d", before, n)
	}
	if r := f.codePage("GET", "/q/"+valid, nil); r.Status != 200 {
		t.Errorf("a refused print voided a badge: %d", r.Status)
	}
}

func TestJudgeBadgesBaseURL(t *testing.T) {
	f := newFixture(t)
	// The QR code leads to the configured public URL; without one, to the
	// host the organizer reached. The URLs are in the QR codes only, so the
	// base is checked where it is made.
	for _, tc := range []struct{ base, host, want string }{
		{"https://skills.example.org/", "10.0.0.5:8080", "https://skills.example.org"},
		{"", "10.0.0.5:8080", "http://10.0.0.5:8080"},
	} {
		f.srv.cfg.BaseURL = tc.base
		req := httptest.NewRequest("POST", "/", nil)
		req.Host = tc.host
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = req
		if got := f.srv.publicBase(c); got != tc.want {
			t.Errorf("base %q, host %q: %q, want %q", tc.base, tc.host, got, tc.want)
		}
	}
}

func TestCodeSignIn(t *testing.T) {
	f := newFixture(t)
	code := f.issueLoginCode(asJudge)

	// Looking, as often as link previews like, signs nobody in and does not
	// use the code up.
	for range 3 {
		r := f.codePage("GET", "/q/"+code, nil)
		body := string(r.Body)
		if r.Status != 200 || !strings.Contains(body, "Sign in as Judge?") || !strings.Contains(body, "Username: judge") || !strings.Contains(body, "Test Skills 2026") ||
			!strings.Contains(body, `action="/q/`+code+`"`) {
			t.Fatalf("GET /q/<code> = %d:\n%s", r.Status, body)
		}
		if r.Header.Get("Set-Cookie") != "" {
			t.Fatalf("GET /q/<code> set a cookie: %q", r.Header.Get("Set-Cookie"))
		}
	}
	r := f.codePage("GET", "/q/"+code+"?lang=zh-Hans", nil)
	if !strings.Contains(string(r.Body), "以 Judge 的身份登录？") || !strings.Contains(string(r.Body), "测试技能赛") {
		t.Errorf("the page in 简体中文 lacks its question or the event:\n%s", r.Body)
	}

	// Another site cannot use it.
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "", "Origin": "https://evil.example"}} {
		if r := f.codePage("POST", "/q/"+code, h); r.Status != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
			t.Errorf("cross-site POST with %v = %d, want 403 and no cookie", h, r.Status)
		}
	}

	// Pressing the button signs the judge in, on the tablet.
	r = f.codePage("POST", "/q/"+code, nil)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/tablet" {
		t.Fatalf("POST /q/<code> = %d to %q, want 303 to /tablet: %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	cookie := sessionOf(t, r)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.MaxAge <= 0 {
		t.Errorf("session cookie %+v, want HttpOnly SameSite=Strict", cookie)
	}
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.AddCookie(cookie)
	r = f.send(req)
	var me meResponse
	if r.Status != 200 {
		t.Fatalf("GET /api/v1/me with the cookie = %d", r.Status)
	}
	if r.JSON(t, &me); me.User.Username != asJudge {
		t.Errorf("signed in as %q, want %q", me.User.Username, asJudge)
	}

	// Once only; a used code, an unknown one, one of a disabled account and
	// a malformed one get the same page.
	used := f.codePage("POST", "/q/"+code, nil)
	if used.Status != http.StatusGone || used.Header.Get("Set-Cookie") != "" ||
		!strings.Contains(string(used.Body), "This sign-in code is not valid any more: ask the organizers for a new badge.") {
		t.Fatalf("second use = %d %q:\n%s", used.Status, used.Header.Get("Set-Cookie"), used.Body)
	}
	disabled := f.issueLoginCode(asChief)
	off := true
	if _, err := f.db.UpdateUser(context.Background(), f.ids["user:"+asChief], store.UserUpdate{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/q/" + code, "/q/" + strings.Repeat("a", 26), "/q/" + disabled, "/q/x/y", "/q/"} {
		for _, method := range []string{"GET", "POST"} {
			r := f.codePage(method, path, nil)
			if r.Status != used.Status || !bytes.Equal(r.Body, used.Body) {
				t.Errorf("%s %s = %d, want the same 410 page as a used code:\n%s", method, path, r.Status, r.Body)
			}
		}
	}
}

func TestCodeSignInRateLimited(t *testing.T) {
	f := newFixture(t)
	srv, err := New(f.db, Config{DataDir: f.srv.cfg.DataDir, Now: f.srv.cfg.Now, LoginsPerMinute: 3})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	code := f.issueLoginCode(asJudge)
	for range 3 {
		if r := f.codePage("POST", "/q/"+strings.Repeat("b", 26), nil); r.Status != http.StatusGone {
			t.Fatalf("guess = %d, want 410", r.Status)
		}
	}
	r := f.codePage("POST", "/q/"+code, nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(r.Body), "Too many attempts") {
		t.Fatalf("fourth attempt in a minute = %d (Retry-After %q):\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	// The refused attempt did not use the code up: a minute later it works.
	f.now = f.now.Add(time.Minute)
	if r := f.codePage("POST", "/q/"+code, nil); r.Status != http.StatusSeeOther {
		t.Errorf("after the window = %d, want 303", r.Status)
	}
}
