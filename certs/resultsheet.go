package certs

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// States of a result sheet, after the results lifecycle of DESIGN §6:
// provisional results are open to appeal; final results are not, and only
// they lead to certificates.
const (
	SheetProvisional = "provisional"
	SheetFinal       = "final"
)

// ResultSheet is the printed results of one skill (DESIGN §6: "a PDF result
// sheet per skill"), which the chief expert checks, signs and posts. Every
// field is text ready to print: the caller formats marks, scores and times.
type ResultSheet struct {
	// Event is the event's name, e.g. "2026 Greater Bay Area Vocational
	// Skills Competition / 2026年粤港澳大湾区职业技能大赛".
	Event string
	// Skill is the skill's code and name, e.g. "CNC — CNC Milling 数控铣".
	Skill string
	// State is SheetProvisional or SheetFinal. A provisional sheet is
	// marked PROVISIONAL in its heading, its footer and across every page.
	State string
	// AppealsClose is when the appeal window of provisional results closes,
	// e.g. "2026-05-14 16:00 (UTC+8)"; printed on provisional sheets.
	AppealsClose string
	// Finalised says when (and by whom) results were made final; printed
	// on final sheets.
	Finalised string
	// Criteria are the marking scheme's criteria, one table column each,
	// in order.
	Criteria []SheetCriterion
	// Rows are the competitors (or teams), in the order to print them.
	Rows []ResultRow
	// Formula is the standardisation formula, printed under the table
	// (DESIGN §6: "Show the formula"), e.g. scoring.FormulaText.
	Formula string
	// Notes are further paragraphs printed under the formula (tie rule,
	// blind judging, absences), wrapped to the page; no line breaks.
	Notes []string
	// SignOff are the roles that sign the printed sheet, e.g. "Chief
	// Expert", "Deputy Chief Expert"; each gets a box for name, signature
	// and date at the end. None when empty.
	SignOff []string
	// Generated is when the sheet was produced, printed in every footer.
	Generated string
	// Created is the PDF's creation date; zero means now. Setting it makes
	// the PDF reproducible byte for byte.
	Created time.Time
}

// SheetCriterion is one criterion of the marking scheme as the sheet shows
// it.
type SheetCriterion struct {
	Code string // column heading, e.g. "A"
	Name string // listed under the table when given, e.g. "Design"
	Max  string // maximum mark, printed under the code when given, e.g. "20.00"
}

// ResultRow is one line of a result sheet: a competitor, or a team.
type ResultRow struct {
	Rank        int    // standard competition ranking (1, 1, 3); 0 prints blank
	Code        string // competitor code (the random code under blind judging)
	NameNative  string // name in its own script, e.g. "陳嘉欣", "João Conceição"
	NameLatin   string // name in Latin script, e.g. "CHAN Ka Yan"
	Institution string
	Region      string
	Team        string   // team name for team skills, else empty
	Criteria    []string // mark per criterion, e.g. "12.34", in ResultSheet.Criteria order
	Raw         string   // raw total, e.g. "71.25"
	Score       string   // standardised score, e.g. "712"
	// Award is a scoring.Award value: "gold", "silver", "bronze",
	// "medallion", "excellence", or "" for none. It is printed in words;
	// any other value is printed as it is.
	Award string
	// BestOfRegion marks the best competitor of their region (★).
	BestOfRegion bool
}

// awardWords are the printed names of the awards of DESIGN §6.
var awardWords = map[string]string{
	"gold":       "Gold",
	"silver":     "Silver",
	"bronze":     "Bronze",
	"medallion":  "Medallion for Excellence",
	"excellence": "Excellence",
}

// isMedal reports whether an award is one of the three medals.
func isMedal(award string) bool {
	return award == "gold" || award == "silver" || award == "bronze"
}

// Page geometry of a result sheet, in mm: A4 landscape.
const (
	sheetW       = 297.0
	sheetH       = 210.0
	sheetMargin  = 10.0
	sheetInnerW  = sheetW - 2*sheetMargin
	tableTop     = 31.0  // where the table starts on every page
	bodyBottom   = 196.0 // nothing but the footer below this
	rowH         = 6.0
	cellPad      = 1.4
	minCellSize  = 7.0 // points: text shrinks to this before it is cut short
	bestOfRegion = "★"
)

// Colours of a result sheet.
var (
	black     = rgb{0, 0, 0}
	white     = rgb{255, 255, 255}
	darkGrey  = rgb{70, 70, 70}
	midGrey   = rgb{120, 120, 120}
	ruleGrey  = rgb{160, 160, 160}
	headFill  = rgb{222, 226, 232}
	stripe    = rgb{243, 244, 247}
	provRed   = rgb{185, 28, 40}
	finalTeal = rgb{0, 105, 80}
)

// RenderResultSheet writes s to w as a PDF: A4 landscape, one row per
// competitor, the table heading repeated on every page, "Page X of Y" in
// the footer, then the formula, notes and sign-off boxes. Text is set in
// fonts, with only the glyphs used embedded.
//
// It fails, writing nothing, if s is inconsistent or has a character no
// font has; the latter error is a *MissingGlyphError naming the field and
// the character.
func RenderResultSheet(w io.Writer, fonts *Fonts, s ResultSheet) error {
	if fonts == nil {
		return errors.New("certs: result sheet: no fonts")
	}
	s, err := s.prepare(fonts)
	if err != nil {
		return err
	}
	l := newSheetLayout(s)
	newPDF := func() *fpdf.Fpdf {
		p := fpdf.New("L", "mm", "A4", "")
		p.SetMargins(sheetMargin, sheetMargin, sheetMargin)
		p.SetAutoPageBreak(false, 0)
		p.SetCatalogSort(true)
		p.SetTitle(s.Skill+" — results", true)
		p.SetSubject(s.Event, true)
		p.SetCreator("bayskills", true)
		if !s.Created.IsZero() {
			p.SetCreationDate(s.Created)
			p.SetModificationDate(s.Created)
		}
		return p
	}
	return fonts.typeset(w, newPDF, l.draw)
}

// prepare checks s and returns a copy with every text in NFC form.
func (s ResultSheet) prepare(fonts *Fonts) (ResultSheet, error) {
	if s.State != SheetProvisional && s.State != SheetFinal {
		return s, fmt.Errorf("certs: result sheet: state %q, want %q or %q", s.State, SheetProvisional, SheetFinal)
	}
	text, checked := fonts.texts()
	text("event", &s.Event)
	text("skill", &s.Skill)
	text("appeals close", &s.AppealsClose)
	text("finalised", &s.Finalised)
	text("formula", &s.Formula)
	text("generated", &s.Generated)
	s.Notes = append([]string(nil), s.Notes...)
	for i := range s.Notes {
		text(fmt.Sprintf("note %d", i+1), &s.Notes[i])
	}
	s.SignOff = append([]string(nil), s.SignOff...)
	for i := range s.SignOff {
		text(fmt.Sprintf("sign-off %d", i+1), &s.SignOff[i])
	}
	s.Criteria = append([]SheetCriterion(nil), s.Criteria...)
	for i := range s.Criteria {
		c := &s.Criteria[i]
		text(fmt.Sprintf("criterion %d code", i+1), &c.Code)
		text(fmt.Sprintf("criterion %s name", c.Code), &c.Name)
		text(fmt.Sprintf("criterion %s max", c.Code), &c.Max)
	}
	s.Rows = append([]ResultRow(nil), s.Rows...)
	for i := range s.Rows {
		r := &s.Rows[i]
		if len(r.Criteria) != len(s.Criteria) {
			return s, fmt.Errorf("certs: result sheet: row %d (%s) has %d criterion marks, want %d", i+1, r.Code, len(r.Criteria), len(s.Criteria))
		}
		field := func(name string) string { return fmt.Sprintf("row %d (%s) %s", i+1, r.Code, name) }
		text(fmt.Sprintf("row %d code", i+1), &r.Code)
		text(field("native name"), &r.NameNative)
		text(field("Latin name"), &r.NameLatin)
		text(field("institution"), &r.Institution)
		text(field("region"), &r.Region)
		text(field("team"), &r.Team)
		text(field("raw"), &r.Raw)
		text(field("score"), &r.Score)
		text(field("award"), &r.Award)
		r.Criteria = append([]string(nil), r.Criteria...)
		for j := range r.Criteria {
			text(field("criterion "+s.Criteria[j].Code), &r.Criteria[j])
		}
	}
	return s, checked()
}

// Text styles of a result sheet.
var (
	headStyle  = textStyle{size: 7.5, bold: true, color: black}
	subStyle   = textStyle{size: 6.5, color: midGrey}
	cellStyle  = textStyle{size: 8, color: black}
	nameStyle  = textStyle{size: 8.5, color: black}
	smallStyle = textStyle{size: 7.5, color: midGrey}
	noteStyle  = textStyle{size: 8, color: black}
)

// column is one column of the results table.
type column struct {
	head, sub string // heading, and a second heading line (criterion max)
	right     bool   // numbers: aligned right
	flex      bool   // text: shares the width the fixed columns leave
	max       float64
	cell      func(r ResultRow) (string, textStyle)
	w         float64 // width, set by widths
}

// sheetLayout draws one result sheet onto a canvas.
type sheetLayout struct {
	s       ResultSheet
	cols    []column
	headH   float64
	scale   float64 // of the table's text, 1 unless it is too wide
	hasBest bool
	c       *canvas
	page    int // current page, from 1
	pages   int // page count: from the first pass, in the second
	y       float64
}

func newSheetLayout(s ResultSheet) *sheetLayout {
	l := &sheetLayout{s: s, headH: rowH}
	hasAny := func(get func(r ResultRow) string) bool {
		for _, r := range s.Rows {
			if get(r) != "" {
				return true
			}
		}
		return false
	}
	text := func(get func(r ResultRow) string, st textStyle) func(r ResultRow) (string, textStyle) {
		return func(r ResultRow) (string, textStyle) { return get(r), st }
	}
	l.cols = append(l.cols,
		column{head: "Rank", right: true, max: 14, cell: func(r ResultRow) (string, textStyle) {
			if r.Rank == 0 {
				return "", cellStyle
			}
			return strconv.Itoa(r.Rank), cellStyle
		}},
		column{head: "Code", max: 26, cell: text(func(r ResultRow) string { return r.Code }, cellStyle)},
		column{head: "Name", flex: true, cell: text(func(r ResultRow) string { return r.NameNative }, nameStyle)},
	)
	optional := []struct {
		head string
		get  func(r ResultRow) string
	}{
		{"Name (Latin)", func(r ResultRow) string { return r.NameLatin }},
		{"Institution", func(r ResultRow) string { return r.Institution }},
		{"Region", func(r ResultRow) string { return r.Region }},
		{"Team", func(r ResultRow) string { return r.Team }},
	}
	for _, o := range optional {
		if hasAny(o.get) {
			l.cols = append(l.cols, column{head: o.head, flex: true, cell: text(o.get, cellStyle)})
		}
	}
	for i, c := range s.Criteria {
		if c.Max != "" {
			l.headH = rowH + 3
		}
		l.cols = append(l.cols, column{head: c.Code, sub: c.Max, right: true, max: 20,
			cell: text(func(r ResultRow) string { return r.Criteria[i] }, cellStyle)})
	}
	l.cols = append(l.cols,
		column{head: "Raw", right: true, max: 20, cell: text(func(r ResultRow) string { return r.Raw }, cellStyle)},
		column{head: "Score", right: true, max: 20, cell: func(r ResultRow) (string, textStyle) {
			st := cellStyle
			st.bold = true
			return r.Score, st
		}},
		column{head: "Award", max: 48, cell: func(r ResultRow) (string, textStyle) {
			st := cellStyle
			st.bold = isMedal(r.Award)
			award, ok := awardWords[r.Award]
			if !ok {
				award = r.Award
			}
			if r.BestOfRegion {
				if award != "" {
					award += " "
				}
				award += bestOfRegion
			}
			return award, st
		}},
	)
	for _, r := range s.Rows {
		l.hasBest = l.hasBest || r.BestOfRegion
	}
	return l
}

// Column widths, in mm.
const (
	minFlexW  = 16.0 // narrowest a text column gets
	easyFlexW = 36.0 // wide enough for most names: a table needing less
	// than this for its text columns is set smaller (down to minScale)
	minScale = 0.75
)

// widths sizes the columns to their content within the page. Fixed columns
// (numbers, codes, award) are as wide as their widest cell, up to their
// max; the text columns share the rest in proportion to their content, the
// widest giving way first. A table too wide even so (many criteria) is set
// smaller, down to minScale; beyond that, cells shrink or cut their text.
func (l *sheetLayout) widths() {
	content := make([]float64, len(l.cols)) // widest text, at full size
	heads := make([]float64, len(l.cols))
	for i, col := range l.cols {
		heads[i] = max(l.c.width(col.head, headStyle), l.c.width(col.sub, subStyle))
		content[i] = heads[i]
		for _, r := range l.s.Rows {
			text, st := col.cell(r)
			content[i] = max(content[i], l.c.width(text, st))
		}
	}
	natural := func(i int) float64 { return content[i]*l.scale + 2*cellPad }
	need := func() (fixed, flex float64) {
		for i, col := range l.cols {
			if col.flex {
				flex += min(natural(i), easyFlexW)
			} else {
				fixed += min(natural(i), col.max)
			}
		}
		return fixed, flex
	}
	l.scale = 1
	if fixed, flex := need(); fixed+flex > sheetInnerW {
		l.scale = max(minScale, l.scale*sheetInnerW/(fixed+flex))
	}

	fixed, flexTotal := 0.0, 0.0
	minW := make([]float64, len(l.cols))
	for i, col := range l.cols {
		if col.flex {
			minW[i] = min(max(minFlexW, heads[i]*l.scale+2*cellPad), natural(i))
			flexTotal += natural(i)
		} else {
			l.cols[i].w = min(natural(i), col.max)
			fixed += l.cols[i].w
		}
	}
	room := sheetInnerW - fixed
	minTotal := 0.0
	for i, col := range l.cols {
		if col.flex {
			minTotal += minW[i]
		}
	}
	if room < minTotal {
		// Still too wide: the fixed columns give way too.
		f := (sheetInnerW - minTotal) / fixed
		for i := range l.cols {
			if !l.cols[i].flex {
				l.cols[i].w *= f
			}
		}
		room = minTotal
	}
	if flexTotal <= room {
		for i, col := range l.cols {
			if col.flex {
				l.cols[i].w = natural(i) + (room-flexTotal)*natural(i)/flexTotal
			}
		}
		return
	}
	// Cap the text columns at the width that uses exactly the room
	// (water-filling), each no narrower than its minimum.
	width := func(i int, limit float64) float64 { return max(minW[i], min(natural(i), limit)) }
	lo, hi := 0.0, sheetInnerW
	for range 50 {
		mid := (lo + hi) / 2
		sum := 0.0
		for i, col := range l.cols {
			if col.flex {
				sum += width(i, mid)
			}
		}
		if sum > room {
			hi = mid
		} else {
			lo = mid
		}
	}
	for i, col := range l.cols {
		if col.flex {
			l.cols[i].w = width(i, lo)
		}
	}
}

// fitCell returns text and a style to set it in col's cell: shrunk down to
// minCellSize (at the table's scale), then cut short with "…".
func (l *sheetLayout) fitCell(col column, text string, st textStyle) (string, textStyle) {
	return l.c.fit(text, st, col.w-2*cellPad, min(minCellSize*l.scale, st.size))
}

// scaled returns st at the table's scale.
func (l *sheetLayout) scaled(st textStyle) textStyle {
	st.size = math.Floor(st.size*l.scale*10) / 10
	return st
}

// draw lays the whole sheet out on c: one pass of canvas.typeset.
func (l *sheetLayout) draw(c *canvas) {
	l.c = c
	if c.drawing() {
		l.pages = l.page // as counted by the first pass
	} else {
		// The first pass cannot know the page count it prints in each
		// footer; make sure every digit is there for the second.
		c.need("0123456789", false)
	}
	l.page = 0
	l.widths()
	l.newPage(true)
	for i, r := range l.s.Rows {
		if l.y+rowH > bodyBottom {
			l.newPage(true)
		}
		l.row(r, i%2 == 1)
	}
	if len(l.s.Rows) == 0 {
		l.c.text(sheetMargin+cellPad, l.y+rowH/2+l.capHeight(cellStyle)/2, "No competitors.", cellStyle)
		l.y += rowH
	}
	l.c.line(sheetMargin, l.y, sheetMargin+sheetInnerW, l.y, 0.3, ruleGrey)
	l.y += 5
	l.after()
	l.endPage()
	if c.drawing() && l.page != l.pages && c.err == nil {
		c.err = fmt.Errorf("certs: result sheet: laid out %d pages, then %d", l.pages, l.page)
	}
}

// capHeight is the height of capitals in st, in mm: what centres a line
// of text vertically.
func (l *sheetLayout) capHeight(st textStyle) float64 {
	return l.c.fonts.cap * st.size * mmPerPt
}

// newPage ends the current page, if any, and starts one with the sheet's
// heading and, if withTable, the table's heading.
func (l *sheetLayout) newPage(withTable bool) {
	if l.page > 0 {
		l.endPage()
	}
	l.page++
	if l.c.drawing() {
		l.c.pdf.AddPage()
	}
	s, c := l.s, l.c

	// The state, as a badge at the top right.
	badge, fill := "FINAL", finalTeal
	if s.State == SheetProvisional {
		badge, fill = "PROVISIONAL", provRed
	}
	badgeStyle := textStyle{size: 11, bold: true, color: white}
	bw := c.width(badge, badgeStyle) + 8
	bx := sheetW - sheetMargin - bw
	c.fillRect(bx, 8.5, bw, 8, fill)
	c.text(bx+4, 12.5+l.capHeight(badgeStyle)/2, badge, badgeStyle)

	eventStyle := textStyle{size: 9, color: darkGrey}
	text, st := c.fit(s.Event, eventStyle, bx-sheetMargin-4, 7)
	c.text(sheetMargin, 13, text, st)
	titleStyle := textStyle{size: 14, bold: true, color: black}
	text, st = c.fit(s.Skill, titleStyle, bx-sheetMargin-4, 10)
	c.text(sheetMargin, 20.5, text, st)

	state := textStyle{size: 8, bold: true, color: finalTeal}
	line := "Final results"
	if s.Finalised != "" {
		line += ", finalised " + s.Finalised
	}
	if s.State == SheetProvisional {
		state.color = provRed
		line = "PROVISIONAL results, open to appeal; not for certificates"
		if s.AppealsClose != "" {
			line += ". Appeals close " + s.AppealsClose
		}
	}
	text, st = c.fit(line, state, sheetInnerW, 6.5)
	c.text(sheetMargin, 26.5, text, st)

	l.y = tableTop
	if withTable {
		l.tableHead()
	}
}

// tableHead draws the table's heading row at l.y.
func (l *sheetLayout) tableHead() {
	c := l.c
	c.fillRect(sheetMargin, l.y, sheetInnerW, l.headH, headFill)
	x := sheetMargin
	for _, col := range l.cols {
		base := l.y + rowH/2 + l.capHeight(headStyle)/2
		l.cellText(x, base, col, col.head, l.scaled(headStyle))
		if col.sub != "" {
			l.cellText(x, base+3.2, col, col.sub, l.scaled(subStyle))
		}
		x += col.w
	}
	l.y += l.headH
	c.line(sheetMargin, l.y, sheetMargin+sheetInnerW, l.y, 0.3, ruleGrey)
}

// row draws one competitor's row at l.y.
func (l *sheetLayout) row(r ResultRow, shaded bool) {
	if shaded {
		l.c.fillRect(sheetMargin, l.y, sheetInnerW, rowH, stripe)
	}
	x := sheetMargin
	for _, col := range l.cols {
		text, st := col.cell(r)
		l.cellText(x, l.y+rowH/2+l.capHeight(cellStyle)/2, col, text, l.scaled(st))
		x += col.w
	}
	l.y += rowH
}

// cellText sets text in a column at baseline y, shrunk or cut short to fit.
func (l *sheetLayout) cellText(x, y float64, col column, text string, st textStyle) {
	text, st = l.fitCell(col, text, st)
	if col.right {
		x += col.w - cellPad - l.c.width(text, st)
	} else {
		x += cellPad
	}
	l.c.text(x, y, text, st)
}

// after draws what follows the table: formula, criteria, legend, notes and
// sign-off boxes, starting a page when the next piece does not fit.
func (l *sheetLayout) after() {
	s := l.s
	const labelW, lineH = 30.0, 4.0
	para := func(label, text string) {
		lines := l.c.wrap(text, noteStyle, sheetInnerW-labelW)
		if l.y+lineH*float64(len(lines)) > bodyBottom {
			l.newPage(false)
		}
		labelStyle := noteStyle
		labelStyle.bold = true
		l.c.text(sheetMargin, l.y+lineH-1, label, labelStyle)
		for _, line := range lines {
			if l.y+lineH > bodyBottom {
				l.newPage(false)
			}
			l.c.text(sheetMargin+labelW, l.y+lineH-1, line, noteStyle)
			l.y += lineH
		}
		l.y += 1.5
	}
	if s.Formula != "" {
		para("Standardisation", s.Formula)
	}
	crit := ""
	for _, c := range s.Criteria {
		if c.Name == "" {
			continue
		}
		if crit != "" {
			crit += " · "
		}
		crit += c.Code + " " + c.Name
		if c.Max != "" {
			crit += " (" + c.Max + ")"
		}
	}
	if crit != "" {
		para("Criteria", crit)
	}
	if l.hasBest {
		para("Legend", bestOfRegion+" best competitor of their region")
	}
	for i, n := range s.Notes {
		label := ""
		if i == 0 {
			label = "Notes"
		}
		para(label, n)
	}
	l.signOff()
}

// signOff draws a box for each role that signs the sheet, four to a row.
func (l *sheetLayout) signOff() {
	const perRow, gap, boxH = 4, 5.0, 19.0
	roles := l.s.SignOff
	if len(roles) == 0 {
		return
	}
	n := min(perRow, len(roles))
	boxW := (sheetInnerW - gap*float64(n-1)) / float64(n)
	roleStyle := textStyle{size: 8, bold: true, color: black}
	for i, role := range roles {
		if i%perRow == 0 {
			if i > 0 {
				l.y += boxH + gap
			} else {
				l.y += 2
			}
			if l.y+boxH > bodyBottom {
				l.newPage(false)
			}
		}
		x := sheetMargin + float64(i%perRow)*(boxW+gap)
		l.c.strokeRect(x, l.y, boxW, boxH, 0.2, ruleGrey)
		text, st := l.c.fit(role, roleStyle, boxW-4, 6.5)
		l.c.text(x+2, l.y+5, text, st)
		sigW := boxW*0.65 - 3
		l.c.line(x+2, l.y+14, x+2+sigW, l.y+14, 0.2, midGrey)
		l.c.line(x+boxW*0.65+2, l.y+14, x+boxW-2, l.y+14, 0.2, midGrey)
		l.c.text(x+2, l.y+17, "Name and signature", subStyle)
		l.c.text(x+boxW*0.65+2, l.y+17, "Date", subStyle)
	}
	l.y += boxH
}

// endPage draws the current page's footer and, on provisional sheets, the
// watermark.
func (l *sheetLayout) endPage() {
	c := l.c
	const y = 203.5
	c.line(sheetMargin, 199, sheetMargin+sheetInnerW, 199, 0.2, ruleGrey)
	third := sheetInnerW / 3
	if l.s.Generated != "" {
		text, st := c.fit("Generated "+l.s.Generated, smallStyle, third-2, 6)
		c.text(sheetMargin, y, text, st)
	}
	if l.s.State == SheetProvisional {
		st := smallStyle
		st.bold, st.color = true, provRed
		text, st := c.fit("PROVISIONAL, subject to appeal", st, third-2, 6)
		c.text(sheetMargin+third+(third-c.width(text, st))/2, y, text, st)
	}
	pageNo := fmt.Sprintf("Page %d of %d", l.page, l.pages)
	c.text(sheetMargin+sheetInnerW-c.width(pageNo, smallStyle), y, pageNo, smallStyle)

	if l.s.State == SheetProvisional {
		l.watermark("PROVISIONAL")
	}
}

// watermark sets text large, faint and diagonal across the page, over
// everything else, so that no part of the page passes for final.
func (l *sheetLayout) watermark(text string) {
	c := l.c
	st := textStyle{size: 96, bold: true, color: provRed}
	w := c.width(text, st)
	angle := math.Atan2(sheetH-60, sheetW-40) * 180 / math.Pi
	if c.drawing() {
		c.pdf.SetAlpha(0.09, "Normal")
		c.pdf.TransformBegin()
		c.pdf.TransformRotate(angle, sheetW/2, sheetH/2)
	}
	c.text(sheetW/2-w/2, sheetH/2+l.capHeight(st)/2, text, st)
	if c.drawing() {
		c.pdf.TransformEnd()
		c.pdf.SetAlpha(1, "Normal")
	}
}
