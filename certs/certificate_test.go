package certs

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// testCredential is a machine-readable credential as issuance embeds it:
// a W3C VC 2.0 / Open Badges 3.0 shape, a few kilobytes.
var testCredential = []byte(`{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "urn:uuid:5f0c1a2e-7d3b-4c1e-9a57-3e2b8d4c6f10",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {"id": "https://skills.example.org/issuers/gd-demo", "type": ["Profile"],
    "name": "广东省职业技能等级认定演示机构 / Demo Guangdong Skill Level Evaluation Organisation"},
  "validFrom": "2026-12-20T00:00:00+08:00",
  "credentialSubject": {
    "type": ["AchievementSubject"],
    "name": "李晓明 (LI Xiaoming)",
    "achievement": {
      "id": "https://skills.example.org/achievements/CN-VSL/3/6-18-01-02",
      "type": ["Achievement"],
      "name": "三级/高级工 — 数控铣 (Level 3 / Senior Worker — CNC Milling)",
      "criteria": {"narrative": "Gold medal, 2026 Greater Bay Area Vocational Skills Competition, standardised score 792.29"},
      "alignment": [{"type": ["Alignment"], "targetName": "QF Level 4", "targetFramework": "HKQF",
        "targetUrl": "https://skills.example.org/frameworks/HKQF/4"}]
    },
    "result": [{"type": ["Result"], "value": "792.29"}]
  },
  "credentialStatus": {"id": "https://skills.example.org/status/gd-demo/1#1017", "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation", "statusListIndex": "1017",
    "statusListCredential": "https://skills.example.org/status/gd-demo/1"}
}
`)

// testQRPayload is a QR payload as issuance makes it: the verification URL
// and compact signed claims, about 400 bytes.
func testQRPayload(id string) string {
	claims := "eyJhbGciOiJFZERTQSIsImtpZCI6ImdkLWRlbW8tMjAyNiIsInR5cCI6ImNlcnQrand0In0." +
		"eyJjbiI6IlkwMDAwNDQwMDAwMDEyNjMwMDAwMTciLCJoIjoi5p2O5pmT5piOIiwibCI6IkNOLVZTTC8zIiwicyI6IkNOQyIsImkiOiIyMDI2LTEyLTIwIiwicyI6Ijc5Mi4yOSJ9." +
		"3nq5Jm7d0bQ2cV9xT4yK1rW8sL6pZ0aE5uH2gN7fC3iX9oB4vD1kM8tR6wY0jS2qP5lU7eA3hG9zF4cI1nO6mVA"
	return "https://skills.example.org/v/" + id + "#" + claims
}

// testCertificate returns a certificate of the demo issuer of region GD, HK
// or MO, as issuance fills it in.
func testCertificate(region string) Certificate {
	c := Certificate{
		Title:      Names{ZhHans: "职业技能等级证书", ZhHant: "職業技能證書", En: "Vocational Skill Level Certificate", Pt: "Certificado de Competências Profissionais"},
		Skill:      Names{ZhHans: "数控铣", ZhHant: "數控銑", En: "CNC Milling", Pt: "Fresagem CNC"},
		SkillCode:  "CNC",
		Event:      Names{ZhHans: "2026年粤港澳大湾区职业技能大赛", ZhHant: "2026年粵港澳大灣區職業技能大賽", En: "2026 Greater Bay Area Vocational Skills Competition", Pt: "Competição de Competências Profissionais da Grande Baía 2026"},
		EventDates: "2026-12-04 – 2026-12-06",
		Result:     Names{ZhHans: "金牌，标准分 792.29", ZhHant: "金牌，標準分 792.29", En: "Gold medal, standardised score 792.29", Pt: "Medalha de ouro, pontuação padronizada 792,29"},
		IssuedOn:   "2026-12-20",
		Created:    time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC),
		Attachments: []Attachment{{Name: "credential.json", Description: "Verifiable credential (W3C VC 2.0, Open Badges 3.0)",
			MIME: "application/vc+ld+json", Data: testCredential}},
	}
	switch region {
	case "GD":
		c.Languages = []string{"zh-Hans", "en"}
		c.Issuer = Names{ZhHans: "广东省职业技能等级认定演示机构", En: "Demo Guangdong Skill Level Evaluation Organisation"}
		c.HolderNative, c.HolderLatin = "李晓明", "LI Xiaoming"
		c.OccupationCode = "6-18-01-02"
		c.Level = Names{ZhHans: "三级/高级工", En: "Level 3 / Senior Worker"}
		c.Framework = Names{ZhHans: "国家职业技能等级", En: "National Vocational Skill Levels (Mainland China)"}
		c.Provenance = Names{ZhHans: "官方对应 — 粤港澳大湾区“一试多证”协议 GBA-2025-07", En: "Official mapping — GBA “one test, multiple certificates” agreement GBA-2025-07"}
		c.Number = "Y000044000001263000017"
		c.VerifyURL = "https://skills.example.org/v/7Hq2mX9pL4sV1cN8bR3tK6"
	case "HK":
		c.Languages = []string{"zh-Hant", "en"}
		c.Title = Names{ZhHant: "職業技能證書", En: "Certificate of Vocational Skills"}
		c.Issuer = Names{ZhHant: "香港職業技能認證示範機構", En: "Demo Hong Kong Vocational Skills Certification Body"}
		c.HolderNative, c.HolderLatin = "陳嘉欣", "CHAN Ka Yan"
		c.OccupationCode = "MM-CNC-4"
		c.Level = Names{ZhHant: "資歷級別 4", En: "QF Level 4"}
		c.Framework = Names{ZhHant: "香港資歷架構", En: "Hong Kong Qualifications Framework"}
		c.Provenance = Names{ZhHant: "參考對應（未經協議）", En: "Indicative mapping (no agreement)"}
		c.Number = "HKVS-2026-CNC-000123"
		c.VerifyURL = "https://skills.example.org/v/Pz8Wq3Lm2Nb7Xc4Vr9Ts1K"
	case "MO":
		c.Languages = []string{"zh-Hant", "pt", "en"}
		c.Title = Names{ZhHant: "職業技能證書", Pt: "Certificado de Competências Profissionais", En: "Vocational Skills Certificate"}
		c.Issuer = Names{ZhHant: "澳門職業技能認證示範機構", Pt: "Entidade de Demonstração de Certificação de Competências Profissionais de Macau",
			En: "Demo Macao Vocational Skills Certification Body"}
		c.HolderNative, c.HolderLatin = "林國華", "LAM Kuok Wa"
		c.OccupationCode = "DSAL-MEC-07"
		c.Level = Names{ZhHant: "高級", Pt: "Nível elevado", En: "Advanced level"}
		c.Framework = Names{ZhHant: "澳門職業技能認可基準", Pt: "Referencial de Reconhecimento de Competências Profissionais de Macau",
			En: "Macao Occupational Skills Recognition Benchmark"}
		c.Provenance = Names{ZhHant: "官方對應 — 協議 GBA-MO-2025-03", Pt: "Correspondência oficial — acordo GBA-MO-2025-03",
			En: "Official mapping — agreement GBA-MO-2025-03"}
		c.Number = "MO-DSAL-2026-000045"
		c.VerifyURL = "https://skills.example.org/v/Km4Rt8Yp1Zx6Wc3Qv7Bn2L"
	default:
		panic("region " + region)
	}
	c.QRPayload = testQRPayload(c.VerifyURL[len("https://skills.example.org/v/"):])
	return c
}

var testRegions = []string{"GD", "HK", "MO"}

// fourLanguages is the certificate of an issuer that prints all four
// languages: Macao's, with simplified Chinese first.
func fourLanguages() Certificate {
	c := testCertificate("MO")
	c.Languages = []string{"zh-Hans", "zh-Hant", "pt", "en"}
	c.Issuer.ZhHans, c.Title.ZhHans = "澳门职业技能认证示范机构", "职业技能证书"
	return c
}

// withLongFields returns c with its fields as long as real ones get: a
// long skill name and occupation code, a competition that is also a
// selection, the longest award in words, a level with its title, the
// longest framework name, an official mapping with its agreement's name.
func withLongFields(c Certificate) Certificate {
	c.Skill = Names{ZhHans: "工业4.0与智能制造系统集成", ZhHant: "工業4.0與智能製造系統集成",
		Pt: "Indústria 4.0 e Integração de Sistemas de Fabrico Inteligente", En: "Industry 4.0 and Smart Manufacturing Systems Integration"}
	c.SkillCode, c.OccupationCode = "IND4-SMSI", "2-02-38-11-03"
	c.Event = Names{ZhHans: "2026年粤港澳大湾区职业技能大赛暨全国技能大赛广东省选拔赛", ZhHant: "2026年粵港澳大灣區職業技能大賽暨全國技能大賽廣東省選拔賽",
		Pt: "Competição de Competências Profissionais da Grande Baía Guangdong–Hong Kong–Macau 2026 e Seleção Provincial",
		En: "2026 Guangdong–Hong Kong–Macao Greater Bay Area Vocational Skills Competition and Provincial Selection"}
	c.EventDates = "2026-11-28 – 2026-12-06"
	c.Result = Names{ZhHans: "优胜奖，标准分 712.35", ZhHant: "優勝獎，標準分 712.35",
		Pt: "Medalhão de Excelência, pontuação padronizada 712,35", En: "Medallion for Excellence, standardised score 712.35"}
	c.Level = Names{ZhHans: "一级/高级技师", ZhHant: "一級/高級技師", Pt: "Nível 1 (Técnico Superior)", En: "Level 1 (Senior Technician)"}
	c.Framework = Names{ZhHans: "澳门职业技能认证（劳工事务局）", ZhHant: "澳門職業技能認證（勞工事務局）",
		Pt: "Certificação de competências profissionais de Macau (DSAL)", En: "Macao vocational skills certification (DSAL)"}
	c.Provenance = Names{ZhHans: "官方对应 — 粤港澳大湾区“一试多证”协议 GBA-2025-07", ZhHant: "官方對應 — 粵港澳大灣區「一試多證」協議 GBA-2025-07",
		Pt: "Correspondência oficial — acordo “um teste, vários certificados” da Grande Baía GBA-2025-07",
		En: "Official mapping — GBA “one test, multiple certificates” agreement GBA-2025-07"}
	return c
}

func renderCert(t testing.TB, c Certificate) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderCertificate(&buf, testFonts(t), c); err != nil {
		t.Fatalf("RenderCertificate: %v", err)
	}
	return buf.Bytes()
}

// pdfText returns the text of pdf as pdftotext reads it, with runs of
// white space made one space.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	text := runTool(t, pdf, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	return strings.Join(strings.Fields(text), " ")
}

func TestRenderCertificate(t *testing.T) {
	for _, region := range testRegions {
		t.Run(region, func(t *testing.T) {
			c := testCertificate(region)
			pdf := renderCert(t, c)
			writeArtifact(t, "certificate-"+region+".pdf", pdf)
			if len(pdf) > 80<<10 {
				t.Errorf("PDF is %d bytes, want at most 80 KB", len(pdf))
			}
			runTool(t, pdf, "qpdf", "--check")

			info := runTool(t, pdf, "pdfinfo")
			if !strings.Contains(info, "Page size:       841.89 x 595.28 pts (A4)") {
				t.Errorf("not A4 landscape:\n%s", info)
			}
			if !regexp.MustCompile(`(?m)^Pages:\s+1$`).MatchString(info) {
				t.Errorf("not one page:\n%s", info)
			}

			fonts := runTool(t, pdf, "pdffonts")
			rows := strings.Split(strings.TrimSpace(fonts), "\n")[2:]
			for _, row := range rows {
				f := strings.Fields(row)
				if n := len(f); n < 7 || f[n-5] != "yes" || f[n-4] != "yes" || f[n-3] != "yes" {
					t.Errorf("font not embedded as a subset with a Unicode map: %q", row)
				}
				if !regexp.MustCompile(`^[A-Z]{6}\+`).MatchString(f[0]) {
					t.Errorf("font name %q lacks the subset tag", f[0])
				}
			}
			// Latin bold is a face of its own; the certificates of these
			// issuers do without it (each face costs time and bytes).
			if strings.Contains(fonts, "DejaVuSans-Bold") {
				t.Errorf("Latin bold embedded:\n%s", fonts)
			}
			for _, want := range []string{"DejaVuSans", "DroidSansFallback"} {
				if !strings.Contains(fonts, "+"+want+" ") {
					t.Errorf("no %s subset:\n%s", want, fonts)
				}
			}

			text := pdfText(t, pdf)
			wants := []string{c.HolderNative, c.HolderLatin, c.Number, c.IssuedOn, c.EventDates, c.OccupationCode, c.SkillCode}
			for _, lang := range c.Languages {
				for _, n := range []Names{c.Issuer, c.Title, c.Skill, c.Event, c.Result, c.Level, c.Framework, c.Provenance} {
					wants = append(wants, n.In(lang))
				}
				for _, key := range []string{"certify", "skill", "level", "mapping", "number", "issued", "verify"} {
					wants = append(wants, certWords[key].In(lang))
				}
			}
			for _, want := range wants {
				if !strings.Contains(text, want) {
					t.Errorf("pdftotext lacks %q", want)
				}
			}
			// The URL may be broken over two lines.
			if !strings.Contains(strings.ReplaceAll(text, " ", ""), c.VerifyURL) {
				t.Errorf("pdftotext lacks the verification URL %s", c.VerifyURL)
			}
			// Nothing in a language the issuer does not print in.
			for _, lang := range certLanguages {
				if !strings.Contains(strings.Join(c.Languages, " "), lang) && strings.Contains(text, certWords["level"].In(lang)) {
					t.Errorf("the words of %s are printed on a certificate in %v", lang, c.Languages)
				}
			}
			for _, lang := range certLanguages {
				if strings.Contains(text, certWords["demo"].In(lang)) {
					t.Errorf("a real certificate says %q", certWords["demo"].In(lang))
				}
			}

			if again := renderCert(t, c); !bytes.Equal(again, pdf) {
				t.Errorf("a second rendering differs")
			}
		})
	}
}

func TestRenderCertificateDemo(t *testing.T) {
	for _, region := range testRegions {
		t.Run(region, func(t *testing.T) {
			c := testCertificate(region)
			c.Demo = true
			pdf := renderCert(t, c)
			writeArtifact(t, "certificate-"+region+"-demo.pdf", pdf)
			runTool(t, pdf, "qpdf", "--check")
			text := pdfText(t, pdf)
			for _, lang := range c.Languages {
				if want := certWords["demo"].In(lang); !strings.Contains(text, want) {
					t.Errorf("the demo band lacks %q", want)
				}
				if want := certWords["demoMark"].In(lang); !strings.Contains(text, want) {
					t.Errorf("the watermark lacks %q", want)
				}
			}
		})
	}
}

// TestRenderCertificateLatinHolder: a holder whose name is in Latin script
// only, long; a field left empty in a language is left out there.
func TestRenderCertificateLatinHolder(t *testing.T) {
	c := testCertificate("MO")
	c.HolderNative, c.HolderLatin = "Ana Luísa Gonçalves de Assunção e Sá Magalhães Brandão", ""
	c.Skill.Pt = ""
	pdf := renderCert(t, c)
	writeArtifact(t, "certificate-MO-latin.pdf", pdf)
	text := pdfText(t, pdf)
	for _, want := range []string{"Ana Luísa Gonçalves de Assunção e Sá Magalhães Brandão", "數控銑", "CNC Milling"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
	if strings.Contains(text, "Fresagem") {
		t.Errorf("the emptied Portuguese skill name is printed")
	}
}

// TestRenderCertificateLongTexts: overlong texts everywhere still make one
// page; the holder's names are printed whole, however long; the fields,
// cut short where they must be, overlap nothing.
func TestRenderCertificateLongTexts(t *testing.T) {
	c := testCertificate("MO")
	twice := func(n Names) Names {
		return Names{ZhHant: strings.Repeat(n.ZhHant, 3), Pt: n.Pt + " " + n.Pt, En: n.En + " " + n.En}
	}
	for _, n := range []*Names{&c.Issuer, &c.Title, &c.Skill, &c.Event, &c.Result, &c.Level, &c.Framework, &c.Provenance} {
		*n = twice(*n)
	}
	c.HolderNative = "歐陽" + strings.Repeat("國華", 20)
	c.HolderLatin = strings.TrimSpace(strings.Repeat("AU YEUNG Kuok Wa ", 8))
	c.VerifyURL = "https://skills.example.org/v/" + strings.Repeat("Km4Rt8Yp1Zx6Wc3Qv7Bn2L", 3)
	pdf := renderCert(t, c)
	writeArtifact(t, "certificate-MO-long.pdf", pdf)
	runTool(t, pdf, "qpdf", "--check")
	if info := runTool(t, pdf, "pdfinfo"); !regexp.MustCompile(`(?m)^Pages:\s+1$`).MatchString(info) {
		t.Errorf("not one page:\n%s", info)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{c.HolderNative, c.HolderLatin, c.Number, c.IssuedOn} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), c.VerifyURL) {
		t.Errorf("pdftotext lacks the verification URL %s", c.VerifyURL)
	}
	checkFields(t, c, pdf, false)
}

// TestCertificateQR renders the page and reads every module of the QR code
// back at its place, quiet zone included: the printed symbol is
// boombuler's encoding of the payload at level M, at least 30 mm a side,
// within the frame.
func TestCertificateQR(t *testing.T) {
	for _, region := range testRegions {
		t.Run(region, func(t *testing.T) {
			c := testCertificate(region)
			c.Demo = true // the watermark runs under the code
			pdf := renderCert(t, c)
			want, err := encodeQR(c.QRPayload)
			if err != nil {
				t.Fatal(err)
			}
			x, y, m := certQRPlace(want.size)
			if side := m * float64(want.size); side < 30 {
				t.Errorf("QR code %.1f mm a side, want at least 30", side)
			}
			quiet := qrQuietZone * m
			if x-quiet < certColB+certColBW || y-quiet < certFooterRule-60 || x+certQRSide+quiet > certW-certFrameIn-5 ||
				y+certQRSide+quiet > certH-certFrameIn-5 {
				t.Errorf("the QR code and its quiet zone are not at the bottom right, inside the frame")
			}
			const dpi = 300
			img := renderPage(t, pdf, 1, dpi)
			px := func(mm float64) int { return int(mm / 25.4 * dpi) }
			bad := 0
			for my := -qrQuietZone; my < want.size+qrQuietZone; my++ {
				for mx := -qrQuietZone; mx < want.size+qrQuietZone; mx++ {
					dark := mx >= 0 && my >= 0 && mx < want.size && my < want.size && want.isDark(mx, my)
					g := color.GrayModel.Convert(img.At(px(x+(float64(mx)+0.5)*m), px(y+(float64(my)+0.5)*m))).(color.Gray)
					if (g.Y < 128) != dark {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d modules (quiet zone included) read back wrong", bad, (want.size+2*qrQuietZone)*(want.size+2*qrQuietZone))
			}
		})
	}
}

// TestEncodeQRMatchesBoombuler: the certificate's QR encoder makes the
// very symbol boombuler makes, in each mode, across versions and masks.
func TestEncodeQRMatchesBoombuler(t *testing.T) {
	alphabets := []string{"0123456789", "HTTPS://SKILLS.EXAMPLE.ORG/V/ABC-123 $%*+", testQRPayload("x"), "證書 São Paulo ü"}
	versions := map[int]bool{}
	for n := 1; n < 1100; n += 13 {
		for _, alpha := range alphabets {
			s := strings.Repeat(alpha, n/len(alpha)+1)[:n]
			if !strings.ContainsRune(alpha, 'ü') || strings.ToValidUTF8(s, "") == s {
				want, err := encodeQR(s)
				if err != nil {
					t.Fatal(err)
				}
				got, err := encodeQRM(s)
				if err != nil {
					t.Fatal(err)
				}
				versions[(want.size-17)/4] = true
				if got.size != want.size {
					t.Fatalf("%d bytes of %.10q…: %d modules, want %d", n, alpha, got.size, want.size)
				}
				for i := range want.dark {
					if got.dark[i] != want.dark[i] {
						t.Fatalf("%d bytes of %.10q… (version %d): module (%d,%d) differs", n, alpha, (want.size-17)/4,
							i%want.size, i/want.size)
					}
				}
			}
		}
	}
	for v := 1; v <= 25; v++ {
		if !versions[v] {
			t.Errorf("version %d not tried", v)
		}
	}
}

func TestRenderCertificateRefuses(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(c *Certificate)
		want    string
		missing rune
	}{
		{"emoji in the holder's name", func(c *Certificate) { c.HolderNative = "李😀明" }, "holder name", '😀'},
		{"plane-2 ideograph in the Latin name", func(c *Certificate) { c.HolderLatin = "LI 𠀀" }, "holder name (Latin)", 0x20000},
		{"character no font has in a level name", func(c *Certificate) { c.Level.En = "Level ꀀ" }, "level (en)", 'ꀀ'},
		{"control character in the number", func(c *Certificate) { c.Number = "Y0000\n44" }, "number", '\n'},
		{"no language", func(c *Certificate) { c.Languages = nil }, "no languages", 0},
		{"unknown language", func(c *Certificate) { c.Languages = []string{"zh-Hans", "fr"} }, `language "fr"`, 0},
		{"language twice", func(c *Certificate) { c.Languages = []string{"en", "en"} }, `"en" given twice`, 0},
		{"no number", func(c *Certificate) { c.Number = " " }, "no number", 0},
		{"no level in the printed languages", func(c *Certificate) { c.Level = Names{Pt: "Nível 3"} }, "no level", 0},
		{"no QR payload", func(c *Certificate) { c.QRPayload = "" }, "QR payload", 0},
		{"QR payload too long to scan", func(c *Certificate) { c.QRPayload = strings.Repeat("https://x.org/", 100) }, "more than the 117", 0},
		{"attachments of one name", func(c *Certificate) { c.Attachments = append(c.Attachments, c.Attachments[0]) }, `two attachments named "credential.json"`, 0},
		{"attachment without a name", func(c *Certificate) { c.Attachments[0].Name = "" }, "attachment 1 has no name", 0},
		{"bad media type", func(c *Certificate) { c.Attachments[0].MIME = "json" }, `media type "json"`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testCertificate("GD")
			c.Attachments = append([]Attachment(nil), c.Attachments...)
			tc.edit(&c)
			var buf bytes.Buffer
			err := RenderCertificate(&buf, testFonts(t), c)
			checkRefused(t, err, buf.Len(), tc.want, tc.missing)
		})
	}

	// Text in a language the issuer does not print is not looked at.
	c := testCertificate("GD")
	c.Level.Pt = "Nível 😀"
	if err := RenderCertificate(&bytes.Buffer{}, testFonts(t), c); err != nil {
		t.Errorf("a character no font has, in a language not printed: %v", err)
	}
}

// TestCertificateWords: every fixed word can be set in the shipped fonts.
func TestCertificateWords(t *testing.T) {
	f := testFonts(t)
	for key, n := range certWords {
		for _, lang := range certLanguages {
			if n.In(lang) == "" {
				t.Errorf("%s has no %s", key, lang)
			}
			if m := f.Missing(n.In(lang)); m != nil {
				t.Errorf("%s (%s) %q: the fonts lack %q", key, lang, n.In(lang), m)
			}
		}
	}
}

// TestCertificateAttachments: the credential is an embedded file that
// poppler and qpdf list and give back byte for byte, with its media type,
// associated with the document (/AF); it survives signing.
func TestCertificateAttachments(t *testing.T) {
	c := testCertificate("HK")
	sheet := []byte("name,score\nCHAN Ka Yan,792.29\n")
	c.Attachments = append(c.Attachments, Attachment{Name: "成績.csv", MIME: "text/csv", Data: sheet})
	pdf := renderCert(t, c)
	signed, err := SignPDF(pdf, signers(t).ecdsa)
	if err != nil {
		t.Fatalf("SignPDF: %v", err)
	}
	for name, doc := range map[string][]byte{"unsigned": pdf, "signed": signed} {
		t.Run(name, func(t *testing.T) {
			list := runTool(t, doc, "pdfdetach", "-enc", "UTF-8", "-list", "{pdf}")
			if !strings.Contains(list, "2 embedded files") || !strings.Contains(list, "credential.json") ||
				!strings.Contains(list, "成績.csv") {
				t.Errorf("pdfdetach -list:\n%s", list)
			}
			if got := runTool(t, doc, "qpdf", "--list-attachments", "{pdf}"); !strings.Contains(got, "credential.json") {
				t.Errorf("qpdf --list-attachments:\n%s", got)
			}
			if got := runTool(t, doc, "qpdf", "--show-attachment=credential.json", "{pdf}"); got != string(testCredential) {
				t.Errorf("qpdf gives back %d bytes, not the %d of the credential", len(got), len(testCredential))
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "cert.pdf")
			if err := os.WriteFile(in, doc, 0o600); err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]byte{testCredential, sheet} {
				out := filepath.Join(dir, fmt.Sprint(i))
				if b, err := exec.Command(needTool(t, "pdfdetach"), "-save", fmt.Sprint(i+1), "-o", out, in).CombinedOutput(); err != nil {
					t.Fatalf("pdfdetach -save: %v\n%s", err, b)
				}
				if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, want) {
					t.Errorf("file %d comes back as %d bytes (%v), want the %d embedded", i+1, len(got), err, len(want))
				}
			}
			for _, want := range []string{"/Subtype /application#2Fvc+ld+json", "/AFRelationship /Data", "/AF [", "/CheckSum <"} {
				if !bytes.Contains(doc, []byte(want)) {
					t.Errorf("the PDF lacks %s", want)
				}
			}
		})
	}
}

// TestCertificateSignable: SignPDF signs a rendered certificate as it is,
// and pdfsig finds the signature valid over the whole document.
func TestCertificateSignable(t *testing.T) {
	for _, region := range testRegions {
		t.Run(region, func(t *testing.T) {
			pdf := renderCert(t, testCertificate(region))
			signed, err := SignPDF(pdf, signers(t).ecdsa)
			if err != nil {
				t.Fatalf("SignPDF: %v", err)
			}
			writeArtifact(t, "certificate-"+region+"-signed.pdf", signed)
			if len(signed) > 80<<10 {
				t.Errorf("signed PDF is %d bytes, want at most 80 KB", len(signed))
			}
			runTool(t, signed, "qpdf", "--check")
			report := pdfsig(t, signed)
			for _, want := range []string{pdfsigValid, pdfsigTotal} {
				if !strings.Contains(report, want) {
					t.Errorf("pdfsig lacks %q:\n%s", want, report)
				}
			}
		})
	}
}

// TestRenderCertificateConcurrent: documents rendered at once, sharing the
// fonts, come out as they do one at a time (and -race finds no race).
func TestRenderCertificateConcurrent(t *testing.T) {
	want := map[string][]byte{}
	for _, region := range testRegions {
		want[region] = renderCert(t, testCertificate(region))
	}
	var wg sync.WaitGroup
	for i := range 6 {
		region := testRegions[i%len(testRegions)]
		wg.Go(func() {
			var buf bytes.Buffer
			if err := RenderCertificate(&buf, testFonts(t), testCertificate(region)); err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(buf.Bytes(), want[region]) {
				t.Errorf("%s: concurrent rendering differs", region)
			}
		})
	}
	wg.Wait()
}

// BenchmarkRenderCertificate renders one certificate of each demo issuer,
// with its credential attached, as issuance does before signing.
func BenchmarkRenderCertificate(b *testing.B) {
	fonts := testFonts(b)
	for _, region := range testRegions {
		b.Run(region, func(b *testing.B) {
			c := testCertificate(region)
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := RenderCertificate(&buf, fonts, c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/pdf")
		})
	}
}

// BenchmarkRenderCertificateBaseline is the baseline of
// BenchmarkRenderCertificate: fpdf itself setting the same page (same
// layout, same QR code) with the whole font files, as AddUTF8FontFromBytes
// takes them, instead of per-document subsets; no attachment.
func BenchmarkRenderCertificateBaseline(b *testing.B) {
	ff, err := testFontFiles()
	if err != nil {
		b.Fatal(err)
	}
	fonts := testFonts(b)
	for _, region := range testRegions {
		b.Run(region, func(b *testing.B) {
			c, err := testCertificate(region).prepare(fonts)
			if err != nil {
				b.Fatal(err)
			}
			code, err := encodeQRM(c.QRPayload)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				p := fpdf.New("L", "mm", "A4", "")
				p.SetMargins(0, 0, 0)
				p.SetAutoPageBreak(false, 0)
				// The two faces these pages use (no Latin bold).
				p.AddUTF8FontFromBytes("latin", "", ff.Latin)
				p.AddUTF8FontFromBytes("cjk", "", ff.CJK)
				cv := &canvas{fonts: fonts, pdf: p, family: map[*face]string{fonts.regular[0]: "latin", fonts.regular[1]: "cjk"}}
				(&certLayout{c: c, code: code}).draw(cv)
				if cv.err != nil {
					b.Fatal(cv.err)
				}
				if err := p.Output(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/pdf")
		})
	}
}

// BenchmarkCertificateQR compares boombuler's encoder with encodeQRM on a
// certificate's payload.
func BenchmarkCertificateQR(b *testing.B) {
	payload := testCertificate("GD").QRPayload
	for _, e := range []struct {
		name string
		fn   func(string) (*qrSymbol, error)
	}{{"boombuler", encodeQR}, {"encodeQRM", encodeQRM}} {
		b.Run(e.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.fn(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderSignCertificateParallel renders and signs (ECDSA P-256)
// certificates on every CPU at once, as a batch of issuance does before
// storing: its ns/op is wall time per certificate, so 1e9 / ns/op is
// certificates a second.
func BenchmarkRenderSignCertificateParallel(b *testing.B) {
	fonts := testFonts(b)
	p := signers(b).ecdsa
	c := testCertificate("MO")
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			buf.Reset()
			if err := RenderCertificate(&buf, fonts, c); err != nil {
				b.Error(err)
				return
			}
			if _, err := SignPDF(buf.Bytes(), p); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestRenderCertificateValidUntil: a certificate that expires prints the
// date it is valid until, labelled in each of its languages as the date of
// issue is, beside that date; one that does not expire prints nothing of
// it. The footer's words overlap nothing and stay on its rule, with the
// longest labels too (all four languages).
func TestRenderCertificateValidUntil(t *testing.T) {
	all := fourLanguages()
	// A number as wide as its column leaves the dates less room than they
	// take: they are set smaller, not cut.
	squeezed := all
	squeezed.Number = "MO-DSAL-2026-CNC-ADV-000045-R02"
	for _, tc := range []struct {
		name     string
		c        Certificate
		line     string // the label as printed
		squeezed bool   // the dates are set smaller to fit
	}{
		{"GD", testCertificate("GD"), "有效期至 · Valid until", false},
		{"HK", testCertificate("HK"), "有效期至 · Valid until", false},
		{"MO", testCertificate("MO"), "有效期至 · Válido até · Valid until", false},
		{"all four languages", all, "有效期至 · Válido até · Valid until", false},
		{"all four languages, long number", squeezed, "有效期至 · Válido até · Valid until", true},
	} {
		for _, until := range []string{"2031-12-20", ""} {
			name := tc.name + "/valid until " + until
			if until == "" {
				name = tc.name + "/no expiry"
			}
			t.Run(name, func(t *testing.T) {
				c := tc.c
				c.ValidUntil = until
				pdf := renderCert(t, c)
				file := "certificate-" + strings.NewReplacer(" ", "-", ",", "").Replace(tc.name)
				if until != "" {
					file += "-expiring"
				}
				writeArtifact(t, file+".pdf", pdf)
				runTool(t, pdf, "qpdf", "--check")

				text := pdfText(t, pdf)
				if got := strings.Contains(text, tc.line); got != (until != "") {
					t.Errorf("pdftotext has %q: %v, want %v", tc.line, got, until != "")
				}
				// Each printed language's words, and no other's (简体 and
				// 繁體 share theirs).
				for _, lang := range certLanguages {
					word := certWords["validUntil"].In(lang)
					want := until != "" && slices.ContainsFunc(c.Languages, func(l string) bool { return certWords["validUntil"].In(l) == word })
					if got := strings.Contains(text, word); got != want {
						t.Errorf("pdftotext has %q (%s): %v, want %v", word, lang, got, want)
					}
				}
				if got := strings.Contains(text, "2031-12-20"); got != (until != "") {
					t.Errorf("pdftotext has the date 2031-12-20: %v, want %v", got, until != "")
				}
				if !strings.Contains(text, certWords["issued"].In(c.Languages[0])) || !strings.Contains(text, c.IssuedOn) {
					t.Errorf("pdftotext lacks the date of issue")
				}

				// The footer's words (the URL under the QR code aside) stay
				// on the rule and clear of every other word.
				words := wordBoxes(t, pdf)
				for i, a := range words {
					if a.box[1] < certFooterRule || strings.Contains(c.VerifyURL, a.text) {
						continue
					}
					if strings.Contains(a.text, "…") {
						t.Errorf("footer word %q cut short", a.text)
					}
					if a.box[0] < certColA-0.1 || a.box[2] > certColB+certColBW+0.1 {
						t.Errorf("footer word %q %v leaves the rule (%g–%g mm)", a.text, a.box, certColA, certColB+certColBW)
					}
					for j, b := range words {
						if j != i && a.overlaps(b) {
							t.Errorf("footer word %q %v overlaps %q %v", a.text, a.box, b.text, b.box)
						}
					}
				}
				if until == "" {
					return
				}
				// The expiry stands to the right of the date of issue, on its
				// baseline; unless squeezed, both are set at the size of the
				// number (its label and its value).
				issued, expiry := findWord(t, words, c.IssuedOn), findWord(t, words, until)
				if expiry.box[0] <= issued.box[2] || math.Abs(expiry.box[3]-issued.box[3]) > 0.01 {
					t.Errorf("valid-until date at %v, want to the right of the date of issue at %v", expiry.box, issued.box)
				}
				if tc.squeezed {
					return
				}
				height := func(text string) float64 { w := findWord(t, words, text); return w.box[3] - w.box[1] }
				for _, pair := range [][2]string{{"issue", "No."}, {"until", "No."}, {c.IssuedOn, c.Number}, {until, c.Number}} {
					if got, want := height(pair[0]), height(pair[1]); math.Abs(got-want) > 0.01 {
						t.Errorf("%q set %.2f mm high, want %.2f as %q", pair[0], got, want, pair[1])
					}
				}
			})
		}
	}
}

// wordBox is a word as pdftotext -bbox places it: xMin, yMin, xMax, yMax
// in mm from the page's top left.
type wordBox struct {
	text string
	box  [4]float64
}

func (a wordBox) overlaps(b wordBox) bool {
	const eps = 0.05
	return a.box[0] < b.box[2]-eps && b.box[0] < a.box[2]-eps && a.box[1] < b.box[3]-eps && b.box[1] < a.box[3]-eps
}

// wordBoxes returns the words of pdf's first page with their boxes.
func wordBoxes(t *testing.T, pdf []byte) []wordBox {
	t.Helper()
	out := runTool(t, pdf, "pdftotext", "-bbox", "{pdf}", "-")
	re := regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
	var words []wordBox
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		w := wordBox{text: html.UnescapeString(m[5])}
		for i := range w.box {
			v, err := strconv.ParseFloat(m[i+1], 64)
			if err != nil {
				t.Fatal(err)
			}
			w.box[i] = v / 72 * 25.4
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		t.Fatalf("pdftotext -bbox found no words:\n%s", out)
	}
	return words
}

// findWord returns the one word whose text is text.
func findWord(t *testing.T, words []wordBox, text string) wordBox {
	t.Helper()
	var found []wordBox
	for _, w := range words {
		if w.text == text {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d words %q, want one", len(found), text)
	}
	return found[0]
}

// TestRenderCertificateFieldsFit: in every issuer's languages, all four
// included, with texts of the usual length and with long ones, expiring or
// not, every word of the fields is printed whole, no smaller than the
// least legible size, clear of every other word, and above the footer
// rule.
func TestRenderCertificateFieldsFit(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Certificate
	}{
		{"GD", testCertificate("GD")},
		{"HK", testCertificate("HK")},
		{"MO", testCertificate("MO")},
		{"all four languages", fourLanguages()},
	} {
		for _, long := range []bool{false, true} {
			for _, until := range []string{"", "2031-12-20"} {
				c := tc.c
				name := tc.name
				if long {
					c, name = withLongFields(c), name+"/long"
				}
				if c.ValidUntil = until; until != "" {
					name += "/expiring"
				}
				t.Run(name, func(t *testing.T) {
					pdf := renderCert(t, c)
					writeArtifact(t, "certificate-fields-"+strings.NewReplacer(" ", "-", "/", "-").Replace(name)+".pdf", pdf)
					checkFields(t, c, pdf, true)
				})
			}
		}
	}
}

// TestRenderCertificateTooLong: texts that do not fit the page even at the
// least legible size are refused, naming the fields, rather than printed
// over each other.
func TestRenderCertificateTooLong(t *testing.T) {
	c := withLongFields(fourLanguages())
	tenTimes := func(n Names) Names {
		return Names{ZhHans: strings.Repeat(n.ZhHans, 10), ZhHant: strings.Repeat(n.ZhHant, 10),
			Pt: strings.Repeat(n.Pt+" ", 9) + n.Pt, En: strings.Repeat(n.En+" ", 9) + n.En}
	}
	for _, n := range []*Names{&c.Issuer, &c.Title, &c.Skill, &c.Event, &c.Result, &c.Level, &c.Framework, &c.Provenance} {
		*n = tenTimes(*n)
	}
	c.HolderNative = "歐陽" + strings.Repeat("國華", 200)
	c.HolderLatin = strings.Repeat("AU YEUNG Kuok Wa ", 50)
	var buf bytes.Buffer
	err := RenderCertificate(&buf, testFonts(t), c)
	checkRefused(t, err, buf.Len(), "shorten", 0)
	var oe *OverflowError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v is not an *OverflowError", err)
	}
	if oe.Need <= oe.Room || len(oe.Fields) == 0 {
		t.Errorf("OverflowError %+v, want a need over the room and the fields named", oe)
	}
	for _, f := range oe.Fields {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name the field %q", err, f)
		}
	}
}

// checkFields checks the words of c's fields in pdf: none set smaller than
// certMinSize, each clear of every other word and above the footer rule;
// if whole, each printed and none cut short.
func checkFields(t *testing.T, c Certificate, pdf []byte, whole bool) {
	t.Helper()
	words := wordBoxes(t, pdf)
	// The fields are the words under the holder's names, left of the QR
	// code's column, the footer's words aside.
	holder := c.HolderLatin
	if holder == "" {
		holder = c.HolderNative
	}
	top := 0.0
	for _, w := range words {
		if slices.Contains(strings.Fields(holder), w.text) {
			top = max(top, w.box[3])
		}
	}
	if top == 0 {
		t.Fatalf("no word of the holder's name %q", holder)
	}
	footer := strings.Fields(c.Number + " " + c.IssuedOn + " " + c.ValidUntil)
	for _, key := range []string{"number", "issued", "validUntil"} {
		for _, lang := range c.Languages {
			footer = append(footer, strings.Fields(certWords[key].In(lang)+" ·")...)
		}
	}
	field := make([]bool, len(words))
	for i, w := range words {
		field[i] = w.box[1] >= top && w.box[0] < certColB+certColBW &&
			!(w.box[1] >= certFooterRule && slices.Contains(footer, w.text))
	}
	// A word set at certMinSize in the face of the smallest extent is
	// the lowest box a word of the fields may have.
	least := math.Inf(1)
	for _, fc := range testFonts(t).regular {
		a, d := fc.extent()
		least = min(least, (a+d)*certMinSize*mmPerPt)
	}
	ruleTop := certFooterRule - certRuleWidth/2
	fields := 0
	for i, a := range words {
		if !field[i] {
			continue
		}
		fields++
		if a.box[3] > ruleTop {
			t.Errorf("field word %q %v reaches down to %.2f mm, the footer rule's top is at %.2f mm", a.text, a.box, a.box[3], ruleTop)
		}
		if h := a.box[3] - a.box[1]; h < least-0.01 {
			t.Errorf("field word %q %v is %.2f mm high, set under %g pt (%.2f mm)", a.text, a.box, h, certMinSize, least)
		}
		if whole && strings.Contains(a.text, "…") {
			t.Errorf("field word %q cut short", a.text)
		}
		for j, b := range words {
			if j != i && !(field[j] && j < i) && a.overlaps(b) {
				t.Errorf("field word %q %v overlaps %q %v", a.text, a.box, b.text, b.box)
			}
		}
	}
	if fields == 0 {
		t.Fatalf("no field words under %.1f mm", top)
	}
	if !whole {
		return
	}
	// Every text of the fields is printed (lines broken anywhere).
	text := strings.ReplaceAll(pdfText(t, pdf), " ", "")
	wants := []string{c.SkillCode, c.OccupationCode, c.EventDates}
	for _, lang := range c.Languages {
		for _, n := range []Names{c.Skill, c.Event, c.Result, c.Level, c.Framework, c.Provenance} {
			wants = append(wants, n.In(lang))
		}
	}
	for _, want := range wants {
		if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
}
