// Command benchreport runs every benchmark of the repository — the Go
// benchmarks, the mark-ingest load tool (tools/loadmarks), the verification
// load tool (tools/verifybench), the soak run (tools/soak) and the
// page-weight tests — and rewrites the generated tables of BENCHMARKS.md,
// between marker comments such as
//
//	<!-- bench:mark-ingest -->
//	…
//	<!-- /bench:mark-ingest -->
//
// leaving everything outside the markers as it is. Each table names the
// machine, the exact commands, every run, the median of the runs and, where
// the measurement has one, the ratio to a baseline measured in the same run.
//
// Every command's output is kept in --out (one .txt and one .json a
// command), so the tables can be rendered again from it without measuring:
//
//	make build && go run ./tools/benchreport --bin bin/bayskills           # the full run, 40+ minutes
//	make build && go run ./tools/benchreport --bin bin/bayskills --quick   # fewer, smaller runs, ≈ 6 minutes
//	go run ./tools/benchreport --render-only                               # tables again from bench.out
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"bayskills/tools/internal/benchjson"
	"bayskills/tools/internal/host"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	goCmd, bin, out, doc string
	quick, renderOnly    bool
	only                 map[string]bool // block keys; empty: every block
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	fl := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fl.StringVar(&cfg.goCmd, "go", "go", "the go command")
	fl.StringVar(&cfg.bin, "bin", "bin/bayskills", "the bayskills binary the load tools start (make build)")
	fl.StringVar(&cfg.out, "out", "bench.out", "directory for every command's output")
	fl.StringVar(&cfg.doc, "doc", "BENCHMARKS.md", "the file whose marked tables are rewritten")
	fl.BoolVar(&cfg.quick, "quick", getenv("BENCH_QUICK") == "1", "fewer and smaller runs (≈ 6 minutes), labelled quick in the tables")
	fl.BoolVar(&cfg.renderOnly, "render-only", false, "measure nothing: render the tables from the outputs in --out")
	only := fl.String("only", "", "comma-separated blocks to measure and rewrite (default all): "+strings.Join(blockKeys(), ","))
	if err := fl.Parse(args); err != nil {
		return err
	}
	cfg.only = map[string]bool{}
	for _, k := range strings.FieldsFunc(*only, func(r rune) bool { return r == ',' }) {
		if !slices.Contains(blockKeys(), k) {
			return fmt.Errorf("--only %s: no such block (%s)", k, strings.Join(blockKeys(), ", "))
		}
		cfg.only[k] = true
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run it from the repository's root (make bench)")
	}
	blocks := selected(cfg)
	found, err := discoverBenchmarks(".")
	if err != nil {
		return err
	}
	ms := measurements(cfg, found)
	// The keys of a full and of a quick run: no record of either may be
	// left over from an earlier run for a selected block.
	other := cfg
	other.quick = !cfg.quick
	var keys []string
	for _, m := range append(slices.Clone(ms), measurements(other, found)...) {
		if !slices.Contains(keys, m.key) {
			keys = append(keys, m.key)
		}
	}

	if !cfg.renderOnly {
		if err := measure(ctx, cfg, blocks, ms, keys, stdout); err != nil {
			return err
		}
	}
	res, err := loadResults(cfg.out, keys)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(cfg.doc) // read last: others may have edited the prose meanwhile
	if err != nil {
		return err
	}
	doc := string(text)
	var problems []error
	for _, b := range blocks {
		content, err := b.render(res)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w (table left as it was)", b.key, err))
			continue
		}
		if doc, err = replaceBlock(doc, b.key, content); err != nil {
			problems = append(problems, err)
		}
	}
	if err := writeFile(cfg.doc, doc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nbenchreport: rewrote %s\n", cfg.doc)
	problems = append(problems, res.failures(blocks)...)
	return errors.Join(problems...)
}

// --- what runs ----------------------------------------------------------------

// measurement is one command whose output goes to <out>/<key>.txt.
type measurement struct {
	key  string
	env  []string // NAME=value, added to the environment
	argv []string
	// build, when set, is run first (not measured): a tool's binary.
	build []string
}

// sizes are the counts and sizes of a full and a quick run.
type sizes struct {
	shortBench []string // benchmarks of microseconds to milliseconds
	submit     []string
	recompute  []string
	certs      int
	bigCerts   int // 0: skipped
	loadArgs   []string
	rates      []int
	loadRuns   int
	verifyArgs []string
	soakArgs   []string
	pageRuns   int
}

func sizesOf(quick bool) sizes {
	if quick {
		return sizes{
			shortBench: []string{"-benchmem", "-benchtime", "200ms", "-count", "3"},
			submit:     []string{"-benchtime", "300x", "-count", "3"},
			recompute:  []string{"-benchtime", "1x", "-count", "3"},
			certs:      150,
			loadArgs:   []string{"--skills", "1"},
			rates:      []int{2000},
			loadRuns:   3,
			verifyArgs: []string{"--certs", "50000", "--duration", "5s", "--warmup", "3s"},
			soakArgs:   []string{"--duration", "1m", "--interval", "10s"},
			pageRuns:   3,
		}
	}
	return sizes{
		shortBench: []string{"-benchmem", "-count", "6"},
		submit:     []string{"-benchtime", "2000x", "-count", "6"},
		recompute:  []string{"-benchtime", "3x", "-count", "3"},
		certs:      1000,
		bigCerts:   10000,
		rates:      []int{2000, 4000, 6000, 10000},
		loadRuns:   3,
		soakArgs:   []string{"--duration", "10m"},
		pageRuns:   3,
	}
}

func (cfg config) goBench(key, pkg, pattern string, env []string, flags ...string) measurement {
	argv := append([]string{cfg.goCmd, "test", "-run", "^$", "-bench", pattern}, flags...)
	return measurement{key: key, env: env, argv: append(argv, pkg)}
}

// foundationBenchmarks are the server's request benchmarks, BaselineGin the
// same-run baseline of the others.
var foundationBenchmarks = []string{"BaselineGin", "AuthenticatedGet", "ListCompetitors1000", "Login"}

// measurements lists every command in the order they run. found is every
// benchmark in the tree, by package: those no table shows run as "other".
func measurements(cfg config, found map[string][]string) []measurement {
	s := sizesOf(cfg.quick)
	ms := []measurement{
		cfg.goBench("server", "./server", "^Benchmark("+strings.Join(foundationBenchmarks, "|")+")$", nil, s.shortBench...),
		cfg.goBench("certs", "./certs", ".", nil, s.shortBench...),
		cfg.goBench("store-submit", "./store", "^BenchmarkSubmitMarks$", nil, s.submit...),
		cfg.goBench("store-recompute", "./store", "^BenchmarkRecomputeEvent$", nil, s.recompute...),
		cfg.goBench("issue", "./server", "^BenchmarkIssueCertificates$", []string{"BAYSKILLS_BENCH_CERTS=" + strconv.Itoa(s.certs)},
			"-benchtime", "1x", "-count", "3", "-benchmem"),
	}
	if s.bigCerts > 0 {
		ms = append(ms, cfg.goBench("issue-big", "./server", "^BenchmarkIssueCertificates$/^(render|issue)$",
			[]string{"BAYSKILLS_BENCH_CERTS=" + strconv.Itoa(s.bigCerts)}, "-benchtime", "1x", "-count", "3", "-benchmem", "-timeout", "60m"))
	}
	loadmarks := filepath.Join(cfg.out, "loadmarks")
	build := []string{cfg.goCmd, "build", "-o", loadmarks, "./tools/loadmarks"}
	// Interleaved, so that the host's drift spreads over every setting.
	for run := 1; run <= s.loadRuns; run++ {
		for _, rate := range append([]int{0}, s.rates...) {
			argv := append([]string{loadmarks, "--bin", cfg.bin, "--json"}, s.loadArgs...)
			if rate > 0 {
				argv = append(argv, "--rate", strconv.Itoa(rate))
			}
			ms = append(ms, measurement{key: loadKey(rate, run), argv: argv, build: build})
			build = nil
		}
	}
	verifybench := filepath.Join(cfg.out, "verifybench")
	ms = append(ms, measurement{key: "verifybench", build: []string{cfg.goCmd, "build", "-o", verifybench, "./tools/verifybench"},
		argv: append([]string{verifybench, "--bin", cfg.bin, "--json"}, s.verifyArgs...)})
	soak := filepath.Join(cfg.out, "soak")
	ms = append(ms, measurement{key: "soak", build: []string{cfg.goCmd, "build", "-o", soak, "./tools/soak"},
		argv: append([]string{soak, "--bin", cfg.bin, "--json"}, s.soakArgs...)})
	runs := strconv.Itoa(s.pageRuns)
	ms = append(ms,
		measurement{key: "page-tablet", argv: []string{cfg.goCmd, "test", "-count", runs, "-run", "^TestTabletOfflineMarks$", "-v", "./e2e"}},
		measurement{key: "page-verify", argv: []string{cfg.goCmd, "test", "-count", runs, "-run", "^TestVerifyPageWeight$", "-v", "./server"}})

	// Benchmarks no measurement above runs: one more run a package.
	pkgs := make([]string, 0, len(found))
	for pkg := range found {
		pkgs = append(pkgs, pkg)
	}
	slices.Sort(pkgs)
	for _, pkg := range pkgs {
		var missing []string
		for _, name := range found[pkg] {
			if !covered(ms, pkg, name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			ms = append(ms, cfg.goBench("other-"+strings.Trim(strings.ReplaceAll(pkg, "/", "-"), ".-"), pkg,
				"^("+strings.Join(missing, "|")+")$", nil, s.shortBench...))
		}
	}
	return ms
}

func loadKey(rate, run int) string {
	if rate == 0 {
		return fmt.Sprintf("loadmarks-saturation-%d", run)
	}
	return fmt.Sprintf("loadmarks-rate%d-%d", rate, run)
}

// covered reports whether a measurement of package pkg runs the top-level
// benchmark name: the first level of its -bench pattern matches it.
func covered(ms []measurement, pkg, name string) bool {
	for _, m := range ms {
		i := slices.Index(m.argv, "-bench")
		if i < 0 || m.argv[len(m.argv)-1] != pkg {
			continue
		}
		if re, err := regexp.Compile(firstLevel(m.argv[i+1])); err == nil && re.MatchString(name) {
			return true
		}
	}
	return false
}

// firstLevel is a -bench pattern's part for top-level benchmarks: up to
// its first slash outside brackets and parentheses, as go test splits it.
func firstLevel(pattern string) string {
	depth := 0
	for i, c := range pattern {
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case '/':
			if depth == 0 {
				return pattern[:i]
			}
		}
	}
	return pattern
}

// discoverBenchmarks finds every top-level benchmark function under root,
// by package directory ("./certs").
func discoverBenchmarks(root string) (map[string][]string, error) {
	re := regexp.MustCompile(`(?m)^func (Benchmark\w*)\(\w+ \*testing\.B\)`)
	found := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor" ||
			d.Name() == "node_modules" || d.Name() == "bench.out") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg := "./" + filepath.ToSlash(filepath.Dir(path))
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			found[pkg] = append(found[pkg], m[1])
		}
		return nil
	})
	return found, err
}

// record is what a measurement's .json file keeps beside its output.
type record struct {
	Key       string    `json:"key"`
	Command   string    `json:"command"`
	Quick     bool      `json:"quick"`
	Started   time.Time `json:"started"`
	Seconds   float64   `json:"seconds"`
	LoadStart string    `json:"load_start"`
	LoadEnd   string    `json:"load_end"`
	Err       string    `json:"error,omitempty"`
	Machine   machine   `json:"machine"`
}

// measure runs every measurement the blocks need, in order, and writes its
// output and record to cfg.out. A failing command is recorded, and the
// run goes on.
func measure(ctx context.Context, cfg config, blocks []block, ms []measurement, keys []string, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	need := map[string]bool{}
	for _, b := range blocks {
		for _, m := range ms {
			if b.uses(m.key) {
				need[m.key] = true
			}
		}
	}
	mc := describeMachine(cfg.goCmd)
	var todo []measurement
	for _, m := range ms {
		if need[m.key] {
			todo = append(todo, m)
		}
	}
	for _, k := range keys { // no figures of an earlier run may stand in for a missing one
		if !slices.ContainsFunc(blocks, func(b block) bool { return b.uses(k) }) {
			continue
		}
		for _, ext := range []string{".txt", ".json"} {
			if err := os.Remove(filepath.Join(cfg.out, k+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	begin := time.Now()
	for i, m := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		if m.build != nil {
			fmt.Fprintf(stdout, "\n== build: %s\n", shellJoin(nil, m.build))
			build := exec.CommandContext(ctx, m.build[0], m.build[1:]...)
			build.Stdout, build.Stderr = stdout, stdout
			if err := build.Run(); err != nil {
				return fmt.Errorf("%s: %w", shellJoin(nil, m.build), err)
			}
		}
		rec := record{Key: m.key, Command: shellJoin(m.env, m.argv), Quick: cfg.quick, Started: time.Now().UTC(),
			LoadStart: host.LoadAverage(), Machine: mc}
		fmt.Fprintf(stdout, "\n== [%d/%d, %s so far] %s\n", i+1, len(todo), time.Since(begin).Round(time.Second), rec.Command)
		f, err := os.Create(filepath.Join(cfg.out, m.key+".txt"))
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, m.argv[0], m.argv[1:]...)
		cmd.Env = append(os.Environ(), m.env...)
		cmd.Stdout = io.MultiWriter(f, stdout)
		cmd.Stderr = cmd.Stdout
		cmd.WaitDelay = 10 * time.Second
		if err := cmd.Run(); err != nil {
			rec.Err = err.Error()
			fmt.Fprintf(stdout, "== %s: %v (recorded; going on)\n", m.key, err)
		}
		rec.Seconds = time.Since(rec.Started).Seconds()
		rec.LoadEnd = host.LoadAverage()
		if err := errors.Join(f.Close(), writeJSON(filepath.Join(cfg.out, m.key+".json"), rec)); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	fmt.Fprintf(stdout, "\n== measured in %s\n", time.Since(begin).Round(time.Second))
	return nil
}

// --- the machine --------------------------------------------------------------

// machine is what the figures were measured on.
type machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"` // the suffix of benchmark names, "-2"
	Model      string `json:"model"`
	MemGiB     int    `json:"mem_gib"`
	OS         string `json:"os"`
	GoVersion  string `json:"go_version"`
	Commit     string `json:"commit"`
}

func describeMachine(goCmd string) machine {
	m := machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Model: host.CPUModel(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: runtime.Version()}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, rest, ok := strings.Cut(string(raw), "MemTotal:"); ok {
			fmt.Sscan(rest, &kb)
			m.MemGiB = int(math.Round(kb / (1 << 20)))
		}
	}
	if out, err := exec.Command(goCmd, "env", "GOVERSION").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		// --no-optional-locks: never touch the index others are using.
		if st, err := exec.Command("git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no").Output(); err == nil &&
			len(bytes.TrimSpace(st)) > 0 {
			m.Commit += " with uncommitted changes"
		}
	}
	return m
}

// --- results -------------------------------------------------------------------

// results is every measurement's record and output, as measured or as an
// earlier run left them in --out.
type results struct {
	dir     string
	quick   bool
	records map[string]record
	outputs map[string]string
	order   []string // measurement keys in run order
	goRuns  map[string][]benchResult
}

func loadResults(dir string, keys []string) (*results, error) {
	r := &results{dir: dir, records: map[string]record{}, outputs: map[string]string{}, goRuns: map[string][]benchResult{}}
	for _, key := range keys {
		raw, err := os.ReadFile(filepath.Join(dir, key+".json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var rec record
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, fmt.Errorf("%s.json: %w", key, err)
		}
		out, err := os.ReadFile(filepath.Join(dir, key+".txt"))
		if err != nil {
			return nil, err
		}
		r.records[key], r.outputs[key], r.order = rec, string(out), append(r.order, key)
		if strings.Contains(rec.Command, " test ") && strings.Contains(rec.Command, " -bench ") {
			r.goRuns[key] = parseGoBench(string(out), cmp.Or(rec.Machine.GOMAXPROCS, rec.Machine.CPUs))
		}
	}
	slices.SortStableFunc(r.order, func(a, b string) int { return r.records[a].Started.Compare(r.records[b].Started) })
	return r, nil
}

// failures are the recorded failures of the measurements the blocks use.
func (r *results) failures(blocks []block) []error {
	var errs []error
	for _, k := range r.order {
		rec := r.records[k]
		for _, b := range blocks {
			if b.uses(k) && rec.Err != "" {
				errs = append(errs, fmt.Errorf("%s: %s: %s (output in %s)", k, rec.Command, rec.Err, filepath.Join(r.dir, k+".txt")))
				break
			}
		}
	}
	return errs
}

// benchResult is one line of `go test -bench` output.
type benchResult struct {
	name    string // without "Benchmark" and the -GOMAXPROCS suffix
	iters   int64
	metrics map[string]float64 // by unit: ns/op, B/op, allocs/op, custom
}

// parseGoBench reads the result lines of `go test -bench` output. A result
// whose name and figures were split by other output (a log line written
// while it ran) is joined again.
func parseGoBench(out string, procs int) []benchResult {
	var rs []benchResult
	pending := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if strings.HasPrefix(f[0], "Benchmark") {
			pending = f[0]
			f = f[1:]
		} else if pending == "" {
			continue
		}
		if len(f) < 3 || len(f)%2 != 1 {
			continue
		}
		iters, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		res := benchResult{name: benchName(pending, procs), iters: iters, metrics: map[string]float64{}}
		ok := true
		for i := 1; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			res.metrics[f[i+1]] = v
		}
		if ok {
			rs = append(rs, res)
			pending = ""
		}
	}
	return rs
}

func benchName(full string, procs int) string {
	name := strings.TrimPrefix(full, "Benchmark")
	if procs > 1 {
		name = strings.TrimSuffix(name, "-"+strconv.Itoa(procs))
	}
	return name
}

// jsonLines decodes the lines of out that are a JSON object of the tool.
func jsonLines[T any](out, tool string) []T {
	var got []T
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") || !strings.Contains(line, `"tool":"`+tool+`"`) {
			continue
		}
		var v T
		if json.Unmarshal([]byte(line), &v) == nil {
			got = append(got, v)
		}
	}
	return got
}

// --- the markdown -----------------------------------------------------------

func markers(key string) (string, string) {
	return "<!-- bench:" + key + " -->", "<!-- /bench:" + key + " -->"
}

// replaceBlock puts content between the markers of key, which must be in
// doc once each, in order.
func replaceBlock(doc, key, content string) (string, error) {
	open, close := markers(key)
	if strings.Count(doc, open) != 1 || strings.Count(doc, close) != 1 {
		return doc, fmt.Errorf("%s: want %q and %q once each in the document", key, open, close)
	}
	i := strings.Index(doc, open) + len(open)
	j := strings.Index(doc, close)
	if j < i {
		return doc, fmt.Errorf("%s: %q comes before %q", key, close, open)
	}
	return doc[:i] + "\n" + strings.TrimSpace(content) + "\n" + doc[j:], nil
}

func writeFile(path, text string) error {
	tmp := path + ".benchreport.tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

// shellJoin writes a command as one would type it in sh.
func shellJoin(env, argv []string) string {
	var parts []string
	for _, a := range append(slices.Clone(env), argv...) {
		if a == "" || strings.ContainsAny(a, " \t'\"$^|()*?[]{}<>;&!\\#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// --- numbers -------------------------------------------------------------------

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// sig formats x with three significant digits and thousands separators.
func sig(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	a := math.Abs(x)
	switch {
	case a >= 100 || a == math.Trunc(a):
		return group(strconv.FormatFloat(math.Round(x), 'f', 0, 64))
	case a >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	default: // three significant digits, trailing zeros kept: 0.230
		return strconv.FormatFloat(x, 'f', 2-int(math.Floor(math.Log10(a))), 64)
	}
}

func group(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// scale is the unit a set of figures of the given unit is shown in, chosen
// by their median: ns as µs, ms or s; bytes as KB or MB.
type scale struct {
	div  float64
	unit string
}

func scaleFor(unit string, median float64) scale {
	switch unit {
	case "ns/op", "ns/mark":
		for _, s := range []scale{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
			if median >= s.div {
				return s
			}
		}
		return scale{1, "ns"}
	case "B/op":
		for _, s := range []scale{{1e6, "MB"}, {1e3, "KB"}} {
			if median >= s.div {
				return s
			}
		}
		return scale{1, "B"}
	}
	return scale{1, ""}
}

func (s scale) format(x float64) string {
	if s.unit == "" {
		return sig(x)
	}
	return sig(x/s.div) + " " + s.unit
}

func (s scale) list(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = sig(x / s.div)
	}
	if s.unit == "" {
		return strings.Join(parts, ", ")
	}
	return strings.Join(parts, ", ") + " " + s.unit
}

func ratio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return "—"
	}
	return sig(x) + "×"
}

// --- the blocks ---------------------------------------------------------------

// block is one generated part of the document, between its markers.
type block struct {
	key    string
	uses   func(measurement string) bool
	render func(r *results) (string, error)
}

func oneOf(keys ...string) func(string) bool {
	return func(k string) bool { return slices.Contains(keys, k) }
}

func blocks() []block {
	return []block{
		{"foundation", oneOf("server"), renderFoundation},
		{"mark-ingest", func(k string) bool { return k == "store-submit" || strings.HasPrefix(k, "loadmarks-") }, renderMarkIngest},
		{"results-recompute", oneOf("store-recompute", "certs"), renderResults},
		{"page-weight", oneOf("page-tablet", "page-verify"), renderPageWeight},
		{"certificate-batch", oneOf("issue", "issue-big", "certs"), renderCertificates},
		{"verification-lookups", oneOf("verifybench", "certs"), renderVerification},
		{"soak", oneOf("soak"), renderSoak},
		{"other", otherRuns, renderOther},
	}
}

// otherRuns are the measurements whose benchmarks may include some no
// table names: the run of a whole package, and the runs of those left over.
func otherRuns(k string) bool {
	return k == "certs" || strings.HasPrefix(k, "other-")
}

func blockKeys() []string {
	var keys []string
	for _, b := range blocks() {
		keys = append(keys, b.key)
	}
	return keys
}

func selected(cfg config) []block {
	var out []block
	for _, b := range blocks() {
		if len(cfg.only) == 0 || cfg.only[b.key] {
			out = append(out, b)
		}
	}
	return out
}

// header says when, on what and how the block's figures were measured.
func (r *results) header(keys ...string) (string, error) {
	var recs []record
	for _, k := range r.order {
		if slices.Contains(keys, k) {
			recs = append(recs, r.records[k])
		}
	}
	if len(recs) == 0 {
		return "", errors.New("no measurement ran (see --out)")
	}
	first, last := recs[0], recs[len(recs)-1]
	m := first.Machine
	var b strings.Builder
	b.WriteString("**Latest `make bench` run** — generated by `tools/benchreport`; everything up to the closing marker is rewritten by the next run.\n\n")
	kind := "Full run"
	if slices.ContainsFunc(recs, func(rec record) bool { return rec.Quick }) {
		kind = "**Quick run** (`BENCH_QUICK=1`: fewer and shorter runs and smaller sizes, to check that the benchmarks " +
			"and tools work — not figures to compare with full runs)"
	}
	var took time.Duration
	for _, rec := range recs {
		took += time.Duration(rec.Seconds * float64(time.Second))
	}
	fmt.Fprintf(&b, "%s, %s UTC (the commands below ran %s), commit `%s`. Machine: %d CPUs (`%s`), %d GiB RAM, %s, %s; load average (1, 5, 15 min) %s at the start, %s at the end.\n",
		kind, first.Started.Format("2006-01-02 15:04"), took.Round(time.Second), m.Commit, m.CPUs, m.Model, m.MemGiB, m.OS,
		m.GoVersion, first.LoadStart, last.LoadEnd)
	for _, rec := range recs {
		if rec.Err != "" {
			fmt.Fprintf(&b, "\n**Failed:** `%s` — %s (output in `%s/%s.txt`).\n", rec.Command, rec.Err, r.dir, rec.Key)
		}
	}
	return b.String(), nil
}

// commands lists the distinct commands of the measurements, with how many
// times each ran.
func (r *results) commands(keys ...string) string {
	var order []string
	count := map[string]int{}
	for _, k := range r.order {
		if slices.Contains(keys, k) {
			c := r.records[k].Command
			if count[c] == 0 {
				order = append(order, c)
			}
			count[c]++
		}
	}
	var b strings.Builder
	b.WriteString("```sh\n")
	for _, c := range order {
		if count[c] > 1 {
			fmt.Fprintf(&b, "%s    # %d runs\n", c, count[c])
		} else {
			fmt.Fprintln(&b, c)
		}
	}
	b.WriteString("```\n")
	return b.String()
}

// goTable shows some benchmarks of a `go test -bench` measurement: every
// run of each, the median, and the ratio to its same-run baseline.
type goTable struct {
	run     string   // the measurement
	names   []string // top-level benchmarks shown, in this order
	metric  string   // the figure compared: "ns/op", or a rate such as "certs/s"
	base    func(name string) string
	columns []string // further units shown in their own column
}

// goTables are every table of Go benchmarks the blocks show.
var goTables = map[string]goTable{
	"foundation": {run: "server", names: foundationBenchmarks, metric: "ns/op", base: func(name string) string {
		if name == "BaselineGin" {
			return ""
		}
		return "BaselineGin"
	}},
	"submit":    {run: "store-submit", names: []string{"SubmitMarks"}, metric: "ns/op", columns: []string{"ns/mark"}},
	"recompute": {run: "store-recompute", names: []string{"RecomputeEvent"}, metric: "ns/op"},
	"sheet": {run: "certs", names: []string{"RenderResultSheet", "FpdfWholeFonts", "NewFonts", "RenderBadges"}, metric: "ns/op",
		columns: []string{"bytes/pdf"}, base: func(name string) string {
			if name == "RenderResultSheet" {
				return "FpdfWholeFonts"
			}
			return ""
		}},
	"issue":     {run: "issue", names: []string{"IssueCertificates"}, metric: "certs/s", base: issueBase, columns: issueColumns},
	"issue-big": {run: "issue-big", names: []string{"IssueCertificates"}, metric: "certs/s", base: issueBase, columns: issueColumns},
	"certificate": {run: "certs", names: []string{"RenderCertificate", "RenderCertificateBaseline", "RenderSignCertificateParallel",
		"SignPDF", "CertificateQR"}, metric: "ns/op", columns: []string{"bytes/pdf"}, base: func(name string) string {
		if sub, ok := strings.CutPrefix(name, "RenderCertificate/"); ok {
			return "RenderCertificateBaseline/" + sub
		}
		if name == "CertificateQR/encodeQRM" {
			return "CertificateQR/boombuler"
		}
		return ""
	}},
	"verification": {run: "certs", names: []string{"VerifyPDF", "SignStatusList"}, metric: "ns/op"},
}

var issueColumns = []string{"bytes/pdf", "max-bytes/pdf", "peak-rss-MB", "peak-heap-MB", "peak-live-heap-MB"}

// issueBase: rendering alone is the baseline of every stage of a batch.
func issueBase(name string) string {
	if name == "IssueCertificates/render" {
		return ""
	}
	return "IssueCertificates/render"
}

func (t goTable) render(r *results) (string, error) {
	runs := r.goRuns[t.run]
	var order []string
	values := map[string][]benchResult{}
	for _, top := range t.names {
		for _, res := range runs {
			if n, _, _ := strings.Cut(res.name, "/"); n == top {
				if values[res.name] == nil {
					order = append(order, res.name)
				}
				values[res.name] = append(values[res.name], res)
			}
		}
	}
	if len(order) == 0 {
		return "", fmt.Errorf("no results of %s in %s", strings.Join(t.names, ", "), t.run)
	}
	med := func(name, unit string) (float64, []float64) {
		var xs []float64
		for _, res := range values[name] {
			if v, ok := res.metrics[unit]; ok {
				xs = append(xs, v)
			}
		}
		return median(xs), xs
	}
	has := func(unit string) bool {
		for _, name := range order {
			if _, xs := med(name, unit); len(xs) > 0 {
				return true
			}
		}
		return false
	}
	withBase := false
	for _, name := range order {
		if t.base != nil && t.base(name) != "" {
			withBase = true
		}
	}
	var cols []string // own columns, after the metric
	for _, unit := range append([]string{"B/op", "allocs/op"}, t.columns...) {
		if has(unit) {
			cols = append(cols, unit)
		}
	}
	rate := strings.HasSuffix(t.metric, "/s")
	head := []string{"benchmark", t.metric + " (runs)", "median"}
	align := []string{"---", "---", "---:"}
	if withBase {
		head, align = append(head, "same-run baseline", "cost ÷ baseline"), append(align, "---", "---:")
	}
	for _, c := range cols {
		head, align = append(head, label(c)), append(align, "---:")
	}
	var rows [][]string
	anyOther := false
	for _, name := range order {
		m, xs := med(name, t.metric)
		sc := scaleFor(t.metric, m)
		row := []string{"`" + name + "`", sc.list(xs), "**" + sc.format(m) + "**"}
		if withBase {
			base := ""
			if t.base != nil {
				base = t.base(name)
			}
			isBase := slices.ContainsFunc(order, func(n string) bool { return t.base != nil && t.base(n) == name })
			switch bm, _ := med(base, t.metric); {
			case base != "" && !math.IsNaN(bm):
				cost := m / bm
				if rate {
					cost = bm / m
				}
				row = append(row, "`"+base+"`", ratio(cost))
			case isBase:
				row = append(row, "*(the baseline)*", "1×")
			default:
				row = append(row, "", "")
			}
		}
		for _, c := range cols {
			cm, _ := med(name, c)
			row = append(row, scaleFor(c, cm).format(cm))
		}
		units := map[string]bool{}
		for _, res := range values[name] {
			for u := range res.metrics {
				if u != t.metric && !slices.Contains(cols, u) && !(rate && u == "ns/op") {
					units[u] = true
				}
			}
		}
		var other []string
		for _, u := range slices.Sorted(maps.Keys(units)) {
			um, _ := med(name, u)
			other = append(other, label(u)+" "+scaleFor(u, um).format(um))
		}
		anyOther = anyOther || len(other) > 0
		rows = append(rows, append(row, strings.Join(other, " · ")))
	}
	if anyOther {
		head, align = append(head, "other (medians)"), append(align, "---")
	} else {
		for i := range rows {
			rows[i] = rows[i][:len(rows[i])-1]
		}
	}
	return mdTable(head, align, rows), nil
}

// mdTable writes a Markdown table.
func mdTable(head, align []string, rows [][]string) string {
	var b strings.Builder
	line := func(cells []string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	line(head)
	b.WriteString("|" + strings.Join(align, "|") + "|\n")
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// label names a unit in a table: ns/mark is shown as a time a mark.
func label(unit string) string {
	if rest, ok := strings.CutPrefix(unit, "ns/"); ok && rest != "op" {
		return "time/" + rest
	}
	return unit
}

func renderGoTables(r *results, names ...string) (string, error) {
	var b strings.Builder
	for i, n := range names {
		t, err := goTables[n].render(r)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(t)
	}
	return b.String(), nil
}

func renderFoundation(r *results) (string, error) {
	h, err := r.header("server")
	if err != nil {
		return "", err
	}
	t, err := renderGoTables(r, "foundation")
	if err != nil {
		return "", err
	}
	return h + "\n" + r.commands("server") + "\n" + t, nil
}

// loadRun is the JSON line of one tools/loadmarks run.
type loadRun struct {
	Judges        int     `json:"judges"`
	Batch         int     `json:"batch"`
	Expected      int64   `json:"expected"`
	Acked         int64   `json:"acked"`
	Stored        int64   `json:"stored"`
	Lost          int64   `json:"lost"`
	Duplicated    int64   `json:"duplicated"`
	Retries       int64   `json:"retries"`
	FailedBatches int64   `json:"failed_batches"`
	Seconds       float64 `json:"seconds"`
	Offered       float64 `json:"offered_marks_per_s"`
	MarksPerS     float64 `json:"marks_per_s"`
	P50           float64 `json:"p50_ms"`
	P90           float64 `json:"p90_ms"`
	P99           float64 `json:"p99_ms"`
	Max           float64 `json:"max_ms"`
	BaselineRows  float64 `json:"baseline_rows_per_s"`
	Ratio         float64 `json:"ratio"`
	AuditOK       bool    `json:"audit_ok"`
	Audit         string  `json:"audit"`
}

func millis(x float64) string { return sig(x) + " ms" }

func renderMarkIngest(r *results) (string, error) {
	var keys []string
	sat := []loadRun{}
	paced := map[float64][]loadRun{}
	var rates []float64
	for _, k := range r.order {
		if !strings.HasPrefix(k, "loadmarks-") {
			continue
		}
		keys = append(keys, k)
		runs := jsonLines[loadRun](r.outputs[k], "loadmarks")
		if len(runs) == 0 {
			continue // the header names the failure
		}
		lr := runs[len(runs)-1]
		if lr.Offered == 0 {
			sat = append(sat, lr)
		} else {
			if paced[lr.Offered] == nil {
				rates = append(rates, lr.Offered)
			}
			paced[lr.Offered] = append(paced[lr.Offered], lr)
		}
	}
	if len(sat)+len(rates) == 0 {
		return "", errors.New("no run of tools/loadmarks printed its results")
	}
	h, err := r.header(append(keys, "store-submit")...)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(h + "\n")
	var one loadRun
	if len(sat) > 0 {
		one = sat[0]
	} else {
		one = paced[rates[0]][0]
	}
	fmt.Fprintf(&b, "Each run: %d judges submitting %s marks over HTTP in batches of %d against the real binary; the baseline is raw "+
		"SQLite batched inserts measured by the same run. Every median is over the runs; the ratio is each run's own, their median.\n\n",
		one.Judges, group(strconv.FormatInt(one.Expected, 10)), one.Batch)
	b.WriteString(r.commands(keys...) + "\n")
	col := func(runs []loadRun, f func(loadRun) float64) []float64 {
		var xs []float64
		for _, lr := range runs {
			xs = append(xs, f(lr))
		}
		return xs
	}
	audit := func(lr loadRun) string {
		if !lr.AuditOK {
			return "**FAILED**"
		}
		if _, rest, ok := strings.Cut(lr.Audit, "compared, "); ok {
			return rest
		}
		return "ok"
	}
	if len(sat) > 0 {
		b.WriteString("**Saturation** (each judge sends its next batch as soon as the last is answered):\n\n")
		b.WriteString("| run | marks/s acknowledged | p50 | p90 | p99 | baseline rows/s | throughput ÷ baseline | lost | duplicated | retries | audit verify |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for i, lr := range sat {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %d | %d | %d | %s |\n", i+1, sig(lr.MarksPerS), millis(lr.P50), millis(lr.P90),
				millis(lr.P99), sig(lr.BaselineRows), sig(lr.Ratio), lr.Lost, lr.Duplicated, lr.Retries, audit(lr))
		}
		fmt.Fprintf(&b, "| **median** | **%s** | %s | %s | **%s** | %s | **%s** | | | | |\n",
			sig(median(col(sat, func(l loadRun) float64 { return l.MarksPerS }))),
			millis(median(col(sat, func(l loadRun) float64 { return l.P50 }))),
			millis(median(col(sat, func(l loadRun) float64 { return l.P90 }))),
			millis(median(col(sat, func(l loadRun) float64 { return l.P99 }))),
			sig(median(col(sat, func(l loadRun) float64 { return l.BaselineRows }))),
			sig(median(col(sat, func(l loadRun) float64 { return l.Ratio }))))
	}
	if len(rates) > 0 {
		b.WriteString("\n**Paced** (`--rate`: offered marks/s over all judges; latency counts from when a batch was due). Medians of the runs:\n\n")
		b.WriteString("| offered marks/s | runs | delivered marks/s | p50 | p90 | p99 (runs) | p99 median | throughput ÷ baseline | lost / duplicated | audit verify |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---|---:|---:|---|---|\n")
		slices.Sort(rates)
		for _, rate := range rates {
			runs := paced[rate]
			var p99s []string
			var lost, dup int64
			audits := "0 problems"
			for _, lr := range runs {
				p99s = append(p99s, sig(lr.P99))
				lost, dup = lost+lr.Lost, dup+lr.Duplicated
				if a := audit(lr); a != "0 problems" {
					audits = a
				}
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s ms | **%s** | %s | %d / %d | %s |\n", sig(rate), len(runs),
				sig(median(col(runs, func(l loadRun) float64 { return l.MarksPerS }))),
				millis(median(col(runs, func(l loadRun) float64 { return l.P50 }))),
				millis(median(col(runs, func(l loadRun) float64 { return l.P90 }))),
				strings.Join(p99s, ", "), millis(median(col(runs, func(l loadRun) float64 { return l.P99 }))),
				sig(median(col(runs, func(l loadRun) float64 { return l.Ratio }))), lost, dup, audits)
		}
	}
	t, err := renderGoTables(r, "submit")
	if err != nil {
		return "", err
	}
	b.WriteString("\n**Writer only** (`store.SubmitMarks`, no HTTP, one batch of 10 at a time; ns/op is a batch):\n\n")
	b.WriteString(r.commands("store-submit") + "\n" + t)
	return b.String(), nil
}

func renderResults(r *results) (string, error) {
	h, err := r.header("store-recompute", "certs")
	if err != nil {
		return "", err
	}
	rec, err := renderGoTables(r, "recompute")
	if err != nil {
		return "", err
	}
	sheet, err := renderGoTables(r, "sheet")
	if err != nil {
		return "", err
	}
	return h + "\n**Recompute** the WorldSkills-size event (`load`, `compute`, `total` one skill after another; `event-parallel` is " +
		"`store.EventResults`, one worker per CPU):\n\n" + r.commands("store-recompute") + "\n" + rec +
		"\n**PDF result sheet** against fpdf given the whole fonts, and the judges' badges (rows of the `certs` run):\n\n" +
		r.commands("certs") + "\n" + sheet, nil
}

func renderCertificates(r *results) (string, error) {
	keys := []string{"issue", "issue-big", "certs"}
	h, err := r.header(keys...)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(h)
	for _, k := range []string{"issue", "issue-big"} {
		rec, ok := r.records[k]
		if !ok {
			if k == "issue-big" {
				b.WriteString("\nThe batch of 10,002 runs in full runs only.\n")
			}
			continue
		}
		n := 1000
		for _, e := range strings.Fields(rec.Command) {
			if v, ok := strings.CutPrefix(e, "BAYSKILLS_BENCH_CERTS="); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		t, err := renderGoTables(r, k)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\n**Batch of N = %s certificates** (each run one whole batch of each stage; `render` is the "+
			"baseline, and cost ÷ baseline is its certificates/s over the stage's; memory in MB):\n\n%s\n%s",
			group(strconv.Itoa(3*((n+2)/3))), r.commands(k), t)
	}
	t, err := renderGoTables(r, "certificate")
	if err != nil {
		return "", err
	}
	b.WriteString("\n**One certificate** (rows of the `certs` run: rendering against fpdf given the whole fonts, " +
		"rendering and signing on every CPU, the PDF signature, the QR encoder against boombuler's):\n\n" + r.commands("certs") + "\n" + t)
	return b.String(), nil
}

func renderVerification(r *results) (string, error) {
	h, err := r.header("verifybench", "certs")
	if err != nil {
		return "", err
	}
	runs := jsonLines[benchjson.Verify](r.outputs["verifybench"], "verifybench")
	if len(runs) == 0 || len(runs[0].Targets) != 2 {
		return "", errors.New("tools/verifybench printed no results")
	}
	v := runs[0]
	var b strings.Builder
	b.WriteString(h + "\n")
	fmt.Fprintf(&b, "Registry: %s certificates of %d issuers, %.2f GB; bulk load %s rows in %.1f s (%s rows/s). "+
		"The tool's own line: %s. The bare handler answers a constant %s-byte body, the endpoint's answer for one id.\n\n",
		group(strconv.Itoa(v.Certs)), v.Issuers, float64(v.DBBytes)/1e9, group(strconv.Itoa(v.BulkRows)), v.BulkSeconds,
		sig(float64(v.BulkRows)/v.BulkSeconds), strings.TrimSuffix(strings.TrimPrefix(v.Machine, "machine: "), "\n"),
		group(strconv.Itoa(v.BareBodyBytes)))
	b.WriteString(strings.TrimSuffix(r.commands("verifybench"), "```\n"))
	fmt.Fprintf(&b, "# which runs, alternating, after a %s warm-up of each:\n", v.Warmup)
	for _, t := range v.Targets {
		fmt.Fprintf(&b, "#   %s\n", t.Command)
	}
	b.WriteString("```\n\n")
	b.WriteString("| target | requests/s (runs) | median | p50 median | p99 (runs) | p99 median | server CPU a request | wrk CPU a request | wrk timeouts |\n")
	b.WriteString("|---|---|---:|---:|---|---:|---:|---:|---:|\n")
	var rps, cpu [2]float64
	for i, t := range v.Targets {
		var rs, p50, p99, cpus, wrk []float64
		var rtext, ptext []string
		timeouts := 0
		for _, run := range t.Runs {
			rs, p50, p99 = append(rs, run.RPS), append(p50, run.P50), append(p99, run.P99)
			cpus, wrk = append(cpus, run.ServerCPUUs), append(wrk, run.WrkCPUUs)
			rtext, ptext = append(rtext, sig(run.RPS)), append(ptext, sig(run.P99))
			timeouts += run.Timeouts
		}
		rps[i], cpu[i] = median(rs), median(cpus)
		name := t.Name
		if i == 1 {
			name += " (baseline)"
		}
		fmt.Fprintf(&b, "| %s | %s | **%s** | %s | %s ms | **%s** | %s µs | %s µs | %d |\n", name, strings.Join(rtext, " · "), sig(rps[i]),
			millis(median(p50)), strings.Join(ptext, " · "), millis(median(p99)), sig(cpu[i]), sig(median(wrk)), timeouts)
	}
	fmt.Fprintf(&b, "| **endpoint ÷ baseline** | | **%s** | | | | %s | | |\n", sig(rps[0]/rps[1]), ratio(cpu[0]/cpu[1]))
	t, err := renderGoTables(r, "verification")
	if err != nil {
		return "", err
	}
	b.WriteString("\n**Offline checks** (rows of the `certs` run: verifying a signed certificate PDF, signing a status list):\n\n" +
		r.commands("certs") + "\n" + t)
	return b.String(), nil
}

// soakRun is the JSON line of tools/soak.
type soakRun struct {
	Machine  string  `json:"machine"`
	Duration float64 `json:"duration_s"`
	Interval float64 `json:"interval_s"`
	Setup    struct {
		Skills          int `json:"skills"`
		Judges          int `json:"judges"`
		EntriesPerSkill int `json:"entries_per_skill"`
		AspectsPerSkill int `json:"aspects_per_skill"`
		Pairs           int `json:"pairs"`
		Batch           int `json:"batch"`
		Certificates    int `json:"certificates"`
	} `json:"setup"`
	Workloads []struct {
		Name     string  `json:"name"`
		What     string  `json:"what"`
		Offered  float64 `json:"offered_per_s"`
		Requests int     `json:"requests"`
		Errors   int     `json:"errors"`
		P50      float64 `json:"p50_ms"`
		P99      float64 `json:"p99_ms"`
		Max      float64 `json:"max_ms"`
	} `json:"workloads"`
	Samples []struct {
		At         float64 `json:"at_s"`
		RSSKB      int64   `json:"rss_kb"`
		AnonKB     int64   `json:"anon_kb"`
		Threads    int     `json:"threads"`
		FDs        int     `json:"fds"`
		Sockets    int     `json:"sockets"`
		DBBytes    int64   `json:"db_bytes"`
		WALBytes   int64   `json:"wal_bytes"`
		CPUPercent float64 `json:"cpu_pct"`
		Goroutines int     `json:"goroutines"`
		HeapKB     int64   `json:"heap_inuse_kb"`
		// Waits for a database connection in the interval.
		WriterWaits int64 `json:"writer_waits"`
		ReaderWaits int64 `json:"reader_waits"`
		Workloads   []struct {
			Name     string  `json:"name"`
			Requests int     `json:"requests"`
			Errors   int     `json:"errors"`
			P50      float64 `json:"p50_ms"`
			P99      float64 `json:"p99_ms"`
		} `json:"workloads"`
	} `json:"samples"`
	Marks struct {
		Acked    int64 `json:"acked"`
		First    int64 `json:"first"`
		Rescored int64 `json:"rescored"`
		Resent   int64 `json:"resent"`
		Repeated int64 `json:"repeated"`
	} `json:"marks"`
	Readback struct {
		Checked    int `json:"checked"`
		Mismatches int `json:"mismatches"`
		Expected   int `json:"expected"`
		Stored     int `json:"stored"`
	} `json:"readback"`
	StopSeconds float64 `json:"stop_s"`
	StopError   string  `json:"stop_error"`
	AuditOK     bool    `json:"audit_ok"`
	Audit       string  `json:"audit"`
	Growth      struct {
		From         float64 `json:"from_s"`
		To           float64 `json:"to_s"`
		RSSKB        int64   `json:"rss_kb"`
		RSSKBPerMin  float64 `json:"rss_kb_per_min"`
		AnonKB       int64   `json:"anon_kb"`
		AnonKBPerMin float64 `json:"anon_kb_per_min"`
		AnonLowAt    float64 `json:"anon_low_at_s"`
		AnonFromLow  int64   `json:"anon_from_low_kb"`
		AnonPerReq   float64 `json:"anon_bytes_per_request"`
		Requests     int     `json:"requests"`
		ThreadsFirst int     `json:"threads_first"`
		ThreadsLast  int     `json:"threads_last"`
		ThreadsMax   int     `json:"threads_max"`
		FDsFirst     int     `json:"fds_first"`
		FDsLast      int     `json:"fds_last"`
		FDsMax       int     `json:"fds_max"`
		DBBytes      int64   `json:"db_bytes"`
		MarksAcked   int64   `json:"marks_acked"`
		DBPerMark    float64 `json:"db_bytes_per_mark"`

		GoroutinesFirst int     `json:"goroutines_first"`
		GoroutinesLast  int     `json:"goroutines_last"`
		GoroutinesMax   int     `json:"goroutines_max"`
		HeapKB          int64   `json:"heap_inuse_kb"`
		HeapKBPerMin    float64 `json:"heap_inuse_kb_per_min"`
		HeapLowAt       float64 `json:"heap_inuse_low_at_s"`
		HeapFromLowKB   int64   `json:"heap_inuse_from_low_kb"`
		HeapMaxKB       int64   `json:"heap_inuse_max_kb"`
		WriterWaits     int64   `json:"writer_waits"`
		WriterWaitMS    float64 `json:"writer_wait_ms"`
		ReaderWaits     int64   `json:"reader_waits"`
		ReaderWaitMS    float64 `json:"reader_wait_ms"`
	} `json:"growth"`
	Bounds struct {
		MaxAnonGrowthKB int64 `json:"max_anon_growth_kb"`
		GoroutineSlack  int   `json:"goroutine_slack"`
	} `json:"bounds"`
	Verdict  string   `json:"verdict"`
	Failures []string `json:"failures"`
}

// clock writes seconds since a start as m:ss.
func clock(seconds float64) string {
	s := int(math.Round(seconds))
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// span writes a whole number of seconds as minutes where it is some.
func span(seconds float64) string {
	s := int(math.Round(seconds))
	if s >= 60 && s%60 == 0 {
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d s", s)
}

// mib writes KiB as MiB, signed when asked.
func mib(kb int64, signed bool) string {
	if signed {
		return fmt.Sprintf("%+.1f MiB", float64(kb)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
}

func renderSoak(r *results) (string, error) {
	h, err := r.header("soak")
	if err != nil {
		return "", err
	}
	runs := jsonLines[soakRun](r.outputs["soak"], "soak")
	if len(runs) == 0 || len(runs[0].Samples) == 0 {
		return "", errors.New("tools/soak printed no results")
	}
	v := runs[len(runs)-1]
	var b strings.Builder
	b.WriteString(h + "\n")
	s := v.Setup
	fmt.Fprintf(&b, "Load for %s against the real binary with the demo event (%d certificates) and a generated event of %d skills, %d judges, "+
		"%d competitors and %d aspects a skill (%s distinct marks, which the judges mark and then re-score over and over, in batches of %d). "+
		"The tool's own line: %s.\n\n",
		span(v.Duration), s.Certificates, s.Skills, s.Judges, s.EntriesPerSkill, s.AspectsPerSkill, group(strconv.Itoa(s.Pairs)), s.Batch,
		strings.TrimSuffix(strings.TrimPrefix(v.Machine, "machine: "), "\n"))
	b.WriteString(r.commands("soak") + "\n")

	b.WriteString("| workload | what | offered/s | answered/s | requests | p50 | p99 | max | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	errs, requests := 0, 0
	for _, w := range v.Workloads {
		errs, requests = errs+w.Errors, requests+w.Requests
		fmt.Fprintf(&b, "| %s | %s | %.1f | %.1f | %s | %s | %s | %s | %d |\n", w.Name, w.What, w.Offered,
			float64(w.Requests)/v.Duration, group(strconv.Itoa(w.Requests)), millis(w.P50), millis(w.P99), millis(w.Max), w.Errors)
	}

	fmt.Fprintf(&b, "\n**Every %s** (requests/s, p50 / p99; a request's latency counts from when it was due; the first interval is the warm-up):\n\n",
		span(v.Interval))
	head := []string{"at"}
	align := []string{"---:"}
	for _, w := range v.Samples[0].Workloads {
		head, align = append(head, w.Name), append(align, "---:")
	}
	head = append(head, "errors", "RSS (anonymous)", "Go heap", "threads", "goroutines", "fds (sockets)", "db waits (w / r)",
		"db + WAL", "server CPU")
	align = append(align, "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:")
	var rows [][]string
	prev := 0.0
	for i, smp := range v.Samples {
		at := clock(smp.At)
		if i == 0 {
			at += " (warm-up)"
		}
		row := []string{at}
		e := 0
		for _, w := range smp.Workloads {
			row = append(row, fmt.Sprintf("%.1f/s, %s / %s", float64(w.Requests)/(smp.At-prev), sig(w.P50), millis(w.P99)))
			e += w.Errors
		}
		prev = smp.At
		row = append(row, strconv.Itoa(e), fmt.Sprintf("%s (%s)", mib(smp.RSSKB, false), sig(float64(smp.AnonKB)/1024)),
			mib(smp.HeapKB, false), strconv.Itoa(smp.Threads), strconv.Itoa(smp.Goroutines), fmt.Sprintf("%d (%d)", smp.FDs, smp.Sockets),
			fmt.Sprintf("%d / %d", smp.WriterWaits, smp.ReaderWaits), sig(float64(smp.DBBytes+smp.WALBytes)/1e6)+" MB", sig(smp.CPUPercent)+" %")
		rows = append(rows, row)
	}
	b.WriteString(mdTable(head, align, rows))

	g, m, rb := v.Growth, v.Marks, v.Readback
	verdict := "PASS"
	if v.Verdict != "pass" {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "\n**Verdict: %s**\n\n", verdict)
	for _, f := range v.Failures {
		fmt.Fprintf(&b, "- **Failed:** %s\n", f)
	}
	audit := "**FAILED**: " + v.Audit
	if v.AuditOK {
		audit = "“" + v.Audit + "”"
	}
	stop := fmt.Sprintf("stopped %s after SIGTERM", millis(v.StopSeconds*1000))
	if v.StopError != "" {
		stop = "**did not stop cleanly**: " + v.StopError
	}
	fmt.Fprintf(&b, "- Errors: %d unexpected in %s requests (any answer other than the expected status, any failed connection).\n",
		errs, group(strconv.Itoa(requests)))
	fmt.Fprintf(&b, "- Marks: %s changes acknowledged (%s first marks, %s re-scores); %s batches sent again with the same keys, "+
		"%s marks answered “repeated”. Read back: %s of %s marks as acknowledged (value and version, %d mismatches); "+
		"the progress grid counts %s. `audit verify` on the data directory: %s. The server %s.\n",
		group(strconv.FormatInt(m.Acked, 10)), group(strconv.FormatInt(m.First, 10)), group(strconv.FormatInt(m.Rescored, 10)),
		group(strconv.FormatInt(m.Resent, 10)), group(strconv.FormatInt(m.Repeated, 10)), group(strconv.Itoa(rb.Checked-rb.Mismatches)),
		group(strconv.Itoa(rb.Checked)), rb.Mismatches, group(strconv.Itoa(rb.Stored)), audit, stop)
	fmt.Fprintf(&b, "- Memory from %s (end of the warm-up) to %s: RSS %s (%s a minute); anonymous %s (%s a minute, %s bytes a request "+
		"over %s requests), and %s from its lowest sample (%s) to the end, against a bound of %s.\n", clock(g.From), clock(g.To),
		mib(g.RSSKB, true), mib(int64(g.RSSKBPerMin), true), mib(g.AnonKB, true), mib(int64(g.AnonKBPerMin), true), sig(g.AnonPerReq),
		group(strconv.Itoa(g.Requests)), mib(g.AnonFromLow, true), clock(g.AnonLowAt), sig(float64(v.Bounds.MaxAnonGrowthKB)/1024)+" MiB")
	fmt.Fprintf(&b, "- Go heap in use (`go_memstats_heap_inuse_bytes`): %s (%s a minute), %s from its lowest sample (%s) to the end, "+
		"at most %s; reported, not bounded.\n", mib(g.HeapKB, true), mib(int64(g.HeapKBPerMin), true), mib(g.HeapFromLowKB, true),
		clock(g.HeapLowAt), mib(g.HeapMaxKB, false))
	fmt.Fprintf(&b, "- Threads %d → %d (max %d); open file descriptors %d → %d (max %d); bound: at most twice the first sample.\n",
		g.ThreadsFirst, g.ThreadsLast, g.ThreadsMax, g.FDsFirst, g.FDsLast, g.FDsMax)
	fmt.Fprintf(&b, "- Goroutines (`go_goroutines`) %d → %d (max %d); bound: at most twice the first sample plus %d.\n",
		g.GoroutinesFirst, g.GoroutinesLast, g.GoroutinesMax, v.Bounds.GoroutineSlack)
	fmt.Fprintf(&b, "- Waits for a database connection after the warm-up (`go_sql_wait_count_total`): writer %s (%s in all), "+
		"readers %s (%s in all).\n", group(strconv.FormatInt(g.WriterWaits, 10)), millis(g.WriterWaitMS),
		group(strconv.FormatInt(g.ReaderWaits, 10)), millis(g.ReaderWaitMS))
	fmt.Fprintf(&b, "- Database + WAL: %s MB for %s mark changes after the warm-up (%s bytes a change: each change keeps its "+
		"idempotency record and its audit entry).\n", sig(float64(g.DBBytes)/1e6), group(strconv.FormatInt(g.MarksAcked, 10)),
		sig(g.DBPerMark))
	return b.String(), nil
}

func renderPageWeight(r *results) (string, error) {
	h, err := r.header("page-tablet", "page-verify")
	if err != nil {
		return "", err
	}
	find := func(key, re string) [][]string {
		return regexp.MustCompile(re).FindAllStringSubmatch(r.outputs[key], -1)
	}
	nums := func(ms [][]string, i int) []float64 {
		var xs []float64
		for _, m := range ms {
			v, _ := strconv.ParseFloat(m[i], 64)
			xs = append(xs, v)
		}
		return xs
	}
	list := func(xs []float64) string {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = sig(x)
		}
		return strings.Join(parts, ", ")
	}
	outcome := func(key, test string) string {
		pass := len(find(key, `--- PASS: `+test+` `))
		fail := len(find(key, `--- FAIL: `+test+` `))
		if fail > 0 {
			return fmt.Sprintf("%d passed, **%d failed**", pass, fail)
		}
		return fmt.Sprintf("%d passed", pass)
	}
	page := find("page-tablet", `first load, the page's requests \(CDP encodedDataLength, headers included\): ([\d.]+) KB: (.*)`)
	served := find("page-tablet", `first load, every response body the server sent \(access log, service worker included\): ([\d.]+) KB in (\d+) responses`)
	taps := find("page-tablet", `tap → saved on the tablet: median ([\d.]+) ms over (\d+) taps \(min ([\d.]+), max ([\d.]+)\)`)
	verify := find("page-verify", `page (\d+) bytes, with its static files (\d+) bytes`)
	if len(page)+len(verify) == 0 {
		return "", errors.New("neither page-weight test printed its figures")
	}
	var b strings.Builder
	b.WriteString(h + "\n" + r.commands("page-tablet", "page-verify") + "\n")
	b.WriteString("| page | what | runs | median | target | test |\n|---|---|---|---:|---:|---|\n")
	if len(page) > 0 {
		xs := nums(page, 1)
		fmt.Fprintf(&b, "| judge's tablet, first load | transferred: CDP `encodedDataLength`, headers included, sign-in to ready (KB = 1,024 bytes) | %s KB | **%s KB** | ≤ 150 KB | %s |\n",
			list(xs), sig(median(xs)), outcome("page-tablet", "TestTabletOfflineMarks"))
	}
	if len(served) > 0 {
		xs := nums(served, 1)
		fmt.Fprintf(&b, "| | same, every response body in the server's access log, service worker included | %s KB | %s KB | ≤ 150 KB | |\n",
			list(xs), sig(median(xs)))
	}
	if len(taps) > 0 {
		xs := nums(taps, 1)
		fmt.Fprintf(&b, "| | a mark tap shown saved (click → IndexedDB → card redrawn), median of %s taps a run | %s ms | **%s ms** | < 50 ms | |\n",
			taps[0][2], list(xs), sig(median(xs)))
	}
	if len(verify) > 0 {
		xs, html := nums(verify, 2), nums(verify, 1)
		fmt.Fprintf(&b, "| verification page `/v/<id>` | HTML with its stylesheets and script, bodies (`server` fixture, Portuguese) | %s bytes | **%s bytes** | < 50,000 bytes | %s |\n",
			list(xs), group(strconv.Itoa(int(median(xs)))), outcome("page-verify", "TestVerifyPageWeight"))
		fmt.Fprintf(&b, "| | of which the HTML | %s bytes | %s bytes | | |\n", list(html), group(strconv.Itoa(int(median(html)))))
	}
	if len(page) > 0 {
		fmt.Fprintf(&b, "\nThe tablet's requests in the last run (path, bytes): %s.\n", strings.TrimSpace(page[len(page)-1][2]))
	}
	return b.String(), nil
}

// renderOther shows every benchmark no other table shows.
func renderOther(r *results) (string, error) {
	shown := map[string]map[string]bool{}
	for _, t := range goTables {
		if shown[t.run] == nil {
			shown[t.run] = map[string]bool{}
		}
		for _, n := range t.names {
			shown[t.run][n] = true
		}
	}
	var keys []string
	var b strings.Builder
	for _, k := range r.order {
		if !otherRuns(k) {
			continue
		}
		var names []string
		for _, res := range r.goRuns[k] {
			top, _, _ := strings.Cut(res.name, "/")
			if !shown[k][top] && !slices.Contains(names, top) {
				names = append(names, top)
			}
		}
		if len(names) == 0 {
			continue
		}
		t, err := goTable{run: k, names: names, metric: "ns/op"}.render(r)
		if err != nil {
			return "", err
		}
		keys = append(keys, k)
		fmt.Fprintf(&b, "\n%s\n%s", r.commands(k), t)
	}
	if len(keys) == 0 {
		return "*Generated by `make bench` (`tools/benchreport`): every benchmark is in one of the tables above; " +
			"one that no table names would be listed here.*", nil
	}
	h, err := r.header(keys...)
	if err != nil {
		return "", err
	}
	return "## Other benchmarks\n\n" + h + "\nBenchmarks no table above names yet (add them to `goTables` in `tools/benchreport`):\n" + b.String(), nil
}
