package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The judge's tablet in a real browser: marks entered online and offline,
// the page reloaded offline from the service worker, and every mark on the
// server exactly once when the network returns; a divergence flagged,
// re-scored and signed off through the pages; page weight and tap latency.

// ---- the JSON API, as a judge or chief expert -----------------------------

// apiClient calls the JSON API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// signInAPI signs username in with their demo PIN.
func (s *server) signInAPI(t *testing.T, username string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: s.URL}
	var out struct {
		Token string `json:"token"`
	}
	c.do("POST", "/api/v1/auth/pin", map[string]string{"username": username, "pin": s.demoPIN(t, username)}, &out, 200)
	c.token = out.Token
	return c
}

// do sends body (JSON) and decodes the answer into out, failing the test
// unless the status is want.
func (c *apiClient) do(method, path string, body, out any, want int) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

// judgeSkill is the one skill of a demo judge.
func (c *apiClient) judgeSkill() (event, skill, user int64) {
	var me struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
		Skills []struct {
			EventID int64 `json:"event_id"`
			SkillID int64 `json:"skill_id"`
		} `json:"skills"`
	}
	c.do("GET", "/api/v1/me", nil, &me, 200)
	if len(me.Skills) != 1 {
		c.t.Fatalf("the demo judge has %d skills, want 1", len(me.Skills))
	}
	return me.Skills[0].EventID, me.Skills[0].SkillID, me.User.ID
}

// workView is what the tests read of GET …/work.
type workView struct {
	JudgeID     int64 `json:"judge_id"`
	SubCriteria []struct {
		ID      int64  `json:"id"`
		Code    string `json:"code"`
		Aspects []struct {
			ID      int64   `json:"id"`
			Code    string  `json:"code"`
			Kind    string  `json:"kind"`
			MaxMark float64 `json:"max_mark"`
		} `json:"aspects"`
	} `json:"sub_criteria"`
	Entries []struct {
		EntryID int64  `json:"entry_id"`
		Code    string `json:"code"`
	} `json:"entries"`
	Marks []struct {
		EntryID  int64   `json:"entry_id"`
		AspectID int64   `json:"aspect_id"`
		Value    float64 `json:"value"`
		Version  int64   `json:"version"`
	} `json:"marks"`
	Status []struct {
		EntryID        int64  `json:"entry_id"`
		SubCriterionID int64  `json:"sub_criterion_id"`
		State          string `json:"state"`
		Aspects        []struct {
			AspectID int64   `json:"aspect_id"`
			State    string  `json:"state"`
			Missing  []int64 `json:"missing_judges"`
		} `json:"aspects"`
	} `json:"status"`
}

func (c *apiClient) work(event, skill int64) workView {
	var w workView
	c.do("GET", fmt.Sprintf("/api/v1/events/%d/skills/%d/work", event, skill), nil, &w, 200)
	return w
}

// ---- the browser -------------------------------------------------------------

// fillLogin opens the login page and fills in a judge's username and PIN.
func fillLogin(t *testing.T, ctx context.Context, s *server, username string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/login?lang=en"),
		chromedp.SendKeys(`input[name=username]`, username),
		chromedp.SendKeys(`input[name=secret]`, s.demoPIN(t, username)),
	); err != nil {
		t.Fatal(err)
	}
}

// signInPage signs a judge in through the login page (username and PIN)
// and waits for the marking page the sign-in leads to.
func signInPage(t *testing.T, ctx context.Context, s *server, username string) {
	t.Helper()
	fillLogin(t, ctx, s, username)
	click(t, ctx, `button[type=submit]`)
	waitJS(t, ctx, `document.body.dataset.ready === '1'`, "the marking page to load")
}

// waitJS waits until the JavaScript expression is true, across page loads.
func waitJS(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+expr+`); } catch { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			says, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('syncbar')?.innerText || document.body.innerText.slice(0, 300)`))
			t.Fatalf("waiting for %s (%s): %v; the page says %q", what, expr, err, says)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// evalJS evaluates a JavaScript expression.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// setOffline cuts the network of the page and of its service worker (CDP
// network emulation: the page's emulation does not reach the worker's own
// fetches), or gives it back; navigator.onLine follows.
func setOffline(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	emulate := func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &off,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		})
		return err
	}
	err := emulate(ctx)
	if err == nil {
		_, err = chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off,
			DownloadThroughput: -1, UploadThroughput: -1})
	}
	targets, _ := chromedp.Targets(ctx)
	for _, tg := range targets {
		if err != nil || tg.Type != "service_worker" {
			continue
		}
		workers.Lock()
		wctx, ok := workers.ctx[tg.TargetID]
		if !ok {
			// Attached for the rest of the test: detaching would drop the
			// emulation.
			var cancel context.CancelFunc
			wctx, cancel = chromedp.NewContext(ctx, chromedp.WithTargetID(tg.TargetID))
			workers.ctx[tg.TargetID] = wctx
			t.Cleanup(cancel)
		}
		workers.Unlock()
		err = emulate(wctx)
	}
	if err != nil {
		t.Fatalf("network offline=%v: %v", off, err)
	}
}

// workers are the service workers attached to emulate their network.
var workers = struct {
	sync.Mutex
	ctx map[target.ID]context.Context
}{ctx: map[target.ID]context.Context{}}

// aspectOnPage is an aspect card of the open competitor.
type aspectOnPage struct {
	ID    string  `json:"id"` // element id: a-ENTRY-ASPECT
	Entry int64   `json:"entry"`
	Kind  string  `json:"kind"`
	Max   float64 `json:"max"`
}

// aspectsOnPage lists the aspect cards of the open competitor.
func aspectsOnPage(t *testing.T, ctx context.Context) []aspectOnPage {
	t.Helper()
	return evalJS[[]aspectOnPage](t, ctx, `Array.from(document.querySelectorAll('#entry .aspect')).map(el => ({
		id: el.id, entry: Number(el.id.split('-')[1]), kind: el.dataset.kind,
		max: Number(el.querySelector('.award[data-value=max] span')?.textContent || 3)}))`)
}

// openEntry opens competitor n (0-based) of the list by tapping its card.
func openEntry(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	evalJS[bool](t, ctx, `location.hash = ''; true`)
	waitJS(t, ctx, fmt.Sprintf(`!document.getElementById('list').classList.contains('hidden') &&
		document.querySelectorAll('#entries a.entrycard').length > %d`, n), "the list of competitors")
	card := fmt.Sprintf(`#entries li:nth-child(%d) a.entrycard`, n+1)
	entry := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.entry`, card))
	click(t, ctx, card)
	waitJS(t, ctx, fmt.Sprintf(`!document.getElementById('entry').classList.contains('hidden') &&
		document.querySelector('#entry .aspect[id^="a-%s-"]') !== null`, entry), "the competitor's aspects")
}

// click clicks the element sel. The page may redraw it between the query
// and the click (the server's answer to an earlier mark came in): then it
// queries again.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	var err error
	for range 3 {
		if err = chromedp.Do(ctx, chromedp.Click(sel)); err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
	}
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// tap clicks a mark's button and waits until the page shows the mark saved
// on this tablet.
func tap(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	n := evalJS[int](t, ctx, `window.tabletTimings.length`)
	click(t, ctx, sel)
	waitJS(t, ctx, fmt.Sprintf(`window.tabletTimings.length > %d`, n), "the tap to be saved on the tablet")
}

// shotView saves what the viewport shows (shot saves the whole page) as
// e2e/artifacts/NAME.png, after scrolling sel to the top.
func shotView(t *testing.T, ctx context.Context, name, sel string) {
	t.Helper()
	evalJS[bool](t, ctx, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.scrollIntoView();
		window.scrollBy(0, -document.getElementById('syncbar').offsetHeight - 8); return true; })()`, sel))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("artifacts", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mark is a mark as the test entered it.
type mark struct {
	entry, aspect int64
	value         float64
}

func ids(elementID string) (entry, aspect int64) {
	fmt.Sscanf(elementID, "a-%d-%d", &entry, &aspect)
	return entry, aspect
}

// ---- the tests ----------------------------------------------------------------

// TestTabletOfflineMarks: a judge signs in on a portrait tablet, marks a
// competitor, loses the network, marks more, reloads the page offline (the
// service worker serves it, the outbox shows what waits), gets the network
// back, and the server holds every mark exactly once. The first load's
// transfer and the tap-to-saved latency are measured on the way.
func TestTabletOfflineMarks(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t, 768, 1024)

	// Every byte the page target receives from the sign-in on: the first
	// load of the judge's page (fonts aside: it has none).
	var mu sync.Mutex
	var transferred float64
	urls := map[network.RequestID]string{}
	var loaded []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			urls[e.RequestID] = e.Request.URL
		case *network.EventLoadingFinished:
			transferred += e.EncodedDataLength
			loaded = append(loaded, fmt.Sprintf("%s %.0f", strings.TrimPrefix(urls[e.RequestID], s.URL), e.EncodedDataLength))
		}
	}); err != nil {
		t.Fatal(err)
	}
	fillLogin(t, ctx, s, "hair-judge-1")
	mu.Lock()
	transferred, loaded = 0, nil
	mu.Unlock()
	logFrom := len(s.out.String())
	click(t, ctx, `button[type=submit]`)
	waitJS(t, ctx, `document.body.dataset.ready === '1' && document.body.dataset.offlineReady === '1'`,
		"the marking page to load and the service worker to keep it")
	mu.Lock()
	firstLoad := transferred
	t.Logf("first load, the page's requests (CDP encodedDataLength, headers included): %.1f KB: %s", firstLoad/1024,
		strings.Join(loaded, ", "))
	mu.Unlock()
	// The service worker's own requests (its script, the shell it keeps)
	// do not reach the page's events: the server's access log counts every
	// response body it sent, the worker's included.
	served, paths := 0, []string(nil)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if log := s.out.String()[logFrom:]; strings.Contains(log, "path=/tablet/sw.js ") && strings.Contains(log, "/work ") {
			break // the log is written after the answer: wait for the last ones
		}
	}
	for _, m := range regexp.MustCompile(`path=(\S+) status=\d+ \S+ \S+ bytes=(-?\d+)`).FindAllStringSubmatch(s.out.String()[logFrom:], -1) {
		n, _ := strconv.Atoi(m[2]) // -1: no body
		served += max(n, 0)
		paths = append(paths, m[1]+" "+m[2])
	}
	t.Logf("first load, every response body the server sent (access log, service worker included): %.1f KB in %d responses: %s",
		float64(served)/1024, len(paths), strings.Join(paths, ", "))
	shot(t, ctx, "tablet-competitors-portrait")
	if firstLoad > 150*1024 || served > 150*1024 {
		t.Errorf("the judge's page transferred %.1f KB (page) / %.1f KB (server) on first load, want ≤ 150 KB",
			firstLoad/1024, float64(served)/1024)
	}
	page := evalJS[string](t, ctx, `location.pathname`)

	openEntry(t, ctx, 0)
	all := aspectsOnPage(t, ctx)
	var js, ms []aspectOnPage
	for _, a := range all {
		if a.Kind == "J" {
			js = append(js, a)
		} else if a.Max > 1 { // room for a part mark of 1.25
			ms = append(ms, a)
		}
	}
	if len(js) < 6 || len(ms) < 3 {
		t.Fatalf("the first competitor shows %d J and %d M aspects (max > 1), want at least 6 and 3", len(js), len(ms))
	}
	var want []mark
	scoreJ := func(a aspectOnPage, v int) {
		tap(t, ctx, fmt.Sprintf(`#%s button.score[data-value="%d"]`, a.ID, v))
		e, asp := ids(a.ID)
		want = append(want, mark{e, asp, float64(v)})
	}
	scoreJ(js[0], 2)
	scoreJ(js[1], 3)
	scoreJ(js[2], 1)
	tap(t, ctx, fmt.Sprintf(`#%s button.award[data-value=max]`, ms[0].ID))
	e, asp := ids(ms[0].ID)
	want = append(want, mark{e, asp, ms[0].Max})
	waitJS(t, ctx, `document.getElementById('sync').dataset.state === 'saved'`, "the online marks to reach the server")
	shot(t, ctx, "tablet-marking-online")

	// The network goes: marks wait in the outbox.
	setOffline(t, ctx, true)
	waitJS(t, ctx, `document.getElementById('net').dataset.state === 'offline'`, "the page to see it is offline")
	scoreJ(js[3], 0)
	scoreJ(js[4], 2)
	scoreJ(js[5], 3)
	tap(t, ctx, fmt.Sprintf(`#%s button.award[data-value="0"]`, ms[1].ID))
	e, asp = ids(ms[1].ID)
	want = append(want, mark{e, asp, 0})
	// A part mark, typed in.
	if err := chromedp.Do(ctx, chromedp.SendKeys(fmt.Sprintf(`#%s .part input`, ms[2].ID), "1,25")); err != nil {
		t.Fatal(err)
	}
	tap(t, ctx, fmt.Sprintf(`#%s .part button`, ms[2].ID))
	e, asp = ids(ms[2].ID)
	want = append(want, mark{e, asp, 1.25})
	waitJS(t, ctx, `document.getElementById('sync').dataset.pending === '5'`, "five marks waiting to send")

	// Reloaded offline: the service worker serves the page, IndexedDB the
	// work and the outbox.
	requests := strings.Count(s.out.String(), "path="+page+" ")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload offline: %v", err)
	}
	waitJS(t, ctx, `document.body.dataset.ready === '1' && document.querySelectorAll('#entry .aspect').length > 0`,
		"the page to reload offline")
	if n := strings.Count(s.out.String(), "path="+page+" "); n != requests {
		t.Fatalf("the offline reload reached the server (%d requests for the page, was %d)", n, requests)
	}
	if got := evalJS[string](t, ctx, `document.getElementById('net').dataset.state + ' ' + document.getElementById('sync').dataset.pending`); got != "offline 5" {
		t.Fatalf("after the offline reload: network and marks waiting %q, want offline 5", got)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll('#entry .save[data-save=pending]').length`); n != 5 {
		t.Fatalf("%d aspects show a mark waiting to send, want 5", n)
	}
	for _, m := range want {
		got := evalJS[string](t, ctx, fmt.Sprintf(`(() => { const a = document.getElementById('a-%d-%d');
			const b = a.querySelector('[aria-pressed=true]'); return b ? b.dataset.value : a.querySelector('.part input').value; })()`, m.entry, m.aspect))
		if got == "max" { // awarded: the aspect's max
			got = fmt.Sprint(ms[0].Max)
		}
		if got != fmt.Sprint(m.value) && got != strings.Replace(fmt.Sprint(m.value), ".", ",", 1) {
			t.Errorf("after the offline reload aspect %d shows %q, want %v", m.aspect, got, m.value)
		}
	}
	shot(t, ctx, "tablet-offline-reloaded")

	// The network returns: the outbox empties.
	setOffline(t, ctx, false)
	waitJS(t, ctx, `document.getElementById('sync').dataset.state === 'saved' && document.getElementById('net').dataset.state === 'online'`,
		"the waiting marks to reach the server")
	shot(t, ctx, "tablet-back-online")

	// Tap latency: twelve taps on other competitors, online, each timed by
	// the page from the click event to the mark shown saved on the tablet
	// (IndexedDB transaction complete, card redrawn).
	before := evalJS[int](t, ctx, `window.tabletTimings.length`)
	for n := 1; len(want) < 9+12; n++ {
		openEntry(t, ctx, n)
		for _, a := range aspectsOnPage(t, ctx) {
			if a.Kind != "J" || len(want) == 9+12 {
				continue
			}
			scoreJ(a, len(want)%4)
		}
	}
	timings := evalJS[[]float64](t, ctx, fmt.Sprintf(`window.tabletTimings.slice(%d)`, before))
	slices.Sort(timings)
	median := (timings[len(timings)/2-1] + timings[len(timings)/2]) / 2
	t.Logf("tap → saved on the tablet: median %.1f ms over %d taps (min %.1f, max %.1f)", median, len(timings),
		timings[0], timings[len(timings)-1])
	if median >= 50 {
		t.Errorf("tap → saved on the tablet: median %.1f ms, want < 50 ms", median)
	}
	waitJS(t, ctx, `document.getElementById('sync').dataset.state === 'saved'`, "the timed marks to reach the server")

	// The server holds every mark exactly once: one mark per aspect, at
	// version 1 (never written twice), one creation each in the audit trail.
	judge := s.signInAPI(t, "hair-judge-1")
	event, skill, user := judge.judgeSkill()
	w := judge.work(event, skill)
	if len(w.Marks) != len(want) {
		t.Errorf("the server holds %d marks of the judge, want %d", len(w.Marks), len(want))
	}
	for _, m := range want {
		n := 0
		for _, got := range w.Marks {
			if got.EntryID != m.entry || got.AspectID != m.aspect {
				continue
			}
			n++
			if got.Value != m.value || got.Version != 1 {
				t.Errorf("mark of entry %d aspect %d: value %v version %d, want %v version 1", m.entry, m.aspect, got.Value,
					got.Version, m.value)
			}
		}
		if n != 1 {
			t.Errorf("entry %d aspect %d has %d marks, want 1", m.entry, m.aspect, n)
		}
	}
	var trail []struct {
		UserID int64  `json:"user_id"`
		Action string `json:"action"`
	}
	s.signInAPI(t, "hair-chief").do("GET", fmt.Sprintf("/api/v1/events/%d/skills/%d/audit?limit=5000", event, skill), nil, &trail, 200)
	actions := map[string]int{}
	for _, e := range trail {
		if e.UserID == user {
			actions[e.Action]++
		}
	}
	if actions["mark.create"] != len(want) || actions["mark.update"] != 0 {
		t.Errorf("the audit trail has the judge's %v, want %d mark.create and no mark.update", actions, len(want))
	}

	// The mark changes on the judge's other device meanwhile: this
	// tablet's change carries a stale version, the server refuses it (409),
	// the page says so, shows what the server holds, and does not send it
	// again; dismissed, the judge marks again.
	first := want[0]
	marksURL := fmt.Sprintf("/api/v1/events/%d/skills/%d/marks", event, skill)
	judge.do("POST", marksURL, map[string]any{"marks": []map[string]any{{"key": "other-device", "entry_id": first.entry,
		"aspect_id": first.aspect, "value": 1, "version": 1}}}, nil, 200)
	openEntry(t, ctx, 0)
	card := fmt.Sprintf("#a-%d-%d", first.entry, first.aspect)
	tap(t, ctx, card+` button.score[data-value="0"]`)
	waitJS(t, ctx, fmt.Sprintf(`document.getElementById('sync').dataset.failed === '1' &&
		document.querySelector('%[1]s .save .failed') !== null &&
		document.querySelector('%[1]s [aria-pressed=true]')?.dataset.value === '1'`, card), "the refusal to show")
	posts := func() int { return strings.Count(s.out.String(), "method=POST path="+marksURL+" ") }
	sent := posts()
	time.Sleep(2500 * time.Millisecond) // longer than the first retry delay (2 s)
	if n := posts(); n != sent {
		t.Errorf("the refused mark was sent again (%d requests, was %d)", n, sent)
	}
	if got := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .save .failed').textContent`, card)); !strings.Contains(got, "not accepted") {
		t.Errorf("the refused mark says %q", got)
	}
	shotView(t, ctx, "tablet-refused", card)
	click(t, ctx, card+` .save button.link`)
	waitJS(t, ctx, `document.getElementById('sync').dataset.state === 'saved'`, "the refusal to be dismissed")
	tap(t, ctx, card+` button.score[data-value="0"]`)
	waitJS(t, ctx, `document.getElementById('sync').dataset.state === 'saved'`, "the new mark to reach the server")
	for _, m := range judge.work(event, skill).Marks {
		if m.EntryID == first.entry && m.AspectID == first.aspect && (m.Value != 0 || m.Version != 3) {
			t.Errorf("after the refusal and a new mark: value %v version %d, want 0 version 3", m.Value, m.Version)
		}
	}
}

// smallTargets lists the visible links, buttons and fields of the tablet
// smaller than 44 × 44 CSS pixels (touch targets).
func smallTargets(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#tablet a, #tablet button, #tablet input'))
		.filter(el => el.offsetParent !== null)
		.filter(el => { const r = el.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
		.map(el => el.outerHTML.slice(0, 80))`)
}

// TestTabletDivergence: two judges of one panel score a judgement aspect 0
// and 3 for the same competitor on their tablets (one portrait, one
// landscape); both pages show it flagged with the panel's scores; one judge
// re-scores, the flag clears, and the sub-criterion is signed off through
// the page. The panel's other marks come through the API.
func TestTabletDivergence(t *testing.T) {
	s := startServer(t)
	var event, skill int64
	clients := map[string]*apiClient{}
	usernames := map[int64]string{} // judge id → username
	var w workView
	for _, u := range []string{"hair-chief", "hair-judge-1", "hair-judge-2", "hair-judge-3"} {
		c := s.signInAPI(t, u)
		event, skill, _ = c.judgeSkill()
		clients[u] = c
		jw := c.work(event, skill)
		usernames[jw.JudgeID] = u
		if len(jw.SubCriteria) > len(w.SubCriteria) {
			w = jw
		}
	}
	// The smallest sub-criterion with a J aspect, and a competitor whom
	// three of its panel may mark.
	type pick struct {
		entry, sub, aspect int64
		judges             []int64
		aspects            int
	}
	var p pick
	for _, st := range w.Status {
		for _, sub := range w.SubCriteria {
			if sub.ID != st.SubCriterionID || (p.sub != 0 && len(sub.Aspects) >= p.aspects) {
				continue
			}
			for i, a := range sub.Aspects {
				if a.Kind == "J" && len(st.Aspects[i].Missing) >= 3 {
					p = pick{st.EntryID, sub.ID, a.ID, st.Aspects[i].Missing, len(sub.Aspects)}
					break
				}
			}
		}
	}
	if p.sub == 0 {
		t.Fatal("no sub-criterion of HAIR has a J aspect three judges may mark for one competitor")
	}
	first, second := usernames[p.judges[0]], usernames[p.judges[1]]
	t.Logf("entry %d, sub-criterion %d, aspect %d; judges %s and %s on tablets", p.entry, p.sub, p.aspect, first, second)
	// Every other mark of the sub-criterion, through the API: J 2, M full
	// marks; the third judge gives the aspect under test a 1.
	for n, j := range p.judges {
		var marks []map[string]any
		for _, sub := range w.SubCriteria {
			if sub.ID != p.sub {
				continue
			}
			for _, a := range sub.Aspects {
				value := a.MaxMark
				switch {
				case a.ID == p.aspect && n < 2:
					continue
				case a.ID == p.aspect:
					value = 1
				case a.Kind == "J":
					value = 2
				}
				marks = append(marks, map[string]any{"key": fmt.Sprintf("setup-%d-%d", j, a.ID), "entry_id": p.entry,
					"aspect_id": a.ID, "value": value, "version": 0})
			}
		}
		clients[usernames[j]].do("POST", fmt.Sprintf("/api/v1/events/%d/skills/%d/marks", event, skill),
			map[string]any{"marks": marks}, nil, 200)
	}
	card := fmt.Sprintf("#a-%d-%d", p.entry, p.aspect)
	open := func(ctx context.Context) {
		t.Helper()
		evalJS[bool](t, ctx, fmt.Sprintf(`location.hash = '#e%d'; true`, p.entry))
		waitJS(t, ctx, fmt.Sprintf(`document.querySelector('%s') !== null`, card), "the competitor's aspects")
	}
	saved := func(ctx context.Context) {
		t.Helper()
		waitJS(t, ctx, `document.getElementById('sync').dataset.state === 'saved'`, "the mark to reach the server")
	}

	// The first judge, portrait, also tries the language switch.
	portrait := newBrowser(t, 768, 1024)
	signInPage(t, portrait, s, first)
	page := evalJS[string](t, portrait, `location.pathname`)
	if err := chromedp.Do(portrait, chromedp.Navigate(s.URL+page+"?lang=zh-Hant")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, portrait, `document.body.dataset.ready === '1'`, "the page in 繁體中文")
	if got := evalJS[string](t, portrait, `document.getElementById('list-title').textContent + ' ' + document.getElementById('sync').textContent`); !strings.Contains(got, "我的參賽者") || !strings.Contains(got, "伺服器") {
		t.Errorf("the page in zh-Hant says %q", got)
	}
	shot(t, portrait, "tablet-zh-Hant")
	if err := chromedp.Do(portrait, chromedp.Navigate(s.URL+page+"?lang=en")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, portrait, `document.body.dataset.ready === '1'`, "the page in English")
	open(portrait)
	if small := smallTargets(t, portrait); len(small) > 0 {
		t.Errorf("touch targets under 44 px at 768×1024: %q", small)
	}
	tap(t, portrait, card+` button.score[data-value="0"]`)
	saved(portrait)

	// The second judge, landscape, scores 3: flagged.
	landscape := newBrowser(t, 1024, 768)
	signInPage(t, landscape, s, second)
	shot(t, landscape, "tablet-competitors-landscape")
	open(landscape)
	if small := smallTargets(t, landscape); len(small) > 0 {
		t.Errorf("touch targets under 44 px at 1024×768: %q", small)
	}
	tap(t, landscape, card+` button.score[data-value="3"]`)
	saved(landscape)
	flagged := fmt.Sprintf(`document.querySelector('%s').dataset.state === 'divergent' &&
		document.getElementById('s-%d').dataset.state === 'flagged'`, card, p.sub)
	waitJS(t, landscape, flagged, "the aspect to be flagged")
	scores := func(ctx context.Context) []string {
		return evalJS[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll('%s .flag .pscore')).map(e => e.textContent)`, card))
	}
	if got := scores(landscape); !sameScores(got, "0", "1", "3 (you)") {
		t.Errorf("the second judge sees the panel's scores %q, want 0, 1 and 3 (theirs)", got)
	}
	shotView(t, landscape, "tablet-flagged-landscape", card)

	// The first judge sees it too, after a reload.
	if err := chromedp.Do(portrait, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, portrait, `document.body.dataset.ready === '1'`, "the reload")
	waitJS(t, portrait, flagged, "the first judge's page to show the flag")
	if got := scores(portrait); !sameScores(got, "0 (you)", "1", "3") {
		t.Errorf("the first judge sees the panel's scores %q, want 0 (theirs), 1 and 3", got)
	}
	shotView(t, portrait, "tablet-flagged-portrait", fmt.Sprintf("#s-%d", p.sub))

	// The second judge re-scores 1: the flag clears, the sub-criterion is
	// complete and signed off from the page (two taps).
	tap(t, landscape, card+` button.score[data-value="1"]`)
	saved(landscape)
	signOff := fmt.Sprintf(`#s-%d button.signoff`, p.sub)
	waitJS(t, landscape, fmt.Sprintf(`document.querySelector('%s').dataset.state === 'complete' &&
		document.getElementById('s-%d').dataset.state === 'complete' && !document.querySelector('%s').disabled`, card, p.sub, signOff),
		"the flag to clear")
	shotView(t, landscape, "tablet-ready-to-sign-off", fmt.Sprintf("#s-%d", p.sub))
	click(t, landscape, signOff)
	waitJS(t, landscape, fmt.Sprintf(`document.querySelector('%s').classList.contains('armed')`, signOff), "the sign-off to ask for a second tap")
	click(t, landscape, signOff)
	waitJS(t, landscape, fmt.Sprintf(`document.getElementById('s-%d').dataset.state === 'signed_off' &&
		document.querySelector('%s button.score').disabled`, p.sub, card), "the sign-off")
	shotView(t, landscape, "tablet-signed-off", fmt.Sprintf("#s-%d", p.sub))

	// The server agrees.
	after := clients[second].work(event, skill)
	for _, st := range after.Status {
		if st.EntryID == p.entry && st.SubCriterionID == p.sub && st.State != "signed_off" {
			t.Errorf("the sub-criterion is %s on the server, want signed_off", st.State)
		}
	}
}

// sameScores reports whether the scores shown are want, in any order.
func sameScores(got []string, want ...string) bool {
	got = slices.Clone(got)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}
