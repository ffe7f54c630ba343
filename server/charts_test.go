package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// chartNode is an element of a parsed chart, enough to check structure.
type chartNode struct {
	name     string
	attr     map[string]string
	children []*chartNode
	text     string // character data directly inside the element
}

// parseChart parses svg strictly as XML and returns its root element; it
// fails the test when the document is not well-formed.
func parseChart(t *testing.T, svg []byte) *chartNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var root *chartNode
	var stack []*chartNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &chartNode{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatalf("more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil || root.name != "svg" {
		t.Fatalf("root element is not <svg>:\n%s", svg)
	}
	return root
}

// all returns n and its descendants, in document order, that satisfy keep.
func (n *chartNode) all(keep func(*chartNode) bool) []*chartNode {
	var out []*chartNode
	if keep(n) {
		out = append(out, n)
	}
	for _, c := range n.children {
		out = append(out, c.all(keep)...)
	}
	return out
}

// allText joins the text of every <text> element under n.
func (n *chartNode) allText() string {
	var b strings.Builder
	for _, e := range n.all(func(e *chartNode) bool { return e.name == "text" }) {
		b.WriteString(e.text)
		b.WriteString("\n")
	}
	return b.String()
}

// bars returns the bar rectangles of a chart.
func (n *chartNode) bars() []*chartNode {
	return n.all(func(e *chartNode) bool {
		return e.name == "rect" && strings.Contains(" "+e.attr["class"]+" ", " bar ")
	})
}

// checkAccessible checks the root's accessibility wiring and returns the
// texts of the <title> and <desc> it points at.
func checkAccessible(t *testing.T, root *chartNode) (title, desc string) {
	t.Helper()
	if got := root.attr["role"]; got != "img" {
		t.Errorf("role=%q, want img", got)
	}
	if got := root.attr["width"]; got != "100%" {
		t.Errorf("width=%q, want 100%%", got)
	}
	ids := strings.Fields(root.attr["aria-labelledby"])
	if len(ids) != 2 {
		t.Fatalf("aria-labelledby=%q, want the ids of <title> and <desc>", root.attr["aria-labelledby"])
	}
	byID := map[string]*chartNode{}
	for _, c := range root.children {
		if id := c.attr["id"]; id != "" {
			byID[id] = c
		}
	}
	tn, dn := byID[ids[0]], byID[ids[1]]
	if tn == nil || tn.name != "title" || dn == nil || dn.name != "desc" {
		t.Fatalf("aria-labelledby=%q does not point at a child <title> and <desc>", root.attr["aria-labelledby"])
	}
	return tn.text, dn.text
}

const chartHostileTitle = `評分分佈 <script>alert("x")</script> & "quotes"`

func TestScoreDistributionSVG(t *testing.T) {
	tests := []struct {
		name     string
		counts   [4]int
		bars     int
		descHas  []string
		textHas  []string
		emptyMsg bool
	}{
		{"all scores", [4]int{3, 12, 10, 5}, 4,
			[]string{"Score 0: 3 (10%)", "Score 1: 12 (40%)", "Score 2: 10 (33%)", "Score 3: 5 (17%)", "Total: 30 scores"},
			[]string{"12 (40%)", "0\n", "3\n"}, false},
		{"gaps", [4]int{0, 7, 0, 1}, 2, []string{"Score 0: 0 (0%)", "Score 1: 7 (88%)"}, []string{"0 (0%)", "7 (88%)"}, false},
		{"one score", [4]int{0, 0, 0, 1}, 1, []string{"Score 3: 1 (100%)"}, nil, false},
		{"all zero", [4]int{}, 0, []string{"No scores yet"}, []string{"No scores yet", "Judgement score"}, true},
		{"negative counts are zero", [4]int{-5, 2, -1, 0}, 1, []string{"Score 0: 0 (0%)", "Total: 2 scores"}, nil, false},
		{"large counts", [4]int{1e9, 2e9, 3e9, 4e9}, 4, []string{"Total: 10000000000 scores"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := scoreDistributionSVG("Scores", tt.counts, nil)
			root := parseChart(t, svg)
			_, desc := checkAccessible(t, root)
			if got := len(root.bars()); got != tt.bars {
				t.Errorf("bars=%d, want %d", got, tt.bars)
			}
			for _, want := range tt.descHas {
				if !strings.Contains(desc, want) {
					t.Errorf("desc=%q, want it to contain %q", desc, want)
				}
			}
			text := root.allText()
			for _, want := range tt.textHas {
				if !strings.Contains(text, want) {
					t.Errorf("text=%q, want it to contain %q", text, want)
				}
			}
			if got := strings.Contains(text, "No scores yet"); got != tt.emptyMsg {
				t.Errorf("no-scores note shown=%v, want %v", got, tt.emptyMsg)
			}
		})
	}
}

func TestScoreDistributionSVGBarHeights(t *testing.T) {
	root := parseChart(t, scoreDistributionSVG("Scores", [4]int{2, 4, 0, 1}, nil))
	heights := map[string]string{}
	for _, b := range root.bars() {
		heights[b.attr["data-score"]] = b.attr["height"]
	}
	// The axis runs to 4 in steps of 1, over 226 units of height.
	want := map[string]string{"0": "113", "1": "226", "3": "56.5"}
	for score, h := range want {
		if heights[score] != h {
			t.Errorf("bar for score %s: height=%q, want %q", score, heights[score], h)
		}
	}
}

func TestChartTitleEscaped(t *testing.T) {
	charts := map[string][]byte{
		"scores":   scoreDistributionSVG(chartHostileTitle, [4]int{1, 2, 3, 4}, nil),
		"severity": judgeSeveritySVG(chartHostileTitle, []severityBar{{Label: "<script>", Severity: 0.3}}, 0.5, nil),
	}
	for name, svg := range charts {
		t.Run(name, func(t *testing.T) {
			if bytes.Contains(svg, []byte("<script")) {
				t.Fatalf("raw <script appears in output:\n%s", svg)
			}
			root := parseChart(t, svg)
			title, _ := checkAccessible(t, root)
			if title != chartHostileTitle {
				t.Errorf("title=%q, want %q", title, chartHostileTitle)
			}
			if text := root.allText(); !strings.Contains(text, chartHostileTitle) {
				t.Errorf("visible text=%q, want the title %q", text, chartHostileTitle)
			}
			if !bytes.Contains(svg, []byte("評分分佈 &lt;script&gt;")) {
				t.Errorf("escaped title not found in output:\n%s", svg)
			}
		})
	}
}

func TestJudgeSeveritySVG(t *testing.T) {
	long := "Dr. Bartholomew Featherstonehaugh-Worthington"
	tests := []struct {
		name      string
		bars      []severityBar
		threshold float64
		dashed    int // threshold lines
		descHas   []string
		textHas   []string
	}{
		{"mixed", []severityBar{
			{Label: "陳大文", Severity: 0.12},
			{Label: "CHAN Tai Man", Severity: -0.8, Outlier: true},
			{Label: "李小明", Severity: 0.004},
			{Label: "LI Xiaoming", Severity: 0.61, Outlier: true},
		}, 0.5, 2,
			[]string{"4 judges", "±0.50", "陳大文: +0.12", "CHAN Tai Man: -0.80, outlier", "李小明: 0.00", "LI Xiaoming: +0.61, outlier"},
			[]string{"+0.12", "-0.80", "0.00", "+0.61", "-0.50", "+0.50", "more lenient"}},
		{"no judges", nil, 0.5, 2, []string{"No judges yet"}, []string{"No judges yet"}},
		{"invalid severities", []severityBar{
			{Label: "nan", Severity: math.NaN()},
			{Label: "inf", Severity: math.Inf(1), Outlier: true},
			{Label: "-inf", Severity: math.Inf(-1)},
		}, 0.5, 2,
			[]string{"nan: 0.00, no valid value, shown as 0", "inf: 0.00, outlier, no valid value", "-inf: 0.00, no valid value"},
			[]string{"invalid\n", "outlier\ninvalid\n"}},
		{"beyond threshold", []severityBar{{Label: "a", Severity: 2.5}, {Label: "b", Severity: -1}}, 0.5, 2,
			[]string{"a: +2.50"}, []string{"+2.50", "-2.50"}},
		{"no threshold", []severityBar{{Label: "a", Severity: 0.2}}, 0, 0, []string{"No outlier threshold", "1 judge."}, []string{"+0.20"}},
		{"NaN threshold", []severityBar{{Label: "a", Severity: 0}}, math.NaN(), 0, []string{"No outlier threshold"}, []string{"+1.00"}},
		{"negative threshold", []severityBar{{Label: "a", Severity: -0.3}}, -1, 0, []string{"a: -0.30"}, nil},
		{"long label", []severityBar{{Label: long, Severity: 0.1}}, 0.5, 2, []string{long}, []string{"Dr. Bartholomew Feather…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := judgeSeveritySVG("Severity", tt.bars, tt.threshold, nil)
			root := parseChart(t, svg)
			_, desc := checkAccessible(t, root)
			if got := len(root.bars()); got != len(tt.bars) {
				t.Errorf("bars=%d, want %d", got, len(tt.bars))
			}
			dashed := root.all(func(e *chartNode) bool { return e.name == "line" && e.attr["stroke-dasharray"] != "" })
			if len(dashed) != tt.dashed {
				t.Errorf("dashed lines=%d, want %d", len(dashed), tt.dashed)
			}
			for _, want := range tt.descHas {
				if !strings.Contains(desc, want) {
					t.Errorf("desc=%q, want it to contain %q", desc, want)
				}
			}
			text := root.allText()
			for _, want := range tt.textHas {
				if !strings.Contains(text, want) {
					t.Errorf("text=%q, want it to contain %q", text, want)
				}
			}
			rows := root.all(func(e *chartNode) bool { return e.name == "g" && e.attr["class"] == "row" })
			for i, row := range rows {
				if len(row.children) == 0 || row.children[0].name != "title" || !strings.HasPrefix(row.children[0].text, tt.bars[i].Label+": ") {
					t.Errorf("row %d: want a <title> starting with the full label %q", i, tt.bars[i].Label)
				}
			}
			for _, b := range root.bars() {
				for _, k := range []string{"x", "y", "width", "height"} {
					if v := b.attr[k]; v == "" || strings.Contains(v, "NaN") || strings.Contains(v, "Inf") || strings.HasPrefix(v, "-") && k != "x" {
						t.Errorf("bar %s=%q", k, v)
					}
				}
			}
		})
	}
}

func TestJudgeSeveritySVGOutliersNoted(t *testing.T) {
	bars := []severityBar{
		{Label: "A", Severity: 0.1},
		{Label: "B", Severity: -0.9, Outlier: true},
		{Label: "C", Severity: 0.7, Outlier: true},
		{Label: "D", Severity: -0.2},
	}
	root := parseChart(t, judgeSeveritySVG("Severity", bars, 0.5, nil))
	rows := root.all(func(e *chartNode) bool { return e.name == "g" && e.attr["class"] == "row" })
	if len(rows) != len(bars) {
		t.Fatalf("rows=%d, want %d", len(rows), len(bars))
	}
	fills := map[bool]map[string]bool{false: {}, true: {}}
	for i, row := range rows {
		b := row.bars()
		if len(b) != 1 {
			t.Fatalf("row %d: bars=%d, want 1", i, len(b))
		}
		outlierClass := strings.Contains(b[0].attr["class"], "outlier")
		note := strings.Contains(row.allText(), "outlier")
		if outlierClass != bars[i].Outlier || note != bars[i].Outlier {
			t.Errorf("row %d (%s): outlier class=%v, note=%v, want both %v", i, bars[i].Label, outlierClass, note, bars[i].Outlier)
		}
		fills[bars[i].Outlier][b[0].attr["fill"]] = true
	}
	for fill := range fills[true] {
		if fills[false][fill] {
			t.Errorf("outliers and other judges share the fill %q", fill)
		}
	}
	// Bars point away from the zero line: the lenient bar starts where the
	// severe one ends.
	posLo := parseChartFloat(t, rows[0].bars()[0].attr["x"])
	negHi := parseChartFloat(t, rows[1].bars()[0].attr["x"]) + parseChartFloat(t, rows[1].bars()[0].attr["width"])
	if posLo != negHi {
		t.Errorf("lenient bar starts at %v, severe bar ends at %v: want both at the zero line", posLo, negHi)
	}
}

func parseChartFloat(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if err := xml.Unmarshal([]byte("<v>"+s+"</v>"), &v); err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

func TestChartsDeterministic(t *testing.T) {
	bars := []severityBar{{Label: "陳大文", Severity: 0.25}, {Label: "B", Severity: math.NaN(), Outlier: true}}
	if a, b := scoreDistributionSVG("t", [4]int{1, 2, 3, 4}, nil), scoreDistributionSVG("t", [4]int{1, 2, 3, 4}, nil); !bytes.Equal(a, b) {
		t.Errorf("scoreDistributionSVG differs between two calls")
	}
	if a, b := judgeSeveritySVG("t", bars, 0.5, nil), judgeSeveritySVG("t", bars, 0.5, nil); !bytes.Equal(a, b) {
		t.Errorf("judgeSeveritySVG differs between two calls")
	}
	// Different charts get different ids, so both can be inlined in a page.
	a := parseChart(t, scoreDistributionSVG("t", [4]int{1, 2, 3, 4}, nil))
	b := parseChart(t, scoreDistributionSVG("t", [4]int{1, 2, 3, 5}, nil))
	if a.attr["aria-labelledby"] == b.attr["aria-labelledby"] {
		t.Errorf("two different charts share ids %q", a.attr["aria-labelledby"])
	}
}

func TestChartTruncate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"exactly twenty-four cols", "exactly twenty-four cols"},
		{"exactly twenty-five cols!", "exactly twenty-five col…"},
		{"  spaced \n\t out  ", "spaced out"},
		{"陳大文", "陳大文"},
		{"一二三四五六七八九十一二", "一二三四五六七八九十一二"},                          // 24 columns
		{"一二三四五六七八九十一二三", "一二三四五六七八九十一…"},                         // 26 columns
		{"abcdefghijklmnopqrstuvw 陳", "abcdefghijklmnopqrstuvw…"}, // the space is dropped before the ellipsis
	}
	for _, tt := range tests {
		if got := chartTruncate(tt.in, chartLabelMax); got != tt.want {
			t.Errorf("chartTruncate(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestChartInvalidXMLCharacters(t *testing.T) {
	svg := judgeSeveritySVG("a\x00b\x1bc", []severityBar{{Label: "x\x07y\ufffe", Severity: 1}}, 0.5, nil)
	parseChart(t, svg)
}

// TestChartExamples renders a realistic example of each chart, and of each
// empty chart, checks each is well-formed and writes them to a temporary
// directory — or to the directory CHARTS_OUT names, for a person to look at,
// together with PNGs when rsvg-convert is installed there.
func TestChartExamples(t *testing.T) {
	dir := os.Getenv("CHARTS_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	examples := map[string][]byte{
		"chart-scores": scoreDistributionSVG("評分分佈 Score distribution — 機電一體化 Mechatronics", [4]int{14, 52, 61, 23}, nil),
		"chart-severity": judgeSeveritySVG("評判寬嚴度 Judge severity", []severityBar{
			{Label: "陳大文", Severity: 0.12},
			{Label: "CHAN Tai Man", Severity: -0.83, Outlier: true},
			{Label: "李小明", Severity: 0.31},
			{Label: "Dr. Bartholomew Featherstonehaugh-Worthington", Severity: -0.27},
			{Label: "歐陽志明（香港專業教育學院）評判長", Severity: 0.64, Outlier: true},
			{Label: "WONG Ka Yan", Severity: math.NaN()},
			{Label: "Zero", Severity: 0},
		}, 0.5, nil),
		"chart-scores-empty":   scoreDistributionSVG("Score distribution", [4]int{}, nil),
		"chart-severity-empty": judgeSeveritySVG("Judge severity", nil, 0.5, nil),
	}
	convert, _ := exec.LookPath("rsvg-convert")
	for name, svg := range examples {
		parseChart(t, svg)
		base := filepath.Join(dir, name)
		if err := os.WriteFile(base+".svg", svg, 0o644); err != nil {
			t.Fatal(err)
		}
		if convert == "" || os.Getenv("CHARTS_OUT") == "" {
			continue
		}
		if out, err := exec.Command(convert, "-w", "1280", "-o", base+".png", base+".svg").CombinedOutput(); err != nil {
			t.Errorf("rsvg-convert %s.svg: %v\n%s", base, err, out)
		}
	}
}
