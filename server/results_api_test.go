package server

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"bayskills/sheet"
	"bayskills/store"
)

// TestResultsLifecycleOverHTTP: the confirmation's capacity comes from the
// caller's role (chief expert, else organizer); a second confirmation, or
// closing appeals without a reason, is refused and writes nothing.
func TestResultsLifecycleOverHTTP(t *testing.T) {
	f := newFixture(t)
	authzJudgingSetup(authzAllSignedOff)(t, f)
	base := f.path("/api/v1/events/%d/skills/%d/results", "event", "skill")
	r := f.do("POST", base+"/close-appeals", asOrganizer, map[string]string{"reason": ""})
	if r.Status != 422 || !strings.Contains(string(r.Body), "reason") {
		t.Fatalf("close appeals without a reason = %d %s, want 422 naming the reason", r.Status, r.Body)
	}
	var got store.Results
	r = f.do("POST", base+"/confirm", asChief, nil)
	if err := json.Unmarshal(r.Body, &got); r.Status != 200 || err != nil || got.Lifecycle.ChiefConfirmedBy == 0 ||
		got.Lifecycle.State != store.ResultsProvisional {
		t.Fatalf("chief expert confirms = %d %s, want 200 with the chief's confirmation", r.Status, r.Body)
	}
	before := f.count("audit")
	if r = f.do("POST", base+"/confirm", asChief, nil); r.Status != 409 || f.count("audit") != before {
		t.Fatalf("chief expert confirms again = %d %s (audit %d → %d), want 409 and nothing written", r.Status, r.Body,
			before, f.count("audit"))
	}
	r = f.do("POST", base+"/confirm", asOrganizer, nil)
	if err := json.Unmarshal(r.Body, &got); r.Status != 200 || err != nil || got.Lifecycle.State != store.ResultsFinal {
		t.Fatalf("organizer confirms = %d %s, want final results", r.Status, r.Body)
	}
	if r = f.do("POST", base+"/confirm", asAdmin, nil); r.Status != 409 || !strings.Contains(string(r.Body), "already final") {
		t.Fatalf("finalising twice = %d %s, want 409", r.Status, r.Body)
	}
}

// TestResultsExports: the results and marks exports read back as tables
// with the columns promised, the formula after the results; the PDF sheet
// carries the names; a bad format is refused.
func TestResultsExports(t *testing.T) {
	f := newFixture(t)
	authzJudgingSetup(authzAllSignedOff)(t, f)
	skill := f.path("/api/v1/events/%d/skills/%d", "event", "skill")
	for _, format := range []string{"csv", "xlsx"} {
		r := f.do("GET", skill+"/results/export?format="+format, asChief, nil)
		tab := readTable(t, r, format)
		if len(tab.Rows) != 5 || tab.Rows[0].Cells["rank"] != "1" || tab.Rows[0].Cells["raw"] != "75.00" ||
			tab.Rows[0].Cells["criterion_a"] != "75.00" || tab.Rows[1].Cells["score"] != "600.00" {
			t.Errorf("results %s: %+v, want 2 ranked entries then formula, state, sha256", format, tab.Rows)
		}
		if f := tab.Rows[2].Cells; f["rank"] != "formula" || !strings.HasPrefix(f["code"], "standardised = 700 + 100 × (raw − 67.50)") {
			t.Errorf("results %s: row after the entries %v, want the formula", format, f)
		}
		r = f.do("GET", skill+"/marks/export?format="+format, asOrganizer, nil)
		tab = readTable(t, r, format)
		if len(tab.Rows) != 2 || tab.Rows[0].Cells["judge"] != "judge_gd" || tab.Rows[0].Cells["kind"] != "M" {
			t.Errorf("marks %s: %+v, want the 2 marks judge_gd entered", format, tab.Rows)
		}
	}
	if r := f.do("GET", skill+"/results/export?format=pdf", asChief, nil); r.Status != 422 {
		t.Errorf("export as pdf = %d, want 422", r.Status)
	}
	r := f.do("GET", skill+"/results/sheet.pdf", asOrganizer, nil)
	if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("%PDF-")) || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("result sheet = %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext (poppler-utils) is needed to read the sheet back")
	}
	cmd := exec.Command(pdftotext, "-", "-")
	cmd.Stdin = bytes.NewReader(r.Body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	comps, _ := f.db.Competitors(t.Context(), f.ids["event"], f.ids["skill"])
	for _, c := range comps {
		if !strings.Contains(string(out), c.NameNative) {
			t.Errorf("the sheet lacks %q:\n%s", c.NameNative, out)
		}
	}
	if !strings.Contains(string(out), "PROVISIONAL") {
		t.Error("a provisional sheet is not marked PROVISIONAL")
	}
	other := f.path("/api/v1/events/%d/skills/%d/results/sheet.pdf", "event", "otherSkill")
	if r := f.do("GET", other, asOrganizer, nil); r.Status != 409 {
		t.Errorf("sheet of a skill still marking = %d, want 409", r.Status)
	}
}

func readTable(t *testing.T, r response, format string) *sheet.Table {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("export %s = %d %s", format, r.Status, r.Body)
	}
	tab, err := sheet.Read(r.Body, sheet.Format(format), sheet.DefaultLimits)
	if err != nil {
		t.Fatalf("export %s does not read back: %v", format, err)
	}
	return tab
}

// TestPublicResults: final results are public with the medal table, unless
// the event hides them until the closing ceremony; organizers still see
// everything.
func TestPublicResults(t *testing.T) {
	f := newFixture(t)
	authzJudgingSetup(authzFinal)(t, f)
	public := f.path("/api/v1/public/events/%d/results", "event")
	var st store.Standing
	r := f.do("GET", public, asAnonymous, nil)
	if err := json.Unmarshal(r.Body, &st); r.Status != 200 || err != nil || len(st.Medals) == 0 {
		t.Fatalf("public results = %d %s", r.Status, r.Body)
	}
	shown := 0
	for _, s := range st.Skills {
		shown += len(s.Entries)
		if s.Lifecycle.SHA256 != "" || s.Lifecycle.ChiefConfirmedBy != 0 {
			t.Errorf("public lifecycle shows internals: %+v", s.Lifecycle)
		}
	}
	if shown != 2 || strings.Contains(string(r.Body), `"raw":`) || strings.Contains(string(r.Body), `"criteria":`) {
		t.Errorf("public results show %d entries: %s; want the 2 final ones without codes or raw marks", shown, r.Body)
	}
	if r := f.do("PATCH", f.path("/api/v1/events/%d", "event"), asOrganizer, map[string]any{
		"settings": map[string]any{"hide_results": true}}); r.Status != 200 {
		t.Fatalf("hide results = %d %s", r.Status, r.Body)
	}
	if r := f.do("GET", public, asAnonymous, nil); r.Status != 404 {
		t.Errorf("hidden public results = %d %s, want 404", r.Status, r.Body)
	}
	if r := f.do("GET", f.path("/api/v1/events/%d/results", "event"), asOrganizer, nil); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"final"`) {
		t.Errorf("organizers' overview of hidden results = %d %s", r.Status, r.Body)
	}
	if r := f.do("GET", "/api/v1/public/events/999/results", asAnonymous, nil); r.Status != 404 {
		t.Errorf("public results of no event = %d", r.Status)
	}
}

// TestEventResultSettingsDefaults: an event created without settings gets
// the result defaults of DESIGN §6 (700 / 100, medallion 700, two-hour
// appeal window); those it names are kept.
func TestEventResultSettingsDefaults(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", "/api/v1/events", asOrganizer, `{"name":{"en":"Defaults"},"starts_on":"2027-01-01",
		"ends_on":"2027-01-02","host_region":"HK","settings":{"tie_break":true,"appeal_window_minutes":0}}`)
	var e store.Event
	if err := json.Unmarshal(r.Body, &e); r.Status != 201 || err != nil {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	want := store.DefaultEventSettings()
	want.TieBreak, want.AppealWindowMinutes = true, 0
	if e.Settings != want {
		t.Errorf("settings %+v, want %+v", e.Settings, want)
	}
	r = f.do("POST", "/api/v1/events", asOrganizer, `{"name":{"en":"Defaults 2"},"starts_on":"2027-01-01",
		"ends_on":"2027-01-02","host_region":"HK"}`)
	if err := json.Unmarshal(r.Body, &e); r.Status != 201 || err != nil || e.Settings != store.DefaultEventSettings() {
		t.Errorf("create without settings = %d %+v, want the defaults", r.Status, e.Settings)
	}
}

// TestChartsSpeakThePageLanguage: the charts' fixed words follow the
// reader's language like the pages (?lang=, cookie, Accept-Language).
func TestChartsSpeakThePageLanguage(t *testing.T) {
	f := newFixture(t)
	authzJudgingSetup(authzMarked)(t, f)
	skill := f.path("/api/v1/events/%d/skills/%d/charts", "event", "skill")
	for _, tc := range []struct{ query, chart, want string }{
		{"?lang=zh-Hant", "/scores.svg", "評價分"},
		{"?lang=zh-Hans", "/severity.svg", "裁判宽严度"},
		{"?lang=pt", "/scores.svg", "Nota de julgamento"},
		{"", "/severity.svg", "judge severity"},
	} {
		r := f.do("GET", skill+tc.chart+tc.query, asChief, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s%s = %d, want %q in it", tc.chart, tc.query, r.Status, tc.want)
		}
	}
}
