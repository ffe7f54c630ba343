package server

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"bayskills/store"
)

// forge signs claims with the given method and key, as an attacker would.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenAttacksRefused(t *testing.T) {
	f := newFixture(t)
	uid := f.ids["user:"+asOrganizer]
	u, _ := f.db.User(context.Background(), uid)
	valid := func() tokenClaims {
		now := f.now
		return tokenClaims{RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "bayskills", Subject: strconv.FormatInt(uid, 10), Audience: jwt.ClaimStrings{tokenAudience},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now)}, Ver: u.TokenVersion}
	}
	key := f.srv.tokens.key
	good := forge(t, jwt.SigningMethodHS256, key, valid())
	if r := f.do("GET", "/api/v1/me", "Bearer "+good, nil); r.Status != 200 {
		t.Fatalf("control: a correctly forged token got %d, want 200 (the test would prove nothing)", r.Status)
	}
	with := func(change func(*tokenClaims)) tokenClaims { c := valid(); change(&c); return c }
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, valid()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1","aud":["bayskills-api"],"iss":"bayskills","exp":9999999999,"iat":1,"ver":1}`)) + "." + parts[2]

	tests := []struct{ name, token string }{
		{"alg none", none},
		{"HS384 with the right key", forge(t, jwt.SigningMethodHS384, key, valid())},
		{"HS256 with another key", forge(t, jwt.SigningMethodHS256, []byte("0123456789abcdef0123456789abcdef"), valid())},
		{"tampered claims", tampered},
		{"expired", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) {
			c.ExpiresAt = jwt.NewNumericDate(f.now.Add(-time.Minute))
			c.IssuedAt = jwt.NewNumericDate(f.now.Add(-time.Hour))
		}))},
		{"not yet valid", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.NotBefore = jwt.NewNumericDate(f.now.Add(time.Hour)) }))},
		{"issued in the future", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.IssuedAt = jwt.NewNumericDate(f.now.Add(time.Hour)) }))},
		{"no expiry", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.ExpiresAt = nil }))},
		{"lifetime over 12 h", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.ExpiresAt = jwt.NewNumericDate(f.now.Add(48 * time.Hour)) }))},
		{"wrong audience", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.Audience = jwt.ClaimStrings{"other"} }))},
		{"wrong issuer", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.Issuer = "evil" }))},
		{"stale token version", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.Ver = u.TokenVersion - 1 }))},
		{"unknown user", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.Subject = "99999" }))},
		{"non-numeric subject", forge(t, jwt.SigningMethodHS256, key, with(func(c *tokenClaims) { c.Subject = "1 OR 1=1" }))},
		{"garbage", "not.a.token"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("GET", "/api/v1/me", "Bearer "+tt.token, nil)
			if r.Status != 401 || r.ErrorCode() != "unauthorized" {
				t.Fatalf("status %d %s, want 401 unauthorized", r.Status, r.Body)
			}
		})
	}
}

func TestLogoutInvalidatesEveryToken(t *testing.T) {
	f := newFixture(t)
	second := f.login(asOrganizer, testPassword)
	if r := f.do("POST", "/api/v1/auth/logout", asOrganizer, nil); r.Status != 204 {
		t.Fatalf("logout = %d, want 204", r.Status)
	}
	for _, tok := range []string{f.tokens[asOrganizer], second} {
		if r := f.do("GET", "/api/v1/me", "Bearer "+tok, nil); r.Status != 401 {
			t.Errorf("token after logout: %d, want 401", r.Status)
		}
	}
	fresh := f.login(asOrganizer, testPassword)
	if r := f.do("GET", "/api/v1/me", "Bearer "+fresh, nil); r.Status != 200 {
		t.Errorf("new login after logout: %d, want 200", r.Status)
	}
}

func TestDisabledUserRefused(t *testing.T) {
	f := newFixture(t)
	path := "/api/v1/users/" + strconv.FormatInt(f.ids["user:"+asOrganizer], 10)
	if r := f.do("PATCH", path, asAdmin, map[string]any{"disabled": true}); r.Status != 200 {
		t.Fatalf("disable = %d %s", r.Status, r.Body)
	}
	if r := f.do("GET", "/api/v1/me", asOrganizer, nil); r.Status != 401 {
		t.Errorf("disabled user's old token: %d, want 401", r.Status)
	}
	if r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": asOrganizer, "password": testPassword}); r.Status != 401 {
		t.Errorf("disabled user's login: %d, want 401", r.Status)
	}
	if r := f.do("PATCH", path, asAdmin, map[string]any{"disabled": false}); r.Status != 200 {
		t.Fatalf("enable = %d", r.Status)
	}
	f.login(asOrganizer, testPassword)
	self := "/api/v1/users/" + strconv.FormatInt(f.ids["user:"+asAdmin], 10)
	if r := f.do("PATCH", self, asAdmin, map[string]any{"disabled": true}); r.Status != 409 {
		t.Errorf("admin disabling self: %d, want 409", r.Status)
	}
}

func TestLoginAnswersAlike(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, path string
		body       map[string]string
		want       int
	}{
		{"right password", "/api/v1/auth/login", map[string]string{"username": asOrganizer, "password": testPassword}, 200},
		{"username any case", "/api/v1/auth/login", map[string]string{"username": "ORGANIZER", "password": testPassword}, 200},
		{"wrong password", "/api/v1/auth/login", map[string]string{"username": asAdmin, "password": "nope nope nope"}, 401},
		{"no such user", "/api/v1/auth/login", map[string]string{"username": "ghost", "password": "nope nope nope"}, 401},
		{"judge has no password", "/api/v1/auth/login", map[string]string{"username": asJudge, "password": "111111"}, 401},
		{"right PIN", "/api/v1/auth/pin", map[string]string{"username": asJudge, "pin": "111111"}, 200},
		{"wrong PIN", "/api/v1/auth/pin", map[string]string{"username": asChief, "pin": "000000"}, 401},
		{"PIN login for organizer", "/api/v1/auth/pin", map[string]string{"username": asOrganizer, "pin": testPassword}, 401},
		{"missing fields", "/api/v1/auth/login", map[string]string{"username": asAdmin}, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("POST", tt.path, "", tt.body)
			if r.Status != tt.want {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.want)
			}
			if tt.want == 401 && !strings.Contains(string(r.Body), "wrong username or") {
				t.Errorf("body %s: want the one answer for every failed login", r.Body)
			}
		})
	}
}

func TestLoginRateLimitedPerAccount(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		if r := f.do("POST", "/api/v1/auth/pin", "", map[string]string{"username": asJudge, "pin": "999999"}); r.Status != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, r.Status)
		}
	}
	r := f.do("POST", "/api/v1/auth/pin", "", map[string]string{"username": asJudge, "pin": "111111"})
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("right PIN after 5 failures: %d (Retry-After %q), want 429 with Retry-After", r.Status, r.Header.Get("Retry-After"))
	}
	// Other accounts are not locked out by one account's failures.
	f.loginPIN(asChief, "222222")
	// The lock ends with the window.
	f.now = f.now.Add(16 * time.Minute)
	f.loginPIN(asJudge, "111111")
}

func TestLoginRateLimitedPerAddress(t *testing.T) {
	f := newFixture(t)
	// A small limit keeps the test fast (each attempt costs an argon2 hash);
	// the default comes from Config.LoginsPerMinute.
	f.srv.loginByAddr = newLimiter(20, time.Minute, f.srv.cfg.Now)
	var last response
	for i := 0; i < 40; i++ {
		last = f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "guess" + strconv.Itoa(i), "password": "xxxxxxxxxx"})
		if last.Status == 429 {
			break
		}
	}
	if last.Status != 429 {
		t.Fatalf("40 logins from one address in a minute: last %d, want 429 after 20", last.Status)
	}
	f.now = f.now.Add(2 * time.Minute)
	f.login(asAdmin, testPassword)
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", "/api/v1/me/password", asOrganizer, map[string]string{"current_password": "wrong one!!", "new_password": "a much longer secret"})
	if r.Status != 422 {
		t.Fatalf("wrong current password: %d, want 422", r.Status)
	}
	r = f.do("POST", "/api/v1/me/password", asOrganizer, map[string]string{"current_password": testPassword, "new_password": "short"})
	if r.Status != 422 || !strings.Contains(string(r.Body), "new_password") {
		t.Fatalf("short password: %d %s, want 422 on new_password", r.Status, r.Body)
	}
	r = f.do("POST", "/api/v1/me/password", asOrganizer, map[string]string{"current_password": testPassword, "new_password": "a much longer secret"})
	if r.Status != 200 {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	var lr loginResponse
	r.JSON(t, &lr)
	if x := f.do("GET", "/api/v1/me", asOrganizer, nil); x.Status != 401 {
		t.Errorf("old token after password change: %d, want 401", x.Status)
	}
	if x := f.do("GET", "/api/v1/me", "Bearer "+lr.Token, nil); x.Status != 200 {
		t.Errorf("token from the change: %d, want 200", x.Status)
	}
	f.login(asOrganizer, "a much longer secret")
}

func TestPasswordHash(t *testing.T) {
	h, err := hashSecret("secret value")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the chosen parameters", h)
	}
	h2, _ := hashSecret("secret value")
	if h == h2 {
		t.Error("two hashes of one secret are equal: the salt is not random")
	}
	for _, tt := range []struct {
		hash, secret string
		want         bool
	}{
		{h, "secret value", true},
		{h, "secret valuE", false},
		{h, "", false},
		{"", "secret value", false},
		{"$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", "x", false},
		{"$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA", "x", false},
		{"$bcrypt$whatever", "x", false},
	} {
		if got := checkSecret(tt.hash, tt.secret); got != tt.want {
			t.Errorf("checkSecret(%q, %q) = %v, want %v", tt.hash, tt.secret, got, tt.want)
		}
	}
}

func TestFirstStartCreatesAdmin(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gen, err := EnsureAdmin(ctx, db, "")
	if err != nil || len(gen) < 20 {
		t.Fatalf("EnsureAdmin = %q, %v; want a generated password of 20+ characters", gen, err)
	}
	u, err := db.UserByName(ctx, "admin")
	if err != nil || u.Role != store.RoleAdmin || !checkSecret(u.PasswordHash, gen) {
		t.Fatalf("admin = %+v, %v; want an admin whose password is the generated one", u, err)
	}
	again, err := EnsureAdmin(ctx, db, "")
	if err != nil || again != "" {
		t.Fatalf("second start: %q, %v; want nothing generated", again, err)
	}
	db2, _ := store.Open(ctx, t.TempDir())
	defer db2.Close()
	if _, err := EnsureAdmin(ctx, db2, "short"); err == nil {
		t.Error("a too-short BAYSKILLS_ADMIN_PASSWORD was accepted")
	}
}
