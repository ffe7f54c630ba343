// Command soak runs the real bayskills binary under a sustained, mixed venue
// load for a fixed time and checks that it keeps working without leaking:
// judges submitting and re-scoring marks with idempotency keys, employers
// verifying certificates (the JSON API and the /v/ pages, known and unknown
// ids), and organizers reading the progress grid and the results, each at a
// fixed offered rate. Every interval it samples the server process from
// /proc (resident memory, threads, open file descriptors, CPU), its
// /metrics (goroutines, Go heap, waits for a database connection), the size
// of the database files, and each workload's requests, errors and latency.
//
// At the end it reads every acknowledged mark back through the API, stops
// the server as an operator does, runs `bayskills audit verify` on the data
// directory, and fails when a request failed unexpectedly, a mark is not as
// acknowledged, or file descriptors, threads, goroutines or anonymous
// memory grew beyond the bounds of README.md.
//
//	make build && go run ./tools/soak --bin bin/bayskills                 # 10 minutes
//	make build && go run ./tools/soak --bin bin/bayskills --duration 1m --interval 10s
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"bayskills/tools/internal/host"
	"bayskills/tools/internal/serverproc"
)

// The demo organizer (server/demo.go): the soak signs in as them, reads the
// demo's certificates and creates its own event.
const (
	demoOrganizer         = "organizer"
	demoOrganizerPassword = "demo-organizer-2026"
)

type config struct {
	bin                    string
	duration, interval     time.Duration
	skills, judgesPerSkill int
	entriesPerSkill        int
	subsPerSkill           int
	aspectsPerSub, batch   int
	markRate               float64 // marks a second over all judges
	retryShare             float64 // share of mark batches sent twice, as after a lost answer
	apiRate, pageRate      float64 // verification lookups a second
	unknownShare           float64 // share of lookups of an id the registry does not hold
	organizerRate          float64 // organizer reads a second
	maxAnonGrowthMiB       float64
	keep, json             bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/bayskills", "the bayskills binary to start (make build)")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Minute, "how long the load runs")
	flag.DurationVar(&cfg.interval, "interval", 30*time.Second, "how often the server is sampled; the first interval is the warm-up")
	flag.IntVar(&cfg.skills, "skills", 2, "skills in the generated event")
	flag.IntVar(&cfg.judgesPerSkill, "judges", 6, "judges per skill")
	flag.IntVar(&cfg.entriesPerSkill, "entries", 15, "competitors per skill")
	flag.IntVar(&cfg.subsPerSkill, "subs", 4, "sub-criteria per skill (one panel of 3 each)")
	flag.IntVar(&cfg.aspectsPerSub, "aspects", 6, "aspects per sub-criterion (half J, half M)")
	flag.IntVar(&cfg.batch, "batch", 10, "marks per request (a tablet's outbox flush)")
	flag.Float64Var(&cfg.markRate, "mark-rate", 200, "offered marks per second over all judges")
	flag.Float64Var(&cfg.retryShare, "retry-share", 0.02, "share of mark batches sent again with the same keys, as a tablet does after a lost answer")
	flag.Float64Var(&cfg.apiRate, "verify-rate", 30, "offered GET /api/v1/public/certificates/{id} per second")
	flag.Float64Var(&cfg.pageRate, "page-rate", 10, "offered GET /v/{id} pages per second")
	flag.Float64Var(&cfg.unknownShare, "unknown-share", 0.1, "share of verification lookups of an unknown id (answered 404)")
	flag.Float64Var(&cfg.organizerRate, "organizer-rate", 2, "offered organizer reads (progress grid, results) per second")
	flag.Float64Var(&cfg.maxAnonGrowthMiB, "max-anon-growth", 32, "fail when the server's anonymous resident memory grows more than this many MiB after the warm-up")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temp directory (data directory, server log)")
	flag.BoolVar(&cfg.json, "json", false, "also print the results as one JSON line, last (read by tools/benchreport)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	if cfg.interval <= 0 || cfg.duration < 2*cfg.interval {
		return errors.New("--duration must be at least two --interval: the first interval is the warm-up")
	}
	if cfg.markRate <= 0 || cfg.batch < 1 || cfg.batch > 500 {
		return errors.New("--mark-rate must be > 0, and --batch 1 to 500 (the server's limit a request)")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		return errors.New("the soak samples the server from /proc: Linux only")
	}
	dir, err := os.MkdirTemp("", "soak-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Println("temp directory", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	data := filepath.Join(dir, "data")
	machine := host.Describe(cfg.bin)
	fmt.Print(machine)
	// The demo, with the public rate limit off: one client address asks
	// for everything. The metrics token, new each run, lets the probe
	// read /metrics.
	metricsToken := newKey()
	srv, err := serverproc.Start(cfg.bin, serverproc.Options{Data: data, Log: filepath.Join(dir, "server.log"),
		Args: []string{"--demo", "--public-limit", "-1"},
		Env: []string{"BAYSKILLS_ADMIN_PASSWORD=soak-test-admin-password", "BAYSKILLS_LOGIN_LIMIT=100000",
			"BAYSKILLS_METRICS_TOKEN=" + metricsToken}})
	if err != nil {
		return err
	}
	defer srv.Kill()

	c := serverproc.NewClient(srv.URL, 30*time.Second)
	fmt.Printf("setting up %d skills × %d judges × %d competitors × %d aspects …\n", cfg.skills, cfg.judgesPerSkill,
		cfg.entriesPerSkill, cfg.subsPerSkill*cfg.aspectsPerSub)
	v, err := setup(c, cfg)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	marks := 0
	for _, j := range v.judges {
		marks += len(j.marks)
	}
	fmt.Printf("%d judges mark %d (competitor, aspect) pairs, then re-score them; %d demo certificates to verify\n",
		len(v.judges), marks, len(v.certificates))

	loads := newWorkloads(cfg)
	res, err := soak(ctx, cfg, c, srv, data, metricsToken, v, loads)
	if err != nil {
		return err
	}

	// After the load: every acknowledged mark read back, then the server
	// stopped as an operator does and the audit trail verified.
	res.Readback, err = readBack(c, v)
	if err != nil {
		return fmt.Errorf("reading the marks back: %w", err)
	}
	t0 := time.Now()
	stopErr := srv.Stop()
	res.StopSeconds = time.Since(t0).Seconds()
	if stopErr != nil {
		res.StopError = stopErr.Error()
	}
	out, verr := exec.Command(cfg.bin, "audit", "verify", "--data", data).CombinedOutput()
	res.Audit, res.AuditOK = strings.TrimSpace(string(out)), verr == nil
	res.Setup = setupSummary{Skills: cfg.skills, Judges: len(v.judges), EntriesPerSkill: cfg.entriesPerSkill,
		AspectsPerSkill: cfg.subsPerSkill * cfg.aspectsPerSub, Pairs: marks, Batch: cfg.batch, Certificates: len(v.certificates)}
	res.Tool, res.Machine = "soak", strings.TrimSpace(machine)
	res.Bounds = bounds{MaxAnonGrowthKB: int64(cfg.maxAnonGrowthMiB * 1024), GoroutineSlack: goroutineSlack}
	res.Growth = growthOf(res.Samples)
	res.Failures = verdict(res)
	res.Verdict = "pass"
	if len(res.Failures) > 0 {
		res.Verdict = "fail"
	}
	report(os.Stdout, res)
	if cfg.json {
		line, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Printf("%s\n", line)
	}
	if len(res.Failures) > 0 {
		return fmt.Errorf("the soak failed: %s", strings.Join(res.Failures, "; "))
	}
	return nil
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newCertificateID is the shape of certs.NewCertificateID (128 random
// bits, base64url): an id the registry does not hold.
func newCertificateID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
