package certs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

// testPeople are competitors as a GBA event has them: simplified and
// traditional Chinese, Portuguese, and names and institutions too long for
// their cells.
var testPeople = []struct{ native, latin, inst, region string }{
	{"李晓明", "LI Xiaoming", "广州市工贸技师学院", "Guangdong"},
	{"陳嘉欣", "CHAN Ka Yan", "香港專業教育學院（青衣）", "Hong Kong"},
	{"João Conceição", "João Conceição", "Escola Secundária Luso-Chinesa de Luís Gonzaga Gomes", "Macao"},
	{"黄子健", "HUANG Zijian", "深圳技师学院", "Guangdong"},
	{"梁詠琪", "LEUNG Wing Kei", "職業訓練局", "Hong Kong"},
	{"Ana Luísa Gonçalves de Assunção e Sá Magalhães Brandão", "Ana Luísa Gonçalves", "Instituto Politécnico de Macau", "Macao"},
	{"欧阳晓岚", "OUYANG Xiaolan", "佛山市技师学院", "Guangdong"},
	{"區靜雯", "AU Ching Man", "香港知專設計學院", "Hong Kong"},
}

// testSheet returns a sheet of n rows in the given state.
func testSheet(n int, state string) ResultSheet {
	s := ResultSheet{
		Event:        "2026 Greater Bay Area Vocational Skills Competition / 2026年粤港澳大湾区职业技能大赛",
		Skill:        "CNC — CNC Milling 数控铣",
		State:        state,
		AppealsClose: "2026-05-14 16:00 (UTC+8)",
		Finalised:    "2026-05-14 18:30 by the Chief Expert",
		Formula:      "standardised = 700 + 100 × (raw − 71.25) ÷ 8.43",
		Criteria: []SheetCriterion{
			{"A", "Design and programming", "20.00"}, {"B", "Machining", "35.00"},
			{"C", "Measurement and quality", "30.00"}, {"D", "Safety and work organisation", "15.00"},
		},
		Notes:     []string{"Ranks within 0.5 of a point are shared (standard competition ranking). Blind judging: judges saw competitor codes only."},
		SignOff:   []string{"Chief Expert 首席专家", "Deputy Chief Expert", "Competition Manager"},
		Generated: "2026-05-14 15:02 (UTC+8)",
		Created:   time.Date(2026, 5, 14, 7, 2, 0, 0, time.UTC),
	}
	awards := []string{"gold", "silver", "bronze", "bronze", "medallion", "medallion", "excellence"}
	for i := range n {
		p := testPeople[i%len(testPeople)]
		r := ResultRow{
			Rank:         i + 1,
			Code:         fmt.Sprintf("CNC-%02d", i+1),
			NameNative:   p.native,
			NameLatin:    p.latin,
			Institution:  p.inst,
			Region:       p.region,
			Raw:          fmt.Sprintf("%.2f", 92.5-float64(i)*0.75),
			Score:        strconv.Itoa(780 - 7*i),
			BestOfRegion: i < 3 || i == 5,
		}
		if i < len(awards) {
			r.Award = awards[i]
		}
		for j := range s.Criteria {
			r.Criteria = append(r.Criteria, fmt.Sprintf("%.2f", 30-float64(j*5)-float64(i)*0.17))
		}
		s.Rows = append(s.Rows, r)
	}
	return s
}

// render renders s with the shipped fonts.
func render(t testing.TB, s ResultSheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderResultSheet(&buf, testFonts(t), s); err != nil {
		t.Fatalf("RenderResultSheet: %v", err)
	}
	return buf.Bytes()
}

// writeArtifact keeps a rendered PDF for a person to look at when
// CERTS_OUT names a directory.
func writeArtifact(t *testing.T, name string, pdf []byte) {
	if dir := os.Getenv("CERTS_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRenderResultSheet(t *testing.T) {
	s := testSheet(40, SheetProvisional)
	pdf := render(t, s)
	writeArtifact(t, "resultsheet-provisional.pdf", pdf)

	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatalf("output is not a PDF: %q…", pdf[:min(20, len(pdf))])
	}
	if len(pdf) > 200<<10 {
		t.Errorf("PDF is %d bytes; fonts are not subset?", len(pdf))
	}
	runTool(t, pdf, "qpdf", "--check")

	info := runTool(t, pdf, "pdfinfo")
	pages := 0
	if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(info); m != nil {
		pages, _ = strconv.Atoi(m[1])
	}
	if pages < 2 {
		t.Fatalf("40 rows on %d pages, want them to run over 2 or more\n%s", pages, info)
	}
	if !strings.Contains(info, "Page size:       841.89 x 595.28 pts (A4)") {
		t.Errorf("pages are not A4 landscape:\n%s", info)
	}

	// Fonts: embedded, as subsets, Latin regular and bold, and CJK.
	fonts := runTool(t, pdf, "pdffonts")
	rows := strings.Split(strings.TrimSpace(fonts), "\n")[2:]
	if len(rows) != 3 {
		t.Errorf("%d fonts, want 3 (Latin, Latin bold, CJK):\n%s", len(rows), fonts)
	}
	for _, row := range rows {
		f := strings.Fields(row)
		// name type… encoding emb sub uni object ID
		if n := len(f); n < 7 || f[n-5] != "yes" || f[n-4] != "yes" || f[n-3] != "yes" {
			t.Errorf("font not embedded as a subset with a Unicode map: %q", row)
		}
		if !regexp.MustCompile(`^[A-Z]{6}\+`).MatchString(f[0]) {
			t.Errorf("font name %q lacks the subset tag", f[0])
		}
	}
	for _, want := range []string{"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"} {
		if !strings.Contains(fonts, "+"+want+" ") {
			t.Errorf("no %s font:\n%s", want, fonts)
		}
	}

	// Text: every name as it was given, labels, page numbers, on every page.
	text := runTool(t, pdf, "pdftotext", "-layout", "-enc", "UTF-8", "{pdf}", "-")
	pageTexts := strings.Split(text, "\f")
	for _, want := range []string{
		"李晓明", "陳嘉欣", "João Conceição", "梁詠琪", "欧阳晓岚", "區靜雯",
		"香港專業教育學院（青衣）", "广州市工贸技师学院",
		"2026年粤港澳大湾区职业技能大赛", "数控铣",
		"Medallion for Excellence", "Gold", "Silver", "Bronze", "Excellence",
		"standardised = 700 + 100 × (raw − 71.25) ÷ 8.43",
		"Appeals close 2026-05-14 16:00 (UTC+8)",
		"Chief Expert 首席专家",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
	for i := 1; i <= pages; i++ {
		page := pageTexts[i-1]
		for _, want := range []string{
			fmt.Sprintf("Page %d of %d", i, pages),
			"PROVISIONAL",
			"CNC — CNC Milling 数控铣",
			"Generated 2026-05-14 15:02 (UTC+8)",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("page %d lacks %q", i, want)
			}
		}
	}
	// The table heading repeats on every page that has rows; every row is
	// printed exactly once.
	for i := 1; i <= pages; i++ {
		hasRows := regexp.MustCompile(`CNC-\d\d`).MatchString(pageTexts[i-1])
		if hasHead := regexp.MustCompile(`Rank +Code +Name`).MatchString(pageTexts[i-1]); hasRows && !hasHead {
			t.Errorf("page %d has rows but no table heading", i)
		}
	}
	for i := 1; i <= 40; i++ {
		if n := strings.Count(text, fmt.Sprintf("CNC-%02d ", i)); n != 1 {
			t.Errorf("row CNC-%02d printed %d times, want 1", i, n)
		}
	}
	// The over-long name and institution are cut short, not spilled.
	if strings.Contains(text, "Ana Luísa Gonçalves de Assunção e Sá Magalhães Brandão") {
		t.Errorf("the over-long name is printed in full: it cannot fit its cell")
	}
	if !strings.Contains(text, "Ana Luísa") || !strings.Contains(text, "…") {
		t.Errorf("the over-long name is not cut short with …")
	}
}

// TestRenderResultSheetCellsFit checks, from the drawn layout, that no cell
// text is wider than its cell, for a sheet with many criteria too.
func TestRenderResultSheetCellsFit(t *testing.T) {
	for _, nCrit := range []int{0, 4, 12} {
		t.Run(fmt.Sprintf("%d criteria", nCrit), func(t *testing.T) {
			s := testSheet(12, SheetFinal)
			s.Criteria = nil
			for i := range nCrit {
				s.Criteria = append(s.Criteria, SheetCriterion{Code: string(rune('A' + i)), Max: "10.00"})
			}
			for i := range s.Rows {
				s.Rows[i].Criteria = nil
				for range nCrit {
					s.Rows[i].Criteria = append(s.Rows[i].Criteria, "10.00")
				}
			}
			s, err := s.prepare(testFonts(t))
			if err != nil {
				t.Fatal(err)
			}
			l := newSheetLayout(s)
			l.c = &canvas{fonts: testFonts(t), used: map[*face]map[rune]bool{}}
			l.widths()
			total := 0.0
			for _, col := range l.cols {
				total += col.w
				if head, _ := l.fitCell(col, col.head, l.scaled(headStyle)); head != col.head {
					t.Errorf("heading %q cut to %q", col.head, head)
				}
				for _, r := range s.Rows {
					text, st := col.cell(r)
					text, st = l.fitCell(col, text, l.scaled(st))
					if w := l.c.width(text, st); w > col.w-2*cellPad+1e-9 {
						t.Errorf("column %q: %q is %.2f mm wide in a %.2f mm cell", col.head, text, w, col.w-2*cellPad)
					}
				}
			}
			if total > sheetInnerW+1e-6 {
				t.Errorf("columns are %.2f mm wide, the page %.2f mm", total, sheetInnerW)
			}
		})
	}
}

func TestRenderResultSheetFinal(t *testing.T) {
	pdf := render(t, testSheet(5, SheetFinal))
	writeArtifact(t, "resultsheet-final.pdf", pdf)
	text := runTool(t, pdf, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	if strings.Contains(strings.ToUpper(text), "PROVISIONAL") {
		t.Errorf("a final sheet says PROVISIONAL")
	}
	for _, want := range []string{"FINAL", "Final results, finalised 2026-05-14 18:30 by the Chief Expert", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
}

func TestRenderResultSheetRefuses(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(s *ResultSheet)
		want    string
		missing rune
	}{
		{"emoji in a name", func(s *ResultSheet) { s.Rows[4].NameNative = "王😀" }, "row 5 (CNC-05) native name", '😀'},
		{"plane-2 ideograph in a name", func(s *ResultSheet) { s.Rows[0].NameNative = "王𠀀明" }, "row 1 (CNC-01) native name", 0x20000},
		{"character no font has in the event", func(s *ResultSheet) { s.Event = "Event ꀀ" }, "event", 'ꀀ'},
		{"state", func(s *ResultSheet) { s.State = "draft" }, `state "draft"`, 0},
		{"criterion marks", func(s *ResultSheet) { s.Rows[2].Criteria = s.Rows[2].Criteria[:1] }, "row 3 (CNC-03) has 1 criterion marks, want 4", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testSheet(6, SheetProvisional)
			tc.edit(&s)
			var buf bytes.Buffer
			err := RenderResultSheet(&buf, testFonts(t), s)
			checkRefused(t, err, buf.Len(), tc.want, tc.missing)
		})
	}
}

// TestRenderResultSheetConcurrent renders from one Fonts in parallel (run
// with -race) and checks the output is the same every time: documents share
// the parsed fonts and nothing else.
func TestRenderResultSheetConcurrent(t *testing.T) {
	s := testSheet(30, SheetProvisional)
	want := render(t, s)
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := RenderResultSheet(&buf, testFonts(t), s); err != nil {
				t.Error(err)
			}
			got[i] = buf.Bytes()
		})
	}
	wg.Wait()
	for i, g := range got {
		if !bytes.Equal(g, want) {
			t.Errorf("rendering %d differs from the first (%d bytes, want %d)", i, len(g), len(want))
		}
	}
}

func TestRenderResultSheetEmpty(t *testing.T) {
	s := testSheet(0, SheetProvisional)
	s.SignOff, s.Notes, s.Formula = nil, nil, ""
	text := runTool(t, render(t, s), "pdftotext", "-enc", "UTF-8", "{pdf}", "-")
	for _, want := range []string{"No competitors.", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
}

func BenchmarkRenderResultSheet(b *testing.B) {
	fonts := testFonts(b)
	s := testSheet(30, SheetProvisional)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := RenderResultSheet(&buf, fonts, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

func BenchmarkNewFonts(b *testing.B) {
	ff, err := testFontFiles()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := NewFonts(ff); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzRenderResultSheetName: any name either renders to a PDF or is
// refused with a MissingGlyphError; nothing panics.
func FuzzRenderResultSheetName(f *testing.F) {
	for _, seed := range []string{"李晓明", "João Conceição", "王😀", "", "\u202e", strings.Repeat("陳", 200)} {
		f.Add(seed)
	}
	fonts, err := testFontsOnce()
	if err != nil {
		f.Fatal(err)
	}
	s := testSheet(3, SheetFinal)
	f.Fuzz(func(t *testing.T, name string) {
		s := s
		s.Rows = append([]ResultRow(nil), s.Rows...)
		s.Rows[1].NameNative = name
		s.Rows[2].Institution = name
		var buf bytes.Buffer
		err := RenderResultSheet(&buf, fonts, s)
		var mg *MissingGlyphError
		switch {
		case err == nil:
			if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
				t.Fatalf("no PDF for %q", name)
			}
			if len(fonts.Missing(name)) != 0 {
				t.Fatalf("rendered %q, which has characters Missing reports", name)
			}
		case errors.As(err, &mg):
			if !strings.ContainsRune(norm.NFC.String(name), mg.Rune) {
				t.Fatalf("refused %q for %U, which it does not contain", name, mg.Rune)
			}
		default:
			t.Fatalf("name %q: %v", name, err)
		}
	})
}

// BenchmarkFpdfWholeFonts is the baseline for BenchmarkRenderResultSheet:
// fpdf itself given the whole font files (as AddUTF8FontFromBytes takes
// them) setting the same rows as plain lines of text, no table layout.
func BenchmarkFpdfWholeFonts(b *testing.B) {
	ff, err := testFontFiles()
	if err != nil {
		b.Fatal(err)
	}
	s := testSheet(30, SheetProvisional)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		pdf := fpdf.New("L", "mm", "A4", "")
		pdf.AddUTF8FontFromBytes("latin", "", ff.Latin)
		pdf.AddUTF8FontFromBytes("cjk", "", ff.CJK)
		pdf.AddPage()
		for i, r := range s.Rows {
			pdf.SetFont("latin", "", 8)
			pdf.Text(10, 20+float64(i)*5, fmt.Sprintf("%d %s %s %s %s", r.Rank, r.Code, r.NameLatin, r.Raw, r.Score))
			pdf.SetFont("cjk", "", 8)
			pdf.Text(150, 20+float64(i)*5, r.NameNative)
		}
		if err := pdf.Output(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}
