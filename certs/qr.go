package certs

import (
	"fmt"
	"strings"
)

// qrSymbol is a QR code (ISO/IEC 18004) as its matrix of modules, drawn as
// vector squares: sharp at any print size, and no image to embed. The
// matrix comes from encodeQRM (qrencode.go), which the tests hold to
// github.com/boombuler/barcode's output; fpdf's own contrib/barcode is not
// used, as it keeps every code it ever made in a global map.
type qrSymbol struct {
	size int    // modules per side, without the quiet zone
	dark []bool // row by row, from the top left
}

// qrQuietZone is the light margin scanners need around a symbol, in
// modules (ISO/IEC 18004: 4).
const qrQuietZone = 4

// isDark reports whether the module in column x, row y is dark.
func (q *qrSymbol) isDark(x, y int) bool { return q.dark[y*q.size+x] }

// moduleRect is a rectangle of dark modules, in modules from the symbol's
// top-left corner.
type moduleRect struct{ x, y, w, h int }

// rects covers exactly the dark modules with a few rectangles: each row's
// runs of dark modules, a run merged with the same run (same columns) in the
// rows right below it. A version-4 symbol takes about 250 rectangles instead
// of about 550 modules.
func (q *qrSymbol) rects() []moduleRect {
	var out []moduleRect
	open := map[[2]int]int{} // a run (x, w) of the previous row → its rectangle in out
	for y := range q.size {
		next := map[[2]int]int{}
		for x := 0; x < q.size; {
			if !q.isDark(x, y) {
				x++
				continue
			}
			start := x
			for x < q.size && q.isDark(x, y) {
				x++
			}
			run := [2]int{start, x - start}
			if i, ok := open[run]; ok {
				out[i].h++
				next[run] = i
			} else {
				out = append(out, moduleRect{x: start, y: y, w: x - start, h: 1})
				next[run] = len(out) - 1
			}
		}
		open = next
	}
	return out
}

// qr draws q with its top-left corner at (x, y), side mm wide without the
// quiet zone, which the caller keeps clear. The modules are one filled path
// of rectangles, so that no viewer shows seams between them, written in
// module units under a transformation matrix: "3 5 2 1 re" per rectangle,
// a third of what fpdf's MoveTo and LineTo in page units would write.
func (c *canvas) qr(x, y, side float64, q *qrSymbol) {
	if !c.drawing() {
		return
	}
	p := c.pdf
	k := p.GetConversionRatio() // points per mm
	_, pageH := p.GetPageSize()
	m := side / float64(q.size) * k
	p.SetFillColor(black.r, black.g, black.b)
	var b strings.Builder
	// PDF's y axis points up: the matrix flips it, so that module rows count
	// downwards from the symbol's top edge.
	fmt.Fprintf(&b, "q %.4f 0 0 %.4f %.4f %.4f cm\n", m, -m, x*k, (pageH-y)*k)
	for _, r := range q.rects() {
		fmt.Fprintf(&b, "%d %d %d %d re\n", r.x, r.y, r.w, r.h)
	}
	b.WriteString("f Q")
	p.RawWriteStr(b.String())
}
