// Package benchjson holds the JSON lines the load tools print last with
// --json: the contract between a tool, which writes one, and
// tools/benchreport, which reads it into BENCHMARKS.md. One type serves
// both sides, so a field cannot be renamed on one side only.
package benchjson

// Verify is the line of tools/verifybench: the registry it built and every
// wrk run of each target (the endpoint, then the bare handler).
type Verify struct {
	Tool          string         `json:"tool"` // "verifybench"
	Machine       string         `json:"machine"`
	Certs         int            `json:"certs"`
	Issuers       int            `json:"issuers"`
	DBBytes       int64          `json:"db_bytes"`
	BulkRows      int            `json:"bulk_rows"`
	BulkSeconds   float64        `json:"bulk_seconds"`
	BareBodyBytes int            `json:"bare_body_bytes"`
	Warmup        string         `json:"warmup"`
	Targets       []VerifyTarget `json:"targets"`
}

// VerifyTarget is one target's command and runs.
type VerifyTarget struct {
	Name    string      `json:"name"`
	Command string      `json:"command"`
	Runs    []VerifyRun `json:"runs"`
}

// VerifyRun is one wrk run.
type VerifyRun struct {
	RPS         float64 `json:"rps"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	Requests    int     `json:"requests"`
	ServerCPUUs float64 `json:"server_cpu_us"` // the server's CPU time a request
	WrkCPUUs    float64 `json:"wrk_cpu_us"`    // wrk's CPU time a request
	Timeouts    int     `json:"timeouts"`
	Load        string  `json:"load"` // the load average after the run
}
