package certs

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Revocation and suspension lists (DESIGN §8): each issuer publishes, per
// status purpose, one signed W3C Bitstring Status List v1.0 credential,
// at <base>/status/<issuer code> (revocation) and
// <base>/status/<issuer code>/suspension. A certificate's credential points
// at its bit with a StatusEntry (§2.1); an online or offline verifier
// fetches the list once, checks its signature like any credential, and
// reads the bit. Everyone fetching the same list hides which certificate
// they check: the larger the list, the larger the group (§6.1).
//
// The list is signed as a VC-JOSE-COSE credential (§3.6): a compact JWS of
// type "vc+jwt", EdDSA, under the issuer's key, as SignCredential signs a
// certificate's credential.

// Status purposes (§2.1) bayskills publishes, one list each.
const (
	StatusRevocation = "revocation" // not reversible
	StatusSuspension = "suspension" // reversible
)

// Sizes of a status list, in entries (bits).
const (
	// MinStatusListSize is the spec's minimum list size: 16 KiB of bits
	// (§2.2 encodedList; a shorter list is a STATUS_LIST_LENGTH_ERROR,
	// §3.2), so a list always hides a checked certificate among at least
	// 131,072 (§6.1).
	MinStatusListSize = 131072
	// MaxStatusListSize bounds a list at 4,194,304 entries (512 KiB of
	// bits). It also bounds what decoding a hostile list may allocate, and
	// it is chosen so that even an incompressible list of this size signs
	// into less than MaxStatusListJWSSize.
	MaxStatusListSize = 1 << 22
)

// MaxStatusListJWSSize is the longest signed status list ParseStatusList
// reads, in bytes. The server's lists have 131,072 entries (16 KiB of bits):
// all unset, one signs into about 800 bytes; with half its bits set at
// random, the worst case, into about 30 KiB (gzip cannot shrink random
// bits, and base64url is applied twice, to the list and to the JWS
// payload: 16 KiB × 4/3 × 4/3). 1 MiB leaves room for any list up to
// MaxStatusListSize, even a random one (about 930 KB), so SignStatusList
// never makes a list ParseStatusList refuses for its length.
const MaxStatusListJWSSize = 1 << 20

// maxListBytes is the largest bitstring in bytes.
const maxListBytes = MaxStatusListSize / 8

// maxEncodedList is the longest encodedList DecodeStatusList reads: "u"
// and the base64url of a gzip member holding maxListBytes. Deflate's worst
// case adds 5 bytes per stored block of up to 64 KiB, gzip 18 bytes of
// header and trailer; 1 KiB per MiB plus 1 KiB covers both with room for
// header fields another encoder may set.
const maxEncodedList = 1 + (maxListBytes+maxListBytes/1024+1024+2)/3*4

// The JSON-LD context and types of a status list credential (§2.2).
const (
	vcContextV2              = "https://www.w3.org/ns/credentials/v2"
	statusListCredentialType = "BitstringStatusListCredential"
	statusListSubjectType    = "BitstringStatusList"
	statusEntryType          = "BitstringStatusListEntry"
)

// Errors of status lists.
var (
	// ErrInvalidStatusList: a list of a bad size, an encodedList that does
	// not decode, or a status list credential that is signed but not of the
	// expected shape (type, purpose, missing members), or that
	// SignStatusList refuses to sign.
	ErrInvalidStatusList = errors.New("certs: invalid status list")
	// ErrStatusEntry: a credential's status entry that does not point into
	// the list it is checked against (another list, another purpose, an
	// index that is not a decimal integer, or out of the list's range).
	ErrStatusEntry = errors.New("certs: status entry does not match the status list")
)

// StatusList is a bitstring of status bits, one per issued certificate:
// bit i set means certificate i is revoked (or suspended, in a suspension
// list). Bit order is the spec's (§2.2): index 0 is the left-most, most
// significant, bit of the first byte. A StatusList is not safe for
// concurrent modification.
type StatusList struct{ bits []byte }

// NewStatusList returns a list of size entries, all unset. size must be a
// multiple of 8 from MinStatusListSize to MaxStatusListSize.
func NewStatusList(size int) (*StatusList, error) {
	if err := checkListSize(size); err != nil {
		return nil, err
	}
	return &StatusList{bits: make([]byte, size/8)}, nil
}

// checkListSize refuses a list size NewStatusList and DecodeStatusList do
// not accept.
func checkListSize(size int) error {
	if size%8 != 0 || size < MinStatusListSize || size > MaxStatusListSize {
		return fmt.Errorf("%w: %d entries; a list has a multiple of 8 from %d to %d", ErrInvalidStatusList, size, MinStatusListSize, MaxStatusListSize)
	}
	return nil
}

// Len is the number of entries of the list; 0 for a nil list.
func (l *StatusList) Len() int {
	if l == nil {
		return 0
	}
	return 8 * len(l.bits)
}

// Set sets (on) or clears entry i.
func (l *StatusList) Set(i int, on bool) error {
	if err := l.checkIndex(i); err != nil {
		return err
	}
	mask := byte(0x80) >> (i % 8)
	if on {
		l.bits[i/8] |= mask
	} else {
		l.bits[i/8] &^= mask
	}
	return nil
}

// Get reports whether entry i is set.
func (l *StatusList) Get(i int) (bool, error) {
	if err := l.checkIndex(i); err != nil {
		return false, err
	}
	return l.bits[i/8]&(0x80>>(i%8)) != 0, nil
}

// checkIndex refuses an index outside the list.
func (l *StatusList) checkIndex(i int) error {
	if i < 0 || i >= l.Len() {
		return fmt.Errorf("certs: status list index %d outside 0 to %d", i, l.Len()-1)
	}
	return nil
}

// Encode returns the list as the spec's encodedList (§2.2, §3.3): "u", the
// multibase prefix of base64url without padding, then the base64url of the
// GZIP-compressed (RFC 1952) bitstring. The output is the same for the same
// bits.
func (l *StatusList) Encode() (string, error) {
	if err := checkListSize(l.Len()); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	// The default level: BestCompression saves under 1% on a list of
	// 131,072 entries, at twice the time, and on sparse lists of a million
	// entries it takes 15 times as long.
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(l.bits); err != nil {
		return "", fmt.Errorf("certs: status list: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("certs: status list: %w", err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeStatusList reads an encodedList (§3.4, the Bitstring Expansion
// Algorithm). It is written for hostile input: at most maxEncodedList
// bytes of canonical base64url holding one gzip member, nothing after it,
// with a correct checksum, of MinStatusListSize to MaxStatusListSize bits.
// The length the gzip trailer states (RFC 1952 §2.3.1) is allocated once
// and decompression stops one byte past it, so a gzip bomb costs at most
// MaxStatusListSize/8 bytes, whether its trailer tells the truth or not.
func DecodeStatusList(encoded string) (*StatusList, error) {
	bad := func(msg string) (*StatusList, error) {
		return nil, fmt.Errorf("%w: encodedList %s", ErrInvalidStatusList, msg)
	}
	if len(encoded) > maxEncodedList {
		return bad(fmt.Sprintf("longer than %d bytes", maxEncodedList))
	}
	b64, ok := strings.CutPrefix(encoded, "u")
	if !ok {
		return bad(`must start with "u" (multibase base64url, no padding)`)
	}
	compressed, err := decodeSegment(b64)
	if err != nil {
		return bad("is not base64url without padding")
	}
	r := bytes.NewReader(compressed)
	zr, err := gzip.NewReader(r)
	if err != nil || len(compressed) < 18 {
		return bad("is not GZIP data")
	}
	zr.Multistream(false)
	size := int(binary.LittleEndian.Uint32(compressed[len(compressed)-4:])) // ISIZE
	switch {
	case size > maxListBytes:
		return bad(fmt.Sprintf("states a length over %d bytes in its GZIP trailer", maxListBytes))
	case 8*size < MinStatusListSize:
		return bad(fmt.Sprintf("states %d entries in its GZIP trailer, fewer than %d", 8*size, MinStatusListSize))
	}
	bits := make([]byte, size)
	if _, err := io.ReadFull(zr, bits); err != nil {
		return bad("is truncated or corrupt GZIP data")
	}
	var extra [1]byte
	switch n, err := io.ReadFull(zr, extra[:]); {
	case n > 0:
		return bad("expands beyond the length its GZIP trailer states")
	case err != io.EOF: // the checksum or the length does not match
		return bad("is truncated or corrupt GZIP data")
	case r.Len() != 0:
		return bad("has data after its GZIP member")
	}
	return &StatusList{bits: bits}, nil
}

// StatusListCredential is an issuer's signed status list of one purpose: a
// BitstringStatusListCredential (§2.2) in the Verifiable Credentials 2.0
// shape.
type StatusListCredential struct {
	ID         string    // the list's URL, which certificates' StatusEntry.StatusListCredential name
	Issuer     string    // the issuer's profile URL
	Purpose    string    // StatusRevocation or StatusSuspension
	ValidFrom  time.Time // when the list was made; the signing time checked against the key's window
	ValidUntil time.Time // optional: when a cached copy is stale and must be fetched again
	List       *StatusList
}

// statusListJSON is the wire form of StatusListCredential. The subject is
// kept raw so that ParseStatusList checks its member names as strictly as
// the top level's.
type statusListJSON struct {
	Context           []string        `json:"@context"`
	ID                string          `json:"id"`
	Type              []string        `json:"type"`
	Issuer            any             `json:"issuer"` // a string; VC 2.0 also allows an object, which is refused
	ValidFrom         time.Time       `json:"validFrom"`
	ValidUntil        time.Time       `json:"validUntil,omitzero"`
	CredentialSubject json.RawMessage `json:"credentialSubject"`
}

// statusListSubjectJSON is the credential's subject: the list itself.
type statusListSubjectJSON struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// Member names of the JSON objects checked by decodeStrictJSON.
var (
	statusListNames        = jsonNames(statusListJSON{})
	statusListSubjectNames = jsonNames(statusListSubjectJSON{})
)

// validate checks c as both SignStatusList and ParseStatusList require it,
// except for the list, which Encode and DecodeStatusList check.
func (c StatusListCredential) validate() error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidStatusList, msg) }
	switch {
	case !absoluteURI(c.ID) || strings.Contains(c.ID, "#"):
		return bad("id must be an absolute URL without a fragment")
	case !absoluteURI(c.Issuer):
		return bad("issuer must be an absolute URL")
	case c.Purpose != StatusRevocation && c.Purpose != StatusSuspension:
		return bad(fmt.Sprintf("status purpose must be %q or %q", StatusRevocation, StatusSuspension))
	case c.ValidFrom.Unix() <= 0:
		return bad("validFrom missing")
	case !c.ValidUntil.IsZero() && !c.ValidUntil.After(c.ValidFrom):
		return bad("validUntil must be after validFrom")
	}
	return nil
}

// SignStatusList signs c as a BitstringStatusListCredential (§2.2, §3.1),
// a VC-JOSE-COSE compact JWS (typ "vc+jwt", alg EdDSA) under the issuer's
// Ed25519 key and key id kid. Times are written in UTC whole seconds. It
// refuses an incomplete credential and a list of a bad size.
func SignStatusList(c StatusListCredential, key crypto.Signer, kid string) (string, error) {
	c.ValidFrom = c.ValidFrom.UTC().Truncate(time.Second)
	if !c.ValidUntil.IsZero() {
		c.ValidUntil = c.ValidUntil.UTC().Truncate(time.Second)
	}
	if err := c.validate(); err != nil {
		return "", err
	}
	encoded, err := c.List.Encode()
	if err != nil {
		return "", err
	}
	subject, err := marshalCompact(statusListSubjectJSON{
		ID: c.ID + "#list", Type: statusListSubjectType, StatusPurpose: c.Purpose, EncodedList: encoded,
	})
	if err != nil {
		return "", fmt.Errorf("certs: status list: %w", err)
	}
	payload, err := marshalCompact(statusListJSON{
		Context:           []string{vcContextV2},
		ID:                c.ID,
		Type:              []string{"VerifiableCredential", statusListCredentialType},
		Issuer:            c.Issuer,
		ValidFrom:         c.ValidFrom,
		ValidUntil:        c.ValidUntil,
		CredentialSubject: subject,
	})
	if err != nil {
		return "", fmt.Errorf("certs: status list: %w", err)
	}
	jws, err := signJWS(Header{Alg: AlgEdDSA, KID: kid, Typ: CredentialJWSType}, payload, key)
	if err != nil {
		return "", err
	}
	if len(jws) > MaxStatusListJWSSize {
		return "", fmt.Errorf("%w: signed status list longer than %d bytes", ErrInvalidStatusList, MaxStatusListJWSSize)
	}
	return jws, nil
}

// ParseStatusList checks a signed status list as ParseCredentialJWS checks
// a credential — EdDSA only, a kid of keys, a signature that verifies, and
// validFrom within the key's window and before its compromise — and returns
// it with its list decoded. It refuses a credential of another type (a
// certificate's own credential, signed with the same key and typ), a
// purpose other than revocation and suspension, and missing members. It
// does not compare ValidUntil with the clock: the caller decides whether a
// stale list will do, and says so. (A key compromised later could sign a
// list dated before its compromise; a verifier that wants ValidUntil ahead
// of the clock, and lists valid for days, not years, bounds that to recent
// dates.) Bad input of any kind gives an error
// matching ErrInvalidStatusList or one of the JWS errors (ErrMalformedJWS,
// …), never a panic.
func ParseStatusList(jws string, keys KeySet) (StatusListCredential, error) {
	_, payload, key, err := verifyJWS(jws, CredentialJWSType, MaxStatusListJWSSize, keys)
	if err != nil {
		return StatusListCredential{}, err
	}
	var w statusListJSON
	if err := decodeStrictJSON(payload, &w, statusListNames, false); err != nil {
		return StatusListCredential{}, fmt.Errorf("%w: status list: %v", ErrMalformedJWS, err)
	}
	// VC 2.0 §4.3: the base context comes first; §2.2: the types.
	notList := fmt.Errorf("%w: not a BitstringStatusListCredential", ErrInvalidStatusList)
	if len(w.Context) == 0 || w.Context[0] != vcContextV2 ||
		!slices.Contains(w.Type, "VerifiableCredential") || !slices.Contains(w.Type, statusListCredentialType) {
		return StatusListCredential{}, notList
	}
	var s statusListSubjectJSON
	if err := decodeStrictJSON(w.CredentialSubject, &s, statusListSubjectNames, false); err != nil {
		return StatusListCredential{}, fmt.Errorf("%w: status list subject: %v", ErrMalformedJWS, err)
	}
	if s.Type != statusListSubjectType {
		return StatusListCredential{}, notList
	}
	issuer, _ := w.Issuer.(string) // validate refuses anything else
	c := StatusListCredential{ID: w.ID, Issuer: issuer, Purpose: s.StatusPurpose, ValidFrom: w.ValidFrom.UTC()}
	if !w.ValidUntil.IsZero() {
		c.ValidUntil = w.ValidUntil.UTC()
	}
	if err := c.validate(); err != nil {
		return StatusListCredential{}, err
	}
	if err := key.CheckSignedAt(c.ValidFrom); err != nil {
		return StatusListCredential{}, err
	}
	if c.List, err = DecodeStatusList(s.EncodedList); err != nil {
		return StatusListCredential{}, err
	}
	return c, nil
}

// Status reads a certificate's bit in the list, following the spec's
// Validate Algorithm (§3.2): the entry must be a BitstringStatusListEntry
// naming this list (c.ID) and its purpose, and its statusListIndex a
// decimal integer within the list. set means revoked or suspended, as
// c.Purpose says.
func (c StatusListCredential) Status(entry StatusEntry) (set bool, err error) {
	bad := func(msg string) (bool, error) { return false, fmt.Errorf("%w: %s", ErrStatusEntry, msg) }
	switch {
	case entry.Type != statusEntryType:
		return bad("not a " + statusEntryType)
	case entry.StatusListCredential != c.ID:
		return bad("the entry names another status list")
	case entry.StatusPurpose != c.Purpose:
		return bad(fmt.Sprintf("the entry's purpose is not the list's (%s)", c.Purpose))
	}
	// Only the canonical decimal form (what statusEntry writes): no sign,
	// no leading zeros, no spaces.
	i, err := strconv.Atoi(entry.StatusListIndex)
	if err != nil || i < 0 || strconv.Itoa(i) != entry.StatusListIndex {
		return bad("statusListIndex must be a non-negative decimal integer")
	}
	set, err = c.List.Get(i)
	if err != nil {
		return bad(err.Error()) // the spec's RANGE_ERROR (§3.2)
	}
	return set, nil
}
