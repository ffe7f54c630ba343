package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/scoring"
	"bayskills/store"
)

// Issuance (DESIGN §7): after a skill's results are final, each issuer of
// its recognition plan issues a certificate to each competitor — each
// member of a team — whose result meets the plan. A batch is all or
// nothing: certificates are staged as pending, invisible, and become valid
// together when the last is stored (store.FinishBatch); any failure drops
// them all (store.FailBatch) and nothing is issued.
//
// What can be checked before a batch starts is: the results are final, the
// plan awards something, every issuer has keys that open, every number can
// be formed, and every text printed — holder names above all — has glyphs
// in the fonts. A request failing these gets its error and no batch.
//
// The batch then runs in the background: one goroutine feeds the
// certificates to one worker per CPU that signs the claims, builds the
// credential, renders the PDF and signs it; the batch's goroutine stages
// what they produce in chunks, so at most a few chunks of PDFs are in
// memory whatever the batch's size.

// storedTime is how the store writes times: RFC 3339, UTC, milliseconds.
const storedTime = "2006-01-02T15:04:05.000Z"

// issuanceChunk is how many certificates are staged per transaction: each
// commit is an fsync (synchronous=FULL), and 32 PDFs are about 1.5 MB.
const issuanceChunk = 32

// issuanceRunner runs issuances in the background.
type issuanceRunner struct {
	db      *store.DB
	master  []byte
	log     *slog.Logger
	now     func() time.Time
	workers int             // render-and-sign workers of a batch: one per CPU
	chunk   int             // certificates staged per transaction
	ctx     context.Context // ends when the server closes
	stop    context.CancelFunc
	wg      sync.WaitGroup
	metrics *serverMetrics // the server's; nil for the demo loader's runner
}

func newIssuanceRunner(db *store.DB, master []byte, log *slog.Logger, now func() time.Time) *issuanceRunner {
	ctx, stop := context.WithCancel(context.Background())
	return &issuanceRunner{db: db, master: master, log: log, now: now, workers: runtime.GOMAXPROCS(0),
		chunk: issuanceChunk, ctx: ctx, stop: stop}
}

// close stops the running batches, which fail as interrupted, and waits
// for them.
func (r *issuanceRunner) close() {
	r.stop()
	r.wg.Wait()
}

// wait waits until no batch runs.
func (r *issuanceRunner) wait() { r.wg.Wait() }

// issueRequest is an organizer's request to issue a skill's certificates.
type issueRequest struct {
	event store.Event
	skill store.Skill
	user  int64
	base  string // the public URL the QR codes and credentials point to
}

// certJob is one certificate of a batch, decided before it is rendered.
type certJob struct {
	award  store.Award
	id     string // public id (certs.NewCertificateID)
	number string
	index  int // slot in the issuer's status list
}

// issuerSigner holds an issuer's opened keys for one batch.
type issuerSigner struct {
	pdf    *certs.SigningKey
	cert   *x509.Certificate
	chain  []*x509.Certificate
	claims *certs.SigningKey
}

// batchRun is one batch on its way.
type batchRun struct {
	*issuanceRunner
	req      issueRequest
	batch    store.Batch
	fonts    *certs.Fonts
	signers  map[int64]*issuerSigner
	issuedAt time.Time
	jobs     []*certJob
	used     map[int64]map[int]bool // status list slots taken, per issuer, this batch's included
}

// start checks and opens a batch, and runs it in the background. It
// returns the batch and a channel closed when the batch has ended.
func (r *issuanceRunner) start(ctx context.Context, req issueRequest) (store.Batch, <-chan struct{}, error) {
	if r.ctx.Err() != nil {
		return store.Batch{}, nil, apperr.New(apperr.Conflict, "the server is stopping; issue again when it is back")
	}
	b, resultsSHA, awards, err := r.plan(ctx, req)
	if err != nil {
		return store.Batch{}, nil, err
	}
	if b.batch, err = r.db.StartBatch(ctx, req.skill.ID, req.user, resultsSHA, len(awards)); err != nil {
		return store.Batch{}, nil, err
	}
	if err := b.prepare(ctx, awards); err != nil {
		b.fail(err)
		return store.Batch{}, nil, err
	}
	done := make(chan struct{})
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(done)
		defer relaxGC()()
		b.run()
	}()
	return b.batch, done, nil
}

// Garbage collection during issuances. Rendering a certificate allocates
// about 10 MB of short-lived garbage (fpdf's font subsets and compressors)
// for a PDF of 45 KB, so at the default GOGC of 100 a batch spends a
// quarter of its time collecting. While batches run, the collector is
// given issuanceGCPercent, under a soft limit of issuanceMemoryLimit for
// the whole heap: BENCHMARKS.md has the figures (about 130 → 160–170
// certificates a second on two cores; the limit keeps a 10,000-certificate
// batch under 400 MB resident). Settings an operator made (GOGC,
// GOMEMLIMIT) that are already looser are kept.
const (
	issuanceGCPercent   = 400
	issuanceMemoryLimit = 320 << 20
)

var gcRelaxed struct {
	sync.Mutex
	batches     int
	percent     int
	memoryLimit int64
}

// relaxGC relaxes the collector while a batch runs; the function it
// returns restores the settings when the last running batch ends.
func relaxGC() (restore func()) {
	gcRelaxed.Lock()
	defer gcRelaxed.Unlock()
	if gcRelaxed.batches == 0 {
		gcRelaxed.percent = debug.SetGCPercent(issuanceGCPercent)
		if gcRelaxed.percent < 0 || gcRelaxed.percent > issuanceGCPercent { // off, or looser already
			debug.SetGCPercent(gcRelaxed.percent)
		}
		gcRelaxed.memoryLimit = debug.SetMemoryLimit(-1) // reads it
		if gcRelaxed.memoryLimit == math.MaxInt64 && gcRelaxed.percent >= 0 {
			debug.SetMemoryLimit(issuanceMemoryLimit)
		}
	}
	gcRelaxed.batches++
	return func() {
		gcRelaxed.Lock()
		defer gcRelaxed.Unlock()
		if gcRelaxed.batches--; gcRelaxed.batches == 0 {
			debug.SetGCPercent(gcRelaxed.percent)
			debug.SetMemoryLimit(gcRelaxed.memoryLimit)
		}
	}
}

// plan works out what a batch is to issue and checks, before it starts,
// all that can be: final results, a plan that awards something, issuers'
// keys that open, numbers that can be formed, texts that can be printed.
// It returns the batch to run, the hash of the results and the awards.
func (r *issuanceRunner) plan(ctx context.Context, req issueRequest) (*batchRun, string, []store.Award, error) {
	res, awards, err := r.db.PlanIssuance(ctx, req.event.ID, req.skill.ID)
	if err != nil {
		return nil, "", nil, err
	}
	if len(awards) == 0 {
		return nil, "", nil, apperr.New(apperr.Conflict, "no result of the skill meets its recognition plan: there is nothing to issue")
	}
	fonts, err := documentFonts()
	if err != nil {
		return nil, "", nil, apperr.Wrap(err, "load fonts")
	}
	b := &batchRun{issuanceRunner: r, req: req, fonts: fonts, signers: map[int64]*issuerSigner{},
		issuedAt: r.now().UTC().Truncate(time.Second), used: map[int64]map[int]bool{}}
	if err := b.checkPrintable(awards); err != nil {
		return nil, "", nil, err
	}
	for _, a := range awards {
		if _, ok := b.signers[a.Issuer.ID]; !ok {
			if b.signers[a.Issuer.ID], err = r.openSigner(ctx, a.Issuer); err != nil {
				return nil, "", nil, err
			}
		}
		if _, err := certificateNumber(a.Issuer, a.Level, b.year(), 1); err != nil {
			return nil, "", nil, err
		}
	}
	return b, res.Lifecycle.SHA256, awards, nil
}

// year is the year of issue in GBA time, as numbers print it.
// validUntil is when a certificate of iss issued now expires; zero when
// the issuer's certificates do not.
func (b *batchRun) validUntil(iss store.Issuer) time.Time {
	if iss.ValidityMonths == 0 {
		return time.Time{}
	}
	return b.issuedAt.AddDate(0, iss.ValidityMonths, 0)
}

// formatStored is t as the store keeps times; "" for the zero time.
func formatStored(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(storedTime)
}

func (b *batchRun) year() int { return b.issuedAt.In(gbaTime).Year() }

// openSigner opens the newest active PDF and claims keys of an issuer.
func (r *issuanceRunner) openSigner(ctx context.Context, iss store.Issuer) (*issuerSigner, error) {
	keys, err := r.db.ActiveKeys(ctx, iss.ID)
	if err != nil {
		return nil, err
	}
	s := &issuerSigner{}
	for _, k := range keys {
		switch {
		case k.Purpose == store.KeyPurposePDF && s.pdf == nil:
			if s.pdf, err = certs.OpenSigningKey(r.master, k.KID, k.Sealed); err != nil {
				return nil, apperr.Wrap(err, "open the PDF key of issuer "+iss.Code)
			}
			var chain []*x509.Certificate
			for rest := []byte(k.Certificate); ; {
				var block *pem.Block
				if block, rest = pem.Decode(rest); block == nil {
					break
				}
				cert, err := x509.ParseCertificate(block.Bytes)
				if err != nil {
					return nil, apperr.Wrap(err, "read the certificate of issuer "+iss.Code)
				}
				chain = append(chain, cert)
			}
			if len(chain) == 0 {
				return nil, apperr.Wrap(errors.New("no certificate"), "PDF key of issuer "+iss.Code)
			}
			s.cert, s.chain = chain[0], chain[1:]
		case k.Purpose == store.KeyPurposeClaims && s.claims == nil:
			if s.claims, err = certs.OpenSigningKey(r.master, k.KID, k.Sealed); err != nil {
				return nil, apperr.Wrap(err, "open the claims key of issuer "+iss.Code)
			}
		}
	}
	if s.pdf == nil || s.claims == nil {
		return nil, apperr.New(apperr.Conflict, "issuer %s has no active signing keys", iss.Code)
	}
	return s, nil
}

// checkPrintable refuses, before anything is issued, a certificate with a
// text the fonts cannot print — a holder name with a character no font
// has, say — naming the competitor and the character.
func (b *batchRun) checkPrintable(awards []store.Award) error {
	checked := map[string]bool{}
	problems := apperr.FieldErrors{}
	var first string
	for _, a := range awards {
		for _, t := range printedTexts(b.printed(a)) {
			if checked[t.text] {
				continue
			}
			checked[t.text] = true
			missing := b.fonts.Missing(t.text)
			if len(missing) == 0 {
				continue
			}
			field := t.field
			if t.holder {
				field = fmt.Sprintf("%s of competitor %d (%s)", t.field, a.CompetitorID, a.HolderLatin)
			}
			msg := strings.TrimPrefix((&certs.MissingGlyphError{Field: field, Text: t.text, Rune: missing[0]}).Error(), "certs: ")
			if first == "" {
				first = msg
			}
			problems.Add(fmt.Sprintf("competitor %d", a.CompetitorID), msg)
		}
	}
	if first == "" {
		return nil
	}
	msg := "cannot issue: " + first
	if len(problems) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	return &apperr.Error{Code: apperr.Invalid, Message: msg + "; correct it, then issue again; nothing was issued",
		Fields: problems}
}

// printedText is one text a certificate prints.
type printedText struct {
	field  string
	text   string
	holder bool // the holder's name: a problem names the competitor
}

// printedTexts lists what c prints in its languages, for checkPrintable.
func printedTexts(c certs.Certificate) []printedText {
	out := []printedText{{"holder name", c.HolderNative, true}, {"holder name (Latin)", c.HolderLatin, true},
		{"skill code", c.SkillCode, false}, {"occupation code", c.OccupationCode, false},
		{"event dates", c.EventDates, false}}
	for _, n := range []struct {
		field string
		names certs.Names
	}{{"issuer", c.Issuer}, {"title", c.Title}, {"skill", c.Skill}, {"event", c.Event}, {"result", c.Result},
		{"level", c.Level}, {"framework", c.Framework}, {"provenance", c.Provenance}} {
		for _, lang := range c.Languages {
			out = append(out, printedText{n.field + " (" + lang + ")", n.names.In(lang), false})
		}
	}
	return out
}

// printed lays out what award's certificate says, without its number, URL
// and QR code. Its dates are days in GBA time; one that does not expire
// prints no expiry.
func (b *batchRun) printed(a store.Award) certs.Certificate {
	e, sk := b.req.event, b.req.skill
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(gbaTime).Format(time.DateOnly)
	}
	return certs.Certificate{
		Languages:      a.Issuer.Languages,
		Issuer:         a.Issuer.Name,
		Demo:           a.Issuer.Demo,
		Title:          certificateTitle(a.Framework.Code),
		HolderNative:   a.HolderNative,
		HolderLatin:    a.HolderLatin,
		Skill:          certs.Names(sk.Name),
		SkillCode:      sk.Code,
		OccupationCode: sk.OccupationCode,
		Event:          certs.Names(e.Name),
		EventDates:     e.StartsOn + " – " + e.EndsOn,
		Result:         resultWords(a.Result),
		Level:          a.Level.Name,
		Framework:      a.Framework.Name,
		Provenance:     provenanceWords(a.Plan),
		IssuedOn:       day(b.issuedAt),
		ValidUntil:     day(b.validUntil(a.Issuer)),
		Created:        b.issuedAt,
	}
}

// certificateTitles name the certificate of each framework's issuers.
var certificateTitles = map[string]certs.Names{
	"CN-VSL": {ZhHans: "职业技能等级证书", ZhHant: "職業技能等級證書", En: "Vocational Skill Level Certificate",
		Pt: "Certificado de Nível de Competência Profissional"},
	"HKQF": {ZhHans: "职业技能证书", ZhHant: "職業技能證書", En: "Certificate of Vocational Skills",
		Pt: "Certificado de Competências Profissionais"},
	"MO-DSAL": {ZhHans: "职业技能证书", ZhHant: "職業技能證書", En: "Vocational Skills Certificate",
		Pt: "Certificado de Competências Profissionais"},
}

func certificateTitle(framework string) certs.Names {
	if t, ok := certificateTitles[framework]; ok {
		return t
	}
	return certificateTitles["MO-DSAL"]
}

// awardWords are the awards of DESIGN §6 as certificates print them.
var awardWords = map[scoring.Award]certs.Names{
	scoring.Gold:       {En: "Gold medal", ZhHans: "金牌", ZhHant: "金牌", Pt: "Medalha de ouro"},
	scoring.Silver:     {En: "Silver medal", ZhHans: "银牌", ZhHant: "銀牌", Pt: "Medalha de prata"},
	scoring.Bronze:     {En: "Bronze medal", ZhHans: "铜牌", ZhHant: "銅牌", Pt: "Medalha de bronze"},
	scoring.Medallion:  {En: "Medallion for Excellence", ZhHans: "优胜奖", ZhHant: "優勝獎", Pt: "Medalhão de Excelência"},
	scoring.Excellence: {En: "Excellence award", ZhHans: "优秀奖", ZhHant: "優秀獎", Pt: "Prémio de excelência"},
}

// resultWords is an entry's result in words: its award, if any, and its
// standardised score.
func resultWords(r store.EntryResult) certs.Names {
	w, ok := awardWords[r.Award]
	if !ok {
		return certs.Names{En: "Standardised score " + r.Score, ZhHans: "标准分 " + r.Score, ZhHant: "標準分 " + r.Score,
			Pt: "Pontuação padronizada " + strings.ReplaceAll(r.Score, ".", ",")}
	}
	return certs.Names{En: w.En + ", standardised score " + r.Score, ZhHans: w.ZhHans + "，标准分 " + r.Score,
		ZhHant: w.ZhHant + "，標準分 " + r.Score, Pt: w.Pt + ", pontuação padronizada " + strings.ReplaceAll(r.Score, ".", ",")}
}

// provenanceWords say where a certificate's level comes from (DESIGN §7):
// an official mapping with its agreement, or an indicative one.
func provenanceWords(p store.PlanEntry) certs.Names {
	if p.Provenance == store.ProvenanceOfficial {
		return certs.Names{En: "Official mapping — " + p.Reference, ZhHans: "官方对应 — " + p.Reference,
			ZhHant: "官方對應 — " + p.Reference, Pt: "Correspondência oficial — " + p.Reference}
	}
	return certs.Names{En: "Indicative mapping (no agreement)", ZhHans: "参考对应（未经协议）",
		ZhHant: "參考對應（未經協議）", Pt: "Correspondência indicativa (sem acordo)"}
}

// templateSerial is the serial part of a number template, {serial:N}.
var templateSerial = regexp.MustCompile(`\{serial:([1-9])\}`)

// certificateNumber forms a certificate's number: the 22-character
// Mainland layout (DESIGN §7) or the issuer's template, with the year of
// issue (GBA time), the level and the serial.
func certificateNumber(iss store.Issuer, level certs.Level, year int, serial int64) (string, error) {
	if iss.Numbering == store.NumberingMainland {
		digit, _ := strconv.Atoi(level.Digit)
		n := certs.MainlandNumber{EvaluatorType: iss.Evaluator[0], OrgCode: iss.OrgCode, Province: iss.Province,
			Site: iss.Site, Year: year, Level: digit, Serial: int(serial)}
		if err := n.Validate(); err != nil {
			return "", apperr.New(apperr.Conflict, "issuer %s cannot number level %s: %v", iss.Code, level.Code, err)
		}
		return n.String(), nil
	}
	var tooLong error
	number := templateSerial.ReplaceAllStringFunc(iss.NumberTemplate, func(m string) string {
		width := int(m[len("{serial:")] - '0')
		s := fmt.Sprintf("%0*d", width, serial)
		if len(s) > width {
			tooLong = apperr.New(apperr.Conflict, "issuer %s's number template has room for %d-digit serials; serial %d does not fit",
				iss.Code, width, serial)
		}
		return s
	})
	number = strings.NewReplacer("{year}", strconv.Itoa(year), "{level}", level.Code).Replace(number)
	return number, tooLong
}

// serialCounter names a run of serials (store.NextSerials): per issuer,
// year and level as far as the number shows them, so that no two numbers
// of an issuer are alike.
type serialCounter struct {
	issuer      int64
	year, level string
}

func counterOf(a store.Award, year int) serialCounter {
	k := serialCounter{issuer: a.Issuer.ID}
	t := a.Issuer.NumberTemplate
	if a.Issuer.Numbering == store.NumberingMainland || strings.Contains(t, "{year}") {
		k.year = strconv.Itoa(year)
	}
	if a.Issuer.Numbering == store.NumberingMainland || strings.Contains(t, "{level}") {
		k.level = a.Level.Code
	}
	return k
}

// prepare decides each certificate's id, number (serials reserved in one
// call per counter) and status list slot.
func (b *batchRun) prepare(ctx context.Context, awards []store.Award) error {
	year := b.year()
	b.jobs = make([]*certJob, len(awards))
	groups := map[serialCounter][]int{}
	var order []serialCounter
	for i, a := range awards {
		b.jobs[i] = &certJob{award: a, id: certs.NewCertificateID()}
		k := counterOf(a, year)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		first, err := b.db.NextSerials(ctx, k.issuer, k.year, k.level, len(groups[k]))
		if err != nil {
			return err
		}
		for n, i := range groups[k] {
			j := b.jobs[i]
			if j.number, err = certificateNumber(j.award.Issuer, j.award.Level, year, first+int64(n)); err != nil {
				return err
			}
		}
	}
	for _, j := range b.jobs {
		var err error
		if j.index, err = b.freeSlot(ctx, j.award.Issuer.ID, false); err != nil {
			return err
		}
	}
	return nil
}

// freeSlot picks a random free slot of an issuer's status list (crypto/
// rand, so a slot tells nothing about the order of issue); reload reads
// the slots taken again, after another issuance took one.
func (b *batchRun) freeSlot(ctx context.Context, issuer int64, reload bool) (int, error) {
	used := b.used[issuer]
	if used == nil || reload {
		taken, err := b.db.StatusIndexesInUse(ctx, issuer)
		if err != nil {
			return 0, err
		}
		for i := range used {
			taken[i] = true
		}
		used, b.used[issuer] = taken, taken
	}
	if len(used) >= store.StatusListSize {
		return 0, apperr.New(apperr.Conflict, "the issuer's status list is full")
	}
	var buf [4]byte
	for {
		rand.Read(buf[:])
		// StatusListSize is a power of two: the remainder is uniform.
		i := int(binary.BigEndian.Uint32(buf[:]) % store.StatusListSize)
		if !used[i] {
			used[i] = true
			return i, nil
		}
	}
}

// produced is a worker's answer for one job.
type produced struct {
	job  *certJob
	cert store.NewCertificate
	err  error
}

// run renders, signs and stages every certificate, then issues the batch,
// or fails it.
func (b *batchRun) run() {
	start := time.Now()
	err := b.issueAll()
	if err == nil {
		err = b.finish()
	}
	if err != nil {
		b.fail(err)
		return
	}
	b.metrics.batchEnded("issued", len(b.jobs))
	b.log.Info("certificates issued", "batch", b.batch.ID, "skill", b.req.skill.ID, "certificates", len(b.jobs),
		"seconds", time.Since(start).Seconds())
}

func (b *batchRun) issueAll() error {
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	jobs := make(chan *certJob)
	results := make(chan produced, b.workers)
	var workers sync.WaitGroup
	for range b.workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			var buf bytes.Buffer
			for j := range jobs {
				c, err := b.produce(j, &buf)
				select {
				case results <- produced{j, c, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, j := range b.jobs {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		workers.Wait()
		close(results)
	}()
	var failed error
	chunk := make([]produced, 0, b.chunk)
	for p := range results {
		switch {
		case failed != nil: // draining
		case p.err != nil:
			failed = p.err
			cancel()
		default:
			if chunk = append(chunk, p); len(chunk) == cap(chunk) {
				if failed = b.stage(ctx, chunk); failed != nil {
					cancel()
				}
				chunk = chunk[:0]
			}
		}
	}
	if failed == nil && b.ctx.Err() != nil {
		failed = errInterrupted
	}
	if failed == nil && len(chunk) > 0 {
		failed = b.stage(ctx, chunk)
	}
	return failed
}

// errInterrupted ends the batches the server stops.
var errInterrupted = apperr.New(apperr.Conflict, "interrupted: the server stopped during the issuance")

// stage stores a chunk as pending. When a status list slot was taken
// meanwhile (by another issuance of the same issuer), the chunk's
// certificates get new slots, are signed and rendered again and staged
// again, up to three times.
func (b *batchRun) stage(ctx context.Context, chunk []produced) error {
	list := make([]store.NewCertificate, len(chunk))
	for i, p := range chunk {
		list[i] = p.cert
	}
	var buf bytes.Buffer
	for attempt := 1; ; attempt++ {
		err := b.db.StageCertificates(ctx, b.batch.ID, b.req.skill.ID, list)
		if err == nil || apperr.CodeOf(err) != apperr.Conflict || attempt == 3 {
			return err
		}
		if cur, berr := b.db.Batch(ctx, b.batch.ID); berr != nil || cur.State != "running" {
			return err
		}
		for i, p := range chunk {
			if p.job.index, err = b.freeSlot(ctx, p.job.award.Issuer.ID, true); err != nil {
				return err
			}
			if list[i], err = b.produce(p.job, &buf); err != nil {
				return err
			}
		}
	}
}

// compose decides what one certificate says: the QR's signed claims, the
// credential, and the page with the credential attached.
func (b *batchRun) compose(j *certJob) (page certs.Certificate, claims string, credential []byte, err error) {
	a := j.award
	s := b.signers[a.Issuer.ID]
	claims, err = certs.IssueClaims(certs.Claims{ID: j.id, Number: j.number, HolderName: a.HolderNative,
		HolderLatin: a.HolderLatin, Issuer: a.Issuer.Code, Skill: b.req.skill.Code, Level: a.Level.Code,
		IssuedAt: b.issuedAt, Expires: b.validUntil(a.Issuer), StatusIndex: j.index}, s.claims, s.claims.KID())
	if err != nil {
		return page, "", nil, err
	}
	verify := certs.VerifyURL(b.req.base, j.id)
	cred, err := certs.NewCredential(b.credential(j, verify))
	if err != nil {
		return page, "", nil, err
	}
	if credential, err = json.Marshal(cred); err != nil {
		return page, "", nil, err
	}
	page = b.printed(a)
	page.Number, page.VerifyURL, page.QRPayload = j.number, verify, certs.QRContent(b.req.base, j.id, claims)
	page.Attachments = []certs.Attachment{
		{Name: certs.CredentialAttachment, MIME: "application/vc",
			Description: "Verifiable credential (W3C VC 2.0, Open Badges 3.0)", Data: credential},
		// The QR code is drawn, not text: its signed claims travel in the
		// file too, so that an uploaded PDF's claims can be checked.
		{Name: certs.ClaimsAttachment, MIME: "application/jose",
			Description: "The QR code's signed claims (compact JWS)", Data: []byte(claims)},
	}
	return page, claims, credential, nil
}

// produce makes one certificate (compose), renders its PDF and signs it.
func (b *batchRun) produce(j *certJob, buf *bytes.Buffer) (store.NewCertificate, error) {
	a := j.award
	wrap := func(err error) error {
		return fmt.Errorf("certificate of %s (competitor %d) from %s: %w", a.HolderLatin, a.CompetitorID, a.Issuer.Code, err)
	}
	page, claims, credential, err := b.compose(j)
	if err != nil {
		return store.NewCertificate{}, wrap(err)
	}
	buf.Reset()
	if err := certs.RenderCertificate(buf, b.fonts, page); err != nil {
		return store.NewCertificate{}, wrap(err)
	}
	s := b.signers[a.Issuer.ID]
	pdf, err := certs.SignPDF(buf.Bytes(), certs.PDFSignParams{Key: s.pdf, Cert: s.cert, Chain: s.chain,
		Time: b.issuedAt, Reason: "Certificate " + j.number, Location: regionWords[a.Issuer.Region][0]})
	if err != nil {
		return store.NewCertificate{}, wrap(err)
	}
	sum := sha256.Sum256(pdf)
	return store.NewCertificate{PublicID: j.id, Number: j.number, Award: a, Assessment: a.Assessment(b.req.skill.ID),
		IssuedAt: b.issuedAt.Format(storedTime), ValidUntil: formatStored(b.validUntil(a.Issuer)), StatusIndex: j.index,
		Claims:     claims,
		Credential: credential, PDF: pdf, PDFSHA256: hex.EncodeToString(sum[:])}, nil
}

// credential describes a certificate as its machine-readable credential,
// every text in the issuer's languages.
func (b *batchRun) credential(j *certJob, verify string) certs.CredentialInput {
	a, e, sk := j.award, b.req.event, b.req.skill
	base := strings.TrimRight(b.req.base, "/")
	langs := a.Issuer.Languages
	text := func(n certs.Names) certs.Text {
		var t certs.Text
		for _, l := range langs {
			t = append(t, certs.LangString{Lang: l, Value: n.In(l)})
		}
		return t
	}
	skill, event, level, fw := certs.Names(sk.Name), certs.Names(e.Name), a.Level.Name, a.Framework.Name
	join := func(f func(lang string) string) certs.Text {
		var t certs.Text
		for _, l := range langs {
			t = append(t, certs.LangString{Lang: l, Value: f(l)})
		}
		return t
	}
	or := func(n certs.Names, lang string) string {
		if s := n.In(lang); s != "" {
			return s
		}
		return n.En
	}
	result, provenance := resultWords(a.Result), provenanceWords(a.Plan)
	in := certs.CredentialInput{
		VerifyURL:  verify,
		IssuerID:   base + "/issuers/" + url.PathEscape(a.Issuer.Code),
		IssuerName: text(a.Issuer.Name),
		ValidFrom:  b.issuedAt,
		ValidUntil: b.validUntil(a.Issuer),
		HolderName: a.HolderNative, HolderLatin: a.HolderLatin,
		AchievementID: base + "/achievements/" + url.PathEscape(a.Issuer.Code) + "/" + url.PathEscape(sk.Code) + "/" +
			url.PathEscape(a.Level.Code),
		AchievementName: join(func(l string) string { return or(skill, l) + " — " + or(level, l) }),
		Description: join(func(l string) string {
			switch l {
			case "zh-Hans", "zh-Hant":
				return or(fw, l) + "：" + or(level, l) + "，" + or(skill, l)
			case "pt":
				return or(skill, l) + ": " + or(level, l) + " (" + or(fw, l) + ")"
			}
			return or(skill, l) + " at " + or(level, l) + " of the " + or(fw, l)
		}),
		Criteria:       join(func(l string) string { return or(result, l) + " — " + or(event, l) + "; " + or(provenance, l) }),
		SkillName:      sk.Name.En,
		SkillCode:      sk.Code,
		OccupationCode: sk.OccupationCode,
		Level: certs.FrameworkLevel{Framework: text(fw), Code: a.Level.Code, Name: text(level),
			URL: base + "/frameworks/" + url.PathEscape(a.Framework.Code) + "/" + url.PathEscape(a.Level.Code)},
		Score:             a.Result.Score,
		StatusListURL:     statusListURL(base, a.Issuer.Code, store.PurposeRevocation),
		SuspensionListURL: statusListURL(base, a.Issuer.Code, store.PurposeSuspension),
		StatusIndex:       j.index,
		EventName:         text(event),
		EventInfo:         join(func(string) string { return e.StartsOn + " – " + e.EndsOn + ", " + e.Venue }),
	}
	if w, ok := awardWords[a.Result.Award]; ok {
		in.Medal = w.En
	}
	return in
}

// finish issues the staged batch, provided the results it was issued from
// are still the final results.
func (b *batchRun) finish() error {
	ctx := b.ctx
	res, err := b.db.Results(ctx, b.req.event.ID, b.req.skill.ID)
	if err != nil {
		return err
	}
	if res.Lifecycle.State != store.ResultsFinal || res.Lifecycle.SHA256 != b.batch.ResultsSHA256 {
		return apperr.New(apperr.Conflict, "the results changed during the issuance; issue again from the final results")
	}
	_, err = b.db.FinishBatch(ctx, b.req.event.ID, b.batch.ID, b.req.user)
	return err
}

// fail ends the batch with err's reason: its pending certificates go.
// Internal causes are logged; the batch says only that there was one.
func (b *batchRun) fail(err error) {
	b.log.Error("issuance failed", "batch", b.batch.ID, "skill", b.req.skill.ID, "err", err.Error())
	if b.ctx.Err() != nil {
		err = errInterrupted
	}
	reason := err.Error()
	var e *apperr.Error
	if errors.As(err, &e) {
		reason = e.Safe()
		if e.Code == apperr.Internal {
			reason = fmt.Sprintf("internal error (batch %d); the server log has the details", b.batch.ID)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ferr := b.db.FailBatch(ctx, b.batch.ID, reason); ferr != nil {
		b.log.Error("issuance: failing the batch", "batch", b.batch.ID, "err", ferr.Error())
	}
	b.metrics.batchEnded("failed", 0)
}
