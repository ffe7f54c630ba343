// Package apperr is the error type shared by every layer of bayskills.
//
// An *Error carries a code from a small fixed set, a message that is safe to
// show to a caller, optional per-field and per-row details, and an internal
// cause that is logged but never sent. The server maps codes to HTTP statuses
// in one table; nothing below the server knows about HTTP.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the caller.
type Code string

// The error codes. The server maps each to exactly one HTTP status.
const (
	Malformed    Code = "malformed"    // the request cannot be parsed (bad JSON, wrong types)
	Invalid      Code = "invalid"      // parsed but breaks a rule; Fields or Rows say where
	Unauthorized Code = "unauthorized" // no valid credentials
	Forbidden    Code = "forbidden"    // valid credentials, not allowed
	NotFound     Code = "not_found"
	Conflict     Code = "conflict" // clashes with the current state (duplicate, stale version)
	TooLarge     Code = "too_large"
	NotAllowed   Code = "method_not_allowed" // the route exists, not with this method
	RateLimited  Code = "rate_limited"
	Internal     Code = "internal"
)

// Codes lists every code, for the tables that must cover them all.
var Codes = []Code{Malformed, Invalid, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, NotAllowed, RateLimited, Internal}

// RowError lists what is wrong with one row of an imported file.
type RowError struct {
	Line   int               `json:"line"`
	Fields map[string]string `json:"fields"`
}

// Error is an error with a caller-safe message.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	Rows    []RowError
	cause   error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.cause }

// Safe returns the message that may be shown to the caller.
func (e *Error) Safe() string { return e.Message }

// New returns an error with the given code and caller-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithFields returns an Invalid error listing what is wrong with each named field.
func WithFields(message string, fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: message, Fields: fields}
}

// Wrap returns an Internal error for an unexpected cause. The cause is logged,
// the caller sees only "internal error".
func Wrap(cause error, context string) *Error {
	return &Error{Code: Internal, Message: "internal error", cause: fmt.Errorf("%s: %w", context, cause)}
}

// CodeOf returns the code of err: its own if it is (or wraps) an *Error,
// Internal otherwise.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as an *Error, wrapping unknown errors as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(err, "unexpected")
}

// FieldErrors collects per-field problems while validating input.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a problem.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when there are no problems, else an Invalid error.
func (f FieldErrors) Err(message string) error {
	if len(f) == 0 {
		return nil
	}
	return WithFields(message, f)
}
