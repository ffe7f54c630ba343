package server

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"bayskills/assets"
	"bayskills/store"
)

// get answers GET path as role, with Accept-Language lang when given.
func (f *fixture) get(path, role, lang string) response {
	f.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	f.authorize(req, role)
	return f.send(req)
}

// TestTabletSkillPage: the marking page renders for the skill's judge in
// their language, with what its script needs, under the strict CSP, and
// lets the service worker's second fetch come from the browser's cache of
// this session only.
func TestTabletSkillPage(t *testing.T) {
	f := newFixture(t)
	path := f.path("/tablet/events/%d/skills/%d", "event", "skill")
	r := f.get(path, asJudge, "")
	body := string(r.Body)
	if r.Status != 200 {
		t.Fatalf("GET %s as judge = %d: %s", path, r.Status, body)
	}
	for _, want := range []string{
		f.path(`data-api="/api/v1/events/%d/skills/%d"`, "event", "skill"),
		f.path(`data-user="%d"`, "user:"+asJudge),
		`src="/static/tablet.js?v=` + f.srv.pages.static["tablet.js"] + `"`,
		`href="/static/tablet.css?v=` + f.srv.pages.static["tablet.css"] + `"`,
		"CNC · CNC", "My competitors", `id="i18n"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the marking page lacks %q", want)
		}
	}
	if strings.Contains(body, `href="/tablet"`) {
		t.Error("a judge of one skill gets a link to their list of skills")
	}
	if cc, vary := r.Header.Get("Cache-Control"), r.Header.Get("Vary"); cc != "private, max-age=60" || vary != "Cookie" {
		t.Errorf("Cache-Control %q, Vary %q: want private, max-age=60 and Cookie", cc, vary)
	}
	// The CSP allows no inline script or style: every script is a file or
	// data, and no element has a style attribute.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, `src="/static/`) && !strings.Contains(tag, `type="application/json"`) {
			t.Errorf("inline script %s", tag)
		}
	}
	if strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Error("the page has inline style")
	}
	zh := f.get(path, asChief, "zh-HK")
	if s := string(zh.Body); zh.Status != 200 || !strings.Contains(s, `<html lang="zh-Hant">`) ||
		!strings.Contains(s, "我的參賽者") || !strings.Contains(s, "裁判長") {
		t.Errorf("the page for a Hong Kong chief expert = %d, not in 繁體中文 with their role", zh.Status)
	}
}

// TestTabletHome: a judge of one skill goes straight to it; of several,
// gets the list; an organizer has nothing to mark.
func TestTabletHome(t *testing.T) {
	f := newFixture(t)
	one := f.path("/tablet/events/%d/skills/%d", "event", "skill")
	if r := f.get("/tablet", asJudge, ""); r.Status != 303 || r.Header.Get("Location") != one {
		t.Fatalf("GET /tablet as a judge of one skill = %d to %q, want 303 to %s", r.Status, r.Header.Get("Location"), one)
	}
	if _, err := f.db.AssignJudge(t.Context(), f.ids["event"], f.ids["otherSkill"], f.ids[asJudge], store.SkillJudge); err != nil {
		t.Fatal(err)
	}
	r := f.get("/tablet", asJudge, "pt-PT")
	body := string(r.Body)
	other := f.path("/tablet/events/%d/skills/%d", "event", "otherSkill")
	if r.Status != 200 || !strings.Contains(body, `href="`+one+`"`) || !strings.Contains(body, `href="`+other+`"`) ||
		!strings.Contains(body, "As minhas profissões") {
		t.Fatalf("GET /tablet as a judge of two skills = %d, want both skills listed in Portuguese: %s", r.Status, body)
	}
	if r := f.get(one, asJudge, ""); !strings.Contains(string(r.Body), `href="/tablet"`) {
		t.Error("the marking page of a judge of two skills has no link to the list")
	}
	r = f.get("/tablet", asOrganizer, "")
	if r.Status != 200 || !strings.Contains(string(r.Body), "You are not a judge of any skill.") {
		t.Errorf("GET /tablet as organizer = %d: %s", r.Status, r.Body)
	}
}

// TestTabletServiceWorker: the worker is JavaScript served from inside its
// scope, allowed to control /tablet itself, never cached stale, and lists
// the shell's current hashed URLs, each of which is served.
func TestTabletServiceWorker(t *testing.T) {
	f := newFixture(t)
	r := f.get("/tablet/sw.js", asAnonymous, "")
	body := string(r.Body)
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("GET /tablet/sw.js = %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("Service-Worker-Allowed"); got != "/tablet" {
		t.Errorf("Service-Worker-Allowed %q, want /tablet", got)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", got)
	}
	if strings.Contains(body, "/*SHELL*/") || strings.Contains(body, "/*VERSION*/") {
		t.Error("the worker's placeholders were not filled")
	}
	for _, name := range tabletShell {
		url := "/static/" + name + "?v=" + f.srv.pages.static[name]
		if !strings.Contains(body, `"`+url+`"`) {
			t.Errorf("the worker does not keep %s", url)
		}
		if s := f.get(url, asAnonymous, ""); s.Status != 200 || !strings.Contains(s.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d %q", url, s.Status, s.Header.Get("Cache-Control"))
		}
	}
}

// TestTabletCatalogKeys: every catalog key the tablet's script and pages
// use exists (English; TestPageLanguages checks the other languages have
// the same keys), sub-criterion states included.
func TestTabletCatalogKeys(t *testing.T) {
	ps, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	en := ps.catalogs["en"]
	var used []string
	js, err := assets.Web.ReadFile("web/static/tablet.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\('(tablet\.[a-z_.]+)'`).FindAllStringSubmatch(string(js), -1) {
		used = append(used, m[1])
	}
	for _, page := range []string{"tablet", "tablet-home"} {
		html, err := assets.Web.ReadFile("web/templates/" + page + ".html")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\.T "(tablet\.[a-z_.]+)"`).FindAllStringSubmatch(string(html), -1) {
			used = append(used, m[1])
		}
	}
	if len(used) < 40 {
		t.Fatalf("found only %d keys in use: has the script changed how it translates?", len(used))
	}
	for _, state := range []string{store.SubNotStarted, store.SubInProgress, store.SubFlagged, store.SubComplete, store.SubSignedOff} {
		used = append(used, fmt.Sprintf("tablet.sub.state.%s", state))
	}
	for _, k := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("the tablet uses %s, which no catalog defines", k)
		}
	}
}
