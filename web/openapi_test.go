package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// loadSpec parses web/openapi.json with libopenapi and builds its OpenAPI
// 3.1 model; any error of either step fails the test.
func loadSpec(t *testing.T) (libopenapi.Document, *v3.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(openAPISpec)
	if err != nil {
		t.Fatalf("web/openapi.json: %v", err)
	}
	if v := doc.GetSpecInfo().Version; v != "3.1.0" {
		t.Fatalf("web/openapi.json: OpenAPI version %q, want 3.1.0", v)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("web/openapi.json: build the model: %v", err)
	}
	return doc, &m.Model
}

// ndjsonMediaType is the body of POST /api/articles/_bulk.
const ndjsonMediaType = "application/x-ndjson"

// decodeNDJSON decodes newline-delimited JSON into the array of its
// non-blank lines, each decoded as JSON or, when it is not JSON, kept as the
// line's text (which no object schema accepts).
func decodeNDJSON(r io.Reader) ([]any, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			v = string(line)
		}
		out = append(out, v)
	}
	return out, nil
}

// specValidator returns libopenapi-validator's validator of requests and
// responses for the spec. NDJSON bodies are validated line by line: the
// validator would otherwise take application/x-ndjson for one JSON value.
func specValidator(t *testing.T, doc libopenapi.Document) validator.Validator {
	t.Helper()
	v, errs := validator.NewValidator(doc, config.WithBodyDecoder(ndjsonMediaType,
		content.DecoderFunc(func(in *content.DecodeInput) (any, error) { return decodeNDJSON(in.Body) })))
	if len(errs) > 0 {
		t.Fatalf("web/openapi.json: new validator: %v", errs)
	}
	return v
}

func validationErrors(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%s: %s", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n\t\t%s at %s (%s)", se.Reason, se.FieldPath, se.KeywordLocation)
		}
	}
	return b.String()
}

// operation is one method of one path of the spec.
type operation struct {
	method string // upper case
	path   string // OpenAPI template, e.g. /api/articles/{id}
	op     *v3.Operation
}

// operations lists the spec's operations in document order.
func operations(m *v3.Document) []operation {
	var out []operation
	for p := m.Paths.PathItems.First(); p != nil; p = p.Next() {
		for o := p.Value().GetOperations().First(); o != nil; o = o.Next() {
			out = append(out, operation{method: strings.ToUpper(o.Key()), path: p.Key(), op: o.Value()})
		}
	}
	return out
}

// TestOpenAPIValid loads web/openapi.json with libopenapi, validates it
// against the OpenAPI 3.1 schema with libopenapi-validator, checks that
// every example it documents for a request body or a response validates
// against the schema beside it, and that GET /api/openapi.json serves it.
func TestOpenAPIValid(t *testing.T) {
	doc, m := loadSpec(t)
	v := specValidator(t, doc)
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("web/openapi.json is not a valid OpenAPI 3.1 document:%s", validationErrors(errs))
	}

	sv := schema_validation.NewSchemaValidator()
	checked := 0
	check := func(where, mediaType string, mt *v3.MediaType) {
		if mt.Schema == nil {
			return
		}
		schema := mt.Schema.Schema()
		var vals []any
		if mt.Example != nil {
			var x any
			if err := mt.Example.Decode(&x); err != nil {
				t.Fatalf("%s: decode example: %v", where, err)
			}
			vals = append(vals, x)
		}
		for e := mt.Examples.First(); e != nil; e = e.Next() {
			var x any
			if err := e.Value().Value.Decode(&x); err != nil {
				t.Fatalf("%s: decode example %q: %v", where, e.Key(), err)
			}
			vals = append(vals, x)
		}
		for _, x := range vals {
			if s, ok := x.(string); ok && mediaType == ndjsonMediaType {
				lines, err := decodeNDJSON(strings.NewReader(s))
				if err != nil {
					t.Fatal(err)
				}
				x = lines
			} else if ok && !slices.Contains(schema.Type, "string") {
				// A JSON body given as text.
				if err := json.Unmarshal([]byte(s), &x); err != nil {
					t.Errorf("%s: example is not JSON: %v", where, err)
					continue
				}
			}
			checked++
			if ok, errs := sv.ValidateSchemaObject(schema, x); !ok {
				t.Errorf("%s: example does not match its schema:%s", where, validationErrors(errs))
			}
		}
	}
	for _, o := range operations(m) {
		if rb := o.op.RequestBody; rb != nil {
			for c := rb.Content.First(); c != nil; c = c.Next() {
				check(fmt.Sprintf("%s %s request %s", o.method, o.path, c.Key()), c.Key(), c.Value())
			}
		}
		for r := o.op.Responses.Codes.First(); r != nil; r = r.Next() {
			for c := r.Value().Content.First(); c != nil; c = c.Next() {
				check(fmt.Sprintf("%s %s %s %s", o.method, o.path, r.Key(), c.Key()), c.Key(), c.Value())
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d documented examples checked: the walk over the spec is broken", checked)
	}

	resp, err := http.Get(ts.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !bytes.Equal(body, openAPISpec) {
		t.Errorf("GET /api/openapi.json: %d %s, %d bytes; want 200, JSON, web/openapi.json as it is", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

// ginToOpenAPI turns a gin route path into an OpenAPI path template:
// /api/articles/:id -> /api/articles/{id}, /static/*file -> /static/{file}.
func ginToOpenAPI(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// TestOpenAPIDescribesEveryRoute checks the spec against the router both
// ways: every route registered in gin is described, and every operation
// described is routed.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	_, m := loadSpec(t)
	srv := New(svc, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), APIKey: testKey})
	routed := map[string]bool{}
	for _, r := range srv.router.Routes() {
		routed[r.Method+" "+ginToOpenAPI(r.Path)] = true
	}
	described := map[string]bool{}
	for _, o := range operations(m) {
		described[o.method+" "+o.path] = true
	}
	if len(routed) < 10 || len(described) < 10 {
		t.Fatalf("%d routes, %d operations described: too few to be the real ones", len(routed), len(described))
	}
	var missing, extra []string
	for r := range routed {
		if !described[r] {
			missing = append(missing, r)
		}
	}
	for d := range described {
		if !routed[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is not described in web/openapi.json", r)
	}
	for _, d := range extra {
		t.Errorf("web/openapi.json describes %s, which the router does not serve", d)
	}
}

// specExample is one entry of an operation's x-examples: a request and the
// status a server over the seed articles answers it with. In headers,
// $CUTWATCH_API_KEY stands for the server's API key.
type specExample struct {
	Summary string            `yaml:"summary"`
	Path    string            `yaml:"path"`  // the operation's path when empty
	Query   string            `yaml:"query"` // raw query string, without '?'
	Headers map[string]string `yaml:"headers"`
	Body    any               `yaml:"body"` // a string is sent as it is, anything else as JSON
	Status  int               `yaml:"status"`
	// InvalidRequest marks a request that breaks the spec on purpose.
	InvalidRequest bool `yaml:"invalidRequest"`
}

// templateRE returns a regexp matching the paths of an OpenAPI template.
func templateRE(tmpl string) *regexp.Regexp {
	parts := regexp.MustCompile(`\{[^}]+\}`).Split(tmpl, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "$")
}

// TestOpenAPIExamples runs every example request of the spec, in document
// order, against a live server over a real seed index with the write API
// on, and checks each answer: the status the example gives, and the status,
// content type, headers and body against the spec with libopenapi-validator.
// Example requests answered below 400 must be valid requests by the spec,
// and those marked invalidRequest must not be. Every operation must have at
// least one example.
func TestOpenAPIExamples(t *testing.T) {
	doc, m := loadSpec(t)
	v := specValidator(t, doc)
	ws := newWriteServer(t, testKey)
	ran := 0
	for _, o := range operations(m) {
		var exs []specExample
		if node, ok := o.op.Extensions.Get("x-examples"); ok {
			if err := node.Decode(&exs); err != nil {
				t.Fatalf("%s %s: x-examples: %v", o.method, o.path, err)
			}
		}
		if len(exs) == 0 {
			t.Errorf("%s %s: no x-examples", o.method, o.path)
			continue
		}
		for _, ex := range exs {
			name := fmt.Sprintf("%s %s: %s", o.method, o.path, ex.Summary)
			t.Run(name, func(t *testing.T) {
				runExample(t, v, ws, o, ex)
			})
			ran++
		}
	}
	if ran < len(operations(m)) {
		t.Errorf("ran %d examples for %d operations", ran, len(operations(m)))
	}
}

func runExample(t *testing.T, v validator.Validator, ws *writeServer, o operation, ex specExample) {
	path := ex.Path
	if path == "" {
		path = o.path
	}
	if !templateRE(o.path).MatchString(path) {
		t.Fatalf("example path %q is not a path of %s", path, o.path)
	}
	target := path
	if ex.Query != "" {
		target += "?" + ex.Query
	}
	var body []byte
	switch b := ex.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	newReq := func() *http.Request {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequest(o.method, ws.URL+target, r)
		if err != nil {
			t.Fatal(err)
		}
		for k, val := range ex.Headers {
			req.Header.Set(k, strings.ReplaceAll(val, "$CUTWATCH_API_KEY", testKey))
		}
		return req
	}

	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != ex.Status {
		t.Errorf("status %d, want %d; body: %.300s", resp.StatusCode, ex.Status, got)
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))
	if ok, errs := v.ValidateHttpResponse(newReq(), resp); !ok {
		t.Errorf("answer %d %s does not match the spec:%s\nbody: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), validationErrors(errs), got)
	}
	ok, errs := v.ValidateHttpRequest(newReq())
	switch {
	case ex.InvalidRequest && ok:
		t.Errorf("the example request is marked invalidRequest but is valid by the spec")
	case !ex.InvalidRequest && ex.Status < 400 && !ok:
		t.Errorf("the example request is not valid by the spec:%s", validationErrors(errs))
	}
}

// jsonAt returns the value at a path of object keys in a decoded JSON
// document, or nil.
func jsonAt(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestOpenAPIMatchesCode checks the limits, defaults and enums the spec
// states against the constants the code enforces, so that the two cannot
// drift apart.
func TestOpenAPIMatchesCode(t *testing.T) {
	sch := schema.Default // (the name schema is taken by the spec's schemas below)
	var spec any
	if err := json.Unmarshal(openAPISpec, &spec); err != nil {
		t.Fatal(err)
	}
	param := func(name string) any { return jsonAt(spec, "components", "parameters", name, "schema") }
	schema := func(name string, keys ...string) any {
		return jsonAt(spec, append([]string{"components", "schemas", name}, keys...)...)
	}
	var facetPath, facetQuery []any
	for _, p := range jsonAt(spec, "paths", "/api/facets/{field}", "get", "parameters").([]any) {
		if jsonAt(p, "in") == "path" {
			facetPath = append(facetPath, p)
		} else {
			facetQuery = append(facetQuery, p)
		}
	}
	facetParam := func(name string) any {
		for _, p := range append(facetPath, facetQuery...) {
			if jsonAt(p, "name") == name {
				return jsonAt(p, "schema")
			}
		}
		return nil
	}
	strs := func(ss ...string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	var types []string
	for _, k := range sch.Kinds() {
		types = append(types, k.Name())
	}
	type check struct {
		what      string
		got, want any
	}
	checks := []check{
		{"q maxLength", jsonAt(param("q"), "maxLength"), float64(search.MaxQueryLen)},
		{"sort enum", jsonAt(param("sort"), "enum"), strs(api.SortKeys(sch)...)},
		{"sort default", jsonAt(param("sort"), "default"), api.SortRelevance},
		{"from maximum", jsonAt(param("from"), "maximum"), float64(api.MaxFrom)},
		{"size maximum", jsonAt(param("size"), "maximum"), float64(api.MaxSize)},
		{"size default", jsonAt(param("size"), "default"), float64(api.DefaultSize)},
		{"facet_size maximum", jsonAt(param("facet_size"), "maximum"), float64(api.MaxFacetSize)},
		{"facet_size default", jsonAt(param("facet_size"), "default"), float64(api.DefaultFacetSize)},
		{"facet field enum", jsonAt(facetParam("field"), "enum"), strs(sch.TermNames()...)},
		{"facet values size maximum", jsonAt(facetParam("size"), "maximum"), float64(api.MaxFacetValues)},
		{"facet values size default", jsonAt(facetParam("size"), "default"), float64(api.DefaultFacetValues)},
		{"facet prefix maxLength", jsonAt(facetParam("prefix"), "maxLength"), float64(api.MaxPrefixLen)},
		{"entity type enum", schema("Entity", "properties", "type", "enum"), strs(types...)},
		{"ingest id maxLength", schema("IngestArticle", "properties", "id", "maxLength"), float64(api.MaxIDLen)},
		{"ingest title maxLength", schema("IngestArticle", "properties", "title", "maxLength"), float64(api.MaxTitleLen)},
		{"ingest url maxLength", schema("IngestArticle", "properties", "url", "maxLength"), float64(api.MaxURLLen)},
		// Facets are present only when asked for (the facets parameter).
		{"facets required", schema("Facets", "required"), []any{}},
	}
	for _, f := range sch.TermNames() {
		checks = append(checks,
			check{f + " filter maxItems", jsonAt(param(f), "maxItems"), float64(api.MaxFilterValues)},
			check{f + " filter value maxLength", jsonAt(param(f), "items", "maxLength"), float64(api.MaxFilterLen)})
	}
	// The facets a response may hold are the facets parameter's names.
	var facetProps []string
	for name := range schema("Facets", "properties").(map[string]any) {
		facetProps = append(facetProps, name)
	}
	slices.Sort(facetProps)
	checks = append(checks, check{"facets properties", facetProps, slices.Sorted(slices.Values(sch.FacetNames()))})
	for _, c := range checks {
		g, _ := json.Marshal(c.got)
		w, _ := json.Marshal(c.want)
		if !bytes.Equal(g, w) {
			t.Errorf("web/openapi.json %s = %s, the code says %s", c.what, g, w)
		}
	}
	// The search parameters are those api.ParseRequest reads.
	var names []string
	for _, p := range jsonAt(spec, "paths", "/api/search", "get", "parameters").([]any) {
		ref, _ := jsonAt(p, "$ref").(string)
		names = append(names, strings.TrimPrefix(ref, "#/components/parameters/"))
	}
	want := append([]string{"q", "syntax", "relax"}, sch.TermNames()...)
	want = append(want, "amount_min", "amount_max", "jobs_min", "jobs_max", "id", "sort", "from", "size", "facet_size", "facets", "collapse",
		"published_from", "published_to", "histogram", "facet_metric", "facet_sort", "min_seq", "minSeqHeader")
	if !slices.Equal(names, want) {
		t.Errorf("GET /api/search parameters %v, want %v", names, want)
	}
	// An export takes the parameters that choose the articles, and format.
	names = nil
	for _, p := range jsonAt(spec, "paths", "/api/export", "get", "parameters").([]any) {
		ref, _ := jsonAt(p, "$ref").(string)
		if ref == "" {
			ref, _ = jsonAt(p, "name").(string)
		}
		names = append(names, strings.TrimPrefix(ref, "#/components/parameters/"))
	}
	want = append([]string{"q", "syntax"}, sch.TermNames()...)
	want = append(want, "amount_min", "amount_max", "jobs_min", "jobs_max", "id", "published_from", "published_to", "min_seq", "minSeqHeader", "format")
	if !slices.Equal(names, want) {
		t.Errorf("GET /api/export parameters %v, want %v", names, want)
	}
	if got := jsonAt(spec, "paths", "/api/export", "get", "parameters"); got != nil {
		p := got.([]any)[len(got.([]any))-1]
		if e, _ := json.Marshal(jsonAt(p, "schema", "enum")); string(e) != `["`+api.ExportCSV+`","`+api.ExportNDJSON+`"]` {
			t.Errorf("GET /api/export format enum %s", e)
		}
	}
	if e, _ := json.Marshal(jsonAt(spec, "components", "parameters", "histogram", "schema", "enum")); string(e) != `["`+strings.Join(api.HistogramIntervals, `","`)+`"]` {
		t.Errorf("histogram enum %s, the code says %v", e, api.HistogramIntervals)
	}
	// Body limits of the write routes are stated in their descriptions.
	for path, limit := range map[string]string{"/api/articles": "2 MiB", "/api/articles/_bulk": "32 MiB"} {
		d, _ := jsonAt(spec, "paths", path, "post", "description").(string)
		if !strings.Contains(d, limit) {
			t.Errorf("POST %s: description does not state the body limit %s", path, limit)
		}
	}
	if MaxArticleBody != 2<<20 || MaxBulkBody != 32<<20 {
		t.Errorf("body limits changed (%d, %d): update web/openapi.json and this test", MaxArticleBody, MaxBulkBody)
	}
}
