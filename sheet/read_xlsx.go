package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Unpacking limits passed to excelize, against ZIP bombs: the whole workbook
// may unpack to at most xlsxUnzipLimit bytes, and a worksheet larger than
// xlsxXMLLimit is streamed from a temporary file instead of memory.
const (
	xlsxUnzipLimit = 64 << 20
	xlsxXMLLimit   = 16 << 20
)

var errBadXLSX = errors.New("the file could not be read as an Excel .xlsx workbook; open it in Excel, save it again as .xlsx (or as CSV UTF-8) and upload it again")

// readXLSX feeds the rows of the first visible worksheet of an XLSX workbook
// to b.
func readXLSX(data []byte, b *builder) (err error) {
	if len(data) == 0 {
		return nil // reported as an empty file by the builder
	}
	// excelize parses untrusted input; a panic in it must not take the
	// server down, and is reported like any other unreadable workbook.
	defer func() {
		if recover() != nil {
			err = errBadXLSX
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxXMLLimit,
	})
	if f != nil {
		defer func() { _ = f.Close() }()
	}
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return fmt.Errorf("the workbook is too large once unpacked (more than %d MB)", xlsxUnzipLimit>>20)
		}
		return errBadXLSX
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return errBadXLSX // a ZIP file, but not a workbook (e.g. a .docx)
	}
	sheet := ""
	for _, name := range sheets {
		if visible, err := f.GetSheetVisible(name); err == nil && visible {
			sheet = name
			break
		}
	}
	if sheet == "" {
		return errors.New("the workbook has no visible worksheet")
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return errBadXLSX
	}
	defer func() { _ = rows.Close() }()
	// Rows yields every row number in turn, empty rows included, so counting
	// calls to Next gives the row number the user sees in Excel.
	line := 0
	for rows.Next() {
		line++
		cells, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("row %d: the worksheet could not be read; save the workbook again in Excel and retry", line)
		}
		for i, c := range cells {
			if !utf8.ValidString(c) {
				cells[i] = strings.ToValidUTF8(c, "\uFFFD")
			}
		}
		if err := b.add(line, cells); err != nil {
			return err
		}
	}
	if rows.Error() != nil {
		return errBadXLSX
	}
	return nil
}
