package certs

import (
	"crypto"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The machine-readable credential (DESIGN §7, issue 7): a certificate as a
// W3C Verifiable Credentials 2.0 credential in the Open Badges 3.0 shape
// (an OpenBadgeCredential), embedded in the PDF and served by the JSON API.
// Its proofs are the PDF signature and the QR's signed claims; SignCredential
// adds a VC-JOSE-COSE one ("application/vc+jwt") where a wallet wants it.
//
// Multilingual text: Open Badges 3.0 types name and description as plain
// strings, and its validators reject VC 2.0 language objects there. So each
// text holds every language of the issuer, in the issuer's order, joined by
// " / " (Text.String): "机电一体化 三级 / Mechatronics Level 3". Any wallet
// shows all of them; nothing in the credential is English-only.
//
// The holder appears by name (native and Latin script), as the paper does:
// in credentialSubject.name, and as Open Badges IdentityObjects of
// identityType "name" (Open Badges 3.0 asks for an id or an identifier;
// holders have no DID). Never an identity-document number, which the
// "nationalIdentityNumber" identity type would invite.

// The JSON-LD contexts and types of a bayskills credential.
var (
	credentialContext = []string{
		"https://www.w3.org/ns/credentials/v2",
		"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
	}
	credentialTypes = []string{"VerifiableCredential", "OpenBadgeCredential"}
)

// Credential is the OpenBadgeCredential of one certificate. Field order is
// JSON order, and nothing in it is a map, so a credential always encodes to
// the same bytes.
type Credential struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"` // the certificate's verification URL (VerifyURL)
	Type              []string           `json:"type"`
	Name              string             `json:"name"`
	Issuer            Profile            `json:"issuer"`
	ValidFrom         time.Time          `json:"validFrom"`
	ValidUntil        time.Time          `json:"validUntil,omitzero"`
	CredentialSubject AchievementSubject `json:"credentialSubject"`
	CredentialStatus  []StatusEntry      `json:"credentialStatus,omitempty"`
	Evidence          []Evidence         `json:"evidence,omitempty"`
}

// Profile is the issuer (Open Badges Profile).
type Profile struct {
	ID          string   `json:"id"`
	Type        []string `json:"type"`
	Name        string   `json:"name"`
	URL         string   `json:"url,omitempty"`
	Description string   `json:"description,omitempty"`
}

// AchievementSubject is the holder and what they achieved.
type AchievementSubject struct {
	Type        []string         `json:"type"`
	Name        string           `json:"name"`
	Identifier  []IdentityObject `json:"identifier"`
	Achievement Achievement      `json:"achievement"`
	Result      []Result         `json:"result,omitempty"`
}

// IdentityObject identifies the holder (Open Badges 3.0 §B.1.10). bayskills
// writes the holder's names in clear (Hashed false, IdentityHash the name).
type IdentityObject struct {
	Type         string `json:"type"` // "IdentityObject"
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"` // "name"
	Hashed       bool   `json:"hashed"`
}

// Achievement is the skill at a level of the issuer's framework.
type Achievement struct {
	ID                string              `json:"id"`
	Type              []string            `json:"type"`
	Name              string              `json:"name"`
	Description       string              `json:"description"`
	Criteria          Criteria            `json:"criteria"`
	AchievementType   string              `json:"achievementType"`
	FieldOfStudy      string              `json:"fieldOfStudy,omitempty"`
	HumanCode         string              `json:"humanCode,omitempty"`
	OtherIdentifier   []IdentifierEntry   `json:"otherIdentifier,omitempty"`
	Alignment         []Alignment         `json:"alignment,omitempty"`
	ResultDescription []ResultDescription `json:"resultDescription,omitempty"`
}

// Criteria says how the achievement is earned.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// IdentifierEntry is another identifier of the achievement: the
// occupation code.
type IdentifierEntry struct {
	Type           string `json:"type"` // "IdentifierEntry"
	Identifier     string `json:"identifier"`
	IdentifierType string `json:"identifierType"`
}

// Alignment points at a level of a framework: the issuer's own level, and
// any mapped level of another region's framework with its provenance.
type Alignment struct {
	Type              []string `json:"type"`
	TargetName        string   `json:"targetName"`
	TargetURL         string   `json:"targetUrl"`
	TargetDescription string   `json:"targetDescription,omitempty"`
	TargetFramework   string   `json:"targetFramework,omitempty"`
	TargetCode        string   `json:"targetCode,omitempty"`
}

// ResultDescription describes a kind of result the achievement records.
type ResultDescription struct {
	ID         string   `json:"id"`
	Type       []string `json:"type"`
	Name       string   `json:"name"`
	ResultType string   `json:"resultType"`
}

// Result is one of the holder's results, pointing at its description.
type Result struct {
	Type              []string `json:"type"`
	ResultDescription string   `json:"resultDescription"`
	Value             string   `json:"value"`
}

// StatusEntry is where a verifier looks up revocation or suspension: a
// BitstringStatusListEntry (W3C Bitstring Status List v1.0 §2.1).
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"` // "BitstringStatusListEntry"
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"` // a decimal integer, as a string
	StatusListCredential string `json:"statusListCredential"`
}

// Evidence is the competition in which the achievement was assessed.
type Evidence struct {
	ID          string   `json:"id,omitempty"`
	Type        []string `json:"type"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
}

// LangString is a text in one language (a BCP 47 tag: zh-Hans, zh-Hant,
// en, pt).
type LangString struct {
	Lang  string
	Value string
}

// Text is one text in several languages, in the order the issuer prints
// them.
type Text []LangString

// String joins the languages' values with " / ", leaving out empty and
// repeated ones (a name spelt the same in two languages appears once).
func (t Text) String() string {
	var parts []string
	for _, s := range t {
		v := strings.TrimSpace(s.Value)
		if v == "" || slices.Contains(parts, v) {
			continue
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, " / ")
}

// FrameworkLevel is a level of a qualifications framework: the issuer's
// own (Mainland vocational skill levels, HKQF, Macao DSAL) or, in a mapping,
// another region's.
type FrameworkLevel struct {
	Framework Text   // the framework's name, e.g. 国家职业技能等级 / National Vocational Skill Levels
	Code      string // the level's code in the framework, e.g. "3", "QF4"
	Name      Text   // e.g. 三级/高级工 / Level 3 (Senior Worker)
	URL       string // a page describing the level (required by Open Badges)
}

// LevelMapping states that the certificate's level corresponds to a level of
// another framework, and on what authority (DESIGN §7): Official with the
// agreement's reference, or indicative.
type LevelMapping struct {
	Level     FrameworkLevel
	Official  bool
	Reference string // the agreement, for an official mapping
}

// CredentialInput is what NewCredential builds a credential from: plain
// values the store has, in the issuer's languages.
type CredentialInput struct {
	VerifyURL string // the certificate's verification URL, <base>/v/<id>: the credential's id

	IssuerID   string // the issuer's profile URL
	IssuerName Text
	IssuerURL  string // optional home page

	ValidFrom  time.Time // issue time
	ValidUntil time.Time // zero: no expiry

	HolderName  string // native script
	HolderLatin string // Latin script; at least one of the two

	AchievementID   string // a URL (or URN) naming this skill at this level of this issuer, without a fragment
	AchievementName Text   // skill and level, e.g. 机电一体化 三级 / Mechatronics Level 3
	Description     Text   // what the certificate attests
	Criteria        Text   // how it is earned: the competition, the recognition plan's rule
	SkillName       string // fieldOfStudy, optional
	SkillCode       string // humanCode, optional
	OccupationCode  string // the occupation's code in the national classification, optional
	Level           FrameworkLevel
	Mappings        []LevelMapping

	Medal string // result, optional: "Gold", "Medallion for Excellence", …
	Score string // standardised score, optional, as printed

	StatusListURL     string // the issuer's revocation status list credential
	SuspensionListURL string // optional: the issuer's suspension status list credential
	StatusIndex       int    // the certificate's index in the lists

	EventURL  string // optional
	EventName Text   // the competition; no evidence entry when empty
	EventInfo Text   // optional: dates, venue
}

// ErrInvalidCredential is matched by the errors of NewCredential.
var ErrInvalidCredential = errors.New("certs: invalid credential input")

// NewCredential builds the credential of a certificate. It refuses input
// missing what Verifiable Credentials 2.0 or Open Badges 3.0 require, and
// normalises times to UTC whole seconds.
func NewCredential(in CredentialInput) (Credential, error) {
	bad := func(msg string) (Credential, error) {
		return Credential{}, fmt.Errorf("%w: %s", ErrInvalidCredential, msg)
	}
	switch {
	case !absoluteURI(in.VerifyURL):
		return bad("verification URL must be an absolute URL")
	case !absoluteURI(in.IssuerID):
		return bad("issuer id must be an absolute URL")
	case in.IssuerURL != "" && !absoluteURI(in.IssuerURL):
		return bad("issuer URL must be an absolute URL")
	case in.IssuerName.String() == "":
		return bad("issuer name missing")
	case in.ValidFrom.IsZero():
		return bad("validFrom missing")
	case !in.ValidUntil.IsZero() && !in.ValidUntil.After(in.ValidFrom):
		return bad("validUntil must be after validFrom")
	case strings.TrimSpace(in.HolderName) == "" && strings.TrimSpace(in.HolderLatin) == "":
		return bad("holder name missing")
	case !absoluteURI(in.AchievementID) || strings.Contains(in.AchievementID, "#"):
		return bad("achievement id must be an absolute URI without a fragment")
	case in.AchievementName.String() == "" || in.Description.String() == "" || in.Criteria.String() == "":
		return bad("achievement name, description and criteria are required")
	case in.Level.Code == "" || in.Level.Name.String() == "" || !absoluteURI(in.Level.URL):
		return bad("level needs a code, a name and a URL")
	case !absoluteURI(in.StatusListURL):
		return bad("status list URL must be an absolute URL")
	case in.SuspensionListURL != "" && !absoluteURI(in.SuspensionListURL):
		return bad("suspension list URL must be an absolute URL")
	case in.StatusIndex < 0:
		return bad("status list index must not be negative")
	case in.EventURL != "" && !absoluteURI(in.EventURL):
		return bad("event URL must be an absolute URL")
	}
	for _, m := range in.Mappings {
		if m.Level.Code == "" || m.Level.Name.String() == "" || !absoluteURI(m.Level.URL) {
			return bad("a mapped level needs a code, a name and a URL")
		}
		if m.Official && m.Reference == "" {
			return bad("an official mapping needs the agreement's reference")
		}
	}

	subject := AchievementSubject{
		Type: []string{"AchievementSubject"},
		Name: Text{{"", in.HolderName}, {"", in.HolderLatin}}.String(),
		Achievement: Achievement{
			ID:              in.AchievementID,
			Type:            []string{"Achievement"},
			Name:            in.AchievementName.String(),
			Description:     in.Description.String(),
			Criteria:        Criteria{Narrative: in.Criteria.String()},
			AchievementType: "Certificate",
			FieldOfStudy:    in.SkillName,
			HumanCode:       in.SkillCode,
			Alignment:       []Alignment{alignment(in.Level, "")},
		},
	}
	for _, name := range []string{in.HolderName, in.HolderLatin} {
		if name = strings.TrimSpace(name); name != "" {
			subject.Identifier = append(subject.Identifier, IdentityObject{
				Type: "IdentityObject", IdentityHash: name, IdentityType: "name", Hashed: false,
			})
		}
	}
	if in.OccupationCode != "" {
		subject.Achievement.OtherIdentifier = []IdentifierEntry{{
			Type: "IdentifierEntry", Identifier: in.OccupationCode, IdentifierType: "ext:OccupationCode",
		}}
	}
	for _, m := range in.Mappings {
		provenance := "Indicative mapping"
		if m.Official {
			provenance = "Official mapping: " + m.Reference
		}
		subject.Achievement.Alignment = append(subject.Achievement.Alignment, alignment(m.Level, provenance))
	}
	addResult := func(key, name, resultType, value string) {
		if value == "" {
			return
		}
		id := in.AchievementID + "#" + key
		subject.Achievement.ResultDescription = append(subject.Achievement.ResultDescription, ResultDescription{
			ID: id, Type: []string{"ResultDescription"}, Name: name, ResultType: resultType,
		})
		subject.Result = append(subject.Result, Result{Type: []string{"Result"}, ResultDescription: id, Value: value})
	}
	addResult("medal", "Medal", "Result", in.Medal)
	addResult("score", "Standardised score (700 = median of the skill)", "ScaledScore", in.Score)

	c := Credential{
		Context: append([]string(nil), credentialContext...),
		ID:      in.VerifyURL,
		Type:    append([]string(nil), credentialTypes...),
		Name:    in.AchievementName.String(),
		Issuer: Profile{
			ID: in.IssuerID, Type: []string{"Profile"}, Name: in.IssuerName.String(), URL: in.IssuerURL,
		},
		ValidFrom:         in.ValidFrom.UTC().Truncate(time.Second),
		CredentialSubject: subject,
		CredentialStatus:  []StatusEntry{statusEntry(StatusRevocation, in.StatusListURL, in.StatusIndex)},
	}
	if !in.ValidUntil.IsZero() {
		c.ValidUntil = in.ValidUntil.UTC().Truncate(time.Second)
	}
	if in.SuspensionListURL != "" {
		c.CredentialStatus = append(c.CredentialStatus, statusEntry(StatusSuspension, in.SuspensionListURL, in.StatusIndex))
	}
	if name := in.EventName.String(); name != "" {
		c.Evidence = []Evidence{{ID: in.EventURL, Type: []string{"Evidence"}, Name: name, Description: in.EventInfo.String()}}
	}
	return c, nil
}

// alignment describes a framework level as an Open Badges Alignment.
func alignment(l FrameworkLevel, description string) Alignment {
	return Alignment{
		Type:              []string{"Alignment"},
		TargetName:        l.Name.String(),
		TargetURL:         l.URL,
		TargetDescription: description,
		TargetFramework:   l.Framework.String(),
		TargetCode:        l.Code,
	}
}

// statusEntry is the BitstringStatusListEntry of index in the list at
// listURL; its id is the list's URL with the index as fragment.
func statusEntry(purpose, listURL string, index int) StatusEntry {
	i := strconv.Itoa(index)
	return StatusEntry{
		ID: listURL + "#" + i, Type: "BitstringStatusListEntry", StatusPurpose: purpose,
		StatusListIndex: i, StatusListCredential: listURL,
	}
}

// absoluteURI reports whether s is an absolute URI: http(s) with a host,
// or another scheme (urn:, did:) with something after it.
func absoluteURI(s string) bool {
	if s == "" || len(s) > 2048 || !plainText(s, 2048) || strings.ContainsAny(s, " \t") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return u.Host != ""
	}
	return u.Opaque != "" || u.Path != ""
}

// MaxCredentialJWSSize is the longest signed credential ParseCredentialJWS
// reads, in bytes.
const MaxCredentialJWSSize = 64 << 10

// SignCredential signs cred as a VC-JOSE-COSE credential (media type
// application/vc+jwt): a compact JWS whose payload is the credential's
// JSON, signed with the issuer's Ed25519 key like the QR claims, header typ
// "vc+jwt".
func SignCredential(cred Credential, key crypto.Signer, kid string) (string, error) {
	if cred.ID == "" || cred.ValidFrom.IsZero() {
		return "", fmt.Errorf("%w: a credential to sign needs an id and validFrom", ErrInvalidCredential)
	}
	payload, err := marshalCompact(cred)
	if err != nil {
		return "", fmt.Errorf("certs: credential: %w", err)
	}
	jws, err := signJWS(Header{Alg: AlgEdDSA, KID: kid, Typ: CredentialJWSType}, payload, key)
	if err != nil {
		return "", err
	}
	if len(jws) > MaxCredentialJWSSize {
		return "", fmt.Errorf("%w: signed credential longer than %d bytes", ErrInvalidCredential, MaxCredentialJWSSize)
	}
	return jws, nil
}

// ParseCredentialJWS checks a signed credential as ParseClaims checks
// claims (EdDSA only, known kid, signature), taking validFrom as the
// signing time for the key's window, and returns the credential. Revocation
// is the caller's to check.
func ParseCredentialJWS(jws string, keys KeySet) (Credential, Header, error) {
	h, payload, key, err := verifyJWS(jws, CredentialJWSType, MaxCredentialJWSSize, keys)
	if err != nil {
		return Credential{}, Header{}, err
	}
	var c Credential
	if err := decodeStrictJSON(payload, &c, credentialNames, false); err != nil {
		return Credential{}, Header{}, fmt.Errorf("%w: credential: %v", ErrMalformedJWS, err)
	}
	if c.ID == "" || c.ValidFrom.IsZero() {
		return Credential{}, Header{}, fmt.Errorf("%w: signed credential without id or validFrom", ErrMalformedJWS)
	}
	if err := key.CheckSignedAt(c.ValidFrom); err != nil {
		return Credential{}, Header{}, err
	}
	return c, h, nil
}

// credentialNames are the top-level members of Credential.
var credentialNames = jsonNames(Credential{})
