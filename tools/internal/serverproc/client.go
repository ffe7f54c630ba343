package serverproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client calls the server's API; safe for concurrent use by many judges.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client of the server at base (a Server's URL) whose
// requests give up after timeout. It keeps up to 1024 idle connections,
// so that each of a load tool's concurrent callers keeps its own.
func NewClient(base string, timeout time.Duration) *Client {
	return &Client{base: base, http: &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}}}
}

// Send sends a request and returns the answer's body. An answer other than
// want (0: any 2xx) is a *StatusError; a failed connection is another
// error. A []byte body is sent as CSV, any other as JSON; token, when
// given, as a bearer token.
func (c *Client) Send(method, path, token string, body any, want int) ([]byte, error) {
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "text/csv"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	// Not a caller's context: a request under way when a run ends is
	// answered and counted, not cut off.
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if want == 0 && res.StatusCode/100 != 2 {
		return raw, &StatusError{Status: res.StatusCode, msg: fmt.Sprintf("%s %s: %d: %.300s", method, path, res.StatusCode, raw)}
	}
	if want != 0 && res.StatusCode != want {
		return raw, &StatusError{Status: res.StatusCode,
			msg: fmt.Sprintf("%s %s: %d, want %d: %.300s", method, path, res.StatusCode, want, raw)}
	}
	return raw, nil
}

// Call is Send that decodes the JSON answer into out, when out is not nil.
func (c *Client) Call(method, path, token string, body any, want int, out any) error {
	raw, err := c.Send(method, path, token, body, want)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// StatusError is an answer with an unexpected status: the server decided,
// so sending the same request again would not help.
type StatusError struct {
	Status int // the answer's HTTP status
	msg    string
}

// Error says the request, the status (and the one wanted) and the
// answer's first 300 bytes.
func (e *StatusError) Error() string { return e.msg }
