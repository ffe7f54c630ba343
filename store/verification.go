package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"bayskills/apperr"
	"bayskills/certs"
)

// Verification (DESIGN §8): what an employer's lookup reads, and what an
// issuer's officer changes — revocation, suspension, reinstatement — and
// the issuers' key rotation. Every change is an audit entry.

// Audit actions of verification.
const (
	ActionCertificateStatus = "certificate.status"
	ActionKeysRotate        = "issuer.keys.rotate"
	ActionOfficer           = "issuer.officer"
)

// VerifiedCertificate is a certificate as the verification page shows it:
// the registry's record with what it names — skill, event — and the QR
// claims it was issued with. Never an identity-document number: the
// registry has none.
type VerifiedCertificate struct {
	CertificateRecord
	Claims         string
	Credential     json.RawMessage // as issued (VC 2.0 / OB 3.0)
	SkillCode      string
	SkillName      Names
	OccupationCode string
	EventID        int64
	EventName      Names
	EventStartsOn  string
	EventEndsOn    string
	SupersededBy   string // the public id of the certificate that replaced it, if any
}

const verifiedColumns = `c.public_id, c.issuer_id, c.skill_id, c.competitor_id, c.assessment, c.number, c.level,
	c.provenance, c.reference, c.holder_native, c.holder_latin, c.result, c.issued_at, coalesce(c.valid_until, ''),
	c.status, c.status_reason, coalesce(c.status_at, ''), c.status_index, c.pdf_sha256, c.claims, c.credential, s.code, s.name_en,
	s.name_zh_hans, s.name_zh_hant, s.name_pt, s.occupation_code, e.id, e.name_en, e.name_zh_hans, e.name_zh_hant,
	e.name_pt, e.starts_on, e.ends_on, coalesce(n.public_id, '')`

const verifiedFrom = ` FROM certificates c JOIN skills s ON s.id = c.skill_id JOIN events e ON e.id = s.event_id
	LEFT JOIN certificates n ON n.id = c.superseded_by`

func scanVerified(r scanner) (v VerifiedCertificate, err error) {
	var result, credential string
	c := &v.CertificateRecord
	err = r.Scan(&c.PublicID, &c.IssuerID, &c.SkillID, &c.CompetitorID, &c.Assessment, &c.Number, &c.Level,
		&c.Provenance, &c.Reference, &c.HolderNative, &c.HolderLatin, &result, &c.IssuedAt, &c.ValidUntil, &c.Status,
		&c.StatusReason, &c.StatusAt, &c.StatusIndex, &c.PDFSHA256, &v.Claims, &credential, &v.SkillCode, &v.SkillName.En,
		&v.SkillName.ZhHans, &v.SkillName.ZhHant, &v.SkillName.Pt, &v.OccupationCode, &v.EventID, &v.EventName.En,
		&v.EventName.ZhHans, &v.EventName.ZhHant, &v.EventName.Pt, &v.EventStartsOn, &v.EventEndsOn, &v.SupersededBy)
	if err != nil {
		return v, err
	}
	c.Result, v.Credential = []byte(result), []byte(credential)
	return v, nil
}

// VerifyCertificate loads an issued certificate by its opaque id, for the
// verification page; pending certificates do not exist yet.
func (db *DB) VerifyCertificate(ctx context.Context, publicID string) (VerifiedCertificate, error) {
	stmt, err := db.readStmt(ctx, sqlVerifyCertificate)
	if err != nil {
		return VerifiedCertificate{}, err
	}
	v, err := scanVerified(stmt.QueryRowContext(ctx, publicID))
	return v, notFound(err, "certificate")
}

var sqlVerifyCertificate = `SELECT ` + verifiedColumns + verifiedFrom + ` WHERE c.public_id = ? AND c.status <> 'pending'`

// CertificateBySHA256 finds the issued certificate whose PDF has this
// SHA-256 (hex), for an uploaded PDF.
func (db *DB) CertificateBySHA256(ctx context.Context, sum string) (VerifiedCertificate, error) {
	v, err := scanVerified(db.read.QueryRowContext(ctx, `SELECT `+verifiedColumns+verifiedFrom+`
		WHERE c.pdf_sha256 = ? AND c.status <> 'pending' ORDER BY c.id LIMIT 1`, strings.ToLower(sum)))
	return v, notFound(err, "certificate")
}

// errLookupMiss is the one answer of a lookup that finds nothing: it does
// not say whether the number or the name was wrong.
var errLookupMiss = apperr.New(apperr.NotFound, "no certificate has this number and holder name")

// LookupCertificate finds a certificate by its number and its holder's
// name in either script, as the national query service does. Names match
// whatever their case, spacing and Unicode form; a miss never tells which
// of the two was wrong.
func (db *DB) LookupCertificate(ctx context.Context, number, name string) (VerifiedCertificate, error) {
	number, want := strings.TrimSpace(number), FoldName(name)
	if number == "" || want == "" || len(number) > 64 || len(name) > 200 {
		return VerifiedCertificate{}, errLookupMiss
	}
	list, err := queryAll(ctx, db.read, scanVerified, "certificates", `SELECT `+verifiedColumns+verifiedFrom+`
		WHERE c.number = ? AND c.status <> 'pending' ORDER BY c.id`, number)
	if err != nil {
		return VerifiedCertificate{}, err
	}
	for _, v := range list {
		if FoldName(v.HolderNative) == want || FoldName(v.HolderLatin) == want {
			return v, nil
		}
	}
	return VerifiedCertificate{}, errLookupMiss
}

// FoldName is a holder's name as lookups compare it: NFKC, case folded,
// without spaces, dots, hyphens or middle dots (CHAN Ka-yan, Chan Ka Yan
// and chankayan are one name; 陳嘉欣 stays itself).
func FoldName(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune(".-·‧・'’", r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Sibling is another certificate of the same assessment: the same holder's
// certificate from another region's issuer (一试多证).
type Sibling struct {
	PublicID string `json:"id"`
	IssuerID int64  `json:"issuer_id"`
	Number   string `json:"number"`
	Level    string `json:"level"`
	Status   string `json:"status"`
}

// Siblings lists the current certificates sharing v's assessment, other
// than v itself, by issuer.
func (db *DB) Siblings(ctx context.Context, v VerifiedCertificate) ([]Sibling, error) {
	return readAll(ctx, db, func(r scanner) (s Sibling, err error) {
		return s, r.Scan(&s.PublicID, &s.IssuerID, &s.Number, &s.Level, &s.Status)
	}, "sibling certificates", `SELECT public_id, issuer_id, number, level, status FROM certificates
		WHERE assessment = ? AND public_id <> ? AND status IN ('valid', 'suspended', 'revoked')
		ORDER BY issuer_id, id`, v.Assessment, v.PublicID)
}

// StatusChange is what an issuer's officer (or an admin) does to a
// certificate: revoke it (for good), suspend it, or reinstate a suspended
// one, always with a reason.
type StatusChange struct {
	Status string `json:"status"` // revoked, suspended or valid
	Reason string `json:"reason"`
}

// SetCertificateStatus applies a status change: valid → revoked or
// suspended; suspended → valid or revoked. Revocation is final, and a
// superseded certificate stays superseded. The change and its audit entry
// commit together.
func (db *DB) SetCertificateStatus(ctx context.Context, publicID string, ch StatusChange, user int64) (CertificateRecord, error) {
	ch.Reason = clean(ch.Reason)
	fe := apperr.FieldErrors{}
	if ch.Status != CertRevoked && ch.Status != CertSuspended && ch.Status != CertValid {
		fe.Add("status", "revoked, suspended or valid")
	}
	checkText(fe, "reason", ch.Reason, true, 500)
	if err := fe.Err("the status change is invalid"); err != nil {
		return CertificateRecord{}, err
	}
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		var id, skill, event int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT c.id, c.skill_id, s.event_id, c.status FROM certificates c
			JOIN skills s ON s.id = c.skill_id WHERE c.public_id = ? AND c.status <> 'pending'`, publicID).
			Scan(&id, &skill, &event, &status)
		if err != nil {
			return notFound(err, "certificate")
		}
		allowed := map[string][]string{CertValid: {CertRevoked, CertSuspended}, CertSuspended: {CertValid, CertRevoked}}
		if !slices.Contains(allowed[status], ch.Status) {
			return apperr.New(apperr.Conflict, "a %s certificate cannot become %s", status, ch.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET status = ?, status_reason = ?, status_at = ?
			WHERE id = ?`, ch.Status, ch.Reason, db.stamp(), id); err != nil {
			return internal(err, "change certificate status")
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionCertificateStatus,
			subject: "certificate:" + publicID, before: map[string]string{"status": status},
			after: ch})
	})
	if err != nil {
		return CertificateRecord{}, err
	}
	return db.CertificateByID(ctx, publicID)
}

// Status list purposes (W3C Bitstring Status List §2.1).
const (
	PurposeRevocation = certs.StatusRevocation
	PurposeSuspension = certs.StatusSuspension
)

// StatusIndexes returns the slots of issuer's status list set for
// purpose: revoked and superseded certificates for revocation (a re-issue
// replaces the old paper), suspended ones for suspension.
func (db *DB) StatusIndexes(ctx context.Context, issuer int64, purpose string) ([]int, error) {
	statuses := map[string]string{PurposeRevocation: `'revoked', 'superseded'`, PurposeSuspension: `'suspended'`}[purpose]
	if statuses == "" {
		return nil, apperr.New(apperr.NotFound, "no %q status list", purpose)
	}
	return queryAll(ctx, db.read, func(r scanner) (i int, err error) { return i, r.Scan(&i) }, "status indexes",
		`SELECT status_index FROM certificates WHERE issuer_id = ? AND status IN (`+statuses+`)`, issuer)
}

// IssuerByCode loads an issuer by its code.
func (db *DB) IssuerByCode(ctx context.Context, code string) (Issuer, error) {
	i, err := scanIssuer(db.read.QueryRowContext(ctx, `SELECT `+issuerColumns+` FROM issuers WHERE code = ?`, code))
	return i, notFound(err, "issuer")
}

// AllIssuerKeys lists every key of every issuer — current, retired and
// compromised — for the published key set.
func (db *DB) AllIssuerKeys(ctx context.Context) ([]IssuerKey, error) {
	return queryAll(ctx, db.read, scanIssuerKey, "issuer keys", `SELECT `+issuerKeyColumns+` FROM issuer_keys
		ORDER BY issuer_id, id`)
}

// KeysFingerprint changes whenever an issuer is added or a key is added,
// retired or compromised, by this process or another (`bayskills keys
// rotate`): verifiers cache what they derive from the keys until it does.
func (db *DB) KeysFingerprint(ctx context.Context) (string, error) {
	var fp string
	err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) FROM issuers) || '/' ||
		(SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || count(retired_at) || ':' || count(compromised_at)
		FROM issuer_keys)`).Scan(&fp)
	return fp, internal(err, "fingerprint keys")
}

// KeyRotation is a rotation of an issuer's keys: the current keys stop
// signing now and new ones take over. A rotation after a compromise says
// since when the current keys are compromised: whatever they signed from
// then on no longer verifies, while what they signed before still does.
type KeyRotation struct {
	CompromisedAt time.Time // zero: a routine rotation
	Reason        string
}

// RotateIssuerKeys retires issuer's current keys and stores the new ones
// makeKeys makes, in one transaction; nothing is deleted. A compromise
// time must not be in the future.
func (db *DB) RotateIssuerKeys(ctx context.Context, issuer, user int64, r KeyRotation, makeKeys func(Issuer) ([]IssuerKey, error)) ([]IssuerKey, error) {
	iss, err := db.Issuer(ctx, issuer)
	if err != nil {
		return nil, err
	}
	now := db.now().UTC()
	if r.CompromisedAt.After(now) {
		return nil, apperr.WithFields("the compromise time is in the future",
			map[string]string{"compromised_at": "must not be after now"})
	}
	keys, err := makeKeys(iss)
	if err != nil {
		return nil, apperr.Wrap(err, "make the keys of issuer "+iss.Code)
	}
	stamp := db.stamp()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE issuer_keys SET not_after = ?1, retired_at = ?1
			WHERE issuer_id = ?2 AND retired_at IS NULL AND compromised_at IS NULL AND (not_after IS NULL OR not_after > ?1)`,
			stamp, issuer)
		if err != nil {
			return internal(err, "retire keys")
		}
		retired, _ := res.RowsAffected()
		after := map[string]any{"retired": retired, "reason": clean(r.Reason)}
		if !r.CompromisedAt.IsZero() {
			at := r.CompromisedAt.UTC().Format("2006-01-02T15:04:05.000Z")
			// Every key that could still sign at that time is compromised
			// from then on (the ones retired before it are not).
			if _, err := tx.ExecContext(ctx, `UPDATE issuer_keys SET compromised_at = ?1
				WHERE issuer_id = ?2 AND compromised_at IS NULL AND (not_after IS NULL OR not_after >= ?1)`,
				at, issuer); err != nil {
				return internal(err, "mark keys compromised")
			}
			after["compromised_at"] = at
		}
		if err := db.appendAudit(ctx, tx, audit{user: user, action: ActionKeysRotate,
			subject: "issuer:" + iss.Code, after: after}); err != nil {
			return err
		}
		return db.insertIssuerKeys(ctx, tx, issuer, user, keys)
	})
	if err != nil {
		return nil, err
	}
	return db.IssuerKeys(ctx, issuer)
}

// SetIssuerOfficer makes user an officer of issuer (on), or no longer one.
func (db *DB) SetIssuerOfficer(ctx context.Context, issuer, user, by int64, on bool) error {
	if _, err := db.Issuer(ctx, issuer); err != nil {
		return err
	}
	u, err := db.User(ctx, user)
	if err != nil {
		return err
	}
	if on && u.Role == RoleJudge {
		return apperr.New(apperr.Invalid, "a judge account cannot act for an issuer")
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		q := `DELETE FROM issuer_officers WHERE issuer_id = ? AND user_id = ?`
		if on {
			q = `INSERT INTO issuer_officers (issuer_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
		}
		if _, err := tx.ExecContext(ctx, q, issuer, user); err != nil {
			return internal(err, "set issuer officer")
		}
		return db.appendAudit(ctx, tx, audit{user: by, action: ActionOfficer, subject: fmt.Sprintf("issuer:%d", issuer),
			after: map[string]any{"user": user, "officer": on}})
	})
}

// IsIssuerOfficer reports whether user acts for issuer.
func (db *DB) IsIssuerOfficer(ctx context.Context, issuer, user int64) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM issuer_officers WHERE issuer_id = ? AND user_id = ?`,
		issuer, user).Scan(&n)
	return n > 0, internal(err, "check issuer officer")
}
