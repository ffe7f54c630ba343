package main

import (
	"fmt"
	"io"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The connection pools the server's /metrics describes (store.DB.Pools),
// by their db_name label: one writer, many readers.
const (
	writerPool  = "writer"
	readersPool = "readers"
)

// runtimeFigures are what the soak reads from the server's GET /metrics:
// the Go collector's goroutines and heap, and the database/sql collector's
// waits for a connection of each pool, counted since the server started.
type runtimeFigures struct {
	goroutines int
	heapInuse  int64 // bytes
	waits      map[string]poolWaits
}

// poolWaits are a connection pool's waits for a free connection.
type poolWaits struct {
	count   int64
	seconds float64
}

// parseMetrics reads the figures the soak samples from a /metrics answer in
// Prometheus' text format. A metric or a pool that is missing is an error:
// a figure the soak cannot read is not a zero.
func parseMetrics(r io.Reader) (runtimeFigures, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return runtimeFigures{}, fmt.Errorf("parsing /metrics: %w", err)
	}
	// value is the one series of name whose labels include db_name=pool
	// (pool "": a series without labels).
	value := func(name, pool string) (float64, error) {
		f := families[name]
		if f == nil {
			return 0, fmt.Errorf("/metrics has no %s", name)
		}
		for _, m := range f.GetMetric() {
			if pool != "" && !hasLabel(m, "db_name", pool) {
				continue
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), nil
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), nil
			case m.GetUntyped() != nil:
				return m.GetUntyped().GetValue(), nil
			}
		}
		return 0, fmt.Errorf("/metrics has no %s{db_name=%q}", name, pool)
	}
	var rf runtimeFigures
	g, err := value("go_goroutines", "")
	if err != nil {
		return rf, err
	}
	heap, err := value("go_memstats_heap_inuse_bytes", "")
	if err != nil {
		return rf, err
	}
	rf.goroutines, rf.heapInuse, rf.waits = int(g), int64(heap), map[string]poolWaits{}
	for _, pool := range []string{writerPool, readersPool} {
		n, err := value("go_sql_wait_count_total", pool)
		if err != nil {
			return rf, err
		}
		s, err := value("go_sql_wait_duration_seconds_total", pool)
		if err != nil {
			return rf, err
		}
		rf.waits[pool] = poolWaits{count: int64(n), seconds: s}
	}
	return rf, nil
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
