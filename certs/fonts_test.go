package certs

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

// The fonts the binary embeds (assets/fonts), read from disk: certs does
// not import the rest of the project, not even in tests.
var testFontFiles = sync.OnceValues(func() (FontFiles, error) {
	var ff FontFiles
	for _, f := range []struct {
		dst  *[]byte
		name string
	}{
		{&ff.Latin, "DejaVuSans.ttf"},
		{&ff.LatinBold, "DejaVuSans-Bold.ttf"},
		{&ff.CJK, "DroidSansFallbackFull.ttf"},
	} {
		b, err := os.ReadFile(filepath.Join("..", "assets", "fonts", f.name))
		if err != nil {
			return ff, err
		}
		*f.dst = b
	}
	return ff, nil
})

var testFontsOnce = sync.OnceValues(func() (*Fonts, error) {
	ff, err := testFontFiles()
	if err != nil {
		return nil, err
	}
	return NewFonts(ff)
})

// testFonts returns the shipped fonts, parsed once for all tests.
func testFonts(t testing.TB) *Fonts {
	t.Helper()
	f, err := testFontsOnce()
	if err != nil {
		t.Fatalf("NewFonts: %v", err)
	}
	return f
}

// needTool returns the path of a poppler or qpdf command the tests check
// PDFs with. A missing tool fails the test rather than skipping it, so that
// a CI image without it cannot pass silently.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found (install poppler-utils and qpdf): %v", name, err)
	}
	return path
}

// runTool runs a command on a PDF written to a temporary file and returns
// its standard output. The file's path replaces the argument "{pdf}", or
// comes last.
func runTool(t testing.TB, pdf []byte, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if i := slices.Index(args, "{pdf}"); i >= 0 {
		args = slices.Clone(args)
		args[i] = path
	} else {
		args = append(args, path)
	}
	cmd := exec.Command(needTool(t, name), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", name, err, out, stderr.Bytes())
	}
	return string(out)
}

func TestMissing(t *testing.T) {
	f := testFonts(t)
	tests := []struct {
		name string
		in   string
		want []rune
	}{
		{"simplified", "李晓明", nil},
		{"traditional", "陳嘉欣 粵澳門", nil},
		{"Portuguese", "João Conceição, Macau", nil},
		{"decomposed accents are composed first", "Joa\u0303o", nil},
		{"mixed", "CHAN Ka Yan 陳嘉欣 (Hong Kong)", nil},
		{"symbols", "700 + 100 × (raw − 71.25) ÷ 8.43 ★ …", nil},
		{"ideographic space and CJK punctuation", "陳　嘉欣，（港）", nil},
		{"emoji outside the BMP", "Li 😀 Ming", []rune{'😀'}},
		{"plane-2 ideograph", "王𠀀明", []rune{0x20000}},
		{"each missing character once, in order", "𠀀a😀b𠀀", []rune{0x20000, '😀'}},
		{"Yi syllable, in no face", "ꀀ", []rune{'ꀀ'}},
		{"zero-width joiner prints nothing", "Ana\u200dMaria", []rune{0x200D}},
		{"bidi override prints nothing", "\u202eLi", []rune{0x202E}},
		{"control character", "Li\nMing", []rune{'\n'}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.Missing(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("Missing(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNewFontsRejects(t *testing.T) {
	ff, err := testFontFiles()
	if err != nil {
		t.Fatal(err)
	}
	truncated := slices.Clone(ff.CJK[:len(ff.CJK)/2])
	otf := append([]byte("OTTO"), ff.Latin[4:]...)
	ttc := append([]byte("ttcf"), ff.Latin[4:]...)
	tests := []struct {
		name  string
		files FontFiles
		want  string
	}{
		{"no Latin font", FontFiles{CJK: ff.CJK}, "no Latin font"},
		{"truncated", FontFiles{Latin: ff.Latin, CJK: truncated}, "out of bounds"},
		{"CFF OpenType", FontFiles{Latin: otf}, "CFF"},
		{"collection", FontFiles{Latin: ttc}, ".ttc"},
		{"not a font", FontFiles{Latin: []byte("%PDF-1.4")}, "not a TrueType font"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFonts(tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewFonts error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestSubset checks the small font handed to fpdf: valid enough for fpdf,
// with exactly the asked characters, their widths, and the components of
// composite glyphs.
func TestSubset(t *testing.T) {
	f := testFonts(t)
	latin, cjk := f.regular[0], f.regular[1]
	tests := []struct {
		fc    *face
		runes string
	}{
		{latin, "João Conceição 0123456789…"},
		{cjk, "陳嘉欣李晓明粤港澳大湾区"},
	}
	for _, tc := range tests {
		t.Run(tc.fc.key, func(t *testing.T) {
			sub, err := tc.fc.subset([]rune(tc.runes))
			if err != nil {
				t.Fatal(err)
			}
			if len(sub) > 64<<10 {
				t.Errorf("subset of %d characters is %d bytes, want a small font", len([]rune(tc.runes)), len(sub))
			}
			got, err := parseFace("subset", sub, false)
			if err != nil {
				t.Fatalf("subset does not parse: %v", err)
			}
			for _, r := range tc.runes {
				if !got.has(r) {
					t.Errorf("subset lacks %q", r)
				} else if got.width(r) != tc.fc.width(r) {
					t.Errorf("width of %q = %d, want %d", r, got.width(r), tc.fc.width(r))
				}
				// The outline survives: the same bytes, padded to 4, but for
				// the component numbers of a composite glyph.
				a, b := got.glyph(int(got.glyphOf[r])), tc.fc.glyph(int(tc.fc.glyphOf[r]))
				if len(a) != (len(b)+3)&^3 {
					t.Errorf("glyph of %q is %d bytes, want %d padded", r, len(a), len(b))
				} else if simple := len(b) < 2 || int16(b[0])<<8|int16(b[1]) >= 0; simple && !bytes.Equal(a[:len(b)], b) {
					t.Errorf("glyph of %q differs from the original", r)
				}
			}
			if got.has('Z') || got.has('国') {
				t.Errorf("subset has characters it was not asked for")
			}
			// Composite glyphs (DejaVu composes ã from a and ~) point at
			// glyphs inside the subset.
			composites := 0
			for g := range got.rawAdv {
				components(got.glyph(g), func(off int) {
					composites++
					c := int(got.glyph(g)[off])<<8 | int(got.glyph(g)[off+1])
					if c >= len(got.rawAdv) {
						t.Errorf("glyph %d has component %d, beyond the subset's %d glyphs", g, c, len(got.rawAdv))
					}
				})
			}
			if tc.fc == latin && composites == 0 {
				t.Errorf("no composite glyph in the Latin subset: the test no longer covers them")
			}
			// fpdf reads it and measures as we do.
			p := fpdf.New("P", "mm", "A4", "")
			p.AddUTF8FontFromBytes("sub", "", sub)
			p.SetFont("sub", "", 10)
			if err := p.Error(); err != nil {
				t.Fatalf("fpdf: %v", err)
			}
			c := &canvas{fonts: f}
			want := c.width(tc.runes, textStyle{size: 10})
			if have := p.GetStringWidth(tc.runes); abs(have-want) > 1e-6 {
				t.Errorf("fpdf width %.4f mm, ours %.4f mm", have, want)
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestMissingGlyphErrorNamesTheCharacter(t *testing.T) {
	err := testFonts(t).checkText("row 3 (CNC-07) native name", "王😀")
	var mg *MissingGlyphError
	if !errors.As(err, &mg) {
		t.Fatalf("error = %v, want a *MissingGlyphError", err)
	}
	if mg.Rune != '😀' {
		t.Fatalf("Rune = %q, want 😀", mg.Rune)
	}
	for _, want := range []string{"row 3 (CNC-07) native name", "U+1F600", `"😀"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestWrap(t *testing.T) {
	c := &canvas{fonts: testFonts(t)}
	st := textStyle{size: 10}
	tests := []struct {
		name string
		in   string
		w    float64 // mm
		want []string
	}{
		{"fits", "Gold medal", 100, []string{"Gold medal"}},
		{"at spaces", "standardised = 700 + 100", 30, []string{"standardised =", "700 + 100"}},
		{"between CJK characters", "本成绩单为最终成绩如有疑问", 30, []string{"本成绩单为最终成", "绩如有疑问"}},
		{"mixed", "Notes 说明文字 João", 30, []string{"Notes 说明文字", "João"}},
		{"a word wider than the line", "Luso-Chinesa-de-Luís-Gonzaga-Gomes", 30, []string{"Luso-Chinesa-de", "-Luís-Gonzaga-G", "omes"}},
		{"empty", "", 30, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.wrap(tc.in, st, tc.w)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("wrap(%q, %v mm) = %q, want %q", tc.in, tc.w, got, tc.want)
			}
			for _, line := range got {
				if w := c.width(line, st); w > tc.w {
					t.Errorf("line %q is %.2f mm wide, more than %v", line, w, tc.w)
				}
			}
		})
	}
}

// checkRefused checks that a document was refused with an error containing
// want, nothing written, and (when missing is not 0) a MissingGlyphError
// naming that character.
func checkRefused(t *testing.T, err error, written int, want string, missing rune) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	if written != 0 {
		t.Errorf("wrote %d bytes before failing", written)
	}
	var mg *MissingGlyphError
	if got := errors.As(err, &mg); got != (missing != 0) {
		t.Fatalf("error is a MissingGlyphError: %v, want %v", got, missing != 0)
	}
	if mg != nil && mg.Rune != missing {
		t.Errorf("missing character %U, want %U", mg.Rune, missing)
	}
}
