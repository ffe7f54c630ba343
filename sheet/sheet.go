// Package sheet reads and writes the tabular files (CSV and XLSX) that
// organizers upload and download.
//
// Reading turns a file into a Table: a normalized header and one Row per
// non-empty data row, each remembering the line or row number the user sees
// in a text editor or in Excel, so that validation errors can point at it.
// Every error returned by this package is phrased for the person who uploaded
// the file: it never contains Go internals or server paths.
package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
)

// Format is a tabular file format.
type Format string

const (
	// CSV is comma-separated text (semicolon- and tab-separated text is
	// accepted on reading as well).
	CSV Format = "csv"
	// XLSX is an Office Open XML workbook, as saved by Excel 2007 and later.
	XLSX Format = "xlsx"
)

// Row is one data row of a table.
//
// Line is the 1-based line (CSV) or row number (XLSX) of the row as the user
// sees it in a text editor or in Excel; the header is usually line 1, so the
// first data row is normally 2. For a CSV record that spans several lines
// (a quoted cell containing line breaks) Line is the line the record starts on.
//
// Cells maps every name in the table's Header to the trimmed cell value; a
// cell missing from a short row is "".
type Row struct {
	Line  int
	Cells map[string]string
}

// Table is a parsed file.
//
// Header holds the normalized (trimmed, lower-cased, inner spaces replaced by
// '_') column names in file order. Columns without a header name and without
// any data are dropped, so every name in Header is non-empty and unique.
type Table struct {
	Header []string
	Rows   []Row
}

// Limits bound what Read accepts. A zero or negative field means the value
// from DefaultLimits is used, so Limits{} is never "unlimited".
type Limits struct {
	// MaxRows is the largest number of non-empty data rows (header excluded).
	MaxRows int
	// MaxCellBytes is the largest size of one trimmed cell, in bytes of UTF-8.
	MaxCellBytes int
	// MaxColumns is the largest number of columns a row may use.
	MaxColumns int
}

// DefaultLimits are the limits used for any field of Limits left at zero.
var DefaultLimits = Limits{MaxRows: 20000, MaxCellBytes: 4096, MaxColumns: 100}

// withDefaults fills zero or negative fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultLimits.MaxRows
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = DefaultLimits.MaxCellBytes
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = DefaultLimits.MaxColumns
	}
	return l
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	odsMark  = []byte("application/vnd.oasis.opendocument")
)

// sniffLen is how much of the head Detect looks at.
const sniffLen = 512

// Detect picks the format of an uploaded file from its first bytes (ideally
// at least 512 of them), falling back to the file name extension and content
// type hints only when the content does not decide (an empty head).
//
// A ZIP signature ("PK\x03\x04") means XLSX, text means CSV. Detect returns an
// error for a legacy Excel .xls file (OLE2 signature), an OpenDocument
// spreadsheet, UTF-16 text, HTML or XML documents, and anything else that is
// clearly binary (a NUL byte among the first 512 bytes). Note that browsers on
// Windows often send "application/vnd.ms-excel" for plain .csv files, so that
// content type alone never means .xls.
func Detect(head []byte, filename, contentType string) (Format, error) {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(filename, `\`, "/")))
	switch {
	case len(head) == 0:
		if ext == ".xlsx" || strings.Contains(strings.ToLower(contentType), "spreadsheetml") {
			return XLSX, nil
		}
		return CSV, nil
	case bytes.HasPrefix(head, zipMagic):
		if ext == ".ods" || bytes.Contains(head, odsMark) {
			return "", errors.New("this is an OpenDocument spreadsheet (.ods); save it as Excel .xlsx or as CSV UTF-8 and upload it again")
		}
		return XLSX, nil
	case bytes.HasPrefix(head, oleMagic):
		if ext == ".xlsx" {
			return "", errors.New("this workbook seems to be password-protected; remove the password, save it and upload it again")
		}
		return "", errors.New("this is an old Excel .xls file; open it in Excel, save it as .xlsx (Excel Workbook) or as CSV UTF-8, and upload it again")
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "", errors.New("this is UTF-16 (\"Unicode text\"); save the file as CSV UTF-8 or as .xlsx and upload it again")
	case bytes.IndexByte(head, 0) >= 0 || bytes.HasPrefix(head, []byte("%PDF")):
		return "", errors.New("this is not a CSV or Excel .xlsx file")
	}
	text := bytes.TrimLeftFunc(bytes.TrimPrefix(head, []byte(bom)), unicode.IsSpace)
	if len(text) > 0 && text[0] == '<' {
		return "", errors.New("this is a web page or XML document, not a CSV or Excel .xlsx file; open it in Excel and save it as .xlsx or as CSV UTF-8")
	}
	return CSV, nil
}

// Read parses data in the given format into a Table, enforcing lim (see
// Limits for how zero fields are treated).
//
// The header is the first non-empty row; completely empty rows are skipped;
// every value is trimmed of surrounding white space (Unicode spaces included).
// A file without any non-empty row is an error; a file with only a header
// gives a Table without rows.
func Read(data []byte, f Format, lim Limits) (*Table, error) {
	b := &builder{lim: lim.withDefaults(), unit: "line"}
	if f == XLSX {
		b.unit = "row"
	}
	var err error
	switch f {
	case CSV:
		err = readCSV(data, b)
	case XLSX:
		err = readXLSX(data, b)
	default:
		return nil, errors.New("unsupported file format; upload a CSV or Excel .xlsx file")
	}
	if err != nil {
		return nil, err
	}
	return b.table()
}

const bom = "\uFEFF"

// isBlank reports whether r should be trimmed from cell values: Unicode white
// space (including NBSP and the ideographic space U+3000) plus the invisible
// byte order mark and zero-width space that copy and paste tends to bring.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
}

// trimCell trims a cell value.
func trimCell(s string) string {
	return strings.TrimFunc(s, isBlank)
}

// normalizeName turns a header cell into a column name: trimmed, lower-cased,
// runs of inner white space replaced by a single '_'.
func normalizeName(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), isBlank), "_")
}

// colName returns the spreadsheet letter(s) of a 0-based column index
// (0 → "A", 26 → "AA").
func colName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// builder turns raw records into a Table: it finds the header, normalizes and
// checks it, skips empty rows and enforces the limits. Both readers feed it.
type builder struct {
	lim    Limits
	unit   string   // "line" (CSV) or "row" (XLSX), used in messages
	header bool     // the header row has been seen
	names  []string // normalized name per column index, "" when unnamed
	t      Table
}

// add handles one raw record found at the given line. It trims cells in place.
func (b *builder) add(line int, cells []string) error {
	width := 0
	for i, c := range cells {
		c = trimCell(c)
		cells[i] = c
		if len(c) > b.lim.MaxCellBytes {
			return fmt.Errorf("%s %d, column %s: the cell is longer than the limit of %d bytes", b.unit, line, colName(i), b.lim.MaxCellBytes)
		}
		if c != "" {
			width = i + 1
		}
	}
	if width == 0 {
		return nil // completely empty row
	}
	if width > b.lim.MaxColumns {
		return fmt.Errorf("%s %d: too many columns (%d); at most %d are allowed", b.unit, line, width, b.lim.MaxColumns)
	}
	if !b.header {
		return b.setHeader(line, cells[:width])
	}
	if len(b.t.Rows) >= b.lim.MaxRows {
		return fmt.Errorf("the file has more than %d data rows; split it into smaller files", b.lim.MaxRows)
	}
	if width > len(b.names) {
		if b.unit == "line" {
			// In CSV this is usually a separator inside an unquoted value.
			return fmt.Errorf("%s %d: the row has %d cells but the header has only %d columns; put values containing the separator in quotes", b.unit, line, width, len(b.names))
		}
		for i := len(b.names); i < width; i++ {
			if cells[i] != "" {
				return fmt.Errorf("%s %d: column %s has a value but no header name", b.unit, line, colName(i))
			}
		}
	}
	row := Row{Line: line, Cells: make(map[string]string, len(b.t.Header))}
	for i, name := range b.names {
		v := ""
		if i < width {
			v = cells[i]
		}
		if name == "" {
			if v != "" {
				return fmt.Errorf("%s %d: column %s has a value but no header name", b.unit, line, colName(i))
			}
			continue
		}
		row.Cells[name] = v
	}
	b.t.Rows = append(b.t.Rows, row)
	return nil
}

// setHeader records the header row (already cut to its last non-empty cell).
func (b *builder) setHeader(line int, cells []string) error {
	b.header = true
	b.names = make([]string, len(cells))
	seen := make(map[string]int, len(cells))
	for i, c := range cells {
		name := normalizeName(c)
		b.names[i] = name
		if name == "" {
			continue
		}
		if j, dup := seen[name]; dup {
			return fmt.Errorf("%s %d: columns %s and %s have the same header name %q; column names must be unique", b.unit, line, colName(j), colName(i), name)
		}
		seen[name] = i
		b.t.Header = append(b.t.Header, name)
	}
	return nil
}

// table returns the finished table.
func (b *builder) table() (*Table, error) {
	if !b.header {
		return nil, errors.New("the file is empty")
	}
	if b.t.Rows == nil {
		b.t.Rows = []Row{}
	}
	return &b.t, nil
}
