package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/scoring"
)

// statusOf maps each error code to its one HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Malformed:    http.StatusBadRequest,
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.NotAllowed:   http.StatusMethodNotAllowed,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.Internal:     http.StatusInternalServerError,
}

// errorBody is the one error shape of the API:
// {"error": {"code": "invalid", "message": "…", "fields": {…}, "rows": […]}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      apperr.Code       `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	Rows      []apperr.RowError `json:"rows,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// fail writes err in the error shape and aborts the request. Internal causes
// are logged with the request id and never sent.
func fail(c *gin.Context, err error) {
	e := apperr.As(err)
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	rid := c.GetString(ctxRequestID)
	if status >= 500 {
		// The cause goes to the server's log, with the request's line
		// (accessLog); the client sees only the request id.
		c.Set(ctxFailure, err.Error())
	}
	c.Set(ctxErrorCode, string(e.Code))
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Safe(), Fields: e.Fields,
		Rows: e.Rows, RequestID: rid}})
}

// decode reads one JSON object from the request body into v: unknown fields,
// trailing data, wrong types and oversized bodies are refused with a clear
// message.
func decode(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return apperr.New(apperr.Malformed, "the body must be JSON (Content-Type: application/json)")
	}
	body := bufio.NewReader(c.Request.Body)
	if first, err := peekNonSpace(body); err == nil && first == 'n' {
		// json.Decode takes null for the zero value: refuse it here as
		// not the object every route expects.
		return apperr.New(apperr.Malformed, "the body must be a JSON object, not null")
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return apperr.New(apperr.Malformed, "the body must hold exactly one JSON object")
	}
	return nil
}

// peekNonSpace returns the first byte of r after JSON white space, without
// consuming anything but that white space.
func peekNonSpace(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r':
			r.ReadByte()
		default:
			return b[0], nil
		}
	}
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return apperr.New(apperr.TooLarge, "the body is larger than %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Malformed, "the body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Malformed, "the JSON body ends too early")
	case errors.As(err, &syntaxErr):
		return apperr.New(apperr.Malformed, "malformed JSON at byte %d", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apperr.New(apperr.Malformed, "the body must be a JSON object")
		}
		what := "must be " + jsonKind(typeErr.Type.Kind().String())
		if typeErr.Type == reflect.TypeFor[scoring.Centi]() {
			what = typeErr.Value // the reason scoring.Centi gave
			if !strings.HasPrefix(what, "must") {
				what = "must be a number of marks with at most 2 decimals"
			}
		}
		return &apperr.Error{Code: apperr.Malformed, Message: "a field has the wrong type", Fields: map[string]string{field: what}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Code: apperr.Malformed, Message: "the body has an unknown field",
			Fields: map[string]string{name: "unknown field"}}
	}
	return apperr.New(apperr.Malformed, "malformed JSON body")
}

func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "bool":
		return "true or false"
	case kind == "string":
		return "a string"
	case kind == "struct", kind == "map":
		return "an object"
	case kind == "slice", kind == "array":
		return "an array"
	}
	return "of another type"
}
