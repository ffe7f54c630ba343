// Command verifybench measures the public verification endpoint,
// GET /api/v1/public/certificates/{id}, with a registry of a million
// certificates, against a bare Gin handler measured in the same run.
//
// It starts the real binary once with --demo to load the demo event and its
// 24 certificates, stops it, fills the database directly with copies of the
// demo certificates (fresh random ids, numbers and status slots, grouped in
// assessments of one to three certificates like real ones) until the
// registry holds --certs, restarts the binary on it with the public rate
// limit off, checks a sample of answers, and then drives both servers with
// wrk, alternating, and prints the medians.
//
//	make build && go run ./tools/verifybench --bin bin/bayskills
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	_ "modernc.org/sqlite"

	"bayskills/tools/internal/benchjson"
	"bayskills/tools/internal/host"
	"bayskills/tools/internal/serverproc"
)

// The endpoint under test, and the bare handler's route with the same shape.
const verifyRoute = "/api/v1/public/certificates/"

// statusListSize is store.StatusListSize: the slots of an issuer's status
// list, so the most certificates one issuer can have.
const statusListSize = 131072

type config struct {
	bin        string
	certs      int
	issuers    int
	sample     int
	batch      int
	threads    int
	conns      int
	duration   time.Duration
	warmup     time.Duration
	runs       int
	cpuProfile string
	keep       bool
	reuse      string
	json       bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/bayskills", "the bayskills binary (built with `make build` when missing)")
	flag.IntVar(&cfg.certs, "certs", 1_000_000, "certificates in the registry")
	flag.IntVar(&cfg.issuers, "issuers", 8, "extra issuers (copies of GD-DEMO): an issuer has 131,072 status slots")
	flag.IntVar(&cfg.sample, "sample", 100_000, "inserted ids wrk picks from")
	flag.IntVar(&cfg.batch, "batch", 50_000, "rows a bulk-insert transaction")
	flag.IntVar(&cfg.threads, "threads", 2, "wrk threads")
	flag.IntVar(&cfg.conns, "conns", 64, "wrk connections")
	flag.DurationVar(&cfg.duration, "duration", 20*time.Second, "each measured wrk run")
	flag.DurationVar(&cfg.warmup, "warmup", 10*time.Second, "the warm-up run of each target")
	flag.IntVar(&cfg.runs, "runs", 3, "measured runs of each target, alternating")
	flag.StringVar(&cfg.cpuProfile, "cpu-profile", "", "have the server write a CPU profile of the load runs here (BAYSKILLS_CPU_PROFILE)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temp directory (database, sample, logs, wrk script)")
	flag.StringVar(&cfg.reuse, "reuse", "", "skip the load: use the directory an earlier --keep run left (to compare binaries on one registry)")
	flag.BoolVar(&cfg.json, "json", false, "also print the results as one JSON line, last (read by tools/benchreport)")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "verifybench:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed")
	}
	if _, err := os.Stat(cfg.bin); errors.Is(err, os.ErrNotExist) {
		fmt.Printf("building %s …\n", cfg.bin)
		if out, err := exec.Command("make", "build").CombinedOutput(); err != nil {
			return fmt.Errorf("make build: %v\n%s", err, out)
		}
	}
	dir := cfg.reuse
	if dir == "" {
		d, err := os.MkdirTemp("", "verifybench-")
		if err != nil {
			return err
		}
		dir = d
		if cfg.keep {
			fmt.Println("temp directory", dir)
		} else {
			defer os.RemoveAll(dir)
		}
	}
	data := filepath.Join(dir, "data")
	machine := describeMachine(cfg.bin)
	fmt.Print(machine)

	// 1. The demo, then the bulk load (or what an earlier run left).
	var reg registry
	if cfg.reuse != "" {
		if err := reg.load(dir); err != nil {
			return fmt.Errorf("--reuse: %w", err)
		}
		fmt.Printf("reusing %s: %d certificates\n", dir, reg.Total)
	} else {
		t0 := time.Now()
		srv, err := start(cfg.bin, data, filepath.Join(dir, "demo.log"), "", "--demo")
		if err != nil {
			return err
		}
		if err := srv.Stop(); err != nil {
			return fmt.Errorf("stop the demo server: %w", err)
		}
		fmt.Printf("demo loaded in %.1f s\n", time.Since(t0).Seconds())
		if reg, err = populate(filepath.Join(data, "bayskills.db"), cfg); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		if err := reg.save(dir); err != nil {
			return err
		}
	}

	// 2. The server on that database, and the bare handler.
	srv, err := start(cfg.bin, data, filepath.Join(dir, "server.log"), cfg.cpuProfile)
	if err != nil {
		return err
	}
	defer srv.Kill()
	c := serverproc.NewClient(srv.URL, 30*time.Second)
	body, err := c.Send("GET", verifyRoute+reg.sample[0].id, "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	bare, err := startBare(body)
	if err != nil {
		return err
	}

	// 3. Correctness before the load, and under the warm-up load.
	if err := checkAnswers(c, reg.sample, 100, 20); err != nil {
		return fmt.Errorf("before the load: %w", err)
	}
	fmt.Println("checked: 100 sampled ids answer 200 with their id, verdict and siblings; 20 unknown ids answer 404")
	script, err := writeScript(dir, reg.sample)
	if err != nil {
		return err
	}
	targets := []target{{name: "verification endpoint", url: srv.URL, pid: srv.PID()},
		{name: "bare Gin handler", url: bare, pid: os.Getpid()}}
	checkedUnderLoad := 0
	for i := range targets {
		checked := make(chan error, 1)
		stop := make(chan struct{})
		if i == 0 {
			go func() {
				var err error
				checkedUnderLoad, err = checkUnderLoad(c, reg.sample, stop)
				checked <- err
			}()
		}
		res, err := runWrk(cfg, script, targets[i], cfg.warmup)
		if err != nil {
			return fmt.Errorf("warm-up of the %s: %w", targets[i].name, err)
		}
		fmt.Printf("warm-up  %-22s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %5.0f µs CPU/req\n", targets[i].name, res.rps, res.p50,
			res.p99, res.cpuPerReq)
		if i == 0 {
			close(stop)
			if err := <-checked; err != nil {
				return fmt.Errorf("under load: %w", err)
			}
		}
	}
	fmt.Printf("checked under the warm-up load: %d sampled answers, each 200 with its id, verdict and siblings\n", checkedUnderLoad)

	// 4. The measured runs, alternating.
	for r := 0; r < cfg.runs; r++ {
		for i := range targets {
			res, err := runWrk(cfg, script, targets[i], cfg.duration)
			if err != nil {
				return fmt.Errorf("run %d of the %s: %w", r+1, targets[i].name, err)
			}
			targets[i].results = append(targets[i].results, res)
			fmt.Printf("run %d    %-22s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU/req %4.0f µs (wrk %2.0f µs)  (%d requests, %d timeouts; load %s)\n",
				r+1, targets[i].name, res.rps, res.p50, res.p99, res.cpuPerReq, res.wrkPerReq, res.requests, res.timeouts, res.load)
		}
	}
	if err := checkAnswers(c, reg.sample, 100, 20); err != nil {
		return fmt.Errorf("after the load: %w", err)
	}
	if err := srv.Stop(); err != nil {
		return fmt.Errorf("stop the server: %w", err)
	}
	report(cfg, machine, reg, script, len(body), targets)
	return nil
}

// --- the machine ----------------------------------------------------------

// describeMachine names what the figures were measured on, wrk included.
func describeMachine(bin string) string {
	out, _ := exec.Command("wrk", "--version").CombinedOutput()
	wrk, _, _ := strings.Cut(string(out), " Copyright")
	return host.Describe(bin, strings.TrimSpace(wrk))
}

// --- the server -------------------------------------------------------------

// start runs the binary on a free loopback port with the public rate limit
// off, writing a CPU profile when cpuProfile is set, and waits until it
// answers.
func start(bin, data, logPath, cpuProfile string, extra ...string) (*serverproc.Server, error) {
	env := []string{"BAYSKILLS_ADMIN_PASSWORD=verify-bench-admin-password"}
	if cpuProfile != "" {
		env = append(env, "BAYSKILLS_CPU_PROFILE="+cpuProfile)
	}
	return serverproc.Start(bin, serverproc.Options{Data: data, Log: logPath, Args: append([]string{"--public-limit", "-1"}, extra...),
		Env: env})
}

// startBare serves body, a constant, from a bare Gin engine on a free
// loopback port, in this process: gin.New() in release mode, no middleware,
// the same route shape as the endpoint.
func startBare(body []byte) (string, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET(verifyRoute+":id", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(ln, e)
	return "http://" + ln.Addr().String(), nil
}

// --- the bulk load --------------------------------------------------------

// sampled is an inserted certificate wrk asks for, with how many siblings
// its answer must list.
type sampled struct {
	id       string
	siblings int
}

// registry says what the bulk load made; it is saved next to the database
// for --reuse.
type registry struct {
	Before, Inserted, Total int
	Issuers                 int
	Groups                  [4]int // assessments of 1, 2 and 3 certificates
	InsertTime, Checkpoint  time.Duration
	DBBytes                 int64
	sample                  []sampled
}

func (reg *registry) save(dir string) error {
	raw, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return err
	}
	var lines bytes.Buffer
	for _, s := range reg.sample {
		fmt.Fprintf(&lines, "%s %d\n", s.id, s.siblings)
	}
	return errors.Join(os.WriteFile(filepath.Join(dir, "registry.json"), raw, 0o644),
		os.WriteFile(filepath.Join(dir, "sample.txt"), lines.Bytes(), 0o644))
}

func (reg *registry) load(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "registry.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, reg); err != nil {
		return err
	}
	lines, err := os.ReadFile(filepath.Join(dir, "sample.txt"))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		id, n, _ := strings.Cut(line, " ")
		sib, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("sample.txt: %q", line)
		}
		reg.sample = append(reg.sample, sampled{id: id, siblings: sib})
	}
	if len(reg.sample) == 0 {
		return errors.New("sample.txt is empty")
	}
	return nil
}

// issuerSlot is an issuer the load spreads certificates over: a copy of
// one of its demo certificates, and its free status slots.
type issuerSlot struct {
	id       int64
	code     string
	template []any // the demo certificate's row, by column
	prefix   string
	free     []int
}

// populate fills the database at path with copies of the demo certificates
// until it holds cfg.certs, through one connection, in transactions of
// cfg.batch rows with a prepared statement.
func populate(path string, cfg config) (registry, error) {
	var reg registry
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"+
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-1000000)&_txlock=immediate")
	if err != nil {
		return reg, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM certificates`).Scan(&reg.Before); err != nil {
		return reg, err
	}
	need := cfg.certs - reg.Before
	if need <= 0 {
		return reg, fmt.Errorf("the registry already holds %d certificates", reg.Before)
	}
	certCols, err := columns(ctx, db, "certificates")
	if err != nil {
		return reg, err
	}
	issuerCols, err := columns(ctx, db, "issuers")
	if err != nil {
		return reg, err
	}
	// The extra issuers: GD-DEMO's row under another code.
	for i := 1; i <= cfg.issuers; i++ {
		var sel []string
		for _, c := range issuerCols[1:] { // without id
			if c == "code" {
				sel = append(sel, "?")
			} else {
				sel = append(sel, c)
			}
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO issuers (`+strings.Join(issuerCols[1:], ", ")+`) SELECT `+
			strings.Join(sel, ", ")+` FROM issuers WHERE code = 'GD-DEMO'`, fmt.Sprintf("BENCH-%d", i)); err != nil {
			return reg, fmt.Errorf("issuer BENCH-%d: %w", i, err)
		}
	}
	slots, err := issuerSlots(ctx, db, certCols)
	if err != nil {
		return reg, err
	}
	reg.Issuers = len(slots)
	room := 0
	for _, s := range slots {
		room += len(s.free)
	}
	if room < need {
		return reg, fmt.Errorf("%d issuers have %d free status slots for %d certificates; raise --issuers", len(slots), room, need)
	}

	col := map[string]int{}
	for i, c := range certCols {
		col[c] = i
	}
	insertCols := certCols[1:] // without id
	insert := `INSERT INTO certificates (` + strings.Join(insertCols, ", ") + `) VALUES (?` +
		strings.Repeat(", ?", len(insertCols)-1) + `)`
	every := max(1, (need+cfg.sample-1)/cfg.sample)
	begin := time.Now()
	var tx *sql.Tx
	var stmt *sql.Stmt
	row := make([]any, len(insertCols))
	next := 0 // round robin over issuers: the members of an assessment are of distinct issuers
	for n, group := 0, 0; n < need; group++ {
		// Like real assessments: most certificates have one or two
		// siblings (three regions recognise the result), a tenth none.
		size := 3
		switch p := mrand.IntN(10); {
		case p == 0:
			size = 1
		case p <= 3:
			size = 2
		}
		size = min(size, need-n)
		reg.Groups[size]++
		assessment := fmt.Sprintf("bench:%d", group)
		for m := 0; m < size; m, n = m+1, n+1 {
			if n%cfg.batch == 0 {
				if tx != nil {
					stmt.Close()
					if err := tx.Commit(); err != nil {
						return reg, err
					}
					if n%(10*cfg.batch) == 0 {
						fmt.Printf("  inserted %d of %d (%.0f rows/s so far)\n", n, need, float64(n)/time.Since(begin).Seconds())
					}
				}
				if tx, err = db.BeginTx(ctx, nil); err != nil {
					return reg, err
				}
				if stmt, err = tx.PrepareContext(ctx, insert); err != nil {
					return reg, err
				}
			}
			var s *issuerSlot
			for s = &slots[next%len(slots)]; len(s.free) == 0; s = &slots[next%len(slots)] {
				next++
			}
			next++
			id := newCertificateID()
			copy(row, s.template[1:])
			set := func(name string, v any) { row[col[name]-1] = v }
			set("public_id", id)
			set("issuer_id", s.id)
			set("assessment", assessment)
			set("number", fmt.Sprintf("%sB%07d", s.prefix, n))
			set("status_index", s.free[len(s.free)-1])
			set("status", "valid")
			set("status_reason", "")
			set("status_at", nil)
			set("superseded_by", nil)
			s.free = s.free[:len(s.free)-1]
			if _, err := stmt.ExecContext(ctx, row...); err != nil {
				return reg, fmt.Errorf("insert: %w", err)
			}
			if n%every == 0 && len(reg.sample) < cfg.sample {
				reg.sample = append(reg.sample, sampled{id: id, siblings: size - 1})
			}
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		return reg, err
	}
	reg.InsertTime = time.Since(begin)
	reg.Inserted = need
	fmt.Printf("  inserted %d certificates in %.1f s: %.0f rows/s (transactions of %d rows, one prepared statement)\n",
		need, reg.InsertTime.Seconds(), float64(need)/reg.InsertTime.Seconds(), cfg.batch)
	begin = time.Now()
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return reg, err
	}
	reg.Checkpoint = time.Since(begin)
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM certificates`).Scan(&reg.Total); err != nil {
		return reg, err
	}
	if st, err := os.Stat(path); err == nil {
		reg.DBBytes = st.Size()
	}
	fmt.Printf("  checkpoint %.1f s; the registry holds %d certificates of %d issuers, %.2f GB\n",
		reg.Checkpoint.Seconds(), reg.Total, reg.Issuers, float64(reg.DBBytes)/1e9)
	mrand.Shuffle(len(reg.sample), func(i, j int) { reg.sample[i], reg.sample[j] = reg.sample[j], reg.sample[i] })
	return reg, nil
}

// columns lists table's columns in order; the first is id.
func columns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 || cols[0] != "id" {
		return nil, fmt.Errorf("table %s: want id as its first column, have %v", table, cols)
	}
	return cols, rows.Err()
}

// issuerSlots lists every issuer with a certificate of its framework to
// copy (its own first valid one, or GD-DEMO's for the BENCH issuers) and
// its status slots still free, shuffled.
func issuerSlots(ctx context.Context, db *sql.DB, certCols []string) ([]issuerSlot, error) {
	rows, err := db.QueryContext(ctx, `SELECT i.id, i.code, coalesce((SELECT min(c.id) FROM certificates c
		WHERE c.issuer_id = i.id AND c.status = 'valid'), (SELECT min(c.id) FROM certificates c JOIN issuers g
		ON g.id = c.issuer_id WHERE g.code = 'GD-DEMO' AND c.status = 'valid')) FROM issuers i ORDER BY i.id`)
	if err != nil {
		return nil, err
	}
	var slots []issuerSlot
	var templates []int64
	for rows.Next() {
		var s issuerSlot
		var t sql.NullInt64
		if err := rows.Scan(&s.id, &s.code, &t); err != nil {
			rows.Close()
			return nil, err
		}
		if !t.Valid {
			rows.Close()
			return nil, fmt.Errorf("issuer %s has no certificate to copy (was the demo loaded?)", s.code)
		}
		slots, templates = append(slots, s), append(templates, t.Int64)
	}
	rows.Close()
	for i := range slots {
		s := &slots[i]
		s.template = make([]any, len(certCols))
		ptrs := make([]any, len(certCols))
		for j := range ptrs {
			ptrs[j] = &s.template[j]
		}
		if err := db.QueryRowContext(ctx, `SELECT `+strings.Join(certCols, ", ")+` FROM certificates WHERE id = ?`,
			templates[i]).Scan(ptrs...); err != nil {
			return nil, err
		}
		number, _ := s.template[slices.Index(certCols, "number")].(string)
		s.prefix = number[:max(0, len(number)-7)]
		used := map[int]bool{}
		rows, err := db.QueryContext(ctx, `SELECT status_index FROM certificates WHERE issuer_id = ?`, s.id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k int
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			used[k] = true
		}
		rows.Close()
		for k := range statusListSize {
			if !used[k] {
				s.free = append(s.free, k)
			}
		}
		mrand.Shuffle(len(s.free), func(a, b int) { s.free[a], s.free[b] = s.free[b], s.free[a] })
	}
	return slots, nil
}

// newCertificateID is certs.NewCertificateID: 128 random bits, base64url.
func newCertificateID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// --- correctness ----------------------------------------------------------

// answer is what the checks read of a verification.
type answer struct {
	Verdict     string `json:"verdict"`
	Certificate struct {
		ID       string            `json:"id"`
		Siblings []json.RawMessage `json:"siblings"`
	} `json:"certificate"`
}

// checkOne asks for a sampled certificate and compares the answer.
func checkOne(c *serverproc.Client, s sampled) error {
	body, err := c.Send("GET", verifyRoute+s.id, "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("certificate %s: %w", s.id, err)
	}
	if a.Certificate.ID != s.id || a.Verdict != "valid" || len(a.Certificate.Siblings) != s.siblings {
		return fmt.Errorf("certificate %s: got id %s, verdict %s, %d siblings; want %s, valid, %d",
			s.id, a.Certificate.ID, a.Verdict, len(a.Certificate.Siblings), s.id, s.siblings)
	}
	return nil
}

// checkAnswers asks for known random sampled ids and unknown random ones.
func checkAnswers(c *serverproc.Client, sample []sampled, known, unknown int) error {
	for range known {
		if err := checkOne(c, sample[mrand.IntN(len(sample))]); err != nil {
			return err
		}
	}
	for range unknown {
		if _, err := c.Send("GET", verifyRoute+newCertificateID(), "", nil, http.StatusNotFound); err != nil {
			return fmt.Errorf("an unknown id: %w", err)
		}
	}
	return nil
}

// checkUnderLoad checks sampled answers one after another until stop, and
// says how many it checked.
func checkUnderLoad(c *serverproc.Client, sample []sampled, stop chan struct{}) (int, error) {
	for n := 0; ; n++ {
		select {
		case <-stop:
			if n == 0 {
				return 0, errors.New("no answer was checked")
			}
			return n, nil
		default:
		}
		if err := checkOne(c, sample[mrand.IntN(len(sample))]); err != nil {
			return n, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// --- wrk ------------------------------------------------------------------

// writeScript writes the sample's ids and a wrk script asking for one of
// them at random per request.
func writeScript(dir string, sample []sampled) (string, error) {
	var ids bytes.Buffer
	for _, s := range sample {
		ids.WriteString(s.id + "\n")
	}
	idsPath := filepath.Join(dir, "ids.txt")
	if err := os.WriteFile(idsPath, ids.Bytes(), 0o644); err != nil {
		return "", err
	}
	// The requests are formatted once, in init: formatting one per request
	// costs the client more CPU than the bare handler spends answering it,
	// on the same cores.
	script := fmt.Sprintf(`-- verifybench: GET a random certificate id of the sample per request.
local requests = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  for id in io.lines(%q) do
    requests[#requests + 1] = wrk.format("GET", %q .. id)
  end
  math.randomseed(os.time() * 1000 + seed)
end

function request()
  return requests[math.random(#requests)]
end
`, idsPath, verifyRoute)
	path := filepath.Join(dir, "random-id.lua")
	return path, os.WriteFile(path, []byte(script), 0o644)
}

type target struct {
	name    string
	url     string
	pid     int // the process serving it, whose CPU time each run reads
	results []wrkResult
}

type wrkResult struct {
	rps, p50, p99 float64 // requests/s; ms
	requests      int
	cpuPerReq     float64 // µs of the serving process's CPU time (user + system) a request
	wrkPerReq     float64 // µs of wrk's CPU time a request
	timeouts      int     // requests wrk gave up on after 2 s (a stalled host, not a wrong answer)
	load          string  // the host's load average after the run
}

func wrkArgs(cfg config, script, url string, d time.Duration) []string {
	return []string{"-t" + strconv.Itoa(cfg.threads), "-c" + strconv.Itoa(cfg.conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s",
		"--latency", "-s", script, url}
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// runWrk runs wrk once and reads its figures; any error answer or failed
// connection is an error.
func runWrk(cfg config, script string, t target, d time.Duration) (wrkResult, error) {
	cpu0, err := serverproc.CPUTime(t.pid)
	if err != nil {
		return wrkResult{}, err
	}
	cmd := exec.Command("wrk", wrkArgs(cfg, script, t.url, d)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	cpu1, err := serverproc.CPUTime(t.pid)
	if err != nil {
		return wrkResult{}, err
	}
	text := string(out)
	var r wrkResult
	m := reRPS.FindStringSubmatch(text)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's output:\n%s", text)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := reRequests.FindStringSubmatch(text); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
		r.cpuPerReq = float64((cpu1 - cpu0).Microseconds()) / float64(max(1, r.requests))
		wrkCPU := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		r.wrkPerReq = float64(wrkCPU.Microseconds()) / float64(max(1, r.requests))
	}
	if r.p50, err = percentile(text, "50%"); err != nil {
		return r, err
	}
	if r.p99, err = percentile(text, "99%"); err != nil {
		return r, err
	}
	if m := reNon2xx.FindStringSubmatch(text); m != nil {
		return r, fmt.Errorf("%s answers were not 2xx:\n%s", m[1], text)
	}
	if m := reSocket.FindStringSubmatch(text); m != nil {
		if m[1] != "0" {
			return r, fmt.Errorf("connections failed:\n%s", text)
		}
		r.timeouts, _ = strconv.Atoi(m[4])
	}
	r.load = host.LoadAverage()
	return r, nil
}

// percentile reads a line of wrk's latency distribution, in milliseconds.
func percentile(text, p string) (float64, error) {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(p) + `\s+([\d.]+)(us|ms|s|m)\s*$`).FindStringSubmatch(text)
	if m == nil {
		return 0, fmt.Errorf("no %s latency in wrk's output:\n%s", p, text)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v * map[string]float64{"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m[2]], nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// --- the report -----------------------------------------------------------

func report(cfg config, machine string, reg registry, script string, bareBytes int, targets []target) {
	fmt.Printf("\nresults\n  %s", machine)
	fmt.Printf("  registry: %d certificates (%d from the demo) of %d issuers; assessments of 1/2/3 certificates: %d/%d/%d; %.2f GB\n",
		reg.Total, reg.Before, reg.Issuers, reg.Groups[1], reg.Groups[2], reg.Groups[3], float64(reg.DBBytes)/1e9)
	fmt.Printf("  bulk load: %d rows in %.1f s, %.0f rows/s (+ checkpoint %.1f s)\n", reg.Inserted, reg.InsertTime.Seconds(),
		float64(reg.Inserted)/reg.InsertTime.Seconds(), reg.Checkpoint.Seconds())
	fmt.Printf("  bare handler: gin.New() in release mode, no middleware, same route shape, c.Data of a constant %d-byte JSON body\n"+
		"    (the endpoint's answer for one id), served from the load tool's process\n", bareBytes)
	fmt.Printf("  commands (%d runs each, alternating, after a %s warm-up each):\n", cfg.runs, cfg.warmup)
	for _, t := range targets {
		fmt.Printf("    wrk %s\n", strings.Join(wrkArgs(cfg, script, t.url, cfg.duration), " "))
	}
	fmt.Printf("\n  | target | requests/s (runs) | median req/s | p50 | p99 (runs) | p99 | server CPU µs/request | wrk CPU µs/request | wrk timeouts |\n")
	fmt.Printf("  |---|---|---:|---:|---|---:|---:|---:|---:|\n")
	var rps, p99, cpu [2]float64
	for i, t := range targets {
		var rs, p50s, p99s, cpus, wrks []float64
		var rtext, ptext []string
		timeouts := 0
		for _, r := range t.results {
			rs, p50s, p99s, cpus = append(rs, r.rps), append(p50s, r.p50), append(p99s, r.p99), append(cpus, r.cpuPerReq)
			wrks = append(wrks, r.wrkPerReq)
			rtext, ptext = append(rtext, fmt.Sprintf("%.0f", r.rps)), append(ptext, fmt.Sprintf("%.2f", r.p99))
			timeouts += r.timeouts
		}
		rps[i], p99[i], cpu[i] = median(rs), median(p99s), median(cpus)
		fmt.Printf("  | %s | %s | %.0f | %.2f ms | %s ms | %.2f ms | %.0f | %.0f | %d |\n", t.name, strings.Join(rtext, ", "), rps[i],
			median(p50s), strings.Join(ptext, ", "), p99[i], cpu[i], median(wrks), timeouts)
	}
	ratio := rps[0] / rps[1]
	fmt.Printf("\n  ratio: %.3f of the bare handler's requests/s (target ≥ 0.50); p99 %.2f ms (target ≤ 10 ms)\n", ratio, p99[0])
	fmt.Printf("  server CPU a request: %.1f× the bare handler's\n", cpu[0]/cpu[1])
	met := "MET"
	if ratio < 0.5 || p99[0] > 10 {
		met = "NOT met"
	}
	fmt.Printf("  target %s\n", met)
	if cfg.cpuProfile != "" {
		fmt.Printf("  server CPU profile (warm-ups and runs): %s\n", cfg.cpuProfile)
	}
	if cfg.json {
		printJSON(cfg, machine, reg, script, bareBytes, targets)
	}
}

// printJSON prints the report's figures, every run of each target
// included, as one line of JSON.
func printJSON(cfg config, machine string, reg registry, script string, bareBytes int, targets []target) {
	out := benchjson.Verify{Tool: "verifybench", Machine: strings.TrimSpace(machine), Certs: reg.Total, Issuers: reg.Issuers,
		DBBytes: reg.DBBytes, BulkRows: reg.Inserted, BulkSeconds: reg.InsertTime.Seconds(), BareBodyBytes: bareBytes,
		Warmup: cfg.warmup.String()}
	for _, t := range targets {
		g := benchjson.VerifyTarget{Name: t.name, Command: "wrk " + strings.Join(wrkArgs(cfg, script, t.url, cfg.duration), " ")}
		for _, r := range t.results {
			g.Runs = append(g.Runs, benchjson.VerifyRun{RPS: r.rps, P50: r.p50, P99: r.p99, Requests: r.requests,
				ServerCPUUs: r.cpuPerReq, WrkCPUUs: r.wrkPerReq, Timeouts: r.timeouts, Load: r.load})
		}
		out.Targets = append(out.Targets, g)
	}
	line, _ := json.Marshal(out)
	fmt.Printf("%s\n", line)
}
