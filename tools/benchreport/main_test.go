package main

import (
	"slices"
	"strings"
	"testing"
)

func TestParseGoBench(t *testing.T) {
	out := strings.Join([]string{
		"goos: linux",
		"cpu: Intel(R) Xeon(R) Processor",
		"BenchmarkBaselineGin-2   \t  500000\t      2474 ns/op\t    1440 B/op\t      15 allocs/op",
		// A log line written while the benchmark ran splits its line.
		"BenchmarkIssueCertificates/render+sign-2     \t{\"level\":\"INFO\",\"msg\":\"batch\"}",
		"       1\t4619457099 ns/op\t     45366 bytes/pdf\t        64.94 certs/s",
		"--- BENCH: BenchmarkRecomputeEvent",
		"    results_bench_test.go:139: generated 60 skills",
		"BenchmarkSignPDF/ECDSA-P256/63KB-2   \t   5000\t    201000 ns/op\t 314.00 MB/s",
		"PASS",
	}, "\n")
	got := parseGoBench(out, 2)
	want := []struct {
		name   string
		unit   string
		metric float64
	}{
		{"BaselineGin", "allocs/op", 15},
		{"IssueCertificates/render+sign", "certs/s", 64.94},
		{"SignPDF/ECDSA-P256/63KB", "MB/s", 314},
	}
	if len(got) != len(want) {
		t.Fatalf("parsed %d results, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].name != w.name || got[i].metrics[w.unit] != w.metric {
			t.Errorf("result %d = %s with %s %v, want %s with %v", i, got[i].name, w.unit, got[i].metrics[w.unit], w.name, w.metric)
		}
	}
}

func TestBenchName(t *testing.T) {
	for _, tt := range []struct {
		full  string
		procs int
		want  string
	}{
		{"BenchmarkLogin-2", 2, "Login"},
		{"BenchmarkSignPDF/ECDSA-P256", 1, "SignPDF/ECDSA-P256"},
		{"BenchmarkSignPDF/RSA-2048/63KB-8", 8, "SignPDF/RSA-2048/63KB"},
	} {
		if got := benchName(tt.full, tt.procs); got != tt.want {
			t.Errorf("benchName(%q, %d) = %q, want %q", tt.full, tt.procs, got, tt.want)
		}
	}
}

// TestEveryBenchmarkRuns: a benchmark no measurement runs gets a run of
// its own, and its table in the "other" block.
func TestEveryBenchmarkRuns(t *testing.T) {
	found := map[string][]string{
		"./server": {"BenchmarkBaselineGin", "BenchmarkLogin", "BenchmarkIssueCertificates", "BenchmarkNewThing"},
		"./certs":  {"BenchmarkRenderCertificate"},
		"./store":  {"BenchmarkSubmitMarks", "BenchmarkRecomputeEvent"},
	}
	for _, quick := range []bool{false, true} {
		ms := measurements(config{goCmd: "go", bin: "bin/bayskills", out: "bench.out", quick: quick}, found)
		var other []string
		for _, m := range ms {
			if strings.HasPrefix(m.key, "other-") {
				other = append(other, shellJoin(m.env, m.argv))
			}
		}
		if len(other) != 1 || !strings.Contains(other[0], "'^(BenchmarkNewThing)$'") || !strings.HasSuffix(other[0], " ./server") {
			t.Errorf("quick %v: runs of benchmarks no table names: %q, want one of BenchmarkNewThing in ./server", quick, other)
		}
	}
}

func TestFirstLevel(t *testing.T) {
	for pattern, want := range map[string]string{
		"^BenchmarkIssueCertificates$/^(render|issue)$": "^BenchmarkIssueCertificates$",
		"^Benchmark(A|B/C)$":                            "^Benchmark(A|B/C)$",
		".":                                             ".",
	} {
		if got := firstLevel(pattern); got != want {
			t.Errorf("firstLevel(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func TestReplaceBlock(t *testing.T) {
	doc := "# B\n\nprose\n<!-- bench:x -->\nold\n<!-- /bench:x -->\nmore prose\n"
	got, err := replaceBlock(doc, "x", "new\n")
	if want := "# B\n\nprose\n<!-- bench:x -->\nnew\n<!-- /bench:x -->\nmore prose\n"; err != nil || got != want {
		t.Errorf("replaceBlock = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"no markers", doc + doc, "<!-- /bench:x --> <!-- bench:x -->"} {
		if _, err := replaceBlock(bad, "x", "new"); err == nil {
			t.Errorf("replaceBlock(%q) succeeded", bad)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{sig(0.23), "0.230"},
		{sig(0.0312), "0.0312"},
		{sig(15), "15"},
		{sig(64.94), "64.9"},
		{sig(3150.4), "3,150"},
		{scaleFor("ns/op", 2474).format(2474), "2.47 µs"},
		{scaleFor("ns/op", 30.6e6).list([]float64{29.8e6, 30.6e6}), "29.8, 30.6 ms"},
		{scaleFor("B/op", 19.9e6).format(19.9e6), "19.9 MB"},
		{shellJoin([]string{"N=3"}, []string{"go", "test", "-bench", "^A$", "./x"}), "N=3 go test -bench '^A$' ./x"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
	if !slices.Equal(blockKeys()[:2], []string{"foundation", "mark-ingest"}) {
		t.Errorf("blocks %v", blockKeys())
	}
}

// TestSoakMeasurement: the soak runs in full and quick runs, with its
// duration and interval, and its block renders only its own output.
func TestSoakMeasurement(t *testing.T) {
	for _, tt := range []struct {
		quick bool
		want  string
	}{
		{false, "bench.out/soak --bin bin/bayskills --json --duration 10m"},
		{true, "bench.out/soak --bin bin/bayskills --json --duration 1m --interval 10s"},
	} {
		ms := measurements(config{goCmd: "go", bin: "bin/bayskills", out: "bench.out", quick: tt.quick}, nil)
		i := slices.IndexFunc(ms, func(m measurement) bool { return m.key == "soak" })
		if i < 0 {
			t.Fatalf("quick %v: no soak measurement", tt.quick)
		}
		if got := shellJoin(ms[i].env, ms[i].argv); got != tt.want {
			t.Errorf("quick %v: soak runs %q, want %q", tt.quick, got, tt.want)
		}
		if got := shellJoin(nil, ms[i].build); got != "go build -o bench.out/soak ./tools/soak" {
			t.Errorf("quick %v: soak is built with %q", tt.quick, got)
		}
	}
	keys := blockKeys()
	if i, j := slices.Index(keys, "soak"), slices.Index(keys, "other"); i < 0 || i > j {
		t.Errorf("blocks %v: want soak before other", keys)
	}
	for _, b := range blocks() {
		if got, want := b.uses("soak"), b.key == "soak"; got != want {
			t.Errorf("block %s uses the soak's output: %v, want %v", b.key, got, want)
		}
	}
}

// soakLine is a tools/soak JSON line of a quick run, cut to three samples.
const soakLine = `{"tool":"soak","machine":"machine: 2 CPUs (Intel(R) Xeon(R) Processor), linux/amd64, server built with go1.26.8; load average 1.46 1.84 2.26",` +
	`"duration_s":30,"interval_s":10,"setup":{"skills":2,"judges":12,"entries_per_skill":15,"aspects_per_skill":24,"pairs":2160,"batch":10,"certificates":24},` +
	`"workloads":[{"name":"marks","what":"POST …/marks, batches of 10","offered_per_s":20,"requests":609,"errors":0,"p50_ms":6.346,"p99_ms":67.248,"max_ms":173.618},` +
	`{"name":"verify-api","what":"GET /api/v1/public/certificates/{id}","offered_per_s":30,"requests":901,"errors":0,"p50_ms":2.984,"p99_ms":29.802,"max_ms":121.716}],` +
	`"samples":[{"at_s":10.0008,"rss_kb":49856,"anon_kb":22332,"file_kb":27524,"threads":9,"fds":25,"sockets":13,"db_bytes":2998272,"wal_bytes":4185952,"cpu_pct":11.6,"marks_acked":2000,` +
	`"goroutines":26,"heap_inuse_kb":9800,"writer_waits":0,"writer_wait_ms":0,"reader_waits":3,"reader_wait_ms":0.4,` +
	`"workloads":[{"name":"marks","requests":207,"errors":0,"p50_ms":4.039,"p99_ms":11.157},{"name":"verify-api","requests":300,"errors":0,"p50_ms":2.242,"p99_ms":7.935}]},` +
	`{"at_s":20.001,"rss_kb":51620,"anon_kb":23768,"threads":9,"fds":25,"sockets":13,"db_bytes":4108288,"wal_bytes":4185952,"cpu_pct":17.8,"marks_acked":4000,` +
	`"goroutines":21,"heap_inuse_kb":9200,"writer_waits":0,"writer_wait_ms":0,"reader_waits":0,"reader_wait_ms":0,` +
	`"workloads":[{"name":"marks","requests":203,"errors":0,"p50_ms":5.89,"p99_ms":31.556},{"name":"verify-api","requests":300,"errors":0,"p50_ms":3.803,"p99_ms":23.374}]},` +
	`{"at_s":30.0058,"rss_kb":51040,"anon_kb":23124,"threads":9,"fds":31,"sockets":19,"db_bytes":5144576,"wal_bytes":4190072,"cpu_pct":14.49,"marks_acked":6000,` +
	`"goroutines":16,"heap_inuse_kb":10400,"writer_waits":1,"writer_wait_ms":2.5,"reader_waits":0,"reader_wait_ms":0,` +
	`"workloads":[{"name":"marks","requests":199,"errors":0,"p50_ms":8.01,"p99_ms":45.923},{"name":"verify-api","requests":301,"errors":0,"p50_ms":3.234,"p99_ms":27.234}]}],` +
	`"marks":{"acked":6000,"first":2160,"rescored":3840,"resent":9,"repeated":90},"readback":{"checked":2160,"mismatches":0,"expected":2160,"stored":2160},` +
	`"stop_s":0.015,"audit_ok":true,"audit":"audit trail: 6775 entries walked, 2810 marks compared, 0 problems",` +
	`"growth":{"from_s":10.0008,"to_s":30.0058,"rss_kb":1184,"rss_kb_per_min":3552,"anon_kb":792,"anon_kb_per_min":2376,"anon_low_at_s":10.0008,"anon_from_low_kb":792,"anon_bytes_per_request":807.8,"requests":1003,` +
	`"threads_first":9,"threads_last":9,"threads_max":9,"fds_first":25,"fds_last":31,"fds_max":31,"db_bytes":2150416,"marks_acked":4000,"db_bytes_per_mark":537.6,` +
	`"goroutines_first":26,"goroutines_last":16,"goroutines_max":26,"heap_inuse_kb":600,"heap_inuse_kb_per_min":1800,"heap_inuse_low_at_s":20.001,` +
	`"heap_inuse_from_low_kb":1200,"heap_inuse_max_kb":10400,"writer_waits":1,"writer_wait_ms":2.5,"reader_waits":0,"reader_wait_ms":0},` +
	`"bounds":{"max_anon_growth_kb":32768,"goroutine_slack":16},"verdict":"pass","failures":[]}`

func soakResults(out string) *results {
	return &results{dir: "bench.out", quick: true, order: []string{"soak"},
		records: map[string]record{"soak": {Key: "soak", Command: "bench.out/soak --bin bin/bayskills --json --duration 30s --interval 10s",
			Quick: true, Seconds: 34, LoadStart: "1.46 1.84 2.26", LoadEnd: "2.02 1.95 2.28",
			Machine: machine{CPUs: 2, Model: "Intel(R) Xeon(R) Processor", MemGiB: 24, OS: "linux/amd64", GoVersion: "go1.26.8", Commit: "abc1234"}}},
		outputs: map[string]string{"soak": out}}
}

func TestRenderSoak(t *testing.T) {
	got, err := renderSoak(soakResults("setting up …\n      at │ marks …\n" + soakLine + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"**Quick run**",
		"Load for 30 s against the real binary with the demo event (24 certificates) and a generated event of 2 skills, 12 judges",
		"The tool's own line: 2 CPUs (Intel(R) Xeon(R) Processor), linux/amd64, server built with go1.26.8; load average 1.46 1.84 2.26.",
		"```sh\nbench.out/soak --bin bin/bayskills --json --duration 30s --interval 10s\n```",
		"| marks | POST …/marks, batches of 10 | 20.0 | 20.3 | 609 | 6.35 ms | 67.2 ms | 174 ms | 0 |",
		"**Every 10 s**",
		"| at | marks | verify-api | errors | RSS (anonymous) | Go heap | threads | goroutines | fds (sockets) | db waits (w / r) | db + WAL | server CPU |",
		"| 0:10 (warm-up) | 20.7/s, 4.04 / 11.2 ms | 30.0/s, 2.24 / 7.93 ms | 0 | 48.7 MiB (21.8) | 9.6 MiB | 9 | 26 | 25 (13) | 0 / 3 | 7.18 MB | 11.6 % |",
		"| 0:30 | 19.9/s, 8.01 / 45.9 ms | 30.1/s, 3.23 / 27.2 ms | 0 | 49.8 MiB (22.6) | 10.2 MiB | 9 | 16 | 31 (19) | 1 / 0 | 9.33 MB | 14.5 % |",
		"**Verdict: PASS**",
		"- Errors: 0 unexpected in 1,510 requests",
		"6,000 changes acknowledged (2,160 first marks, 3,840 re-scores); 9 batches sent again",
		"Read back: 2,160 of 2,160 marks as acknowledged",
		"“audit trail: 6775 entries walked, 2810 marks compared, 0 problems”. The server stopped 15 ms after SIGTERM.",
		"anonymous +0.8 MiB (+2.3 MiB a minute, 808 bytes a request over 1,003 requests), and +0.8 MiB from its lowest sample (0:10) " +
			"to the end, against a bound of 32 MiB.",
		"Threads 9 → 9 (max 9); open file descriptors 25 → 31 (max 31)",
		"- Go heap in use (`go_memstats_heap_inuse_bytes`): +0.6 MiB (+1.8 MiB a minute), +1.2 MiB from its lowest sample (0:20) to the end, " +
			"at most 10.2 MiB; reported, not bounded.",
		"- Goroutines (`go_goroutines`) 26 → 16 (max 26); bound: at most twice the first sample plus 16.",
		"- Waits for a database connection after the warm-up (`go_sql_wait_count_total`): writer 1 (2.50 ms in all), readers 0 (0 ms in all).",
		"2.15 MB for 4,000 mark changes after the warm-up (538 bytes a change",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the soak block lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Failed") {
		t.Errorf("a passing soak names a failure:\n%s", got)
	}

	failed := strings.Replace(soakLine, `"verdict":"pass","failures":[]`,
		`"verdict":"fail","failures":["open file descriptors grew from 25 after the warm-up to 51 (more than twice)"]`, 1)
	got, err = renderSoak(soakResults(failed))
	if err != nil {
		t.Fatal(err)
	}
	if want := "**Verdict: FAIL**\n\n- **Failed:** open file descriptors grew from 25 after the warm-up to 51 (more than twice)\n"; !strings.Contains(got, want) {
		t.Errorf("the failed soak's block lacks %q:\n%s", want, got)
	}

	if _, err := renderSoak(soakResults("soak: the server did not start\n")); err == nil {
		t.Error("a soak that printed no JSON line rendered")
	}
}
