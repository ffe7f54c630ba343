package server

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/store"
)

// Judges' badges (DESIGN §4): the organizer prints a PDF with a badge per
// judge, each with a QR code holding a one-time sign-in URL, /q/<code>. The
// judge scans it on the tablet, confirms, and is signed in.

// badgeRoutes are the judges' badges (a PDF with each judge's one-time
// sign-in QR code) and the sign-in by scanning one. The code is the rest of
// the path after /q/ (a catch-all, so that the authorization table can fill
// it with a literal code).
func (s *Server) badgeRoutes() []route {
	return []route{
		{"POST", "/api/v1/events/:event/judges/badges", eventOrganizer, s.judgeBadges, jsonBody},
		{"GET", "/q/*code", public, s.codeSignInPage, page},
		{"POST", "/q/*code", public, s.codeSignIn, page},
	}
}

// judgeBadges: POST /api/v1/events/:event/judges/badges[?skill=ID] issues a
// fresh one-time sign-in code to every judge of the event (or of one of its
// skills) and answers their badges as a PDF.
//
// It is a POST, not a GET, because it changes state: every printed judge's
// earlier badge stops signing in. A GET would run again on a prefetch, a
// crawler, a PDF viewer's re-request or a link from another site, each time
// voiding the badges just printed; a POST runs when the organizer presses
// the button, and a cookie-authenticated one passes the Origin check.
func (s *Server) judgeBadges(c *gin.Context) {
	ctx := c.Request.Context()
	e := eventOf(c)
	var only *store.Skill
	if q, ok := c.GetQuery("skill"); ok {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			fail(c, apperr.WithFields("invalid skill", map[string]string{"skill": "must be the id of a skill of the event"}))
			return
		}
		sk, err := s.db.Skill(ctx, e.ID, id)
		if err != nil {
			fail(c, err)
			return
		}
		only = &sk
	}
	var skillID int64
	if only != nil {
		skillID = only.ID
	}
	judges, err := s.db.Judges(ctx, e.ID, skillID)
	if err != nil {
		fail(c, err)
		return
	}
	if len(judges) == 0 {
		fail(c, apperr.New(apperr.Conflict, "there are no judges to print badges for"))
		return
	}
	skills, err := s.db.Skills(ctx, e.ID)
	if err != nil {
		fail(c, err)
		return
	}
	fonts, err := documentFonts()
	if err != nil {
		fail(c, apperr.Wrap(err, "load fonts"))
		return
	}
	// Every text is checked before the codes are issued: a name the fonts
	// cannot print must not void the judges' badges in hand.
	now := s.cfg.Now()
	sheet := badgeSheetOf(e, skills, judges, only)
	sheet.Generated, sheet.Created = localTime(now.Format(time.RFC3339)), now
	if err := certs.CheckBadges(fonts, sheet); err != nil {
		fail(c, badgeError(err))
		return
	}
	ids := make([]int64, len(judges))
	for i, j := range judges {
		ids[i] = j.ID
	}
	codes, err := s.db.IssueLoginCodes(ctx, e.ID, caller(c).User.ID, ids)
	if err != nil {
		fail(c, err)
		return
	}
	signIn := map[int64]string{}
	base := s.publicBase(c)
	for _, code := range codes {
		signIn[code.JudgeID] = base + "/q/" + code.Code
	}
	for i, j := range judges {
		sheet.Badges[i].SignIn = signIn[j.ID]
	}
	var buf bytes.Buffer
	if err := certs.RenderBadges(&buf, fonts, sheet); err != nil {
		fail(c, apperr.Wrap(err, "render badges"))
		return
	}
	name := "badges-" + strconv.FormatInt(e.ID, 10)
	if only != nil {
		name += "-" + only.Code
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}

// badgeError turns a text the fonts cannot print into a 422 that names the
// judge and the character.
func badgeError(err error) error {
	var mg *certs.MissingGlyphError
	if errors.As(err, &mg) {
		return apperr.New(apperr.Invalid, "cannot print the badges: %s; correct it and print again",
			strings.TrimPrefix(mg.Error(), "certs: "))
	}
	return apperr.Wrap(err, "check badges")
}

// publicBase is where printed sign-in codes lead: the configured public URL
// (--base-url), else the scheme and host this request came to.
func (s *Server) publicBase(c *gin.Context) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// regionWords are the regions as badges print them: English, simplified,
// traditional.
var regionWords = map[store.Region][3]string{
	store.Guangdong: {"Guangdong", "广东", "廣東"},
	store.HongKong:  {"Hong Kong", "香港", "香港"},
	store.Macao:     {"Macao", "澳门", "澳門"},
}

// hostChinese picks the Chinese of a name in the host region's script:
// simplified in Guangdong, traditional in Hong Kong and Macao, the other
// one when it is missing.
func hostChinese(host store.Region, n store.Names) string {
	if host == store.Guangdong {
		return cmp.Or(n.ZhHans, n.ZhHant)
	}
	return cmp.Or(n.ZhHant, n.ZhHans)
}

// badgeSheetOf lays judges out as badges: names split into their native and
// Latin parts, role and skills (only's, when printing one skill's judges),
// region; the sign-in URLs are filled in once the codes are issued.
func badgeSheetOf(e store.Event, skills []store.Skill, judges []store.Judge, only *store.Skill) certs.BadgeSheet {
	traditional := e.HostRegion != store.Guangdong
	sheet := certs.BadgeSheet{Event: e.Name.En, EventChinese: hostChinese(e.HostRegion, e.Name), Traditional: traditional}
	byID := map[int64]store.Skill{}
	for _, sk := range skills {
		byID[sk.ID] = sk
	}
	for _, j := range judges {
		b := certs.Badge{Username: j.Username, Role: certs.BadgeJudge}
		b.NameNative, b.NameLatin = splitDisplayName(j.DisplayName)
		// One skill reads "CNC — CNC Milling 数控铣"; several, "CNC CNC
		// Milling 数控铣 · HAIR Hairdressing 美发".
		var codes, names []string
		for _, js := range j.Skills {
			if only != nil && js.SkillID != only.ID {
				continue
			}
			if js.Role == store.SkillChiefExpert {
				b.Role = certs.BadgeChiefExpert
			}
			sk := byID[js.SkillID]
			codes = append(codes, sk.Code)
			names = append(names, strings.TrimSpace(sk.Name.En+" "+hostChinese(e.HostRegion, sk.Name)))
		}
		sep := " "
		if len(codes) == 1 {
			sep = " — "
		}
		for i := range codes {
			codes[i] = strings.TrimSuffix(codes[i]+sep+names[i], sep)
		}
		b.Skill = strings.Join(codes, " · ")
		if w, ok := regionWords[j.Region]; ok {
			b.Region = w[0] + " " + w[1]
			if traditional {
				b.Region = w[0] + " " + w[2]
			}
		}
		sheet.Badges = append(sheet.Badges, b)
	}
	return sheet
}

// splitDisplayName splits a judge's display name as imports give it,
// "周国栋 (ZHOU Guodong)", into its native and Latin parts; a name without
// a part in brackets is all native.
func splitDisplayName(name string) (native, latin string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		return strings.TrimSpace(name[:i]), strings.TrimSpace(name[i+2 : len(name)-1])
	}
	return name, ""
}

// qrLoginData is what the sign-in-by-code page shows.
type qrLoginData struct {
	Code        string      // for the form's action
	DisplayName string      // whom the code signs in
	Username    string      // and their login name, for the PIN later
	Event       store.Names // the event the badge was printed for
	Invalid     bool        // the code signs nobody in
	Error       string      // e.g. too many attempts
}

// codeFromPath returns the code of /q/<code>.
func codeFromPath(c *gin.Context) string { return strings.TrimPrefix(c.Param("code"), "/") }

// codeSignInPage: GET /q/<code>, where a badge's QR code leads, asks the
// judge to confirm whom it signs in. Looking does not use the code up: link
// previews, scanners' safety checks and prefetching open the URL before the
// judge does.
func (s *Server) codeSignInPage(c *gin.Context) {
	ctx := c.Request.Context()
	code := codeFromPath(c)
	h, err := s.db.LoginCodeHolder(ctx, code)
	if err != nil {
		s.codeRefused(c, err)
		return
	}
	e, err := s.db.Event(ctx, h.EventID)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	c.Header("X-Robots-Tag", "noindex")
	s.render(c, http.StatusOK, "qrlogin", qrLoginData{Code: code, DisplayName: h.User.DisplayName,
		Username: h.User.Username, Event: e.Name})
}

// codeSignIn: POST /q/<code> uses the code up, signs the judge in (the
// session cookie of the login form) and sends them to the tablet. Attempts
// count against the caller's address like logins do.
func (s *Server) codeSignIn(c *gin.Context) {
	if crossSite(c.Request) {
		// Another site must not sign a visitor in as a judge of its choosing.
		s.pageFail(c, apperr.New(apperr.Forbidden, "cross-site request refused"))
		return
	}
	code := codeFromPath(c)
	key := "ip:" + c.ClientIP()
	if wait, blocked := s.loginByAddr.blocked(key); blocked {
		s.metrics.limited(limiterLoginAddress)
		c.Header("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		msg := pageData{cat: s.pages.catalogs[pageLanguage(c)], en: s.pages.catalogs["en"]}.T("login.limited")
		s.render(c, http.StatusTooManyRequests, "qrlogin", qrLoginData{Code: code, Error: msg})
		return
	}
	s.loginByAddr.hit(key)
	h, err := s.db.ConsumeLoginCode(c.Request.Context(), code)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			s.metrics.loginFailed()
		}
		s.codeRefused(c, err)
		return
	}
	token, exp, err := s.tokens.issue(h.User)
	if err != nil {
		s.pageFail(c, apperr.Wrap(err, "sign token"))
		return
	}
	c.Set(ctxPrincipal, &principal{User: h.User})
	s.setSession(c, token, exp.Sub(s.cfg.Now()))
	c.Redirect(http.StatusSeeOther, "/tablet")
}

// codeRefused answers a code that signs nobody in: one page, whatever the
// reason (unknown, used, expired, account disabled), so that it tells an
// attacker nothing. 410: the badge's URL will not work again.
func (s *Server) codeRefused(c *gin.Context, err error) {
	if apperr.CodeOf(err) != apperr.NotFound {
		s.pageFail(c, err)
		return
	}
	c.Set(ctxErrorCode, string(apperr.NotFound))
	s.render(c, http.StatusGone, "qrlogin", qrLoginData{Invalid: true})
}

// crossSite reports whether the browser says r comes from another site: by
// Sec-Fetch-Site, or else by an Origin naming another host. A request that
// says neither is let through: signing in with a code has no session to
// protect, only the visitor against being signed in as someone else (login
// CSRF), and every browser that could be led to do that sends one of them.
func crossSite(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
		return false
	}
	return !sameOrigin(r)
}
