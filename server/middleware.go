package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
)

// Context keys set by the middleware.
const (
	ctxRequestID = "request_id"
	ctxPrincipal = "principal"
	ctxEvent     = "event"
	ctxSkill     = "skill"
	ctxErrorCode = "error_code"
	ctxFailure   = "failure" // a 5xx's underlying error, for the log only
)

// Body size limits.
const (
	maxJSONBody   = 1 << 20  // 1 MiB: any JSON request
	maxUploadBody = 16 << 20 // 16 MiB: an imported spreadsheet
)

// requestID gives every request an id (the caller's X-Request-Id when it is
// sane), echoed in the response and in every log line.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if len(id) == 0 || len(id) > 64 || !isToken(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func isToken(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := []any{
			"request_id", c.GetString(ctxRequestID),
			"method", c.Request.Method,
			"path", c.Request.URL.Path,
			"status", c.Writer.Status(),
			"latency_ms", float64(time.Since(start).Microseconds()) / 1000,
			"ip", c.ClientIP(),
			"bytes", c.Writer.Size(),
		}
		if p, ok := c.Get(ctxPrincipal); ok {
			attrs = append(attrs, "user", p.(*principal).User.Username)
		}
		if code := c.GetString(ctxErrorCode); code != "" {
			attrs = append(attrs, "error", code)
		}
		if cause := c.GetString(ctxFailure); cause != "" {
			attrs = append(attrs, "cause", cause)
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// recoverPanics turns a panic into a logged stack trace and a plain 500: no
// panic reaches a client.
func recoverPanics(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.Error("panic", "request_id", c.GetString(ctxRequestID), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					fail(c, apperr.Wrap(fmt.Errorf("panic: %v", r), "handler"))
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

// limitBody caps the request body; reading past the cap fails and the
// decoder reports 413.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			fail(c, apperr.New(apperr.TooLarge, "the body is larger than %d bytes", n))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// contentSecurityPolicy allows the pages their own scripts, styles, images
// and connections only: no inline script or style, no framing, no plugins.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Next()
}
