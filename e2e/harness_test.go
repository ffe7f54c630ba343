// Package e2e drives the real bayskills binary through Debian's Chromium
// (chromedp): a judge's tablet offline and online, the organizer's console.
// Screenshots of every screen go to e2e/artifacts/ (not committed).
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// binary is the bayskills binary built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bayskills-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "bayskills")
	build := exec.Command("go", "build", "-o", binary, "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build bayskills:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running bayskills with the demo event.
type server struct {
	URL string
	out *syncBuffer // what it printed: read it with printed
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer starts the binary on a free loopback port with a fresh data
// directory and the demo, and stops it when the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "BAYSKILLS_ADDR="+addr, "BAYSKILLS_DATA="+t.TempDir(), "BAYSKILLS_DEMO=true")
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		pw.Close()
	})
	s := &server{URL: "http://" + addr, out: out}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(s.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// printed returns the first group of pattern in what the server printed.
// Its output reaches s.out through a pipe, which may lag the server's
// first answer (startServer's wait) a little.
func printed(t *testing.T, s *server, pattern, what string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(s.out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server printed no %s:\n%s", what, s.out)
		}
	}
}

// demoPIN returns the PIN the demo printed for username.
func (s *server) demoPIN(t *testing.T, username string) string {
	t.Helper()
	return printed(t, s, regexp.QuoteMeta(username)+`\s+PIN (\d+)`, "PIN for "+username)
}

// newBrowser starts a headless Debian Chromium with a viewport of w×h CSS
// pixels. A missing Chromium fails the test: CI installs it.
func newBrowser(t *testing.T, w, h int64) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (apt-get install chromium); the browser tests need it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(int(w), int(h)), chromedp.Flag("lang", "en-GB"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shot saves a full-page screenshot as e2e/artifacts/NAME.png.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("artifacts", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoginPage signs in through the login page in each language's
// rendering and lands where the role works.
func TestLoginPage(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t, 768, 1024)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/login?lang=zh-Hant")); err != nil {
		t.Fatal(err)
	}
	lang, err := chromedp.Run(ctx, chromedp.AttributeValue("html", "lang"))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text("h1"))
	if err != nil {
		t.Fatal(err)
	}
	if lang.Value != "zh-Hant" || title != "登入" {
		t.Fatalf("login page in zh-Hant: lang %q, title %q", lang.Value, title)
	}
	shot(t, ctx, "login-zh-Hant")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/login?lang=en"),
		chromedp.SendKeys(`input[name=username]`, "organizer"),
		chromedp.SendKeys(`input[name=secret]`, "demo-organizer-2026"),
		chromedp.Click(`input[value=password]`),
		chromedp.Click(`button[type=submit]`),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/console") {
		t.Fatalf("organizer landed on %s, want the console", loc)
	}
}
