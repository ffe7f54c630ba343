package certs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

// FontFiles are the TrueType files (glyph outlines in a glyf table, not
// CFF, not a .ttc collection) that documents are set in. fpdf can embed only
// such fonts, and only their Basic Multilingual Plane characters.
type FontFiles struct {
	// Latin is the regular face for Latin, Greek and Cyrillic script,
	// digits and punctuation: English labels, Portuguese names, numbers.
	// Required.
	Latin []byte
	// LatinBold is the bold face matching Latin. Without it, bold text is
	// drawn with Latin, outlined to look heavier.
	LatinBold []byte
	// CJK is the face for Chinese (简体 and 繁體), Japanese and Korean
	// characters. It has no bold: bold CJK text is always outlined.
	CJK []byte
}

// Fonts are the faces documents are set in, parsed once and safe for
// concurrent use by any number of documents. Each character is set in the
// first face that has it: Latin, then CJK; bold text tries LatinBold first.
// Every document embeds only the glyphs it uses.
//
// A server makes one Fonts at start-up and passes it to every rendering:
// parsing the fonts takes about a millisecond, and each document then
// hands fpdf a small subset instead of the whole font, which fpdf would
// parse twice per document (about 25 ms for a 4 MB CJK font).
type Fonts struct {
	regular []*face // in order of preference
	bold    []*face // bold faces first, then the regular ones outlined
	cap     float64 // cap height of the first regular face, in em
}

// NewFonts parses and checks the font files. It fails if Latin is missing
// or any file is not a TrueType font fpdf can embed.
func NewFonts(files FontFiles) (*Fonts, error) {
	if len(files.Latin) == 0 {
		return nil, errors.New("certs: fonts: no Latin font")
	}
	latin, err := parseFace("latin", files.Latin, false)
	if err != nil {
		return nil, err
	}
	f := &Fonts{regular: []*face{latin}, cap: latin.capHeight}
	if len(files.CJK) > 0 {
		cjk, err := parseFace("cjk", files.CJK, false)
		if err != nil {
			return nil, err
		}
		f.regular = append(f.regular, cjk)
	}
	if len(files.LatinBold) > 0 {
		bold, err := parseFace("latinbold", files.LatinBold, true)
		if err != nil {
			return nil, err
		}
		f.bold = append(f.bold, bold)
	}
	f.bold = append(f.bold, f.regular...)
	return f, nil
}

// Missing returns the characters of s, after NFC normalisation, that no
// face has a glyph for, each once, in order of first appearance; nil when
// every character can be set. Control characters (line breaks, tabs) count
// as missing, and so do the characters of fonts that print nothing (zero-
// width joiners, bidi overrides), U+FFFD (the mark of text that was not
// UTF-8), and every character outside the Basic Multilingual Plane (emoji,
// rare CJK ideographs of plane 2), which fpdf cannot embed.
//
// Callers use it to refuse a name at entry, naming the character, rather
// than print a blank box (tofu) on a certificate.
func (f *Fonts) Missing(s string) []rune {
	var missing []rune
	for _, r := range norm.NFC.String(s) {
		// U+FFFD stands for bytes that were not UTF-8, or were garbled
		// before they got here: never a character to print.
		if (r == utf8.RuneError || f.faceFor(r, false) == nil) && !slices.Contains(missing, r) {
			missing = append(missing, r)
		}
	}
	return missing
}

// MissingGlyphError reports text that cannot be set because no font has
// one of its characters.
type MissingGlyphError struct {
	Field string // which input holds the text, e.g. "row 3 (CNC-07) native name"
	Text  string // the whole text
	Rune  rune   // the first character no font has
}

func (e *MissingGlyphError) Error() string {
	return fmt.Sprintf("certs: %s %q: no font has the character %s", e.Field, e.Text, describeRune(e.Rune))
}

// describeRune names a character for people: its quoted form when
// printable, and always its code point, e.g. "😀" (U+1F600).
func describeRune(r rune) string {
	if unicode.IsPrint(r) {
		return fmt.Sprintf("%q (U+%04X)", string(r), r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// checkText returns a *MissingGlyphError if the NFC form of text has a
// character no face has.
// texts returns a check for the texts of a document: text(field, &s) puts s
// in NFC form and checks the fonts can print it; checked reports the first
// text they cannot.
func (f *Fonts) texts() (text func(field string, p *string), checked func() error) {
	var err error
	return func(field string, p *string) {
		*p = norm.NFC.String(*p)
		if err == nil {
			err = f.checkText(field, *p)
		}
	}, func() error { return err }
}

func (f *Fonts) checkText(field, text string) error {
	if m := f.Missing(text); len(m) > 0 {
		return &MissingGlyphError{Field: field, Text: text, Rune: m[0]}
	}
	return nil
}

// faceFor returns the face that sets r in the given weight, or nil.
func (f *Fonts) faceFor(r rune, bold bool) *face {
	faces := f.regular
	if bold {
		faces = f.bold
	}
	for _, fc := range faces {
		if fc.has(r) {
			return fc
		}
	}
	return nil
}

// face is one parsed TrueType font: the tables a subset needs, which glyph
// sets each character, and the advance width of each glyph.
type face struct {
	key       string // names the face in errors: "latin", "latinbold", "cjk"
	bold      bool   // a real bold face (not to be outlined)
	psName    string // PostScript name, for the embedded subset's name
	tables    map[string][]byte
	glyphOf   []uint16  // BMP character → glyph; 0 means none
	loca      []uint32  // glyph → offset into glyf; numGlyphs+1 entries
	advance   []int     // glyph → advance width, in 1/1000 em as fpdf rounds it
	lsb       [][2]byte // glyph → left side bearing, as stored
	rawAdv    []uint16  // glyph → advance width, in font units
	capHeight float64   // in em
}

// has reports whether the face sets r.
func (fc *face) has(r rune) bool {
	return r >= 0 && r < 0x10000 && fc.glyphOf[r] != 0
}

// width returns the advance of r in 1/1000 em; r must be one fc has.
func (fc *face) width(r rune) int {
	return fc.advance[fc.glyphOf[r]]
}

// fontReader reads big-endian integers from a table, remembering the first
// out-of-range read instead of panicking on a malformed font.
type fontReader struct {
	b   []byte
	bad bool
}

func (r *fontReader) u16(off int) int {
	if off < 0 || off+2 > len(r.b) {
		r.bad = true
		return 0
	}
	return int(binary.BigEndian.Uint16(r.b[off:]))
}

func (r *fontReader) u32(off int) int {
	if off < 0 || off+4 > len(r.b) {
		r.bad = true
		return 0
	}
	return int(binary.BigEndian.Uint32(r.b[off:]))
}

// parseFace reads the tables of a TrueType font that fpdf reads, the same
// way fpdf does where it matters (the first Unicode cmap subtable of
// format 4), so that what this package considers settable is exactly what
// fpdf will embed.
func parseFace(key string, data []byte, bold bool) (*face, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("certs: %s font: %s", key, fmt.Sprintf(format, a...))
	}
	r := &fontReader{b: data}
	switch v := r.u32(0); v {
	case 0x00010000, 0x74727565: // TrueType
	case 0x4F54544F:
		return nil, fail("CFF-flavoured OpenType is not supported; use a TrueType-outline font")
	case 0x74746366:
		return nil, fail("a font collection (.ttc) is not supported; extract one face")
	default:
		return nil, fail("not a TrueType font")
	}
	fc := &face{key: key, bold: bold, tables: map[string][]byte{}}
	n := r.u16(4)
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, fail("truncated table directory")
		}
		tag := string(data[rec : rec+4])
		off, size := r.u32(rec+8), r.u32(rec+12)
		if off+size > len(data) {
			return nil, fail("table %q out of bounds", tag)
		}
		fc.tables[tag] = data[off : off+size]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "cmap", "loca", "glyf", "name", "post"} {
		if fc.tables[tag] == nil {
			return nil, fail("no %q table", tag)
		}
	}
	head := &fontReader{b: fc.tables["head"]}
	upem := head.u16(18)
	longLoca := head.u16(50) == 1
	if upem == 0 || head.bad {
		return nil, fail("bad head table")
	}
	numGlyphs := (&fontReader{b: fc.tables["maxp"]}).u16(4)
	hhea := &fontReader{b: fc.tables["hhea"]}
	numHMetrics := hhea.u16(34)
	if numGlyphs == 0 || numHMetrics == 0 || numHMetrics > numGlyphs || hhea.bad {
		return nil, fail("bad glyph counts")
	}
	if os2 := fc.tables["OS/2"]; len(os2) >= 10 {
		// fpdf refuses (with a message on stdout) fonts whose licence
		// forbids embedding.
		if fsType := binary.BigEndian.Uint16(os2[8:]); fsType == 0x0002 || fsType&0x0300 != 0 {
			return nil, fail("its licence forbids embedding (OS/2 fsType %#x)", fsType)
		}
		os2r := &fontReader{b: os2}
		if os2r.u16(0) >= 2 && len(os2) >= 90 {
			fc.capHeight = float64(int16(os2r.u16(88))) / float64(upem)
		}
	}
	if fc.capHeight <= 0 {
		fc.capHeight = 0.7
	}

	// Glyph offsets.
	loca := &fontReader{b: fc.tables["loca"]}
	fc.loca = make([]uint32, numGlyphs+1)
	for g := range fc.loca {
		if longLoca {
			fc.loca[g] = uint32(loca.u32(4 * g))
		} else {
			fc.loca[g] = uint32(2 * loca.u16(2*g))
		}
	}
	if loca.bad {
		return nil, fail("truncated loca table")
	}
	glyfLen := uint32(len(fc.tables["glyf"]))
	for g := range numGlyphs {
		if fc.loca[g] > fc.loca[g+1] || fc.loca[g+1] > glyfLen {
			return nil, fail("glyph %d out of bounds", g)
		}
	}

	// Advance widths: the last long metric repeats for the remaining glyphs.
	hmtx := &fontReader{b: fc.tables["hmtx"]}
	fc.rawAdv = make([]uint16, numGlyphs)
	fc.lsb = make([][2]byte, numGlyphs)
	fc.advance = make([]int, numGlyphs)
	scale := 1000 / float64(upem)
	for g := range numGlyphs {
		var lsbOff int
		if g < numHMetrics {
			fc.rawAdv[g] = uint16(hmtx.u16(4 * g))
			lsbOff = 4*g + 2
		} else {
			fc.rawAdv[g] = fc.rawAdv[numHMetrics-1]
			lsbOff = 4*numHMetrics + 2*(g-numHMetrics)
		}
		if lsb := hmtx.u16(lsbOff); !hmtx.bad {
			fc.lsb[g] = [2]byte{byte(lsb >> 8), byte(lsb)}
		}
		// As fpdf: widths of 32768 units or more count as 0.
		if fc.rawAdv[g] < 1<<15 {
			fc.advance[g] = int(math.Round(scale * float64(fc.rawAdv[g])))
		}
	}
	if hmtx.bad {
		return nil, fail("truncated hmtx table")
	}

	var err error
	if fc.glyphOf, err = parseCmap4(fc.tables["cmap"], numGlyphs); err != nil {
		return nil, fail("%v", err)
	}
	// A character whose glyph has no outline prints nothing: fine for a
	// space, but a format character (zero-width joiner, bidi override)
	// would hide in a name, so the face does not count as having it.
	for r, g := range fc.glyphOf {
		if g != 0 && fc.loca[g] == fc.loca[g+1] && !unicode.IsSpace(rune(r)) {
			fc.glyphOf[r] = 0
		}
	}
	fc.psName = postScriptName(fc.tables["name"])
	if fc.psName == "" {
		fc.psName = key
	}
	return fc, nil
}

// parseCmap4 maps each BMP character to its glyph through the first cmap
// subtable of format 4 for Unicode (platform 0, or Windows platform 3
// encoding 1): the one fpdf uses.
func parseCmap4(cmap []byte, numGlyphs int) ([]uint16, error) {
	r := &fontReader{b: cmap}
	sub := -1
	for i := range r.u16(2) {
		platform, encoding, off := r.u16(4+8*i), r.u16(6+8*i), r.u32(8+8*i)
		if (platform == 3 && encoding == 1 || platform == 0) && r.u16(off) == 4 {
			sub = off
			break
		}
	}
	if sub < 0 || r.bad {
		return nil, errors.New("no Unicode cmap of format 4")
	}
	end := sub + r.u16(sub+2)
	segs := r.u16(sub+6) / 2
	ends, starts := sub+14, sub+16+2*segs
	deltas, ranges := starts+2*segs, starts+4*segs
	glyphOf := make([]uint16, 0x10000)
	mapped := 0
	for s := range segs {
		first, last := r.u16(starts+2*s), r.u16(ends+2*s)
		delta, rangeOff := r.u16(deltas+2*s), r.u16(ranges+2*s)
		// Segments are sorted and disjoint; overlapping ones could make
		// this loop run for ages on a malformed font.
		if mapped += last - first + 1; mapped > 0x10000 {
			return nil, errors.New("overlapping cmap segments")
		}
		for c := first; c <= last && c < 0xFFFF; c++ {
			var g int
			if rangeOff == 0 {
				g = (c + delta) & 0xFFFF
			} else if pos := ranges + 2*s + rangeOff + 2*(c-first); pos+2 <= end {
				if g = r.u16(pos); g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			if g < numGlyphs {
				glyphOf[c] = uint16(g)
			}
		}
	}
	if r.bad {
		return nil, errors.New("truncated cmap")
	}
	return glyphOf, nil
}

// postScriptName returns name ID 6 of a name table, or "".
func postScriptName(name []byte) string {
	r := &fontReader{b: name}
	count, strs := r.u16(2), r.u16(4)
	for i := range count {
		rec := 6 + 12*i
		platform, encoding, id := r.u16(rec), r.u16(rec+2), r.u16(rec+6)
		length, off := r.u16(rec+8), r.u16(rec+10)
		if r.bad || id != 6 || strs+off+length > len(name) {
			continue
		}
		raw := name[strs+off : strs+off+length]
		var b strings.Builder
		switch {
		case platform == 1 && encoding == 0:
			b.Write(raw)
		case platform == 3 || platform == 0:
			for j := 0; j+1 < len(raw); j += 2 {
				b.WriteRune(rune(binary.BigEndian.Uint16(raw[j:])))
			}
		default:
			continue
		}
		// PostScript names are printable ASCII without PDF delimiters.
		s := strings.Map(func(c rune) rune {
			if c > ' ' && c < 0x7F && !strings.ContainsRune("[](){}<>/%#", c) {
				return c
			}
			return -1
		}, b.String())
		if s != "" {
			return s
		}
	}
	return ""
}

// Flags of a component in a composite glyph (TrueType glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components calls fn with the offset, within glyph data g, of the glyph
// index of each component of a composite glyph; it does nothing for a simple
// glyph. It stops at the end of g.
func components(g []byte, fn func(off int)) {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return
	}
	for off := 10; off+4 <= len(g); {
		flags := binary.BigEndian.Uint16(g[off:])
		fn(off + 2)
		off += 4
		if flags&argsAreWords != 0 {
			off += 4
		} else {
			off += 2
		}
		switch {
		case flags&haveScale != 0:
			off += 2
		case flags&haveXYScale != 0:
			off += 4
		case flags&haveTwoByTwo != 0:
			off += 8
		}
		if flags&moreComponents == 0 {
			return
		}
	}
}

// glyph returns the outline data of glyph g.
func (fc *face) glyph(g int) []byte {
	return fc.tables["glyf"][fc.loca[g]:fc.loca[g+1]]
}

// subset returns a TrueType font with only the glyphs that set runes (each
// of which fc must have), plus the glyphs those are composed of and glyph 0.
// Handing fpdf this small font, rather than the original, spares it from
// parsing the whole font twice for every document, which for a CJK font
// costs far more than the rest of a document.
func (fc *face) subset(runes []rune) ([]byte, error) {
	// One cmap segment per character, and a format-4 subtable counts its
	// length in 16 bits: 8 bytes a segment.
	if len(runes) > maxSubsetRunes {
		return nil, fmt.Errorf("certs: %d different characters in one font of one document, more than %d", len(runes), maxSubsetRunes)
	}
	// Old glyph numbers in use, with the components of composite glyphs.
	used := map[int]bool{0: true}
	var queue []int
	for _, r := range runes {
		g := int(fc.glyphOf[r])
		if !used[g] {
			used[g] = true
			queue = append(queue, g)
		}
	}
	for len(queue) > 0 {
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		data := fc.glyph(g)
		components(data, func(off int) {
			c := int(binary.BigEndian.Uint16(data[off:]))
			if c < len(fc.rawAdv) && !used[c] {
				used[c] = true
				queue = append(queue, c)
			}
		})
	}
	olds := make([]int, 0, len(used))
	for g := range used {
		olds = append(olds, g)
	}
	slices.Sort(olds)
	newOf := make(map[int]int, len(olds))
	for i, g := range olds {
		newOf[g] = i
	}

	// glyf, loca (long offsets) and hmtx (a full metric for every glyph).
	var glyf, loca, hmtx []byte
	for _, g := range olds {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, fc.glyph(g)...)
		data := glyf[start:]
		components(data, func(off int) {
			c := int(binary.BigEndian.Uint16(data[off:]))
			binary.BigEndian.PutUint16(data[off:], uint16(newOf[c]))
		})
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		hmtx = binary.BigEndian.AppendUint16(hmtx, fc.rawAdv[g])
		hmtx = append(hmtx, fc.lsb[g][:]...)
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	// cmap: one format-4 segment per character, mapped by delta.
	sorted := slices.Clone(runes)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	segs := len(sorted) + 1 // and the final 0xFFFF segment
	var ends, starts, deltas []byte
	for _, r := range sorted {
		ends = binary.BigEndian.AppendUint16(ends, uint16(r))
		starts = binary.BigEndian.AppendUint16(starts, uint16(r))
		deltas = binary.BigEndian.AppendUint16(deltas, uint16(newOf[int(fc.glyphOf[r])]-int(r)))
	}
	ends = binary.BigEndian.AppendUint16(ends, 0xFFFF)
	starts = binary.BigEndian.AppendUint16(starts, 0xFFFF)
	deltas = binary.BigEndian.AppendUint16(deltas, 1)
	// searchRange: twice the largest power of two ≤ segs; selector: its log2.
	searchRange, selector := 2, 0
	for searchRange*2 <= 2*segs {
		searchRange *= 2
		selector++
	}
	sub := []byte{0, 4, 0, 0, 0, 0} // format 4, length (below), language 0
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*segs))
	sub = binary.BigEndian.AppendUint16(sub, uint16(searchRange))
	sub = binary.BigEndian.AppendUint16(sub, uint16(selector))
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*segs-searchRange))
	sub = append(sub, ends...)
	sub = append(sub, 0, 0) // reservedPad
	sub = append(sub, starts...)
	sub = append(sub, deltas...)
	sub = append(sub, make([]byte, 2*segs)...) // idRangeOffset: all 0
	binary.BigEndian.PutUint16(sub[2:], uint16(len(sub)))
	cmap := append([]byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}, sub...)

	head := slices.Clone(fc.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	hhea := slices.Clone(fc.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(olds)))
	maxp := slices.Clone(fc.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(olds)))
	post := slices.Clone(fc.tables["post"][:min(32, len(fc.tables["post"]))])
	post = append(post, make([]byte, 32-len(post))...)
	binary.BigEndian.PutUint32(post, 0x00030000) // version 3: no glyph names

	tables := map[string][]byte{
		"cmap": cmap, "glyf": glyf, "head": head, "hhea": hhea, "hmtx": hmtx,
		"loca": loca, "maxp": maxp, "name": fc.tables["name"], "post": post,
	}
	// Hinting and metrics tables, copied as they are when present.
	for _, tag := range []string{"OS/2", "cvt ", "fpgm", "prep", "gasp"} {
		if t := fc.tables[tag]; t != nil {
			tables[tag] = t
		}
	}
	return assembleFont(tables), nil
}

// maxSubsetRunes is the most characters a subset may have.
const maxSubsetRunes = 8000

// assembleFont lays out a TrueType file from its tables, with checksums.
func assembleFont(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	n := len(tags)
	searchRange, selector := 1, 0
	for searchRange*2 <= n {
		searchRange *= 2
		selector++
	}
	out := binary.BigEndian.AppendUint32(nil, 0x00010000)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(16*searchRange))
	out = binary.BigEndian.AppendUint16(out, uint16(selector))
	out = binary.BigEndian.AppendUint16(out, uint16(16*(n-searchRange)))
	off := 12 + 16*n
	headAt := 0
	for _, tag := range tags {
		t := tables[tag]
		if tag == "head" {
			headAt = off
		}
		out = append(out, tag...)
		out = binary.BigEndian.AppendUint32(out, tableChecksum(t))
		out = binary.BigEndian.AppendUint32(out, uint32(off))
		out = binary.BigEndian.AppendUint32(out, uint32(len(t)))
		off += (len(t) + 3) &^ 3
	}
	for _, tag := range tags {
		out = append(out, tables[tag]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-tableChecksum(out))
	return out
}

// tableChecksum is the TrueType checksum: the sum of big-endian uint32s,
// the last one padded with zeros.
func tableChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// subsetTag returns the six-letter tag PDF 32000-1 §9.6.4 asks for at the
// front of the name of an embedded font subset, distinct for each n.
func subsetTag(n int) string {
	s := []byte("BSKAAA")
	for i := 5; i >= 3 && n > 0; i-- {
		s[i] = 'A' + byte(n%26)
		n /= 26
	}
	return string(s)
}

// textStyle is how a piece of text is set.
type textStyle struct {
	size  float64 // in points
	bold  bool
	color rgb
}

// rgb is a colour, each component 0–255.
type rgb struct{ r, g, b int }

// mmPerPt converts points (font sizes) to millimetres (page units).
const mmPerPt = 25.4 / 72

// canvas lays a document out in two passes over the same layout code. The
// first pass (pdf nil) draws nothing and records which characters each face
// sets; the second draws into pdf, whose fonts are subsets holding just
// those characters. Text is measured with the faces' own metrics, so both
// passes lay out identically.
type canvas struct {
	fonts  *Fonts
	pdf    *fpdf.Fpdf
	used   map[*face]map[rune]bool
	family map[*face]string // fpdf family of each face, second pass
	names  map[string]string
	err    error
}

// typeset lays a document out with layout, twice, and writes it to w.
// newPDF returns the empty document (page format, metadata) for the second
// pass.
func (f *Fonts) typeset(w io.Writer, newPDF func() *fpdf.Fpdf, layout func(*canvas)) error {
	c := &canvas{fonts: f, used: map[*face]map[rune]bool{}}
	layout(c)
	if c.err != nil {
		return c.err
	}
	c.pdf = newPDF()
	c.family = map[*face]string{}
	c.names = map[string]string{}
	for i, fc := range append(slices.Clone(f.regular), f.bold...) {
		used := c.used[fc]
		if _, done := c.family[fc]; done || len(used) == 0 {
			continue
		}
		runes := make([]rune, 0, len(used))
		for r := range used {
			runes = append(runes, r)
		}
		// fpdf names an embedded font "utf8" + its family; a family of the
		// same length as "TAG+PostScriptName" lets output rename it in
		// place, without moving any byte the cross-reference table counts.
		final := subsetTag(i) + "+" + fc.psName
		family := fmt.Sprintf("f%c_", 'a'+i) + strings.Repeat("x", len(final)-7)
		c.family[fc] = family
		c.names["/utf8"+family] = "/" + final
		sub, err := fc.subset(runes)
		if err != nil {
			return err
		}
		c.pdf.AddUTF8FontFromBytes(family, "", sub)
	}
	layout(c)
	if c.err == nil {
		c.err = c.pdf.Error()
	}
	if c.err != nil {
		return c.err
	}
	var buf bytes.Buffer
	if err := c.pdf.Output(&buf); err != nil {
		return err
	}
	out := buf.Bytes()
	for from, to := range c.names {
		out = bytes.ReplaceAll(out, []byte(from), []byte(to))
	}
	_, err := w.Write(out)
	return err
}

// drawing reports whether this is the second pass.
func (c *canvas) drawing() bool { return c.pdf != nil }

// need records characters the layout may set in a way the first pass
// cannot foresee (the digits of a page count it does not know yet).
func (c *canvas) need(s string, bold bool) {
	for _, r := range s {
		if fc := c.fonts.faceFor(r, bold); fc != nil {
			c.record(fc, r)
		}
	}
}

func (c *canvas) record(fc *face, r rune) {
	if c.used[fc] == nil {
		c.used[fc] = map[rune]bool{}
	}
	c.used[fc][r] = true
}

// runs splits s into maximal pieces set in one face each. A character no
// face has stops the layout with a *MissingGlyphError.
func (c *canvas) runs(s string, bold bool, fn func(fc *face, run string)) {
	start := 0
	var cur *face
	for i, r := range s {
		fc := c.fonts.faceFor(r, bold)
		if fc == nil {
			if c.err == nil {
				c.err = &MissingGlyphError{Field: "text", Text: s, Rune: r}
			}
			return
		}
		if fc != cur && i > start {
			fn(cur, s[start:i])
			start = i
		}
		cur = fc
	}
	if start < len(s) {
		fn(cur, s[start:])
	}
}

// width returns the width of s set in st, in mm.
func (c *canvas) width(s string, st textStyle) float64 {
	units := 0
	c.runs(s, st.bold, func(fc *face, run string) {
		for _, r := range run {
			units += fc.width(r)
		}
	})
	return float64(units) * st.size / 1000 * mmPerPt
}

// text sets s with its baseline starting at (x, y), in mm.
func (c *canvas) text(x, y float64, s string, st textStyle) {
	c.runs(s, st.bold, func(fc *face, run string) {
		if !c.drawing() {
			for _, r := range run {
				c.record(fc, r)
			}
			return
		}
		p := c.pdf
		p.SetFont(c.family[fc], "", st.size)
		p.SetTextColor(st.color.r, st.color.g, st.color.b)
		fake := st.bold && !fc.bold
		if fake {
			// No bold face for this script: fill and outline the glyphs.
			lw := p.GetLineWidth()
			p.SetDrawColor(st.color.r, st.color.g, st.color.b)
			p.SetLineWidth(st.size * 0.03 * mmPerPt)
			p.SetTextRenderingMode(2)
			p.Text(x, y, run)
			p.SetTextRenderingMode(0)
			p.SetLineWidth(lw)
		} else {
			p.Text(x, y, run)
		}
		x += c.width(run, st)
	})
}

// fit returns s and a style to set it in no wider than w mm: st itself if
// s fits, else a size down to minSize, else s cut short with "…".
func (c *canvas) fit(s string, st textStyle, w, minSize float64) (string, textStyle) {
	have := c.width(s, st)
	if have <= w {
		return s, st
	}
	if size := math.Floor(st.size*w/have*10) / 10; size >= minSize {
		st.size = size
		return s, st
	}
	st.size = minSize
	cut := strings.TrimRight(s[:c.prefix(s, st, w-c.width("…", st))], " ")
	return cut + "…", st
}

// prefix returns the length in bytes of the longest prefix of s no wider
// than w mm set in st.
func (c *canvas) prefix(s string, st textStyle, w float64) int {
	limit := w * 1000 / (st.size * mmPerPt) // in 1/1000 em
	n, units, full := 0, 0, false
	c.runs(s, st.bold, func(fc *face, run string) {
		if full {
			return
		}
		for i, r := range run {
			if units += fc.width(r); float64(units) > limit {
				n, full = n+i, true
				return
			}
		}
		n += len(run)
	})
	return n
}

// wrap breaks s into lines no wider than w mm: at spaces, between CJK
// characters, and inside a word only when the word is wider than a line.
func (c *canvas) wrap(s string, st textStyle, w float64) []string {
	var lines []string
	line := ""
	for _, tok := range breakTokens(s) {
		try := line + tok
		if line == "" {
			try = strings.TrimLeft(tok, " ")
		}
		if c.width(try, st) <= w {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, strings.TrimRight(line, " "))
		}
		line = strings.TrimLeft(tok, " ")
		for c.width(line, st) > w {
			// A word wider than the line: break it where it overflows,
			// after one character at least.
			n := c.prefix(line, st, w)
			if n == 0 {
				_, n = utf8.DecodeRuneInString(line)
			}
			lines = append(lines, line[:n])
			line = line[n:]
		}
	}
	return append(lines, strings.TrimRight(line, " "))
}

// breakTokens splits s into the pieces a line may break between: each
// piece is a word with its leading spaces, or a single CJK character.
func breakTokens(s string) []string {
	var toks []string
	start := 0
	for i, r := range s {
		if i == start {
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		if (r == ' ' && prev != ' ') || isCJK(r) || isCJK(prev) {
			toks = append(toks, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		toks = append(toks, s[start:])
	}
	return toks
}

// isCJK reports whether a line may break before and after r, as between
// Chinese, Japanese and Korean characters.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
}

// Drawing primitives; they draw nothing in the first pass.

func (c *canvas) fillRect(x, y, w, h float64, col rgb) {
	if c.drawing() {
		c.pdf.SetFillColor(col.r, col.g, col.b)
		c.pdf.Rect(x, y, w, h, "F")
	}
}

func (c *canvas) strokeRect(x, y, w, h, lw float64, col rgb) {
	if c.drawing() {
		c.pdf.SetDrawColor(col.r, col.g, col.b)
		c.pdf.SetLineWidth(lw)
		c.pdf.Rect(x, y, w, h, "D")
	}
}

func (c *canvas) line(x1, y1, x2, y2, lw float64, col rgb) {
	if c.drawing() {
		c.pdf.SetDrawColor(col.r, col.g, col.b)
		c.pdf.SetLineWidth(lw)
		c.pdf.Line(x1, y1, x2, y2)
	}
}
