package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bayskills/certs"
)

// fetch GETs url into a file of dir and returns the file's path.
func fetch(t *testing.T, url, dir, name string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// verifyOut runs `bayskills verify args…` and returns its output and error.
func verifyOut(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), append([]string{"verify"}, args...), env(nil), &out)
	return out.String(), err
}

// TestVerifyCommand checks a certificate the demo issued offline, from its
// PDF and from its QR URL, with and without status lists; then after a
// revocation, and after `bayskills keys rotate` marks the issuer's key
// compromised before the certificate was signed.
func TestVerifyCommand(t *testing.T) {
	dir, files := t.TempDir(), t.TempDir()
	started := time.Now().Add(-time.Minute)
	vars := map[string]string{"BAYSKILLS_DATA": dir, "BAYSKILLS_DEMO": "true", "BAYSKILLS_ADMIN_PASSWORD": "admin password for tests"}
	base, out := startServer(t, vars)
	m := regexp.MustCompile(`verification +(\S+)/v/(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no verification URL printed:\n%s", out)
	}
	id := m[2]
	var v struct {
		Certificate struct {
			Issuer struct{ Code string } `json:"issuer"`
		} `json:"certificate"`
	}
	if code := call(t, "GET", base+"/api/v1/public/certificates/"+id, "", "", &v); code != 200 {
		t.Fatalf("certificate %s: %d", id, code)
	}
	issuer := v.Certificate.Issuer.Code
	jwks := fetch(t, base+"/.well-known/jwks.json", files, "jwks.json")
	pdf := fetch(t, base+"/v/"+id+"/certificate.pdf", files, "certificate.pdf")
	revocation := fetch(t, base+"/status/"+issuer, files, "revocation.jwt")
	suspension := fetch(t, base+"/status/"+issuer+"/suspension", files, "suspension.jwt")

	raw, _ := os.ReadFile(pdf)
	keys, _ := certs.ParseJWKS(mustRead(t, jwks))
	claims := certs.VerifyPDF(raw, keys).Claims()
	if claims == "" {
		t.Fatal("the PDF carries no claims")
	}
	qr := base + "/v/" + id + "#" + claims

	for _, tc := range []struct {
		name  string
		args  []string
		valid bool
		want  string
	}{
		{"PDF, no status list", []string{"--jwks", jwks, pdf}, true, "revocation NOT checked"},
		{"flags after the file", []string{pdf, "--jwks", jwks, "--status-list", revocation}, true, "\nVALID\n"},
		{"PDF and status lists", []string{"--jwks", jwks, "--status-list", revocation, "--status-list", suspension, pdf}, true, "\nVALID\n"},
		{"QR URL", []string{"--jwks", jwks, "--status-list", revocation, qr}, true, "\nVALID\n"},
		{"QR URL, one character changed", []string{"--jwks", jwks, qr[:len(qr)-3] + flip(qr[len(qr)-3:])}, false, "FAILED"},
		{"a URL without claims", []string{"--jwks", jwks, base + "/v/" + id}, false, "no #fragment"},
		{"PDF, one byte changed", []string{"--jwks", jwks, tampered(t, raw, files)}, false, "PDF signature      FAILED"},
		{"not a PDF", []string{"--jwks", jwks, jwks}, false, "not a PDF"},
	} {
		got, err := verifyOut(t, tc.args...)
		if (err == nil) != tc.valid || !strings.Contains(got, tc.want) {
			t.Errorf("%s: error %v, output:\n%s\nwant %q", tc.name, err, got, tc.want)
		}
	}
	// A day later the same list is stale: no longer proof of "not revoked".
	var stale strings.Builder
	err := verifyCommand([]string{"--jwks", jwks, "--status-list", revocation, pdf}, &stale, time.Now().Add(24*time.Hour))
	if err != nil || !strings.Contains(stale.String(), "list expired") || !strings.Contains(stale.String(), "revocation NOT checked") {
		t.Errorf("with a stale status list: %v\n%s", err, stale.String())
	}
	if _, err := verifyOut(t, pdf); err == nil {
		t.Error("verify without --jwks passed")
	}

	// Revoked: the status list says so.
	var login struct{ Token string }
	call(t, "POST", base+"/api/v1/auth/login", "", `{"username":"admin","password":"admin password for tests"}`, &login)
	if code := call(t, "POST", base+"/api/v1/certificates/"+id+"/status", login.Token,
		`{"status":"revoked","reason":"issued in error"}`, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	revoked := fetch(t, base+"/status/"+issuer, files, "revoked.jwt")
	if got, err := verifyOut(t, "--jwks", jwks, "--status-list", revoked, pdf); err == nil || !strings.Contains(got, "NOT VALID: revoked") {
		t.Errorf("after a revocation: %v\n%s", err, got)
	}

	// The issuer's key leaked before the certificate was signed.
	var rot strings.Builder
	if err := run(context.Background(), []string{"keys", "rotate", "--issuer", issuer, "--compromised-at",
		started.Format(time.RFC3339), "--reason", "test leak"}, env(vars), &rot); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, rot.String())
	}
	if !strings.Contains(rot.String(), "compromised since") || !strings.Contains(rot.String(), "current") {
		t.Errorf("keys rotate printed:\n%s", rot.String())
	}
	time.Sleep(1100 * time.Millisecond) // servers check the keys every second
	newKeys := fetch(t, base+"/.well-known/jwks.json", files, "jwks2.json")
	if got, err := verifyOut(t, "--jwks", newKeys, pdf); err == nil || !strings.Contains(got, "compromised") {
		t.Errorf("with the compromise in the key set: %v\n%s", err, got)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flip changes every character of s to another base64url one.
func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

// tampered writes pdf with one byte of its signed content changed.
func tampered(t *testing.T, pdf []byte, dir string) string {
	t.Helper()
	b := append([]byte(nil), pdf...)
	i := len(b) / 3
	b[i] ^= 0x01
	path := filepath.Join(dir, "tampered.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
