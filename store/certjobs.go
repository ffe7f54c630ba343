package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"bayskills/apperr"
)

// Purposes of issuer keys (DESIGN §7: every certificate is signed twice).
const (
	KeyPurposePDF    = "pdf"    // the PDF's digital signature, with an X.509 certificate
	KeyPurposeClaims = "claims" // the QR code's signed claims (EdDSA)
)

// IssuerKey is one of an issuer's signing keys: its public half, the
// X.509 certificate of a PDF key, the window in which it signs, and the
// private key sealed with the master key. Keys are rotated, never deleted.
type IssuerKey struct {
	IssuerID  int64           `json:"issuer_id"`
	KID       string          `json:"kid"`
	Purpose   string          `json:"purpose"`
	Algorithm string          `json:"algorithm"` // ES256, EdDSA, …
	PublicJWK json.RawMessage `json:"public_jwk"`
	// Certificate is the PEM of a PDF key's X.509 certificate, followed by
	// the certificates of its chain, if any.
	Certificate   string `json:"certificate,omitempty"`
	NotBefore     string `json:"not_before"` // empty when adding: from now
	NotAfter      string `json:"not_after,omitempty"`
	RetiredAt     string `json:"retired_at,omitempty"`
	CompromisedAt string `json:"compromised_at,omitempty"`
	CreatedAt     string `json:"created_at"`
	// Sealed is the private key sealed with the master key (certs.SealKey).
	// It never leaves the server: not in JSON, not in logs.
	Sealed string `json:"-"`
}

// String describes the key without its sealed private key, for logs.
func (k IssuerKey) String() string {
	return fmt.Sprintf("IssuerKey{issuer: %d, kid: %s, purpose: %s}", k.IssuerID, k.KID, k.Purpose)
}

const issuerKeyColumns = `issuer_id, kid, purpose, algorithm, public_jwk, certificate, sealed, not_before,
	coalesce(not_after, ''), coalesce(retired_at, ''), coalesce(compromised_at, ''), created_at`

func scanIssuerKey(r scanner) (k IssuerKey, err error) {
	var jwk string
	err = r.Scan(&k.IssuerID, &k.KID, &k.Purpose, &k.Algorithm, &jwk, &k.Certificate, &k.Sealed, &k.NotBefore,
		&k.NotAfter, &k.RetiredAt, &k.CompromisedAt, &k.CreatedAt)
	k.PublicJWK = json.RawMessage(jwk)
	return k, err
}

// insertIssuerKeys stores new keys of an issuer inside tx, with their
// audit entry (when the issuer is created; key rotation will add more).
func (db *DB) insertIssuerKeys(ctx context.Context, tx *sql.Tx, issuer, user int64, keys []IssuerKey) error {
	now := db.stamp()
	var kids []string
	for _, k := range keys {
		if k.Purpose != KeyPurposePDF && k.Purpose != KeyPurposeClaims {
			return apperr.New(apperr.Invalid, "key purpose must be pdf or claims")
		}
		if k.Sealed == "" || k.KID == "" {
			return apperr.New(apperr.Invalid, "a key needs an id and a sealed private key")
		}
		start := k.NotBefore
		if start == "" {
			start = now
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO issuer_keys (issuer_id, kid, purpose, algorithm, public_jwk,
			certificate, sealed, not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			issuer, k.KID, k.Purpose, k.Algorithm, string(k.PublicJWK), k.Certificate, k.Sealed, start,
			nullEmpty(k.NotAfter), now)
		if isUnique(err) {
			return apperr.New(apperr.Conflict, "key %s exists", k.KID)
		}
		if err != nil {
			return internal(err, "store issuer key")
		}
		kids = append(kids, k.Purpose+":"+k.KID)
	}
	return db.appendAudit(ctx, tx, audit{user: user, action: "issuer.keys", subject: fmt.Sprintf("issuer:%d", issuer),
		after: map[string]any{"keys": kids}})
}

// IssuerKeys lists every key of an issuer, newest first: current, retired
// and compromised alike, for verifiers that check old certificates.
func (db *DB) IssuerKeys(ctx context.Context, issuer int64) ([]IssuerKey, error) {
	return queryAll(ctx, db.read, scanIssuerKey, "issuer keys", `SELECT `+issuerKeyColumns+` FROM issuer_keys
		WHERE issuer_id = ? ORDER BY id DESC`, issuer)
}

// ActiveKeys lists the keys an issuer may sign with now (started, not
// ended, retired or compromised), newest first: the first of each purpose
// signs new certificates.
func (db *DB) ActiveKeys(ctx context.Context, issuer int64) ([]IssuerKey, error) {
	now := db.stamp()
	return queryAll(ctx, db.read, scanIssuerKey, "issuer keys", `SELECT `+issuerKeyColumns+` FROM issuer_keys
		WHERE issuer_id = ? AND not_before <= ? AND (not_after IS NULL OR not_after > ?)
			AND retired_at IS NULL AND compromised_at IS NULL
		ORDER BY id DESC`, issuer, now, now)
}

// SigningKeys lists the active keys of every issuer, for the start-up check
// that the master key opens them.
func (db *DB) SigningKeys(ctx context.Context) ([]IssuerKey, error) {
	now := db.stamp()
	return queryAll(ctx, db.read, scanIssuerKey, "issuer keys", `SELECT `+issuerKeyColumns+` FROM issuer_keys
		WHERE not_before <= ? AND (not_after IS NULL OR not_after > ?) AND retired_at IS NULL AND compromised_at IS NULL
		ORDER BY issuer_id, id DESC`, now, now)
}

// StatusIndexesInUse returns the status list slots an issuer's
// certificates hold, pending ones included, so that an issuance picks free
// ones (the registry refuses a slot taken twice).
func (db *DB) StatusIndexesInUse(ctx context.Context, issuer int64) (map[int]bool, error) {
	list, err := queryAll(ctx, db.read, func(r scanner) (i int, err error) { return i, r.Scan(&i) }, "status indexes",
		`SELECT status_index FROM certificates WHERE issuer_id = ?`, issuer)
	if err != nil {
		return nil, err
	}
	used := make(map[int]bool, len(list))
	for _, i := range list {
		used[i] = true
	}
	return used, nil
}
