package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// RESTProtocol describes a restJson1 service.
type RESTProtocol struct {
	// MessageMember names the error message member: "message" (AppSync, DataZone) or "Message"
	// (AppIntegrations).
	MessageMember string
	// ValidationErrorCode is the code of malformed-input errors (bad JSON body, bad query
	// value): "BadRequestException" (AppSync), "ValidationException" (DataZone),
	// "InvalidRequestException" (AppIntegrations). Status 400.
	ValidationErrorCode string
	// InternalErrorCode replaces CodeInternalFailure in answers: "InternalFailureException"
	// (AppSync), "InternalServerException" (DataZone), "InternalServiceError" (AppIntegrations).
	InternalErrorCode string
}

// RESTHandler runs one restJson1 operation. status 0 means 200; out is encoded as the JSON body
// (nil → {}).
type RESTHandler func(ctx context.Context, req *RESTRequest) (status int, out any, err error)

// Route binds an operation to a method and a path pattern. Path labels "{name}" match exactly
// one non-empty path segment and receive it unescaped (%2F → /); a final "{name+}" matches
// the rest of the path (one or more segments). Literal segments beat labels.
type Route struct {
	Method    string
	Path      string
	Operation string
	Handler   RESTHandler
}

// RESTRequest is what a RESTHandler gets.
type RESTRequest struct {
	Operation string
	Labels    map[string]string
	Query     url.Values
	Header    http.Header
	Body      []byte

	validationCode string
}

// DecodeJSON decodes the body into v (empty body = {}); malformed JSON is the service's
// validation error.
func (r *RESTRequest) DecodeJSON(v any) error {
	return DecodeJSON(r.Body, v, r.validationCode, http.StatusBadRequest)
}

// DecodeShape decodes the body into v like DecodeJSON, then checks the constraints v declares
// in `aws` tags (Validate); violations are the service's validation error. Members bound from
// labels or the query string are checked when set on v before calling CheckShape.
func (r *RESTRequest) DecodeShape(v any) error {
	if err := r.DecodeJSON(v); err != nil {
		return err
	}
	return r.CheckShape(v)
}

// CheckShape checks the constraints v declares in `aws` tags; violations are the service's
// validation error.
func (r *RESTRequest) CheckShape(v any) error {
	return asValidationError(Validate(v), r.validationCode)
}

// QueryInt reads query parameter name as an integer within [min, max]; ok is false when it is
// absent. A value that is not an integer or out of range is the service's validation error.
func (r *RESTRequest) QueryInt(name string, min, max int64) (n int64, ok bool, err error) {
	raw, ok, err := r.querySingle(name)
	if !ok || err != nil {
		return 0, ok, err
	}
	n, perr := strconv.ParseInt(raw, 10, 64)
	if perr != nil {
		return 0, true, Errorf(http.StatusBadRequest, r.validationCode,
			"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be an integer",
			truncate(raw, 64), name)
	}
	v := NewValidator(r.validationCode, http.StatusBadRequest)
	v.Range(name, n, min, max)
	return n, true, v.Err()
}

// QueryBool reads query parameter name as "true" or "false"; ok is false when it is absent.
func (r *RESTRequest) QueryBool(name string) (b, ok bool, err error) {
	raw, ok, err := r.querySingle(name)
	if !ok || err != nil {
		return false, ok, err
	}
	switch raw {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, Errorf(http.StatusBadRequest, r.validationCode,
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean",
		truncate(raw, 64), name)
}

// QueryString reads query parameter name; ok is false when it is absent. Repeating a
// single-valued parameter is the service's validation error.
func (r *RESTRequest) QueryString(name string) (s string, ok bool, err error) {
	return r.querySingle(name)
}

func (r *RESTRequest) querySingle(name string) (string, bool, error) {
	vals, ok := r.Query[name]
	if !ok || len(vals) == 0 {
		return "", false, nil
	}
	if len(vals) > 1 {
		return "", true, Errorf(http.StatusBadRequest, r.validationCode,
			"Query parameter '%s' must be given at most once.", name)
	}
	return vals[0], true, nil
}

type segKind int

const (
	segLiteral segKind = iota
	segLabel
	segGreedy
)

type segment struct {
	kind segKind
	text string // literal text or label name
}

type compiledRoute struct {
	Route
	segs []segment
}

// RESTService is a restJson1 service: a router over Routes.
type RESTService struct {
	proto  RESTProtocol
	routes []compiledRoute
}

// NewRESTService builds a restJson1 service. It rejects malformed patterns and two routes with
// the same method and pattern shape.
func NewRESTService(p RESTProtocol, routes ...Route) (*RESTService, error) {
	if p.MessageMember == "" {
		p.MessageMember = "message"
	}
	if p.ValidationErrorCode == "" {
		return nil, errors.New("rest service: empty validation error code")
	}
	s := &RESTService{proto: p}
	seen := map[string]string{}
	for _, rt := range routes {
		segs, err := compilePath(rt.Path)
		if err != nil {
			return nil, fmt.Errorf("rest route %s %s: %w", rt.Method, rt.Path, err)
		}
		if rt.Method == "" || rt.Operation == "" || rt.Handler == nil {
			return nil, fmt.Errorf("rest route %s %s: method, operation and handler are required", rt.Method, rt.Path)
		}
		shape := rt.Method + " " + shapeOf(segs)
		if prev, ok := seen[shape]; ok {
			return nil, fmt.Errorf("rest route %s %s: same shape as %s", rt.Method, rt.Path, prev)
		}
		seen[shape] = rt.Operation
		s.routes = append(s.routes, compiledRoute{Route: rt, segs: segs})
	}
	return s, nil
}

func compilePath(p string) ([]segment, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, errors.New("path must start with /")
	}
	if p == "/" {
		return nil, nil
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	for i, part := range parts {
		switch {
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "+}"):
			if i != len(parts)-1 {
				return nil, errors.New("a greedy label must be the last segment")
			}
			segs = append(segs, segment{segGreedy, part[1 : len(part)-2]})
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
			segs = append(segs, segment{segLabel, part[1 : len(part)-1]})
		case part == "" || strings.ContainsAny(part, "{}"):
			return nil, fmt.Errorf("bad segment %q", part)
		default:
			segs = append(segs, segment{segLiteral, part})
		}
		if segs[len(segs)-1].kind != segLiteral && segs[len(segs)-1].text == "" {
			return nil, errors.New("empty label name")
		}
	}
	return segs, nil
}

func shapeOf(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segLabel:
			b.WriteString("{}")
		case segGreedy:
			b.WriteString("{+}")
		}
	}
	return b.String()
}

// match reports whether the escaped path segments match, filling labels; score ranks
// specificity (literal segments first).
func (c *compiledRoute) match(parts []string) (labels map[string]string, score []segKind, ok bool) {
	if len(c.segs) == 0 {
		return nil, nil, len(parts) == 0
	}
	last := c.segs[len(c.segs)-1]
	if last.kind == segGreedy {
		if len(parts) < len(c.segs) {
			return nil, nil, false
		}
	} else if len(parts) != len(c.segs) {
		return nil, nil, false
	}
	score = make([]segKind, len(c.segs))
	for i, s := range c.segs {
		score[i] = s.kind
		switch s.kind {
		case segLiteral:
			v, err := url.PathUnescape(parts[i])
			if err != nil || v != s.text {
				return nil, nil, false
			}
		case segLabel:
			v, err := url.PathUnescape(parts[i])
			if err != nil || v == "" {
				return nil, nil, false
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[s.text] = v
		case segGreedy:
			rest := make([]string, 0, len(parts)-i)
			for _, p := range parts[i:] {
				v, err := url.PathUnescape(p)
				if err != nil {
					return nil, nil, false
				}
				rest = append(rest, v)
			}
			v := strings.Join(rest, "/")
			if v == "" {
				return nil, nil, false
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[s.text] = v
		}
	}
	return labels, score, true
}

// Serve implements Service.
func (s *RESTService) Serve(ctx context.Context, req *Request) (string, *Response, error) {
	path := req.HTTP.URL.EscapedPath()
	var parts []string
	if path != "/" && path != "" {
		parts = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	var (
		best       *compiledRoute
		bestLabels map[string]string
		bestScore  []segKind
		allowed    []string
	)
	for i := range s.routes {
		rt := &s.routes[i]
		labels, score, ok := rt.match(parts)
		if !ok {
			continue
		}
		if rt.Method != req.HTTP.Method {
			allowed = append(allowed, rt.Method)
			continue
		}
		if best == nil || slices.Compare(score, bestScore) < 0 {
			best, bestLabels, bestScore = rt, labels, score
		}
	}
	if best == nil {
		if len(allowed) > 0 {
			slices.Sort(allowed)
			e := Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
				"The method %s is not allowed on this resource.", truncate(req.HTTP.Method, 20))
			return "", nil, e.WithField("allowedMethods", slices.Compact(allowed))
		}
		return "", nil, Errorf(http.StatusNotFound, CodeUnknownOperation,
			"No operation matches %s %s.", truncate(req.HTTP.Method, 20), truncate(path, 200))
	}
	noteOperation(ctx, best.Operation)
	query, err := url.ParseQuery(req.HTTP.URL.RawQuery)
	if err != nil {
		return best.Operation, nil, Errorf(http.StatusBadRequest, s.proto.ValidationErrorCode,
			"The query string is malformed.")
	}
	rr := &RESTRequest{
		Operation:      best.Operation,
		Labels:         bestLabels,
		Query:          query,
		Header:         req.HTTP.Header,
		Body:           req.Body,
		validationCode: s.proto.ValidationErrorCode,
	}
	status, out, err := best.Handler(ctx, rr)
	if err != nil {
		return best.Operation, nil, err
	}
	if status == 0 {
		status = http.StatusOK
	}
	body := []byte("{}")
	if out != nil {
		if body, err = json.Marshal(out); err != nil {
			return best.Operation, nil, fmt.Errorf("encode %s response: %w", best.Operation, err)
		}
		if string(body) == "null" { // a typed nil pointer
			body = []byte("{}")
		}
	}
	return best.Operation, &Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, nil
}

// ErrorResponse implements Service: header X-Amzn-ErrorType and {"__type", message member,
// fields}. Status defaults to 400; signature failures answer 403.
func (s *RESTService) ErrorResponse(_ context.Context, e *Error) *Response {
	code := e.Code
	if code == CodeInternalFailure && s.proto.InternalErrorCode != "" {
		code = s.proto.InternalErrorCode
	}
	return jsonErrorResponse(e, e.renderStatus(http.StatusForbidden), code, s.proto.MessageMember, "application/json")
}
