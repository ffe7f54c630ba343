package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"bayskills/apperr"
	"bayskills/certs"
)

// Certificate states. Pending certificates belong to an issuance still
// running: they are invisible until the whole batch is issued.
const (
	CertPending    = "pending"
	CertValid      = "valid"
	CertRevoked    = "revoked"
	CertSuspended  = "suspended"
	CertSuperseded = "superseded"
)

// StatusListSize is the number of slots of an issuer's status list (issue
// [6/7]: at least 131,072, so an index tells nothing about issue order).
const StatusListSize = certs.MinStatusListSize

// Award is one certificate an issuance is to produce: a competitor (each
// member of a team), an issuer of the skill's plan, and the level of the
// first plan entry of that issuer the entry's result meets.
type Award struct {
	CompetitorID int64           `json:"competitor_id"`
	HolderNative string          `json:"holder_native"`
	HolderLatin  string          `json:"holder_latin"`
	Team         string          `json:"team,omitempty"`
	Result       EntryResult     `json:"result"`
	Issuer       Issuer          `json:"issuer"`
	Plan         PlanEntry       `json:"plan"`
	Level        certs.Level     `json:"level"`
	Framework    certs.Framework `json:"framework"`
}

// Assessment names the sibling group of a competitor's certificates of a
// skill: every issuer's certificate for the same assessment shares it.
func (a Award) Assessment(skill int64) string {
	return "skill:" + strconv.FormatInt(skill, 10) + "/competitor:" + strconv.FormatInt(a.CompetitorID, 10)
}

// PlanIssuance works out the certificates skill's final results earn under
// its recognition plan. Certificates come from final results only: while
// results are provisional (or marking goes on) the answer is a 409.
func (db *DB) PlanIssuance(ctx context.Context, event, skill int64) (Results, []Award, error) {
	res, err := db.Results(ctx, event, skill)
	if err != nil {
		return Results{}, nil, err
	}
	if res.Lifecycle.State != ResultsFinal {
		return Results{}, nil, apperr.New(apperr.Conflict, "certificates are issued from final results only; these are %s",
			res.Lifecycle.State)
	}
	plan, err := db.Plan(ctx, event, skill)
	if err != nil {
		return Results{}, nil, err
	}
	if len(plan) == 0 {
		return Results{}, nil, apperr.New(apperr.Conflict, "the skill has no recognition plan: no issuer awards anything")
	}
	fws, err := db.frameworkMap(ctx)
	if err != nil {
		return Results{}, nil, err
	}
	issuers := map[int64]Issuer{}
	var order []int64
	for _, p := range plan {
		if _, ok := issuers[p.IssuerID]; !ok {
			if issuers[p.IssuerID], err = db.Issuer(ctx, p.IssuerID); err != nil {
				return Results{}, nil, err
			}
			order = append(order, p.IssuerID)
		}
	}
	comps, err := db.Competitors(ctx, event, skill)
	if err != nil {
		return Results{}, nil, err
	}
	byEntry := map[int64][]Competitor{}
	for _, c := range comps {
		byEntry[c.EntryID] = append(byEntry[c.EntryID], c)
	}
	var awards []Award
	for _, er := range res.Entries {
		for _, issuer := range order {
			for _, p := range plan {
				if p.IssuerID != issuer || !p.Meets(er.Award, er.Score) {
					continue
				}
				fw := fws[issuers[issuer].Framework]
				level, _ := fw.Level(p.Level)
				for _, c := range byEntry[er.EntryID] {
					awards = append(awards, Award{CompetitorID: c.ID, HolderNative: c.NameNative, HolderLatin: c.NameLatin,
						Team: c.Team, Result: er, Issuer: issuers[issuer], Plan: p, Level: level, Framework: fw})
				}
				break // the first entry of the issuer the result meets
			}
		}
	}
	return res, awards, nil
}

// Batch is an issuance: a background job over a skill's final results.
type Batch struct {
	ID            int64  `json:"id"`
	SkillID       int64  `json:"skill_id"`
	ResultsSHA256 string `json:"results_sha256"`
	State         string `json:"state"` // running, issued, failed
	Total         int    `json:"total"`
	Done          int    `json:"done"`
	Error         string `json:"error,omitempty"`
	CreatedAt     string `json:"created_at"`
	FinishedAt    string `json:"finished_at,omitempty"`
}

const batchColumns = `id, skill_id, results_sha256, state, total, done, error, created_at, coalesce(finished_at, '')`

func scanBatch(r scanner) (b Batch, err error) {
	err = r.Scan(&b.ID, &b.SkillID, &b.ResultsSHA256, &b.State, &b.Total, &b.Done, &b.Error, &b.CreatedAt, &b.FinishedAt)
	return b, err
}

// StartBatch opens an issuance of total certificates for skill's results
// (by their hash); one at a time per skill.
func (db *DB) StartBatch(ctx context.Context, skill, user int64, resultsSHA string, total int) (Batch, error) {
	var id int64
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		var running int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM issuance_batches WHERE skill_id = ? AND state = 'running'`,
			skill).Scan(&running); err != nil {
			return internal(err, "check batches")
		}
		if running > 0 {
			return apperr.New(apperr.Conflict, "an issuance of this skill is already running")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO issuance_batches (skill_id, results_sha256, state, total, created_by,
			created_at) VALUES (?, ?, 'running', ?, ?, ?)`, skill, resultsSHA, total, nullZero(user), db.stamp())
		if err != nil {
			return internal(err, "start batch")
		}
		id, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	return db.Batch(ctx, id)
}

// Batch loads an issuance.
func (db *DB) Batch(ctx context.Context, id int64) (Batch, error) {
	b, err := scanBatch(db.read.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM issuance_batches WHERE id = ?`, id))
	return b, notFound(err, "issuance")
}

// Batches lists a skill's issuances, newest first.
func (db *DB) Batches(ctx context.Context, skill int64) ([]Batch, error) {
	return readAll(ctx, db, scanBatch, "issuances", `SELECT `+batchColumns+` FROM issuance_batches WHERE skill_id = ? ORDER BY id DESC`,
		skill)
}

// NextSerials reserves n serials of issuer for a year and level and
// returns the first; serials of a failed batch are not reused.
func (db *DB) NextSerials(ctx context.Context, issuer int64, year, level string, n int) (int64, error) {
	var first int64
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last FROM certificate_serials WHERE issuer_id = ? AND year = ? AND level = ?`,
			issuer, year, level).Scan(&last)
		if err != nil && err != sql.ErrNoRows {
			return internal(err, "read serial")
		}
		if last+int64(n) > certs.MaxMainlandSerial {
			return apperr.New(apperr.Conflict, "issuer %d has no serials left for %s level %s", issuer, year, level)
		}
		first = last + 1
		_, err = tx.ExecContext(ctx, `INSERT INTO certificate_serials (issuer_id, year, level, last) VALUES (?, ?, ?, ?)
			ON CONFLICT (issuer_id, year, level) DO UPDATE SET last = excluded.last`, issuer, year, level, last+int64(n))
		return internal(err, "reserve serials")
	})
	return first, err
}

// NewCertificate is a rendered and signed certificate to stage.
type NewCertificate struct {
	PublicID    string
	Number      string
	Award       Award
	Assessment  string
	IssuedAt    string
	ValidUntil  string
	StatusIndex int
	Claims      string
	Credential  []byte
	PDF         []byte
	PDFSHA256   string
}

// StageCertificates stores certificates of a running batch as pending
// (invisible) and counts them done. A status index already taken by the
// issuer is an error the caller retries with another.
func (db *DB) StageCertificates(ctx context.Context, batch, skill int64, list []NewCertificate) error {
	return db.lockTx(ctx, func(tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM issuance_batches WHERE id = ?`, batch).Scan(&state); err != nil {
			return notFound(err, "issuance")
		}
		if state != "running" {
			return apperr.New(apperr.Conflict, "the issuance is %s", state)
		}
		for _, c := range list {
			result, err := json.Marshal(map[string]any{"rank": c.Award.Result.Rank, "score": c.Award.Result.Score,
				"award": c.Award.Result.Award, "region": c.Award.Result.Region})
			if err != nil {
				return internal(err, "encode result")
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO certificates (public_id, batch_id, issuer_id, skill_id,
				competitor_id, assessment, number, level, provenance, reference, holder_native, holder_latin, result,
				issued_at, valid_until, status, status_index, claims, credential, pdf_sha256)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
				c.PublicID, batch, c.Award.Issuer.ID, skill, c.Award.CompetitorID, c.Assessment, c.Number, c.Award.Level.Code,
				c.Award.Plan.Provenance, c.Award.Plan.Reference, c.Award.HolderNative, c.Award.HolderLatin, string(result),
				c.IssuedAt, nullEmpty(c.ValidUntil), c.StatusIndex, c.Claims, string(c.Credential), c.PDFSHA256)
			if isUnique(err) {
				return apperr.New(apperr.Conflict, "certificate %s: number or status index already taken", c.Number)
			}
			if err != nil {
				return internal(err, "stage certificate")
			}
			id, _ := res.LastInsertId()
			if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_pdfs (certificate_id, pdf) VALUES (?, ?)`,
				id, c.PDF); err != nil {
				return internal(err, "stage certificate PDF")
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE issuance_batches SET done = done + ? WHERE id = ?`, len(list), batch)
		return internal(err, "count staged")
	})
}

func nullEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FinishBatch issues a batch whole, in one transaction: its pending
// certificates become valid, and each supersedes the valid certificate its
// holder had from the same issuer for the same skill (nothing is deleted).
// Anything short of every certificate staged is refused.
func (db *DB) FinishBatch(ctx context.Context, event, batch, user int64) (Batch, error) {
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		b, err := scanBatch(tx.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM issuance_batches WHERE id = ?`, batch))
		if err != nil {
			return notFound(err, "issuance")
		}
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM certificates WHERE batch_id = ? AND status = 'pending'`,
			batch).Scan(&pending); err != nil {
			return internal(err, "count pending")
		}
		if b.State != "running" || pending != b.Total {
			return apperr.New(apperr.Conflict, "the issuance is %s with %d of %d certificates staged", b.State, pending, b.Total)
		}
		now := db.stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE certificates AS old SET status = 'superseded', status_at = ?1,
			status_reason = 'reissued', superseded_by = (SELECT n.id FROM certificates n WHERE n.batch_id = ?2
				AND n.issuer_id = old.issuer_id AND n.skill_id = old.skill_id AND n.competitor_id = old.competitor_id)
			WHERE old.status IN ('valid', 'suspended') AND old.skill_id = ?3 AND EXISTS (SELECT 1 FROM certificates n
				WHERE n.batch_id = ?2 AND n.issuer_id = old.issuer_id AND n.competitor_id = old.competitor_id)`,
			now, batch, b.SkillID); err != nil {
			return internal(err, "supersede")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET status = 'valid', status_at = ? WHERE batch_id = ?`,
			now, batch); err != nil {
			return internal(err, "issue")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE issuance_batches SET state = 'issued', finished_at = ? WHERE id = ?`,
			now, batch); err != nil {
			return internal(err, "finish batch")
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: b.SkillID, action: "certificates.issue",
			subject: fmt.Sprintf("batch:%d", batch), after: map[string]any{"certificates": b.Total,
				"results_sha256": b.ResultsSHA256}})
	})
	if err != nil {
		return Batch{}, err
	}
	return db.Batch(ctx, batch)
}

// FailBatch ends a batch that could not finish: its pending certificates
// never existed for anyone, so they go; the batch keeps the reason.
func (db *DB) FailBatch(ctx context.Context, batch int64, reason string) error {
	return db.lockTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM certificate_pdfs WHERE certificate_id IN
			(SELECT id FROM certificates WHERE batch_id = ? AND status = 'pending')`, batch); err != nil {
			return internal(err, "drop pending PDFs")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM certificates WHERE batch_id = ? AND status = 'pending'`, batch); err != nil {
			return internal(err, "drop pending")
		}
		_, err := tx.ExecContext(ctx, `UPDATE issuance_batches SET state = 'failed', error = ?, finished_at = ?
			WHERE id = ? AND state = 'running'`, reason, db.stamp(), batch)
		return internal(err, "fail batch")
	})
}

// FailInterrupted fails every batch left running by a process that
// stopped (at start, before serving): no half-issued batch survives.
func (db *DB) FailInterrupted(ctx context.Context) (int, error) {
	ids, err := queryAll(ctx, db.read, func(r scanner) (id int64, err error) { return id, r.Scan(&id) },
		"batches", `SELECT id FROM issuance_batches WHERE state = 'running'`)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := db.FailBatch(ctx, id, "interrupted: the server stopped during the issuance"); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// CertificateRecord is a certificate as the registry keeps it (without its
// PDF bytes).
type CertificateRecord struct {
	PublicID     string          `json:"id"`
	IssuerID     int64           `json:"issuer_id"`
	SkillID      int64           `json:"skill_id"`
	CompetitorID int64           `json:"competitor_id"`
	Assessment   string          `json:"-"`
	Number       string          `json:"number"`
	Level        string          `json:"level"`
	Provenance   string          `json:"provenance"`
	Reference    string          `json:"reference,omitempty"`
	HolderNative string          `json:"holder_native"`
	HolderLatin  string          `json:"holder_latin"`
	Result       json.RawMessage `json:"result"`
	IssuedAt     string          `json:"issued_at"`
	ValidUntil   string          `json:"valid_until,omitempty"`
	Status       string          `json:"status"`
	StatusReason string          `json:"status_reason,omitempty"`
	StatusAt     string          `json:"status_at,omitempty"`
	StatusIndex  int             `json:"status_index"`
	PDFSHA256    string          `json:"pdf_sha256"`
}

const certColumns = `public_id, issuer_id, skill_id, competitor_id, assessment, number, level, provenance, reference,
	holder_native, holder_latin, result, issued_at, coalesce(valid_until, ''), status, status_reason,
	coalesce(status_at, ''), status_index, pdf_sha256`

func scanCert(r scanner) (c CertificateRecord, err error) {
	var result string
	err = r.Scan(&c.PublicID, &c.IssuerID, &c.SkillID, &c.CompetitorID, &c.Assessment, &c.Number, &c.Level, &c.Provenance,
		&c.Reference, &c.HolderNative, &c.HolderLatin, &result, &c.IssuedAt, &c.ValidUntil, &c.Status, &c.StatusReason,
		&c.StatusAt, &c.StatusIndex, &c.PDFSHA256)
	c.Result = json.RawMessage(result)
	return c, err
}

// SkillCertificates lists skill's issued certificates (not pending ones).
func (db *DB) SkillCertificates(ctx context.Context, event, skill int64) ([]CertificateRecord, error) {
	if _, err := db.Skill(ctx, event, skill); err != nil {
		return nil, err
	}
	return queryAll(ctx, db.read, scanCert, "certificates", `SELECT `+certColumns+` FROM certificates
		WHERE skill_id = ? AND status <> 'pending' ORDER BY competitor_id, issuer_id, id`, skill)
}

// CertificateByID finds an issued certificate by its opaque id.
func (db *DB) CertificateByID(ctx context.Context, publicID string) (CertificateRecord, error) {
	c, err := scanCert(db.read.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates
		WHERE public_id = ? AND status <> 'pending'`, publicID))
	return c, notFound(err, "certificate")
}

// CertificatePDF returns an issued certificate's PDF, byte for byte as
// issued (its SHA-256 is in the registry).
func (db *DB) CertificatePDF(ctx context.Context, publicID string) ([]byte, error) {
	var pdf []byte
	err := db.read.QueryRowContext(ctx, `SELECT p.pdf FROM certificates c JOIN certificate_pdfs p ON p.certificate_id = c.id
		WHERE c.public_id = ? AND c.status <> 'pending'`, publicID).Scan(&pdf)
	return pdf, notFound(err, "certificate")
}
