package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"bayskills/assets"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// apiOperation is one operation of the OpenAPI document.
type apiOperation struct {
	path   string         // path template, e.g. /api/v1/events/{event}
	method string         // lower case, e.g. get
	op     map[string]any // the operation object
	item   map[string]any // its path item
}

func (o apiOperation) String() string { return strings.ToUpper(o.method) + " " + o.path }

// loadOpenAPI parses assets.OpenAPI.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(assets.OpenAPI, &doc); err != nil {
		t.Fatalf("assets/openapi.json is not a JSON object: %v", err)
	}
	return doc
}

// apiOperations lists the operations of doc, sorted by path and method.
func apiOperations(t *testing.T, doc map[string]any) []apiOperation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("document has no paths object")
	}
	var ops []apiOperation
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("path item %s is not an object", path)
			continue
		}
		for _, m := range openAPIMethods {
			raw, present := item[m]
			if !present {
				continue
			}
			op, ok := raw.(map[string]any)
			if !ok {
				t.Errorf("%s %s is not an object", strings.ToUpper(m), path)
				continue
			}
			ops = append(ops, apiOperation{path: path, method: m, op: op, item: item})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].path != ops[j].path {
			return ops[i].path < ops[j].path
		}
		return ops[i].method < ops[j].method
	})
	return ops
}

// openAPIPath turns a Gin path (/events/:event, /files/*name) into an OpenAPI
// path template (/events/{event}, /files/{name}).
func openAPIPath(ginPath string) string {
	parts := strings.Split(ginPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// handlerName returns the method name of a handler method value, e.g.
// "createEvent" for s.createEvent.
func handlerName(h gin.HandlerFunc) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm")
	return name[strings.LastIndex(name, ".")+1:]
}

func TestOpenAPIPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/healthz", "/healthz"},
		{"/api/v1/events/:event", "/api/v1/events/{event}"},
		{"/api/v1/events/:event/skills/:skill/judges/:judge", "/api/v1/events/{event}/skills/{skill}/judges/{judge}"},
		{"/files/*name", "/files/{name}"},
	} {
		if got := openAPIPath(tc.in); got != tc.want {
			t.Errorf("openAPIPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := apiOperations(t, doc)
	byKey := map[string]apiOperation{}
	for _, o := range ops {
		byKey[o.String()] = o
	}
	var routes []route // the API's: pages are not part of it
	for _, r := range (&Server{}).table() {
		if r.kind != page {
			routes = append(routes, r)
		}
	}
	registered := map[string]route{}
	for _, r := range routes {
		registered[r.method+" "+openAPIPath(r.path)] = r
	}

	t.Run("every route is documented", func(t *testing.T) {
		var missing []string
		for _, r := range routes {
			key := r.method + " " + openAPIPath(r.path)
			if _, ok := byKey[key]; !ok {
				missing = append(missing, fmt.Sprintf("%s (route %s %s, handler %s)", key, r.method, r.path, handlerName(r.handle)))
			}
		}
		if len(missing) > 0 {
			t.Errorf("%d route(s) missing from assets/openapi.json:\n\t%s", len(missing), strings.Join(missing, "\n\t"))
		}
	})

	t.Run("every operation is a route", func(t *testing.T) {
		var extra []string
		for _, o := range ops {
			if _, ok := registered[o.String()]; !ok {
				extra = append(extra, o.String())
			}
		}
		if len(extra) > 0 {
			t.Errorf("%d operation(s) in assets/openapi.json are not routes of the server:\n\t%s", len(extra), strings.Join(extra, "\n\t"))
		}
	})

	// What the document says about each route matches the route table.
	for _, r := range routes {
		o, ok := byKey[r.method+" "+openAPIPath(r.path)]
		if !ok {
			continue // reported above
		}
		t.Run(o.String(), func(t *testing.T) {
			if got, want := o.op["operationId"], handlerName(r.handle); got != want {
				t.Errorf("operationId = %v, want the handler's name %q", got, want)
			}
			if got, want := o.op["x-access"], r.who.String(); got != want {
				t.Errorf("x-access = %v, want %q (the route's access level)", got, want)
			}
			if desc, _ := o.op["description"].(string); !strings.HasPrefix(desc, "Role: ") {
				t.Errorf("description = %q, want it to start with \"Role: \"", desc)
			}
			sec, hasSec := o.op["security"].([]any)
			if isPublic(r.who) && (!hasSec || len(sec) != 0) {
				t.Errorf("security = %v, want [] on a public route", o.op["security"])
			}
			if !isPublic(r.who) && hasSec && len(sec) == 0 {
				t.Errorf("security = [], want the bearer requirement on a %s route", r.who)
			}

			responses, _ := o.op["responses"].(map[string]any)
			var want []string
			if !isPublic(r.who) {
				want = append(want, "401")
			}
			if !isPublic(r.who) && r.who != authenticated {
				want = append(want, "403")
			}
			if strings.Contains(r.path, "/:") {
				want = append(want, "404")
			}
			if _, ok := o.op["requestBody"]; ok {
				want = append(want, "400", "413")
			}
			for _, status := range want {
				if _, ok := responses[status]; !ok {
					t.Errorf("responses lack %s; documented: %v", status, slices.Sorted(maps.Keys(responses)))
				}
			}
			if isPublic(r.who) && responses["401"] != nil && r.path != "/api/v1/auth/login" && r.path != "/api/v1/auth/pin" {
				t.Errorf("a public route documents 401")
			}
			if (isPublic(r.who) || r.who == authenticated) && responses["403"] != nil {
				t.Errorf("a %s route documents 403, which it cannot give", r.who)
			}

			if r.kind == fileBody && (strings.HasSuffix(r.path, "/import") || strings.HasSuffix(r.path, "/scheme")) {
				// Imports take a spreadsheet, as CSV, XLSX or a form's file.
				body := resolveRefValue(t, doc, o.op["requestBody"])
				content, _ := body["content"].(map[string]any)
				for _, ct := range []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "multipart/form-data"} {
					if _, ok := content[ct]; !ok {
						t.Errorf("upload route's requestBody lacks content type %s; has %v", ct, slices.Sorted(maps.Keys(content)))
					}
				}
			}
		})
	}
}

func TestOpenAPIIsWellFormed(t *testing.T) {
	doc := loadOpenAPI(t)

	t.Run("no duplicate keys", func(t *testing.T) {
		if err := checkDuplicateKeys(assets.OpenAPI); err != nil {
			t.Error(err)
		}
	})

	t.Run("version and info", func(t *testing.T) {
		if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
			t.Errorf("openapi = %q, want 3.x", doc["openapi"])
		}
		info, _ := doc["info"].(map[string]any)
		for key, want := range map[string]string{"title": "bayskills API", "version": "1"} {
			if got := info[key]; got != want {
				t.Errorf("info.%s = %v, want %q", key, got, want)
			}
		}
		schemes, _ := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
		bearer, _ := schemes["bearerAuth"].(map[string]any)
		if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
			t.Errorf("components.securitySchemes.bearerAuth = %v, want an http bearer scheme", bearer)
		}
	})

	ops := apiOperations(t, doc)

	t.Run("unique operationIds", func(t *testing.T) {
		seen := map[string]string{}
		for _, o := range ops {
			id, _ := o.op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", o)
				continue
			}
			if prev, dup := seen[id]; dup {
				t.Errorf("operationId %q is used by both %s and %s", id, prev, o)
			}
			seen[id] = o.String()
		}
	})

	t.Run("every operation answers", func(t *testing.T) {
		for _, o := range ops {
			responses, _ := o.op["responses"].(map[string]any)
			ok := false
			for status := range responses {
				ok = ok || strings.HasPrefix(status, "2")
			}
			if !ok {
				t.Errorf("%s documents no 2xx response; has %v", o, slices.Sorted(maps.Keys(responses)))
			}
		}
	})

	t.Run("every $ref resolves", func(t *testing.T) {
		walkJSON(doc, "#", func(at string, obj map[string]any) {
			raw, ok := obj["$ref"]
			if !ok {
				return
			}
			ref, _ := raw.(string)
			if !strings.HasPrefix(ref, "#/components/") {
				t.Errorf("%s: $ref %q does not point into #/components/", at, raw)
				return
			}
			if _, err := resolvePointer(doc, ref); err != nil {
				t.Errorf("%s: $ref %q: %v", at, ref, err)
			}
		})
	})

	t.Run("path parameters are declared", func(t *testing.T) {
		template := regexp.MustCompile(`\{([^{}]+)\}`)
		for _, o := range ops {
			var inPath []string
			for _, m := range template.FindAllStringSubmatch(o.path, -1) {
				inPath = append(inPath, m[1])
			}
			declared := map[string]bool{}
			for _, list := range []any{o.item["parameters"], o.op["parameters"]} {
				params, _ := list.([]any)
				for _, p := range params {
					param := resolveRefValue(t, doc, p)
					if param["in"] != "path" {
						continue
					}
					name, _ := param["name"].(string)
					if param["required"] != true {
						t.Errorf("%s: path parameter %q is not required: true", o, name)
					}
					if !slices.Contains(inPath, name) {
						t.Errorf("%s: declares path parameter %q that the path does not have", o, name)
					}
					declared[name] = true
				}
			}
			for _, name := range inPath {
				if !declared[name] {
					t.Errorf("%s: path parameter {%s} is not declared in the operation or its path item", o, name)
				}
			}
		}
	})
}

func TestOpenAPIServed(t *testing.T) {
	f := newFixture(t)
	r := f.do("GET", "/api/openapi.json", asAnonymous, nil)
	if r.Status != 200 {
		t.Fatalf("GET /api/openapi.json = %d, want 200: %s", r.Status, r.Body)
	}
	if got, want := r.Header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if !bytes.Equal(r.Body, assets.OpenAPI) {
		t.Errorf("body (%d bytes) differs from assets.OpenAPI (%d bytes)", len(r.Body), len(assets.OpenAPI))
	}
}

// walkJSON calls fn for every object in v, with its JSON pointer.
func walkJSON(v any, at string, fn func(at string, obj map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(at, x)
		for k, child := range x {
			walkJSON(child, at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), fn)
		}
	case []any:
		for i, child := range x {
			walkJSON(child, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

// resolvePointer resolves a local JSON pointer ("#/a/b") in doc.
func resolvePointer(doc any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, errors.New("not a local reference")
	}
	cur := doc
	if rest == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(rest, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not inside an object", tok)
		}
		if cur, ok = obj[tok]; !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
	}
	return cur, nil
}

// resolveRefValue returns v as an object, following a $ref.
func resolveRefValue(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	obj, _ := v.(map[string]any)
	if ref, ok := obj["$ref"].(string); ok {
		target, err := resolvePointer(doc, ref)
		if err != nil {
			t.Errorf("$ref %q: %v", ref, err)
			return nil
		}
		obj, _ = target.(map[string]any)
	}
	return obj
}

// checkDuplicateKeys reports the first object key that appears twice in the
// same object (encoding/json would silently keep the last).
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key := kt.(string)
				if seen[key] {
					return fmt.Errorf("%s: key %q appears twice", path, key)
				}
				seen[key] = true
				if err := walk(path + "/" + key); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s/%d", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk("#"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the document")
	}
	return nil
}

// isPublic reports whether who lets anyone in (rate limited or not).
func isPublic(who access) bool { return who == public || who == publicLimited }
