package certs

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// BadgeSheet is the badges of an event's judges, printed on A4 and cut out
// (DESIGN §4): a credit-card-sized card per judge with the event, the
// judge's name, role, skill and region, and a QR code that signs the judge
// in once on a tablet. Every field is text ready to print; the words of the
// badge itself (roles, the sign-in line) are this package's.
type BadgeSheet struct {
	// Event is the event's name in English, e.g. "2026 Greater Bay Area
	// Vocational Skills Competition", and EventChinese in Chinese, e.g.
	// "2026年粤港澳大湾区职业技能大赛"; one line each at the top of every badge.
	Event, EventChinese string
	// Traditional sets the badges' own Chinese words in traditional
	// characters (for a Hong Kong or Macao host), else in simplified ones.
	Traditional bool
	// Badges are the judges, in the order to print them.
	Badges []Badge
	// Generated is when the badges were printed, e.g. "2026-12-06 09:12
	// (UTC+8)", in the heading of every page.
	Generated string
	// Created is the PDF's creation date; zero means now. Setting it makes
	// the PDF reproducible byte for byte.
	Created time.Time
}

// Badge is one judge's badge.
type Badge struct {
	// NameNative is the judge's name in its own script, e.g. "周国栋", and
	// NameLatin the same in Latin script, e.g. "ZHOU Guodong"; NameLatin
	// is empty when the name is in Latin script only.
	NameNative, NameLatin string
	// Username is the judge's login name, printed for signing in with the
	// PIN when the code is used up.
	Username string
	// Role is BadgeJudge or BadgeChiefExpert, printed in English and
	// Chinese.
	Role string
	// Skill is what the judge marks, e.g. "CNC — CNC Milling 数控铣"; up to
	// two lines, cut short beyond.
	Skill string
	// Region is the judge's region, e.g. "Hong Kong 香港".
	Region string
	// SignIn is the one-time sign-in URL the QR code holds. RenderBadges
	// requires it; CheckBadges ignores it.
	SignIn string
}

// Roles of a judge on a badge.
const (
	BadgeJudge       = "judge"
	BadgeChiefExpert = "chief_expert"
)

// badgeWords are the fixed words of a badge: English, simplified Chinese,
// traditional Chinese.
var badgeWords = map[string][3]string{
	BadgeJudge:       {"Judge", "裁判", "裁判"},
	BadgeChiefExpert: {"Chief Expert", "首席专家", "首席專家"},
	"scan":           {"Scan to sign in — one use only", "扫码登录 — 仅限使用一次", "掃碼登入 — 僅限使用一次"},
	"username":       {"Username", "用户名", "用戶名稱"},
}

// word returns the English and Chinese of a fixed word of s's badges.
func (s BadgeSheet) word(key string) (en, zh string) {
	w := badgeWords[key]
	if s.Traditional {
		return w[0], w[2]
	}
	return w[0], w[1]
}

// Geometry of a badge sheet, in mm: A4 portrait, 2 × 4 cards of ISO/IEC
// 7810 ID-1 size (a credit card: it fits every badge holder), with gaps for
// the cut marks.
const (
	badgePageW    = 210.0
	badgePageH    = 297.0
	badgeW        = 85.6
	badgeH        = 54.0
	badgeCols     = 2
	badgeRows     = 4
	badgeGap      = 10.0 // between cards: room for the cut marks of both
	badgesPerPage = badgeCols * badgeRows
	badgeLeft     = (badgePageW - badgeCols*badgeW - (badgeCols-1)*badgeGap) / 2
	badgeTop      = (badgePageH - badgeRows*badgeH - (badgeRows-1)*badgeGap) / 2
	cutMarkOff    = 1.0 // cut marks start this far from the card's corner
	cutMarkLen    = 3.0
	badgeBand     = 10.0 // the coloured band with the event's name
	badgePad      = 4.0  // left text margin
	// qrSide is the QR symbol's side without its quiet zone: 30 mm scans
	// from arm's length with any phone, on a badge hanging at chest height.
	qrSide   = 30.0
	qrMargin = 1.5 // between the quiet zone and the card's right edge
)

// Colours of a badge.
var (
	bandTeal  = finalTeal
	chiefRust = rgb{150, 70, 0}
	cardLine  = rgb{205, 205, 205}
)

// Text styles of a badge.
var (
	bandStyle    = textStyle{size: 7.2, bold: true, color: white}
	bandZhStyle  = textStyle{size: 6.6, color: white}
	nativeStyle  = textStyle{size: 13, bold: true, color: black}
	latinStyle   = textStyle{size: 8, color: black}
	roleStyle    = textStyle{size: 8, bold: true, color: bandTeal}
	badgeSmall   = textStyle{size: 6.8, color: darkGrey}
	scanStyle    = textStyle{size: 6.2, bold: true, color: black}
	scanZhStyle  = textStyle{size: 6.2, color: black}
	headingStyle = textStyle{size: 9, bold: true, color: black}
)

// badgeOrigin returns the top-left corner of the card in slot i (0 to
// badgesPerPage-1) of a page, row by row.
func badgeOrigin(i int) (x, y float64) {
	return badgeLeft + float64(i%badgeCols)*(badgeW+badgeGap), badgeTop + float64(i/badgeCols)*(badgeH+badgeGap)
}

// qrPlace returns where on a card (relative to its top-left corner) a
// symbol of n modules a side goes: its top-left corner, without the quiet
// zone, and the side of one module. The quiet zone lies inside the card.
func qrPlace(n int) (x, y, module float64) {
	module = qrSide / float64(n)
	quiet := qrQuietZone * module
	return badgeW - qrMargin - quiet - qrSide, badgeBand + 0.8 + quiet, module
}

// CheckBadges reports, as RenderBadges would, a badge text with a character
// no font has (a *MissingGlyphError naming the judge), without rendering:
// the caller checks before it issues the sign-in codes to print.
func CheckBadges(fonts *Fonts, s BadgeSheet) error {
	if fonts == nil {
		return errors.New("certs: badges: no fonts")
	}
	_, err := s.prepare(fonts)
	return err
}

// RenderBadges writes s to w as a PDF: A4 portrait, eight badges a page with
// cut marks at their corners, each with a vector QR code of its SignIn URL
// (error correction M, a 4-module quiet zone, 30 mm a side). Text is set in
// fonts, with only the glyphs used embedded.
//
// It fails, writing nothing, on a badge without a sign-in URL or with a
// character no font has (a *MissingGlyphError).
func RenderBadges(w io.Writer, fonts *Fonts, s BadgeSheet) error {
	if fonts == nil {
		return errors.New("certs: badges: no fonts")
	}
	s, err := s.prepare(fonts)
	if err != nil {
		return err
	}
	codes, err := s.encodeQRs()
	if err != nil {
		return err
	}
	newPDF := func() *fpdf.Fpdf {
		p := fpdf.New("P", "mm", "A4", "")
		p.SetMargins(0, 0, 0)
		p.SetAutoPageBreak(false, 0)
		p.SetCatalogSort(true)
		p.SetTitle("Judge badges — "+s.Event, true)
		p.SetSubject(s.Event, true)
		p.SetCreator("bayskills", true)
		if !s.Created.IsZero() {
			p.SetCreationDate(s.Created)
			p.SetModificationDate(s.Created)
		}
		return p
	}
	return fonts.typeset(w, newPDF, func(c *canvas) { s.draw(c, codes) })
}

// encodeQRs encodes every badge's sign-in URL, on every CPU: choosing a
// symbol's mask pattern takes milliseconds, the better part of a sheet's
// rendering.
func (s BadgeSheet) encodeQRs() ([]*qrSymbol, error) {
	for i, b := range s.Badges {
		if b.SignIn == "" {
			return nil, fmt.Errorf("certs: badges: badge %d (%s) has no sign-in URL", i+1, b.Username)
		}
	}
	codes := make([]*qrSymbol, len(s.Badges))
	errs := make([]error, len(s.Badges))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(s.Badges)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(s.Badges); i = int(next.Add(1)) - 1 {
				codes[i], errs[i] = encodeQRM(s.Badges[i].SignIn)
			}
		})
	}
	wg.Wait()
	return codes, errors.Join(errs...)
}

// prepare checks s and returns a copy with every text in NFC form.
func (s BadgeSheet) prepare(fonts *Fonts) (BadgeSheet, error) {
	text, checked := fonts.texts()
	text("event", &s.Event)
	text("event (Chinese)", &s.EventChinese)
	text("generated", &s.Generated)
	s.Badges = append([]Badge(nil), s.Badges...)
	for i := range s.Badges {
		b := &s.Badges[i]
		if b.Role != BadgeJudge && b.Role != BadgeChiefExpert {
			return s, fmt.Errorf("certs: badges: badge %d (%s): role %q, want %q or %q", i+1, b.Username, b.Role,
				BadgeJudge, BadgeChiefExpert)
		}
		field := func(what string) string { return fmt.Sprintf("judge %s: %s", b.Username, what) }
		text(fmt.Sprintf("badge %d username", i+1), &b.Username)
		text(field("name"), &b.NameNative)
		text(field("Latin name"), &b.NameLatin)
		text(field("skill"), &b.Skill)
		text(field("region"), &b.Region)
	}
	return s, checked()
}

// draw lays every page out on c.
func (s BadgeSheet) draw(c *canvas, codes []*qrSymbol) {
	pages := max(1, (len(s.Badges)+badgesPerPage-1)/badgesPerPage)
	for page := range pages {
		if c.drawing() {
			c.pdf.AddPage()
		}
		s.heading(c, page+1, pages)
		for slot := range badgesPerPage {
			i := page*badgesPerPage + slot
			if i >= len(s.Badges) {
				break
			}
			x, y := badgeOrigin(slot)
			s.badge(c, x, y, s.Badges[i], codes[i])
		}
	}
	if len(s.Badges) == 0 {
		c.text(badgeLeft, badgeTop+5, "No judges.", noteStyle)
	}
}

// heading prints what the pages are, and that they are to be kept safe: each
// code signs its judge in.
func (s BadgeSheet) heading(c *canvas, page, pages int) {
	const y = 12.0
	right := badgePageW - badgeLeft
	pageNo := fmt.Sprintf("Page %d of %d", page, pages)
	c.text(right-c.width(pageNo, smallStyle), y, pageNo, smallStyle)
	title, st := c.fit("Judge badges — "+s.Event, headingStyle, right-badgeLeft-c.width(pageNo, smallStyle)-6, 6.5)
	c.text(badgeLeft, y, title, st)
	note := "Each QR code signs its judge in once: keep these pages safe. Printing a judge's badge again voids the code " +
		"printed before."
	if s.Generated != "" {
		note = "Printed " + s.Generated + ". " + note
	}
	note, st = c.fit(note, smallStyle, right-badgeLeft, 5.5)
	c.text(badgeLeft, y+4.5, note, st)
}

// badge draws one card with its top-left corner at (x, y).
func (s BadgeSheet) badge(c *canvas, x, y float64, b Badge, code *qrSymbol) {
	// Card outline (faint, for scissors) and cut marks (for a guillotine).
	c.strokeRect(x, y, badgeW, badgeH, 0.15, cardLine)
	for _, corner := range [][2]float64{{0, 0}, {badgeW, 0}, {0, badgeH}, {badgeW, badgeH}} {
		cx, cy := x+corner[0], y+corner[1]
		dx, dy := -1.0, -1.0 // outwards from the card
		if corner[0] > 0 {
			dx = 1
		}
		if corner[1] > 0 {
			dy = 1
		}
		c.line(cx+dx*cutMarkOff, cy, cx+dx*(cutMarkOff+cutMarkLen), cy, 0.2, black)
		c.line(cx, cy+dy*cutMarkOff, cx, cy+dy*(cutMarkOff+cutMarkLen), 0.2, black)
	}

	// The event, on a coloured band.
	c.fillRect(x, y, badgeW, badgeBand, bandTeal)
	inner := badgeW - 2*badgePad + 1
	text, st := c.fit(s.Event, bandStyle, inner, 5)
	c.text(x+badgePad-0.5, y+4.3, text, st)
	text, st = c.fit(s.EventChinese, bandZhStyle, inner, 5)
	c.text(x+badgePad-0.5, y+8.3, text, st)

	// The QR code, on the right, with its quiet zone inside the card.
	qx, qy, module := qrPlace(code.size)
	c.qr(x+qx, y+qy, qrSide, code)
	colW := qx - qrQuietZone*module - badgePad - 1

	// The judge, on the left.
	left := x + badgePad
	text, st = c.fit(b.NameNative, nativeStyle, colW, 7)
	c.text(left, y+17.6, text, st)
	if b.NameLatin != "" {
		text, st = c.fit(b.NameLatin, latinStyle, colW, 5.5)
		c.text(left, y+21.8, text, st)
	}
	roleEn, roleZh := s.word(b.Role)
	rs := roleStyle
	if b.Role == BadgeChiefExpert {
		rs.color = chiefRust
	}
	text, st = c.fit(roleEn+" "+roleZh, rs, colW, 6)
	c.text(left, y+27.6, text, st)
	// One line, set a little smaller if need be; else two lines.
	lines := []string{b.Skill}
	skillStyle := badgeSmall
	if text, st := c.fit(b.Skill, badgeSmall, colW, 5.8); text == b.Skill {
		lines[0], skillStyle = text, st
	} else {
		lines = c.wrap(b.Skill, badgeSmall, colW)
	}
	if len(lines) > 2 {
		// Cut short: the second line takes the rest, ended with "…".
		rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(b.Skill), lines[0]))
		lines[1], _ = c.fit(rest, badgeSmall, colW, badgeSmall.size)
		lines = lines[:2]
	}
	for i, l := range lines {
		c.text(left, y+31.4+3*float64(i), l, skillStyle)
	}
	text, st = c.fit(b.Region, badgeSmall, colW, 5.5)
	c.text(left, y+38.6, text, st)
	userEn, userZh := s.word("username")
	text, st = c.fit(userEn+" "+userZh+": "+b.Username, badgeSmall, colW, 5.5)
	c.text(left, y+42.2, text, st)

	// How to use the code, under the judge's details.
	scanEn, scanZh := s.word("scan")
	text, st = c.fit(scanEn, scanStyle, colW, 5)
	c.text(left, y+47.2, text, st)
	text, st = c.fit(scanZh, scanZhStyle, colW, 5)
	c.text(left, y+50.4, text, st)
}
