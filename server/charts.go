package server

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"sync"

	"bayskills/sheet"
)

// Charts for the results pages (DESIGN §6, judge analytics). They are drawn
// on the server as self-contained SVG so that one document can be inlined
// in a page and served as image/svg+xml: no script, no external CSS or
// fonts, a white background, colours dark enough to read on a projector in
// a bright hall, and a <title> and <desc> that give a screen reader every
// number the picture shows. Output depends only on the input, so the same
// results always produce the same bytes (and can be cached or compared).
//
// The fixed wording (axis captions, notes) is English; titles and judge
// names come from the caller, already localised.

const (
	chartWidth    = 640
	chartFont     = "system-ui, sans-serif"
	chartInk      = "#111111" // text and axes
	chartMuted    = "#3a3a3a" // secondary text, threshold lines
	chartGrid     = "#c4c4c4" // gridlines
	chartStripe   = "#f0f0f0" // every other row of the severity chart
	chartBarFill  = "#1f5fa8" // dark blue, 6.4:1 on white
	chartOutFill  = "#b33c00" // dark orange, 5.9:1 on white; told apart from blue by colour-blind readers too
	chartLabelMax = 24        // display columns of a judge label before it is cut
	chartTitleMax = 52        // display columns of a visible title before it is cut
)

// chartSVG accumulates one SVG document. Attribute strings passed to its
// methods are trusted constants of this file; all text from outside goes
// through chartEscape.
type chartSVG struct {
	b bytes.Buffer
}

// newChartSVG starts a document of the fixed width and the given height
// with its accessible name (title) and description (desc), a white
// background, and the visible title (cut with "…" when long; the <title>
// keeps it whole). The element ids are a hash of kind, title and desc, so
// different charts inlined in one page get different ids and the same
// chart always gets the same ones.
func newChartSVG(kind string, height float64, title, desc string) *chartSVG {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s", kind, title, desc)
	id := fmt.Sprintf("%s-%016x", kind, h.Sum64())

	c := &chartSVG{}
	c.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %s" width="100%%" role="img" aria-labelledby="%s-title %s-desc" font-family="%s" fill="%s">`+"\n",
		chartWidth, chartNum(height), id, id, chartFont, chartInk)
	c.printf(`<title id="%s-title">%s</title>`+"\n", id, chartEscape(title))
	c.printf(`<desc id="%s-desc">%s</desc>`+"\n", id, chartEscape(desc))
	c.rect(0, 0, chartWidth, height, `fill="#ffffff"`)
	c.text(16, 30, `font-size="18" font-weight="700"`, chartTruncate(title, chartTitleMax))
	return c
}

func (c *chartSVG) printf(format string, args ...any) { fmt.Fprintf(&c.b, format, args...) }

// text draws s (escaped) with its baseline at y.
func (c *chartSVG) text(x, y float64, attrs, s string) {
	c.printf(`<text x="%s" y="%s" %s>%s</text>`+"\n", chartNum(x), chartNum(y), attrs, chartEscape(s))
}

func (c *chartSVG) line(x1, y1, x2, y2 float64, attrs string) {
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`+"\n",
		chartNum(x1), chartNum(y1), chartNum(x2), chartNum(y2), attrs)
}

func (c *chartSVG) rect(x, y, w, h float64, attrs string) {
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" %s/>`+"\n",
		chartNum(x), chartNum(y), chartNum(w), chartNum(h), attrs)
}

// done closes the document and returns it.
func (c *chartSVG) done() []byte {
	c.printf("</svg>\n")
	return c.b.Bytes()
}

// chartEscape escapes s for XML text and attribute values; characters XML
// cannot carry at all become U+FFFD, so the document stays well-formed
// whatever a judge's name contains.
func chartEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder never fail
	return b.String()
}

// chartNum formats a coordinate with at most two decimals and no "-0".
func chartNum(v float64) string {
	r := math.Round(v*100) / 100
	if r == 0 {
		return "0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// chartSeverity formats a severity with a sign and two decimals, as shown on
// the results pages: "+0.45", "-1.20", and "0.00" for anything that rounds
// to zero.
func chartSeverity(v float64) string {
	r := math.Round(v*100) / 100
	if r == 0 {
		return "0.00"
	}
	return fmt.Sprintf("%+.2f", r)
}

// chartTruncate collapses runs of white space in s and cuts it to at most
// limit display columns, ending in "…" when cut. East Asian wide characters
// count as two columns, so a Chinese name is cut at about the same width as
// a Latin one.
func chartTruncate(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	width := 0
	for _, r := range s {
		width += chartRuneWidth(r)
	}
	if width <= limit {
		return s
	}
	var b strings.Builder
	width = 1 // the ellipsis
	for _, r := range s {
		w := chartRuneWidth(r)
		if width+w > limit {
			break
		}
		width += w
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ") + "…"
}

// chartRuneWidth is the columns r takes in a label: 2 for East Asian wide
// characters, 1 otherwise.
func chartRuneWidth(r rune) int {
	if sheet.IsWide(r) {
		return 2
	}
	return 1
}

// chartStep is the gridline spacing for a count axis up to highest: the least
// of 1, 2, 5, 10, 20, 50, … that needs at most five steps.
func chartStep(highest int) int {
	for mag := 1; ; mag *= 10 {
		for _, m := range [...]int{1, 2, 5} {
			if step := m * mag; step*5 >= highest || step > math.MaxInt/10 {
				return step
			}
		}
	}
}

// translator gives a chart's fixed words in the reader's language (a
// page's T); nil means English.
type translator func(key string, args ...any) string

// englishCatalog is the pages' English catalog, for charts drawn without a
// translator.
var englishCatalog = sync.OnceValue(func() map[string]string {
	cat, err := loadCatalog("en")
	if err != nil {
		panic(err) // the embedded catalogs are checked by the tests and at start
	}
	return cat
})

func (tr translator) say(key string, args ...any) string {
	if tr == nil {
		return pageData{cat: englishCatalog()}.T(key, args...)
	}
	return tr(key, args...)
}

// scoreDistributionSVG draws a bar chart of how often each judgement score
// 0, 1, 2, 3 was given in a skill (WorldSkills: judgement scores are 0–3):
// counts[i] is the number of scores i; a negative count is drawn as 0. Each
// score given at least once gets a bar labelled with its count and share;
// with no scores at all the axes are drawn empty with a note. title is shown
// on top, already localised by the caller, and is escaped here.
func scoreDistributionSVG(title string, counts [4]int, tr translator) []byte {
	say := tr.say
	const (
		height                   = 360.0
		left, right, top, bottom = 72.0, 624.0, 64.0, 290.0
		slot                     = (right - left) / 4
		barWidth                 = 84.0
	)
	total, highest := 0, 0
	for i, n := range counts {
		if n < 0 {
			counts[i] = 0
			n = 0
		}
		total += n
		if n > highest {
			highest = n
		}
	}
	share := func(n int) int { return (200*n + total) / (2 * total) } // percent, half up

	var desc strings.Builder
	desc.WriteString(say("chart.scores.desc") + " ")
	if total == 0 {
		desc.WriteString(say("chart.scores.none"))
	} else {
		for i, n := range counts {
			desc.WriteString(say("chart.scores.item", i, n, share(n)) + " ")
		}
		desc.WriteString(say("chart.scores.total", total))
	}

	c := newChartSVG("score-dist", height, title, desc.String())

	// Count axis with gridlines; an empty chart shows only the zero.
	step, axisTop := 1, 1
	if total > 0 {
		step = chartStep(highest)
		axisTop = (highest + step - 1) / step * step
	}
	y := func(n int) float64 { return bottom - float64(n)/float64(axisTop)*(bottom-top) }
	for v := 0; v <= axisTop && (total > 0 || v == 0); v += step {
		if v > 0 {
			c.line(left, y(v), right, y(v), `stroke="`+chartGrid+`" stroke-width="1"`)
		}
		c.text(left-8, y(v)+5, `font-size="14" text-anchor="end"`, strconv.Itoa(v))
	}
	c.text(22, (top+bottom)/2, fmt.Sprintf(`font-size="14" text-anchor="middle" transform="rotate(-90 22 %s)"`, chartNum((top+bottom)/2)), say("chart.scores.count"))

	for i, n := range counts {
		mid := left + slot*(float64(i)+0.5)
		if n > 0 {
			c.rect(mid-barWidth/2, y(n), barWidth, bottom-y(n),
				fmt.Sprintf(`class="bar" data-score="%d" fill="%s"`, i, chartBarFill))
		}
		if total > 0 {
			c.text(mid, y(n)-8, `font-size="15" font-weight="700" text-anchor="middle"`,
				fmt.Sprintf("%d (%d%%)", n, share(n)))
		}
		c.text(mid, bottom+24, `font-size="16" font-weight="700" text-anchor="middle"`, strconv.Itoa(i))
	}
	c.text((left+right)/2, bottom+54, `font-size="14" text-anchor="middle"`, say("chart.scores.axis"))
	if total == 0 {
		c.text((left+right)/2, (top+bottom)/2, `font-size="16" text-anchor="middle" fill="`+chartMuted+`"`, say("chart.scores.none"))
	}

	c.line(left, top-8, left, bottom, `stroke="`+chartInk+`" stroke-width="1.5"`)
	c.line(left, bottom, right, bottom, `stroke="`+chartInk+`" stroke-width="1.5"`)
	return c.done()
}

// severityBar is one judge's severity for the chart.
type severityBar struct {
	// Label names the judge (a display name, possibly in Chinese); it is
	// escaped, and cut with "…" when long.
	Label string
	// Severity is the judge's mean deviation from their panels' means, in
	// score points (scoring.JudgeSeverity): positive is lenient, negative
	// severe. NaN and ±Inf are drawn as 0 and noted.
	Severity float64
	// Outlier marks a flagged judge: drawn in a distinct colour and noted
	// in words.
	Outlier bool
}

// judgeSeveritySVG draws a horizontal diverging bar chart of judge severity
// (DESIGN §6, judge analytics): one row per judge, a zero line in the
// middle, lenient judges to the right and severe ones to the left, and
// dashed lines at ±threshold, the outlier threshold. The scale reaches
// max(|severity|, threshold) so the threshold lines always show; a
// threshold that is not a positive finite number is not drawn. Outliers are
// drawn in another colour and also say "outlier" in words. title is shown
// on top, already localised by the caller, and is escaped here.
func judgeSeveritySVG(title string, bars []severityBar, threshold float64, tr translator) []byte {
	say := tr.say
	const (
		top, rowHeight, barHeight = 64.0, 30.0, 18.0
		labelRight                = 204.0 // judge labels end here
		x0, x1                    = 212.0, 532.0
		zero                      = (x0 + x1) / 2
		pad                       = 48.0     // room at each end for a value label
		noteX                     = x1 + 8.0 // notes ("outlier", "invalid") start here
	)
	hasThreshold := threshold > 0 && !math.IsInf(threshold, 0) // false for NaN too

	extent := 0.0
	if hasThreshold {
		extent = threshold
	}
	for _, b := range bars {
		if v := math.Abs(b.Severity); !math.IsNaN(v) && !math.IsInf(v, 0) && v > extent {
			extent = v
		}
	}
	if extent == 0 {
		extent = 1
	}
	scale := (zero - x0 - pad) / extent
	x := func(v float64) float64 { return zero + v*scale }

	rows := max(len(bars), 1)
	bottom := top + float64(rows)*rowHeight
	height := bottom + 78

	var desc strings.Builder
	desc.WriteString(say("chart.severity.desc") + " ")
	if hasThreshold {
		desc.WriteString(say("chart.severity.threshold", threshold) + " ")
	} else {
		desc.WriteString(say("chart.severity.nothreshold") + " ")
	}
	switch len(bars) {
	case 0:
		desc.WriteString(say("chart.severity.none"))
	case 1:
		desc.WriteString(say("chart.severity.one") + " ")
	default:
		desc.WriteString(say("chart.severity.many", len(bars)) + " ")
	}
	outlier, invalidNote := say("chart.severity.outlier"), say("chart.severity.invalid")

	type row struct {
		label, value string
		notes        []string
		severity     float64
		outlier      bool
	}
	list := make([]row, len(bars))
	for i, b := range bars {
		r := row{label: strings.Join(strings.Fields(b.Label), " "), severity: b.Severity, outlier: b.Outlier}
		if r.outlier {
			r.notes = append(r.notes, outlier)
		}
		invalid := math.IsNaN(r.severity) || math.IsInf(r.severity, 0)
		if invalid {
			r.severity = 0
			r.notes = append(r.notes, invalidNote)
		}
		r.value = chartSeverity(r.severity)
		list[i] = r
		fmt.Fprintf(&desc, "%s: %s", r.label, r.value)
		if r.outlier {
			desc.WriteString(", " + outlier)
		}
		if invalid {
			desc.WriteString(", " + say("chart.severity.invaliddesc"))
		}
		desc.WriteString(". ")
	}

	c := newChartSVG("severity", height, title, strings.TrimSpace(desc.String()))

	// Back to front: row stripes, threshold lines, rows, zero line, so
	// that bars and their labels sit on top of the dashed lines.
	rowTop := func(i int) float64 { return top + float64(i)*rowHeight }
	for i := 1; i < len(list); i += 2 {
		c.rect(0, rowTop(i), chartWidth, rowHeight, `fill="`+chartStripe+`"`)
	}
	type tick struct {
		v     float64
		label string
	}
	ticks := []tick{{0, "0"}}
	if hasThreshold {
		dash := `stroke="` + chartMuted + `" stroke-width="1.5" stroke-dasharray="6 4"`
		for _, v := range []float64{-threshold, threshold} {
			c.line(x(v), top-6, x(v), bottom, dash)
			ticks = append(ticks, tick{v, chartSeverity(v)})
		}
	}

	for i, r := range list {
		mid := rowTop(i) + rowHeight/2
		background := "#ffffff"
		if i%2 == 1 {
			background = chartStripe
		}
		tip := r.label + ": " + r.value
		if len(r.notes) > 0 {
			tip += " (" + strings.Join(r.notes, ", ") + ")"
		}
		c.printf(`<g class="row"><title>%s</title>`+"\n", chartEscape(tip))
		c.text(labelRight, mid+5, `font-size="13" text-anchor="end"`, chartTruncate(r.label, chartLabelMax))

		fill, class, stroke := chartBarFill, "bar", ""
		if r.outlier {
			fill, class, stroke = chartOutFill, "bar outlier", ` stroke="`+chartInk+`" stroke-width="1.5"`
		}
		end := x(r.severity)
		c.rect(math.Min(zero, end), mid-barHeight/2, math.Abs(end-zero), barHeight,
			fmt.Sprintf(`class="%s" fill="%s"%s`, class, fill, stroke))
		// A halo in the row's colour keeps the value readable where a
		// threshold line runs behind it.
		value := `font-size="13" font-weight="700" paint-order="stroke" stroke="` + background + `" stroke-width="4" stroke-linejoin="round"`
		if r.severity < 0 && r.value != "0.00" {
			c.text(end-5, mid+5, value+` text-anchor="end"`, r.value)
		} else {
			c.text(end+5, mid+5, value, r.value)
		}
		// One note sits on the row's middle; two are stacked.
		for j, note := range r.notes {
			y := mid + 5 + (float64(j)-float64(len(r.notes)-1)/2)*13
			noteFill := chartMuted
			if note == outlier {
				noteFill = chartOutFill
			}
			c.text(noteX, y, `class="note" font-size="12" font-weight="700" fill="`+noteFill+`"`, note)
		}
		c.printf("</g>\n")
	}
	// Axis below the rows; label the ends of the scale unless they would
	// crowd a threshold label.
	if !hasThreshold || (extent-threshold)*scale >= 52 {
		ticks = append(ticks, tick{-extent, chartSeverity(-extent)}, tick{extent, chartSeverity(extent)})
	}
	c.line(x0+pad, bottom, x1-pad, bottom, `stroke="`+chartInk+`" stroke-width="1.5"`)
	for _, t := range ticks {
		c.line(x(t.v), bottom, x(t.v), bottom+5, `stroke="`+chartInk+`" stroke-width="1.5"`)
		c.text(x(t.v), bottom+20, `font-size="13" text-anchor="middle"`, t.label)
	}
	c.line(zero, top-6, zero, bottom, `stroke="`+chartInk+`" stroke-width="2"`)
	if len(bars) == 0 {
		c.text(zero, top+rowHeight/2+4, `font-size="16" text-anchor="middle" fill="`+chartMuted+`" paint-order="stroke" stroke="#ffffff" stroke-width="6"`, say("chart.severity.none"))
	}

	c.text(x0, bottom+42, `font-size="14"`, say("chart.severity.severe"))
	c.text(x1, bottom+42, `font-size="14" text-anchor="end"`, say("chart.severity.lenient"))
	legend := say("chart.severity.legend")
	if hasThreshold {
		legend += " " + say("chart.severity.legendthreshold", threshold)
	}
	c.text(16, bottom+66, `font-size="13" fill="`+chartMuted+`"`, legend)
	return c.done()
}
