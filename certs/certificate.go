package certs

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

// Certificate is one skill certificate as an issuer prints it (DESIGN §7:
// one test, several certificates; each region's body issues its own). Every
// field is decided by the caller: which languages, which level in which
// framework, the result in words, the number, the QR's signed payload. The
// renderer only lays it out.
type Certificate struct {
	// Languages are the issuer's languages in print order, each "zh-Hans",
	// "zh-Hant", "pt" or "en": ["zh-Hans", "en"] for Guangdong, ["zh-Hant",
	// "en"] for Hong Kong, ["zh-Hant", "pt", "en"] for Macao. Every text
	// block is printed once in each, the first language largest; a Names
	// value empty in a language is left out there.
	Languages []string
	// Issuer is the certifying body, e.g. 广东省职业技能鉴定指导中心.
	Issuer Names
	// Demo marks a certificate of the demo issuers: a band "DEMONSTRATION —
	// NOT A REAL CERTIFICATE" in every language and a watermark across the
	// page, so that no print of it passes for real.
	Demo bool
	// Title is the certificate's kind, e.g. 职业技能等级证书 / Vocational
	// Skill Level Certificate.
	Title Names
	// HolderNative is the holder's name in its own script, e.g. "陳嘉欣" or
	// "João Conceição", and HolderLatin the same in Latin script, e.g.
	// "CHAN Ka Yan"; HolderLatin is left empty (or equal) when the name is
	// in Latin script only.
	HolderNative, HolderLatin string
	// Skill is the competition skill, SkillCode its code (e.g. "CNC"), and
	// OccupationCode the occupation it certifies in the issuer's
	// classification (e.g. "6-18-01-01").
	Skill                     Names
	SkillCode, OccupationCode string
	// Event is the competition, EventDates when it was held, e.g.
	// "2026-12-04 – 2026-12-06".
	Event      Names
	EventDates string
	// Result is the achievement in words, e.g. "Gold medal, standardised
	// score 792" and its translations.
	Result Names
	// Level is the level awarded in the issuer's own framework (never a
	// unified level), and Framework that framework's name.
	Level, Framework Names
	// Provenance says where the level comes from (DESIGN §7): an official
	// mapping with its agreement's reference, or an indicative one.
	Provenance Names
	// Number is the certificate number, e.g. the 22-character Mainland
	// number; IssuedOn the date of issue as printed, e.g. "2026-12-20".
	Number, IssuedOn string
	// ValidUntil is the date the certificate expires, printed as IssuedOn
	// is, e.g. "2031-12-20"; empty for a certificate that does not expire,
	// which prints no such line.
	ValidUntil string
	// VerifyURL is printed under the QR code for those who type it.
	VerifyURL string
	// QRPayload is what the QR code holds: the verification URL with the
	// signed claims, a few hundred bytes. Up to about 1,000 bytes fit at
	// the printed size (see qrCertMaxVersion).
	QRPayload string
	// Attachments are embedded in the PDF as files, e.g. the machine-
	// readable credential (JSON).
	Attachments []Attachment
	// Created is the PDF's creation date; zero means now. Setting it makes
	// the PDF reproducible byte for byte.
	Created time.Time
}

// Attachment is a file embedded in a certificate's PDF (ISO 32000-1
// §7.11.4): listed by readers' attachment panels and by `pdfdetach -list`,
// and associated with the whole document (ISO 32000-2 /AF, relationship
// /Data: the data the page is a presentation of).
type Attachment struct {
	Name        string // file name, unique in the PDF, e.g. "credential.json"
	Description string // shown by readers, e.g. "Verifiable credential (W3C VC 2.0)"
	MIME        string // media type, e.g. "application/vc+ld+json"; empty for none
	Data        []byte
}

// Languages a certificate may be printed in.
var certLanguages = []string{"zh-Hans", "zh-Hant", "pt", "en"}

// certWords are the fixed words of a certificate in every language it may
// be printed in.
var certWords = map[string]Names{
	"certify":    {En: "This is to certify that", ZhHans: "兹证明", ZhHant: "茲證明", Pt: "Certifica-se que"},
	"skill":      {En: "Skill", ZhHans: "技能项目", ZhHant: "技能項目", Pt: "Competência"},
	"occupation": {En: "Occupation code", ZhHans: "职业编码", ZhHant: "職業編碼", Pt: "Código da profissão"},
	"event":      {En: "Competition", ZhHans: "赛事", ZhHant: "賽事", Pt: "Competição"},
	"result":     {En: "Result", ZhHans: "成绩", ZhHant: "成績", Pt: "Resultado"},
	"level":      {En: "Level awarded", ZhHans: "认定等级", ZhHant: "認定等級", Pt: "Nível atribuído"},
	"mapping":    {En: "Level mapping", ZhHans: "等级对应", ZhHant: "等級對應", Pt: "Correspondência de níveis"},
	"number":     {En: "Certificate No.", ZhHans: "证书编号", ZhHant: "證書編號", Pt: "N.º do certificado"},
	"issued":     {En: "Date of issue", ZhHans: "发证日期", ZhHant: "發證日期", Pt: "Data de emissão"},
	"validUntil": {En: "Valid until", ZhHans: "有效期至", ZhHant: "有效期至", Pt: "Válido até"},
	"verify":     {En: "Scan to verify", ZhHans: "扫码验证", ZhHant: "掃碼驗證", Pt: "Digitalize para verificar"},
	"demo": {En: "DEMONSTRATION — NOT A REAL CERTIFICATE", ZhHans: "演示样本 — 非真实证书",
		ZhHant: "示範樣本 — 非真實證書", Pt: "DEMONSTRAÇÃO — NÃO É UM CERTIFICADO REAL"},
	"demoMark": {En: "DEMONSTRATION", ZhHans: "演示", ZhHant: "示範", Pt: "DEMONSTRAÇÃO"},
}

// RenderCertificate writes c to w as a one-page PDF: A4 landscape, a
// double frame, the issuer and title, the holder's name in native and Latin
// script, skill and occupation code, event and dates, result, the level in
// the issuer's framework with the framework and the mapping's provenance,
// the number, the date of issue and, if it expires, the date it is valid
// until, and a vector QR code of c.QRPayload (error correction M, a
// 4-module quiet zone, 40 mm a side) at the bottom right with c.VerifyURL
// under it. Text is set in fonts, only the glyphs used embedded, and stays
// extractable; c.Attachments are embedded files.
//
// The fields are set smaller, then closer together, then the head smaller
// too, as far as the texts need to fit above the footer and no smaller
// than certMinSize.
//
// The PDF has a classic cross-reference table and no form: SignPDF signs it
// as it is. It fails, writing nothing, if c is incomplete, has a character
// no font has (a *MissingGlyphError naming the field and the character),
// or has texts too long for the page even so (an *OverflowError).
func RenderCertificate(w io.Writer, fonts *Fonts, c Certificate) error {
	if fonts == nil {
		return errors.New("certs: certificate: no fonts")
	}
	c, err := c.prepare(fonts)
	if err != nil {
		return err
	}
	code, err := encodeQRM(c.QRPayload)
	if err != nil {
		return fmt.Errorf("certs: certificate: %w", err)
	}
	if code.size > qrCertMaxModules {
		return fmt.Errorf("certs: certificate: a QR payload of %d bytes makes a symbol of %d modules, more than the %d that scan at %g mm",
			len(c.QRPayload), code.size, qrCertMaxModules, certQRSide)
	}
	created := c.Created
	if created.IsZero() {
		created = time.Now()
	}
	l := &certLayout{c: c, code: code}
	newPDF := func() *fpdf.Fpdf {
		p := fpdf.New("L", "mm", "A4", "")
		p.SetMargins(0, 0, 0)
		p.SetAutoPageBreak(false, 0)
		p.SetCatalogSort(true)
		first := c.Languages[0]
		holder := c.HolderNative
		if holder == "" {
			holder = c.HolderLatin
		}
		p.SetTitle(firstNonEmpty(c.Title, c.Languages)+" — "+holder, true)
		p.SetAuthor(firstNonEmpty(c.Issuer, c.Languages), true)
		p.SetSubject(c.Number, true)
		p.SetCreator("bayskills", true)
		p.SetLang(first)
		p.SetCreationDate(created)
		p.SetModificationDate(created)
		return p
	}
	var buf bytes.Buffer
	if err := fonts.typeset(&buf, newPDF, l.draw); err != nil {
		return err
	}
	out := buf.Bytes()
	if len(c.Attachments) > 0 {
		if out, err = embedFiles(out, c.Attachments, created); err != nil {
			return fmt.Errorf("certs: certificate: %w", err)
		}
	}
	_, err = w.Write(out)
	return err
}

// firstNonEmpty returns n in the first of langs it has text in.
func firstNonEmpty(n Names, langs []string) string {
	for _, lang := range langs {
		if s := n.In(lang); s != "" {
			return s
		}
	}
	return ""
}

// prepare checks c and returns a copy with every printed text in NFC form.
func (c Certificate) prepare(fonts *Fonts) (Certificate, error) {
	if len(c.Languages) == 0 {
		return c, errors.New("certs: certificate: no languages")
	}
	for i, lang := range c.Languages {
		if !slices.Contains(certLanguages, lang) {
			return c, fmt.Errorf("certs: certificate: language %q, want one of %s", lang, strings.Join(certLanguages, ", "))
		}
		if slices.Contains(c.Languages[:i], lang) {
			return c, fmt.Errorf("certs: certificate: language %q given twice", lang)
		}
	}
	c.Languages = slices.Clone(c.Languages)
	var err error
	text := func(field string, p *string) {
		*p = norm.NFC.String(strings.TrimSpace(*p))
		if err == nil {
			err = fonts.checkText(field, *p)
		}
	}
	names := func(field string, n *Names) {
		for _, lang := range c.Languages {
			switch lang {
			case "en":
				text(field+" (en)", &n.En)
			case "zh-Hans":
				text(field+" (zh-Hans)", &n.ZhHans)
			case "zh-Hant":
				text(field+" (zh-Hant)", &n.ZhHant)
			case "pt":
				text(field+" (pt)", &n.Pt)
			}
		}
	}
	names("issuer", &c.Issuer)
	names("title", &c.Title)
	text("holder name", &c.HolderNative)
	text("holder name (Latin)", &c.HolderLatin)
	names("skill", &c.Skill)
	text("skill code", &c.SkillCode)
	text("occupation code", &c.OccupationCode)
	names("event", &c.Event)
	text("event dates", &c.EventDates)
	names("result", &c.Result)
	names("level", &c.Level)
	names("framework", &c.Framework)
	names("provenance", &c.Provenance)
	text("number", &c.Number)
	text("date of issue", &c.IssuedOn)
	text("valid until", &c.ValidUntil)
	text("verification URL", &c.VerifyURL)
	if err != nil {
		return c, err
	}
	var missing []string
	for _, f := range []struct {
		name  string
		empty bool
	}{
		{"issuer", firstNonEmpty(c.Issuer, c.Languages) == ""},
		{"title", firstNonEmpty(c.Title, c.Languages) == ""},
		{"holder name", c.HolderNative == "" && c.HolderLatin == ""},
		{"level", firstNonEmpty(c.Level, c.Languages) == ""},
		{"provenance", firstNonEmpty(c.Provenance, c.Languages) == ""},
		{"number", c.Number == ""},
		{"date of issue", c.IssuedOn == ""},
		{"verification URL", c.VerifyURL == ""},
		{"QR payload", c.QRPayload == ""},
	} {
		if f.empty {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("certs: certificate: no %s in any of its languages", strings.Join(missing, ", "))
	}
	c.Attachments = slices.Clone(c.Attachments)
	for i, a := range c.Attachments {
		switch {
		case a.Name == "":
			return c, fmt.Errorf("certs: certificate: attachment %d has no name", i+1)
		case slices.ContainsFunc(c.Attachments[:i], func(b Attachment) bool { return b.Name == a.Name }):
			return c, fmt.Errorf("certs: certificate: two attachments named %q", a.Name)
		case a.MIME != "" && !validMIME(a.MIME):
			return c, fmt.Errorf("certs: certificate: attachment %q: media type %q", a.Name, a.MIME)
		}
	}
	return c, nil
}

// validMIME reports whether s looks like a media type "type/subtype" with
// optional parameters, in printable ASCII.
func validMIME(s string) bool {
	typ, _, _ := strings.Cut(s, ";")
	main, sub, ok := strings.Cut(typ, "/")
	if !ok || main == "" || sub == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' && s[i] != ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Page geometry of a certificate, in mm: A4 landscape.
const (
	certW        = 297.0
	certH        = 210.0
	certFrameOut = 7.0  // inset of the outer frame
	certFrameIn  = 9.6  // inset of the inner frame
	certLeft     = 24.0 // text area
	certRight    = certW - certLeft
	certMid      = certW / 2
	certTop      = 23.0 // the first line's top, under the demo band
	// The fields stand in two columns left of the QR code.
	certColA, certColAW = certLeft, 92.0
	certColB, certColBW = 126.0, 84.0
	certFooterRule      = 173.0 // the fields end above it; number and date below
	certRuleWidth       = 0.3   // the footer rule's stroke
	// certQRSide is the QR symbol's side without its quiet zone: 40 mm keeps
	// the modules of a 400-byte payload (version 15–17) near half a
	// millimetre, easy for a phone at arm's length.
	certQRSide     = 40.0
	certQRBottom   = 183.5 // bottom edge of the quiet zone
	certBandTop    = 12.6  // demo band, inside the inner frame
	certBandHeight = 6.4
)

// certMinSize is the least size, in pt, anything on a certificate is set
// at: 5 pt, 1.76 mm to the em, about the smallest at which the strokes of
// a Chinese character like 職 or 證 still stand apart in print. Labels too
// wide for their place shrink to it, and the fields and the head are set
// no smaller to fit the page.
const certMinSize = 5.0

// The smallest texts at full size, in pt: the labels over the fields and
// the footer's items, and the issuer's name in its other languages in the
// head.
const (
	certLabelSize     = 7.0
	certIssuerSubSize = 8.0
)

// qrCertMaxModules bounds the QR symbol: at certQRSide, 117 modules
// (version 25, about 1,000 bytes at level M) are a third of a millimetre
// each, about the finest a phone reads from paper.
const qrCertMaxModules = 117

// certQRPlace returns where a symbol of n modules a side goes: its top-left
// corner without the quiet zone, and the side of one module. The quiet zone
// is inside the text area's right and bottom edges.
func certQRPlace(n int) (x, y, module float64) {
	module = certQRSide / float64(n)
	quiet := qrQuietZone * module
	return certRight - quiet - certQRSide, certQRBottom - quiet - certQRSide, module
}

// Colours of a certificate.
var (
	certNavy   = rgb{22, 54, 92}
	certGold   = rgb{176, 141, 80}
	certBronze = rgb{128, 96, 46}
	certInk    = rgb{25, 25, 25}
	certGrey   = rgb{88, 88, 88}
)

// certLine is one line of text placed in a block: its baseline is y below
// the block's top, and its box (see canvas.extent) reaches descent below
// the baseline.
type certLine struct {
	text    string
	st      textStyle
	y       float64
	descent float64
}

// certBlock is lines of text laid out from a top edge, and their height
// down to the last baseline. name says what it holds, for errors.
type certBlock struct {
	cv    *canvas
	name  string
	lines []certLine
	h     float64
	// clear moves a line further down where its box would reach into the
	// box of the line above (a large line over a small one, lines of
	// Chinese characters, whose font declares 1.3 em). The fields clear
	// their lines: readers select and extract text by these boxes, and
	// there small lines in up to four languages and broken paragraphs
	// stack closely. The head's display lines keep their fixed leading.
	clear bool
}

// add appends text as one line below the block's lines, gap mm of extra
// space above it.
func (b *certBlock) add(text string, st textStyle, gap float64) {
	size := st.size * mmPerPt
	ascent, descent := b.cv.extent(text, st)
	if len(b.lines) == 0 {
		b.h = gap + 0.86*size // the first line's ascent
	} else {
		last := b.lines[len(b.lines)-1]
		b.h += gap + 1.22*size
		if b.clear {
			b.h = max(b.h, last.y+last.descent+ascent)
		}
	}
	b.lines = append(b.lines, certLine{text: text, st: st, y: b.h, descent: descent})
}

// space adds room under the last line.
func (b *certBlock) space(h float64) { b.h += h }

// draw sets the block's lines with its top at y, each starting at x, or
// centred on x.
func (b *certBlock) draw(c *canvas, x, y float64, centre bool) {
	for _, l := range b.lines {
		lx := x
		if centre {
			lx -= c.width(l.text, l.st) / 2
		}
		c.text(lx, y+l.y, l.text, l.st)
	}
}

// extent returns how far the box of s set in st reaches above and below
// its baseline, in mm: the largest ascent and descent of the faces that
// set it, as the PDF declares them to the readers that select and extract
// its text (pdftotext -bbox boxes words so).
func (c *canvas) extent(s string, st textStyle) (ascent, descent float64) {
	c.runs(s, st.bold, func(fc *face, _ string) {
		a, d := fc.extent()
		ascent, descent = max(ascent, a), max(descent, d)
	})
	mm := st.size * mmPerPt
	return ascent * mm, descent * mm
}

// extent returns the face's ascent and descent in em as fpdf declares
// them in the font descriptor: its hhea ascender and descender, in whole
// thousandths of an em.
func (fc *face) extent() (ascent, descent float64) {
	upem := float64((&fontReader{b: fc.tables["head"]}).u16(18))
	hhea := &fontReader{b: fc.tables["hhea"]}
	em := func(units int) float64 { return float64(int(float64(int16(units))*1000/upem)) / 1000 }
	return em(hhea.u16(4)), -em(hhea.u16(6))
}

// certLayout draws one certificate onto a canvas.
type certLayout struct {
	c    Certificate
	code *qrSymbol
	cv   *canvas
}

// block returns an empty block to lay text out in.
func (l *certLayout) block(name string) *certBlock { return &certBlock{cv: l.cv, name: name} }

// texts returns n in each of the certificate's languages, in order,
// leaving out empty texts and repeats.
func (l *certLayout) texts(n Names) []string {
	var out []string
	for _, lang := range l.c.Languages {
		if s := n.In(lang); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// label is a fixed word in every language of the certificate, on one line.
func (l *certLayout) label(key string) string {
	return strings.Join(l.texts(certWords[key]), " · ")
}

// fitLines adds text to b within width w: on one line, set smaller down to
// shrink times its size (not under certMinSize) if need be, else on up to
// maxLines lines, the last cut short.
func (l *certLayout) fitLines(b *certBlock, text string, st textStyle, w, shrink float64, maxLines int, gap float64) {
	c := l.cv
	least := max(st.size*shrink, min(st.size, certMinSize))
	if s, fst := c.fit(text, st, w, least); s == text || maxLines == 1 {
		b.add(s, fst, gap)
		return
	}
	st.size = least
	lines := c.wrap(text, st, w)
	if len(lines) > maxLines {
		// The last line takes the rest of the text, cut short.
		pos := 0
		for _, line := range lines[:maxLines-1] {
			pos += strings.Index(text[pos:], line) + len(line)
		}
		last, _ := c.fit(strings.TrimSpace(text[pos:]), st, w, st.size)
		lines = append(lines[:maxLines-1], last)
	}
	for i, line := range lines {
		if i > 0 {
			gap = -0.1 * st.size * mmPerPt // lines of one paragraph sit closer
		}
		b.add(line, st, gap)
	}
}

// certShrink is how much smaller a line of a field may be set to stay on
// one line.
const certShrink = 0.88

// langLines adds n in each language: the first in first, the others in
// rest.
func (l *certLayout) langLines(b *certBlock, n Names, first, rest textStyle, w float64, maxLines int, gap float64) {
	for i, s := range l.texts(n) {
		st := first
		if i > 0 {
			st, gap = rest, 0.2
		}
		l.fitLines(b, s, st, w, certShrink, maxLines, gap)
	}
}

// certFit is how a certificate's texts are set to fit the page: the size
// of the fields and of the head, and the space between blocks, each as a
// factor of its full size.
type certFit struct{ fields, head, space float64 }

// fieldGap is the space between two fields of a column.
func (f certFit) fieldGap() float64 { return certFieldGap * f.fields * f.space }

// Setting a certificate closer: the steps, and how far each goes. The
// fields go down to where their labels reach certMinSize, the head to
// where its smallest lines do; the space between blocks down to half,
// where the blocks still stand apart more than their lines do.
const (
	certFitSizeStep    = 0.05
	certFitSpaceStep   = 0.1
	certFitFieldsLeast = certMinSize / certLabelSize
	certFitHeadLeast   = certMinSize / certIssuerSubSize
	certFitSpaceLeast  = 0.5
)

// certFits are the settings a certificate is tried in, in turn, until its
// texts fit above the footer: first its fields smaller; at their least
// size, less space between the blocks; at the least space, the head
// smaller too.
var certFits = func() []certFit {
	// steps are 1 less step, less two steps, … down to least.
	steps := func(step, least float64) []float64 {
		var vs []float64
		for k := 1; len(vs) == 0 || vs[len(vs)-1] > least; k++ {
			vs = append(vs, max(least, 1-float64(k)*step))
		}
		return vs
	}
	f := certFit{1, 1, 1}
	fits := []certFit{f}
	for _, f.fields = range steps(certFitSizeStep, certFitFieldsLeast) {
		fits = append(fits, f)
	}
	for _, f.space = range steps(certFitSpaceStep, certFitSpaceLeast) {
		fits = append(fits, f)
	}
	for _, f.head = range steps(certFitSizeStep, certFitHeadLeast) {
		fits = append(fits, f)
	}
	return fits
}()

// top lays out the centred head of the page at f: issuer, title, the
// holder. titleEnd is the index, in the head's lines, of the title's last
// line: the ornament goes under it.
func (l *certLayout) top(f certFit) (b *certBlock, titleEnd int) {
	c := &l.c
	w := certRight - certLeft
	head, space := f.head, f.space
	st := func(size float64, bold bool, col rgb) textStyle {
		return textStyle{size: size * head, bold: bold, color: col}
	}
	b = l.block("issuer, title and holder")
	l.langLines(b, c.Issuer, st(10.5, true, certNavy), st(certIssuerSubSize, false, certNavy), w, 2, 0)
	b.space(3 * space)
	l.langLines(b, c.Title, st(25, true, certNavy), st(12.5, false, certNavy), w, 2, 4*space)
	titleEnd = len(b.lines) - 1
	b.space(11 * space) // the ornament goes in here
	certify, cst := l.cv.fit(l.label("certify"), st(8.5, false, certGrey), w, max(6*head, certMinSize))
	b.add(certify, cst, 0)
	// The holder's name is set smaller, then on two lines, before it is
	// cut short (beyond some 80 Chinese characters).
	if c.HolderNative != "" {
		l.fitLines(b, c.HolderNative, st(26, true, certInk), w, 0.62, 2, 4.5*space)
	}
	if c.HolderLatin != "" && c.HolderLatin != c.HolderNative {
		gap := 1.0
		if c.HolderNative == "" {
			gap = 4.5
		}
		l.fitLines(b, c.HolderLatin, st(14, false, certInk), w, 0.7, 2, gap*space)
	}
	return b, titleEnd
}

// field lays out one labelled field of a column: the label in every
// language on one line, then the value in each, then extra lines (each
// certLine's y is the space above it); empty ones are left out.
func (l *certLayout) field(key string, value Names, first, rest textStyle, w, scale float64, extra ...certLine) *certBlock {
	b := l.block(strings.ToLower(certWords[key].En))
	b.clear = true
	lst := textStyle{size: certLabelSize * scale, color: certBronze}
	s, lst := l.cv.fit(l.label(key), lst, w, certMinSize)
	b.add(s, lst, 0)
	l.langLines(b, value, first, rest, w, 2, 1.2*scale)
	for _, e := range extra {
		if e.text != "" {
			l.fitLines(b, e.text, e.st, w, certShrink, 1, e.y)
		}
	}
	return b
}

// columns lays out the two columns of fields at f, and returns them with
// the height of the taller one.
func (l *certLayout) columns(f certFit) (a, b []*certBlock, h float64) {
	c := &l.c
	scale := f.fields
	st := func(size float64, bold bool, col rgb) textStyle {
		return textStyle{size: size * scale, bold: bold, color: col}
	}
	value, other := st(11, false, certInk), st(8.6, false, certGrey)
	small := st(7.6, false, certGrey)

	occ := ""
	if c.OccupationCode != "" {
		occ = l.label("occupation") + "  " + c.OccupationCode
	}
	code := c.SkillCode
	if code != "" && occ != "" {
		code += "  ·  " + occ
	} else if code == "" {
		code = occ
	}
	if code != "" || firstNonEmpty(c.Skill, c.Languages) != "" {
		a = append(a, l.field("skill", c.Skill, value, other, certColAW, scale, certLine{text: code, st: small, y: 1.2 * scale}))
	}
	if c.EventDates != "" || firstNonEmpty(c.Event, c.Languages) != "" {
		a = append(a, l.field("event", c.Event, value, other, certColAW, scale, certLine{text: c.EventDates, st: small, y: 1.2 * scale}))
	}
	if firstNonEmpty(c.Result, c.Languages) != "" {
		a = append(a, l.field("result", c.Result, value, other, certColAW, scale))
	}

	lv := l.field("level", c.Level, st(16, false, certNavy), st(10.5, false, certNavy), certColBW, scale)
	for i, s := range l.texts(c.Framework) {
		gap := 0.2
		if i == 0 {
			gap = 1.6 * scale
		}
		l.fitLines(lv, s, small, certColBW, certShrink, 2, gap)
	}
	b = append(b, lv, l.field("mapping", c.Provenance, st(9, false, certInk), small, certColBW, scale))

	for _, col := range [][]*certBlock{a, b} {
		h = max(h, columnHeight(col, f.fieldGap()))
	}
	return a, b, h
}

// columnHeight is the height of blocks stacked gap apart.
func columnHeight(blocks []*certBlock, gap float64) float64 {
	h := 0.0
	for i, f := range blocks {
		if i > 0 {
			h += gap
		}
		h += f.h
	}
	return h
}

// certFieldGap is the space between two fields of a column at full size.
const certFieldGap = 6.0

// certHeadGap is the least space between the head and the fields at full
// space; what the page has to spare is shared out above, between and
// below.
const certHeadGap = 7.0

// certRoom is the height the head and the fields have: from the top of
// the text area to over the footer rule, with room above the rule for the
// descenders of the fields' last lines (under 1.5 mm, at 16 pt) and
// white space.
const certRoom = certFooterRule - 4 - certTop

// certPage is the head and the two columns of fields laid out at one
// certFit, and the height they need with the space between them.
type certPage struct {
	fit        certFit
	head       *certBlock
	titleEnd   int
	colA, colB []*certBlock
	colH, need float64
}

// layOut lays the head and the fields out at f.
func (l *certLayout) layOut(f certFit) certPage {
	p := certPage{fit: f}
	p.head, p.titleEnd = l.top(f)
	p.colA, p.colB, p.colH = l.columns(f)
	p.need = p.head.h + certHeadGap*f.space + p.colH
	return p
}

// fit lays the head and the fields out at the first of certFits at which
// they fit in certRoom, or fails with an *OverflowError.
func (l *certLayout) fit() (certPage, error) {
	var p certPage
	for _, f := range certFits {
		if p = l.layOut(f); p.need <= certRoom {
			return p, nil
		}
	}
	col := p.colA
	if columnHeight(p.colB, p.fit.fieldGap()) > columnHeight(p.colA, p.fit.fieldGap()) {
		col = p.colB
	}
	e := &OverflowError{Need: p.need, Room: certRoom}
	for _, b := range col {
		e.Fields = append(e.Fields, b.name)
	}
	return p, e
}

// OverflowError is a certificate whose texts do not fit its page even set
// at the least legible size (certMinSize) and closest together:
// RenderCertificate prints nothing rather than text over text.
type OverflowError struct {
	// Fields are the fields of the longer column, e.g. "skill",
	// "competition", "result".
	Fields []string
	// Need is the height, in mm, the head and that column need at the
	// least; Room the height the page has for them.
	Need, Room float64
}

func (e *OverflowError) Error() string {
	fields := strings.Join(e.Fields, ", ")
	if i := strings.LastIndex(fields, ", "); i >= 0 {
		fields = fields[:i] + " and " + fields[i+2:]
	}
	return fmt.Sprintf("certs: certificate: the texts need %.1f mm of the page's height, %.1f mm more than it has, even set at %g pt and closest together; shorten the issuer's name, the title, the holder's name, or the %s texts",
		e.Need, e.Need-e.Room, certMinSize, fields)
}

// draw lays the certificate out on c: one pass of canvas.typeset.
func (l *certLayout) draw(c *canvas) {
	l.cv = c
	if c.drawing() {
		c.pdf.AddPage()
	}
	if l.c.Demo {
		l.watermark()
	}
	l.frame()
	if l.c.Demo {
		st := textStyle{size: 8.5, color: white}
		text, st := c.fit(strings.Join(l.texts(certWords["demo"]), "   ·   "), st, certRight-certLeft, certMinSize)
		c.fillRect(certFrameIn+0.8, certBandTop, certW-2*certFrameIn-1.6, certBandHeight, provRed)
		c.text(certMid-c.width(text, st)/2, certBandTop+certBandHeight/2+c.fonts.cap*st.size*mmPerPt/2, text, st)
	}

	// The head, then the fields, set closer until they fit above the
	// footer, and the room left over shared out above, between and below.
	p, err := l.fit()
	if err != nil {
		if c.err == nil {
			c.err = err
		}
		return
	}
	spare := certRoom - p.need
	y := certTop + spare*0.25
	p.head.draw(c, certMid, y, true)
	l.ornament(y + p.head.lines[p.titleEnd].y + 5.6*p.fit.space)
	y += p.head.h + certHeadGap*p.fit.space + spare*0.45
	for _, col := range []struct {
		x      float64
		blocks []*certBlock
	}{{certColA, p.colA}, {certColB, p.colB}} {
		fy := y
		for _, f := range col.blocks {
			f.draw(c, col.x, fy, false)
			fy += f.h + p.fit.fieldGap()
		}
	}
	// A thin rule ties the level to its column.
	if len(p.colB) > 0 {
		c.line(certColB-3, y, certColB-3, y+p.colB[0].h, 0.6, certGold)
	}

	l.footer()
	l.qrCode()
}

// frame draws the double frame with its corner marks.
func (l *certLayout) frame() {
	c := l.cv
	c.strokeRect(certFrameOut, certFrameOut, certW-2*certFrameOut, certH-2*certFrameOut, 1.1, certNavy)
	c.strokeRect(certFrameIn, certFrameIn, certW-2*certFrameIn, certH-2*certFrameIn, 0.3, certGold)
	const s = 2.2
	for _, p := range [][2]float64{{certFrameIn, certFrameIn}, {certW - certFrameIn, certFrameIn},
		{certFrameIn, certH - certFrameIn}, {certW - certFrameIn, certH - certFrameIn}} {
		l.diamond(p[0], p[1], s, certGold)
	}
}

// diamond fills a square standing on its corner, r mm from its centre to
// each corner.
func (l *certLayout) diamond(x, y, r float64, col rgb) {
	if !l.cv.drawing() {
		return
	}
	p := l.cv.pdf
	p.SetFillColor(col.r, col.g, col.b)
	p.Polygon([]fpdf.PointType{{X: x, Y: y - r}, {X: x + r, Y: y}, {X: x, Y: y + r}, {X: x - r, Y: y}}, "F")
}

// ornament draws the rule with a diamond under the title.
func (l *certLayout) ornament(y float64) {
	const half = 38.0
	l.cv.line(certMid-half, y, certMid-3, y, 0.35, certGold)
	l.cv.line(certMid+3, y, certMid+half, y, 0.35, certGold)
	l.diamond(certMid, y, 1.5, certGold)
}

// certFooterGap is the least space between two items of the footer.
const certFooterGap = 8.0

// footer prints the certificate's number, its date of issue and, if it
// expires, the date it is valid until: each a label in every language over
// its value. The number stands in the left column, the date of issue in
// the right one and the expiry beside it; should the two dates not fit
// there on the rule, they move left, but not into the number.
func (l *certLayout) footer() {
	c := l.cv
	end := certColB + certColBW
	c.line(certColA, certFooterRule, end, certFooterRule, certRuleWidth, certGold)
	labelSt := textStyle{size: certLabelSize, color: certBronze}
	valueSt := textStyle{size: 12.5, color: certInk}
	type item struct {
		x, w       float64
		key, value string
	}
	number := item{certColA, certColAW, "number", l.c.Number}
	issued := item{certColB, certColBW, "issued", l.c.IssuedOn}
	items := []item{number, issued}
	if l.c.ValidUntil != "" {
		width := func(it item) float64 {
			return max(c.width(l.label(it.key), labelSt), c.width(it.value, valueSt))
		}
		until := item{key: "validUntil", value: l.c.ValidUntil}
		wi, wu := width(issued), width(until)
		issued.x = max(min(certColB, end-wu-certFooterGap-wi), number.x+min(number.w, width(number))+certFooterGap)
		// Both set smaller, in proportion, if even there they do not fit.
		k := min(1, (end-issued.x-certFooterGap)/(wi+wu))
		issued.w, until.w = wi*k, wu*k
		until.x = issued.x + issued.w + certFooterGap
		items = []item{number, issued, until}
	}
	for _, f := range items {
		text, st := c.fit(l.label(f.key), labelSt, f.w, certMinSize)
		c.text(f.x, certFooterRule+6.5, text, st)
		text, st = c.fit(f.value, valueSt, f.w, 8)
		c.text(f.x, certFooterRule+13, text, st)
	}
}

// qrCode draws the QR code at the bottom right, what it is for above it,
// and the verification URL under it.
func (l *certLayout) qrCode() {
	c := l.cv
	x, y, m := certQRPlace(l.code.size)
	c.qr(x, y, certQRSide, l.code)
	box := certQRSide + 2*qrQuietZone*m
	cx := x + certQRSide/2

	// What the code is for, one line per language, over the code.
	above := l.block("scan to verify")
	for i, s := range l.texts(certWords["verify"]) {
		st := textStyle{size: 7, color: certGrey}
		if i == 0 {
			st = textStyle{size: 8, bold: true, color: certNavy}
		}
		s, st = c.fit(s, st, box, certMinSize)
		above.add(s, st, 0)
	}
	above.draw(c, cx, y-qrQuietZone*m-above.h-0.6, true)

	// The URL, broken where it must be, under the code: up to three lines,
	// set smaller if need be, cut short only beyond.
	st := textStyle{size: 6.4, color: certGrey}
	lines := c.wrap(l.c.VerifyURL, st, box+6)
	if len(lines) > 3 {
		lines[2], st = c.fit(strings.Join(lines[2:], ""), st, box+6, certMinSize)
		lines = lines[:3]
	}
	for i, line := range lines {
		c.text(cx-c.width(line, st)/2, certQRBottom+3.4+2.8*float64(i), line, st)
	}
}

// watermark sets the demo mark large, faint and diagonal across the page,
// one line per language, under everything else.
func (l *certLayout) watermark() {
	c := l.cv
	b := l.block("watermark")
	for _, s := range l.texts(certWords["demoMark"]) {
		s, st := c.fit(s, textStyle{size: 50, color: provRed}, 190, 20)
		b.add(s, st, 6)
	}
	angle := math.Atan2(certH-60, certW-40) * 180 / math.Pi
	if c.drawing() {
		c.pdf.SetAlpha(0.06, "Normal")
		c.pdf.TransformBegin()
		c.pdf.TransformRotate(angle, certW/2, certH/2)
	}
	b.draw(c, certW/2, certH/2-b.h/2, true)
	if c.drawing() {
		c.pdf.TransformEnd()
		c.pdf.SetAlpha(1, "Normal")
	}
}

// embedFiles returns pdf, as fpdf wrote it, with files embedded: each an
// embedded file stream (its media type, size, MD5 checksum and dates) and
// a file specification (/F and /UF names, description, /AFRelationship
// /Data), listed in the catalog's /EmbeddedFiles name tree and /AF array.
// The catalog, which fpdf writes last, is written anew in its place with a
// new cross-reference table; every other byte stays where it was.
func embedFiles(pdf []byte, files []Attachment, modified time.Time) ([]byte, error) {
	doc, err := openPDF(pdf)
	if err != nil {
		return nil, err
	}
	if len(doc.sections) != 1 {
		return nil, errors.New("embedding files: the PDF has incremental updates")
	}
	catEntry, ok := doc.lookup(doc.root.num)
	if !ok || doc.root.num != doc.size-1 {
		return nil, errors.New("embedding files: the catalog is not the last object")
	}
	for num := 1; num < doc.size; num++ {
		if e, ok := doc.lookup(num); !ok || num != doc.root.num && e.offset >= catEntry.offset {
			return nil, errors.New("embedding files: the catalog is not the last object")
		}
	}
	cat, err := doc.object(doc.root, "catalog")
	if err != nil {
		return nil, err
	}
	if cat.kind != pdfDict {
		return nil, errors.New("embedding files: the catalog is not a dictionary")
	}

	out := make([]byte, catEntry.offset, len(pdf)+512+len(files)*256+totalSize(files))
	copy(out, pdf)
	var xref []xrefWrite
	for num := 1; num < doc.size; num++ {
		if num != doc.root.num {
			e, _ := doc.lookup(num)
			xref = append(xref, xrefWrite{pdfRef{num, 0}, e.offset})
		}
	}
	date := pdfDate(modified)
	type named struct {
		key  string
		spec pdfRef
	}
	var tree []named
	next := doc.size
	for _, f := range files {
		stream, spec := pdfRef{next, 0}, pdfRef{next + 1, 0}
		next += 2
		z := deflate(f.Data)
		sum := md5.Sum(f.Data)
		xref = append(xref, xrefWrite{stream, len(out)})
		out = appendObjHeader(out, stream)
		out = append(out, "<< /Type /EmbeddedFile"...)
		if f.MIME != "" {
			out = append(out, " /Subtype "...)
			out = appendPDFName(out, f.MIME)
		}
		out = append(out, " /Filter /FlateDecode /Length "...)
		out = strconv.AppendInt(out, int64(len(z)), 10)
		out = append(out, "\n/Params << /Size "...)
		out = strconv.AppendInt(out, int64(len(f.Data)), 10)
		out = append(out, " /CheckSum <"...)
		out = hex.AppendEncode(out, sum[:])
		out = append(out, "> /CreationDate "...)
		out = appendPDFText(out, date)
		out = append(out, " /ModDate "...)
		out = appendPDFText(out, date)
		out = append(out, " >> >>\nstream\n"...)
		out = append(out, z...)
		out = append(out, "\nendstream\nendobj\n"...)

		xref = append(xref, xrefWrite{spec, len(out)})
		out = appendObjHeader(out, spec)
		out = append(out, "<< /Type /Filespec /F "...)
		out = appendPDFText(out, asciiFileName(f.Name))
		out = append(out, " /UF "...)
		out = appendPDFText(out, f.Name)
		if f.Description != "" {
			out = append(out, " /Desc "...)
			out = appendPDFText(out, f.Description)
		}
		out = append(out, "\n/AFRelationship /Data /EF << /F "...)
		out = appendRef(out, stream)
		out = append(out, " /UF "...)
		out = appendRef(out, stream)
		out = append(out, " >> >>\nendobj\n"...)
		tree = append(tree, named{f.Name, spec})
	}
	// Name trees are sorted by their keys' bytes (ISO 32000-1 §7.9.6), as
	// appendPDFText writes them: ASCII as it is, else UTF-16BE after FE FF.
	slices.SortFunc(tree, func(a, b named) int { return bytes.Compare(pdfTextBytes(a.key), pdfTextBytes(b.key)) })

	xref = append(xref, xrefWrite{doc.root, len(out)})
	out = appendObjHeader(out, doc.root)
	out = append(out, "<<"...)
	for _, e := range cat.entries {
		switch e.key {
		case "AF", "Names": // written below
			continue
		}
		out = append(out, "\n/"...)
		out = append(out, e.key...)
		out = append(out, ' ')
		out = append(out, pdf[e.val.start:e.val.end]...)
	}
	out = append(out, "\n/Names << /EmbeddedFiles << /Names ["...)
	for i, n := range tree {
		if i > 0 {
			out = append(out, ' ')
		}
		out = appendPDFText(out, n.key)
		out = append(out, ' ')
		out = appendRef(out, n.spec)
	}
	out = append(out, "] >>"...)
	if names, ok := cat.get("Names"); ok && names.kind == pdfDict {
		for _, n := range names.entries {
			if n.key != "EmbeddedFiles" {
				out = append(out, " /"...)
				out = append(out, n.key...)
				out = append(out, ' ')
				out = append(out, pdf[n.val.start:n.val.end]...)
			}
		}
	}
	out = append(out, " >>\n/AF ["...)
	for i, n := range tree {
		if i > 0 {
			out = append(out, ' ')
		}
		out = appendRef(out, n.spec)
	}
	out = append(out, "]\n>>\nendobj\n"...)

	// One cross-reference section for the whole file; the trailer keeps
	// /Root and /Info and gains an /ID made from the content.
	xrefAt := len(out)
	slices.SortFunc(xref, func(a, b xrefWrite) int { return a.ref.num - b.ref.num })
	out = append(out, "xref\n0 "...)
	out = strconv.AppendInt(out, int64(next), 10)
	out = append(out, "\n0000000000 65535 f \n"...)
	for _, x := range xref {
		out = appendPadded(out, x.offset, 10)
		out = append(out, " 00000 n \n"...)
	}
	id := sha256.Sum256(out[:xrefAt])
	out = append(out, "trailer\n<< /Size "...)
	out = strconv.AppendInt(out, int64(next), 10)
	out = append(out, " /Root "...)
	out = appendRef(out, doc.root)
	if doc.info != nil {
		out = append(out, " /Info "...)
		out = append(out, doc.info...)
	}
	out = append(out, " /ID [<"...)
	out = hex.AppendEncode(out, id[:16])
	out = append(out, "> <"...)
	out = hex.AppendEncode(out, id[:16])
	out = append(out, ">] >>\nstartxref\n"...)
	out = strconv.AppendInt(out, int64(xrefAt), 10)
	out = append(out, "\n%%EOF\n"...)
	return out, nil
}

// pdfTextBytes returns the bytes of the string appendPDFText writes for s.
func pdfTextBytes(s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			out := []byte{0xFE, 0xFF}
			for _, u := range utf16.Encode([]rune(s)) {
				out = binary.BigEndian.AppendUint16(out, u)
			}
			return out
		}
	}
	return []byte(s)
}

// totalSize is the bytes of all files' data.
func totalSize(files []Attachment) int {
	n := 0
	for _, f := range files {
		n += len(f.Data)
	}
	return n
}

// asciiFileName is name with every character outside printable ASCII
// replaced by "_": the /F name of a file specification, for readers that
// do not read /UF.
func asciiFileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '_'
		}
		return r
	}, name)
}

// appendPDFName appends s as a PDF name (§7.3.5): a slash, then s with
// every byte outside the regular characters written as #XX.
func appendPDFName(out []byte, s string) []byte {
	out = append(out, '/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '#' || isDelim(c) {
			out = append(out, '#', hexDigits[c>>4], hexDigits[c&15])
		} else {
			out = append(out, c)
		}
	}
	return out
}

// zlibWriters are reused: a new zlib.Writer allocates over half a
// megabyte.
var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestCompression)
	return w
}}

// deflate returns data compressed for /FlateDecode.
func deflate(data []byte) []byte {
	var buf bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(&buf)
	zw.Write(data) // writes to a bytes.Buffer do not fail
	zw.Close()
	zlibWriters.Put(zw)
	return buf.Bytes()
}
