package certs

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// specEncodedList is the encodedList of the spec's example status list
// credential (§2.2): 131,072 unset entries, as another implementation
// compressed them.
const specEncodedList = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"

// testListURL is the Guangdong demo issuer's revocation list.
const testListURL = "https://skills.example.org/status/gd-demo"

// randomStatusList returns a list of size entries with n random entries
// set (fewer if some repeat), from a fixed seed, and the set entries in
// increasing order.
func randomStatusList(t testing.TB, size, n int, seed uint64) (*StatusList, []int) {
	t.Helper()
	l, err := NewStatusList(size)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	var set []int
	for range n {
		i := r.IntN(size)
		if err := l.Set(i, true); err != nil {
			t.Fatal(err)
		}
		set = append(set, i)
	}
	slices.Sort(set)
	return l, slices.Compact(set)
}

// sampleStatusListCredential is a revocation list of the Guangdong demo
// issuer with some entries set.
func sampleStatusListCredential(t testing.TB) StatusListCredential {
	l, _ := randomStatusList(t, MinStatusListSize, 100, 7)
	return StatusListCredential{
		ID:         testListURL,
		Issuer:     "https://skills.example.org/issuers/gd-demo",
		Purpose:    StatusRevocation,
		ValidFrom:  testIssued,
		ValidUntil: testIssued.Add(24 * time.Hour),
		List:       l,
	}
}

// encodeRaw makes an encodedList of raw bytes with the standard library,
// not with Encode, for lists Encode would refuse to make.
func encodeRaw(t testing.TB, raw []byte) string {
	t.Helper()
	return "u" + base64.RawURLEncoding.EncodeToString(gzipBytes(t, raw))
}

// gzipBytes compresses raw into one gzip member.
func gzipBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gunzipEncoded expands an encodedList with the standard library alone,
// so that Encode's output is checked independently of DecodeStatusList.
func gunzipEncoded(t testing.TB, encoded string) []byte {
	t.Helper()
	compressed, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(encoded, "u"))
	if err != nil || !strings.HasPrefix(encoded, "u") {
		t.Fatalf("encodedList %.20q… is not u + base64url: %v", encoded, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// sameBits reports the first entry where a and b differ, or -1.
func sameBits(t testing.TB, a, b *StatusList) int {
	t.Helper()
	if a.Len() != b.Len() {
		t.Fatalf("Len = %d and %d", a.Len(), b.Len())
	}
	for i := range a.bits {
		if d := a.bits[i] ^ b.bits[i]; d != 0 {
			return 8*i + bits.LeadingZeros8(d)
		}
	}
	return -1
}

func TestStatusListRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		size, n int
	}{
		{"empty", MinStatusListSize, 0},
		{"one", MinStatusListSize, 1},
		{"10,000 set", MinStatusListSize, 10000},
		{"131,072 random draws", MinStatusListSize, MinStatusListSize},
		{"1,048,576 entries", 1 << 20, 5000},
		{"largest", MaxStatusListSize, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, set := randomStatusList(t, tt.size, tt.n, uint64(tt.size+tt.n))
			enc, err := l.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeStatusList(enc)
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != tt.size {
				t.Fatalf("Len = %d, want %d", got.Len(), tt.size)
			}
			for _, i := range set {
				if on, _ := got.Get(i); !on {
					t.Fatalf("entry %d unset after decoding, want set", i)
				}
			}
			if i := sameBits(t, l, got); i >= 0 {
				t.Fatalf("entry %d differs after decoding", i)
			}
			if again, _ := got.Encode(); again != enc {
				t.Error("encoding the decoded list gives another encodedList")
			}
		})
	}
}

func TestStatusListSetClear(t *testing.T) {
	l, set := randomStatusList(t, MinStatusListSize, 50, 3)
	for _, i := range set {
		if err := l.Set(i, false); err != nil {
			t.Fatal(err)
		}
		if on, _ := l.Get(i); on {
			t.Fatalf("entry %d still set after clearing", i)
		}
	}
	empty, _ := NewStatusList(MinStatusListSize)
	if i := sameBits(t, l, empty); i >= 0 {
		t.Fatalf("entry %d set after clearing every set entry", i)
	}
}

func TestStatusListBitOrder(t *testing.T) {
	last := MinStatusListSize - 1
	tests := []struct {
		index int
		at    int  // byte
		want  byte // its value
	}{
		{0, 0, 0x80}, // §2.2: index 0 is the left-most bit
		{1, 0, 0x40},
		{7, 0, 0x01},
		{8, 1, 0x80},
		{13, 1, 0x04},
		{last, last / 8, 0x01}, // the last index is the right-most bit
	}
	for _, tt := range tests {
		l, _ := NewStatusList(MinStatusListSize)
		if err := l.Set(tt.index, true); err != nil {
			t.Fatal(err)
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		raw := gunzipEncoded(t, enc)
		if len(raw) != MinStatusListSize/8 {
			t.Fatalf("bitstring of %d bytes, want %d", len(raw), MinStatusListSize/8)
		}
		for i, b := range raw {
			want := byte(0)
			if i == tt.at {
				want = tt.want
			}
			if b != want {
				t.Fatalf("index %d set: byte %d = %#02x, want %#02x", tt.index, i, b, want)
			}
		}
	}
}

func TestStatusListSpecExample(t *testing.T) {
	l, err := DecodeStatusList(specEncodedList)
	if err != nil {
		t.Fatal(err)
	}
	empty, _ := NewStatusList(MinStatusListSize)
	if i := sameBits(t, l, empty); i >= 0 {
		t.Fatalf("entry %d of the spec's empty list is set", i)
	}
}

func TestEmptyStatusListIsSmall(t *testing.T) {
	c := sampleStatusListCredential(t)
	c.List, _ = NewStatusList(MinStatusListSize)
	enc, err := c.List.Encode()
	if err != nil {
		t.Fatal(err)
	}
	key := testEdKey(1)
	jws, err := SignStatusList(c, key, testKID(t, key))
	if err != nil {
		t.Fatal(err)
	}
	// Measured with Go 1.26's compress/gzip: 75 and 804 bytes.
	if len(enc) > 100 || len(jws) > 1024 {
		t.Fatalf("empty 131,072-entry list: encodedList %d bytes (want ≤ 100), signed %d (want ≤ 1024)", len(enc), len(jws))
	}
}

func TestNewStatusListRefuses(t *testing.T) {
	for _, size := range []int{-MinStatusListSize, 0, 8, MinStatusListSize - 8, MinStatusListSize + 1,
		MinStatusListSize + 4, MaxStatusListSize + 8, 1 << 40} {
		if l, err := NewStatusList(size); !errors.Is(err, ErrInvalidStatusList) || l != nil {
			t.Errorf("NewStatusList(%d) = %v, %v; want ErrInvalidStatusList", size, l, err)
		}
	}
	for _, size := range []int{MinStatusListSize, MinStatusListSize + 8, MaxStatusListSize} {
		if l, err := NewStatusList(size); err != nil || l.Len() != size {
			t.Errorf("NewStatusList(%d) = %v, %v", size, l.Len(), err)
		}
	}
}

func TestStatusListIndexOutOfRange(t *testing.T) {
	l, _ := NewStatusList(MinStatusListSize)
	for _, i := range []int{-1, MinStatusListSize, MinStatusListSize + 7, 1 << 40} {
		if err := l.Set(i, true); err == nil {
			t.Errorf("Set(%d) succeeded", i)
		}
		if _, err := l.Get(i); err == nil {
			t.Errorf("Get(%d) succeeded", i)
		}
	}
	var none *StatusList
	if _, err := none.Get(0); err == nil || none.Len() != 0 {
		t.Error("Get on a nil list succeeded")
	}
	if _, err := none.Encode(); !errors.Is(err, ErrInvalidStatusList) {
		t.Errorf("Encode on a nil list: err = %v", err)
	}
}

func TestDecodeStatusListRefuses(t *testing.T) {
	good, _ := randomStatusList(t, MinStatusListSize, 100, 5)
	enc, _ := good.Encode()
	compressed := gzipBytes(t, make([]byte, MinStatusListSize/8))
	b64 := base64.RawURLEncoding.EncodeToString
	badCRC := bytes.Clone(compressed)
	badCRC[len(badCRC)-8] ^= 1
	badSize := bytes.Clone(compressed)
	badSize[len(badSize)-4] ^= 1
	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	zw.Write(make([]byte, MinStatusListSize/8))
	zw.Close()
	one := b64(compressed[:31]) // 31 bytes: the last character holds 4 unused bits
	nonCanonical := one[:len(one)-1] + string(one[len(one)-1]+1)
	const (
		prefix  = `must start with "u"`
		notB64  = "is not base64url"
		notGzip = "is not GZIP data"
		corrupt = "is truncated or corrupt GZIP data"
		short   = "fewer than 131072"
	)
	tests := []struct{ name, encoded, why string }{
		{"empty", "", prefix},
		{"prefix only", "u", notGzip},
		{"no multibase prefix", enc[1:], prefix},
		{"base64url with padding prefix", "U" + enc[1:], prefix},
		{"base58btc prefix", "z" + enc[1:], prefix},
		{"padded base64url", enc + "=", notB64},
		{"standard base64 alphabet", "u" + base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 300)), notB64},
		{"line break", enc[:40] + "\n" + enc[40:], notB64},
		{"non-canonical trailing bits", "u" + nonCanonical, notB64},
		{"not gzip", "u" + b64(make([]byte, 2048)), notGzip},
		{"zlib, not gzip", "u" + b64(zbuf.Bytes()), notGzip},
		{"truncated gzip", "u" + b64(compressed[:len(compressed)-5]), "GZIP trailer"},
		{"bad CRC-32", "u" + b64(badCRC), corrupt},
		{"bad length in trailer", "u" + b64(badSize), corrupt},
		{"data after the gzip member", "u" + b64(append(bytes.Clone(compressed), 0)), "GZIP trailer"},
		{"two gzip members", "u" + b64(append(bytes.Clone(compressed), compressed...)), "has data after its GZIP member"},
		{"empty bitstring", encodeRaw(t, nil), short},
		{"one byte short of 16 KiB", encodeRaw(t, make([]byte, MinStatusListSize/8-1)), short},
		{"half the minimum", encodeRaw(t, make([]byte, MinStatusListSize/16)), short},
		{"larger than the largest list", encodeRaw(t, make([]byte, MaxStatusListSize/8+1)), "over 524288 bytes"},
		{"longer than any list's encoding", "u" + strings.Repeat("A", maxEncodedList), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := DecodeStatusList(tt.encoded)
			if !errors.Is(err, ErrInvalidStatusList) || l != nil || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("DecodeStatusList = %v, %v; want ErrInvalidStatusList, %s", l, err, tt.why)
			}
		})
	}
}

// zeroBomb returns a gzip member that expands to n × 64 KiB of zeros,
// made without compressing them all: a deflate block may refer back into
// the blocks before it, so the block that encodes the second 64 KiB
// against a window of zeros encodes every later 64 KiB as well.
func zeroBomb(t testing.TB, n int) []byte {
	t.Helper()
	const chunk = 64 << 10
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, chunk)
	zw.Write(zeros)
	zw.Flush() // ends on a byte boundary
	first := buf.Len()
	zw.Write(zeros)
	zw.Flush()
	block := bytes.Clone(buf.Bytes()[first:])
	out := bytes.Clone(buf.Bytes())
	for range n - 2 {
		out = append(out, block...)
	}
	// A final, empty stored block (RFC 1951 §3.2.4), then the gzip
	// trailer: CRC-32 and length of the whole (RFC 1952 §2.3.1).
	out = append(out, 0x01, 0x00, 0x00, 0xff, 0xff)
	crc := uint32(0)
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(out, crc), uint32(n*chunk))
}

func TestDecodeStatusListGzipBomb(t *testing.T) {
	// 64 MiB of zeros, 128 times the largest list, in 85 KB. Its trailer
	// states its length; a bomb may state a small one instead, or the
	// largest list's, to be allocated no more than that.
	bomb := zeroBomb(t, 1024)
	lying := func(size uint32) []byte {
		b := bytes.Clone(bomb)
		binary.LittleEndian.PutUint32(b[len(b)-4:], size)
		return b
	}
	tests := []struct {
		name     string
		gz       []byte
		err      string
		maxAlloc uint64
	}{
		{"true length", bomb, "states a length over 524288 bytes", 512 << 10},
		{"states 16 KiB", lying(MinStatusListSize / 8), "expands beyond the length its GZIP trailer states", 512 << 10},
		{"states the largest list's length", lying(maxListBytes), "expands beyond the length its GZIP trailer states", 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := "u" + base64.RawURLEncoding.EncodeToString(tt.gz)
			if len(encoded) > maxEncodedList {
				t.Fatalf("bomb of %d bytes is refused for its length alone; make it denser", len(encoded))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			l, err := DecodeStatusList(encoded)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrInvalidStatusList) || l != nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("DecodeStatusList(bomb) = %v, %v; want ErrInvalidStatusList, %s", l, err, tt.err)
			}
			// The bomb's 85 KB, decoded from base64url, gzip's state and
			// at most the length its trailer states, not the 64 MiB it holds.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tt.maxAlloc {
				t.Fatalf("decoding the bomb allocated %d bytes, want ≤ %d", alloc, tt.maxAlloc)
			}
		})
	}
}

func TestSignParseStatusList(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	revocation := sampleStatusListCredential(t)
	suspension := revocation
	suspension.ID, suspension.Purpose, suspension.ValidUntil = testListURL+"/suspension", StatusSuspension, time.Time{}
	suspension.List, _ = randomStatusList(t, 1<<18, 2000, 11)
	local := revocation
	local.ValidFrom = time.Date(2025, 7, 1, 10, 30, 0, 999, gbaZone) // UTC+8, with nanoseconds
	local.ValidUntil = local.ValidFrom.Add(time.Hour)

	for name, c := range map[string]StatusListCredential{"revocation": revocation, "suspension, no validUntil": suspension, "local time": local} {
		t.Run(name, func(t *testing.T) {
			jws, err := SignStatusList(c, key, kid)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseStatusList(jws, keys)
			if err != nil {
				t.Fatal(err)
			}
			wantFrom := c.ValidFrom.UTC().Truncate(time.Second)
			if got.ID != c.ID || got.Issuer != c.Issuer || got.Purpose != c.Purpose ||
				!got.ValidFrom.Equal(wantFrom) || got.ValidFrom.Location() != time.UTC ||
				!got.ValidUntil.Equal(c.ValidUntil.Truncate(time.Second)) {
				t.Fatalf("ParseStatusList = %+v, want %+v", got, c)
			}
			if i := sameBits(t, got.List, c.List); i >= 0 {
				t.Fatalf("entry %d differs after signing", i)
			}
		})
	}
}

func TestSignStatusListWireFormat(t *testing.T) {
	key := testEdKey(1)
	c := sampleStatusListCredential(t)
	jws, err := SignStatusList(c, key, testKID(t, key))
	if err != nil {
		t.Fatal(err)
	}
	seg := strings.Split(jws, ".")
	header, _ := base64.RawURLEncoding.DecodeString(seg[0])
	payload, _ := base64.RawURLEncoding.DecodeString(seg[1])
	enc, _ := c.List.Encode()
	wantHeader := `{"alg":"EdDSA","kid":"` + testKID(t, key) + `","typ":"vc+jwt"}`
	wantPayload := `{"@context":["https://www.w3.org/ns/credentials/v2"],` +
		`"id":"https://skills.example.org/status/gd-demo",` +
		`"type":["VerifiableCredential","BitstringStatusListCredential"],` +
		`"issuer":"https://skills.example.org/issuers/gd-demo",` +
		`"validFrom":"2025-07-01T02:30:00Z","validUntil":"2025-07-02T02:30:00Z",` +
		`"credentialSubject":{"id":"https://skills.example.org/status/gd-demo#list","type":"BitstringStatusList",` +
		`"statusPurpose":"revocation","encodedList":"` + enc + `"}}`
	if string(header) != wantHeader {
		t.Errorf("header = %s\nwant     %s", header, wantHeader)
	}
	if string(payload) != wantPayload {
		t.Errorf("payload = %s\nwant      %s", payload, wantPayload)
	}
}

func TestSignStatusListLargestRandomList(t *testing.T) {
	// Every list SignStatusList makes, however incompressible, is short
	// enough for ParseStatusList.
	l, _ := NewStatusList(MaxStatusListSize)
	rand.NewChaCha8([32]byte{1}).Read(l.bits)
	c := sampleStatusListCredential(t)
	c.ID = "https://skills.example.org/" + strings.Repeat("s", 2000)
	c.List = l
	key := testEdKey(1)
	jws, err := SignStatusList(c, key, testKID(t, key))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseStatusList(jws, testKeySet(t, key))
	if err != nil {
		t.Fatalf("a signed list of %d bytes refused: %v", len(jws), err)
	}
	if i := sameBits(t, got.List, l); i >= 0 {
		t.Fatalf("entry %d differs after signing", i)
	}
}

func TestSignStatusListRefuses(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	change := func(f func(*StatusListCredential)) StatusListCredential {
		c := sampleStatusListCredential(t)
		f(&c)
		return c
	}
	tests := []struct {
		name string
		c    StatusListCredential
	}{
		{"no id", change(func(c *StatusListCredential) { c.ID = "" })},
		{"relative id", change(func(c *StatusListCredential) { c.ID = "/status/gd-demo" })},
		{"id with a fragment", change(func(c *StatusListCredential) { c.ID += "#list" })},
		{"no issuer", change(func(c *StatusListCredential) { c.Issuer = "" })},
		{"message purpose", change(func(c *StatusListCredential) { c.Purpose = "message" })},
		{"purpose spelt otherwise", change(func(c *StatusListCredential) { c.Purpose = "Revocation" })},
		{"no validFrom", change(func(c *StatusListCredential) { c.ValidFrom = time.Time{} })},
		{"validUntil before validFrom", change(func(c *StatusListCredential) { c.ValidUntil = c.ValidFrom.Add(-time.Hour) })},
		{"validUntil within validFrom's second", change(func(c *StatusListCredential) { c.ValidUntil = c.ValidFrom.Add(time.Millisecond) })},
		{"no list", change(func(c *StatusListCredential) { c.List = nil })},
		{"zero list", change(func(c *StatusListCredential) { c.List = &StatusList{} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if jws, err := SignStatusList(tt.c, key, kid); !errors.Is(err, ErrInvalidStatusList) {
				t.Fatalf("SignStatusList = %.30q…, %v; want ErrInvalidStatusList", jws, err)
			}
		})
	}
	ec, err := GenerateKey(KeyP256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignStatusList(sampleStatusListCredential(t), ec, ec.KID()); err == nil {
		t.Error("signed with a P-256 key")
	}
	if _, err := SignStatusList(sampleStatusListCredential(t), key, "not a kid!"); err == nil {
		t.Error("signed under a malformed kid")
	}
}

func TestParseStatusListSignatureAndKeys(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	c := sampleStatusListCredential(t)
	jws, err := SignStatusList(c, key, kid)
	if err != nil {
		t.Fatal(err)
	}
	seg := strings.Split(jws, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(seg[1])
	tampered := strings.Replace(string(payload), `"revocation"`, `"suspension"`, 1)
	day := 24 * time.Hour
	tests := []struct {
		name  string
		token string
		keys  []TrustedKey
		want  error
	}{
		{"tampered payload", seg[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tampered)) + "." + seg[2], nil, ErrBadSignature},
		{"signature of another key", seg[0] + "." + seg[1] + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(testEdKey(2), []byte(seg[0]+"."+seg[1]))), nil, ErrBadSignature},
		{"alg none", forgeToken(`{"alg":"none","kid":"`+kid+`","typ":"vc+jwt"}`, string(payload), nil), nil, ErrAlgorithmRefused},
		{"alg HS256", forgeToken(`{"alg":"HS256","kid":"`+kid+`","typ":"vc+jwt"}`, string(payload), make([]byte, 32)), nil, ErrAlgorithmRefused},
		{"unknown kid", jws, []TrustedKey{{KID: testKID(t, testEdKey(2)), Key: testEdKey(2).Public()}}, ErrUnknownKey},
		{"compromised before validFrom", jws, []TrustedKey{{KID: kid, Key: key.Public(), CompromisedAt: c.ValidFrom.Add(-day)}}, ErrKeyCompromised},
		{"compromised at validFrom", jws, []TrustedKey{{KID: kid, Key: key.Public(), CompromisedAt: c.ValidFrom}}, ErrKeyCompromised},
		{"key not yet valid", jws, []TrustedKey{{KID: kid, Key: key.Public(), NotBefore: c.ValidFrom.Add(time.Second)}}, ErrKeyWindow},
		{"key retired before", jws, []TrustedKey{{KID: kid, Key: key.Public(), NotAfter: c.ValidFrom.Add(-time.Second)}}, ErrKeyWindow},
		{"longer than MaxStatusListJWSSize", jws + strings.Repeat("A", MaxStatusListJWSSize), nil, ErrMalformedJWS},
		{"compromised after validFrom", jws, []TrustedKey{{KID: kid, Key: key.Public(), CompromisedAt: c.ValidFrom.Add(day)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := keys
			if tt.keys != nil {
				var err error
				if ks, err = NewKeySet(tt.keys...); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ParseStatusList(tt.token, ks)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseStatusListRefusesOtherTokens(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	// QR claims: another typ.
	claims, err := IssueClaims(sampleClaims()["guangdong"], key, kid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseStatusList(claims, keys); !errors.Is(err, ErrMalformedJWS) {
		t.Errorf("QR claims: err = %v, want ErrMalformedJWS", err)
	}
	// A certificate's credential: the same typ and key, another type.
	cred, err := NewCredential(sampleCredentialInput())
	if err != nil {
		t.Fatal(err)
	}
	credJWS, err := SignCredential(cred, key, kid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseStatusList(credJWS, keys); !errors.Is(err, ErrInvalidStatusList) {
		t.Errorf("a certificate's credential: err = %v, want ErrInvalidStatusList", err)
	}
	// And the other way round: a status list is not a certificate.
	list, err := SignStatusList(sampleStatusListCredential(t), key, kid)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParseClaims(list, keys); err == nil {
		t.Error("a status list accepted as QR claims")
	}
}

func TestParseStatusListPayloads(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	c := sampleStatusListCredential(t)
	jws, err := SignStatusList(c, key, kid)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	enc, _ := c.List.Encode()
	short := encodeRaw(t, make([]byte, MinStatusListSize/8-1))
	tests := []struct {
		name     string
		old, new string
		want     error // nil: accepted
	}{
		{"unknown member ignored", `"issuer"`, `"ttl":300000,"issuer"`, nil},
		{"unknown subject member ignored", `"encodedList"`, `"statusSize":1,"encodedList"`, nil},
		{"another credential type", `"BitstringStatusListCredential"`, `"StatusList2021Credential"`, ErrInvalidStatusList},
		{"type not an array", `["VerifiableCredential","BitstringStatusListCredential"]`, `"BitstringStatusListCredential"`, ErrMalformedJWS},
		{"no VerifiableCredential type", `"VerifiableCredential",`, ``, ErrInvalidStatusList},
		{"another subject type", `"type":"BitstringStatusList"`, `"type":"StatusList2021"`, ErrInvalidStatusList},
		{"VC 1.1 context", `"https://www.w3.org/ns/credentials/v2"`, `"https://www.w3.org/2018/credentials/v1"`, ErrInvalidStatusList},
		{"no context", `"@context":["https://www.w3.org/ns/credentials/v2"],`, ``, ErrInvalidStatusList},
		{"message purpose", `"statusPurpose":"revocation"`, `"statusPurpose":"message"`, ErrInvalidStatusList},
		{"no purpose", `"statusPurpose":"revocation",`, ``, ErrInvalidStatusList},
		{"purposes as an array", `"statusPurpose":"revocation"`, `"statusPurpose":["revocation"]`, ErrMalformedJWS},
		{"no id", `"id":"https://skills.example.org/status/gd-demo",`, ``, ErrInvalidStatusList},
		{"id with a fragment", `"id":"https://skills.example.org/status/gd-demo",`, `"id":"https://skills.example.org/status/gd-demo#x",`, ErrInvalidStatusList},
		{"issuer not a URL", `"issuer":"https://skills.example.org/issuers/gd-demo"`, `"issuer":"gd-demo"`, ErrInvalidStatusList},
		{"issuer as an object", `"issuer":"https://skills.example.org/issuers/gd-demo"`, `"issuer":{"id":"https://skills.example.org/issuers/gd-demo"}`, ErrInvalidStatusList},
		{"no validFrom", `"validFrom":"2025-07-01T02:30:00Z",`, ``, ErrInvalidStatusList},
		{"validFrom not a date", `"validFrom":"2025-07-01T02:30:00Z"`, `"validFrom":"1 July 2025"`, ErrMalformedJWS},
		{"validUntil before validFrom", `"validUntil":"2025-07-02T02:30:00Z"`, `"validUntil":"2025-06-30T02:30:00Z"`, ErrInvalidStatusList},
		{"no encodedList", `,"encodedList":"` + enc + `"`, ``, ErrInvalidStatusList},
		{"list too short", enc, short, ErrInvalidStatusList},
		{"list not gzip", enc, "uAAAA", ErrInvalidStatusList},
		{"no subject", `"credentialSubject"`, `"credentialSubjects"`, ErrMalformedJWS},
		{"subject not an object", `"credentialSubject":{`, `"credentialSubject":"x","y":{`, ErrMalformedJWS},
		{"member repeated", `"issuer"`, `"issuer":"https://evil.example/","issuer"`, ErrMalformedJWS},
		{"subject member repeated", `"encodedList"`, `"encodedList":"` + specEncodedList + `","encodedList"`, ErrMalformedJWS},
		{"subject member spelt otherwise", `"encodedList"`, `"encodedlist"`, ErrMalformedJWS},
		{"member spelt otherwise", `"validFrom"`, `"ValidFrom"`, ErrMalformedJWS},
		{"not an object", string(good), `[` + string(good) + `]`, ErrMalformedJWS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := strings.Replace(string(good), tt.old, tt.new, 1)
			if payload == string(good) {
				t.Fatalf("%q not found in the payload", tt.old)
			}
			// Signed with the trusted key: only the content can be wrong.
			token, err := signJWS(Header{Alg: AlgEdDSA, KID: kid, Typ: CredentialJWSType}, []byte(payload), key)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseStatusList(token, keys)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestStatusListStatus(t *testing.T) {
	revoked, unset := 94567, 94568
	c := sampleStatusListCredential(t)
	c.List, _ = NewStatusList(MinStatusListSize)
	c.List.Set(revoked, true)
	c.List.Set(0, true)
	c.List.Set(MinStatusListSize-1, true)

	// The entries NewCredential writes are read as they are.
	in := sampleCredentialInput()
	in.StatusListURL, in.SuspensionListURL, in.StatusIndex = c.ID, c.ID+"/suspension", revoked
	cred, err := NewCredential(in)
	if err != nil {
		t.Fatal(err)
	}
	if set, err := c.Status(cred.CredentialStatus[0]); err != nil || !set {
		t.Fatalf("Status(the credential's revocation entry) = %v, %v; want true", set, err)
	}
	if _, err := c.Status(cred.CredentialStatus[1]); !errors.Is(err, ErrStatusEntry) {
		t.Fatalf("Status(the credential's suspension entry) in the revocation list: err = %v, want ErrStatusEntry", err)
	}

	entry := func(f func(*StatusEntry)) StatusEntry {
		e := statusEntry(StatusRevocation, c.ID, unset)
		f(&e)
		return e
	}
	index := func(s string) StatusEntry { return entry(func(e *StatusEntry) { e.StatusListIndex = s }) }
	tests := []struct {
		name  string
		entry StatusEntry
		want  bool
		err   error
	}{
		{"unset", entry(func(*StatusEntry) {}), false, nil},
		{"set", index("94567"), true, nil},
		{"first", index("0"), true, nil},
		{"last", index("131071"), true, nil},
		{"one past the last", index("131072"), false, ErrStatusEntry},
		{"far past the last", index("2147483647"), false, ErrStatusEntry},
		{"beyond int64", index("99999999999999999999"), false, ErrStatusEntry},
		{"negative", index("-1"), false, ErrStatusEntry},
		{"plus sign", index("+94567"), false, ErrStatusEntry},
		{"leading zero", index("094567"), false, ErrStatusEntry},
		{"space", index(" 94567"), false, ErrStatusEntry},
		{"hexadecimal", index("0x1"), false, ErrStatusEntry},
		{"empty index", index(""), false, ErrStatusEntry},
		{"suspension entry", entry(func(e *StatusEntry) { e.StatusPurpose = StatusSuspension }), false, ErrStatusEntry},
		{"another list", entry(func(e *StatusEntry) { e.StatusListCredential = testListURL + "/suspension" }), false, ErrStatusEntry},
		{"another issuer's list", entry(func(e *StatusEntry) { e.StatusListCredential = "https://skills.example.org/status/hk-demo" }), false, ErrStatusEntry},
		{"another entry type", entry(func(e *StatusEntry) { e.Type = "StatusList2021Entry" }), false, ErrStatusEntry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Status(tt.entry)
			if got != tt.want || tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("Status = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := (StatusListCredential{ID: c.ID, Purpose: c.Purpose}).Status(index("0")); !errors.Is(err, ErrStatusEntry) {
		t.Errorf("Status without a list: err = %v, want ErrStatusEntry", err)
	}
}

func FuzzDecodeStatusList(f *testing.F) {
	for _, n := range []int{0, 1, 100, 10000} {
		l, _ := randomStatusList(f, MinStatusListSize, n, uint64(n))
		enc, err := l.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
		f.Add(enc[:len(enc)/2])
	}
	f.Add(specEncodedList)
	f.Add(encodeRaw(f, make([]byte, MinStatusListSize/8-1)))
	f.Add(encodeRaw(f, make([]byte, 1<<20))) // a small bomb: twice the largest list
	f.Add("")
	f.Add("u")
	f.Add("uH4sI")

	f.Fuzz(func(t *testing.T, encoded string) {
		l, err := DecodeStatusList(encoded)
		if err != nil {
			if !errors.Is(err, ErrInvalidStatusList) || l != nil {
				t.Fatalf("DecodeStatusList = %v, %v", l, err)
			}
			return
		}
		if n := l.Len(); n%8 != 0 || n < MinStatusListSize || n > MaxStatusListSize {
			t.Fatalf("decoded a list of %d entries", n)
		}
		// What decodes re-encodes, and the same bits come back.
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeStatusList(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.bits, l.bits) {
			t.Fatal("bits differ after re-encoding")
		}
	})
}

func FuzzParseStatusList(f *testing.F) {
	key := testEdKey(1)
	kid := testKID(f, key)
	compromised := testEdKey(2)
	keys, err := NewKeySet(
		TrustedKey{KID: kid, Key: key.Public()},
		TrustedKey{KID: testKID(f, compromised), Key: compromised.Public(), CompromisedAt: testIssued.Add(-time.Hour)},
	)
	if err != nil {
		f.Fatal(err)
	}
	c := sampleStatusListCredential(f)
	for _, k := range []ed25519.PrivateKey{key, compromised, testEdKey(3)} {
		jws, err := SignStatusList(c, k, testKID(f, k))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(jws)
		f.Add(jws[:len(jws)/2])
		f.Add(strings.Replace(jws, ".", "..", 1))
	}
	claims, err := IssueClaims(sampleClaims()["guangdong"], key, kid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(claims)
	f.Add("")
	f.Add(forgeToken(`{"alg":"none","kid":"`+kid+`","typ":"vc+jwt"}`, `{"id":"`+testListURL+`"}`, nil))

	f.Fuzz(func(t *testing.T, token string) {
		got, err := ParseStatusList(token, keys)
		if err != nil {
			return
		}
		// Success only for a token whose signature verifies with a trusted
		// Ed25519 key, holding a complete list.
		seg := strings.Split(token, ".")
		rawHeader, _ := base64.RawURLEncoding.DecodeString(seg[0])
		var h Header
		json.Unmarshal(rawHeader, &h)
		k, ok := keys.Key(h.KID)
		pub, isEd := k.Key.(ed25519.PublicKey)
		sig, _ := base64.RawURLEncoding.DecodeString(seg[2])
		if !ok || !isEd || !ed25519.Verify(pub, []byte(seg[0]+"."+seg[1]), sig) {
			t.Fatal("accepted a token whose signature does not verify with a trusted key")
		}
		if err := got.validate(); err != nil || got.List.Len() < MinStatusListSize {
			t.Fatalf("accepted an incomplete list: %v", err)
		}
		// Its own entries can be looked up.
		if _, err := got.Status(statusEntry(got.Purpose, got.ID, got.List.Len()-1)); err != nil {
			t.Fatalf("Status of the list's last entry: %v", err)
		}
	})
}

// BenchmarkSignStatusList encodes and signs a 131,072-entry list with
// 10,000 random entries set: what the server does on each revocation.
func BenchmarkSignStatusList(b *testing.B) {
	key := testEdKey(1)
	kid := testKID(b, key)
	c := sampleStatusListCredential(b)
	c.List, _ = randomStatusList(b, MinStatusListSize, 10000, 42)
	var jws string
	for b.Loop() {
		var err error
		if jws, err = SignStatusList(c, key, kid); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(jws)), "bytes/token")
}
