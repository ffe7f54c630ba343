package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"bayskills/certs"
	"bayskills/store"
)

// verifyFixture is a fixture whose CNC certificates were issued an hour
// ago (so that a compromise can be dated before or after them).
func verifyFixture(t *testing.T) (*fixture, []store.CertificateRecord) {
	t.Helper()
	f := newFixture(t)
	f.now = time.Now().Add(-time.Hour).Truncate(time.Second)
	certSetup(certIssued, nil)(t, f)
	f.now = time.Now()
	list, err := f.db.SkillCertificates(context.Background(), f.ids["event"], f.ids["skill"])
	if err != nil || len(list) != 6 {
		t.Fatalf("issued: %d certificates, %v", len(list), err)
	}
	return f, list
}

// verify GETs the JSON verification of id, or POSTs claims to it.
func (f *fixture) verify(id, claims string) verification {
	f.t.Helper()
	r := f.do("GET", "/api/v1/public/certificates/"+id, asAnonymous, nil)
	if claims != "" {
		r = f.do("POST", "/api/v1/public/certificates/"+id+"/claims", asAnonymous, claimsBody{Claims: claims})
	}
	var v verification
	if r.Status == 404 {
		return verification{Verdict: VerdictNotFound}
	}
	if r.Status != 200 {
		f.t.Fatalf("verify %s: %d %s", id, r.Status, r.Body)
	}
	r.JSON(f.t, &v)
	checkVerifyCodes(f.t, v)
	return v
}

// checkVerifyCodes checks that a verification of the API names each of
// its reasons and check details by a code a page can translate: one of
// verifyCodes, or codeOfficer for an officer's reason.
func checkVerifyCodes(t testing.TB, v verification) {
	t.Helper()
	known := func(c verifyCode) bool { return slices.Contains(verifyCodes, c) }
	switch {
	case v.Reason == "" && v.ReasonCode != "":
		t.Errorf("reason code %q without a reason", v.ReasonCode)
	case v.Reason != "" && v.ReasonCode != codeOfficer && !known(v.ReasonCode):
		t.Errorf("reason %q has code %q, which is not in verifyCodes", v.Reason, v.ReasonCode)
	}
	for _, c := range v.Checks {
		if !known(c.Code) || c.Detail == "" {
			t.Errorf("check %s (%s): detail %q has code %q, which is not in verifyCodes", c.Name, c.Result, c.Detail, c.Code)
		}
	}
}

// checkCode returns the code of the check named name, or "".
func checkCode(v verification, name string) verifyCode {
	for _, c := range v.Checks {
		if c.Name == name {
			return c.Code
		}
	}
	return ""
}

func (f *fixture) storedClaims(id string) string {
	f.t.Helper()
	v, err := f.db.VerifyCertificate(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return v.Claims
}

// keySet is what an offline verifier pins: the published JWKS.
func (f *fixture) keySet() certs.KeySet {
	f.t.Helper()
	r := f.do("GET", "/.well-known/jwks.json", asAnonymous, nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		f.t.Fatalf("jwks: %d %v", r.Status, r.Header)
	}
	keys, err := certs.ParseJWKS(r.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return keys
}

// TestVerifyVerdicts: every verdict the registry and the presented claims
// lead to, through the JSON API.
func TestVerifyVerdicts(t *testing.T) {
	f, list := verifyFixture(t)
	id := list[0].PublicID
	claims := f.storedClaims(id)

	v := f.verify(id, "")
	if v.Verdict != VerdictValid || v.Certificate == nil || v.Certificate.HolderNative == "" ||
		v.Certificate.Skill.En == "" || v.Certificate.Level.Name.En == "" || len(v.Certificate.Siblings) != 2 {
		t.Fatalf("fresh certificate: %+v %+v", v, v.Certificate)
	}
	if c := v.Checks[len(v.Checks)-1]; c.Name != "claims" || c.Result != checkSkipped || c.Code != codeClaimsAbsent {
		t.Errorf("without claims the claims check is %+v, want not checked, %s", c, codeClaimsAbsent)
	}
	if got := [2]verifyCode{checkCode(v, "registry"), checkCode(v, "key")}; got != [2]verifyCode{codeInRegistry, codeKeyInWindow} {
		t.Errorf("registry and key checks have codes %v, want %s and %s", got, codeInRegistry, codeKeyInWindow)
	}
	if v.Reason != "" || v.ReasonCode != "" {
		t.Errorf("valid with reason %q (%s), want none", v.Reason, v.ReasonCode)
	}
	var cred certs.Credential
	if err := json.Unmarshal(v.Credential, &cred); err != nil || len(cred.CredentialStatus) != 2 {
		t.Errorf("credential: %v, status entries %+v", err, cred.CredentialStatus)
	}
	if v := f.verify(id, claims); v.Verdict != VerdictValid || v.Checks[len(v.Checks)-1].Result != checkPassed ||
		checkCode(v, "claims") != codeClaimsMatch {
		t.Errorf("with its own claims: %+v", v)
	}

	// Claims that disagree with the registry, however they were made.
	seg := strings.Split(claims, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"x","typ":"bkc"}`)) + "." + seg[1] + "."
	payload, _ := base64.RawURLEncoding.DecodeString(seg[1])
	edited := strings.Replace(string(payload), `"lv":"`, `"lv":"1`, 1)
	for _, tc := range []struct {
		name, claims string
		code         verifyCode
	}{
		{"one character changed", seg[0] + "." + seg[1] + "." + flipChar(seg[2]), codeClaimsBadSignature},
		{"payload edited", seg[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(edited)) + "." + seg[2], codeClaimsBadSignature},
		{"alg none", none, codeClaimsMalformed},
		{"truncated", claims[:len(claims)/2], codeClaimsMalformed},
		{"another certificate's", f.storedClaims(list[1].PublicID), codeMismatchID},
		{"garbage", "not a token", codeClaimsMalformed},
		{"a stranger's key", forgeClaims(t, f, claims), codeClaimsUnknownKey},
		{"a status list as claims", string(f.do("GET", "/status/GD-TEST", asAnonymous, nil).Body), codeClaimsMalformed},
	} {
		v := f.verify(id, tc.claims)
		if v.Verdict != VerdictAltered || v.Reason == "" || v.ReasonCode != tc.code || checkCode(v, "claims") != tc.code {
			t.Errorf("%s: verdict %q (%s, %s), claims check %s; want altered, %s", tc.name, v.Verdict, v.Reason, v.ReasonCode,
				checkCode(v, "claims"), tc.code)
		}
	}

	// Registry states, set by the admin.
	status := func(id, to, reason string) {
		t.Helper()
		r := f.do("POST", "/api/v1/certificates/"+id+"/status", asAdmin, store.StatusChange{Status: to, Reason: reason})
		if r.Status != 200 {
			t.Fatalf("%s → %s: %d %s", id, to, r.Status, r.Body)
		}
	}
	status(list[1].PublicID, store.CertSuspended, "appeal pending")
	status(list[2].PublicID, store.CertRevoked, "issued in error")
	for _, tc := range []struct {
		id, verdict, reason string
		code                verifyCode
	}{
		{list[1].PublicID, VerdictSuspended, "appeal pending", codeOfficer},
		{list[2].PublicID, VerdictRevoked, "issued in error", codeOfficer},
		{certs.NewCertificateID(), VerdictNotFound, "", ""},
		{"../../etc/passwd", VerdictNotFound, "", ""},
	} {
		v := f.verify(tc.id, "")
		if v.Verdict != tc.verdict || v.Reason != tc.reason || v.ReasonCode != tc.code || (tc.verdict != VerdictNotFound && v.Since == "") {
			t.Errorf("%s: %q %q (%s) since %q, want %q %q (%s)", tc.id, v.Verdict, v.Reason, v.ReasonCode, v.Since,
				tc.verdict, tc.reason, tc.code)
		}
	}
	// A revoked certificate stays revoked even with genuine claims.
	if v := f.verify(list[2].PublicID, f.storedClaims(list[2].PublicID)); v.Verdict != VerdictRevoked {
		t.Errorf("revoked with its claims: %q", v.Verdict)
	}
	// Expiry: the registry's end of validity has passed.
	if _, err := f.db.ExecForTest(context.Background(), `UPDATE certificates SET valid_until = ? WHERE public_id = ?`,
		f.now.Add(-time.Minute).UTC().Format(storedTime), list[3].PublicID); err != nil {
		t.Fatal(err)
	}
	if v := f.verify(list[3].PublicID, ""); v.Verdict != VerdictExpired || v.ReasonCode != "" {
		t.Errorf("past its end of validity: %q (reason %q, %s)", v.Verdict, v.Reason, v.ReasonCode)
	}
}

// TestVerifyRegistryRecordBroken: when the registry's own record no
// longer proves a certificate, the reason says why, in the key check's
// code: claims that do not parse, or an issue time outside the key's
// window.
func TestVerifyRegistryRecordBroken(t *testing.T) {
	f, list := verifyFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, set string
		arg       any
		code      verifyCode
	}{
		{"claims garbled", "claims = ?", "not.a.jws", codeRegistryClaimsInvalid},
		{"issued before the key existed", "issued_at = ?", "2001-01-01T00:00:00Z", codeKeyWindow},
	} {
		id := list[0].PublicID
		if tc.code == codeKeyWindow {
			id = list[1].PublicID
		}
		if _, err := f.db.ExecForTest(ctx, `UPDATE certificates SET `+tc.set+` WHERE public_id = ?`, tc.arg, id); err != nil {
			t.Fatal(err)
		}
		v := f.verify(id, "")
		if v.Verdict != VerdictAltered || v.ReasonCode != tc.code || v.Reason != keyReasons[tc.code] || checkCode(v, "key") != tc.code {
			t.Errorf("%s: %q %q (%s), key check %s; want altered, %s", tc.name, v.Verdict, v.Reason, v.ReasonCode,
				checkCode(v, "key"), tc.code)
		}
	}
}

// TestVerifySuperseded: a certificate replaced by a re-issue is revoked,
// for a reason the system writes (superseded), and links its successor.
func TestVerifySuperseded(t *testing.T) {
	f, list := verifyFixture(t)
	f.issue()
	v := f.verify(list[0].PublicID, "")
	if v.Verdict != VerdictRevoked || v.ReasonCode != codeSuperseded || v.Reason != "replaced by a re-issued certificate" ||
		v.Since == "" || v.Certificate.ReplacedBy == "" {
		t.Errorf("superseded: %q %q (%s) since %q, replaced by %q; want revoked (%s), with its successor", v.Verdict,
			v.Reason, v.ReasonCode, v.Since, v.Certificate.ReplacedBy, codeSuperseded)
	}
}

// TestVerifyClaimsCodes: claims signed with the issuer's own key that
// disagree with the registry name the field that disagrees, or the key's
// window they were signed outside of.
func TestVerifyClaimsCodes(t *testing.T) {
	f, list := verifyFixture(t)
	id := list[0].PublicID
	claims := f.storedClaims(id)
	for _, tc := range []struct {
		name string
		edit func(c *certs.Claims)
		code verifyCode
	}{
		{"id", func(c *certs.Claims) { c.ID = certs.NewCertificateID() }, codeMismatchID},
		{"number", func(c *certs.Claims) { c.Number += "9" }, codeMismatchNumber},
		{"holder", func(c *certs.Claims) { c.HolderName += "明" }, codeMismatchHolder},
		{"holder in Latin letters", func(c *certs.Claims) { c.HolderLatin += " JR" }, codeMismatchHolderLatin},
		{"issuer", func(c *certs.Claims) { c.Issuer += "X" }, codeMismatchIssuer},
		{"skill", func(c *certs.Claims) { c.Skill += "X" }, codeMismatchSkill},
		{"level", func(c *certs.Claims) { c.Level += "1" }, codeMismatchLevel},
		{"issue time", func(c *certs.Claims) { c.IssuedAt = c.IssuedAt.Add(time.Minute) }, codeMismatchIssuedAt},
		{"expiry", func(c *certs.Claims) { c.Expires = c.IssuedAt.AddDate(1, 0, 0) }, codeMismatchExpiry},
		{"status index", func(c *certs.Claims) { c.StatusIndex++ }, codeMismatchStatusIndex},
		{"signed before its key existed", func(c *certs.Claims) { c.IssuedAt = c.IssuedAt.AddDate(0, 0, -1) }, codeClaimsKeyWindow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verify(id, resignClaims(t, f, claims, tc.edit))
			if v.Verdict != VerdictAltered || v.ReasonCode != tc.code || checkCode(v, "claims") != tc.code {
				t.Errorf("verdict %q, reason %q (%s), claims check %s; want altered, %s", v.Verdict, v.Reason, v.ReasonCode,
					checkCode(v, "claims"), tc.code)
			}
		})
	}
}

// flipChar changes the first character of s to another base64url one.
func flipChar(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// forgeClaims signs claims' content again with a fresh key, as a forger
// without the issuer's key would.
func forgeClaims(t *testing.T, f *fixture, claims string) string {
	t.Helper()
	c, _, err := certs.ParseClaims(claims, f.keySet())
	if err != nil {
		t.Fatal(err)
	}
	key, err := certs.GenerateKey(certs.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := certs.IssueClaims(c, key, key.KID())
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

// TestStatusListRoundTrip: a revocation and a suspension reach the
// issuer's signed status lists, which an offline verifier reads with the
// published keys; a reinstatement clears the suspension.
func TestStatusListRoundTrip(t *testing.T) {
	f, list := verifyFixture(t)
	var gd []store.CertificateRecord
	for _, c := range list {
		if c.IssuerID == f.ids["issuer:GD"] {
			gd = append(gd, c)
		}
	}
	if len(gd) != 2 {
		t.Fatalf("%d GD certificates", len(gd))
	}
	listed := func(c store.CertificateRecord, purpose string) bool {
		t.Helper()
		url := "/status/GD-TEST"
		if purpose == certs.StatusSuspension {
			url += "/suspension"
		}
		r := f.do("GET", url, asAnonymous, nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/vc+jwt" ||
			!strings.Contains(r.Header.Get("Cache-Control"), "public") {
			t.Fatalf("GET %s: %d %v", url, r.Status, r.Header)
		}
		sl, err := certs.ParseStatusList(string(r.Body), f.keySet())
		if err != nil {
			t.Fatal(err)
		}
		var cred certs.Credential
		v := f.verify(c.PublicID, "")
		if err := json.Unmarshal(v.Credential, &cred); err != nil {
			t.Fatal(err)
		}
		for _, e := range cred.CredentialStatus {
			if e.StatusPurpose == purpose {
				set, err := sl.Status(e)
				if err != nil {
					t.Fatalf("%s entry %+v against list %s: %v", purpose, e, sl.ID, err)
				}
				return set
			}
		}
		t.Fatalf("no %s entry in %+v", purpose, cred.CredentialStatus)
		return false
	}
	if listed(gd[0], certs.StatusRevocation) || listed(gd[1], certs.StatusSuspension) {
		t.Fatal("listed before any change")
	}
	f.do("POST", "/api/v1/certificates/"+gd[0].PublicID+"/status", asAdmin, store.StatusChange{Status: "revoked", Reason: "fraud"})
	f.do("POST", "/api/v1/certificates/"+gd[1].PublicID+"/status", asAdmin, store.StatusChange{Status: "suspended", Reason: "check"})
	if !listed(gd[0], certs.StatusRevocation) || listed(gd[1], certs.StatusRevocation) {
		t.Error("revocation list after revoking gd[0]")
	}
	if !listed(gd[1], certs.StatusSuspension) || listed(gd[0], certs.StatusSuspension) {
		t.Error("suspension list after suspending gd[1]")
	}
	f.do("POST", "/api/v1/certificates/"+gd[1].PublicID+"/status", asAdmin, store.StatusChange{Status: "valid", Reason: "cleared"})
	if listed(gd[1], certs.StatusSuspension) {
		t.Error("still suspended after reinstatement")
	}
	if r := f.do("GET", "/status/NOBODY", asAnonymous, nil); r.Status != 404 {
		t.Errorf("status list of an unknown issuer: %d", r.Status)
	}
}

// TestKeyRotationAndCompromise: after a rotation old certificates still
// verify online and offline and new ones are signed by the new key; a
// compromise dated before a certificate was signed makes it fail, one
// dated after leaves it valid, and claims signed with the compromised key
// after the compromise fail offline.
func TestKeyRotationAndCompromise(t *testing.T) {
	t.Run("rotation", func(t *testing.T) {
		f, list := verifyFixture(t)
		old := f.storedClaims(list[0].PublicID)
		oldKID, _ := certs.ClaimsKeyID(old)
		r := f.do("POST", fmt.Sprintf("/api/v1/issuers/%d/keys/rotate", f.ids["issuer:GD"]), asAdmin,
			map[string]string{"reason": "yearly"})
		if r.Status != 200 {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
		keys := f.keySet()
		for _, c := range list {
			if v := f.verify(c.PublicID, f.storedClaims(c.PublicID)); v.Verdict != VerdictValid {
				t.Errorf("%s after a rotation: %q %s", c.Number, v.Verdict, v.Reason)
			}
			if _, _, err := certs.ParseClaims(f.storedClaims(c.PublicID), keys); err != nil {
				t.Errorf("%s offline after a rotation: %v", c.Number, err)
			}
		}
		f.issue()
		fresh, err := f.db.SkillCertificates(context.Background(), f.ids["event"], f.ids["skill"])
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range fresh {
			kid, _ := certs.ClaimsKeyID(f.storedClaims(c.PublicID))
			if c.Status == store.CertValid && c.IssuerID == f.ids["issuer:GD"] && kid == oldKID {
				t.Errorf("%s issued after the rotation with the retired key", c.Number)
			}
		}
	})
	t.Run("compromise", func(t *testing.T) {
		f, list := verifyFixture(t)
		issued := f.now.Add(-time.Hour)
		gdOld := map[string]bool{}
		for _, c := range list {
			gdOld[c.PublicID] = c.IssuerID == f.ids["issuer:GD"]
		}
		// Leaked half an hour after the issue: what was signed before stays good.
		r := f.do("POST", fmt.Sprintf("/api/v1/issuers/%d/keys/rotate", f.ids["issuer:GD"]), asAdmin,
			map[string]any{"reason": "leak", "compromised_at": issued.Add(30 * time.Minute)})
		if r.Status != 200 {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
		for _, c := range list {
			if v := f.verify(c.PublicID, f.storedClaims(c.PublicID)); v.Verdict != VerdictValid {
				t.Errorf("%s signed before the compromise: %q", c.Number, v.Verdict)
			}
		}
		// Claims the thief signs now with the leaked key fail, online and
		// offline.
		var gdClaims string
		for id, gd := range gdOld {
			if gd {
				gdClaims = f.storedClaims(id)
			}
		}
		forged := resignWithIssuerKey(t, f, gdClaims, f.now)
		if _, _, err := certs.ParseClaims(forged, f.keySet()); !errors.Is(err, certs.ErrKeyCompromised) {
			t.Errorf("offline, claims signed after the compromise: %v", err)
		}
		if v := f.verify(certs.PeekClaimsID(forged), forged); v.Verdict != VerdictAltered || v.ReasonCode != codeClaimsKeyCompromised {
			t.Errorf("online, claims signed after the compromise: %q (%s), want altered (%s)", v.Verdict, v.ReasonCode,
				codeClaimsKeyCompromised)
		}

		// Leaked before the issue: the GD certificates no longer verify.
		r = f.do("POST", fmt.Sprintf("/api/v1/issuers/%d/keys/rotate", f.ids["issuer:HK"]), asAdmin,
			map[string]any{"reason": "leak", "compromised_at": issued.Add(-time.Minute)})
		if r.Status != 200 {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
		for _, c := range list {
			v := f.verify(c.PublicID, "")
			want := VerdictValid
			if c.IssuerID == f.ids["issuer:HK"] {
				want = VerdictAltered
			}
			if v.Verdict != want {
				t.Errorf("%s (issuer %d) after a compromise before its issue: %q, want %q", c.Number, c.IssuerID, v.Verdict, want)
			}
			if want == VerdictAltered && (v.ReasonCode != codeKeyCompromised || checkCode(v, "key") != codeKeyCompromised) {
				t.Errorf("%s after a compromise before its issue: reason %s, key check %s; want %s", c.Number, v.ReasonCode,
					checkCode(v, "key"), codeKeyCompromised)
			}
		}
	})
}

// resignWithIssuerKey signs claims again, dated at, with the key that
// signed them (opened with the master key): what a thief of that key does.
func resignWithIssuerKey(t *testing.T, f *fixture, claims string, at time.Time) string {
	t.Helper()
	return resignClaims(t, f, claims, func(c *certs.Claims) { c.IssuedAt = at })
}

// resignClaims signs claims again, changed by edit, with the key that
// signed them (opened with the master key).
func resignClaims(t *testing.T, f *fixture, claims string, edit func(*certs.Claims)) string {
	t.Helper()
	kid, err := certs.ClaimsKeyID(claims)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := f.db.AllIssuerKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.KID != kid {
			continue
		}
		key, err := certs.OpenSigningKey(f.srv.cfg.MasterKey, k.KID, k.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := certs.ParseClaims(claims, f.keySet())
		if err != nil {
			t.Fatal(err)
		}
		edit(&c)
		out, err := certs.IssueClaims(c, key, kid)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no key %s", kid)
	return ""
}

// TestLookupAndOfficers: the lookup by number and name; an issuer's
// officer changes its certificates and no other issuer's.
func TestLookupAndOfficers(t *testing.T) {
	f, list := verifyFixture(t)
	c := list[0]
	var v verification
	r := f.do("POST", "/api/v1/public/lookup", asAnonymous, lookupBody{Number: c.Number, Name: strings.ToLower(c.HolderLatin)})
	if r.Status != 200 {
		t.Fatalf("lookup: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &v)
	if v.Certificate == nil || v.Certificate.ID != c.PublicID {
		t.Fatalf("lookup found %+v", v.Certificate)
	}
	wrongName := f.do("POST", "/api/v1/public/lookup", asAnonymous, lookupBody{Number: c.Number, Name: "Nobody"})
	wrongNumber := f.do("POST", "/api/v1/public/lookup", asAnonymous, lookupBody{Number: "X" + c.Number, Name: c.HolderLatin})
	strip := func(b []byte) string { // the request id differs
		var e errorBody
		json.Unmarshal(b, &e)
		return string(e.Error.Code) + ":" + e.Error.Message
	}
	if wrongName.Status != 404 || wrongNumber.Status != 404 || strip(wrongName.Body) != strip(wrongNumber.Body) {
		t.Errorf("misses differ: %d %s / %d %s", wrongName.Status, wrongName.Body, wrongNumber.Status, wrongNumber.Body)
	}

	// The organizer account becomes an officer of the GD issuer.
	put := f.do("PUT", fmt.Sprintf("/api/v1/issuers/%d/officers/%d", f.ids["issuer:GD"], f.ids["user:"+asOrganizer]), asAdmin, nil)
	if put.Status != 204 {
		t.Fatalf("officer: %d %s", put.Status, put.Body)
	}
	for _, c := range list {
		r := f.do("POST", "/api/v1/certificates/"+c.PublicID+"/status", asOrganizer,
			store.StatusChange{Status: "suspended", Reason: "audit"})
		want := 403
		if c.IssuerID == f.ids["issuer:GD"] {
			want = 200
		}
		if r.Status != want {
			t.Errorf("officer of GD suspends %s of issuer %d: %d, want %d", c.Number, c.IssuerID, r.Status, want)
		}
	}
	judge := f.do("PUT", fmt.Sprintf("/api/v1/issuers/%d/officers/%d", f.ids["issuer:GD"], f.ids["user:"+asJudge]), asAdmin, nil)
	if judge.Status != 400 && judge.Status != 422 {
		t.Errorf("a judge made officer: %d", judge.Status)
	}
}

// TestVerifyRateLimit: an address that guesses ids is stopped with 429,
// and so is one that asks too often; other addresses are not.
func TestVerifyRateLimit(t *testing.T) {
	f, list := verifyFixture(t)
	f.srv.missesByAddr = newLimiter(5, time.Minute, f.srv.cfg.Now)
	f.srv.publicByAddr = newLimiter(20, time.Minute, f.srv.cfg.Now)
	codes := map[int]int{}
	for range 10 {
		codes[f.do("GET", "/api/v1/public/certificates/"+certs.NewCertificateID(), asAnonymous, nil).Status]++
	}
	if codes[404] != 5 || codes[429] != 5 {
		t.Errorf("guessing ids: %v, want 5 × 404 then 429", codes)
	}
	r := f.do("GET", "/api/v1/public/certificates/"+list[0].PublicID, asAnonymous, nil)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("a real id after guessing: %d %v", r.Status, r.Header)
	}
}

// TestVerifyCodesDocumented: the API description lists exactly the codes
// of reasons and check details the server writes.
func TestVerifyCodesDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	schema, err := resolvePointer(doc, "#/components/schemas/VerifyCode")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	enum, _ := schema.(map[string]any)["enum"].([]any)
	for _, v := range enum {
		s, _ := v.(string)
		documented = append(documented, s)
	}
	var want []string
	for _, c := range append([]verifyCode{codeOfficer}, verifyCodes...) {
		want = append(want, string(c))
	}
	slices.Sort(documented)
	slices.Sort(want)
	if !slices.Equal(documented, want) {
		t.Errorf("assets/openapi.json documents the codes %v, the server writes %v", documented, want)
	}
}
