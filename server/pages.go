package server

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/assets"
	"bayskills/store"
)

// pageLang is a language the pages speak (DESIGN: English, 简体中文,
// 繁體中文, Português), by its BCP 47 tag and its own name.
type pageLang struct{ Code, Name string }

// pageLangs are the languages of the switch, in its order; the first is
// the fallback.
var pageLangs = []pageLang{{"en", "English"}, {"zh-Hans", "简体中文"}, {"zh-Hant", "繁體中文"}, {"pt", "Português"}}

// Cookie names.
const (
	sessionCookie = "bayskills_session" // the signed-in account's token, HttpOnly
	langCookie    = "bayskills_lang"
)

// pageSet is the parsed pages, their catalogs and the static files' hashes.
type pageSet struct {
	pages    map[string]*template.Template // by file name without .html
	catalogs map[string]map[string]string  // lang → key → text
	catJSON  map[string]template.JS        // lang + " " + area → the page's part of the catalog as JSON, for scripts
	static   map[string]string             // static file → short content hash
}

// loadPages parses every page of assets/web/templates on top of base.html
// and reads the catalogs; a page or catalog that does not parse stops the
// server from starting.
func loadPages() (*pageSet, error) {
	ps := &pageSet{pages: map[string]*template.Template{}, catalogs: map[string]map[string]string{},
		catJSON: map[string]template.JS{}, static: map[string]string{}}
	err := fs.WalkDir(assets.Web, "web/static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.Web.ReadFile(p)
		sum := sha256.Sum256(b)
		ps.static[strings.TrimPrefix(p, "web/static/")] = hex.EncodeToString(sum[:4])
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, l := range pageLangs {
		cat, err := loadCatalog(l.Code)
		if err != nil {
			return nil, err
		}
		ps.catalogs[l.Code] = cat
		for _, area := range append(scriptAreas, "") {
			part := map[string]string{}
			for k, v := range cat {
				if keyArea(k) == "" || keyArea(k) == area {
					part[k] = v
				}
			}
			compact, _ := json.Marshal(part) // escapes <, > and &: safe inside <script>
			ps.catJSON[l.Code+" "+area] = template.JS(compact)
		}
	}
	funcs := template.FuncMap{
		"static": ps.staticURL,
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(assets.Web, "web/templates/base.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(assets.Web, "web/templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "base" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets.Web, f)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		ps.pages[name] = t
	}
	return ps, nil
}

// scriptAreas are the areas of the pages whose scripts read the catalog;
// a page gets the common messages and its own area's, not every area's.
var scriptAreas = []string{"tablet", "console", "verify"}

// keyArea is the area a message key belongs to ("tablet.sync.saved" →
// "tablet"), or "" for the common messages every page's scripts may use.
func keyArea(key string) string {
	area, _, _ := strings.Cut(key, ".")
	for _, a := range scriptAreas {
		if a == area {
			return a
		}
	}
	return ""
}

// loadCatalog merges the catalogs of lang: one file per area of the pages,
// web/i18n/AREA.LANG.json (common, tablet, console, …). A key defined in
// two areas is an error.
func loadCatalog(lang string) (map[string]string, error) {
	files, err := fs.Glob(assets.Web, "web/i18n/*."+lang+".json")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no catalog for %s (%v)", lang, err)
	}
	cat := map[string]string{}
	for _, f := range files {
		raw, err := assets.Web.ReadFile(f)
		if err != nil {
			return nil, err
		}
		area := map[string]string{}
		if err := json.Unmarshal(raw, &area); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f, err)
		}
		for k, v := range area {
			if _, dup := cat[k]; dup {
				return nil, fmt.Errorf("catalog %s: key %q is defined twice", f, k)
			}
			cat[k] = v
		}
	}
	return cat, nil
}

// staticURL is the URL of a static file with its content hash, cached a year.
func (ps *pageSet) staticURL(name string) string { return "/static/" + name + "?v=" + ps.static[name] }

// pageData is what every page template gets: the language, its catalog
// (T), the signed-in user, and the page's own Data.
type pageData struct {
	Lang    string
	Langs   []pageLang
	User    *store.User
	Catalog template.JS
	Data    any
	cat     map[string]string
	en      map[string]string
}

// T translates key, formatting args into it when given; a key missing from
// the language falls back to English, then to the key itself.
func (p pageData) T(key string, args ...any) string {
	msg, ok := p.cat[key]
	if !ok {
		if msg, ok = p.en[key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Name picks the page language's form of a multilingual name: the other
// Chinese script before English for Chinese readers, English otherwise.
func (p pageData) Name(n store.Names) string {
	switch p.Lang {
	case "zh-Hans":
		return cmp.Or(n.ZhHans, n.ZhHant, n.En)
	case "zh-Hant":
		return cmp.Or(n.ZhHant, n.ZhHans, n.En)
	case "pt":
		return cmp.Or(n.Pt, n.En)
	}
	return cmp.Or(n.En, n.Pt, n.ZhHans, n.ZhHant)
}

// pageLanguage picks the page language: ?lang= (remembered in a cookie),
// then the cookie, then Accept-Language, then English.
func pageLanguage(c *gin.Context) string {
	if l := c.Query("lang"); knownLang(l) {
		c.SetSameSite(http.SameSiteLaxMode)
		c.SetCookie(langCookie, l, 365*24*3600, "/", "", false, false)
		return l
	}
	if l, err := c.Cookie(langCookie); err == nil && knownLang(l) {
		return l
	}
	return fromAcceptLanguage(c.GetHeader("Accept-Language"))
}

func knownLang(l string) bool {
	for _, pl := range pageLangs {
		if pl.Code == l {
			return true
		}
	}
	return false
}

// fromAcceptLanguage maps an Accept-Language header to a page language by
// its first usable entry: Chinese of Taiwan, Hong Kong or Macao, or marked
// Hant, reads traditional; other Chinese simplified; any Portuguese pt.
func fromAcceptLanguage(header string) string {
	for _, part := range strings.Split(header, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.Split(part, ";")[0]))
		switch {
		case tag == "":
		case strings.HasPrefix(tag, "zh"):
			if strings.Contains(tag, "hant") || strings.HasSuffix(tag, "-tw") || strings.HasSuffix(tag, "-hk") ||
				strings.HasSuffix(tag, "-mo") {
				return "zh-Hant"
			}
			return "zh-Hans"
		case tag == "pt" || strings.HasPrefix(tag, "pt-"):
			return "pt"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "en"
}

// translator translates into the caller's page language (?lang=, the
// language cookie, Accept-Language), for what is not a page: charts.
func (s *Server) translator(c *gin.Context) translator {
	lang := pageLanguage(c)
	return pageData{cat: s.pages.catalogs[lang], en: s.pages.catalogs["en"]}.T
}

// render answers the page name with data in the caller's language.
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	t, ok := s.pages.pages[name]
	if !ok {
		fail(c, apperr.Wrap(fmt.Errorf("no page %q", name), "render"))
		return
	}
	lang := pageLanguage(c)
	pd := pageData{Lang: lang, Langs: pageLangs, Catalog: s.pages.catJSON[lang+" "+keyArea(strings.NewReplacer("-", ".", "_", ".").Replace(name))], Data: data,
		cat: s.pages.catalogs[lang], en: s.pages.catalogs["en"]}
	if p, ok := c.Get(ctxPrincipal); ok {
		pd.User = &p.(*principal).User
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := t.ExecuteTemplate(c.Writer, "base", pd); err != nil {
		s.log.Error("render page", "page", name, "request_id", c.GetString(ctxRequestID), "err", err)
	}
}

// pageFail answers a refused or failed page request: to sign in when the
// caller is not signed in, else an error page in the caller's language.
func (s *Server) pageFail(c *gin.Context, err error) {
	e := apperr.As(err)
	if e.Code == apperr.Unauthorized && c.Request.Method == http.MethodGet {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	status, key := statusOf[e.Code], "error.internal"
	switch e.Code {
	case apperr.Unauthorized, apperr.Forbidden:
		key = "error.forbidden"
	case apperr.NotFound:
		key = "error.notfound"
	}
	if status == 0 || status >= 500 {
		status = http.StatusInternalServerError
		s.log.Error("page failed", "request_id", c.GetString(ctxRequestID), "path", c.Request.URL.Path, "err", err.Error())
	}
	lang := pageLanguage(c)
	cat := s.pages.catalogs[lang]
	msg := cat[key]
	if status == http.StatusInternalServerError {
		msg += " " + c.GetString(ctxRequestID)
	}
	c.Set(ctxErrorCode, string(e.Code))
	s.render(c, status, "error", map[string]string{"Title": cat[key+".title"], "Message": msg})
	c.Abort()
}

// pageRoutes are the sign-in pages, the home redirect and the static files.
func (s *Server) pageRoutes() []route {
	return []route{
		{"GET", "/", public, s.home, page},
		{"GET", "/login", public, s.loginPage, page},
		{"POST", "/login", public, s.loginForm, page},
		{"POST", "/logout", authenticated, s.logoutForm, page},
		{"GET", "/static/*file", public, s.staticFile, page},
	}
}

// home sends the caller where they work: judges to the tablet, organizers
// and admins to the console, everyone else to sign in.
func (s *Server) home(c *gin.Context) {
	p, _, err := s.principalOf(c)
	switch {
	case err != nil:
		c.Redirect(http.StatusSeeOther, "/login")
	case p.User.Role == store.RoleJudge:
		c.Redirect(http.StatusSeeOther, "/tablet")
	default:
		c.Redirect(http.StatusSeeOther, "/console")
	}
}

type loginPageData struct {
	Next, Username, Kind, Error string
}

func (s *Server) loginPage(c *gin.Context) {
	s.render(c, http.StatusOK, "login", loginPageData{Next: localPath(c.Query("next"))})
}

// loginForm signs in from the login page's form (PIN for judges, password
// otherwise) under the API's rate limits, and keeps the token in an
// HttpOnly, SameSite=Strict cookie.
func (s *Server) loginForm(c *gin.Context) {
	d := loginPageData{Next: localPath(c.PostForm("next")), Username: c.PostForm("username"), Kind: c.PostForm("kind")}
	u, err := s.checkLogin(c, d.Username, c.PostForm("secret"), d.Kind != "password")
	var token string
	var exp time.Time
	if err == nil {
		token, exp, err = s.tokens.issue(u)
	}
	if err != nil {
		e := apperr.As(err)
		key := "login.failed"
		switch e.Code {
		case apperr.RateLimited:
			key = "login.limited"
		case apperr.Unauthorized, apperr.Invalid:
		default:
			s.pageFail(c, err)
			return
		}
		d.Error = pageData{cat: s.pages.catalogs[pageLanguage(c)]}.T(key)
		s.render(c, statusOf[e.Code], "login", d)
		return
	}
	s.setSession(c, token, time.Until(exp))
	next := d.Next
	if next == "" {
		next = "/"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// setSession keeps token in the session cookie for maxAge (0 deletes it).
func (s *Server) setSession(c *gin.Context, token string, maxAge time.Duration) {
	secure := c.Request.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://")
	c.SetSameSite(http.SameSiteStrictMode)
	age := int(maxAge.Seconds())
	if token == "" {
		age = -1
	}
	c.SetCookie(sessionCookie, token, age, "/", "", secure, true)
}

// logoutForm signs out everywhere (every token of the account) and drops
// the cookie.
func (s *Server) logoutForm(c *gin.Context) {
	if err := s.db.RevokeTokens(c.Request.Context(), caller(c).User.ID); err != nil {
		s.pageFail(c, err)
		return
	}
	s.setSession(c, "", 0)
	c.Redirect(http.StatusSeeOther, "/login")
}

// localPath returns p when it is a path on this server, else "" (no open
// redirect through ?next=).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	return p
}

// staticFile serves assets/web/static: cached for a year when the URL
// carries the file's current hash (as the pages link it), else revalidated.
func (s *Server) staticFile(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	hash, ok := s.pages.static[name]
	if !ok {
		s.pageFail(c, apperr.New(apperr.NotFound, "no such file"))
		return
	}
	b, err := assets.Web.ReadFile("web/static/" + name)
	if err != nil {
		s.pageFail(c, apperr.Wrap(err, "read static file"))
		return
	}
	if c.Query("v") == hash {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("ETag", `"`+hash+`"`)
	if c.GetHeader("If-None-Match") == `"`+hash+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Data(http.StatusOK, ctype, b)
}

// readForm reads a page form's URL-encoded body before the handler does, so
// that a body over the limit is a 413 page rather than a form that seems
// empty (ParseForm's error would otherwise go unseen by c.PostForm).
func (s *Server) readForm(c *gin.Context) {
	if c.Request.Method != http.MethodPost || c.ContentType() != "application/x-www-form-urlencoded" {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		var over *http.MaxBytesError
		if errors.As(err, &over) {
			s.pageFail(c, apperr.New(apperr.TooLarge, "the form is larger than %d bytes", over.Limit))
		} else {
			s.pageFail(c, apperr.New(apperr.Malformed, "the form could not be read"))
		}
	}
}
