package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

const mib = 1024.0 // KiB in a MiB

// printSample prints one interval as a row of the running table, after
// the table's head when first.
func printSample(w io.Writer, first bool, s sample, interval time.Duration) {
	if first {
		fmt.Fprintf(w, "\n%8s", "at")
		for _, f := range s.Workloads {
			fmt.Fprintf(w, " │ %-27s", f.Name+": req/s p50 p99 ms, err")
		}
		fmt.Fprintf(w, " │ %8s %8s %8s %5s %5s %10s %13s %9s %6s\n", "RSS MiB", "anon", "heap", "thr", "gor", "fds (sock)",
			"db waits w/r", "db+WAL MB", "CPU %")
	}
	fmt.Fprintf(w, "%8s", clock(s.At))
	seconds := interval.Seconds()
	if first {
		seconds = s.At
	}
	for _, f := range s.Workloads {
		fmt.Fprintf(w, " │ %7.1f %7.1f %7.1f %3d", float64(f.Requests)/max(seconds, 1e-9), f.P50, f.P99, f.Errors)
	}
	fmt.Fprintf(w, " │ %8.1f %8.1f %8.1f %5d %5d %5d (%2d) %13s %9.1f %6.0f\n", float64(s.RSSKB)/mib, float64(s.AnonKB)/mib,
		float64(s.HeapKB)/mib, s.Threads, s.Goroutines, s.FDs, s.Sockets, fmt.Sprintf("%d/%d", s.WriterWaits, s.ReaderWaits),
		float64(s.DBBytes+s.WALBytes)/1e6, s.CPUPercent)
}

// clock writes seconds since the start as m:ss.
func clock(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// report prints the run's figures and its verdict.
func report(w io.Writer, r *result) {
	fmt.Fprintf(w, "\nresults\n  %s\n", r.Machine)
	s := r.Setup
	fmt.Fprintf(w, "  setup: %d skills, %d judges, %d competitors a skill, %d aspects a skill: %d distinct marks; %d demo certificates\n",
		s.Skills, s.Judges, s.EntriesPerSkill, s.AspectsPerSkill, s.Pairs, s.Certificates)
	fmt.Fprintf(w, "  load: %s, sampled every %s (the first interval is the warm-up)\n",
		time.Duration(r.Duration*float64(time.Second)), time.Duration(r.Interval*float64(time.Second)))
	for _, t := range r.Workloads {
		fmt.Fprintf(w, "    %-12s offered %6.1f/s, answered %6.1f/s (%d requests), p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors — %s\n",
			t.Name, t.Offered, float64(t.Requests)/r.Duration, t.Requests, t.P50, t.P99, t.Max, t.Errors, t.What)
		for _, e := range t.ErrorSamples {
			fmt.Fprintf(w, "      error: %s\n", e)
		}
	}
	m := r.Marks
	fmt.Fprintf(w, "  marks: %d changes acknowledged (%d first marks, %d re-scores); %d batches sent again, %d marks answered \"repeated\"\n",
		m.Acked, m.First, m.Rescored, m.Resent, m.Repeated)
	if m.Resynced > 0 {
		fmt.Fprintf(w, "    %d times a judge's batch failed and the judge re-read their marks from the server\n", m.Resynced)
	}
	rb := r.Readback
	fmt.Fprintf(w, "  read back: %d marks compared (value and version), %d mismatches; progress counts %d marks of %d acknowledged\n",
		rb.Checked, rb.Mismatches, rb.Stored, rb.Expected)
	for _, e := range rb.Samples {
		fmt.Fprintf(w, "    mismatch: %s\n", e)
	}
	fmt.Fprintf(w, "  stop: %.2f s after SIGTERM", r.StopSeconds)
	if r.StopError != "" {
		fmt.Fprintf(w, " (%s)", r.StopError)
	}
	fmt.Fprintf(w, "\n  audit verify: %s\n", r.Audit)
	g := r.Growth
	fmt.Fprintf(w, "  from %s (end of the warm-up) to %s:\n", clock(g.From), clock(g.To))
	fmt.Fprintf(w, "    RSS %+.1f MiB (%+.2f MiB a minute); anonymous %+.1f MiB (%+.2f MiB a minute, %+.0f bytes a request over %d requests)\n",
		float64(g.RSSKB)/mib, g.RSSKBPerMin/mib, float64(g.AnonKB)/mib, g.AnonKBPerMin/mib, g.AnonPerReq, g.Requests)
	fmt.Fprintf(w, "    anonymous from its lowest (at %s) to the end %+.1f MiB; bound %.0f MiB\n", clock(g.AnonLowAt),
		float64(g.AnonFromLowKB)/mib, float64(r.Bounds.MaxAnonGrowthKB)/mib)
	fmt.Fprintf(w, "    Go heap in use %+.1f MiB (%+.2f MiB a minute), %+.1f MiB from its lowest (at %s), max %.1f MiB; not bounded\n",
		float64(g.HeapKB)/mib, g.HeapKBPerMin/mib, float64(g.HeapFromLowKB)/mib, clock(g.HeapLowAt), float64(g.HeapMaxKB)/mib)
	fmt.Fprintf(w, "    threads %d → %d (max %d); open files %d → %d (max %d); bound: at most twice the first\n",
		g.ThreadsFirst, g.ThreadsLast, g.ThreadsMax, g.FDsFirst, g.FDsLast, g.FDsMax)
	fmt.Fprintf(w, "    goroutines %d → %d (max %d); bound: at most twice the first, plus %d\n", g.GoroutinesFirst, g.GoroutinesLast,
		g.GoroutinesMax, r.Bounds.GoroutineSlack)
	fmt.Fprintf(w, "    waits for a database connection: writer %d (%.0f ms in all), readers %d (%.0f ms in all)\n", g.WriterWaits,
		g.WriterWaitMS, g.ReaderWaits, g.ReaderWaitMS)
	fmt.Fprintf(w, "    database + WAL %+.1f MB for %d mark changes (%.0f bytes a change)\n", float64(g.DBBytes)/1e6, g.MarksAcked,
		g.DBPerMark)
	if len(r.Failures) == 0 {
		fmt.Fprintf(w, "  verdict: PASS\n")
		return
	}
	fmt.Fprintf(w, "  verdict: FAIL\n")
	for _, f := range r.Failures {
		fmt.Fprintf(w, "    - %s\n", strings.TrimSpace(f))
	}
}
