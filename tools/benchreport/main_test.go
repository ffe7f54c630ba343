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
