package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"bayskills/apperr"
	"bayskills/certs"
)

// Numbering schemes of certificate numbers.
const (
	NumberingMainland = "mainland" // the 22-character national layout (certs.MainlandNumber)
	NumberingTemplate = "template" // the issuer's own template
)

// Issuer is a region's certifying body (DESIGN §7): its names, framework,
// the languages its certificates speak in print order, and how it numbers
// them.
type Issuer struct {
	ID        int64       `json:"id"`
	Code      string      `json:"code"`
	Region    Region      `json:"region"`
	Name      certs.Names `json:"name"`
	Framework string      `json:"framework"`
	Languages []string    `json:"languages"`
	Numbering string      `json:"numbering"`
	// NumberTemplate, for template numbering: literal text with {year}
	// (4 digits), {level} (the level code) and {serial:N} (N digits).
	NumberTemplate string `json:"number_template,omitempty"`
	// Mainland numbering: evaluator type (Y or S), organisation code (4
	// digits), province (2) and site (6).
	Evaluator string `json:"evaluator,omitempty"`
	OrgCode   string `json:"org_code,omitempty"`
	Province  string `json:"province,omitempty"`
	Site      string `json:"site,omitempty"`
	// ValidityMonths is how long its certificates are valid; 0: they do
	// not expire (Mainland skill level certificates do not).
	ValidityMonths int `json:"validity_months,omitempty"`
	// Demo issuers are plainly marked as such on everything they issue.
	Demo      bool   `json:"demo"`
	CreatedAt string `json:"created_at"`
}

var (
	issuerCode     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)
	templateSerial = regexp.MustCompile(`\{serial:([1-9])\}`)
	digitsOf       = func(n int) *regexp.Regexp { return regexp.MustCompile(`^[0-9]{` + strconv.Itoa(n) + `}$`) }
	fourDigits     = digitsOf(4)
	twoDigits      = digitsOf(2)
	sixDigits      = digitsOf(6)
)

// validate lists every problem with in against the stored frameworks.
func (in *Issuer) validate(fws map[string]certs.Framework) error {
	fe := apperr.FieldErrors{}
	in.Code = strings.ToUpper(clean(in.Code))
	if !issuerCode.MatchString(in.Code) {
		fe.Add("code", "2–32 capital letters, digits or dashes")
	}
	checkRegion(fe, "region", in.Region)
	names := Names(in.Name)
	names.trim()
	names.check(fe, "name")
	// The English name becomes the signing certificate's common name,
	// where no formatting character may go.
	if strings.IndexFunc(names.En, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0 {
		fe.Add("name.en", "must not contain invisible formatting characters")
	}
	in.Name = certs.Names(names)
	if in.Name.En == "" || in.Name.In(nativeScript(in.Region)) == "" {
		fe.Add("name", "needs an English name and one in "+nativeScript(in.Region))
	}
	if f, ok := fws[in.Framework]; !ok {
		fe.Add("framework", "unknown framework")
	} else if f.Region != string(in.Region) {
		fe.Add("framework", "is the framework of "+f.Region+", not of the issuer's region")
	}
	if len(in.Languages) == 0 {
		fe.Add("languages", "name the languages of the certificates, in print order")
	}
	for i, l := range in.Languages {
		if !slices.Contains([]string{"en", "zh-Hans", "zh-Hant", "pt"}, l) || slices.Index(in.Languages, l) != i {
			fe.Add("languages", "each of en, zh-Hans, zh-Hant, pt at most once")
		}
	}
	if in.ValidityMonths < 0 || in.ValidityMonths > 1200 {
		fe.Add("validity_months", "0 (no expiry) to 1200")
	}
	switch in.Numbering {
	case NumberingMainland:
		if in.Evaluator != "Y" && in.Evaluator != "S" {
			fe.Add("evaluator", "Y (employer) or S (social training and evaluation organisation)")
		}
		if !fourDigits.MatchString(in.OrgCode) {
			fe.Add("org_code", "4 digits")
		}
		if !twoDigits.MatchString(in.Province) {
			fe.Add("province", "2 digits")
		}
		if !sixDigits.MatchString(in.Site) {
			fe.Add("site", "6 digits")
		}
	case NumberingTemplate:
		if !templateSerial.MatchString(in.NumberTemplate) || len(in.NumberTemplate) > 64 {
			fe.Add("number_template", "up to 64 characters with a {serial:N} part (and optionally {year}, {level})")
		}
	default:
		fe.Add("numbering", "mainland or template")
	}
	return fe.Err("the issuer has invalid fields")
}

// nativeScript is the Chinese script of a region's names.
func nativeScript(r Region) string {
	if r == Guangdong {
		return "zh-Hans"
	}
	return "zh-Hant"
}

func (db *DB) frameworkMap(ctx context.Context) (map[string]certs.Framework, error) {
	fws, err := db.Frameworks(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]certs.Framework{}
	for _, f := range fws {
		m[f.Code] = f
	}
	return m, nil
}

const issuerColumns = `id, code, region, name, framework, languages, numbering, number_template, evaluator, org_code,
	province, site, validity_months, demo, created_at`

func scanIssuer(r scanner) (i Issuer, err error) {
	var name, langs string
	if err = r.Scan(&i.ID, &i.Code, &i.Region, &name, &i.Framework, &langs, &i.Numbering, &i.NumberTemplate,
		&i.Evaluator, &i.OrgCode, &i.Province, &i.Site, &i.ValidityMonths, &i.Demo, &i.CreatedAt); err != nil {
		return i, err
	}
	if err = json.Unmarshal([]byte(name), &i.Name); err == nil {
		err = json.Unmarshal([]byte(langs), &i.Languages)
	}
	return i, err
}

// CreateIssuer adds a certifying body (admins do) with the keys makeKeys
// makes for it once it is valid (nil: none), in one transaction: no issuer
// is ever left without its keys.
func (db *DB) CreateIssuer(ctx context.Context, in Issuer, user int64, makeKeys func(Issuer) ([]IssuerKey, error)) (Issuer, error) {
	fws, err := db.frameworkMap(ctx)
	if err != nil {
		return Issuer{}, err
	}
	if err := in.validate(fws); err != nil {
		return Issuer{}, err
	}
	var keys []IssuerKey
	if makeKeys != nil {
		if keys, err = makeKeys(in); err != nil {
			return Issuer{}, apperr.Wrap(err, "make the keys of issuer "+in.Code)
		}
	}
	name, _ := json.Marshal(in.Name)
	langs, _ := json.Marshal(in.Languages)
	var id int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO issuers (code, region, name, framework, languages, numbering,
			number_template, evaluator, org_code, province, site, validity_months, demo, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Code, in.Region, string(name), in.Framework,
			string(langs), in.Numbering, in.NumberTemplate, in.Evaluator, in.OrgCode, in.Province, in.Site,
			in.ValidityMonths, in.Demo, db.stamp())
		if isUnique(err) {
			return apperr.WithFields("an issuer with this code exists", map[string]string{"code": "is taken"})
		}
		if err != nil {
			return internal(err, "insert issuer")
		}
		id, _ = res.LastInsertId()
		if err := db.appendAudit(ctx, tx, audit{user: user, action: "issuer.create", subject: "issuer:" + in.Code,
			after: in}); err != nil {
			return err
		}
		return db.insertIssuerKeys(ctx, tx, id, user, keys)
	})
	if err != nil {
		return Issuer{}, err
	}
	return db.Issuer(ctx, id)
}

// Issuer loads one issuer.
func (db *DB) Issuer(ctx context.Context, id int64) (Issuer, error) {
	i, err := scanIssuer(db.read.QueryRowContext(ctx, `SELECT `+issuerColumns+` FROM issuers WHERE id = ?`, id))
	return i, notFound(err, "issuer")
}

// Issuers lists every issuer by code.
func (db *DB) Issuers(ctx context.Context) ([]Issuer, error) {
	return queryAll(ctx, db.read, scanIssuer, "issuers", `SELECT `+issuerColumns+` FROM issuers ORDER BY code`)
}
