package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"bayskills/certs"
)

const verifyUsage = `usage: bayskills verify --jwks KEYS.json [--status-list LIST.jwt ...] FILE.pdf | 'URL'

Checks a certificate without the server: a PDF's signature and the signed
claims it carries, or the signed claims of a QR code's URL, against the
pinned key set (a copy of <server>/.well-known/jwks.json). Status lists
(copies of <server>/status/<issuer> and …/suspension) add the revocation
check; without them the answer says that revocation was not checked.
`

// errNotValid is what verify returns when the certificate does not verify;
// the report says why.
var errNotValid = errors.New("the certificate is not valid")

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// verifyCommand is `bayskills verify`.
func verifyCommand(args []string, stdout io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("bayskills verify", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() { fmt.Fprint(stdout, verifyUsage); fs.PrintDefaults() }
	jwksFile := fs.String("jwks", "", "the pinned key set (JSON Web Key Set)")
	var lists multiFlag
	fs.Var(&lists, "status-list", "a signed status list of the issuer (repeatable)")
	targets, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(targets) != 1 || *jwksFile == "" {
		return fmt.Errorf("%s", strings.TrimSpace(verifyUsage))
	}
	raw, err := os.ReadFile(*jwksFile)
	if err != nil {
		return fmt.Errorf("key set: %w", err)
	}
	keys, err := certs.ParseJWKS(raw)
	if err != nil {
		return fmt.Errorf("key set %s: %w", *jwksFile, err)
	}
	var statusLists []certs.StatusListCredential
	for _, f := range lists {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("status list: %w", err)
		}
		l, err := certs.ParseStatusList(strings.TrimSpace(string(raw)), keys)
		if err != nil {
			return fmt.Errorf("status list %s: %w", f, err)
		}
		statusLists = append(statusLists, l)
	}
	rep := offlineCheck(targets[0], keys, statusLists, now)
	rep.print(stdout)
	if !rep.valid() {
		return errNotValid
	}
	return nil
}

// offlineReport is what the offline verifier found, check by check.
type offlineReport struct {
	claims   certs.Claims
	haveClms bool
	lines    [][2]string // check, outcome
	failed   bool
	revoked  string // "" not checked; "no" checked and clear; otherwise why not valid
	expired  bool
}

func (r *offlineReport) add(check, outcome string, ok bool) {
	r.lines = append(r.lines, [2]string{check, outcome})
	r.failed = r.failed || !ok
}

func (r *offlineReport) valid() bool {
	return !r.failed && r.haveClms && (r.revoked == "" || r.revoked == "no") && !r.expired
}

func (r *offlineReport) print(w io.Writer) {
	if r.haveClms {
		c := r.claims
		fmt.Fprintf(w, "certificate %s  number %s\n", c.ID, c.Number)
		fmt.Fprintf(w, "holder      %s\n", strings.TrimSpace(c.HolderName+"  "+c.HolderLatin))
		fmt.Fprintf(w, "issuer      %s  skill %s  level %s  issued %s\n", c.Issuer, c.Skill, c.Level, c.IssueDate())
	}
	for _, l := range r.lines {
		fmt.Fprintf(w, "%-18s %s\n", l[0], l[1])
	}
	switch {
	case !r.valid() && r.revoked != "" && r.revoked != "no":
		fmt.Fprintln(w, "NOT VALID:", r.revoked)
	case r.expired && !r.failed:
		fmt.Fprintln(w, "EXPIRED: the signatures are genuine, but the certificate is no longer valid")
	case !r.valid():
		fmt.Fprintln(w, "NOT VALID: see the failed checks above")
	case r.revoked == "":
		fmt.Fprintln(w, "VALID signatures — revocation NOT checked (no status list given); ask the issuer or the verification page for the current status")
	default:
		fmt.Fprintln(w, "VALID")
	}
}

// offlineCheck checks a PDF file or a verification URL.
func offlineCheck(target string, keys certs.KeySet, lists []certs.StatusListCredential, now time.Time) offlineReport {
	var r offlineReport
	var claims string
	var statuses []certs.StatusEntry
	parse := certs.ParseClaims // from a PDF: the claims alone
	if u, err := url.Parse(target); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		claims, parse = target, certs.ParseQRContent
	} else {
		var ok bool
		if claims, statuses, ok = readPDF(target, keys, &r); !ok {
			return r
		}
	}
	c, _, err := parse(claims, keys)
	if err != nil {
		r.add("QR claims", "FAILED: "+err.Error(), false)
		return r
	}
	r.claims, r.haveClms = c, true
	r.add("QR claims", "valid, signed by the issuer "+c.Issuer, true)
	if c.ExpiredAt(now) {
		r.expired = true
		r.add("validity", "expired on "+c.Expires.UTC().Format(time.DateOnly), true)
	}
	r.revoked = revocation(c, statuses, lists, now, &r)
	return r
}

// revocation looks the certificate up in the status lists given: by the
// credential's status entries when the PDF has them, else by the claims'
// issuer and index. It returns "" when no list covers it (or only stale
// ones do), "no" when the lists clear it, else why it is not valid.
func revocation(c certs.Claims, entries []certs.StatusEntry, lists []certs.StatusListCredential, now time.Time, r *offlineReport) string {
	checked := ""
	for _, l := range lists {
		entry, ok := entryFor(c, entries, l)
		if !ok {
			continue
		}
		set, err := l.Status(entry)
		switch {
		case err != nil:
			r.add(l.Purpose, "FAILED: "+err.Error(), false)
			return "the status list could not be read: " + err.Error()
		case set:
			r.add(l.Purpose, fmt.Sprintf("the certificate is listed (%s of %s)", l.Purpose,
				l.ValidFrom.UTC().Format(time.RFC3339)), false)
			return map[string]string{certs.StatusRevocation: "revoked", certs.StatusSuspension: "suspended"}[l.Purpose] +
				" according to the issuer's status list of " + l.ValidFrom.UTC().Format(time.RFC3339)
		}
		if !l.ValidUntil.IsZero() && now.After(l.ValidUntil) {
			// A stale list proves a revocation, not its absence.
			r.add(l.Purpose, "not listed, but the list expired at "+l.ValidUntil.UTC().Format(time.RFC3339)+
				": fetch a fresh one", true)
			continue
		}
		r.add(l.Purpose, "not listed (list of "+l.ValidFrom.UTC().Format(time.RFC3339)+")", true)
		checked = "no"
	}
	if checked == "" {
		r.add("revocation", "NOT CHECKED: no status list of this issuer was given", true)
	}
	return checked
}

// entryFor finds the status entry of the certificate in list l.
func entryFor(c certs.Claims, entries []certs.StatusEntry, l certs.StatusListCredential) (certs.StatusEntry, bool) {
	for _, e := range entries {
		if e.StatusListCredential == l.ID && e.StatusPurpose == l.Purpose {
			return e, true
		}
	}
	suffix := "/status/" + url.PathEscape(c.Issuer)
	if l.Purpose == certs.StatusSuspension {
		suffix += "/suspension"
	}
	if len(entries) > 0 || !strings.HasSuffix(l.ID, suffix) {
		return certs.StatusEntry{}, false
	}
	i := fmt.Sprint(c.StatusIndex)
	return certs.StatusEntry{ID: l.ID + "#" + i, Type: "BitstringStatusListEntry", StatusPurpose: l.Purpose,
		StatusListIndex: i, StatusListCredential: l.ID}, true
}

// readPDF checks a certificate PDF's signature and returns the claims and
// the status entries it carries; ok is false when there is nothing more
// to check.
func readPDF(target string, keys certs.KeySet, r *offlineReport) (claims string, statuses []certs.StatusEntry, ok bool) {
	pdf, err := os.ReadFile(target)
	if err != nil {
		r.add("file", err.Error(), false)
		return "", nil, false
	}
	chk := certs.VerifyPDF(pdf, keys)
	if chk.Valid() {
		r.add("PDF signature", fmt.Sprintf("valid, key %s, signed %s", chk.KID,
			chk.SigningTime.UTC().Format(time.RFC3339)), true)
	} else {
		r.add("PDF signature", "FAILED: "+chk.Err().Error(), false)
	}
	if claims = chk.Claims(); claims == "" {
		r.add("QR claims", "FAILED: the PDF carries no signed claims", false)
		return "", nil, false
	}
	var cred struct {
		Status []certs.StatusEntry `json:"credentialStatus"`
	}
	if json.Unmarshal(chk.Credential(), &cred) == nil {
		statuses = cred.Status
	}
	return claims, statuses, true
}
