package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The organizer's console in a real browser against the demo: imports with
// row-by-row error reports, the live progress dashboard, results with their
// charts, the chief expert's unlock, and a screenshot of every screen.

// consoleLogin signs in through the login page: with a password (an
// organizer), or with a PIN (a judge or chief expert).
func consoleLogin(t *testing.T, ctx context.Context, s *server, username, secret string, password bool) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + "/login?lang=en&next=/console"),
		chromedp.SendKeys(`input[name=username]`, username),
		chromedp.SendKeys(`input[name=secret]`, secret),
	}
	if password {
		steps = append(steps, chromedp.Click(`input[value=password]`))
	}
	steps = append(steps, chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(`form[action="/logout"]`))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("sign in as %s: %v", username, err)
	}
}

// apiCall calls the JSON API with token (when set) and decodes the answer
// into out (when set); it returns the status.
func apiCall(t *testing.T, s *server, token, method, path string, body, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// apiLogin signs in through the API (a PIN when pin is set) and returns
// the token.
func apiLogin(t *testing.T, s *server, username, secret string, pin bool) string {
	t.Helper()
	path, body := "/api/v1/auth/login", map[string]string{"username": username, "password": secret}
	if pin {
		path, body = "/api/v1/auth/pin", map[string]string{"username": username, "pin": secret}
	}
	var out struct{ Token string }
	if st := apiCall(t, s, "", "POST", path, body, &out); st != 200 {
		t.Fatalf("sign in %s: status %d", username, st)
	}
	return out.Token
}

// demoSkill returns the id of the demo event's skill code.
func demoSkill(t *testing.T, s *server, token, code string) int64 {
	t.Helper()
	var skills []struct {
		ID   int64
		Code string
	}
	apiCall(t, s, token, "GET", "/api/v1/events/1/skills", nil, &skills)
	for _, sk := range skills {
		if sk.Code == code {
			return sk.ID
		}
	}
	t.Fatalf("the demo has no skill %s", code)
	return 0
}

// writeFile writes a test file and returns its absolute path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// text returns the text of the first node matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// evaluate evaluates a JavaScript expression.
func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// poll waits until the JavaScript expression is true.
func poll(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(10*time.Second),
		chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

const schemeHeader = "criterion,criterion_name,sub_criterion,sub_criterion_name,aspect,kind,description,max_mark,standard,rule,descriptor_0,descriptor_1,descriptor_2,descriptor_3\n"

// schemeCSV is a small Hairdressing scheme of 100 marks whose second aspect
// (line 3 of the file) has the kind given.
func schemeCSV(kind string) string {
	return schemeHeader +
		"A,Preparation,A1,Workstation,A1.1,M,Tools laid out and disinfected before the client arrives,40,WSOS 1,Full mark or zero,,,,\n" +
		"A,,A1,,A1.2," + kind + ",Client protected with gown and towel,20,WSOS 1,Full mark or zero,,,,\n" +
		"B,Cutting,B1,Precision haircut,B1.1,J,Balance and symmetry of the finished cut,40,WSOS 3,," +
		"Visibly uneven,Slightly uneven,Even with minor flaws,Precise and balanced from every angle\n"
}

// TestConsoleSchemeImport: an organizer uploads a marking scheme with a bad
// row and sees that row's line, column and problem, with the old scheme
// kept; then a good file replaces it and the page shows it.
func TestConsoleSchemeImport(t *testing.T) {
	s := startServer(t)
	token := apiLogin(t, s, "organizer", "demo-organizer-2026", false)
	hair := demoSkill(t, s, token, "HAIR")
	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "organizer", "demo-organizer-2026", true)
	page := fmt.Sprintf("%s/console/events/1/skills/%d", s.URL, hair)

	var before struct{ Scheme json.RawMessage }
	apiCall(t, s, token, "GET", fmt.Sprintf("/api/v1/events/1/skills/%d/scheme", hair), nil, &before)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.SetUploadFiles(`#scheme-upload input[type=file]`, []string{writeFile(t, "bad-scheme.csv", schemeCSV("Q"))}),
		chromedp.Click(`#scheme-upload button[type=submit]`),
		chromedp.WaitVisible(`#scheme-upload .error-report table.rows`),
	); err != nil {
		t.Fatal(err)
	}
	report := text(t, ctx, `#scheme-upload .error-report`)
	row := text(t, ctx, `#scheme-upload table.rows tbody tr`)
	if !strings.Contains(row, "3") || !strings.Contains(row, "kind") || !strings.Contains(row, "must be M") {
		t.Errorf("error row = %q, want line 3, column kind and the problem", row)
	}
	if !strings.Contains(report, "nothing was changed") {
		t.Errorf("error report = %q, want it to say nothing changed", report)
	}
	shot(t, ctx, "console-scheme-error")
	var after struct{ Scheme json.RawMessage }
	apiCall(t, s, token, "GET", fmt.Sprintf("/api/v1/events/1/skills/%d/scheme", hair), nil, &after)
	if !bytes.Equal(before.Scheme, after.Scheme) {
		t.Fatal("a refused scheme file changed the scheme")
	}

	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(`#scheme-upload input[type=file]`, []string{writeFile(t, "scheme.csv", schemeCSV("M"))}),
		chromedp.Click(`#scheme-upload button[type=submit]`),
		chromedp.WaitVisible(`p.notice.ok`),
	); err != nil {
		t.Fatal(err)
	}
	shown := text(t, ctx, `#scheme`)
	for _, want := range []string{"B1.1", "Precision haircut", "Precise and balanced from every angle"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the scheme shown lacks %q", want)
		}
	}
	if strings.Contains(shown, "A1.4") {
		t.Error("the page still shows the old scheme")
	}
	shot(t, ctx, "console-scheme")
}

// TestConsoleCreateEvent: an organizer creates an event with its settings
// and adds a skill, all through the console's forms.
func TestConsoleCreateEvent(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "organizer", "demo-organizer-2026", true)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/console"),
		chromedp.Click(`#create-event summary`),
		chromedp.SendKeys(`#create-event input[name="name.en"]`, "Macao Skills Open"),
		chromedp.SendKeys(`#create-event input[name="name.zh-Hant"]`, "澳門技能公開賽"),
		chromedp.SendKeys(`#create-event input[name="name.pt"]`, "Competição de Competências de Macau"),
		chromedp.SetValue(`#create-event input[name=starts_on]`, "2027-03-01"),
		chromedp.SetValue(`#create-event input[name=ends_on]`, "2027-03-03"),
		chromedp.SetValue(`#create-event select[name=host_region]`, "MO"),
		chromedp.SendKeys(`#create-event input[name=venue]`, "Macao Forum"),
		chromedp.SetValue(`#create-event select[name="settings.conflict_rule"]`, "region"),
		chromedp.SetValue(`#create-event input[name="settings.appeal_window_minutes"]`, "30"),
		chromedp.Click(`#create-event input[name="settings.blind_judging"]`),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "console-create-event")
	if err := chromedp.Do(ctx, chromedp.Click(`#create-event button[type=submit]`),
		chromedp.WaitVisible(`p.notice.ok`)); err != nil {
		t.Fatal(err)
	}
	if h := text(t, ctx, `h1`); h != "Macao Skills Open" {
		t.Errorf("event page heading %q", h)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, s.URL+"/console/events/"), "?done=event")
	token := apiLogin(t, s, "organizer", "demo-organizer-2026", false)
	var ev struct {
		HostRegion string `json:"host_region"`
		Settings   struct {
			BlindJudging bool   `json:"blind_judging"`
			ConflictRule string `json:"conflict_rule"`
			Appeal       int    `json:"appeal_window_minutes"`
			HideResults  bool   `json:"hide_results"`
		}
	}
	if st := apiCall(t, s, token, "GET", "/api/v1/events/"+id, nil, &ev); st != 200 {
		t.Fatalf("GET the new event %s: status %d", id, st)
	}
	if ev.HostRegion != "MO" || !ev.Settings.BlindJudging || ev.Settings.ConflictRule != "region" || ev.Settings.Appeal != 30 ||
		ev.Settings.HideResults {
		t.Errorf("the event was created as %+v", ev)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`input[name=code]`, "WEB"),
		chromedp.SendKeys(`details.sub input[name="name.en"]`, "Web Technologies"),
		chromedp.SendKeys(`details.sub input[name="name.zh-Hans"]`, "网站设计与开发"),
		chromedp.Click(`details.sub button[type=submit]`),
		chromedp.WaitVisible(`#skills`),
	); err != nil {
		t.Fatal(err)
	}
	if row := text(t, ctx, `#skills tbody tr`); !strings.Contains(row, "WEB") || !strings.Contains(row, "Web Technologies") {
		t.Errorf("skills table row %q", row)
	}
	shot(t, ctx, "console-event-new")

	// The settings change through the same form.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#settings summary`),
		chromedp.Click(`#settings input[name="settings.hide_results"]`),
		chromedp.Click(`#settings button[type=submit]`),
		chromedp.WaitVisible(`#overview .notice.warn`),
	); err != nil {
		t.Fatal(err)
	}
	apiCall(t, s, token, "GET", "/api/v1/events/"+id, nil, &ev)
	if !ev.Settings.HideResults || !ev.Settings.BlindJudging || ev.Settings.Appeal != 30 {
		t.Errorf("after saving the settings the event is %+v", ev)
	}
}

// TestConsoleCompetitorImport: a competitor file with a bad row is refused
// whole, with the row's line, column and problem; nothing is imported.
func TestConsoleCompetitorImport(t *testing.T) {
	s := startServer(t)
	token := apiLogin(t, s, "organizer", "demo-organizer-2026", false)
	var comps []json.RawMessage
	apiCall(t, s, token, "GET", "/api/v1/events/1/competitors", nil, &comps)
	before := len(comps)

	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "organizer", "demo-organizer-2026", true)
	file := writeFile(t, "competitors.csv", "skill,ref,name_native,name_latin,region,institution\n"+
		"HAIR,NEW-1,何美儀,HO Mei Yi,HK,Bauhinia Demo Polytechnic\n"+
		"HAIR,NEW-2,陳嘉欣,CHAN Ka Yan,TW,Taipa Demo Technical School\n")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/console/events/1/people"),
		chromedp.SetUploadFiles(`#import-competitors input[type=file]`, []string{file}),
		chromedp.Click(`#import-competitors button[type=submit]`),
		chromedp.WaitVisible(`#import-competitors table.rows`),
	); err != nil {
		t.Fatal(err)
	}
	line := text(t, ctx, `#import-competitors table.rows tbody tr td:nth-child(1)`)
	field := text(t, ctx, `#import-competitors table.rows tbody tr td:nth-child(2)`)
	msg := text(t, ctx, `#import-competitors table.rows tbody tr td:nth-child(3)`)
	if line != "3" || field != "region" || !strings.Contains(msg, "GD, HK or MO") {
		t.Errorf("error row = line %q, field %q, message %q; want line 3, region, the regions", line, field, msg)
	}
	shot(t, ctx, "console-people-error")
	apiCall(t, s, token, "GET", "/api/v1/events/1/competitors", nil, &comps)
	if len(comps) != before {
		t.Fatalf("%d competitors after a refused import, want %d", len(comps), before)
	}
	rows := evaluate[int](t, ctx, `document.querySelectorAll('#competitors tbody tr').length`)
	if rows != before {
		t.Errorf("the page lists %d competitors, want %d", rows, before)
	}
}

// TestConsoleLiveProgress: marks sent by a judge's tablet (here, the API)
// show on the open progress dashboard without a reload.
func TestConsoleLiveProgress(t *testing.T) {
	s := startServer(t)
	token := apiLogin(t, s, "organizer", "demo-organizer-2026", false)
	hair := demoSkill(t, s, token, "HAIR")
	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "organizer", "demo-organizer-2026", true)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/console/events/1/skills/%d/progress", s.URL, hair)),
		chromedp.WaitVisible(`#progress-grid`)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `[data-total=marks_stored]`); got != "0" {
		t.Fatalf("marks stored = %q before marking, want 0", got)
	}
	evaluate[bool](t, ctx, `window.stillTheSamePage = true`)

	judge := apiLogin(t, s, "hair-judge-1", s.demoPIN(t, "hair-judge-1"), true)
	var work struct {
		SubCriteria []struct {
			ID      int64
			Aspects []struct {
				ID   int64
				Kind string
			}
		} `json:"sub_criteria"`
		Entries []struct {
			EntryID int64 `json:"entry_id"`
		}
	}
	apiCall(t, s, judge, "GET", fmt.Sprintf("/api/v1/events/1/skills/%d/work", hair), nil, &work)
	if len(work.SubCriteria) == 0 || len(work.Entries) == 0 {
		t.Fatalf("the judge has no work: %+v", work)
	}
	sub, entry := work.SubCriteria[0], work.Entries[0].EntryID
	var marks []map[string]any
	for i, a := range sub.Aspects {
		value := "1"
		if a.Kind == "J" {
			value = "2"
		}
		marks = append(marks, map[string]any{"key": fmt.Sprintf("e2e-%d", i), "entry_id": entry, "aspect_id": a.ID,
			"value": value, "version": 0})
	}
	if st := apiCall(t, s, judge, "POST", fmt.Sprintf("/api/v1/events/1/skills/%d/marks", hair),
		map[string]any{"marks": marks}, nil); st != 200 {
		t.Fatalf("marks: status %d", st)
	}
	poll(t, ctx, "the marks on the dashboard", fmt.Sprintf(
		`document.querySelector('[data-total=marks_stored]').textContent === '%d'`, len(marks)))
	cell := fmt.Sprintf(`td[data-entry="%d"][data-sub="%d"]`, entry, sub.ID)
	class := evaluate[string](t, ctx, `document.querySelector('`+cell+`').className`)
	if !strings.Contains(class, "st-in_progress") {
		t.Errorf("cell of the marked sub-criterion has class %q, want in progress", class)
	}
	if !evaluate[bool](t, ctx, `window.stillTheSamePage === true`) {
		t.Error("the page reloaded to show the marks")
	}
	if got := text(t, ctx, `#live`); !strings.Contains(got, "updated") {
		t.Errorf("live indicator = %q", got)
	}
	shot(t, ctx, "console-progress")
}

// TestConsoleResultsAndScreens: the demo's CNC results are final with the
// table, the formula and both charts; every console screen is shot, at a
// laptop's width, at a tablet's and in the other languages.
func TestConsoleResultsAndScreens(t *testing.T) {
	s := startServer(t)
	token := apiLogin(t, s, "organizer", "demo-organizer-2026", false)
	cnc := demoSkill(t, s, token, "CNC")
	base := fmt.Sprintf("%s/console/events/1/skills/%d", s.URL, cnc)
	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "organizer", "demo-organizer-2026", true)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/results"), chromedp.WaitVisible(`#results-table`)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#results-state`); got != "Final" {
		t.Errorf("CNC results state %q, want Final", got)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#results-table tbody tr').length`); n != 10 {
		t.Errorf("%d result rows, want 10", n)
	}
	if f := text(t, ctx, `.formula`); !strings.Contains(f, "700") {
		t.Errorf("formula %q", f)
	}
	poll(t, ctx, "both charts", `[...document.querySelectorAll('#charts img')].length === 2 &&
		[...document.querySelectorAll('#charts img')].every(i => i.complete && i.naturalWidth > 0)`)
	shot(t, ctx, "console-results")

	for _, sc := range []struct{ name, path, ready string }{
		{"console-home", s.URL + "/console", `#events`},
		{"console-event", s.URL + "/console/events/1", `#skills`},
		{"console-people", s.URL + "/console/events/1/people", `#competitors`},
		{"console-scheme-cnc", base, `#scheme`},
		{"console-panels", base + "/panels", `#conflicts`},
		{"console-progress-final", base + "/progress", `#progress-grid`},
		{"console-audit", base + "/audit", `table.audit`},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(sc.path), chromedp.WaitVisible(sc.ready)); err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		shot(t, ctx, sc.name)
	}
	if got := text(t, ctx, `table.audit tbody tr .act`); got != "Certificates issued" {
		t.Errorf("newest audit entry %q, want Certificates issued (the demo issues CNC's)", got)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(768, 1024), chromedp.Navigate(base+"/progress"),
		chromedp.WaitVisible(`#progress-grid`)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "console-progress-tablet")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/console/events/1"), chromedp.WaitVisible(`#skills`)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "console-event-tablet")
	for _, sc := range []struct{ name, path, ready, heading string }{
		{"console-results-zh-Hans", base + "/results?lang=zh-Hans", `#results-table`, "成绩"},
		{"console-audit-zh-Hant", base + "/audit?lang=zh-Hant", `table.audit`, "審計日誌"},
		{"console-panels-pt", base + "/panels?lang=pt", `#conflicts`, "Painéis"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(sc.path), chromedp.WaitVisible(sc.ready)); err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		if h := text(t, ctx, `main section h2`); h != sc.heading {
			t.Errorf("%s: heading %q, want %q", sc.name, h, sc.heading)
		}
		shot(t, ctx, sc.name)
	}

}

// TestConsoleChiefUnlock: the chief expert picks a signed-off cell of the
// dashboard, unlocks it with a reason, and the dashboard follows.
func TestConsoleChiefUnlock(t *testing.T) {
	s := startServer(t)
	cnc := demoSkill(t, s, apiLogin(t, s, "organizer", "demo-organizer-2026", false), "CNC")
	chief := newBrowser(t, 1280, 800)
	consoleLogin(t, chief, s, "cnc-chief", s.demoPIN(t, "cnc-chief"), false)
	if err := chromedp.Do(chief, chromedp.Navigate(fmt.Sprintf("%s/console/events/1/skills/%d/progress", s.URL, cnc)),
		chromedp.WaitVisible(`#unlock-form`),
		chromedp.Click(`#progress-grid td.st-signed_off`),
		chromedp.SendKeys(`#unlock-form textarea[name=reason]`, "Appeal: the part is re-measured"),
		chromedp.Click(`#unlock-form button[type=submit]`),
		chromedp.WaitVisible(`#unlock-form .notice.ok`),
	); err != nil {
		t.Fatal(err)
	}
	poll(t, chief, "the unlocked cell", `document.querySelectorAll('#progress-grid td.st-complete').length === 1`)
	if got := text(t, chief, `#unlock-form .notice.ok`); !strings.Contains(got, "A1") {
		t.Errorf("unlock notice %q does not name the sub-criterion", got)
	}
	shot(t, chief, "console-unlock")
}
