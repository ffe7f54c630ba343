package main

import (
	"os"
	"strings"
	"testing"
)

// testdata/metrics.txt is the server's GET /metrics cut to a few families,
// the pools' waits set to figures that tell the writer from the readers.
func TestParseMetrics(t *testing.T) {
	raw, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseMetrics(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if got.goroutines != 12 || got.heapInuse != 5898240 {
		t.Errorf("goroutines, heap in use = %d, %d; want 12, 5898240", got.goroutines, got.heapInuse)
	}
	if w, r := got.waits[writerPool], got.waits[readersPool]; w != (poolWaits{37, 0.125}) || r != (poolWaits{3, 0.004}) {
		t.Errorf("waits: writer %+v, readers %+v; want {37 0.125}, {3 0.004}", w, r)
	}

	for _, tt := range []struct {
		name, drop, want string // drop: the lines that contain it are removed
	}{
		{"no goroutines", "go_goroutines", "no go_goroutines"},
		{"no heap in use", "go_memstats_heap_inuse_bytes", "no go_memstats_heap_inuse_bytes"},
		{"no writer pool", `{db_name="writer"}`, `no go_sql_wait_count_total{db_name="writer"}`},
		{"no pools", "go_sql_wait_duration", "no go_sql_wait_duration_seconds_total"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var kept []string
			for _, line := range strings.Split(string(raw), "\n") {
				if !strings.Contains(line, tt.drop) {
					kept = append(kept, line)
				}
			}
			if _, err := parseMetrics(strings.NewReader(strings.Join(kept, "\n"))); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseMetrics = %v, want an error with %q", err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "<html>sign in</html>\n", "go_goroutines twelve\n"} {
		if _, err := parseMetrics(strings.NewReader(bad)); err == nil {
			t.Errorf("parseMetrics(%q) succeeded", bad)
		}
	}
}

// FuzzParseMetrics: whatever the server answers, parsing returns figures
// or an error, and never panics.
func FuzzParseMetrics(f *testing.F) {
	raw, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(raw))
	f.Add("go_goroutines 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		parseMetrics(strings.NewReader(text))
	})
}
