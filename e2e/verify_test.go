package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"bayskills/certs"
)

// An employer verifies the demo's certificate on a phone: the QR code's
// link with its signed claims, a tampered one, without script, in other
// languages, after revocation; and looks one up by number and name.

// demoQRLink is the verification URL the demo printed and the signed
// claims its QR code carries after "#", read from the certificate's PDF
// as a phone reads them from the printed QR code.
func demoQRLink(t *testing.T, s *server) (link, claims string) {
	t.Helper()
	link = printed(t, s, `employers:\s+verification\s+(\S+/v/\S+)`, "a verification URL")
	get := func(url string) []byte {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d, %v", url, res.StatusCode, err)
		}
		return b
	}
	keys, err := certs.ParseJWKS(get(s.URL + "/.well-known/jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	chk := certs.VerifyPDF(get(link+"/certificate.pdf"), keys)
	if !chk.Valid() || chk.Claims() == "" {
		t.Fatalf("the demo certificate's PDF: valid %v (%v), claims %q", chk.Valid(), chk.Err(), chk.Claims())
	}
	return link, chk.Claims()
}

// verdictShown waits until the page has settled — the script has checked
// the claims (or there is no script) — and returns its verdict and the
// result of its claims check.
func verdictShown(t *testing.T, ctx context.Context, script bool) (verdict, claims string) {
	t.Helper()
	if script {
		waitJS(t, ctx, `['checked', 'unavailable', 'none'].includes(document.body.dataset.claims)`, "the claims check")
	}
	verdict = evaluate[string](t, ctx, `document.getElementById('verdict').dataset.verdict`)
	claims = evaluate[string](t, ctx, `(document.querySelector('#checks [data-check="claims"]') || {dataset: {}}).dataset.result || ''`)
	return verdict, claims
}

// setHash changes the URL's fragment in place, as someone editing the
// link does: the page does not reload.
func setHash(t *testing.T, ctx context.Context, fragment string) {
	t.Helper()
	evaluate[string](t, ctx, `location.hash = `+strconv.Quote(fragment))
}

// TestVerifyPagePhone: the demo's QR link on a 390×844 phone.
func TestVerifyPagePhone(t *testing.T) {
	s := startServer(t)
	link, claims := demoQRLink(t, s)
	id := link[strings.LastIndex(link, "/")+1:]
	ctx := newBrowser(t, 390, 844)

	// The QR code's link: the registry's VALID, and the claims agree.
	if err := chromedp.Do(ctx, chromedp.Navigate(link+"?lang=en#"+claims)); err != nil {
		t.Fatal(err)
	}
	if v, c := verdictShown(t, ctx, true); v != "valid" || c != "passed" {
		t.Fatalf("QR link: verdict %q, claims %q; want valid, passed", v, c)
	}
	page := text(t, ctx, "main")
	for _, want := range []string{"VALID", "DEMONSTRATION", "Certificates of the same assessment from the other regions",
		"Download the PDF", "QR code data", "passed", "Check another certificate"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('.siblings li a[href*="/v/"]').length`); n != 2 {
		t.Errorf("%d sibling certificates linked, want the other two regions'", n)
	}
	if w := evaluate[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the page is %d px wide on a 390 px phone", w)
	}
	shot(t, ctx, "verify-valid-phone")

	// One character of the claims changed: ALTERED, saying why.
	sig := strings.LastIndex(claims, ".") + 10
	tampered := claims[:sig] + map[bool]string{true: "B", false: "A"}[claims[sig] == 'A'] + claims[sig+1:]
	setHash(t, ctx, tampered)
	waitJS(t, ctx, `document.getElementById('verdict').dataset.verdict === 'altered'`, "ALTERED")
	if _, c := verdictShown(t, ctx, true); c != "failed" {
		t.Errorf("tampered claims: claims check %q, want failed", c)
	}
	if banner := text(t, ctx, "#verdict"); !strings.Contains(banner, "ALTERED") || !strings.Contains(banner, "do not verify") {
		t.Errorf("ALTERED banner says %q", banner)
	}
	shot(t, ctx, "verify-altered-phone")

	// reasonShown is the reason of the banner and the claims check's
	// detail, each with its lang attribute ("-" when it has none).
	reasonShown := func() [4]string {
		t.Helper()
		return evaluate[[4]string](t, ctx, `(function () {
			var r = document.querySelector('#verdict .reason span'), d = document.querySelector('#checks [data-check="claims"] .detail');
			var lang = function (e) { return e && e.hasAttribute('lang') ? e.getAttribute('lang') : '-'; };
			return [r ? r.textContent : '', lang(r), d ? d.textContent : '', lang(d)];
		})()`)
	}

	// The language switch keeps the claims: 繁體中文, then Português.
	setHash(t, ctx, claims)
	waitJS(t, ctx, `document.getElementById('verdict').dataset.verdict === 'valid'`, "VALID again")
	for _, l := range []struct{ lang, word, checked, altered string }{
		{"zh-Hant", "有效", "通過", "二維碼中的簽署資料未能通過核實"},
		{"pt", "VÁLIDO", "conforme", "a assinatura não corresponde aos dados"},
	} {
		if err := chromedp.Do(ctx, chromedp.Click(`.langs a[lang="`+l.lang+`"]`)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.documentElement.lang === '`+l.lang+`' && document.body.dataset.claims === 'checked'`, "the page in "+l.lang)
		if v, c := verdictShown(t, ctx, true); v != "valid" || c != "passed" {
			t.Errorf("%s: verdict %q, claims %q; want valid, passed", l.lang, v, c)
		}
		if loc := evaluate[string](t, ctx, `location.hash`); loc != "#"+claims {
			t.Errorf("%s: the switch lost the claims (hash %q)", l.lang, loc)
		}
		if w := text(t, ctx, "#verdict .word"); w != l.word {
			t.Errorf("%s: banner %q, want %q", l.lang, w, l.word)
		}
		if r := text(t, ctx, `#checks [data-check="claims"] .result`); r != l.checked {
			t.Errorf("%s: claims check says %q, want %q", l.lang, r, l.checked)
		}
		shot(t, ctx, "verify-valid-"+l.lang+"-phone")

		// Tampered claims: the reason in the page's language, not the API's English.
		setHash(t, ctx, tampered)
		waitJS(t, ctx, `document.getElementById('verdict').dataset.verdict === 'altered'`, "ALTERED in "+l.lang)
		if got := reasonShown(); !strings.Contains(got[0], l.altered) || got[1] != "-" || got[2] != got[0] || got[3] != "-" {
			t.Errorf("%s: reason %q (lang %s), claims detail %q (lang %s); want %q in the page's language", l.lang,
				got[0], got[1], got[2], got[3], l.altered)
		}
		shot(t, ctx, "verify-altered-"+l.lang+"-phone")
		setHash(t, ctx, claims)
		waitJS(t, ctx, `document.getElementById('verdict').dataset.verdict === 'valid' && document.body.dataset.claims === 'checked'`,
			"VALID again in "+l.lang)
	}

	// Without JavaScript: the registry's VALID, the claims not checked.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(link+"?lang=en#"+tampered)); err != nil {
		t.Fatal(err)
	}
	if v, c := verdictShown(t, ctx, false); v != "valid" || c != "not_checked" {
		t.Errorf("without script: verdict %q, claims %q; want valid, not_checked", v, c)
	}
	if why := text(t, ctx, `#checks [data-check="claims"] .why`); !strings.Contains(why, "needs JavaScript") {
		t.Errorf("without script the claims check says %q", why)
	}
	shot(t, ctx, "verify-nojs-phone")
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}

	// The admin revokes it: REVOKED, with the reason, whatever the paper says.
	admin := apiLogin(t, s, "admin", printed(t, s, `username admin, password (\S+)`, "admin password"), false)
	if st := apiCall(t, s, admin, "POST", "/api/v1/certificates/"+id+"/status",
		map[string]string{"status": "revoked", "reason": "issued to the wrong person"}, nil); st != 200 {
		t.Fatalf("revoke = %d", st)
	}
	setHash(t, ctx, claims)
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	if v, c := verdictShown(t, ctx, true); v != "revoked" || c != "passed" {
		t.Errorf("revoked: verdict %q, claims %q; want revoked, passed", v, c)
	}
	if banner := text(t, ctx, "#verdict"); !strings.Contains(banner, "REVOKED") || !strings.Contains(banner, "issued to the wrong person") {
		t.Errorf("REVOKED banner says %q", banner)
	}
	// The officer's words as typed, in a language the page does not know.
	if got := reasonShown(); got[0] != "issued to the wrong person" || got[1] != "" {
		t.Errorf("REVOKED: reason %q with lang %q, want the officer's words with lang=\"\"", got[0], got[1])
	}
	shot(t, ctx, "verify-revoked-phone")

	// An unknown id: NOT FOUND, and nothing else.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/v/AAAAAAAAAAAAAAAAAAAAAA?lang=en")); err != nil {
		t.Fatal(err)
	}
	if v := evaluate[string](t, ctx, `document.getElementById('verdict').dataset.verdict`); v != "not_found" {
		t.Errorf("unknown id: verdict %q", v)
	}
	shot(t, ctx, "verify-notfound-phone")
}

// TestVerifyLookupPhone: an employer types the number and the holder's
// name from a paper certificate; a typo gets one message.
func TestVerifyLookupPhone(t *testing.T) {
	s := startServer(t)
	link, _ := demoQRLink(t, s)
	id := link[strings.LastIndex(link, "/")+1:]
	var v struct {
		Certificate struct {
			Number      string `json:"number"`
			HolderLatin string `json:"holder_latin"`
		} `json:"certificate"`
	}
	if st := apiCall(t, s, "", "GET", "/api/v1/public/certificates/"+id, nil, &v); st != 200 {
		t.Fatalf("GET the certificate = %d", st)
	}
	ctx := newBrowser(t, 390, 844)
	lookup := func(number, name string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/verify?lang=en"),
			chromedp.SendKeys(`input[name=number]`, number),
			chromedp.SendKeys(`input[name=name]`, name),
			chromedp.Click(`form[action="/verify/lookup"] button`),
		); err != nil {
			t.Fatal(err)
		}
	}
	lookup(v.Certificate.Number, strings.ToLower(v.Certificate.HolderLatin)+"x")
	waitJS(t, ctx, `!!document.querySelector('.notice.bad')`, "the miss")
	if msg := text(t, ctx, ".notice.bad"); msg != "No certificate matches this number and name." {
		t.Errorf("miss says %q", msg)
	}
	shot(t, ctx, "verify-lookup-miss-phone")
	lookup(v.Certificate.Number, strings.ToLower(v.Certificate.HolderLatin))
	waitJS(t, ctx, `location.pathname === '/v/`+id+`' && document.body.dataset.claims === 'none'`, "the certificate's page")
	if verdict, claims := verdictShown(t, ctx, true); verdict != "valid" || claims != "not_checked" {
		t.Errorf("looked up: verdict %q, claims %q; want valid, not_checked", verdict, claims)
	}
	shot(t, ctx, "verify-lookup-hit-phone")
}

// TestVerifyUploadPhone: an employer checks a certificate's PDF by
// uploading it, then a copy changed after signing.
func TestVerifyUploadPhone(t *testing.T) {
	s := startServer(t)
	link, _ := demoQRLink(t, s)
	res, err := http.Get(link + "/certificate.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET the PDF: %d, %v", res.StatusCode, err)
	}
	ctx := newBrowser(t, 390, 844)
	for _, tc := range []struct {
		name, file, verdict, hash string
	}{
		{"upload", writeFile(t, "certificate.pdf", string(pdf)), "valid", "passed"},
		{"upload-altered", writeFile(t, "altered.pdf", string(pdf)+"% added after signing\n"), "altered", "failed"},
	} {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/verify?lang=en"),
			chromedp.SetUploadFiles(`input[type=file]`, []string{tc.file}),
			chromedp.Click(`form[action="/verify/upload"] button`),
		); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `!!document.getElementById('verdict')`, "the report")
		if v := evaluate[string](t, ctx, `document.getElementById('verdict').dataset.verdict`); v != tc.verdict {
			t.Errorf("%s: verdict %q, want %s", tc.name, v, tc.verdict)
		}
		if h := evaluate[string](t, ctx, `document.querySelector('#checks [data-check="stored_hash"]').dataset.result`); h != tc.hash {
			t.Errorf("%s: stored_hash %q, want %s", tc.name, h, tc.hash)
		}
		shot(t, ctx, "verify-"+tc.name+"-phone")
	}
}
