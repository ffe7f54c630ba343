// Command bayskills runs cross-border vocational skills competitions in the
// Guangdong–Hong Kong–Macao Greater Bay Area: event setup, judging, results
// and signed skill certificates, in one binary with an embedded database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"bayskills/server"
	"bayskills/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bayskills:", err)
		os.Exit(1)
	}
}

const usage = `usage: bayskills [command] [flags]

commands:
  serve        start the server (the default)
  migrate      apply database migrations and exit
  backup FILE  write a consistent copy of the live database to FILE
  audit verify walk the audit trail's hash chain, compare the marks with it and recompute stored results
  keys rotate  give an issuer new signing keys (--issuer CODE; after a leak, --compromised-at TIME)
  verify       check a certificate PDF or QR URL offline against pinned keys ("bayskills verify -h")
  version      print the version

Run "bayskills COMMAND -h" for a command's flags. Every flag has an
environment twin: --data is BAYSKILLS_DATA, --base-url is BAYSKILLS_BASE_URL.
`

// config is the configuration of every command: flags, each defaulting to
// its BAYSKILLS_* environment variable.
type config struct {
	addr, data, baseURL string
	tlsCert, tlsKey     string
	logFormat           string
	loginsPerMinute     int
	demo                bool
	adminPassword       string // environment only: secrets stay off the command line
	masterKey           string // environment only (BAYSKILLS_MASTER_KEY); else <data>/master.key
	cpuProfile          string // environment only (BAYSKILLS_CPU_PROFILE): a diagnostic for load tests
	publicPerMinute     int    // verification requests per minute per address; negative: no cap
	metricsToken        string // bearer token a Prometheus scraper sends for GET /metrics; "": admin only
	issuer              string // keys rotate: the issuer's code
	compromisedAt       string // keys rotate: since when the current keys are compromised (RFC 3339)
	reason              string // keys rotate: why
}

func parseFlags(name string, args []string, getenv func(string) string, out io.Writer) (*config, []string, error) {
	env := func(key, def string) string {
		if v := getenv("BAYSKILLS_" + key); v != "" {
			return v
		}
		return def
	}
	demoDefault, _ := strconv.ParseBool(env("DEMO", "false"))
	cfg := &config{adminPassword: getenv("BAYSKILLS_ADMIN_PASSWORD"), masterKey: getenv("BAYSKILLS_MASTER_KEY"),
		cpuProfile: getenv("BAYSKILLS_CPU_PROFILE")}
	fs := flag.NewFlagSet("bayskills "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.addr, "addr", env("ADDR", ":8080"), "listen address (BAYSKILLS_ADDR)")
	fs.StringVar(&cfg.data, "data", env("DATA", "./data"), "data directory: database and keys (BAYSKILLS_DATA)")
	fs.StringVar(&cfg.baseURL, "base-url", env("BASE_URL", ""), "public URL, printed in QR codes (BAYSKILLS_BASE_URL)")
	fs.BoolVar(&cfg.demo, "demo", demoDefault, "load the demo event into an empty database (BAYSKILLS_DEMO)")
	fs.StringVar(&cfg.tlsCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file (BAYSKILLS_TLS_CERT)")
	fs.StringVar(&cfg.tlsKey, "tls-key", env("TLS_KEY", ""), "TLS key file (BAYSKILLS_TLS_KEY)")
	fs.StringVar(&cfg.logFormat, "log-format", env("LOG_FORMAT", "text"), "log format: text or json (BAYSKILLS_LOG_FORMAT)")
	logins, err := strconv.Atoi(env("LOGIN_LIMIT", "120"))
	if err != nil {
		return nil, nil, fmt.Errorf("BAYSKILLS_LOGIN_LIMIT must be a number")
	}
	fs.IntVar(&cfg.loginsPerMinute, "login-limit", logins, "sign-in attempts per minute per client address (BAYSKILLS_LOGIN_LIMIT)")
	publicLimit, err := strconv.Atoi(env("PUBLIC_LIMIT", "600"))
	if err != nil {
		return nil, nil, fmt.Errorf("BAYSKILLS_PUBLIC_LIMIT must be a number")
	}
	fs.IntVar(&cfg.publicPerMinute, "public-limit", publicLimit,
		"verification requests per minute per client address; -1: no limit, for load tests (BAYSKILLS_PUBLIC_LIMIT)")
	fs.StringVar(&cfg.metricsToken, "metrics-token", env("METRICS_TOKEN", ""),
		"bearer token that lets a Prometheus scraper read /metrics; prefer the environment, which ps does not show (BAYSKILLS_METRICS_TOKEN)")
	if name == "keys" {
		fs.StringVar(&cfg.issuer, "issuer", "", "the issuer's code, e.g. GD-DEMO")
		fs.StringVar(&cfg.compromisedAt, "compromised-at", "", "the current keys are compromised since this time (RFC 3339)")
		fs.StringVar(&cfg.reason, "reason", "", "why the keys are rotated")
	}
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return nil, nil, fmt.Errorf("--log-format must be text or json")
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return nil, nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	return cfg, rest, nil
}

// parseInterleaved parses fs's flags wherever they stand among the
// arguments (`backup FILE --data DIR` as well as `backup --data DIR FILE`)
// and returns the arguments that are not flags, in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
}

// run is the whole program; main only wires the process to it, so tests can
// start the real binary's logic on port 0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "bayskills", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "verify":
		return verifyCommand(args, stdout, time.Now())
	case "audit", "keys":
		sub := map[string]string{"audit": "verify", "keys": "rotate"}[cmd]
		if len(args) == 0 || args[0] != sub {
			return fmt.Errorf("usage: bayskills %s %s [flags]", cmd, sub)
		}
		args = args[1:]
	case "serve", "migrate", "backup":
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	cfg, rest, err := parseFlags(cmd, args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) != map[string]int{"backup": 1}[cmd] {
		return fmt.Errorf("unexpected arguments %q\n\n%s", rest, usage)
	}
	db, err := store.Open(ctx, cfg.data)
	if err != nil {
		return err
	}
	defer db.Close()
	if cmd == "migrate" || cmd == "serve" || cmd == "keys" {
		if err := server.Prepare(ctx, db); err != nil {
			return err
		}
	}
	switch cmd {
	case "migrate":
		ms, err := db.Migrations(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database %s is at migration %d (%s)\n", db.Path(), ms[len(ms)-1].Version, ms[len(ms)-1].Name)
		return nil
	case "backup":
		if err := db.Backup(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s\n", rest[0])
		return nil
	case "keys":
		return rotateCommand(ctx, cfg, db, stdout)
	case "audit":
		rep, err := db.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, "PROBLEM", p)
		}
		fmt.Fprintf(stdout, "audit trail: %d entries walked, %d marks compared, %d problems\n", rep.Entries, rep.Marks, len(rep.Problems))
		if !rep.OK() {
			return fmt.Errorf("the audit trail and the database disagree")
		}
		return nil
	}
	return serve(ctx, cfg, db, stdout)
}

func serve(ctx context.Context, cfg *config, db *store.DB, stdout io.Writer) error {
	var handler slog.Handler = slog.NewTextHandler(stdout, nil)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stdout, nil)
	}
	log := slog.New(handler)
	slog.SetDefault(log)

	if path := cfg.cpuProfile; path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	generated, err := server.EnsureAdmin(ctx, db, cfg.adminPassword)
	if err != nil {
		return err
	}
	// The master key seals the issuers' signing keys; New checks that it
	// opens them. It is never printed.
	master, err := server.LoadMasterKey(cfg.data, cfg.masterKey)
	if err != nil {
		return err
	}
	srv, err := server.New(db, server.Config{DataDir: cfg.data, BaseURL: cfg.baseURL, Version: version, Logger: log,
		LoginsPerMinute: cfg.loginsPerMinute, PublicPerMinute: cfg.publicPerMinute, MasterKey: master,
		MetricsToken: cfg.metricsToken})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	url := cfg.baseURL
	if url == "" {
		port := ln.Addr().(*net.TCPAddr).Port
		url = fmt.Sprintf("%s://localhost:%d", scheme, port)
	}
	var demo *server.Demo
	if cfg.demo {
		// After listening: the demo certificates' QR codes point to url.
		if demo, err = server.LoadDemo(ctx, db, server.DemoMasterKey(master), server.DemoBaseURL(url)); err != nil {
			ln.Close()
			return err
		}
	}
	fmt.Fprintf(stdout, "bayskills %s listening on %s (data in %s)\n", version, url, cfg.data)
	if generated != "" {
		fmt.Fprintf(stdout, "\nAdmin account created: username admin, password %s\n(shown once; change it with POST /api/v1/me/password)\n", generated)
	}
	if demo != nil {
		demo.Print(stdout, url)
	}
	fmt.Fprintln(stdout)

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- hs.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	return hs.Shutdown(shutdown)
}

// rotateCommand is `bayskills keys rotate`: the issuer's current keys stop
// signing and new ones take over; after a leak, the old ones are marked
// compromised since the given time, so what was signed with them from then
// on stops verifying while older certificates stay valid.
func rotateCommand(ctx context.Context, cfg *config, db *store.DB, stdout io.Writer) error {
	if cfg.issuer == "" {
		return fmt.Errorf("usage: bayskills keys rotate --issuer CODE [--compromised-at RFC3339] [--reason TEXT]")
	}
	iss, err := db.IssuerByCode(ctx, strings.ToUpper(cfg.issuer))
	if err != nil {
		return err
	}
	r := store.KeyRotation{Reason: cfg.reason}
	if cfg.compromisedAt != "" {
		if r.CompromisedAt, err = time.Parse(time.RFC3339, cfg.compromisedAt); err != nil {
			return fmt.Errorf("--compromised-at: want a time like 2026-11-24T09:30:00+08:00: %w", err)
		}
	}
	master, err := server.LoadMasterKey(cfg.data, cfg.masterKey)
	if err != nil {
		return err
	}
	keys, err := server.RotateKeys(ctx, db, master, iss.ID, 0, r, time.Now())
	if err != nil {
		return err
	}
	for _, k := range keys {
		state := "current"
		switch {
		case k.CompromisedAt != "":
			state = "compromised since " + k.CompromisedAt
		case k.RetiredAt != "":
			state = "retired " + k.RetiredAt
		}
		fmt.Fprintf(stdout, "%s  %-6s  %s  %s\n", iss.Code, k.Purpose, k.KID, state)
	}
	fmt.Fprintln(stdout, "running servers use the new keys within a second; publish the new /.well-known/jwks.json to offline verifiers")
	return nil
}
