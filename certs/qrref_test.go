package certs

import (
	"fmt"

	"github.com/boombuler/barcode/qr"
)

// encodeQR is the reference the tests hold encodeQRM to: boombuler's
// encoder at error correction level M, in the densest mode content allows.
func encodeQR(content string) (*qrSymbol, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("certs: QR code: %w", err)
	}
	b := code.Bounds()
	q := &qrSymbol{size: b.Dx(), dark: make([]bool, b.Dx()*b.Dx())}
	for y := range q.size {
		for x := range q.size {
			lum, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
			q.dark[y*q.size+x] = lum < 0x8000
		}
	}
	return q, nil
}
