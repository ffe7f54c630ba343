package sheet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxSheetName is the name of the single worksheet Write creates.
const xlsxSheetName = "data"

// Column widths of written workbooks, in Excel character units.
const (
	minColWidth = 8
	maxColWidth = 60
)

// Write writes a table, header first and then rows, to w in the given format.
// Cells are written in the given column order; a row may be shorter than the
// header but not longer.
//
// CSV output starts with a UTF-8 byte order mark (so that Excel opens Chinese
// text correctly), uses commas and CRLF line ends, and prefixes with a single
// quote (') any cell that a spreadsheet could take for a formula: one starting
// with '=', '+', '-', '@', a tab or a carriage return, unless the whole cell is
// a plain number such as "-3" or "+2.5" (see the OWASP "CSV Injection" page).
// Reading such a file back returns the quote as part of the value.
// Line breaks inside cells (LF, CRLF or a lone CR) are all written as CRLF and
// read back as "\n".
//
// XLSX output has one worksheet named "data" with a bold, frozen header row
// and column widths fitted to the content. Every cell is an inline string, so
// nothing ever becomes a formula and no quote is added. Excel cannot hold more
// than 32767 characters in a cell; longer values are cut.
func Write(w io.Writer, f Format, header []string, rows [][]string) error {
	for i, r := range rows {
		if len(r) > len(header) {
			return fmt.Errorf("sheet: row %d has %d cells but the header has %d", i+1, len(r), len(header))
		}
	}
	switch f {
	case CSV:
		return writeCSV(w, header, rows)
	case XLSX:
		return writeXLSX(w, header, rows)
	}
	return fmt.Errorf("sheet: unsupported format %q", string(f))
}

// writeCSV writes header and rows as CSV UTF-8 with a BOM and CRLF.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, 0, len(header))
	write := func(cells []string) error {
		rec = rec[:0]
		for _, c := range cells {
			rec = append(rec, csvSafe(c))
		}
		return cw.Write(rec)
	}
	if err := write(header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvSafe defuses a cell that a spreadsheet program would evaluate as a
// formula by prefixing it with a single quote.
//
// It also turns every line break into "\n", which the CSV writer then writes
// as CRLF: encoding/csv would silently drop a lone carriage return.
func csvSafe(s string) string {
	if s == "" || isNumber(s) {
		return s
	}
	quote := false
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		quote = true
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	if quote {
		return "'" + s
	}
	return s
}

// isNumber reports whether s is a plain decimal number: an optional sign,
// digits, and optionally a dot followed by digits.
func isNumber(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	intPart, frac, dot := strings.Cut(s, ".")
	return allDigits(intPart) && (!dot || allDigits(frac))
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// writeXLSX writes header and rows as a one-sheet workbook.
func writeXLSX(w io.Writer, header []string, rows [][]string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", xlsxSheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(xlsxSheetName)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, width := range columnWidths(header, rows) {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		if err := sw.SetPanes(&excelize.Panes{
			Freeze:      true,
			YSplit:      1,
			TopLeftCell: "A2",
			ActivePane:  "bottomLeft",
		}); err != nil {
			return err
		}
	}
	vals := make([]any, len(header))
	for i, h := range header {
		vals[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", vals); err != nil {
		return err
	}
	for n, r := range rows {
		vals = vals[:len(r)]
		for i, c := range r {
			if c == "" {
				vals[i] = nil // no cell at all
			} else {
				vals[i] = c // a string value is always written as an inline string
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return errors.New("sheet: too many rows for an XLSX worksheet")
		}
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// columnWidths returns a width per header column that fits its longest line
// of text (CJK characters counting double), within sensible bounds.
func columnWidths(header []string, rows [][]string) []float64 {
	widths := make([]float64, len(header))
	fit := func(i int, s string) {
		if wd := float64(displayWidth(s) + 2); wd > widths[i] {
			widths[i] = min(wd, maxColWidth)
		}
	}
	for i, h := range header {
		widths[i] = minColWidth
		fit(i, h)
	}
	for _, r := range rows {
		for i, c := range r {
			fit(i, c)
		}
	}
	return widths
}

// displayWidth estimates how many character cells the longest line of s
// takes, counting East Asian wide characters as two. It stops counting at
// maxColWidth since wider columns are not used anyway.
func displayWidth(s string) int {
	longest, cur := 0, 0
	for _, r := range s {
		if r == '\n' {
			cur = 0
			continue
		}
		cur++
		if IsWide(r) {
			cur++
		}
		longest = max(longest, cur)
		if longest >= maxColWidth {
			break
		}
	}
	return longest
}

// IsWide reports whether r is an East Asian wide or full-width character
// (Hangul Jamo, CJK, Hangul syllables, full-width forms), which takes two
// columns in a spreadsheet cell or a chart label.
func IsWide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115F,
		r >= 0x2E80 && r <= 0xA4CF,
		r >= 0xAC00 && r <= 0xD7A3,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0xFE30 && r <= 0xFE4F,
		r >= 0xFF00 && r <= 0xFF60,
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x20000 && r <= 0x3FFFD:
		return true
	}
	return false
}
