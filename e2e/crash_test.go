package e2e

// Proof under faults (DESIGN §5, §7, §10): the real binary is killed with
// SIGKILL while a hundred judges mark and while a certificate batch runs,
// and backed up while judges mark. What was acknowledged must survive the
// kill, a retry with the same idempotency key must never write twice, no
// half-issued batch may ever show, a backup must restore to a database whose
// audit trail verifies and that serves the same results, and `bayskills
// audit verify` must pass after each. None of these tests needs Chromium.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// ---- the binary on a data directory of the test's ---------------------------

// crashAdminPassword is the admin password the nodes are started with.
const crashAdminPassword = "crash-test-admin-password-2026"

// node is one run of the binary on a data directory.
type node struct {
	t       *testing.T
	cmd     *exec.Cmd
	out     *syncBuffer
	URL     string
	exited  chan struct{}
	waitErr error
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startNode runs `bayskills serve` on data at addr (without the demo) and
// waits until /healthz answers. The test's end kills it if still running.
func startNode(t *testing.T, data, addr string) *node {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", addr, "--data", data, "--demo=false")
	cmd.Env = append(os.Environ(), "BAYSKILLS_ADMIN_PASSWORD="+crashAdminPassword, "BAYSKILLS_LOGIN_LIMIT=1000000")
	n := &node{t: t, cmd: cmd, out: &syncBuffer{}, URL: "http://" + addr, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = n.out, n.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		n.waitErr = cmd.Wait()
		close(n.exited)
	}()
	t.Cleanup(n.kill)
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-n.exited:
			t.Fatalf("the server exited at start (%v):\n%s", n.waitErr, n.out)
		default:
		}
		if res, err := http.Get(n.URL + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", n.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL, as a power cut or the OOM killer
// would, and waits for it.
func (n *node) kill() {
	select {
	case <-n.exited:
		return
	default:
	}
	n.cmd.Process.Kill()
	<-n.exited
}

// stop ends the process the way an operator does (SIGINT) and fails the
// test unless it stops cleanly.
func (n *node) stop() {
	n.t.Helper()
	n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.exited:
	case <-time.After(20 * time.Second):
		n.kill()
		n.t.Fatalf("the server did not stop on SIGINT within 20 s:\n%s", n.out)
	}
	if n.waitErr != nil {
		n.t.Fatalf("the server stopped with %v:\n%s", n.waitErr, n.out)
	}
}

// killedBySIGKILL reports whether the process ended from SIGKILL (and not
// on its own before the signal).
func (n *node) killedBySIGKILL() bool {
	var ee *exec.ExitError
	if !errors.As(n.waitErr, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// runBinary runs a command of the binary (backup, audit verify) on data.
func runBinary(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "BAYSKILLS_DATA="+data)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// auditVerify runs `bayskills audit verify` on data and fails the test
// unless it passes.
func auditVerify(t *testing.T, data string) {
	t.Helper()
	out, err := runBinary(t, data, "audit", "verify")
	if err != nil || !strings.Contains(out, " 0 problems") {
		t.Fatalf("bayskills audit verify on %s: %v\n%s", data, err, out)
	}
	t.Logf("audit verify: %s", strings.TrimSpace(out))
}

// openDataDB opens a stopped (or killed) node's database read-only.
func openDataDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "bayskills.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countRows runs a query answering one number.
func countRows(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// ---- the JSON API -------------------------------------------------------------

// restClient calls the JSON API; safe for concurrent judges.
type restClient struct {
	base string
	http *http.Client
}

func newRest(base string) *restClient {
	return &restClient{base: base, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}}}
}

// send sends body (JSON, or CSV when []byte) and returns the status and the
// answer; err is a transport error (no answer).
func (c *restClient) send(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "text/csv"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, raw, nil
}

// must sends and fails the test unless the status is want; it decodes the
// answer into out when set, and returns the raw answer.
func (c *restClient) must(t *testing.T, method, path, token string, body any, want int, out any) []byte {
	t.Helper()
	status, raw, err := c.send(method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return raw
}

// login signs in with a password (admin) and returns the token.
func (c *restClient) login(t *testing.T, username, password string) string {
	t.Helper()
	var out struct{ Token string }
	c.must(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, 200, &out)
	return out.Token
}

// ---- a generated event ------------------------------------------------------

// skillSpec is one skill of a generated event: competitors, judges (panels
// of 3 generated over the sub-criteria), a 100-mark scheme of subs ×
// aspects (J and M alternating, J first), and optionally a chief expert.
type skillSpec struct {
	code                           string
	entries, judges, subs, aspects int
	chief                          bool
}

// crashEvent is an event set up through the API as an organizer would.
type crashEvent struct {
	id     int64
	admin  string // the admin's token
	skills map[string]*crashSkill
}

type crashSkill struct {
	id     int64
	path   string // /api/v1/events/{event}/skills/{skill}
	judges []*crashJudge
	chief  string // the chief expert's token, when the spec asks for one
}

// crashJudge is a judge signed in with their PIN, with their work.
type crashJudge struct {
	username string
	token    string
	work     crashWork
}

// crashWork is what the tests read of GET …/work.
type crashWork struct {
	JudgeID     int64 `json:"judge_id"`
	SubCriteria []struct {
		ID      int64 `json:"id"`
		Aspects []struct {
			ID   int64  `json:"id"`
			Kind string `json:"kind"`
		} `json:"aspects"`
	} `json:"sub_criteria"`
	Entries []struct {
		EntryID int64 `json:"entry_id"`
	} `json:"entries"`
}

var crashRegions = []string{"GD", "HK", "MO"}

func judgePIN(skill, j int) string { return fmt.Sprintf("%06d", 300000+skill*1000+j) }

// setupEvent creates an event of the specs through the API as the admin,
// signs every judge in with their PIN and reads their work.
func setupEvent(t *testing.T, c *restClient, specs []skillSpec) *crashEvent {
	t.Helper()
	ev := &crashEvent{admin: c.login(t, "admin", crashAdminPassword), skills: map[string]*crashSkill{}}
	var created struct{ ID int64 }
	c.must(t, "POST", "/api/v1/events", ev.admin, map[string]any{"name": map[string]string{"en": "Crash test"},
		"starts_on": "2026-12-01", "ends_on": "2026-12-04", "host_region": "GD", "venue": "Test hall"}, 201, &created)
	ev.id = created.ID
	var comps, judges strings.Builder
	comps.WriteString("skill,name_native,name_latin,region,institution\n")
	judges.WriteString("username,display_name,region,institution,skill,role,pin\n")
	for si, sp := range specs {
		c.must(t, "POST", fmt.Sprintf("/api/v1/events/%d/skills", ev.id), ev.admin, map[string]any{"code": sp.code,
			"name": map[string]string{"en": "Skill " + sp.code}}, 201, nil)
		for e := 0; e < sp.entries; e++ {
			fmt.Fprintf(&comps, "%s,选手%d,COMPETITOR %s-%d,%s,School %d\n", sp.code, e, sp.code, e, crashRegions[e%3], e%12)
		}
		for j := 0; j < sp.judges; j++ {
			fmt.Fprintf(&judges, "%s-j%d,Judge %s-%d,%s,Expert Institute %d,%s,judge,%s\n", strings.ToLower(sp.code), j,
				sp.code, j, crashRegions[j%3], j, sp.code, judgePIN(si, j))
		}
		if sp.chief {
			fmt.Fprintf(&judges, "%s-chief,Chief %s,GD,Chief Institute,%s,chief_expert,%s\n", strings.ToLower(sp.code),
				sp.code, sp.code, judgePIN(si, 999))
		}
	}
	c.must(t, "POST", fmt.Sprintf("/api/v1/events/%d/competitors/import", ev.id), ev.admin, []byte(comps.String()), 201, nil)
	c.must(t, "POST", fmt.Sprintf("/api/v1/events/%d/judges/import", ev.id), ev.admin, []byte(judges.String()), 201, nil)
	var skills []struct {
		ID   int64
		Code string
	}
	c.must(t, "GET", fmt.Sprintf("/api/v1/events/%d/skills", ev.id), ev.admin, nil, 200, &skills)
	ids := map[string]int64{}
	for _, sk := range skills {
		ids[sk.Code] = sk.ID
	}
	// Sign-ins cost an argon2id hash each (≈ 20 MB): a few at a time.
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for si, sp := range specs {
		sk := &crashSkill{id: ids[sp.code], path: fmt.Sprintf("/api/v1/events/%d/skills/%d", ev.id, ids[sp.code])}
		ev.skills[sp.code] = sk
		c.must(t, "PUT", sk.path+"/scheme", ev.admin, crashScheme(sp.subs, sp.aspects), 200, nil)
		c.must(t, "POST", sk.path+"/panels/generate", ev.admin, map[string]int{"size": 3}, 200, nil)
		sk.judges = make([]*crashJudge, sp.judges)
		signIn := func(username, pin string, done func(token string)) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			status, raw, err := c.send("POST", "/api/v1/auth/pin", "", map[string]string{"username": username, "pin": pin})
			var out struct{ Token string }
			if err == nil && status == 200 {
				err = json.Unmarshal(raw, &out)
			}
			if err != nil || status != 200 {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("sign in %s: %d %s %v", username, status, raw, err))
				mu.Unlock()
				return
			}
			done(out.Token)
		}
		for j := range sk.judges {
			jd := &crashJudge{username: fmt.Sprintf("%s-j%d", strings.ToLower(sp.code), j)}
			sk.judges[j] = jd
			wg.Add(1)
			go signIn(jd.username, judgePIN(si, j), func(token string) { jd.token = token })
		}
		if sp.chief {
			wg.Add(1)
			go signIn(strings.ToLower(sp.code)+"-chief", judgePIN(si, 999), func(token string) { sk.chief = token })
		}
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d sign-ins failed: %s", len(failures), strings.Join(failures, "; "))
	}
	for _, sk := range ev.skills {
		for _, jd := range sk.judges {
			c.must(t, "GET", sk.path+"/work", jd.token, nil, 200, &jd.work)
		}
	}
	return ev
}

// crashScheme is a marking scheme of subs × aspects totalling 100 marks.
func crashScheme(subs, aspects int) map[string]any {
	n := subs * aspects
	per, rest := 10000/n, 10000-10000/n*n // hundredths
	descr := []string{"not shown", "below industry standard", "meets industry standard", "excellent"}
	var list []map[string]any
	k := 0
	for s := 0; s < subs; s++ {
		var as []map[string]any
		for a := 0; a < aspects; a++ {
			mark := per
			if k == 0 {
				mark += rest
			}
			k++
			asp := map[string]any{"kind": "J", "description": fmt.Sprintf("Judgement %d", k), "max_mark": float64(mark) / 100,
				"descriptors": descr}
			if a%2 == 1 {
				asp = map[string]any{"kind": "M", "description": fmt.Sprintf("Measurement %d", k), "max_mark": float64(mark) / 100}
			}
			as = append(as, asp)
		}
		list = append(list, map[string]any{"name": fmt.Sprintf("Part %d", s+1), "aspects": as})
	}
	return map[string]any{"criteria": []map[string]any{{"name": "Work piece", "sub_criteria": list}}}
}

// ---- marks ----------------------------------------------------------------------

// markInput is a mark as a tablet sends it.
type markInput struct {
	Key      string  `json:"key"`
	EntryID  int64   `json:"entry_id"`
	AspectID int64   `json:"aspect_id"`
	Value    float64 `json:"value"`
	Version  int64   `json:"version"`
}

// markCell names a stored mark: judge record, entry, aspect.
type markCell struct{ judge, entry, aspect int64 }

// storedMark is a mark as the database holds it.
type storedMark struct{ value, version int64 }

// storedValue is the value the database keeps for v: a J score as is, M marks
// in hundredths.
func storedValue(kind string, v float64) int64 {
	if kind == "J" {
		return int64(v)
	}
	return int64(v*100 + 0.5)
}

// firstMarks is every mark of a judge's work, version 0, with a fixed key.
// Every judge of a panel gives the same value, so nothing diverges.
func (j *crashJudge) firstMarks() (marks []markInput, kinds map[int64]string) {
	kinds = map[int64]string{}
	for _, e := range j.work.Entries {
		for _, sub := range j.work.SubCriteria {
			for _, a := range sub.Aspects {
				kinds[a.ID] = a.Kind
				v := float64((e.EntryID + a.ID) % 4)
				if a.Kind == "M" {
					v = float64((e.EntryID+a.ID)%2) * 0.5
				}
				marks = append(marks, markInput{Key: fmt.Sprintf("%s/%d/%d/v0", j.username, e.EntryID, a.ID),
					EntryID: e.EntryID, AspectID: a.ID, Value: v})
			}
		}
	}
	return marks, kinds
}

// changeOf is a change of m (stored at version 1) to another valid value.
func changeOf(m markInput, kind string) markInput {
	v := float64((int64(m.Value) + 1) % 4)
	if kind == "M" {
		v = 0.5 - m.Value
	}
	return markInput{Key: strings.TrimSuffix(m.Key, "/v0") + "/v1", EntryID: m.EntryID, AspectID: m.AspectID,
		Value: v, Version: 1}
}

// inBatches cuts marks into requests of size.
func inBatches(marks []markInput, size int) [][]markInput {
	var out [][]markInput
	for i := 0; i < len(marks); i += size {
		out = append(out, marks[i:min(i+size, len(marks))])
	}
	return out
}

// loadTablet is one judge's tablet: batches sent in order, each retried with
// the same keys until the server acknowledges it (HTTP 200 with a result
// for every mark).
type loadTablet struct {
	judge   *crashJudge
	path    string
	batches [][]markInput
	// phase of each ack: the value of the load's phase counter when the
	// answer was read (0: before the fault).
	ackPhase []int32
	repeated int // marks answered "repeated": a retry of a request that had been committed
	failed   int // requests without an answer
	refused  string
}

// markLoad is judges marking concurrently.
type markLoad struct {
	c        *restClient
	tablets  []*loadTablet
	phase    atomic.Int32  // the test moves it on at a fault
	ackMarks atomic.Int64  // marks acknowledged
	total    int64         // marks to send
	pause    time.Duration // between a tablet's batches (0: as fast as answers come)
	deadline time.Time
	aborted  atomic.Bool // the test has ended: tablets stop retrying
	wg       sync.WaitGroup
}

// newLoad returns an empty load; when the test ends, its tablets stop.
func newLoad(t *testing.T, c *restClient) *markLoad {
	l := &markLoad{c: c, deadline: time.Now().Add(90 * time.Second)}
	t.Cleanup(func() {
		l.aborted.Store(true)
		l.wg.Wait()
	})
	return l
}

// add gives each judge of sk a tablet sending plan(judge) in batches of
// size.
func (l *markLoad) add(sk *crashSkill, batchSize int, plan func(j *crashJudge) []markInput) {
	for _, j := range sk.judges {
		tb := &loadTablet{judge: j, path: sk.path + "/marks", batches: inBatches(plan(j), batchSize)}
		tb.ackPhase = make([]int32, len(tb.batches))
		for _, b := range tb.batches {
			l.total += int64(len(b))
		}
		l.tablets = append(l.tablets, tb)
	}
}

// start sends every tablet's batches, each tablet in its own goroutine.
func (l *markLoad) start() {
	for _, tb := range l.tablets {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.run(tb)
		}()
	}
}

func (l *markLoad) run(tb *loadTablet) {
	for i, b := range tb.batches {
		if i > 0 {
			time.Sleep(l.pause)
		}
		for {
			status, raw, err := l.c.send("POST", tb.path, tb.judge.token, map[string]any{"marks": b})
			if err == nil && status == 200 {
				var out struct {
					Marks []struct {
						Key     string `json:"key"`
						Version int64  `json:"version"`
						Status  string `json:"status"`
					} `json:"marks"`
				}
				if err := json.Unmarshal(raw, &out); err != nil || len(out.Marks) != len(b) {
					tb.refused = fmt.Sprintf("batch %d: an acknowledgement without a result per mark: %s", i, raw)
					return
				}
				for k, m := range out.Marks {
					if m.Key != b[k].Key || m.Version != b[k].Version+1 {
						tb.refused = fmt.Sprintf("batch %d: mark %s answered %+v, want version %d", i, b[k].Key, m, b[k].Version+1)
						return
					}
					if m.Status == "repeated" {
						tb.repeated++
					}
				}
				tb.ackPhase[i] = l.phase.Load()
				l.ackMarks.Add(int64(len(b)))
				break
			}
			if err == nil {
				// Any answer but 200 is a refusal: a retry with the
				// same keys must be accepted (409 here would be a mark
				// written twice, or lost).
				tb.refused = fmt.Sprintf("batch %d (%s …): %d %s", i, b[0].Key, status, raw)
				return
			}
			tb.failed++
			if l.aborted.Load() {
				tb.refused = "the test ended"
				return
			}
			if time.Now().After(l.deadline) {
				tb.refused = fmt.Sprintf("batch %d: no answer before the deadline: %v", i, err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// waitFor waits until at least n marks are acknowledged.
func (l *markLoad) waitFor(t *testing.T, n int64) {
	t.Helper()
	for l.ackMarks.Load() < n {
		if time.Now().After(l.deadline) {
			t.Fatalf("only %d of %d marks acknowledged before the deadline", l.ackMarks.Load(), l.total)
		}
		time.Sleep(time.Millisecond)
	}
}

// wait waits for every tablet and fails the test on any refusal or
// unacknowledged batch.
func (l *markLoad) wait(t *testing.T) {
	t.Helper()
	l.wg.Wait()
	var refused []string
	for _, tb := range l.tablets {
		if tb.refused != "" {
			refused = append(refused, tb.judge.username+": "+tb.refused)
		}
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		t.Fatalf("%d tablets had a batch refused or never acknowledged:\n%s", len(refused), strings.Join(refused, "\n"))
	}
	if got := l.ackMarks.Load(); got != l.total {
		t.Fatalf("%d of %d marks acknowledged", got, l.total)
	}
}

// stats sums the tablets' counters.
func (l *markLoad) stats() (repeated, failed int) {
	for _, tb := range l.tablets {
		repeated += tb.repeated
		failed += tb.failed
	}
	return repeated, failed
}

// lostAck is a batch whose answer the tablet never reads: the request is
// written on a connection left unread, as when a tablet's Wi-Fi drops
// right after sending.
type lostAck struct {
	judge *crashJudge
	path  string // the skill's
	marks []markInput
	conn  net.Conn
}

// send writes the request and leaves the answer unread.
func (g *lostAck) send(t *testing.T, addr string) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"marks": g.marks})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", "http://"+addr+g.path+"/marks", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.judge.token)
	if g.conn, err = net.Dial("tcp", addr); err != nil {
		t.Fatal(err)
	}
	if err := req.Write(g.conn); err != nil {
		t.Fatal(err)
	}
}

// waitCommitted waits until the judge's work shows every mark of the
// batch stored.
func (g *lostAck) waitCommitted(t *testing.T, c *restClient) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var w struct {
			Marks []struct {
				JudgeID  int64 `json:"judge_id"`
				EntryID  int64 `json:"entry_id"`
				AspectID int64 `json:"aspect_id"`
			} `json:"marks"`
		}
		c.must(t, "GET", g.path+"/work", g.judge.token, nil, 200, &w)
		mine := map[[2]int64]bool{}
		for _, m := range w.Marks {
			if m.JudgeID == g.judge.work.JudgeID {
				mine[[2]int64{m.EntryID, m.AspectID}] = true
			}
		}
		missing := 0
		for _, m := range g.marks {
			if !mine[[2]int64{m.EntryID, m.AspectID}] {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's unread batch: %d of %d marks not stored after 30 s", g.judge.username, missing, len(g.marks))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// retry sends the batch again with the same keys, as the tablet does when
// it is back: the server must answer every mark "repeated" (it was
// committed before the kill) and write nothing.
func (g *lostAck) retry(t *testing.T, c *restClient) {
	t.Helper()
	var out struct {
		Marks []struct {
			Key     string `json:"key"`
			Version int64  `json:"version"`
			Status  string `json:"status"`
		} `json:"marks"`
	}
	c.must(t, "POST", g.path+"/marks", g.judge.token, map[string]any{"marks": g.marks}, 200, &out)
	if len(out.Marks) != len(g.marks) {
		t.Fatalf("%s's retried batch: %d results for %d marks", g.judge.username, len(out.Marks), len(g.marks))
	}
	for i, m := range out.Marks {
		if m.Key != g.marks[i].Key || m.Status != "repeated" || m.Version != 1 {
			t.Fatalf("%s's retried batch: mark %s answered %+v, want repeated at version 1 (it was committed before the kill)",
				g.judge.username, g.marks[i].Key, m)
		}
	}
}

// storedMarks reads every mark of a stopped node's database.
func storedMarks(t *testing.T, db *sql.DB) map[markCell]storedMark {
	t.Helper()
	rows, err := db.Query(`SELECT judge_id, entry_id, aspect_id, value, version FROM marks`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[markCell]storedMark{}
	for rows.Next() {
		var c markCell
		var m storedMark
		if err := rows.Scan(&c.judge, &c.entry, &c.aspect, &m.value, &m.version); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[c]; dup {
			t.Errorf("mark %+v is stored twice", c)
		}
		out[c] = m
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// storedKeys reads every idempotency key the database recorded, with the
// mark version it produced.
func storedKeys(t *testing.T, db *sql.DB) map[string]int64 {
	t.Helper()
	rows, err := db.Query(`SELECT judge_id, idem_key, version FROM mark_requests`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var judge, version int64
		var key string
		if err := rows.Scan(&judge, &key, &version); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%d:%s", judge, key)] = version
	}
	return out
}

// ---- the tests ----------------------------------------------------------------

// TestCrashDuringMarking: 100 judges (5 skills × 20) submit marks in
// batches of 10 — first marks, then a change of some of them — each with a
// fixed idempotency key. Five batches are sent first on connections whose
// answers are never read (a tablet's Wi-Fi dropping after sending): they
// commit, unacknowledged. Once 30 % of the load is acknowledged the server
// is killed with SIGKILL, restarted on the same data directory, and every
// tablet retries what was not acknowledged with the same keys; the five
// lost answers must come back "repeated". Afterwards every acknowledged
// mark is stored once with its value, nothing was written twice (a change
// applied twice would be version 3, or a 409 on retry), every key is
// recorded once, the audit trail has one entry per write, and `bayskills
// audit verify` passes.
func TestCrashDuringMarking(t *testing.T) {
	begin := time.Now()
	data, addr := t.TempDir(), freeAddr(t)
	n := startNode(t, data, addr)
	c := newRest(n.URL)
	var specs []skillSpec
	for s := 0; s < 5; s++ {
		specs = append(specs, skillSpec{code: fmt.Sprintf("K%d", s), entries: 12, judges: 20, subs: 10, aspects: 6})
	}
	ev := setupEvent(t, c, specs)
	t.Logf("set up 5 skills × 20 judges in %.1f s", time.Since(begin).Seconds())

	want := map[markCell]storedMark{}
	wantKeys := map[string]int64{}
	expect := func(j *crashJudge, m markInput, kind string) {
		want[markCell{j.work.JudgeID, m.EntryID, m.AspectID}] = storedMark{storedValue(kind, m.Value), m.Version + 1}
		wantKeys[fmt.Sprintf("%d:%s", j.work.JudgeID, m.Key)] = m.Version + 1
	}
	updates := 0
	var lost []*lostAck
	all := newLoad(t, c)
	for _, sp := range specs {
		sk := ev.skills[sp.code]
		all.add(sk, 10, func(j *crashJudge) []markInput {
			first, kinds := j.firstMarks()
			if strings.HasSuffix(j.username, "-j0") { // its last batch's answer is lost
				g := &lostAck{judge: j, path: sk.path, marks: first[len(first)-10:]}
				for _, m := range g.marks {
					expect(j, m, kinds[m.AspectID])
				}
				lost, first = append(lost, g), first[:len(first)-10]
			}
			plan := append([]markInput(nil), first...)
			for i, m := range first {
				expect(j, m, kinds[m.AspectID])
				if i%8 == 0 { // and one in eight is changed afterwards
					ch := changeOf(m, kinds[m.AspectID])
					plan = append(plan, ch)
					expect(j, ch, kinds[m.AspectID])
					updates++
				}
			}
			return plan
		})
	}
	judges := 0
	for _, tb := range all.tablets {
		if len(tb.batches) > 0 {
			judges++
		}
	}
	if judges != 100 || len(lost) != 5 {
		t.Fatalf("%d of 100 judges have marks to send, %d of 5 lose an answer; the panels leave some out", judges, len(lost))
	}
	for _, g := range lost {
		g.send(t, addr)
	}
	for _, g := range lost {
		g.waitCommitted(t, c)
	}
	loadStart := time.Now()
	all.start()
	all.waitFor(t, all.total*3/10)
	all.phase.Store(1) // acks read from now on may come from either process
	atKill := all.ackMarks.Load()
	n.kill()
	killedAt := time.Now()
	for _, g := range lost {
		g.conn.Close()
	}
	if !n.killedBySIGKILL() {
		t.Fatalf("the server was not killed by SIGKILL: %v", n.waitErr)
	}
	if atKill >= all.total {
		t.Fatalf("the kill landed after the load (%d of %d marks acknowledged): nothing was tested; make the load bigger",
			atKill, all.total)
	}
	t.Logf("SIGKILL after %.2f s of load, %d of %d marks acknowledged", killedAt.Sub(loadStart).Seconds(), atKill, all.total)

	n = startNode(t, data, addr)
	t.Logf("restarted in %.2f s", time.Since(killedAt).Seconds())
	for _, g := range lost {
		g.retry(t, c)
	}
	all.wait(t)
	repeated, failed := all.stats()
	t.Logf("all %d marks (%d changes) acknowledged %.2f s after the kill; %d requests went unanswered and were retried, "+
		"%d marks answered \"repeated\" (committed before the kill, acknowledged only on retry), besides the %d lost answers",
		all.total, updates, time.Since(killedAt).Seconds(), failed, repeated, 10*len(lost))
	if failed == 0 {
		t.Fatalf("no request went unanswered: the kill cannot have landed during the load")
	}
	n.stop()
	auditVerify(t, data)

	db := openDataDB(t, data)
	got := storedMarks(t, db)
	gone := 0
	for _, tb := range all.tablets {
		for i, b := range tb.batches {
			if tb.ackPhase[i] != 0 {
				continue
			}
			for _, m := range b {
				if _, ok := got[markCell{tb.judge.work.JudgeID, m.EntryID, m.AspectID}]; !ok {
					gone++
					if gone <= 10 {
						t.Errorf("mark %s was acknowledged before the kill and is not stored", m.Key)
					}
				}
			}
		}
	}
	if gone > 0 {
		t.Fatalf("%d marks acknowledged before the kill were lost", gone)
	}
	bad := 0
	for cell, w := range want {
		if g, ok := got[cell]; !ok || g != w {
			if bad++; bad <= 10 {
				t.Errorf("mark %+v: stored %+v (present %v), want value %d version %d", cell, g, ok, w.value, w.version)
			}
		}
	}
	if len(got) != len(want) || bad > 0 {
		t.Fatalf("%d marks stored, want %d (the distinct marks sent); %d differ", len(got), len(want), bad)
	}
	keys := storedKeys(t, db)
	for k, v := range wantKeys {
		if keys[k] != v {
			t.Errorf("idempotency key %s: recorded version %d, want %d", k, keys[k], v)
		}
	}
	if len(keys) != len(wantKeys) {
		t.Fatalf("%d idempotency keys recorded, want %d", len(keys), len(wantKeys))
	}
	creates := countRows(t, db, `SELECT count(*) FROM audit WHERE action = 'mark.create'`)
	changes := countRows(t, db, `SELECT count(*) FROM audit WHERE action = 'mark.update'`)
	if creates != len(want) || changes != updates {
		t.Fatalf("audit trail: %d mark.create and %d mark.update entries, want %d and %d", creates, changes, len(want), updates)
	}
	t.Logf("whole test %.1f s", time.Since(begin).Seconds())
}

// issuers for the certificate tests, one per region, as an admin creates
// them through the API.
var crashIssuers = []map[string]any{
	{"code": "CRASH-GD", "region": "GD", "name": map[string]string{"zh-Hans": "广东测试评价中心", "en": "Guangdong Crash Test Centre"},
		"framework": "CN-VSL", "languages": []string{"zh-Hans", "en"}, "numbering": "mainland", "evaluator": "Y",
		"org_code": "0001", "province": "44", "site": "000123"},
	{"code": "CRASH-HK", "region": "HK", "name": map[string]string{"zh-Hant": "香港測試評審中心", "en": "Hong Kong Crash Test Centre"},
		"framework": "HKQF", "languages": []string{"zh-Hant", "en"}, "numbering": "template",
		"number_template": "HKT-{year}-{serial:6}"},
	{"code": "CRASH-MO", "region": "MO", "name": map[string]string{"zh-Hant": "澳門測試認證中心", "pt": "Centro de Teste de Macau",
		"en": "Macao Crash Test Centre"}, "framework": "MO-DSAL", "languages": []string{"zh-Hant", "pt", "en"},
		"numbering": "template", "number_template": "MOT-{year}-{level}-{serial:4}"},
}

// issuanceBatch is what GET …/issuances/{batch} answers.
type issuanceBatch struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
	Total int    `json:"total"`
	Done  int    `json:"done"`
	Error string `json:"error"`
}

// TestCrashDuringIssuance: a skill of 100 competitors with final results
// and a plan of three issuers (300 certificates, staged 32 a transaction)
// is issued; once the batch has staged its first certificates and before
// it ends, the server is killed with SIGKILL. The database then holds the running batch with
// pending certificates; after the restart the batch is failed as
// interrupted, none of its certificates is listed or stored, and issuing
// again yields the complete set.
func TestCrashDuringIssuance(t *testing.T) {
	begin := time.Now()
	data, addr := t.TempDir(), freeAddr(t)
	n := startNode(t, data, addr)
	c := newRest(n.URL)
	const entries = 100
	ev := setupEvent(t, c, []skillSpec{{code: "CERT", entries: entries, judges: 3, subs: 1, aspects: 1, chief: true}})
	sk := ev.skills["CERT"]
	var issuerIDs []int64
	for _, in := range crashIssuers {
		var iss struct{ ID int64 }
		c.must(t, "POST", "/api/v1/issuers", ev.admin, in, 201, &iss)
		issuerIDs = append(issuerIDs, iss.ID)
	}

	// Mark, sign off and finalize through the API.
	var subID int64
	for _, j := range sk.judges {
		first, _ := j.firstMarks()
		if len(first) != entries {
			t.Fatalf("judge %s has %d marks to give, want %d", j.username, len(first), entries)
		}
		for _, b := range inBatches(first, 100) {
			c.must(t, "POST", sk.path+"/marks", j.token, map[string]any{"marks": b}, 200, nil)
		}
		subID = j.work.SubCriteria[0].ID
	}
	for _, e := range sk.judges[0].work.Entries {
		c.must(t, "POST", sk.path+"/signoffs", sk.judges[0].token, map[string]int64{"entry_id": e.EntryID,
			"sub_criterion_id": subID}, 201, nil)
	}
	c.must(t, "POST", sk.path+"/results/close-appeals", ev.admin, map[string]string{"reason": "crash test: no appeals"}, 200, nil)
	c.must(t, "POST", sk.path+"/results/confirm", sk.chief, nil, 200, nil)
	var res struct {
		Lifecycle struct{ State string } `json:"lifecycle"`
	}
	c.must(t, "POST", sk.path+"/results/confirm", ev.admin, nil, 200, &res)
	if res.Lifecycle.State != "final" {
		t.Fatalf("results are %q after both confirmations, want final", res.Lifecycle.State)
	}
	zero := 0.0
	plan := []map[string]any{
		{"issuer_id": issuerIDs[0], "achievement": "score", "min_score": zero, "level": "5", "provenance": "indicative"},
		{"issuer_id": issuerIDs[1], "achievement": "score", "min_score": zero, "level": "2", "provenance": "indicative"},
		{"issuer_id": issuerIDs[2], "achievement": "score", "min_score": zero, "level": "basic", "provenance": "indicative"},
	}
	c.must(t, "PUT", sk.path+"/plan", ev.admin, map[string]any{"entries": plan}, 200, nil)
	t.Logf("set up and finalized %d competitors in %.1f s", entries, time.Since(begin).Seconds())

	// Issue, and kill the server once the batch is under way.
	var b issuanceBatch
	c.must(t, "POST", sk.path+"/issuances", ev.admin, nil, 202, &b)
	const total = 3 * entries
	if b.Total != total {
		t.Fatalf("the batch has %d certificates, want %d", b.Total, total)
	}
	batchPath := fmt.Sprintf("%s/issuances/%d", sk.path, b.ID)
	issueStart := time.Now()
	for b.Done == 0 {
		c.must(t, "GET", batchPath, ev.admin, nil, 200, &b)
		if b.State != "running" {
			t.Fatalf("the batch ended (%s %q, %d of %d) before the test could kill the server; if issued, make it bigger",
				b.State, b.Error, b.Done, b.Total)
		}
		if time.Since(issueStart) > 30*time.Second {
			t.Fatalf("the batch staged nothing in 30 s: %+v", b)
		}
		time.Sleep(2 * time.Millisecond)
	}
	n.kill()
	t.Logf("SIGKILL %.2f s into the issuance, %d of %d certificates staged", time.Since(issueStart).Seconds(), b.Done, b.Total)

	// The database as the kill left it: the batch running, half staged.
	db := openDataDB(t, data)
	var state string
	var done int
	if err := db.QueryRow(`SELECT state, done FROM issuance_batches WHERE id = ?`, b.ID).Scan(&state, &done); err != nil {
		t.Fatal(err)
	}
	pending := countRows(t, db, `SELECT count(*) FROM certificates WHERE batch_id = ? AND status = 'pending'`, b.ID)
	visible := countRows(t, db, `SELECT count(*) FROM certificates WHERE batch_id = ? AND status <> 'pending'`, b.ID)
	db.Close()
	if state != "running" || pending == 0 || pending >= total || pending != done || visible != 0 {
		t.Fatalf("after the kill the batch is %s with %d done, %d pending and %d visible certificates; want running with "+
			"some but not all staged and none visible — the kill did not land mid-batch", state, done, pending, visible)
	}

	n = startNode(t, data, addr)
	c.must(t, "GET", batchPath, ev.admin, nil, 200, &b)
	if b.State != "failed" || !strings.Contains(b.Error, "interrupted") {
		t.Fatalf("after the restart the batch is %+v, want failed as interrupted", b)
	}
	var certsList []struct {
		ID           string `json:"id"`
		IssuerID     int64  `json:"issuer_id"`
		CompetitorID int64  `json:"competitor_id"`
		Number       string `json:"number"`
		Status       string `json:"status"`
	}
	c.must(t, "GET", sk.path+"/certificates", ev.admin, nil, 200, &certsList)
	if len(certsList) != 0 {
		t.Fatalf("after the restart %d certificates of the interrupted batch are listed, want none", len(certsList))
	}

	// Issuing again works and yields the complete set.
	var b2 issuanceBatch
	c.must(t, "POST", sk.path+"/issuances", ev.admin, nil, 202, &b2)
	reissue := time.Now()
	for b2.State == "running" {
		if time.Since(reissue) > 2*time.Minute {
			t.Fatalf("the second batch is still running after 2 minutes: %+v", b2)
		}
		time.Sleep(50 * time.Millisecond)
		c.must(t, "GET", fmt.Sprintf("%s/issuances/%d", sk.path, b2.ID), ev.admin, nil, 200, &b2)
	}
	if b2.State != "issued" || b2.Done != total || b2.Total != total {
		t.Fatalf("the second batch ended %+v, want issued with %d of %d", b2, total, total)
	}
	t.Logf("issued again: %d certificates in %.1f s", total, time.Since(reissue).Seconds())
	c.must(t, "GET", sk.path+"/certificates", ev.admin, nil, 200, &certsList)
	ids, numbers, perHolder := map[string]bool{}, map[string]bool{}, map[int64]map[int64]bool{}
	for _, ct := range certsList {
		if ct.Status != "valid" {
			t.Errorf("certificate %s is %s, want valid", ct.Number, ct.Status)
		}
		ids[ct.ID], numbers[ct.Number] = true, true
		if perHolder[ct.CompetitorID] == nil {
			perHolder[ct.CompetitorID] = map[int64]bool{}
		}
		perHolder[ct.CompetitorID][ct.IssuerID] = true
	}
	if len(certsList) != total || len(ids) != total || len(numbers) != total || len(perHolder) != entries {
		t.Fatalf("%d certificates listed (%d ids, %d numbers, %d holders), want %d for %d holders", len(certsList), len(ids),
			len(numbers), len(perHolder), total, entries)
	}
	for holder, iss := range perHolder {
		if len(iss) != 3 {
			t.Fatalf("competitor %d holds certificates of %d issuers, want 3", holder, len(iss))
		}
	}
	n.stop()
	auditVerify(t, data)
	db = openDataDB(t, data)
	if left := countRows(t, db, `SELECT count(*) FROM certificates WHERE batch_id = ?`, b.ID); left != 0 {
		t.Fatalf("%d certificates of the interrupted batch remain in the database", left)
	}
	if pdfs := countRows(t, db, `SELECT count(*) FROM certificate_pdfs`); pdfs != total {
		t.Fatalf("%d certificate PDFs stored, want %d", pdfs, total)
	}
	t.Logf("whole test %.1f s", time.Since(begin).Seconds())
}

// TestBackupDuringMarking: a skill with provisional results (STAB) sits
// beside a skill that 20 judges mark at full speed (LOAD); `bayskills
// backup FILE` runs during that load. Restored as the README says (the
// file copied to a fresh data directory as bayskills.db, with the master
// key), the database passes `bayskills audit verify`, its server serves
// STAB's results byte for byte as the original did, and of LOAD it holds
// every mark acknowledged before the backup began, only marks that were
// sent, each once with its value, each with its idempotency key — a
// consistent cut of a database in motion.
func TestBackupDuringMarking(t *testing.T) {
	begin := time.Now()
	data, addr := t.TempDir(), freeAddr(t)
	n := startNode(t, data, addr)
	c := newRest(n.URL)
	ev := setupEvent(t, c, []skillSpec{
		{code: "STAB", entries: 6, judges: 3, subs: 2, aspects: 2},
		{code: "LOAD", entries: 30, judges: 20, subs: 10, aspects: 6},
	})

	// STAB: marked, signed off: provisional results.
	stab := ev.skills["STAB"]
	for _, j := range stab.judges {
		first, _ := j.firstMarks()
		c.must(t, "POST", stab.path+"/marks", j.token, map[string]any{"marks": first}, 200, nil)
	}
	for _, e := range stab.judges[0].work.Entries {
		for _, sub := range stab.judges[0].work.SubCriteria {
			c.must(t, "POST", stab.path+"/signoffs", stab.judges[0].token, map[string]int64{"entry_id": e.EntryID,
				"sub_criterion_id": sub.ID}, 201, nil)
		}
	}
	results := c.must(t, "GET", stab.path+"/results", ev.admin, nil, 200, nil)
	if !bytes.Contains(results, []byte(`"state":"provisional"`)) {
		t.Fatalf("STAB's results are not provisional: %s", results)
	}

	// LOAD: every judge marks; the backup starts once 10 % are in.
	ld := ev.skills["LOAD"]
	sent := map[markCell]storedMark{}
	l := newLoad(t, c)
	// Tablets pause between batches, so that the load lasts well beyond
	// the backup on a busy machine: ≥ 27 batches × 40 ms.
	l.pause = 40 * time.Millisecond
	l.add(ld, 10, func(j *crashJudge) []markInput {
		first, kinds := j.firstMarks()
		for _, m := range first {
			sent[markCell{j.work.JudgeID, m.EntryID, m.AspectID}] = storedMark{storedValue(kinds[m.AspectID], m.Value), 1}
		}
		return first
	})
	file := filepath.Join(t.TempDir(), "backup.db")
	loadStart := time.Now()
	l.start()
	l.waitFor(t, l.total/10)
	l.phase.Store(1) // acks read from now on are not known to precede the backup
	before := l.ackMarks.Load()
	backupStart := time.Now()
	out, err := runBinary(t, data, "backup", file)
	if err != nil {
		t.Fatalf("bayskills backup during the load: %v\n%s", err, out)
	}
	backupTook := time.Since(backupStart)
	afterBackup := l.ackMarks.Load()
	l.wait(t)
	t.Logf("backup at %.2f s into the load took %.2f s; %d of %d marks acknowledged when it began, %d when it ended, "+
		"load done after %.2f s", backupStart.Sub(loadStart).Seconds(), backupTook.Seconds(), before, l.total, afterBackup,
		time.Since(loadStart).Seconds())
	if again := c.must(t, "GET", stab.path+"/results", ev.admin, nil, 200, nil); !bytes.Equal(again, results) {
		t.Fatalf("STAB's results changed while LOAD was marked:\n%s\n%s", results, again)
	}
	n.stop()
	auditVerify(t, data)

	// Restore: a fresh data directory with the backup as bayskills.db and
	// the master key the issuers' keys were sealed with.
	restored := t.TempDir()
	copyFile(t, file, filepath.Join(restored, "bayskills.db"))
	if _, err := os.Stat(filepath.Join(data, "master.key")); err == nil {
		copyFile(t, filepath.Join(data, "master.key"), filepath.Join(restored, "master.key"))
	}
	auditVerify(t, restored)

	stabJudges := map[int64]bool{}
	for _, j := range stab.judges {
		stabJudges[j.work.JudgeID] = true
	}
	db := openDataDB(t, restored)
	got := storedMarks(t, db)
	gotLoad := 0
	for cell, g := range got {
		w, isLoad := sent[cell]
		switch {
		case stabJudges[cell.judge]:
		case !isLoad:
			t.Errorf("the backup holds mark %+v, which nobody sent", cell)
		case g != w:
			t.Errorf("the backup holds mark %+v as %+v, want %+v", cell, g, w)
		default:
			gotLoad++
		}
	}
	missing := 0
	for _, tb := range l.tablets {
		for i, b := range tb.batches {
			if tb.ackPhase[i] != 0 {
				continue
			}
			for _, m := range b {
				if _, ok := got[markCell{tb.judge.work.JudgeID, m.EntryID, m.AspectID}]; !ok {
					if missing++; missing <= 10 {
						t.Errorf("mark %s was acknowledged before the backup began and is not in it", m.Key)
					}
				}
			}
		}
	}
	if missing > 0 || t.Failed() {
		t.FailNow()
	}
	if int64(gotLoad) < before || int64(gotLoad) >= l.total {
		t.Fatalf("the backup holds %d of LOAD's %d marks (%d acknowledged before it began): it was not taken during the load",
			gotLoad, l.total, before)
	}
	if keys := countRows(t, db, `SELECT count(*) FROM mark_requests`); keys != len(got) {
		t.Fatalf("the backup holds %d marks but %d idempotency keys: a torn copy", len(got), keys)
	}
	db.Close()
	t.Logf("the backup holds %d of LOAD's %d marks (%d acknowledged before it began)", gotLoad, l.total, before)

	r := startNode(t, restored, freeAddr(t))
	rc := newRest(r.URL)
	admin := rc.login(t, "admin", crashAdminPassword) // the token key is not in the backup: sign in again
	if again := rc.must(t, "GET", stab.path+"/results", admin, nil, 200, nil); !bytes.Equal(again, results) {
		t.Fatalf("the restored server serves STAB's results as\n%s\nwant\n%s", again, results)
	}
	var p struct {
		Totals struct {
			MarksStored int `json:"marks_stored"`
		} `json:"totals"`
	}
	rc.must(t, "GET", ld.path+"/progress", admin, nil, 200, &p)
	if p.Totals.MarksStored != gotLoad {
		t.Fatalf("the restored server counts %d marks of LOAD, its database holds %d", p.Totals.MarksStored, gotLoad)
	}
	r.stop()
	t.Logf("whole test %.1f s", time.Since(begin).Seconds())
}

// copyFile copies src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
