package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/scoring"
	"bayskills/store"
)

// The organizer's console: server-rendered pages that show an event and its
// skills from the store, with small forms whose script calls the JSON API
// (the session cookie authenticates it) and reloads the page with ?done=…
// to announce what was done. Organizers see their events; a chief expert
// sees the pages of the skill they lead.

// consoleRoutes are the organizer's console pages.
func (s *Server) consoleRoutes() []route {
	return []route{
		{"GET", "/console", authenticated, s.consoleHome, page},
		{"GET", "/console/events/:event", eventOrganizer, s.consoleEvent, page},
		{"GET", "/console/events/:event/people", eventOrganizer, s.consolePeople, page},
		{"GET", "/console/events/:event/skills/:skill", skillLead, s.consoleScheme, page},
		{"GET", "/console/events/:event/skills/:skill/panels", skillLead, s.consolePanels, page},
		{"GET", "/console/events/:event/skills/:skill/progress", skillLead, s.consoleProgress, page},
		{"GET", "/console/events/:event/skills/:skill/audit", skillLead, s.consoleAudit, page},
		{"GET", "/console/events/:event/skills/:skill/results", skillLead, s.consoleResults, page},
		{"GET", "/console/events/:event/skills/:skill/certificates", eventOrganizer, s.consoleCertificates, page},
		{"GET", "/console/issuers", adminOnly, s.consoleIssuers, page},
	}
}

// consoleDone are the outcomes a console form announces after it reloads
// the page with ?done=NAME; the text is the catalog's console.done.NAME.
var consoleDone = []string{"event", "settings", "skill", "competitors", "judges", "scheme", "panel", "panels",
	"appeals", "confirm", "plan", "issued", "issuer"}

// consoleFlash returns the catalog key of the page's ?done= announcement, or "".
func consoleFlash(c *gin.Context) string {
	if d := c.Query("done"); slices.Contains(consoleDone, d) {
		return "console.done." + d
	}
	return ""
}

// consoleRegions are the regions in the order forms offer them.
var consoleRegions = []store.Region{store.Guangdong, store.HongKong, store.Macao}

// gbaZone is the time of all three regions of the Greater Bay Area (UTC+8,
// no daylight saving time), in which the console shows times.
var gbaZone = time.FixedZone("UTC+8", 8*3600)

// consoleTime shows a stored UTC timestamp in Greater Bay Area time.
func consoleTime(stamp string) string {
	t, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return stamp
	}
	return t.In(gbaZone).Format("2006-01-02 15:04:05")
}

// --- home ---------------------------------------------------------------

// chiefSkill is a skill the caller leads as chief expert.
type chiefSkill struct {
	Event store.Event
	Skill store.Skill
}

type consoleHomeData struct {
	CanCreate bool // organizer accounts and the admin create events
	Admin     bool // the admin also keeps the certificate issuers
	Events    []store.Event
	Chief     []chiefSkill
}

// consoleHome lists the caller's events (and the form to create one) and
// the skills they lead as chief expert; a judge who leads none has no
// console.
func (s *Server) consoleHome(c *gin.Context) {
	ctx, p := c.Request.Context(), caller(c)
	d := consoleHomeData{CanCreate: p.isAdmin() || p.User.Role == store.RoleOrganizer, Admin: p.isAdmin()}
	if d.CanCreate {
		events, err := s.db.Events(ctx, p.User.ID, p.isAdmin())
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d.Events = events
	}
	skills, err := s.db.SkillsOf(ctx, p.User.ID)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	for _, js := range skills {
		if js.Role != store.SkillChiefExpert {
			continue
		}
		ev, err := s.db.Event(ctx, js.EventID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		sk, err := s.db.Skill(ctx, js.EventID, js.SkillID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d.Chief = append(d.Chief, chiefSkill{Event: ev, Skill: sk})
	}
	if !d.CanCreate && len(d.Chief) == 0 {
		s.pageFail(c, apperr.New(apperr.Forbidden, "the console is for organizers and chief experts"))
		return
	}
	s.renderConsole(c, consolePage{Page: "home", Home: &d, Form: store.Event{Settings: store.DefaultEventSettings()}})
}

// --- event pages ----------------------------------------------------------

// consolePage is what console.html renders: the home page or one of an
// event's pages.
type consolePage struct {
	Page    string // home, event or people
	Flash   string
	Regions []store.Region
	Form    store.Event // what the event form starts from: the defaults, or the event
	Home    *consoleHomeData
	Event   *consoleEventData
}

// renderConsole renders console.html.
func (s *Server) renderConsole(c *gin.Context, p consolePage) {
	p.Flash, p.Regions = consoleFlash(c), consoleRegions
	s.render(c, http.StatusOK, "console", p)
}

// skillRow is one skill on the event page: where its results stand and how
// many people it has.
type skillRow struct {
	Skill       store.Skill
	Lifecycle   store.Lifecycle
	Competitors int
	Judges      int
	Chief       string // the chief expert's name, if one is assigned
	AppealUntil string // while provisional, in Greater Bay Area time
}

type consoleEventData struct {
	Event  store.Event
	Skills []skillRow
	Medals []scoring.MedalRow
	// Final counts the skills with final results (what the public page shows).
	Final int
	// The people page.
	Competitors []store.Competitor
	Judges      []store.Judge
}

// eventData loads what both event pages show.
func (s *Server) eventData(c *gin.Context) (*consoleEventData, error) {
	ctx, ev := c.Request.Context(), eventOf(c)
	d := &consoleEventData{Event: ev}
	skills, err := s.db.Skills(ctx, ev.ID)
	if err != nil {
		return nil, err
	}
	st, err := s.db.EventStanding(ctx, ev.ID, false)
	if err != nil {
		return nil, err
	}
	if d.Competitors, err = s.db.Competitors(ctx, ev.ID, 0); err != nil {
		return nil, err
	}
	if d.Judges, err = s.db.Judges(ctx, ev.ID, 0); err != nil {
		return nil, err
	}
	life := map[int64]store.Lifecycle{}
	for _, ss := range st.Skills {
		life[ss.SkillID] = ss.Lifecycle
	}
	d.Medals = st.Medals
	for _, sk := range skills {
		r := skillRow{Skill: sk, Lifecycle: life[sk.ID]}
		if r.Lifecycle.State == "" {
			r.Lifecycle.State = store.ResultsMarking
		}
		switch r.Lifecycle.State {
		case store.ResultsFinal:
			d.Final++
		case store.ResultsProvisional:
			r.AppealUntil = consoleTime(r.Lifecycle.AppealUntil)
		}
		for _, cp := range d.Competitors {
			if cp.SkillID == sk.ID {
				r.Competitors++
			}
		}
		for _, j := range d.Judges {
			for _, js := range j.Skills {
				if js.SkillID == sk.ID {
					r.Judges++
					if js.Role == store.SkillChiefExpert {
						r.Chief = j.DisplayName
					}
				}
			}
		}
		d.Skills = append(d.Skills, r)
	}
	return d, nil
}

// consoleEvent: the event's settings, its skills with where their results
// stand, the region medal table and the form to add a skill.
func (s *Server) consoleEvent(c *gin.Context) {
	d, err := s.eventData(c)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	s.renderConsole(c, consolePage{Page: "event", Event: d, Form: d.Event})
}

// consolePeople: the event's competitors and judges, and the imports that
// add them.
func (s *Server) consolePeople(c *gin.Context) {
	d, err := s.eventData(c)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	s.renderConsole(c, consolePage{Page: "people", Event: d})
}

// --- skill pages ------------------------------------------------------------

// consoleSkillData is what console_skill.html renders: one tab of a skill's
// pages, with the tab's own part set.
type consoleSkillData struct {
	Tab          string // scheme, panels, progress, audit, results or certificates
	Flash        string
	Event        store.Event
	Skill        store.Skill
	Organizer    bool // the caller organizes the event (else: the skill's chief expert)
	Chief        bool // the caller is the skill's chief expert
	Base         string
	Scheme       *schemeView
	Panels       *panelsView
	Progress     *progressView
	Audit        *auditView
	Results      *resultsView
	Certificates *certificatesView // organizers only
}

// consoleSkillPage renders tab of the path's skill after fill has loaded
// the tab's part.
func (s *Server) consoleSkillPage(c *gin.Context, tab string, fill func(context.Context, *consoleSkillData) error) {
	p, ev, sk := caller(c), eventOf(c), skillOf(c)
	d := &consoleSkillData{Tab: tab, Flash: consoleFlash(c), Event: ev, Skill: sk, Organizer: p.organizes(ev.ID),
		Chief: p.Access.SkillRoles[sk.ID] == store.SkillChiefExpert,
		Base:  fmt.Sprintf("/console/events/%d/skills/%d", ev.ID, sk.ID)}
	if err := fill(c.Request.Context(), d); err != nil {
		s.pageFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "console_skill", d)
}

// schemeView is the marking scheme with its totals.
type schemeView struct {
	store.SkillScheme
	Since    string // when marking locked the scheme, in Greater Bay Area time
	Sum      scoring.Centi
	Aspects  int
	Criteria []criterionView
}

type criterionView struct {
	scoring.Criterion
	Total scoring.Centi
}

// consoleScheme: the skill's marking scheme and the upload that replaces it.
func (s *Server) consoleScheme(c *gin.Context) {
	s.consoleSkillPage(c, "scheme", func(ctx context.Context, d *consoleSkillData) error {
		ss, err := s.db.Scheme(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		v := &schemeView{SkillScheme: ss, Since: consoleTime(ss.LockedAt)}
		for _, cr := range ss.Scheme.Criteria {
			cv := criterionView{Criterion: cr}
			for _, sc := range cr.SubCriteria {
				for _, a := range sc.Aspects {
					cv.Total += a.MaxMark
					v.Aspects++
				}
			}
			v.Sum += cv.Total
			v.Criteria = append(v.Criteria, cv)
		}
		d.Scheme = v
		return nil
	})
}

// panelsView is the skill's panels, its judges and who is conflicted with
// whom under the event's rule.
type panelsView struct {
	Rule      scoring.ConflictRule
	Judges    []panelCandidate
	Regions   []store.Region // the regions of the skill's judges
	Panels    []panelView
	Conflicts int // judge × competitor pairs in conflict
}

// panelCandidate is a judge of the skill with the competitors they may not mark.
type panelCandidate struct {
	store.Judge
	Chief      bool
	Conflicted []store.Competitor
}

// panelView is a sub-criterion's panel with every judge of the skill as an
// option.
type panelView struct {
	store.Panel
	Options []panelOption
}

type panelOption struct {
	Judge  panelCandidate
	Member bool
}

// consolePanels: the panel of every sub-criterion, to change one by one or
// to generate, and the conflicts of interest the rules check.
func (s *Server) consolePanels(c *gin.Context) {
	s.consoleSkillPage(c, "panels", func(ctx context.Context, d *consoleSkillData) error {
		panels, err := s.db.Panels(ctx, d.Skill.ID)
		if err != nil {
			return err
		}
		judges, err := s.db.Judges(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		comps, err := s.db.Competitors(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		v := &panelsView{Rule: d.Event.Settings.ConflictRule}
		for _, j := range judges {
			sj := panelCandidate{Judge: j}
			for _, js := range j.Skills {
				sj.Chief = sj.Chief || js.SkillID == d.Skill.ID && js.Role == store.SkillChiefExpert
			}
			for _, cp := range comps {
				if scoring.Conflicted(v.Rule, scoring.Person{Region: j.Region, Institution: j.Institution},
					scoring.Person{Region: cp.Region, Institution: cp.Institution}) {
					sj.Conflicted = append(sj.Conflicted, cp)
				}
			}
			v.Conflicts += len(sj.Conflicted)
			if !slices.Contains(v.Regions, j.Region) {
				v.Regions = append(v.Regions, j.Region)
			}
			v.Judges = append(v.Judges, sj)
		}
		slices.Sort(v.Regions)
		for _, p := range panels {
			pv := panelView{Panel: p}
			for _, sj := range v.Judges {
				member := slices.ContainsFunc(p.Judges, func(pj store.PanelJudge) bool { return pj.JudgeID == sj.ID })
				pv.Options = append(pv.Options, panelOption{Judge: sj, Member: member})
			}
			v.Panels = append(v.Panels, pv)
		}
		d.Panels = v
		return nil
	})
}

// progressView is the first paint of the live progress dashboard; the
// script then polls the progress API and updates it in place.
type progressView struct {
	store.Progress
	Subs      []scoring.SubCriterion
	Rows      []progressRow
	ShowNames bool // organizers see names; a chief expert under blind judging sees codes only
	Signed    int  // entry × sub-criterion pairs signed off
}

type progressRow struct {
	store.EntryProgress
	Names string
}

// consoleProgress: the live marking dashboard and, for the chief expert,
// the unlock of a signed-off sub-criterion.
func (s *Server) consoleProgress(c *gin.Context) {
	s.consoleSkillPage(c, "progress", func(ctx context.Context, d *consoleSkillData) error {
		pr, err := s.db.Progress(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		ss, err := s.db.Scheme(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		v := &progressView{Progress: pr, ShowNames: d.Organizer || !d.Event.Settings.BlindJudging,
			Signed: pr.Totals.ByState[store.SubSignedOff]}
		for _, cr := range ss.Scheme.Criteria {
			v.Subs = append(v.Subs, cr.SubCriteria...)
		}
		names := map[int64][]string{}
		if v.ShowNames {
			comps, err := s.db.Competitors(ctx, d.Event.ID, d.Skill.ID)
			if err != nil {
				return err
			}
			for _, cp := range comps {
				names[cp.EntryID] = append(names[cp.EntryID], cmp.Or(cp.NameNative, cp.NameLatin))
			}
		}
		for _, e := range pr.Entries {
			v.Rows = append(v.Rows, progressRow{EntryProgress: e, Names: strings.Join(names[e.EntryID], ", ")})
		}
		d.Progress = v
		return nil
	})
}

// The audit actions of a skill's certificates that the store names only
// in its SQL.
const (
	actionPlanSet           = "plan.set"
	actionCertificatesIssue = "certificates.issue"
)

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 50

// auditActions are the audit trail's actions, in the order the filter
// offers them.
var auditActions = []string{store.ActionMarkCreate, store.ActionMarkUpdate, store.ActionSignOff, store.ActionUnlock,
	store.ActionSchemeReplace, store.ActionPanelSet, store.ActionSkillSettings, store.ActionEventSettings,
	store.ActionResultsProvisional, store.ActionResultsReopen, store.ActionResultsAppealClosed,
	store.ActionResultsConfirm, store.ActionResultsFinal, actionPlanSet, actionCertificatesIssue, store.ActionCertificateStatus}

// auditView is one page of the skill's audit trail.
type auditView struct {
	Rows        []auditRow
	Total       int // entries matching the filter
	Order       string
	Action      string
	Actions     []string
	Page, Pages int
	Prev, Next  string // links to the neighbouring pages
	First, Last int64  // the page's sequence numbers
}

// auditRow is one audit entry made readable.
type auditRow struct {
	store.AuditEntry
	At     string // in Greater Bay Area time
	Who    string
	Detail string
	Raw    string // before → after, as stored
}

// consoleAudit: the skill's audit trail, newest or oldest first, a page at a
// time, optionally one action only, or the page holding ?seq=N.
func (s *Server) consoleAudit(c *gin.Context) {
	s.consoleSkillPage(c, "audit", func(ctx context.Context, d *consoleSkillData) error {
		v := &auditView{Order: c.DefaultQuery("order", "desc"), Actions: auditActions}
		if v.Order != "asc" {
			v.Order = "desc"
		}
		if a := c.Query("action"); slices.Contains(auditActions, a) {
			v.Action = a
		}
		var all []store.AuditEntry
		for after := int64(0); ; {
			list, err := s.db.AuditTrail(ctx, d.Skill.ID, after, 5000)
			if err != nil {
				return err
			}
			for _, e := range list {
				if v.Action == "" || e.Action == v.Action {
					all = append(all, e)
				}
			}
			if len(list) < 5000 {
				break
			}
			after = list[len(list)-1].Seq
		}
		if v.Order == "desc" {
			slices.Reverse(all)
		}
		v.Total = len(all)
		v.Pages = max(1, (len(all)+auditPageSize-1)/auditPageSize)
		v.Page, _ = strconv.Atoi(c.Query("page"))
		if seq, err := strconv.ParseInt(c.Query("seq"), 10, 64); err == nil {
			i, _ := slices.BinarySearchFunc(all, seq, func(e store.AuditEntry, seq int64) int {
				if v.Order == "desc" {
					return cmp.Compare(seq, e.Seq)
				}
				return cmp.Compare(e.Seq, seq)
			})
			v.Page = i/auditPageSize + 1
		}
		v.Page = min(max(v.Page, 1), v.Pages)
		link := func(page int) string {
			q := url.Values{"order": {v.Order}, "page": {strconv.Itoa(page)}}
			if v.Action != "" {
				q.Set("action", v.Action)
			}
			return d.Base + "/audit?" + q.Encode()
		}
		if v.Page > 1 {
			v.Prev = link(v.Page - 1)
		}
		if v.Page < v.Pages {
			v.Next = link(v.Page + 1)
		}
		shown := all[min((v.Page-1)*auditPageSize, len(all)):min(v.Page*auditPageSize, len(all))]
		if len(shown) > 0 {
			v.First, v.Last = shown[0].Seq, shown[len(shown)-1].Seq
		}
		names, err := s.auditNames(ctx, d, shown)
		if err != nil {
			return err
		}
		t := s.translator(c)
		for _, e := range shown {
			v.Rows = append(v.Rows, auditRow{AuditEntry: e, At: consoleTime(e.At), Who: names.user[e.UserID],
				Detail: names.detail(e, t), Raw: auditRaw(e)})
		}
		d.Audit = v
		return nil
	})
}

// auditNames are the names of what audit entries refer to by id.
type auditNames struct {
	user    map[int64]string
	judge   map[int64]string
	entry   map[int64]string
	aspect  map[int64]scoring.Aspect
	subCode map[int64]string
}

// auditNames loads the names the entries refer to: the skill's competitor
// codes, judges, aspects and sub-criteria, and the users who acted.
func (s *Server) auditNames(ctx context.Context, d *consoleSkillData, entries []store.AuditEntry) (*auditNames, error) {
	n := &auditNames{user: map[int64]string{}, judge: map[int64]string{}, entry: map[int64]string{},
		aspect: map[int64]scoring.Aspect{}, subCode: map[int64]string{}}
	for _, e := range entries {
		if _, ok := n.user[e.UserID]; ok || e.UserID == 0 {
			continue
		}
		u, err := s.db.User(ctx, e.UserID)
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return nil, err
		}
		n.user[e.UserID] = cmp.Or(u.Username, "#"+strconv.FormatInt(e.UserID, 10))
	}
	judges, err := s.db.Judges(ctx, d.Event.ID, 0)
	if err != nil {
		return nil, err
	}
	for _, j := range judges {
		n.judge[j.ID] = j.DisplayName
	}
	comps, err := s.db.Competitors(ctx, d.Event.ID, d.Skill.ID)
	if err != nil {
		return nil, err
	}
	for _, cp := range comps {
		n.entry[cp.EntryID] = cp.Code
	}
	ss, err := s.db.Scheme(ctx, d.Event.ID, d.Skill.ID)
	if err != nil {
		return nil, err
	}
	for _, cr := range ss.Scheme.Criteria {
		for _, sc := range cr.SubCriteria {
			n.subCode[sc.ID] = sc.Code
			for _, a := range sc.Aspects {
				n.aspect[a.ID] = a
			}
		}
	}
	return n, nil
}

// auditMark is a mark as the audit trail records it: the value as stored
// (a J score, or M hundredths of a mark).
type auditMark struct {
	Entry  int64 `json:"entry_id"`
	Aspect int64 `json:"aspect_id"`
	Judge  int64 `json:"judge_id"`
	Value  int64 `json:"value"`
}

// auditFacts are the other fields audit entries record.
type auditFacts struct {
	Judge       int64  `json:"judge_id"`
	Reason      string `json:"reason"`
	As          string `json:"as"`
	AppealUntil string `json:"appeal_until"`
	Entries     int    `json:"entries"`
	SHA256      string `json:"sha256"`
	// An issuance of certificates, a certificate's status.
	Certificates  int    `json:"certificates"`
	ResultsSHA256 string `json:"results_sha256"`
	Status        string `json:"status"`
}

func orID(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}

// markValue shows a recorded mark value as judges gave it.
func (n *auditNames) markValue(m auditMark) string {
	if a, ok := n.aspect[m.Aspect]; ok && a.Kind == scoring.Measurement {
		return scoring.Centi(m.Value).String()
	}
	return strconv.FormatInt(m.Value, 10)
}

// detail says in one line what an audit entry records, with codes and names
// in place of ids; people's reasons are quoted as they wrote them.
func (n *auditNames) detail(e store.AuditEntry, t translator) string {
	var before, after auditMark
	var facts auditFacts
	json.Unmarshal(e.Before, &before)
	json.Unmarshal(e.After, &after)
	json.Unmarshal(e.After, &facts)
	aspect := func(id int64) string {
		if a, ok := n.aspect[id]; ok {
			return a.Code
		}
		return "#" + strconv.FormatInt(id, 10)
	}
	// subject "entry:6/sub:A1" names a competitor's sub-criterion.
	entrySub := func() string {
		var entry int64
		var sub string
		if _, err := fmt.Sscanf(strings.Replace(e.Subject, "/sub:", " ", 1), "entry:%d %s", &entry, &sub); err != nil {
			return e.Subject
		}
		return orID(n.entry, entry) + " · " + sub
	}
	switch e.Action {
	case store.ActionMarkCreate:
		return fmt.Sprintf("%s · %s · %s: %s", orID(n.entry, after.Entry), aspect(after.Aspect), orID(n.judge, after.Judge),
			n.markValue(after))
	case store.ActionMarkUpdate:
		return fmt.Sprintf("%s · %s · %s: %s → %s", orID(n.entry, after.Entry), aspect(after.Aspect),
			orID(n.judge, after.Judge), n.markValue(before), n.markValue(after))
	case store.ActionSignOff:
		return entrySub() + " · " + orID(n.judge, facts.Judge)
	case store.ActionUnlock:
		return fmt.Sprintf("%s: “%s”", entrySub(), facts.Reason)
	case store.ActionPanelSet:
		var was, now []int64
		json.Unmarshal(e.Before, &was)
		json.Unmarshal(e.After, &now)
		names := func(ids []int64) string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = orID(n.judge, id)
			}
			return "[" + strings.Join(out, ", ") + "]"
		}
		return fmt.Sprintf("%s: %s → %s", strings.TrimPrefix(e.Subject, "panel:"), names(was), names(now))
	case store.ActionResultsProvisional:
		return t("console.audit.provisional", facts.Entries, consoleTime(facts.AppealUntil))
	case store.ActionResultsReopen, store.ActionResultsAppealClosed:
		return "“" + facts.Reason + "”"
	case store.ActionResultsConfirm:
		return t("console.audit.confirm."+facts.As) + " · SHA-256 " + shortHash(facts.SHA256)
	case store.ActionResultsFinal:
		return "SHA-256 " + shortHash(facts.SHA256)
	case actionCertificatesIssue:
		return t("console.audit.issued", facts.Certificates) + " · SHA-256 " + shortHash(facts.ResultsSHA256)
	case actionPlanSet:
		var plan []store.PlanEntry
		json.Unmarshal(e.After, &plan)
		return t("console.audit.plan", len(plan))
	case store.ActionCertificateStatus:
		var was auditFacts
		json.Unmarshal(e.Before, &was)
		return fmt.Sprintf("%s: %s → %s “%s”", strings.TrimPrefix(e.Subject, "certificate:"),
			t("console.certs.status."+was.Status), t("console.certs.status."+facts.Status), facts.Reason)
	}
	return ""
}

func shortHash(h string) string { return h[:min(len(h), 12)] }

// auditRaw shows what an entry recorded before and after, as stored.
func auditRaw(e store.AuditEntry) string {
	var b strings.Builder
	if len(e.Before) > 0 {
		b.WriteString("before: ")
		b.Write(e.Before)
		b.WriteString("\n")
	}
	if len(e.After) > 0 {
		b.WriteString("after:  ")
		b.Write(e.After)
	}
	return b.String()
}

// resultsOrMarking loads a skill's results. While marking goes on there are
// none: the state is marking, and the store's reason (what is not signed
// off yet) comes instead, as the server words it.
func (s *Server) resultsOrMarking(ctx context.Context, event, skill int64) (r store.Results, marking string, err error) {
	r, err = s.db.Results(ctx, event, skill)
	switch e := apperr.As(err); {
	case err == nil:
		return r, "", nil
	case e.Code == apperr.Conflict || e.Code == apperr.Invalid:
		r.Lifecycle.State = store.ResultsMarking
		return r, e.Safe(), nil
	}
	return r, "", err
}

// resultsView is where the skill's results stand and what the caller may do
// next.
type resultsView struct {
	store.Results
	Marking     string // while marking: what is not signed off yet
	Rows        []resultRow
	AppealOpen  bool
	AppealUntil string
	Provisional string
	Final       string
	// Confirmations: who confirmed when, or "".
	ChiefConfirmed, OrganizerConfirmed string
	ConfirmAs                          string // the capacity the caller confirms in
	Confirmed                          bool   // the caller's capacity has confirmed
}

type resultRow struct {
	store.EntryResult
	Criteria []string // in scheme order
}

// consoleResults: the results with their lifecycle, the appeal window, the
// confirmations, the charts and the exports.
func (s *Server) consoleResults(c *gin.Context) {
	s.consoleSkillPage(c, "results", func(ctx context.Context, d *consoleSkillData) error {
		r, marking, err := s.resultsOrMarking(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		v := &resultsView{Results: r, Marking: marking, ConfirmAs: string(store.ConfirmOrganizer)}
		if d.Chief {
			v.ConfirmAs = string(store.ConfirmChiefExpert)
		}
		l := v.Lifecycle
		if until, err := time.Parse(time.RFC3339Nano, l.AppealUntil); err == nil {
			v.AppealOpen = l.State == store.ResultsProvisional && s.cfg.Now().Before(until)
			v.AppealUntil = consoleTime(l.AppealUntil)
		}
		if l.ProvisionalAt != "" {
			v.Provisional = consoleTime(l.ProvisionalAt)
		}
		if l.FinalAt != "" {
			v.Final = consoleTime(l.FinalAt)
		}
		confirmed := func(by int64, at string) (string, error) {
			if by == 0 {
				return "", nil
			}
			u, err := s.db.User(ctx, by)
			if err != nil {
				return "", err
			}
			return cmp.Or(u.DisplayName, u.Username) + " · " + consoleTime(at), nil
		}
		if v.ChiefConfirmed, err = confirmed(l.ChiefConfirmedBy, l.ChiefConfirmedAt); err != nil {
			return err
		}
		if v.OrganizerConfirmed, err = confirmed(l.OrganizerConfirmedBy, l.OrganizerConfirmedAt); err != nil {
			return err
		}
		v.Confirmed = d.Chief && l.ChiefConfirmedBy != 0 || !d.Chief && l.OrganizerConfirmedBy != 0
		for _, e := range r.Entries {
			row := resultRow{EntryResult: e}
			for _, code := range r.Criteria {
				row.Criteria = append(row.Criteria, e.Criteria[code])
			}
			v.Rows = append(v.Rows, row)
		}
		d.Results = v
		return nil
	})
}
