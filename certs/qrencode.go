package certs

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

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
