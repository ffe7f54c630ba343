package serverproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for bayskills: started with
// SERVERPROC_FAKE set, it is a fake server instead of the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("SERVERPROC_FAKE") {
	case "":
		os.Exit(m.Run())
	case "serve":
		fakeServe(os.Args[1:])
	default: // "exit": a server that fails at start
		fmt.Println("fake: cannot open the database")
		os.Exit(3)
	}
}

// fakeServe prints its arguments, answers /healthz on --addr and exits 0
// on SIGTERM, as bayskills serve does.
func fakeServe(args []string) {
	fmt.Println("args:", strings.Join(args, " "))
	addr := ""
	for i, a := range args {
		if a == "--addr" && i+1 < len(args) {
			addr = args[i+1]
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	go func() {
		fmt.Println(http.ListenAndServe(addr, nil))
		os.Exit(1)
	}()
	<-stop
	os.Exit(0)
}

func TestStartStop(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "logs", "server.log") // a directory Start makes
	srv, err := Start(os.Args[0], Options{Data: filepath.Join(dir, "data"), Log: log, Args: []string{"--demo"},
		Env: []string{"SERVERPROC_FAKE=serve"}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer srv.Kill()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || srv.PID() <= 0 {
		t.Errorf("URL %s, PID %d; want a loopback URL and a process", srv.URL, srv.PID())
	}
	if err := NewClient(srv.URL, 5*time.Second).Call("GET", "/healthz", "", nil, 200, nil); err != nil {
		t.Errorf("GET /healthz: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("Stop = %v, want nil (exit status 0 on SIGTERM)", err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("Stop again = %v, want nil as the first time", err)
	}
	srv.Kill() // a stopped server: nothing to do, and no wait
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := "--data " + filepath.Join(dir, "data") + " --log-format json --demo"
	if got := string(raw); !strings.Contains(got, "args: serve --addr 127.0.0.1:") || !strings.Contains(got, want) {
		t.Errorf("the server was started with %q, want serve --addr 127.0.0.1:PORT %s", got, want)
	}
}

func TestKill(t *testing.T) {
	dir := t.TempDir()
	srv, err := Start(os.Args[0], Options{Data: dir, Log: filepath.Join(dir, "server.log"), Env: []string{"SERVERPROC_FAKE=serve"}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	srv.Kill()
	if err := srv.Stop(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Stop after Kill = %v, want the process killed", err)
	}
}

func TestStartExits(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "server.log")
	begin := time.Now()
	_, err := Start(os.Args[0], Options{Data: dir, Log: log, Env: []string{"SERVERPROC_FAKE=exit"}})
	if err == nil || !strings.Contains(err.Error(), "the server exited (exit status 3); log in "+log) {
		t.Fatalf("Start = %v, want the server exited, naming the log", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("Start took %s to see the exit, want it at once, not at the timeout", d)
	}
	if raw, _ := os.ReadFile(log); !strings.Contains(string(raw), "cannot open the database") {
		t.Errorf("log = %q, want what the server printed", raw)
	}
}

func TestCPUTime(t *testing.T) {
	// The load tools read /proc (Linux): without it this fails, as they do.
	// Busy until the process has used a clock tick (10 ms) of CPU time.
	got, err := CPUTime(os.Getpid())
	for deadline := time.Now().Add(5 * time.Second); err == nil && got == 0 && time.Now().Before(deadline); {
		got, err = CPUTime(os.Getpid())
	}
	if err != nil || got < 10*time.Millisecond {
		t.Errorf("CPUTime(this process) = %v, %v; want ≥ 10ms", got, err)
	}
	if _, err := CPUTime(-1); err == nil {
		t.Error("CPUTime(-1) succeeded")
	}
}

// echo is what the test server answers on /echo: what it received.
type echo struct {
	Method, ContentType, Authorization, Body string
}

func TestClient(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			n, _ := strconv.Atoi(code)
			w.WriteHeader(n)
			io.WriteString(w, "nope")
			return
		}
		if r.URL.Path == "/long" {
			w.WriteHeader(500)
			io.WriteString(w, strings.Repeat("x", 1000))
			return
		}
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(echo{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(body)})
	}))
	defer ts.Close()
	c := NewClient(ts.URL, 5*time.Second)
	for _, tt := range []struct {
		name         string
		method, path string
		token        string
		body         any
		want         int
		echo         echo   // the answer decoded, when the path is /echo
		err          string // "" when the call succeeds
		status       int    // the StatusError's status, when err is one
	}{
		{name: "JSON body and a token", method: "POST", path: "/echo", token: "t0k", body: map[string]int{"size": 3},
			echo: echo{"POST", "application/json", "Bearer t0k", `{"size":3}`}},
		{name: "CSV body", method: "POST", path: "/echo", body: []byte("skill,name\nS00,A\n"),
			echo: echo{"POST", "text/csv", "", "skill,name\nS00,A\n"}},
		{name: "no body, no token", method: "GET", path: "/echo", echo: echo{Method: "GET"}},
		{name: "any 2xx when want is 0", method: "GET", path: "/status/201"},
		{name: "the status wanted", method: "GET", path: "/status/409", want: 409},
		{name: "not 2xx when want is 0", method: "GET", path: "/status/409", err: "GET /status/409: 409: nope", status: 409},
		{name: "not the status wanted", method: "GET", path: "/status/200", want: 404, err: "GET /status/200: 200, want 404: nope",
			status: 200},
		{name: "a long answer cut at 300 bytes", method: "GET", path: "/long", err: "GET /long: 500: " + strings.Repeat("x", 300),
			status: 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got echo
			var out any
			if tt.path == "/echo" {
				out = &got
			}
			err := c.Call(tt.method, tt.path, tt.token, tt.body, tt.want, out)
			var se *StatusError
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Call = %v, want nil", err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Fatalf("Call = %v, want %s", err, tt.err)
			case tt.err != "" && (!errors.As(err, &se) || se.Status != tt.status):
				t.Fatalf("Call = %#v, want a *StatusError with status %d", err, tt.status)
			}
			if got != tt.echo {
				t.Errorf("the server received %+v, want %+v", got, tt.echo)
			}
		})
	}
	t.Run("an answer that is not JSON", func(t *testing.T) {
		var out struct{}
		err := c.Call("GET", "/status/200", "", nil, 0, &out)
		var se *StatusError
		if err == nil || errors.As(err, &se) || !strings.HasPrefix(err.Error(), "GET /status/200: ") {
			t.Errorf("Call = %v, want a decoding error naming the request", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		err := NewClient(dead.URL, 5*time.Second).Call("GET", "/", "", nil, 0, nil)
		var se *StatusError
		if err == nil || errors.As(err, &se) {
			t.Errorf("Call = %v, want a connection error (worth a retry), not a *StatusError", err)
		}
	})
	t.Run("Send returns the answer", func(t *testing.T) {
		raw, err := c.Send("GET", "/status/202", "", nil, 202)
		if err != nil || string(raw) != "nope" {
			t.Errorf("Send = %q, %v; want nope", raw, err)
		}
	})
}
