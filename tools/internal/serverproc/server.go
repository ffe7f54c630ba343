// Package serverproc runs the real bayskills binary for the load tools
// (tools/loadmarks, tools/verifybench, tools/soak): started on a free
// loopback port with a data directory of theirs, waited for until it
// answers, stopped as an operator stops it, and talked to over its JSON
// API with a Client.
package serverproc

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options say how to start the binary beyond `serve --addr ADDR --data
// DIR --log-format json`.
type Options struct {
	Data string   // the data directory
	Log  string   // the file the server's output (JSON log lines) goes to
	Args []string // more flags of serve, such as --demo or --public-limit -1
	Env  []string // more environment, after this process's
}

// startTimeout is how long Start waits for the server to answer /healthz:
// the demo's start-up and a large database's checks take a while.
const startTimeout = 30 * time.Second

// stopTimeout is how long Stop waits after SIGTERM before it kills.
const stopTimeout = 30 * time.Second

// Server is a running bayskills process.
type Server struct {
	URL    string // http://127.0.0.1:PORT, without a trailing slash
	log    string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited
	err    error         // how it exited (cmd.Wait), once exited is closed
}

// Start runs bin serve on a free loopback port and returns once /healthz
// answers 200. It fails early, naming the log, when the process exits
// before then. The server dies with this process (Linux), so that it does
// not outlive a load tool that is killed (tools/benchreport kills its
// commands on an interrupt).
func Start(bin string, o Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"serve", "--addr", addr, "--data", o.Data, "--log-format", "json"}, o.Args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	dieWithParent(cmd)
	if err := os.MkdirAll(filepath.Dir(o.Log), 0o700); err != nil {
		return nil, err
	}
	logf, err := os.Create(o.Log)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &Server{URL: "http://" + addr, log: o.Log, cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	if err := s.waitHealthy(); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// waitHealthy polls /healthz until it answers 200, the process exits, or
// startTimeout passes.
func (s *Server) waitHealthy() error {
	probe := &http.Client{Timeout: 5 * time.Second}
	for deadline := time.Now().Add(startTimeout); time.Now().Before(deadline); {
		if res, err := probe.Get(s.URL + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited (%v); log in %s", s.err, s.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("the server did not start (log in %s)", s.log)
}

// PID is the server's process id, for reading it in /proc.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop shuts the server down as an operator does (SIGTERM), so that it
// finishes its writes (and a CPU profile), and waits for it. It returns how
// the process exited, or an error when it did not stop within 30 s, after
// which it is killed. Stop after the server has ended returns the same.
func (s *Server) Stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.err
	case <-time.After(stopTimeout):
		s.Kill()
		return errors.New("the server did not stop within 30 s of SIGTERM")
	}
}

// Kill ends the server with SIGKILL if it still runs, and waits for it.
func (s *Server) Kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.exited
}

// CPUTime is the user and system CPU time process pid has used
// (/proc/PID/stat, in clock ticks of 10 ms): the server's, or a load
// tool's own for a handler it serves in process.
func CPUTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses: utime
	// and stime are the 14th and 15th of the whole line.
	_, rest, _ := strings.Cut(string(raw), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, raw)
	}
	user, err1 := strconv.ParseInt(f[11], 10, 64)
	system, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(user+system) * 10 * time.Millisecond, nil
}
