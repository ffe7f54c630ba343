package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The console's certificate pages in a real browser against the demo,
// which issues the CNC skill's certificates from three demo issuers when it
// loads: the recognition plan as a table, a refused row shown where it is,
// issuing again with its progress, the list with superseded certificates,
// the tab in Chinese, and the admin's issuers page with its form.

// demoCertificate is a certificate as GET …/certificates lists it.
type demoCertificate struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Issuer string `json:"issuer"`
	Status string `json:"status"`
}

// choose picks the option of the select sel whose text is label, as a
// person does: the page hears the change.
func choose(t *testing.T, ctx context.Context, sel, label string) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const s = document.querySelector(%q), o = [...s.options].find(o => o.text === %q);
		if (!o) { return ''; }
		s.value = o.value;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return s.options[s.selectedIndex].text;
	})()`, sel, label)
	if got := evaluate[string](t, ctx, js); got != label {
		t.Fatalf("choose %q in %s: got %q", label, sel, got)
	}
}

// planShown is the plan as the table shows it, a row a line: issuer,
// achievement (≥ score), level, provenance and reference.
const planShown = `[...document.querySelectorAll('#plan-table tr.plan-row')].map(tr => {
	const text = n => { const s = tr.querySelector('[name=' + n + ']'); return s.options[s.selectedIndex].text; };
	const v = n => tr.querySelector('[name=' + n + ']').value;
	return [text('issuer_id'), v('achievement') + (v('achievement') === 'score' ? ' ≥ ' + v('min_score') : ''),
		text('level'), v('provenance'), v('provenance') === 'official' ? v('reference') : ''].join(' | ');
})`

// certificatesShown lists the certificates table's rows as
// "status number".
const certificatesShown = `[...document.querySelectorAll('#certificates-table tbody tr')].map(tr =>
	tr.className.match(/status-(\w+)/)[1] + ' ' + tr.querySelector('code.number').textContent)`

// TestConsoleCertificates: the demo organizer finds the CNC skill's plan and
// certificates, has a bad plan row refused with its problems under it,
// issues again, watches the issuance end and finds the old certificates
// superseded beside the new ones; then the admin creates an issuer.
func TestConsoleCertificates(t *testing.T) {
	s := startServer(t)
	token := apiLogin(t, s, "organizer", "demo-organizer-2026", false)
	cnc := demoSkill(t, s, token, "CNC")
	api := fmt.Sprintf("/api/v1/events/1/skills/%d", cnc)
	var first []demoCertificate
	apiCall(t, s, token, "GET", api+"/certificates", nil, &first)
	if len(first) != 24 {
		t.Fatalf("the demo issued %d CNC certificates, want 24 (8 competitors × 3 issuers)", len(first))
	}
	var firstNumbers []string
	for _, c := range first {
		firstNumbers = append(firstNumbers, "valid "+c.Number)
	}
	var plan struct{ Entries []map[string]any }
	apiCall(t, s, token, "GET", api+"/plan", nil, &plan)

	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "organizer", "demo-organizer-2026", true)
	page := fmt.Sprintf("%s/console/events/1/skills/%d/certificates", s.URL, cnc)
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(`#certificates-table`)); err != nil {
		t.Fatal(err)
	}

	// The demo's plan, row by row.
	agreement := "DEMO-GBA-CNC-2026 (fictional demo agreement)"
	want := []string{
		"GD-DEMO | gold | Level 2 (Technician) | official | " + agreement,
		"GD-DEMO | medal | Level 3 (Advanced Skilled Worker) | official | " + agreement,
		"GD-DEMO | medallion | Level 4 (Intermediate Skilled Worker) | official | " + agreement,
		"GD-DEMO | score ≥ 600 | Level 5 (Elementary Skilled Worker) | official | " + agreement,
		"HK-DEMO | medal | QF Level 4 | indicative | ",
		"HK-DEMO | medallion | QF Level 3 | indicative | ",
		"HK-DEMO | score ≥ 600 | QF Level 2 | indicative | ",
		"MO-DEMO | medal | Advanced level | indicative | ",
		"MO-DEMO | medallion | Intermediate level | indicative | ",
		"MO-DEMO | score ≥ 600 | Basic level | indicative | ",
	}
	if got := evaluate[[]string](t, ctx, planShown); !slices.Equal(got, want) {
		t.Errorf("plan shown:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Every certificate the API lists, valid, with its links.
	if got := evaluate[[]string](t, ctx, certificatesShown); !sameSet(got, firstNumbers) {
		t.Errorf("certificates shown %v, want the API's %v", got, firstNumbers)
	}
	links := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#certificates-table td.actions a')].map(a => a.getAttribute('href'))`)
	for _, c := range first {
		if !slices.Contains(links, "/v/"+c.ID) || !slices.Contains(links, api+"/certificates/"+c.ID+".pdf") {
			t.Errorf("certificate %s: no verification or PDF link among %d links", c.Number, len(links))
		}
	}
	pdf, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#certificates-table td.actions a[href$=".pdf"]').href)
		.then(r => r.status + ' ' + r.headers.get('Content-Type'))`, chromedp.EvalAwaitPromise))
	if err != nil || pdf != "200 application/pdf" {
		t.Errorf("the first PDF link answers %q (%v)", pdf, err)
	}
	if got := text(t, ctx, `#certificate-counts`); got != "24 valid · 0 superseded · 0 revoked or suspended" {
		t.Errorf("counts %q", got)
	}
	shot(t, ctx, "console-certificates")

	// Order decides: a row moves down and back up.
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-table tr.plan-row:nth-of-type(1) button[data-act=down]`)); err != nil {
		t.Fatal(err)
	}
	if got := evaluate[[]string](t, ctx, planShown); len(got) != 10 || got[0] != want[1] || got[1] != want[0] {
		t.Errorf("after moving row 1 down the plan shows %q", got[:2])
	}
	if got := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#plan-table tr.plan-row .line')].map(n => n.textContent)`); got[0] != "1" || got[1] != "2" {
		t.Errorf("rows numbered %v after a move", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-table tr.plan-row:nth-of-type(2) button[data-act=up]`)); err != nil {
		t.Fatal(err)
	}
	if got := evaluate[[]string](t, ctx, planShown); !slices.Equal(got, want) {
		t.Errorf("after moving the row back the plan shows %q", got)
	}

	// A new row, official without its agreement and with a score out of
	// range: refused, its problems under it, the plan unchanged.
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-add`)); err != nil {
		t.Fatal(err)
	}
	row := `#plan-table tbody tr:nth-of-type(11)` // the new row, before any row error
	choose(t, ctx, row+` [name=issuer_id]`, "GD-DEMO")
	choose(t, ctx, row+` [name=achievement]`, "Score of at least")
	choose(t, ctx, row+` [name=provenance]`, "Official (agreement)")
	if got := evaluate[string](t, ctx, `(s => s.options[s.selectedIndex].text)(document.querySelector('`+row+` [name=level]'))`); got != "Level 5 (Elementary Skilled Worker)" {
		t.Errorf("the new GD-DEMO row offers %q first, want the lowest numbered level", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(row+` [name=min_score]`, "20000"),
		chromedp.Click(`#plan-form button[type=submit]`),
		chromedp.WaitVisible(`#plan-table tr.row-error`),
	); err != nil {
		t.Fatal(err)
	}
	problems := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#plan-table tr.row-error')].map(tr =>
		tr.dataset.line + ' after ' + tr.previousElementSibling.querySelector('.line').textContent + ': ' + tr.textContent.trim())`)
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "11 after 11: ") ||
		!strings.Contains(problems[0], "Agreement: an official mapping names its agreement") ||
		!strings.Contains(problems[0], "Minimum standardised score: a standardised score between 0 and 10000") {
		t.Errorf("row errors %q, want row 11's agreement and score under row 11", problems)
	}
	invalid := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#plan-table [aria-invalid]')].map(n => n.name)`)
	if !slices.Equal(invalid, []string{"min_score", "reference"}) {
		t.Errorf("fields marked invalid: %v", invalid)
	}
	if got := text(t, ctx, `#plan-form .error-report`); !strings.Contains(got, "1 of 11 plan entries have problems") {
		t.Errorf("error report %q", got)
	}
	shot(t, ctx, "console-certificates-plan-error")
	var after struct{ Entries []map[string]any }
	apiCall(t, s, token, "GET", api+"/plan", nil, &after)
	if len(after.Entries) != len(plan.Entries) {
		t.Fatalf("a refused plan changed the plan: %d entries, want %d", len(after.Entries), len(plan.Entries))
	}

	// Without the bad row, the plan saves as it was: the table sends what
	// it shows.
	if err := chromedp.Do(ctx,
		chromedp.Click(row+` button[data-act=remove]`),
		chromedp.WaitNotPresent(`#plan-table tr.row-error`),
		chromedp.Click(`#plan-form button[type=submit]`),
		chromedp.WaitVisible(`p.notice.ok`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `p.notice.ok`); got != "The recognition plan is saved." {
		t.Errorf("notice %q", got)
	}
	apiCall(t, s, token, "GET", api+"/plan", nil, &after)
	if fmt.Sprint(after.Entries) != fmt.Sprint(plan.Entries) {
		t.Errorf("saving the plan unchanged changed it:\n%v\nwant\n%v", after.Entries, plan.Entries)
	}

	// Issue again: the progress ends issued, and the list shows the 24 new
	// certificates beside the 24 they supersede.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#issue-form input[name=supersede]`),
		chromedp.Click(`#issue-form button[type=submit]`),
		chromedp.WaitVisible(`#issuance`),
	); err != nil {
		t.Fatal(err)
	}
	// The 202's batch shows at once; the page polls it a second later.
	if got := text(t, ctx, `#issuance`); !strings.Contains(got, "Running") || !strings.Contains(got, "of 24 certificates") {
		t.Errorf("the issuance started shows %q", got)
	}
	pollAcrossLoads(t, ctx, "the issuance to end issued", `location.search.includes('done=issued') &&
		document.readyState === 'complete' && document.querySelector('#issuance').dataset.state === 'issued'`)
	if got := text(t, ctx, `#issuance [data-k=count]`); got != "24 of 24 certificates" {
		t.Errorf("progress %q", got)
	}
	if got := text(t, ctx, `#issuance [data-k=state]`); got != "Issued" {
		t.Errorf("issuance state %q", got)
	}
	if got := evaluate[string](t, ctx, `(p => p.value + '/' + p.max)(document.querySelector('#issuance progress'))`); got != "24/24" {
		t.Errorf("progress bar %s", got)
	}
	if got := text(t, ctx, `p.notice.ok`); got != "The certificates are issued." {
		t.Errorf("notice %q", got)
	}
	var now []demoCertificate
	apiCall(t, s, token, "GET", api+"/certificates", nil, &now)
	var superseded, valid []string
	for _, c := range now {
		switch c.Status {
		case "superseded":
			superseded = append(superseded, "superseded "+c.Number)
		case "valid":
			valid = append(valid, "valid "+c.Number)
			if slices.Contains(firstNumbers, "valid "+c.Number) {
				t.Errorf("re-issued certificate %s has an old number", c.Number)
			}
		}
	}
	if len(superseded) != 24 || len(valid) != 24 {
		t.Fatalf("after issuing again the API lists %d superseded and %d valid, want 24 and 24", len(superseded), len(valid))
	}
	if got := evaluate[[]string](t, ctx, certificatesShown); !sameSet(got, append(superseded, valid...)) {
		t.Errorf("certificates shown after issuing again: %v", got)
	}
	var firstSuperseded []string
	for _, n := range firstNumbers {
		firstSuperseded = append(firstSuperseded, strings.Replace(n, "valid ", "superseded ", 1))
	}
	if !sameSet(superseded, firstSuperseded) {
		t.Errorf("superseded %v, want the first issuance's certificates", superseded)
	}
	if got := text(t, ctx, `#certificate-counts`); got != "24 valid · 24 superseded · 0 revoked or suspended" {
		t.Errorf("counts %q", got)
	}
	shot(t, ctx, "console-certificates-issued")
	if err := chromedp.Do(ctx, chromedp.Click(`#hide-superseded`)); err != nil {
		t.Fatal(err)
	}
	if n := evaluate[int](t, ctx, `[...document.querySelectorAll('#certificates-table tbody tr')].filter(tr => tr.offsetParent).length`); n != 24 {
		t.Errorf("%d certificates visible with the superseded hidden, want 24", n)
	}

	// In 简体中文: levels and statuses in Chinese.
	if err := chromedp.Do(ctx, chromedp.Navigate(page+"?lang=zh-Hans"), chromedp.WaitVisible(`#certificates-table`)); err != nil {
		t.Fatal(err)
	}
	if h := text(t, ctx, `#plan h2`); h != "认定方案" {
		t.Errorf("plan heading %q in zh-Hans", h)
	}
	if got := evaluate[[]string](t, ctx, planShown); len(got) != 10 || !strings.HasPrefix(got[0], "GD-DEMO | gold | 二级/技师 | official") ||
		!strings.Contains(got[7], "高级") {
		t.Errorf("plan in zh-Hans: %q", got)
	}
	statuses := evaluate[[]string](t, ctx, `[...new Set([...document.querySelectorAll('#certificates-table .badge')].map(b => b.textContent))]`)
	if !sameSet(statuses, []string{"有效", "已取代"}) {
		t.Errorf("statuses in zh-Hans: %v", statuses)
	}
	shot(t, ctx, "console-certificates-zh-Hans")

	// A skill whose results are not final cannot issue, and says why.
	hair := demoSkill(t, s, token, "HAIR")
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/console/events/1/skills/%d/certificates?lang=en", s.URL, hair)),
		chromedp.WaitVisible(`#issue-why`)); err != nil {
		t.Fatal(err)
	}
	if !evaluate[bool](t, ctx, `document.querySelector('#issue-form button[type=submit]').disabled`) {
		t.Error("HAIR's results are not final, yet its issue button is enabled")
	}
	if got := text(t, ctx, `#issue-why`); !strings.Contains(got, "final results only; these results are: Marking") {
		t.Errorf("HAIR's explanation %q", got)
	}
	// Its empty plan gets a first row, for the framework of the issuer chosen.
	if err := chromedp.Do(ctx, chromedp.Click(`#plan-add`), chromedp.WaitVisible(`#plan-table`)); err != nil {
		t.Fatal(err)
	}
	choose(t, ctx, `#plan-table tr.plan-row [name=issuer_id]`, "MO-DEMO")
	if got := evaluate[[]string](t, ctx, planShown); !slices.Equal(got, []string{"MO-DEMO | medal | Basic level | indicative | "}) {
		t.Errorf("HAIR's first plan row %q", got)
	}
	if got := text(t, ctx, `#plan-table .line`); got != "1" {
		t.Errorf("first row numbered %q", got)
	}
	shot(t, ctx, "console-certificates-not-final")
}

// TestConsoleCertIssuers: the admin reaches the issuers from the console home,
// sees the demo's three with their keys, and creates one through the form:
// refused first for its missing Chinese name, then created with the
// framework and languages its region brings.
func TestConsoleCertIssuers(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t, 1280, 800)
	consoleLogin(t, ctx, s, "admin", adminPassword(t, s), true)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/console"), chromedp.Click(`a[href="/console/issuers"]`),
		chromedp.WaitVisible(`#issuers`)); err != nil {
		t.Fatal(err)
	}
	rows := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#issuers tbody tr')].map(tr =>
		tr.id + ' ' + tr.querySelectorAll('.badge').length + ' ' + tr.querySelectorAll('ul.keys li').length)`)
	if !slices.Equal(rows, []string{"issuer-GD-DEMO 1 2", "issuer-HK-DEMO 1 2", "issuer-MO-DEMO 1 2"}) {
		t.Errorf("issuers (id, demo badges, keys): %v", rows)
	}
	if got := text(t, ctx, `#issuer-MO-DEMO`); !strings.Contains(got, "繁體中文 · Português · English") ||
		!strings.Contains(got, "MO-DSAL-DEMO-{year}-{serial:6}") || !strings.Contains(got, "PDF signature · ES256") {
		t.Errorf("MO-DEMO row %q", got)
	}
	shot(t, ctx, "console-issuers")

	form := `#create-issuer-form`
	if err := chromedp.Do(ctx,
		chromedp.Click(`#create-issuer summary`),
		chromedp.SendKeys(form+` input[name=code]`, "HK-E2E"),
	); err != nil {
		t.Fatal(err)
	}
	choose(t, ctx, form+` select[name=region]`, "Hong Kong")
	if got := evaluate[[]string](t, ctx, `[document.querySelector('`+form+` [name=framework]').value,
		...[...document.querySelectorAll('`+form+` [name=languages]')].map(s => s.value)]`); !slices.Equal(got,
		[]string{"HKQF", "zh-Hant", "en", "", ""}) {
		t.Errorf("Hong Kong brings framework and languages %v", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(form+` input[name="name.en"]`, "Hong Kong E2E Assessment Centre"),
		chromedp.SendKeys(form+` input[name=number_template]`, "HKE2E-{year}-{serial:5}"),
		chromedp.SendKeys(form+` input[name=validity_months]`, "60"),
		chromedp.Click(form+` button[type=submit]`),
		chromedp.WaitVisible(form+` .error-report`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, form+` .error-report table.by-field`); !strings.Contains(got, "name") || !strings.Contains(got, "zh-Hant") {
		t.Errorf("the refusal names %q, want the missing zh-Hant name", got)
	}
	shot(t, ctx, "console-issuers-error")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(form+` input[name="name.zh-Hant"]`, "香港端對端評審中心"),
		chromedp.Click(form+` button[type=submit]`),
		chromedp.WaitVisible(`#issuer-HK-E2E`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `p.notice.ok`); got != "The issuer is created with its signing keys." {
		t.Errorf("notice %q", got)
	}
	got := text(t, ctx, `#issuer-HK-E2E`)
	for _, w := range []string{"香港端對端評審中心", "HKQF", "繁體中文 · English", "HKE2E-{year}-{serial:5}", "QR claims · EdDSA", "PDF signature · ES256",
		"certificates valid 60 months"} {
		if !strings.Contains(got, w) {
			t.Errorf("the new issuer's row lacks %q: %q", w, got)
		}
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#issuer-HK-E2E .badge').length`); n != 0 {
		t.Error("the new issuer is marked as a demo")
	}
	shot(t, ctx, "console-issuers-created")
}

// adminPassword is the admin password the server printed at its first
// start.
func adminPassword(t *testing.T, s *server) string {
	t.Helper()
	return printed(t, s, `username admin, password (\S+)`, "admin password")
}

// pollAcrossLoads waits until the JavaScript expression is true, while
// the page may load another (poll stops at a navigation).
func pollAcrossLoads(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
