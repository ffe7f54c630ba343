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
	"math/bits"
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
	"verify":     {En: "Scan to verify", ZhHans: "扫码验证", ZhHant: "掃碼驗證", Pt: "Digitalize para verificar"},
	"demo": {En: "DEMONSTRATION — NOT A REAL CERTIFICATE", ZhHans: "演示样本 — 非真实证书",
		ZhHant: "示範樣本 — 非真實證書", Pt: "DEMONSTRAÇÃO — NÃO É UM CERTIFICADO REAL"},
	"demoMark": {En: "DEMONSTRATION", ZhHans: "演示", ZhHant: "示範", Pt: "DEMONSTRAÇÃO"},
}

// RenderCertificate writes c to w as a one-page PDF: A4 landscape, a
// double frame, the issuer and title, the holder's name in native and Latin
// script, skill and occupation code, event and dates, result, the level in
// the issuer's framework with the framework and the mapping's provenance,
// the number and date of issue, and a vector QR code of c.QRPayload (error
// correction M, a 4-module quiet zone, 40 mm a side) at the bottom right
// with c.VerifyURL under it. Text is set in fonts, only the glyphs used
// embedded, and stays extractable; c.Attachments are embedded files.
//
// The PDF has a classic cross-reference table and no form: SignPDF signs it
// as it is. It fails, writing nothing, if c is incomplete or has a
// character no font has (a *MissingGlyphError naming the field and the
// character).
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
	// certQRSide is the QR symbol's side without its quiet zone: 40 mm keeps
	// the modules of a 400-byte payload (version 15–17) near half a
	// millimetre, easy for a phone at arm's length.
	certQRSide     = 40.0
	certQRBottom   = 183.5 // bottom edge of the quiet zone
	certBandTop    = 12.6  // demo band, inside the inner frame
	certBandHeight = 6.4
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
// the block's top.
type certLine struct {
	text string
	st   textStyle
	y    float64
}

// certBlock is lines of text laid out from a top edge, and their height.
type certBlock struct {
	lines []certLine
	h     float64
}

// add appends text as one line below the block's lines, gap mm of extra
// space above it.
func (b *certBlock) add(text string, st textStyle, gap float64) {
	size := st.size * mmPerPt
	if len(b.lines) == 0 {
		b.h = gap + 0.86*size // the first line's ascent
	} else {
		b.h += gap + 1.22*size
	}
	b.lines = append(b.lines, certLine{text: text, st: st, y: b.h})
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

// certLayout draws one certificate onto a canvas.
type certLayout struct {
	c    Certificate
	code *qrSymbol
	cv   *canvas
	// titleEnd is the index, in the head's lines, of the title's last
	// line: the ornament goes under it.
	titleEnd int
}

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
// shrink times its size if need be, else on up to maxLines lines, the last
// cut short.
func (l *certLayout) fitLines(b *certBlock, text string, st textStyle, w, shrink float64, maxLines int, gap float64) {
	c := l.cv
	if s, fst := c.fit(text, st, w, st.size*shrink); s == text || maxLines == 1 {
		b.add(s, fst, gap)
		return
	}
	st.size *= shrink
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

// top lays out the centred head of the page: issuer, title, the holder.
func (l *certLayout) top() *certBlock {
	c := &l.c
	w := certRight - certLeft
	b := &certBlock{}
	l.langLines(b, c.Issuer, textStyle{size: 10.5, bold: true, color: certNavy},
		textStyle{size: 8, color: certNavy}, w, 2, 0)
	b.space(3)
	l.langLines(b, c.Title, textStyle{size: 25, bold: true, color: certNavy},
		textStyle{size: 12.5, color: certNavy}, w, 2, 4)
	l.titleEnd = len(b.lines) - 1
	b.space(11) // the ornament goes in here
	certify, st := l.cv.fit(l.label("certify"), textStyle{size: 8.5, color: certGrey}, w, 6)
	b.add(certify, st, 0)
	// The holder's name is set smaller, then on two lines, before it is
	// cut short (beyond some 80 Chinese characters).
	if c.HolderNative != "" {
		l.fitLines(b, c.HolderNative, textStyle{size: 26, bold: true, color: certInk}, w, 0.62, 2, 4.5)
	}
	if c.HolderLatin != "" && c.HolderLatin != c.HolderNative {
		gap := 1.0
		if c.HolderNative == "" {
			gap = 4.5
		}
		l.fitLines(b, c.HolderLatin, textStyle{size: 14, color: certInk}, w, 0.7, 2, gap)
	}
	return b
}

// field lays out one labelled field of a column: the label in every
// language on one line, then the value in each, then extra lines (each
// certLine's y is the space above it); empty ones are left out.
func (l *certLayout) field(key string, value Names, first, rest textStyle, w, scale float64, extra ...certLine) *certBlock {
	b := &certBlock{}
	lst := textStyle{size: 7 * scale, color: certBronze}
	s, lst := l.cv.fit(l.label(key), lst, w, 5)
	b.add(s, lst, 0)
	l.langLines(b, value, first, rest, w, 2, 1.2*scale)
	for _, e := range extra {
		if e.text != "" {
			l.fitLines(b, e.text, e.st, w, certShrink, 1, e.y)
		}
	}
	return b
}

// columns lays out the two columns of fields at scale (1 at full size).
func (l *certLayout) columns(scale float64) (a, b []*certBlock, h float64) {
	c := &l.c
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
		a = append(a, l.field("skill", c.Skill, value, other, certColAW, scale, certLine{code, small, 1.2 * scale}))
	}
	if c.EventDates != "" || firstNonEmpty(c.Event, c.Languages) != "" {
		a = append(a, l.field("event", c.Event, value, other, certColAW, scale, certLine{c.EventDates, small, 1.2 * scale}))
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

	gap := certFieldGap * scale
	for _, col := range [][]*certBlock{a, b} {
		ch := 0.0
		for i, f := range col {
			if i > 0 {
				ch += gap
			}
			ch += f.h
		}
		h = max(h, ch)
	}
	return a, b, h
}

// certFieldGap is the space between two fields of a column at full size.
const certFieldGap = 6.0

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
		text, st := c.fit(strings.Join(l.texts(certWords["demo"]), "   ·   "), st, certRight-certLeft, 5)
		c.fillRect(certFrameIn+0.8, certBandTop, certW-2*certFrameIn-1.6, certBandHeight, provRed)
		c.text(certMid-c.width(text, st)/2, certBandTop+certBandHeight/2+c.fonts.cap*st.size*mmPerPt/2, text, st)
	}

	// The head, then the fields: set smaller until they fit above the
	// footer, and the room left over shared out above, between and below.
	head := l.top()
	const minGap = 7.0
	room := certFooterRule - 4 - certTop
	scale := 1.0
	var colA, colB []*certBlock
	var colH float64
	for {
		colA, colB, colH = l.columns(scale)
		if head.h+minGap+colH <= room || scale < 0.7 {
			break
		}
		scale -= 0.05
	}
	spare := max(0, room-head.h-minGap-colH)
	y := certTop + spare*0.25
	head.draw(c, certMid, y, true)
	l.ornament(y + head.lines[l.titleEnd].y + 5.6)
	y += head.h + minGap + spare*0.45
	for _, col := range []struct {
		x      float64
		blocks []*certBlock
	}{{certColA, colA}, {certColB, colB}} {
		fy := y
		for _, f := range col.blocks {
			f.draw(c, col.x, fy, false)
			fy += f.h + certFieldGap*scale
		}
	}
	// A thin rule ties the level to its column.
	if len(colB) > 0 {
		c.line(certColB-3, y, certColB-3, y+colB[0].h, 0.6, certGold)
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

// footer prints the certificate's number and date of issue.
func (l *certLayout) footer() {
	c := l.cv
	c.line(certColA, certFooterRule, certColB+certColBW, certFooterRule, 0.3, certGold)
	labelSt := textStyle{size: 7, color: certBronze}
	valueSt := textStyle{size: 12.5, color: certInk}
	for _, f := range []struct {
		x, w       float64
		key, value string
	}{{certColA, certColAW, "number", l.c.Number}, {certColB, certColBW, "issued", l.c.IssuedOn}} {
		text, st := c.fit(l.label(f.key), labelSt, f.w, 5)
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
	above := &certBlock{}
	for i, s := range l.texts(certWords["verify"]) {
		st := textStyle{size: 7, color: certGrey}
		if i == 0 {
			st = textStyle{size: 8, bold: true, color: certNavy}
		}
		s, st = c.fit(s, st, box, 5)
		above.add(s, st, 0)
	}
	above.draw(c, cx, y-qrQuietZone*m-above.h-0.6, true)

	// The URL, broken where it must be, under the code: up to three lines,
	// set smaller if need be, cut short only beyond.
	st := textStyle{size: 6.4, color: certGrey}
	lines := c.wrap(l.c.VerifyURL, st, box+6)
	if len(lines) > 3 {
		lines[2], st = c.fit(strings.Join(lines[2:], ""), st, box+6, 5)
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
	b := &certBlock{}
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

// A QR encoder for error correction level M that makes exactly the symbol
// github.com/boombuler/barcode/qr makes of the same content with qr.M and
// qr.Auto (same mode, version, mask and modules), about a hundred times
// faster: boombuler walks the modules through channels and scores each of
// the eight masks with a bit lookup per module, about 20 ms for the
// 400-byte payload of a certificate, more than all the rest of its
// rendering. TestEncodeQRMatchesBoombuler holds the two to the same output.
// (They part only where boombuler errs: it takes digits with a sign, such
// as "+12", for a number.)

// qrBlocksM is, for each version 1–40 at level M (ISO/IEC 18004 table 9):
// error correction codewords per block, blocks in group 1, data codewords
// per block of group 1, and blocks in group 2 (one data codeword more).
var qrBlocksM = [41][4]int{{},
	{10, 1, 16, 0}, {16, 1, 28, 0}, {26, 1, 44, 0}, {18, 2, 32, 0}, {24, 2, 43, 0},
	{16, 4, 27, 0}, {18, 4, 31, 0}, {22, 2, 38, 2}, {22, 3, 36, 2}, {26, 4, 43, 1},
	{30, 1, 50, 4}, {22, 6, 36, 2}, {22, 8, 37, 1}, {24, 4, 40, 5}, {24, 5, 41, 5},
	{28, 7, 45, 3}, {28, 10, 46, 1}, {26, 9, 43, 4}, {26, 3, 44, 11}, {26, 3, 41, 13},
	{26, 17, 42, 0}, {28, 17, 46, 0}, {28, 4, 47, 14}, {28, 6, 45, 14}, {28, 8, 47, 13},
	{28, 19, 46, 4}, {28, 22, 45, 3}, {28, 3, 45, 23}, {28, 21, 45, 7}, {28, 19, 47, 10},
	{28, 2, 46, 29}, {28, 10, 46, 23}, {28, 14, 46, 21}, {28, 14, 46, 23}, {28, 12, 47, 26},
	{28, 6, 47, 34}, {28, 29, 46, 14}, {28, 13, 46, 32}, {28, 40, 47, 7}, {28, 18, 47, 31},
}

// QR data modes (ISO/IEC 18004 §7.3).
const (
	qrNumeric = 1
	qrAlnum   = 2
	qrByte    = 4
)

// qrAlnumChars are the characters of alphanumeric mode, by value.
const qrAlnumChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// qrCountBits is the length of the character count of mode in version v.
func qrCountBits(mode, v int) int {
	band := 0
	if v >= 27 {
		band = 2
	} else if v >= 10 {
		band = 1
	}
	switch mode {
	case qrNumeric:
		return [3]int{10, 12, 14}[band]
	case qrAlnum:
		return [3]int{9, 11, 13}[band]
	}
	return [3]int{8, 16, 16}[band]
}

// qrBits is a string of bits, most significant first.
type qrBits struct {
	b []byte
	n int
}

func (w *qrBits) add(v, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>i&1 == 1 {
			w.b[w.n/8] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

// GF(256) with the QR polynomial x⁸+x⁴+x³+x²+1, and the Reed–Solomon
// generator polynomial of each degree, highest coefficient first.
var qrExp, qrLog, qrGenerators = func() (exp [512]byte, log [256]byte, gens [31][]byte) {
	x := 1
	for i := range 255 {
		exp[i], log[x] = byte(x), byte(i)
		if x <<= 1; x >= 256 {
			x ^= 0x11D
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	g := []byte{1}
	for d := 1; d < len(gens); d++ {
		next := make([]byte, len(g)+1)
		for j, c := range g {
			next[j] ^= c
			if c != 0 {
				next[j+1] ^= exp[int(log[c])+d-1]
			}
		}
		g, gens[d] = next, next
	}
	return exp, log, gens
}()

// qrECC returns the error correction codewords of a block of data.
func qrECC(data []byte, n int) []byte {
	gen := qrGenerators[n]
	rem := make([]byte, n)
	for _, d := range data {
		f := d ^ rem[0]
		copy(rem, rem[1:])
		rem[n-1] = 0
		if f != 0 {
			lf := int(qrLog[f])
			for j := range n {
				if g := gen[j+1]; g != 0 {
					rem[j] ^= qrExp[int(qrLog[g])+lf]
				}
			}
		}
	}
	return rem
}

// qrAlignment returns the centre coordinates of version v's alignment
// patterns (ISO/IEC 18004 annex E).
func qrAlignment(v int) []int {
	if v == 1 {
		return nil
	}
	n := v/7 + 2
	step := 26
	if v != 32 {
		step = (v*4 + n*2 + 1) / (n*2 - 2) * 2
	}
	pos := make([]int, n)
	pos[0] = 6
	for i, p := n-1, 4*v+10; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}

// encodeQRM encodes content at error correction level M in the densest
// mode it allows, choosing the mask as boombuler does.
func encodeQRM(content string) (*qrSymbol, error) {
	numeric, alnum := true, true
	for i := 0; i < len(content); i++ {
		c := content[i]
		numeric = numeric && c >= '0' && c <= '9'
		alnum = alnum && strings.IndexByte(qrAlnumChars, c) >= 0
	}
	mode, dataBits := qrByte, 8*len(content)
	switch {
	case numeric:
		mode, dataBits = qrNumeric, len(content)/3*10+[3]int{0, 4, 7}[len(content)%3]
	case alnum:
		mode, dataBits = qrAlnum, len(content)/2*11+len(content)%2*6
	}
	v, total := 0, 0
	for try := 1; try <= 40; try++ {
		bl := qrBlocksM[try]
		total = bl[1]*bl[2] + bl[3]*(bl[2]+1)
		if 8*total >= 4+qrCountBits(mode, try)+dataBits {
			v = try
			break
		}
	}
	if v == 0 {
		return nil, fmt.Errorf("QR code: %d bytes are too many for a QR code at level M", len(content))
	}

	// The data codewords: mode, count, data, terminator, padding.
	w := &qrBits{b: make([]byte, 0, total)}
	w.add(mode, 4)
	w.add(len(content), qrCountBits(mode, v))
	switch mode {
	case qrNumeric:
		for i := 0; i < len(content); i += 3 {
			chunk := content[i:min(i+3, len(content))]
			n, _ := strconv.Atoi(chunk)
			w.add(n, [4]int{0, 4, 7, 10}[len(chunk)])
		}
	case qrAlnum:
		for i := 0; i+1 < len(content); i += 2 {
			w.add(strings.IndexByte(qrAlnumChars, content[i])*45+strings.IndexByte(qrAlnumChars, content[i+1]), 11)
		}
		if len(content)%2 == 1 {
			w.add(strings.IndexByte(qrAlnumChars, content[len(content)-1]), 6)
		}
	default:
		for i := 0; i < len(content); i++ {
			w.add(int(content[i]), 8)
		}
	}
	for i := 0; i < 4 && w.n < 8*total; i++ {
		w.add(0, 1)
	}
	for w.n%8 != 0 {
		w.add(0, 1)
	}
	for i := 0; len(w.b) < total; i++ {
		w.b = append(w.b, [2]byte{0xEC, 0x11}[i%2])
	}

	// Blocks with their error correction, interleaved.
	bl := qrBlocksM[v]
	ecn, nb := bl[0], bl[1]+bl[3]
	blocks := make([][]byte, nb)
	eccs := make([][]byte, nb)
	for b, off := 0, 0; b < nb; b++ {
		n := bl[2]
		if b >= bl[1] {
			n++
		}
		blocks[b], eccs[b] = w.b[off:off+n], qrECC(w.b[off:off+n], ecn)
		off += n
	}
	stream := make([]byte, 0, total+nb*ecn)
	for i := range bl[2] + 1 {
		for _, blk := range blocks {
			if i < len(blk) {
				stream = append(stream, blk[i])
			}
		}
	}
	for i := range ecn {
		for _, e := range eccs {
			stream = append(stream, e[i])
		}
	}

	// Function patterns, then the data in the zigzag order; fn marks the
	// modules the masks leave alone.
	size := 17 + 4*v
	dark := make([]bool, size*size)
	fn := make([]bool, size*size)
	set := func(x, y int, d bool) {
		dark[y*size+x], fn[y*size+x] = d, true
	}
	for _, at := range [][2]int{{0, 0}, {size - 7, 0}, {0, size - 7}} {
		for dy := -1; dy <= 7; dy++ {
			for dx := -1; dx <= 7; dx++ {
				x, y := at[0]+dx, at[1]+dy
				if x < 0 || y < 0 || x >= size || y >= size {
					continue
				}
				in := dx >= 0 && dx <= 6 && dy >= 0 && dy <= 6
				set(x, y, in && (dx == 0 || dx == 6 || dy == 0 || dy == 6 || dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4))
			}
		}
	}
	align := qrAlignment(v)
	for _, cx := range align {
		for _, cy := range align {
			if fn[cy*size+cx] {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					set(cx+dx, cy+dy, max(dx, -dx, dy, -dy) != 1)
				}
			}
		}
	}
	for i := range size {
		if !fn[6*size+i] {
			set(i, 6, i%2 == 0)
		}
		if !fn[i*size+6] {
			set(6, i, i%2 == 0)
		}
	}
	set(8, size-8, true)
	if v >= 7 {
		rem := v
		for range 12 {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := v<<12 | rem
		for i := range 18 {
			a, b := size-11+i%3, i/3
			set(a, b, bits>>i&1 == 1)
			set(b, a, bits>>i&1 == 1)
		}
	}
	format := qrFormatPlaces(size)
	for _, p := range format {
		set(p[0], p[1], false)
	}
	bit := 0
	for x, up := size-1, true; x > 0; x -= 2 {
		if x == 6 {
			x--
		}
		for i := range size {
			y := i
			if up {
				y = size - 1 - i
			}
			for _, xx := range [2]int{x, x - 1} {
				if fn[y*size+xx] {
					continue
				}
				dark[y*size+xx] = bit < 8*len(stream) && stream[bit/8]>>(7-bit%8)&1 == 1
				bit++
			}
		}
		up = !up
	}

	// Each mask, scored on rows and columns as bit strings; the first with
	// the lowest penalty wins.
	rows, cols := make([]qrLine, size), make([]qrLine, size)
	free, freeCols := make([]qrLine, size), make([]qrLine, size) // modules a mask flips
	for y := range size {
		for x := range size {
			i := y*size + x
			d, f := uint64(b2i(dark[i])), uint64(b2i(!fn[i]))
			rows[y][x/64] |= d << (x % 64)
			cols[x][y/64] |= d << (y % 64)
			free[y][x/64] |= f << (x % 64)
			freeCols[x][y/64] |= f << (y % 64)
		}
	}
	all := qrFirst(size)
	bestMask, bestPenalty := 0, uint(math.MaxUint)
	mrows, mcols := make([]qrLine, size), make([]qrLine, size)
	for mask := range 8 {
		for i := range size {
			mrows[i] = rows[i].xor(qrMaskRows[mask][i%12].and(free[i])).and(all)
			mcols[i] = cols[i].xor(qrMaskCols[mask][i%12].and(freeCols[i])).and(all)
		}
		bits := qrFormatBits(mask)
		for j, p := range format {
			if bits>>(14-j%15)&1 == 1 {
				x, y := p[0], p[1]
				mrows[y][x/64] |= 1 << (x % 64)
				mcols[x][y/64] |= 1 << (y % 64)
			}
		}
		if p := qrPenalty(mrows, mcols, size); p < bestPenalty {
			bestMask, bestPenalty = mask, p
		}
	}
	bits := qrFormatBits(bestMask)
	for i := range dark {
		if !fn[i] && qrMasked(bestMask, i%size, i/size) {
			dark[i] = !dark[i]
		}
	}
	for j, p := range format {
		dark[p[1]*size+p[0]] = bits>>(14-j%15)&1 == 1
	}
	return &qrSymbol{size: size, dark: dark}, nil
}

// qrFormatBits returns the 15 bits of format information for level M and
// mask: BCH(15,5) coded and masked with 101010000010010.
func qrFormatBits(mask int) int {
	data := mask // level M's two bits are 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	return (data<<10 | rem) ^ 0x5412
}

// qrMaskRows holds, for each mask, the modules it flips in row y, by y mod
// 12; qrMaskCols the same for column x, by x mod 12. Every mask repeats
// every 12 modules (its periods are 2, 3, 4 or 6).
var qrMaskRows, qrMaskCols = func() (rows, cols [8][12]qrLine) {
	for mask := range 8 {
		for k := range 12 {
			for i := range 192 {
				if qrMasked(mask, i, k) {
					rows[mask][k][i/64] |= 1 << (i % 64)
				}
				if qrMasked(mask, k, i) {
					cols[mask][k][i/64] |= 1 << (i % 64)
				}
			}
		}
	}
	return rows, cols
}()

// qrFormatPlaces returns the modules (x, y) of the two copies of the
// format information, each from its most significant bit.
func qrFormatPlaces(size int) [30][2]int {
	var p [30][2]int
	first := [15][2]int{{0, 8}, {1, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {7, 8}, {8, 8},
		{8, 7}, {8, 5}, {8, 4}, {8, 3}, {8, 2}, {8, 1}, {8, 0}}
	copy(p[:], first[:])
	for j := range 7 {
		p[15+j] = [2]int{8, size - 1 - j}
	}
	for j := range 8 {
		p[22+j] = [2]int{size - 8 + j, 8}
	}
	return p
}

// qrMasked reports whether mask flips the module in column x, row y.
func qrMasked(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	}
	return ((x+y)%2+x*y%3)%2 == 0
}

// qrLine is one row or column of a symbol, a bit per module: bit i of
// word i/64 is module i. 192 bits hold the largest symbol (177 modules).
type qrLine [3]uint64

// shr returns l moved k places (k < 64) towards module 0: module i of the
// result is module i+k of l.
func (l qrLine) shr(k uint) qrLine {
	if k == 0 {
		return l
	}
	return qrLine{l[0]>>k | l[1]<<(64-k), l[1]>>k | l[2]<<(64-k), l[2] >> k}
}

func (l qrLine) and(o qrLine) qrLine { return qrLine{l[0] & o[0], l[1] & o[1], l[2] & o[2]} }
func (l qrLine) not() qrLine         { return qrLine{^l[0], ^l[1], ^l[2]} }
func (l qrLine) xor(o qrLine) qrLine { return qrLine{l[0] ^ o[0], l[1] ^ o[1], l[2] ^ o[2]} }
func (l qrLine) count() int {
	return bits.OnesCount64(l[0]) + bits.OnesCount64(l[1]) + bits.OnesCount64(l[2])
}

// qrFirst returns the line with modules 0 to n-1 set.
func qrFirst(n int) qrLine {
	var l qrLine
	for w := range l {
		switch k := n - 64*w; {
		case k >= 64:
			l[w] = ^uint64(0)
		case k > 0:
			l[w] = 1<<k - 1
		}
	}
	return l
}

// qrPenalty scores a masked symbol, given as its rows and columns, by the
// four rules of ISO/IEC 18004 §7.8.3 as boombuler counts them: each run of
// k ≥ 5 modules of one colour in a row or column, k-2; each 2×2 block of
// one colour, 3; each finder-like pattern (1:1:3:1:1 with four light
// modules on one side) in a row or column, 40; and 10 for every 5 % that
// the dark modules stray from half.
func qrPenalty(rows, cols []qrLine, size int) uint {
	runStarts := qrFirst(size - 4) // a run of 5 starting at i lies within
	windows := qrFirst(size - 10)  // an 11-module pattern starting at i lies within
	pairs := qrFirst(size - 1)     // modules i and i+1
	p, dark := 0, 0
	for _, lines := range [2][]qrLine{rows, cols} {
		for _, l := range lines {
			// Rule 1: same says module i+1 matches module i; four of them
			// from i make a run of 5 from i. A run of k ≥ 5 has k-4 such
			// starts, and its first start adds 2 more.
			same := l.xor(l.shr(1)).not().and(pairs)
			five := same.and(same.shr(1)).and(same.shr(2)).and(same.shr(3)).and(runStarts)
			after := qrLine{five[0] << 1, five[1]<<1 | five[0]>>63, five[2]<<1 | five[1]>>63}
			p += five.count() + 2*five.and(after.not()).count()

			// Rule 3: 1 0 1 1 1 0 1 0 0 0 0, or the same reversed, from i.
			var s [11]qrLine
			for j := range s {
				s[j] = l.shr(uint(j))
			}
			core := s[1].not().and(s[4]).and(s[5].not()).and(s[6]).and(s[9].not()).and(windows)
			p1 := core.and(s[0]).and(s[2]).and(s[3]).and(s[7].not()).and(s[8].not()).and(s[10].not())
			p2 := core.and(s[0].not()).and(s[2].not()).and(s[3].not()).and(s[7]).and(s[8]).and(s[10])
			p += 40 * (p1.count() + p2.count())
		}
	}
	// Rule 2, and the dark modules of rule 4.
	for y := range size {
		dark += rows[y].count()
		if y+1 < size {
			vert := rows[y].xor(rows[y+1]).not()
			horiz := rows[y].xor(rows[y].shr(1)).not()
			p += 3 * vert.and(vert.shr(1)).and(horiz).and(pairs).count()
		}
	}
	perc := float64(dark) * 100 / float64(size*size)
	p += int(math.Min(math.Abs(math.Floor(perc/5)-10), math.Abs(math.Ceil(perc/5)-10)) * 10)
	return uint(p)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
