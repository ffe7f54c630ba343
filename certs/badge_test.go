package certs

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testJudges are judges as a GBA event has them: names in simplified and
// traditional Chinese with their Latin form, a Portuguese name with no
// Chinese, and a skill name too long for two lines.
var testJudges = []struct{ native, latin, user, role, skill, region string }{
	{"林偉明", "LAM Wai Ming", "cnc-chief", BadgeChiefExpert, "CNC — CNC Milling 数控铣", "Hong Kong 香港"},
	{"周国栋", "ZHOU Guodong", "cnc-judge-1", BadgeJudge, "CNC — CNC Milling 数控铣", "Guangdong 广东"},
	{"周家輝", "CHOW Ka Fai", "cnc-judge-2", BadgeJudge, "CNC — CNC Milling 数控铣", "Hong Kong 香港"},
	{"林國華", "LAM Kuok Wa", "cnc-judge-3", BadgeJudge, "CNC — CNC Milling 数控铣", "Macao 澳门"},
	{"Teresa AIROSA", "", "hair-chief", BadgeChiefExpert, "HAIR — Hairdressing 美发", "Macao 澳门"},
	{"彭丽萍", "PENG Liping", "hair-judge-1", BadgeJudge, "HAIR — Hairdressing 美发", "Guangdong 广东"},
	{"譚美玲", "TAM Mei Ling", "hair-judge-2", BadgeJudge, "HAIR — Hairdressing 美发", "Hong Kong 香港"},
	{"Ana Luísa Gonçalves de Assunção e Sá Magalhães Brandão", "", "hair-judge-3", BadgeJudge,
		"HAIR — Hairdressing 美发", "Macao 澳门"},
	{"蔡振宇", "CAI Zhenyu", "rest-chief", BadgeChiefExpert,
		"REST — Restaurant Service and Hospitality Management of Banquets and Events 餐厅服务与宴会活动接待管理", "Guangdong 广东"},
	{"许慧琳", "XU Huilin", "rest-judge-1", BadgeJudge, "REST — Restaurant Service 餐厅服务", "Guangdong 广东"},
	{"馮慧敏", "FUNG Wai Man", "rest-judge-2", BadgeJudge, "REST — Restaurant Service 餐厅服务", "Hong Kong 香港"},
	{"徐偉明", "CHUI Wai Meng", "rest-judge-3", BadgeJudge, "REST — Restaurant Service 餐厅服务", "Macao 澳门"},
}

// testBadgeURL is the sign-in URL of judge i: a server's base, /q/ and a
// 26-character code.
func testBadgeURL(i int) string {
	return fmt.Sprintf("https://skills.example.org/q/%02dabcdefghijklmnopqrstuvwx", i)
}

// testBadges returns a sheet of n judges' badges.
func testBadges(n int) BadgeSheet {
	s := BadgeSheet{
		Event:        "2026 Greater Bay Area Vocational Skills Competition",
		EventChinese: "2026年粤港澳大湾区职业技能大赛",
		Generated:    "2026-12-06 09:12 (UTC+8)",
		Created:      time.Date(2026, 12, 6, 1, 12, 0, 0, time.UTC),
	}
	for i := range n {
		j := testJudges[i%len(testJudges)]
		s.Badges = append(s.Badges, Badge{NameNative: j.native, NameLatin: j.latin, Username: j.user, Role: j.role,
			Skill: j.skill, Region: j.region, SignIn: testBadgeURL(i)})
	}
	return s
}

func renderBadges(t testing.TB, s BadgeSheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderBadges(&buf, testFonts(t), s); err != nil {
		t.Fatalf("RenderBadges: %v", err)
	}
	return buf.Bytes()
}

func TestRenderBadges(t *testing.T) {
	s := testBadges(12)
	pdf := renderBadges(t, s)
	writeArtifact(t, "badges.pdf", pdf)
	if len(pdf) > 120<<10 {
		t.Errorf("PDF is %d bytes; fonts are not subset?", len(pdf))
	}
	runTool(t, pdf, "qpdf", "--check")

	info := runTool(t, pdf, "pdfinfo")
	if !strings.Contains(info, "Page size:       595.276 x 841.89 pts (A4)") && !strings.Contains(info, "595.28 x 841.89 pts (A4)") {
		t.Errorf("pages are not A4 portrait:\n%s", info)
	}
	if !regexp.MustCompile(`(?m)^Pages:\s+2$`).MatchString(info) {
		t.Errorf("12 badges not on 2 pages:\n%s", info)
	}
	fonts := runTool(t, pdf, "pdffonts")
	for _, want := range []string{"+DejaVuSans ", "+DejaVuSans-Bold ", "+DroidSansFallback "} {
		if !strings.Contains(fonts, want) {
			t.Errorf("no embedded subset %s:\n%s", strings.TrimSpace(want), fonts)
		}
	}

	text := runTool(t, pdf, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	pages := strings.Split(text, "\f")
	for i, j := range testJudges {
		page := pages[i/badgesPerPage]
		for _, want := range []string{j.user, j.region} {
			if !strings.Contains(page, want) {
				t.Errorf("page %d lacks %q", i/badgesPerPage+1, want)
			}
		}
		if j.latin != "" && (!strings.Contains(page, j.native) || !strings.Contains(page, j.latin)) {
			t.Errorf("page %d lacks the name %s / %s", i/badgesPerPage+1, j.native, j.latin)
		}
	}
	for _, want := range []string{"2026年粤港澳大湾区职业技能大赛", "2026 Greater Bay Area Vocational Skills Competition",
		"Chief Expert 首席专家", "Judge 裁判", "Scan to sign in — one use only", "扫码登录 — 仅限使用一次",
		"Page 1 of 2", "Page 2 of 2", "Printed 2026-12-06 09:12 (UTC+8)", "数控铣", "Ana Luísa", "…"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
	if strings.Contains(text, "skills.example.org") {
		t.Errorf("the sign-in URL is printed as text; it belongs in the QR code only")
	}
	if n := strings.Count(text, "Scan to sign in"); n != 12 {
		t.Errorf("%d badges say how to sign in, want 12", n)
	}

	// Reproducible byte for byte.
	if again := renderBadges(t, s); !bytes.Equal(again, pdf) {
		t.Errorf("a second rendering differs")
	}
}

func TestRenderBadgesTraditional(t *testing.T) {
	s := testBadges(2)
	s.Traditional, s.EventChinese = true, "2026年粵港澳大灣區職業技能大賽"
	text := runTool(t, renderBadges(t, s), "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	for _, want := range []string{"首席專家", "掃碼登入 — 僅限使用一次", "粵港澳大灣區", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
	if strings.Contains(text, "首席专家") || strings.Contains(text, "扫码") {
		t.Errorf("a sheet in traditional characters has simplified words")
	}
}

// TestQRRects rebuilds the module matrix from the rectangles drawn and
// compares it with the encoder's, module by module, for codes of several
// versions; rectangles never overlap.
func TestQRRects(t *testing.T) {
	for _, content := range []string{
		"https://x.org/q/abc",
		"https://skills.example.org/q/abcdefghijklmnopqrstuvwxyz",
		"https://bayskills.venue-network.gba-skills.example.org.hk:8443/q/abcdefghijklmnopqrstuvwxyz",
		strings.Repeat("https://example.org/", 12),
	} {
		q, err := encodeQR(content)
		if err != nil {
			t.Fatal(err)
		}
		covered := make([]int, q.size*q.size)
		rects := q.rects()
		for _, r := range rects {
			if r.w < 1 || r.h < 1 || r.x < 0 || r.y < 0 || r.x+r.w > q.size || r.y+r.h > q.size {
				t.Fatalf("rectangle %+v outside the %d-module symbol", r, q.size)
			}
			for y := r.y; y < r.y+r.h; y++ {
				for x := r.x; x < r.x+r.w; x++ {
					covered[y*q.size+x]++
				}
			}
		}
		dark := 0
		for y := range q.size {
			for x := range q.size {
				n := covered[y*q.size+x]
				if q.isDark(x, y) {
					dark++
				}
				if (n == 1) != q.isDark(x, y) || n > 1 {
					t.Fatalf("%q: module (%d,%d) covered %d times, dark %v", content, x, y, n, q.isDark(x, y))
				}
			}
		}
		// The matrix is the encoder's: version from the size, and the
		// three finder patterns where ISO/IEC 18004 puts them.
		if (q.size-17)%4 != 0 || q.size < 21 {
			t.Errorf("%q: %d modules a side is no QR version", content, q.size)
		}
		for _, at := range [][2]int{{0, 0}, {q.size - 7, 0}, {0, q.size - 7}} {
			for i := range 7 {
				for j := range 7 {
					ring := max(i-3, 3-i, j-3, 3-j)
					if want := ring != 2; q.isDark(at[0]+i, at[1]+j) != want {
						t.Errorf("%q: finder pattern at %v wrong at (%d,%d)", content, at, i, j)
					}
				}
			}
		}
		if len(rects) >= dark {
			t.Errorf("%q: %d rectangles for %d dark modules: nothing merged", content, len(rects), dark)
		}
	}
}

// TestBadgeQRPrinted renders a badge page to an image and reads every
// module of every QR code back at its place: the printed symbol is the
// encoding of the judge's URL, at least 30 mm a side, with a clear quiet
// zone of 4 modules inside the card.
func TestBadgeQRPrinted(t *testing.T) {
	s := testBadges(8)
	pdf := renderBadges(t, s)
	const dpi = 300
	img := renderPage(t, pdf, 1, dpi)
	px := func(mm float64) int { return int(mm / 25.4 * dpi) }
	darkAt := func(xmm, ymm float64) bool {
		c := color.GrayModel.Convert(img.At(px(xmm), px(ymm))).(color.Gray)
		return c.Y < 128
	}
	for i, b := range s.Badges {
		q, err := encodeQR(b.SignIn)
		if err != nil {
			t.Fatal(err)
		}
		cx, cy := badgeOrigin(i)
		qx, qy, m := qrPlace(q.size)
		if side := m * float64(q.size); side < 30 {
			t.Errorf("badge %d: QR code %.1f mm a side, want at least 30", i+1, side)
		}
		quiet := qrQuietZone * m
		if qx-quiet < 0 || qy-quiet < badgeBand || qx+qrSide+quiet > badgeW || qy+qrSide+quiet > badgeH {
			t.Errorf("badge %d: the QR code's quiet zone leaves the card or covers the band", i+1)
		}
		bad := 0
		for y := -qrQuietZone; y < q.size+qrQuietZone; y++ {
			for x := -qrQuietZone; x < q.size+qrQuietZone; x++ {
				want := x >= 0 && y >= 0 && x < q.size && y < q.size && q.isDark(x, y)
				if darkAt(cx+qx+(float64(x)+0.5)*m, cy+qy+(float64(y)+0.5)*m) != want {
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("badge %d: %d modules (quiet zone included) read back wrong", i+1, bad)
		}
	}
}

// renderPage renders page n of pdf to a grey image with pdftoppm.
func renderPage(t *testing.T, pdf []byte, n, dpi int) image.Image {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(needTool(t, "pdftoppm"), "-gray", "-r", fmt.Sprint(dpi), "-f", fmt.Sprint(n), "-l", fmt.Sprint(n),
		"-singlefile", in, filepath.Join(dir, "page"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	img, err := readPGM(filepath.Join(dir, "page.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// readPGM reads a binary (P5) 8-bit PGM file, as pdftoppm -gray writes.
func readPGM(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var magic string
	var w, h, maxVal int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxVal); err != nil || magic != "P5" || maxVal != 255 {
		return nil, fmt.Errorf("%s: not an 8-bit binary PGM (%v)", path, err)
	}
	if _, err := r.ReadByte(); err != nil { // the one whitespace after the header
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, err
	}
	return img, nil
}

func TestRenderBadgesRefuses(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(s *BadgeSheet)
		want    string
		missing rune
	}{
		{"emoji in a name", func(s *BadgeSheet) { s.Badges[1].NameNative = "周😀" }, "judge cnc-judge-1: name", '😀'},
		{"plane-2 ideograph", func(s *BadgeSheet) { s.Badges[2].NameNative = "周𠀀" }, "judge cnc-judge-2: name", 0x20000},
		{"character no font has in the event", func(s *BadgeSheet) { s.EventChinese = "ꀀ" }, "event (Chinese)", 'ꀀ'},
		{"role", func(s *BadgeSheet) { s.Badges[0].Role = "referee" }, `role "referee"`, 0},
		{"no sign-in URL", func(s *BadgeSheet) { s.Badges[3].SignIn = "" }, "badge 4 (cnc-judge-3) has no sign-in URL", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testBadges(4)
			tc.edit(&s)
			var buf bytes.Buffer
			err := RenderBadges(&buf, testFonts(t), s)
			checkRefused(t, err, buf.Len(), tc.want, tc.missing)
			// CheckBadges says the same, except about the URL it ignores.
			checkErr := CheckBadges(testFonts(t), s)
			if tc.name == "no sign-in URL" {
				if checkErr != nil {
					t.Errorf("CheckBadges = %v, want nil (it ignores URLs)", checkErr)
				}
			} else if checkErr == nil || checkErr.Error() != err.Error() {
				t.Errorf("CheckBadges = %v, want %v", checkErr, err)
			}
		})
	}
}

func BenchmarkRenderBadges(b *testing.B) {
	fonts := testFonts(b)
	s := testBadges(12)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := RenderBadges(&buf, fonts, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}
