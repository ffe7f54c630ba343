package main

import (
	"fmt"
	"strings"

	"bayskills/tools/internal/serverproc"
)

// result is everything the soak measured and concluded; with --json it is
// printed as one line (read by tools/benchreport).
type result struct {
	Tool      string          `json:"tool"`
	Machine   string          `json:"machine"`
	Duration  float64         `json:"duration_s"`
	Interval  float64         `json:"interval_s"`
	Setup     setupSummary    `json:"setup"`
	Workloads []workloadTotal `json:"workloads"`
	Samples   []sample        `json:"samples"`
	Marks     markFigures     `json:"marks"`
	Readback  readback        `json:"readback"`
	// StopSeconds is how long the server took to stop after SIGTERM.
	StopSeconds float64  `json:"stop_s"`
	StopError   string   `json:"stop_error,omitempty"`
	AuditOK     bool     `json:"audit_ok"`
	Audit       string   `json:"audit"`
	Growth      growth   `json:"growth"`
	Bounds      bounds   `json:"bounds"`
	Verdict     string   `json:"verdict"` // pass or fail
	Failures    []string `json:"failures"`
}

// setupSummary is the generated event and what employers verify.
type setupSummary struct {
	Skills          int `json:"skills"`
	Judges          int `json:"judges"`
	EntriesPerSkill int `json:"entries_per_skill"`
	AspectsPerSkill int `json:"aspects_per_skill"`
	Pairs           int `json:"pairs"` // (judge, competitor, aspect): the distinct marks
	Batch           int `json:"batch"`
	Certificates    int `json:"certificates"`
}

// workloadTotal is one workload over the whole run.
type workloadTotal struct {
	Name         string   `json:"name"`
	What         string   `json:"what"`
	Offered      float64  `json:"offered_per_s"`
	Requests     int      `json:"requests"`
	Errors       int      `json:"errors"`
	P50          float64  `json:"p50_ms"`
	P99          float64  `json:"p99_ms"`
	Max          float64  `json:"max_ms"`
	ErrorSamples []string `json:"error_samples,omitempty"`
}

// bounds are the limits the verdict applies (see README.md).
type bounds struct {
	MaxAnonGrowthKB int64 `json:"max_anon_growth_kb"`
	// GoroutineSlack is what the last sample may count beyond twice the
	// first sample's goroutines.
	GoroutineSlack int `json:"goroutine_slack"`
}

// goroutineSlack: go_goroutines counts the goroutines of the scrape that
// reads it. The registry gathers its 12 collectors on 1 to 12 goroutines,
// a different number at each scrape, and the scrape's connection holds 2
// (net/http's conn.serve and its background read); 16 covers both, and a
// few goroutines of the server's own that come and go, with room.
const goroutineSlack = 16

// --- reading the marks back -----------------------------------------------

// readback is the comparison of every acknowledged mark with what the
// server answers after the load.
type readback struct {
	Checked    int      `json:"checked"`    // marks compared, value and version, through each judge's GET …/work
	Mismatches int      `json:"mismatches"` // marks missing, changed, or held but never acknowledged
	Expected   int      `json:"expected"`   // distinct marks acknowledged
	Stored     int      `json:"stored"`     // marks the skills' progress counts (totals.marks_stored)
	Samples    []string `json:"samples,omitempty"`
}

func (rb *readback) mismatch(format string, args ...any) {
	rb.Mismatches++
	if len(rb.Samples) < 5 {
		rb.Samples = append(rb.Samples, fmt.Sprintf(format, args...))
	}
}

// readBack compares every mark each judge's tablet holds as acknowledged
// with the judge's work as the server answers it, and the number of marks
// with each skill's progress (organizer's view) and its per-judge counts.
func readBack(c *serverproc.Client, v *venue) (readback, error) {
	var rb readback
	perSkill := make([]int, len(v.skills))
	perJudge := map[string]int{}
	for _, j := range v.judges {
		w, err := j.work(c)
		if err != nil {
			return rb, err
		}
		held := map[[2]int64][2]int64{}
		for _, m := range w.Marks {
			held[[2]int64{m.EntryID, m.AspectID}] = [2]int64{centi(m.Value), m.Version}
		}
		for _, m := range j.marks {
			h, ok := held[[2]int64{m.entry, m.aspect}]
			switch {
			case m.version == 0 && ok:
				rb.mismatch("%s: competitor %d aspect %d is held at version %d but was never acknowledged", j.username, m.entry, m.aspect, h[1])
			case m.version == 0:
			case !ok:
				rb.mismatch("%s: competitor %d aspect %d, acknowledged at version %d, is missing", j.username, m.entry, m.aspect, m.version)
			case h != [2]int64{m.value, m.version}:
				rb.mismatch("%s: competitor %d aspect %d is %s at version %d, acknowledged %s at version %d", j.username, m.entry,
					m.aspect, centiText(h[0]), h[1], centiText(m.value), m.version)
			}
			if m.version > 0 {
				rb.Checked++
				perSkill[j.skill]++
				perJudge[j.username]++
			}
		}
	}
	for i, sk := range v.skills {
		var p struct {
			Totals struct {
				MarksStored int `json:"marks_stored"`
			} `json:"totals"`
			Judges []struct {
				Username string `json:"username"`
				Entered  int    `json:"entered"`
			} `json:"judges"`
		}
		if err := c.Call("GET", sk.Path+"/progress", v.organizer, nil, 200, &p); err != nil {
			return rb, err
		}
		rb.Expected += perSkill[i]
		rb.Stored += p.Totals.MarksStored
		if p.Totals.MarksStored != perSkill[i] {
			rb.mismatch("skill %s: progress counts %d marks, %d were acknowledged", sk.Code, p.Totals.MarksStored, perSkill[i])
		}
		for _, jp := range p.Judges {
			if jp.Entered != perJudge[jp.Username] {
				rb.mismatch("skill %s: progress counts %d marks of %s, %d were acknowledged", sk.Code, jp.Entered, jp.Username,
					perJudge[jp.Username])
			}
		}
	}
	return rb, nil
}

// --- the verdict ----------------------------------------------------------

// growth compares the last sample with the first, taken at the end of the
// warm-up.
type growth struct {
	From          float64 `json:"from_s"` // the first sample, the end of the warm-up
	To            float64 `json:"to_s"`
	RSSKB         int64   `json:"rss_kb"`
	RSSKBPerMin   float64 `json:"rss_kb_per_min"`
	AnonKB        int64   `json:"anon_kb"`
	AnonKBPerMin  float64 `json:"anon_kb_per_min"`
	AnonLowAt     float64 `json:"anon_low_at_s"`          // the sample with the least anonymous memory, from the warm-up's on
	AnonFromLowKB int64   `json:"anon_from_low_kb"`       // growth from that sample to the last: what the bound applies to
	AnonPerReq    float64 `json:"anon_bytes_per_request"` // anonymous memory growth ÷ requests after the warm-up
	Requests      int     `json:"requests"`               // answered after the warm-up
	ThreadsFirst  int     `json:"threads_first"`
	ThreadsLast   int     `json:"threads_last"`
	ThreadsMax    int     `json:"threads_max"`
	FDsFirst      int     `json:"fds_first"`
	FDsLast       int     `json:"fds_last"`
	FDsMax        int     `json:"fds_max"`
	DBBytes       int64   `json:"db_bytes"` // database and WAL
	MarksAcked    int64   `json:"marks_acked"`
	DBPerMark     float64 `json:"db_bytes_per_mark"` // database and WAL growth ÷ marks acknowledged after the warm-up

	// From /metrics.
	GoroutinesFirst int     `json:"goroutines_first"`
	GoroutinesLast  int     `json:"goroutines_last"`
	GoroutinesMax   int     `json:"goroutines_max"`
	HeapKB          int64   `json:"heap_inuse_kb"` // the Go heap's spans in use, last sample − first
	HeapKBPerMin    float64 `json:"heap_inuse_kb_per_min"`
	HeapLowAt       float64 `json:"heap_inuse_low_at_s"`    // the sample with the least heap in use, from the warm-up's on
	HeapFromLowKB   int64   `json:"heap_inuse_from_low_kb"` // growth from that sample to the last
	HeapMaxKB       int64   `json:"heap_inuse_max_kb"`
	WriterWaits     int64   `json:"writer_waits"`   // waits for the writer connection after the warm-up
	WriterWaitMS    float64 `json:"writer_wait_ms"` // and their total time
	ReaderWaits     int64   `json:"reader_waits"`   // waits for a reader connection after the warm-up
	ReaderWaitMS    float64 `json:"reader_wait_ms"`
}

// growthOf compares the samples after the warm-up.
func growthOf(samples []sample) growth {
	if len(samples) < 2 {
		return growth{}
	}
	first, last := samples[0], samples[len(samples)-1]
	minutes := (last.At - first.At) / 60
	g := growth{From: first.At, To: last.At, RSSKB: last.RSSKB - first.RSSKB, AnonKB: last.AnonKB - first.AnonKB,
		ThreadsFirst: first.Threads, ThreadsLast: last.Threads, FDsFirst: first.FDs, FDsLast: last.FDs,
		GoroutinesFirst: first.Goroutines, GoroutinesLast: last.Goroutines, HeapKB: last.HeapKB - first.HeapKB,
		DBBytes: last.DBBytes + last.WALBytes - first.DBBytes - first.WALBytes, MarksAcked: last.MarksAcked - first.MarksAcked}
	if minutes > 0 {
		g.RSSKBPerMin, g.AnonKBPerMin = float64(g.RSSKB)/minutes, float64(g.AnonKB)/minutes
		g.HeapKBPerMin = float64(g.HeapKB) / minutes
	}
	for _, s := range samples[1:] {
		for _, w := range s.Workloads {
			g.Requests += w.Requests
		}
		g.WriterWaits, g.WriterWaitMS = g.WriterWaits+s.WriterWaits, g.WriterWaitMS+s.WriterWaitMS
		g.ReaderWaits, g.ReaderWaitMS = g.ReaderWaits+s.ReaderWaits, g.ReaderWaitMS+s.ReaderWaitMS
	}
	anonLow, heapLow := first, first
	for _, s := range samples {
		g.ThreadsMax, g.FDsMax = max(g.ThreadsMax, s.Threads), max(g.FDsMax, s.FDs)
		g.GoroutinesMax, g.HeapMaxKB = max(g.GoroutinesMax, s.Goroutines), max(g.HeapMaxKB, s.HeapKB)
		if s.AnonKB < anonLow.AnonKB {
			anonLow = s
		}
		if s.HeapKB < heapLow.HeapKB {
			heapLow = s
		}
	}
	// Memory freed after the warm-up (the demo's start-up garbage returned
	// to the system) must not hide growth after it.
	g.AnonLowAt, g.AnonFromLowKB = anonLow.At, last.AnonKB-anonLow.AnonKB
	g.HeapLowAt, g.HeapFromLowKB = heapLow.At, last.HeapKB-heapLow.HeapKB
	if g.Requests > 0 {
		g.AnonPerReq = float64(g.AnonKB) * 1024 / float64(g.Requests)
	}
	if g.MarksAcked > 0 {
		g.DBPerMark = float64(g.DBBytes) / float64(g.MarksAcked)
	}
	return g
}

// verdict lists what failed: any unexpected error, a mark not as
// acknowledged, a failed audit or stop, file descriptors or threads more
// than doubled since the warm-up, goroutines more than doubled (beyond
// the slack), anonymous memory grown beyond its bound.
func verdict(r *result) []string {
	fails := []string{}
	errs, sum := 0, []string{}
	for _, w := range r.Workloads {
		errs += w.Errors
		if w.Errors > 0 {
			sum = append(sum, fmt.Sprintf("%s %d (first: %s)", w.Name, w.Errors, w.ErrorSamples[0]))
		}
		if w.Offered > 0 && w.Requests == 0 {
			fails = append(fails, fmt.Sprintf("workload %s made no request", w.Name))
		}
	}
	if errs > 0 {
		fails = append(fails, fmt.Sprintf("%d unexpected errors: %s", errs, strings.Join(sum, "; ")))
	}
	rb := r.Readback
	if rb.Mismatches > 0 || rb.Stored != rb.Expected {
		fails = append(fails, fmt.Sprintf("%d marks are not as acknowledged (first: %s)", rb.Mismatches, strings.Join(rb.Samples, "; ")))
	}
	if rb.Checked == 0 {
		fails = append(fails, "no acknowledged mark to read back")
	}
	if !r.AuditOK {
		fails = append(fails, "bayskills audit verify failed: "+r.Audit)
	}
	if r.StopError != "" {
		fails = append(fails, "stopping the server: "+r.StopError)
	}
	g := r.Growth
	if len(r.Samples) < 2 {
		return append(fails, "fewer than two samples: nothing to compare after the warm-up")
	}
	if g.FDsLast > 2*g.FDsFirst {
		fails = append(fails, fmt.Sprintf("open file descriptors grew from %d after the warm-up to %d (more than twice)", g.FDsFirst, g.FDsLast))
	}
	if g.ThreadsLast > 2*g.ThreadsFirst {
		fails = append(fails, fmt.Sprintf("threads grew from %d after the warm-up to %d (more than twice)", g.ThreadsFirst, g.ThreadsLast))
	}
	if g.GoroutinesLast > 2*g.GoroutinesFirst+r.Bounds.GoroutineSlack {
		fails = append(fails, fmt.Sprintf("goroutines grew from %d after the warm-up to %d (more than twice, plus %d)", g.GoroutinesFirst,
			g.GoroutinesLast, r.Bounds.GoroutineSlack))
	}
	if g.AnonFromLowKB > r.Bounds.MaxAnonGrowthKB {
		fails = append(fails, fmt.Sprintf("anonymous memory grew %.1f MiB after the warm-up (from its lowest, at %s), more than %.0f MiB",
			float64(g.AnonFromLowKB)/1024, clock(g.AnonLowAt), float64(r.Bounds.MaxAnonGrowthKB)/1024))
	}
	return fails
}
