package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bayskills/tools/internal/host"
	"bayskills/tools/internal/serverproc"
)

// --- the workloads --------------------------------------------------------

// workload is one kind of request of the load, with its figures for the
// interval under way and for the whole run.
type workload struct {
	name, what string
	rate       float64 // offered requests a second
	mu         sync.Mutex
	lat        []time.Duration // this interval
	errs       int             // this interval
	all        []time.Duration
	errors     int
	samples    []string // the first errors' messages
}

// record counts one request: its latency, and whether it failed.
func (w *workload) record(d time.Duration, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lat, w.all = append(w.lat, d), append(w.all, d)
	if err != nil {
		w.errs++
		w.errors++
		if len(w.samples) < 5 {
			w.samples = append(w.samples, err.Error())
		}
	}
}

// take returns the interval's figures and starts the next interval.
func (w *workload) take() intervalFigures {
	w.mu.Lock()
	lat, errs := w.lat, w.errs
	w.lat, w.errs = nil, 0
	w.mu.Unlock()
	slices.Sort(lat)
	return intervalFigures{Name: w.name, Requests: len(lat), Errors: errs, P50: msf(percentile(lat, 0.5)), P99: msf(percentile(lat, 0.99))}
}

func (w *workload) total() workloadTotal {
	w.mu.Lock()
	defer w.mu.Unlock()
	all := slices.Clone(w.all)
	slices.Sort(all)
	return workloadTotal{Name: w.name, What: w.what, Offered: w.rate, Requests: len(all), Errors: w.errors,
		P50: msf(percentile(all, 0.5)), P99: msf(percentile(all, 0.99)), Max: msf(percentile(all, 1)), ErrorSamples: w.samples}
}

// percentile of sorted latencies, by nearest rank; 0 when there are none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// workloads are the four kinds of request of the load.
type workloads struct {
	marks, api, page, organizer *workload
}

func newWorkloads(cfg config) workloads {
	return workloads{
		marks: &workload{name: "marks", rate: cfg.markRate / float64(cfg.batch),
			what: fmt.Sprintf("POST …/marks, batches of %d (a share sent twice with the same keys)", cfg.batch)},
		api: &workload{name: "verify-api", rate: cfg.apiRate,
			what: "GET /api/v1/public/certificates/{id}"},
		page: &workload{name: "verify-page", rate: cfg.pageRate, what: "GET /v/{id}"},
		organizer: &workload{name: "organizer", rate: cfg.organizerRate,
			what: "GET …/progress, …/results (409 while marking), event results"},
	}
}

func (ws workloads) list() []*workload { return []*workload{ws.marks, ws.api, ws.page, ws.organizer} }

// pace runs workers that together offer rate calls a second until ctx
// ends: each worker calls every workers/rate seconds, the workers
// staggered. A call's latency counts from when it was due, so a server
// that falls behind cannot hide its backlog in fewer requests.
func pace(ctx context.Context, wg *sync.WaitGroup, begin time.Time, workers int, rate float64, call func(worker int, due time.Time)) {
	if rate <= 0 || workers <= 0 {
		return
	}
	every := time.Duration(float64(workers) / rate * float64(time.Second))
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			due := begin.Add(every * time.Duration(i) / time.Duration(workers))
			timer := time.NewTimer(time.Until(due))
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				if ctx.Err() != nil {
					return
				}
				call(i, due)
				due = due.Add(every)
				timer.Reset(time.Until(due))
			}
		}()
	}
}

// workersFor is how many workers offer rate requests a second: each at
// most 5 a second, so a slow answer delays few others.
func workersFor(rate float64) int {
	return max(1, int(math.Ceil(rate/5)))
}

// --- judges ---------------------------------------------------------------

// markFigures count the marks of the run.
type markFigures struct {
	Acked    int64 `json:"acked"`    // mark changes acknowledged: first marks and re-scores
	First    int64 `json:"first"`    // of which first marks
	Rescored int64 `json:"rescored"` // of which re-scores (a new value at the version last seen)
	Resent   int64 `json:"resent"`   // batches sent a second time with the same keys
	Repeated int64 `json:"repeated"` // marks of those answered "repeated", as the first time
	Resynced int64 `json:"resynced"` // times a judge re-read their work after a batch failed
}

type markCounters struct {
	acked, first, rescored, resent, repeated, resynced atomic.Int64
}

func (mc *markCounters) figures() markFigures {
	return markFigures{Acked: mc.acked.Load(), First: mc.first.Load(), Rescored: mc.rescored.Load(), Resent: mc.resent.Load(),
		Repeated: mc.repeated.Load(), Resynced: mc.resynced.Load()}
}

type markInput struct {
	Key      string      `json:"key"`
	EntryID  int64       `json:"entry_id"`
	AspectID int64       `json:"aspect_id"`
	Value    json.Number `json:"value"`
	Version  int64       `json:"version"`
}

type markAnswer struct {
	Marks []struct {
		Key     string `json:"key"`
		MarkID  int64  `json:"mark_id"`
		Version int64  `json:"version"`
		Status  string `json:"status"`
	} `json:"marks"`
}

// step sends the judge's next batch: their next marks, first marks on the
// first pass and re-scores with new values after, each with a new key and
// the version last acknowledged. A failed connection is retried with the
// same keys, as a tablet's outbox does; a share of acknowledged batches is
// sent again with the same keys and must be answered "repeated".
func (j *judge) step(c *serverproc.Client, cfg config, w *workload, mc *markCounters, due time.Time) {
	batch := j.marks[j.next:min(j.next+cfg.batch, len(j.marks))]
	j.next = (j.next + len(batch)) % len(j.marks)
	in := make([]markInput, len(batch))
	values := make([]int64, len(batch))
	for i, m := range batch {
		values[i] = newValue(m)
		in[i] = markInput{Key: newKey(), EntryID: m.entry, AspectID: m.aspect, Value: centiText(values[i]), Version: m.version}
	}
	body := map[string]any{"marks": in}
	var ans markAnswer
	var err error
	for try := 0; try < 3; try++ {
		t0 := due
		if try > 0 {
			t0 = time.Now()
		}
		ans = markAnswer{}
		if err = c.Call("POST", j.path+"/marks", j.token, body, 200, &ans); err == nil {
			err = checkAnswer(ans, in, batch, try > 0)
		}
		w.record(time.Since(t0), err)
		var se *serverproc.StatusError
		if err == nil || errors.As(err, &se) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		// Counted as an error already; carry on from what the server holds.
		mc.resynced.Add(1)
		j.resync(c)
		return
	}
	for i, m := range batch {
		if m.version == 0 {
			mc.first.Add(1)
		} else {
			mc.rescored.Add(1)
		}
		m.value, m.version = values[i], ans.Marks[i].Version
	}
	mc.acked.Add(int64(len(batch)))
	if mrand.Float64() >= cfg.retryShare {
		return
	}
	// The tablet never saw the answer and sends the batch again.
	mc.resent.Add(1)
	var again markAnswer
	t0 := time.Now()
	err = c.Call("POST", j.path+"/marks", j.token, body, 200, &again)
	if err == nil && len(again.Marks) != len(in) {
		err = fmt.Errorf("a batch of %d sent again: %d answers", len(in), len(again.Marks))
	}
	if err == nil {
		for i, a := range again.Marks {
			if first := ans.Marks[i]; a.Status != "repeated" || a.Key != first.Key || a.MarkID != first.MarkID || a.Version != first.Version {
				err = fmt.Errorf("a batch sent again: mark %d answered %+v, want %+v as repeated", i, a, first)
				break
			}
		}
	}
	if err == nil {
		mc.repeated.Add(int64(len(again.Marks)))
	}
	w.record(time.Since(t0), err)
}

// checkAnswer compares a batch's answer with what was sent: one answer a
// mark, in order, created or updated to the next version — or, when the
// batch is a retry after a failed connection, "repeated" at that version.
func checkAnswer(ans markAnswer, in []markInput, batch []*mark, retry bool) error {
	if len(ans.Marks) != len(in) {
		return fmt.Errorf("a batch of %d marks: %d answers", len(in), len(ans.Marks))
	}
	for i, a := range ans.Marks {
		want := "updated"
		if batch[i].version == 0 {
			want = "created"
		}
		if a.Key != in[i].Key || a.Version != batch[i].version+1 || (a.Status != want && !(retry && a.Status == "repeated")) {
			return fmt.Errorf("mark %d of a batch: answered key %s, version %d, %s; want key %s, version %d, %s", i, a.Key,
				a.Version, a.Status, in[i].Key, batch[i].version+1, want)
		}
	}
	return nil
}

// resync sets the judge's marks to what the server holds.
func (j *judge) resync(c *serverproc.Client) {
	w, err := j.work(c)
	if err != nil {
		return // the next batch fails again, and is counted
	}
	held := map[[2]int64][2]int64{}
	for _, m := range w.Marks {
		held[[2]int64{m.EntryID, m.AspectID}] = [2]int64{centi(m.Value), m.Version}
	}
	for _, m := range j.marks {
		h := held[[2]int64{m.entry, m.aspect}]
		m.value, m.version = h[0], h[1]
	}
}

// --- employers and organizers ---------------------------------------------

// lookup asks for a demo certificate, or (a share of the time) for an id
// the registry does not hold, through the JSON API or the page.
func lookup(c *serverproc.Client, w *workload, v *venue, unknownShare float64, page bool, due time.Time) {
	known := mrand.Float64() >= unknownShare
	id, want := newCertificateID(), 404
	if known {
		id, want = v.certificates[mrand.IntN(len(v.certificates))], 200
	}
	var err error
	if page {
		err = c.Call("GET", "/v/"+id, "", nil, want, nil)
	} else if known {
		var ans struct {
			Verdict     string `json:"verdict"`
			Certificate struct {
				ID string `json:"id"`
			} `json:"certificate"`
		}
		if err = c.Call("GET", "/api/v1/public/certificates/"+id, "", nil, want, &ans); err == nil &&
			(ans.Certificate.ID != id || ans.Verdict != "valid") {
			err = fmt.Errorf("certificate %s: answered id %s, verdict %s; want its own id, valid", id, ans.Certificate.ID, ans.Verdict)
		}
	} else {
		err = c.Call("GET", "/api/v1/public/certificates/"+id, "", nil, want, nil)
	}
	w.record(time.Since(due), err)
}

// --- sampling the server --------------------------------------------------

// sample is the server and the load at the end of one interval.
type sample struct {
	At         float64           `json:"at_s"`    // seconds since the load started
	RSSKB      int64             `json:"rss_kb"`  // VmRSS
	AnonKB     int64             `json:"anon_kb"` // RssAnon: heap, stacks, SQLite's caches
	FileKB     int64             `json:"file_kb"` // RssFile: the binary and the database's memory maps
	Threads    int               `json:"threads"`
	FDs        int               `json:"fds"`     // open file descriptors
	Sockets    int               `json:"sockets"` // of which sockets: the listener and the connections
	DBBytes    int64             `json:"db_bytes"`
	WALBytes   int64             `json:"wal_bytes"`
	CPUPercent float64           `json:"cpu_pct"`     // the server's CPU time over the interval, % of one CPU
	MarksAcked int64             `json:"marks_acked"` // mark changes acknowledged since the start
	Load       string            `json:"load"`
	Workloads  []intervalFigures `json:"workloads"`

	// From the server's /metrics: goroutines (go_goroutines), the Go
	// heap's spans in use (go_memstats_heap_inuse_bytes), and the waits
	// for a free connection of the writer and of the readers' pool in the
	// interval, and their total time (go_sql_wait_count_total,
	// go_sql_wait_duration_seconds_total).
	Goroutines   int     `json:"goroutines"`
	HeapKB       int64   `json:"heap_inuse_kb"`
	WriterWaits  int64   `json:"writer_waits"`
	WriterWaitMS float64 `json:"writer_wait_ms"`
	ReaderWaits  int64   `json:"reader_waits"`
	ReaderWaitMS float64 `json:"reader_wait_ms"`
}

// intervalFigures are one workload's requests in one interval.
type intervalFigures struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
}

// procStatus is what /proc/PID/status says of memory and threads.
type procStatus struct {
	rssKB, anonKB, fileKB int64
	threads               int
}

// parseStatus reads the lines of /proc/PID/status the soak samples.
func parseStatus(text string) (procStatus, error) {
	var st procStatus
	seen := 0
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			st.rssKB, seen = n, seen+1
		case "RssAnon":
			st.anonKB, seen = n, seen+1
		case "RssFile":
			st.fileKB, seen = n, seen+1
		case "Threads":
			st.threads, seen = int(n), seen+1
		}
	}
	if seen != 4 {
		return st, errors.New("no VmRSS, RssAnon, RssFile and Threads lines")
	}
	return st, nil
}

// probe reads the server process, its database files and its /metrics
// (with the metrics token).
type probe struct {
	pid       int
	data      string
	client    *serverproc.Client
	token     string
	lastCPU   time.Duration
	lastAt    time.Time
	lastWaits map[string]poolWaits
}

func (p *probe) sample(at time.Duration) (sample, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return sample{}, fmt.Errorf("the server process: %w", err)
	}
	st, err := parseStatus(string(raw))
	if err != nil {
		return sample{}, fmt.Errorf("/proc/%d/status: %w", p.pid, err)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.pid))
	if err != nil {
		return sample{}, err
	}
	cpu, err := serverproc.CPUTime(p.pid)
	if err != nil {
		return sample{}, err
	}
	raw, err = p.client.Send("GET", "/metrics", p.token, nil, 200)
	if err != nil {
		return sample{}, fmt.Errorf("scraping the server's metrics: %w", err)
	}
	rf, err := parseMetrics(bytes.NewReader(raw))
	if err != nil {
		return sample{}, err
	}
	now := time.Now()
	s := sample{At: at.Seconds(), RSSKB: st.rssKB, AnonKB: st.anonKB, FileKB: st.fileKB, Threads: st.threads, FDs: len(fds),
		Goroutines: rf.goroutines, HeapKB: rf.heapInuse / 1024, Load: host.LoadAverage()}
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", p.pid, fd.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			s.Sockets++
		}
	}
	if !p.lastAt.IsZero() {
		s.CPUPercent = 100 * (cpu - p.lastCPU).Seconds() / now.Sub(p.lastAt).Seconds()
	}
	p.lastCPU, p.lastAt = cpu, now
	if p.lastWaits != nil {
		w, r := rf.waits[writerPool], rf.waits[readersPool]
		lw, lr := p.lastWaits[writerPool], p.lastWaits[readersPool]
		s.WriterWaits, s.WriterWaitMS = w.count-lw.count, 1000*(w.seconds-lw.seconds)
		s.ReaderWaits, s.ReaderWaitMS = r.count-lr.count, 1000*(r.seconds-lr.seconds)
	}
	p.lastWaits = rf.waits
	if fi, err := os.Stat(filepath.Join(p.data, "bayskills.db")); err == nil {
		s.DBBytes = fi.Size()
	}
	if fi, err := os.Stat(filepath.Join(p.data, "bayskills.db-wal")); err == nil {
		s.WALBytes = fi.Size()
	}
	return s, nil
}

// --- the run --------------------------------------------------------------

// soak runs the load for cfg.duration and samples the server every
// cfg.interval, and once more when the last requests are answered.
func soak(ctx context.Context, cfg config, c *serverproc.Client, srv *serverproc.Server, data, metricsToken string, v *venue,
	ws workloads) (*result, error) {
	p := &probe{pid: srv.PID(), data: data, client: c, token: metricsToken}
	if _, err := p.sample(0); err != nil { // the CPU time's and the waits' start
		return nil, err
	}
	runCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	begin := time.Now()
	var mc markCounters
	var wg sync.WaitGroup
	pace(runCtx, &wg, begin, len(v.judges), ws.marks.rate, func(i int, due time.Time) {
		v.judges[i].step(c, cfg, ws.marks, &mc, due)
	})
	pace(runCtx, &wg, begin, workersFor(cfg.apiRate), cfg.apiRate, func(_ int, due time.Time) {
		lookup(c, ws.api, v, cfg.unknownShare, false, due)
	})
	pace(runCtx, &wg, begin, workersFor(cfg.pageRate), cfg.pageRate, func(_ int, due time.Time) {
		lookup(c, ws.page, v, cfg.unknownShare, true, due)
	})
	var next atomic.Int64
	pace(runCtx, &wg, begin, workersFor(cfg.organizerRate), cfg.organizerRate, func(_ int, due time.Time) {
		r := v.reads[int(next.Add(1)-1)%len(v.reads)]
		ws.organizer.record(time.Since(due), c.Call("GET", r.path, r.token, nil, r.want, nil))
	})

	res := &result{Duration: cfg.duration.Seconds(), Interval: cfg.interval.Seconds()}
	take := func() error {
		s, err := p.sample(time.Since(begin))
		if err != nil {
			return err
		}
		for _, w := range ws.list() {
			s.Workloads = append(s.Workloads, w.take())
		}
		s.MarksAcked = mc.acked.Load()
		res.Samples = append(res.Samples, s)
		printSample(os.Stdout, len(res.Samples) == 1, s, cfg.interval)
		return nil
	}
	fail := func(err error) (*result, error) {
		cancel()
		wg.Wait()
		return nil, err
	}
	for k := 1; cfg.interval*time.Duration(k) < cfg.duration; k++ {
		select {
		case <-time.After(time.Until(begin.Add(cfg.interval * time.Duration(k)))):
		case <-ctx.Done():
			return fail(fmt.Errorf("interrupted after %s", time.Since(begin).Round(time.Second)))
		}
		if err := take(); err != nil {
			return fail(err)
		}
	}
	<-runCtx.Done()
	if ctx.Err() != nil {
		return fail(fmt.Errorf("interrupted after %s", time.Since(begin).Round(time.Second)))
	}
	wg.Wait() // the requests under way are answered and counted
	if err := take(); err != nil {
		return nil, err
	}
	for _, w := range ws.list() {
		res.Workloads = append(res.Workloads, w.total())
	}
	res.Marks = mc.figures()
	return res, nil
}
