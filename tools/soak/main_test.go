package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	text := strings.Join([]string{
		"Name:\tbayskills",
		"VmPeak:\t 1402548 kB",
		"VmHWM:\t   52012 kB",
		"VmRSS:\t   49856 kB",
		"RssAnon:\t   22332 kB",
		"RssFile:\t   27524 kB",
		"RssShmem:\t       0 kB",
		"Threads:\t9",
		"voluntary_ctxt_switches:\t12",
	}, "\n")
	got, err := parseStatus(text)
	if want := (procStatus{rssKB: 49856, anonKB: 22332, fileKB: 27524, threads: 9}); err != nil || got != want {
		t.Errorf("parseStatus = %+v, %v; want %+v", got, err, want)
	}
	if _, err := parseStatus("Name:\tbayskills\nVmRSS:\t 10 kB\n"); err == nil {
		t.Error("parseStatus without RssAnon, RssFile and Threads succeeded")
	}
}

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var d []time.Duration
		for _, x := range xs {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tt := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 1, 100 * time.Millisecond},
	} {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("percentile(%d latencies, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	in := []markInput{{Key: "a"}, {Key: "b"}}
	batch := []*mark{{version: 0}, {version: 4}}
	answer := func(rows ...[3]string) markAnswer {
		var a markAnswer
		for _, r := range rows {
			v := int64(r[1][0] - '0')
			a.Marks = append(a.Marks, struct {
				Key     string `json:"key"`
				MarkID  int64  `json:"mark_id"`
				Version int64  `json:"version"`
				Status  string `json:"status"`
			}{Key: r[0], Version: v, Status: r[2]})
		}
		return a
	}
	for _, tt := range []struct {
		name  string
		ans   markAnswer
		retry bool
		ok    bool
	}{
		{"created and updated", answer([3]string{"a", "1", "created"}, [3]string{"b", "5", "updated"}), false, true},
		{"one answer missing", answer([3]string{"a", "1", "created"}), false, false},
		{"keys swapped", answer([3]string{"b", "5", "updated"}, [3]string{"a", "1", "created"}), false, false},
		{"a version skipped", answer([3]string{"a", "1", "created"}, [3]string{"b", "6", "updated"}), false, false},
		{"a first mark updated", answer([3]string{"a", "1", "updated"}, [3]string{"b", "5", "updated"}), false, false},
		{"repeated, not a retry", answer([3]string{"a", "1", "repeated"}, [3]string{"b", "5", "updated"}), false, false},
		{"repeated on a retry", answer([3]string{"a", "1", "repeated"}, [3]string{"b", "5", "repeated"}), true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkAnswer(tt.ans, in, batch, tt.retry); (err == nil) != tt.ok {
				t.Errorf("checkAnswer = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestNewValue(t *testing.T) {
	for range 200 {
		j := &mark{judgement: true, value: 200, version: 3}
		if v := newValue(j); v == 200 || v < 0 || v > 300 || v%100 != 0 {
			t.Fatalf("a J re-score of 2: %d, want another score 0–3 (×100)", v)
		}
		m := &mark{max: 417, value: 417, version: 1}
		if v := newValue(m); v == 417 || v < 0 || v > 417 {
			t.Fatalf("an M re-score of 4.17 of 4.17: %d, want another value 0–417", v)
		}
		if v := newValue(&mark{judgement: true}); v < 0 || v > 300 || v%100 != 0 {
			t.Fatalf("a first J mark: %d", v)
		}
	}
	if got := centiText(417); got != "4.17" {
		t.Errorf("centiText(417) = %s", got)
	}
	if got := centi("4.17"); got != 417 {
		t.Errorf("centi(4.17) = %d", got)
	}
}

// steady is a run whose server stays as it was after the warm-up.
func steady() *result {
	s := func(at float64, anon int64, threads, fds, goroutines int, heap int64) sample {
		return sample{At: at, RSSKB: anon + 27000, AnonKB: anon, Threads: threads, FDs: fds, DBBytes: 3e6, WALBytes: 4e6,
			MarksAcked: int64(at) * 200, Workloads: []intervalFigures{{Name: "marks", Requests: 200}},
			Goroutines: goroutines, HeapKB: heap, WriterWaits: 2, WriterWaitMS: 1.5, ReaderWaits: 1, ReaderWaitMS: 0.25}
	}
	r := &result{
		Workloads: []workloadTotal{{Name: "marks", Offered: 20, Requests: 1200}, {Name: "verify-api", Offered: 30, Requests: 1800}},
		Samples:   []sample{s(10, 22000, 9, 25, 26, 9800), s(20, 23000, 9, 26, 21, 9200), s(30, 22500, 10, 31, 16, 10400)},
		Readback:  readback{Checked: 2160, Expected: 2160, Stored: 2160},
		AuditOK:   true, Audit: "0 problems",
		Bounds: bounds{MaxAnonGrowthKB: 32 * 1024, GoroutineSlack: goroutineSlack},
	}
	r.Growth = growthOf(r.Samples)
	return r
}

func TestGrowth(t *testing.T) {
	g := steady().Growth
	if g.AnonKB != 500 || g.AnonKBPerMin != 1500 || g.Requests != 400 || g.ThreadsMax != 10 || g.FDsFirst != 25 || g.FDsLast != 31 ||
		g.MarksAcked != 4000 || g.DBBytes != 0 || g.AnonLowAt != 10 || g.AnonFromLowKB != 500 {
		t.Errorf("growth = %+v", g)
	}
	if g.GoroutinesFirst != 26 || g.GoroutinesLast != 16 || g.GoroutinesMax != 26 || g.HeapKB != 600 || g.HeapKBPerMin != 1800 ||
		g.HeapLowAt != 20 || g.HeapFromLowKB != 1200 || g.HeapMaxKB != 10400 {
		t.Errorf("growth from /metrics = %+v", g)
	}
	// The waits of the intervals after the warm-up.
	if g.WriterWaits != 4 || g.WriterWaitMS != 3 || g.ReaderWaits != 2 || g.ReaderWaitMS != 0.5 {
		t.Errorf("waits = writer %d (%v ms), readers %d (%v ms); want 4 (3 ms), 2 (0.5 ms)", g.WriterWaits, g.WriterWaitMS,
			g.ReaderWaits, g.ReaderWaitMS)
	}
}

func TestVerdict(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(r *result)
		want   string // "" when the run passes
	}{
		{"steady", func(r *result) {}, ""},
		{"an unexpected error", func(r *result) {
			r.Workloads[1].Errors, r.Workloads[1].ErrorSamples = 1, []string{"GET /v/x: 500"}
		}, "1 unexpected errors: verify-api 1 (first: GET /v/x: 500)"},
		{"a workload that never ran", func(r *result) { r.Workloads[1].Requests = 0 }, "workload verify-api made no request"},
		{"a mark lost", func(r *result) {
			r.Readback.Mismatches, r.Readback.Samples = 1, []string{"j1: missing"}
		}, "1 marks are not as acknowledged"},
		{"the progress counts fewer", func(r *result) { r.Readback.Stored = 2159 }, "marks are not as acknowledged"},
		{"the audit trail disagrees", func(r *result) { r.AuditOK, r.Audit = false, "1 problem" }, "audit verify failed: 1 problem"},
		{"the server did not stop", func(r *result) { r.StopError = "did not stop" }, "stopping the server"},
		{"file descriptors doubled", func(r *result) { r.Samples[2].FDs = 51 }, "open file descriptors grew from 25 after the warm-up to 51"},
		{"threads doubled", func(r *result) { r.Samples[2].Threads = 19 }, "threads grew from 9 after the warm-up to 19"},
		{"goroutines doubled, within the slack", func(r *result) { r.Samples[2].Goroutines = 2*26 + goroutineSlack }, ""},
		{"goroutines doubled, beyond the slack", func(r *result) { r.Samples[2].Goroutines = 2*26 + goroutineSlack + 1 },
			"goroutines grew from 26 after the warm-up to 69 (more than twice, plus 16)"},
		{"anonymous memory grew", func(r *result) { r.Samples[2].AnonKB = 22000 + 33*1024 }, "anonymous memory grew 33.0 MiB"},
		{"anonymous memory freed after the warm-up, then grown", func(r *result) {
			r.Samples[0].AnonKB, r.Samples[1].AnonKB, r.Samples[2].AnonKB = 60000, 20000, 20000+33*1024
		}, "anonymous memory grew 33.0 MiB after the warm-up (from its lowest, at 0:20)"},
		{"one sample", func(r *result) { r.Samples = r.Samples[:1] }, "fewer than two samples"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := steady()
			tt.change(r)
			r.Growth = growthOf(r.Samples)
			got := strings.Join(verdict(r), "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("verdict = %q, want %q", got, tt.want)
			}
		})
	}
}
