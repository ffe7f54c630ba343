package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bayskills/scoring"
	"bayskills/store"
)

// syncBuffer is an io.Writer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// startServer runs the binary's logic on a free port and returns its URL and
// output; the server stops when the test ends.
func startServer(t *testing.T, vars map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env(vars), out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v after shutdown, want nil", err)
		}
	})
	re := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(60 * time.Second) // loading the demo on a busy 2-core machine
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start:\n%s", out)
	return "", nil
}

func call(t *testing.T, method, url, token, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
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
	raw, _ := io.ReadAll(res.Body)
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, url, raw)
		}
	}
	return res.StatusCode
}

// TestServeDemo follows the README: start with the demo, sign in as the
// organizer it prints, see the demo event, set up a new one.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	url, out := startServer(t, map[string]string{"BAYSKILLS_DATA": dir, "BAYSKILLS_DEMO": "true",
		"BAYSKILLS_METRICS_TOKEN": "scrape-token-for-the-test"})
	printed := out.String()
	// BAYSKILLS_METRICS_TOKEN lets a scraper read /metrics, and only it.
	if s := call(t, "GET", url+"/metrics", "scrape-token-for-the-test", "", nil); s != 200 {
		t.Errorf("GET /metrics with the metrics token = %d, want 200", s)
	}
	if s := call(t, "GET", url+"/metrics", "another-token", "", nil); s != 401 {
		t.Errorf("GET /metrics with another token = %d, want 401", s)
	}
	for _, want := range []string{"Admin account created: username admin, password ", "organizer", "demo-organizer-2026", "cnc-chief", "PIN "} {
		if !strings.Contains(printed, want) {
			t.Errorf("output lacks %q:\n%s", want, printed)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bayskills.db")); err != nil {
		t.Fatalf("BAYSKILLS_DATA not used: %v", err)
	}
	var health map[string]string
	if s := call(t, "GET", url+"/healthz", "", "", &health); s != 200 || health["status"] != "ok" {
		t.Fatalf("healthz = %d %v", s, health)
	}
	var login struct{ Token string }
	if s := call(t, "POST", url+"/api/v1/auth/login", "", `{"username":"organizer","password":"demo-organizer-2026"}`, &login); s != 200 {
		t.Fatalf("organizer login = %d", s)
	}
	var events []struct{ ID int64 }
	call(t, "GET", url+"/api/v1/events", login.Token, "", &events)
	if len(events) != 1 {
		t.Fatalf("events = %v, want the demo event", events)
	}
	var comps []struct{ Region, Skill string }
	call(t, "GET", url+"/api/v1/events/1/competitors", login.Token, "", &comps)
	regions, skills := map[string]int{}, map[string]int{}
	for _, c := range comps {
		regions[c.Region]++
		skills[c.Skill]++
	}
	if len(comps) < 30 || len(regions) != 3 || len(skills) != 3 {
		t.Errorf("demo competitors: %d over regions %v and skills %v, want 30+ over 3 regions and 3 skills", len(comps), regions, skills)
	}
	var judges []struct {
		Region string
		Skills []struct{ Role string }
	}
	call(t, "GET", url+"/api/v1/events/1/judges", login.Token, "", &judges)
	jr, chiefs := map[string]int{}, 0
	for _, j := range judges {
		jr[j.Region]++
		for _, s := range j.Skills {
			if s.Role == "chief_expert" {
				chiefs++
			}
		}
	}
	if len(judges) < 9 || len(jr) != 3 || chiefs != 3 {
		t.Errorf("demo judges: %d over %v with %d chief experts, want 9+ over 3 regions and a chief per skill", len(judges), jr, chiefs)
	}
	var created struct{ ID int64 }
	if s := call(t, "POST", url+"/api/v1/events", login.Token,
		`{"name":{"en":"Macao Skills Open","pt":"Competição de Competências de Macau"},"starts_on":"2027-03-01","ends_on":"2027-03-02","host_region":"MO"}`,
		&created); s != 201 || created.ID == 0 {
		t.Fatalf("create event = %d", s)
	}
	// A judge PIN printed by the demo works.
	m := regexp.MustCompile(`cnc-judge-1\s+PIN (\d+)`).FindStringSubmatch(printed)
	if m == nil {
		t.Fatal("no PIN printed for cnc-judge-1")
	}
	var jl struct{ Token string }
	if s := call(t, "POST", url+"/api/v1/auth/pin", "", `{"username":"cnc-judge-1","pin":"`+m[1]+`"}`, &jl); s != 200 {
		t.Fatalf("judge PIN login = %d, want 200", s)
	}
	// The demo judge has work: the CNC scheme's sub-criteria on their panels,
	// and competitors to mark.
	var work struct {
		SubCriteria []struct{ Aspects []any } `json:"sub_criteria"`
		Entries     []any
	}
	var skillList []struct {
		ID   int64
		Code string
	}
	call(t, "GET", url+"/api/v1/events/1/skills", jl.Token, "", &skillList)
	for _, sk := range skillList {
		if sk.Code == "CNC" {
			call(t, "GET", fmt.Sprintf("%s/api/v1/events/1/skills/%d/work", url, sk.ID), jl.Token, "", &work)
		}
	}
	if len(work.SubCriteria) == 0 || len(work.SubCriteria[0].Aspects) == 0 || len(work.Entries) < 5 {
		t.Errorf("demo judge's work: %d sub-criteria, %d entries; want the CNC scheme and its competitors",
			len(work.SubCriteria), len(work.Entries))
	}
}

func TestSecondStartKeepsData(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"BAYSKILLS_DATA": dir, "BAYSKILLS_ADMIN_PASSWORD": "admin password for tests"}
	func() {
		url, _ := startServer(t, vars, "--demo")
		var login struct{ Token string }
		call(t, "POST", url+"/api/v1/auth/login", "", `{"username":"admin","password":"admin password for tests"}`, &login)
		if login.Token == "" {
			t.Fatal("admin login with BAYSKILLS_ADMIN_PASSWORD failed")
		}
	}()
	url, out := startServer(t, vars, "--demo")
	if strings.Contains(out.String(), "Admin account created") {
		t.Error("second start created the admin again")
	}
	var login struct{ Token string }
	call(t, "POST", url+"/api/v1/auth/login", "", `{"username":"organizer","password":"demo-organizer-2026"}`, &login)
	var events []any
	call(t, "GET", url+"/api/v1/events", login.Token, "", &events)
	if len(events) != 1 {
		t.Errorf("events after restart = %d, want the one demo event (not loaded twice)", len(events))
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"BAYSKILLS_DATA": dir}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(vars), &out); err != nil || !strings.HasPrefix(out.String(), "bayskills ") {
		t.Errorf("version: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env(vars), &out); err != nil || !strings.Contains(out.String(), "is at migration ") {
		t.Errorf("migrate: %q, %v", out.String(), err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := run(context.Background(), []string{"backup", backup}, env(vars), &out); err != nil {
		t.Fatalf("backup: %v", err)
	}
	// Restore as documented: the copy is a data directory's database.
	restored := t.TempDir()
	raw, _ := os.ReadFile(backup)
	os.WriteFile(filepath.Join(restored, "bayskills.db"), raw, 0o600)
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--data", restored}, env(nil), &out); err != nil {
		t.Errorf("migrate on the restored copy: %v", err)
	}
	for _, args := range [][]string{{"frobnicate"}, {"backup"}, {"serve", "extra"}, {"--log-format", "xml"}, {"--tls-cert", "x.pem"}} {
		if err := run(context.Background(), args, env(vars), io.Discard); err == nil {
			t.Errorf("run %v succeeded, want an error", args)
		}
	}
}

// TestAuditVerifyCommand: marks made through the store, one edited directly
// in the SQLite file, and `bayskills audit verify` reports it (and exits
// non-zero), where before the edit it passed.
func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(ctx, store.NewUser{Username: "organizer", Role: store.RoleOrganizer})
	ev, _ := db.CreateEvent(ctx, store.EventInput{Name: store.Names{En: "E"}, StartsOn: "2026-12-01", EndsOn: "2026-12-01",
		HostRegion: store.Macao}, u.ID)
	sk, _ := db.CreateSkill(ctx, ev.ID, store.SkillInput{Code: "CNC", Name: store.Names{En: "CNC"}, TotalMarks: 1,
		Marking: &store.MarkingPatch{SingleEntry: ptr(true)}})
	judges, err := db.AddJudges(ctx, ev.ID, []store.JudgeInput{
		{Username: "judge-a", DisplayName: "A", Region: "GD", Institution: "A", Skill: "CNC"},
		{Username: "judge-b", DisplayName: "B", Region: "HK", Institution: "B", Skill: "CNC"},
		{Username: "judge-c", DisplayName: "C", Region: "MO", Institution: "C", Skill: "CNC"},
	}, func(p string) (string, error) { return "x" + p, nil })
	if err != nil {
		t.Fatal(err)
	}
	comps, err := db.AddCompetitors(ctx, ev.ID, []store.CompetitorInput{{Skill: "CNC", NameNative: "甲", NameLatin: "A",
		Region: "GD", Institution: "Z"}})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := db.ReplaceScheme(ctx, ev.ID, sk.ID, u.ID, scoring.Scheme{Criteria: []scoring.Criterion{{Name: "A",
		SubCriteria: []scoring.SubCriterion{{Name: "A", Aspects: []scoring.Aspect{{Kind: "M", Description: "Done", MaxMark: 100}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	sub := ss.Scheme.Criteria[0].SubCriteria[0]
	if _, err := db.SetPanel(ctx, ev.ID, sk.ID, sub.ID, u.ID, []int64{judges[0].ID, judges[1].ID, judges[2].ID}); err != nil {
		t.Fatal(err)
	}
	res, err := db.SubmitMarks(ctx, ev.ID, sk.ID, judges[0].ID, judges[0].UserID, []store.MarkInput{
		{Key: "k", EntryID: comps[0].EntryID, AspectID: sub.Aspects[0].ID, Value: 100}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, env(nil), &out); err != nil {
		t.Fatalf("audit verify on an untouched database: %v\n%s", err, &out)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "bayskills.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE marks SET value = 0 WHERE id = ?`, res[0].MarkID); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "--data", dir}, env(nil), &out)
	if err == nil || !strings.Contains(out.String(), fmt.Sprintf("mark %d: the marks table says value 0", res[0].MarkID)) {
		t.Fatalf("audit verify after editing a mark: err %v, output\n%s\nwant a failure naming the mark", err, &out)
	}
}

func ptr[T any](v T) *T { return &v }
