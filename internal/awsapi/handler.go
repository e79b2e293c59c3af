package awsapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/scope"
)

// DefaultMaxBody is the request body limit when Handler.MaxBody is 0.
const DefaultMaxBody = 1 << 20

// Key is one access key: its secret and the account it acts for.
type Key struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
	// Session is set for temporary credentials issued by STS.
	Session *Session
}

// KeyStore finds access keys. LookupKey returns an error wrapping ErrUnknownKey for a key it
// does not know; any other error is an internal failure.
type KeyStore interface {
	LookupKey(ctx context.Context, accessKeyID string) (Key, error)
}

// Caller is who sent an authenticated request.
type Caller struct {
	AccountID   string
	AccessKeyID string
	Region      string // from the credential scope
	// Session is set when the request was signed with temporary credentials.
	Session *Session
}

// Scope is where the caller acts: its account in the region of the request's credential scope.
func (c Caller) Scope() scope.Scope { return scope.Scope{Account: c.AccountID, Region: c.Region} }

type callerKey struct{}
type operationKey struct{}

// operationSlot lets a protocol name the operation before running façade code, so that a panic
// is still reported against it.
type operationSlot struct{ name string }

func noteOperation(ctx context.Context, name string) {
	if s, ok := ctx.Value(operationKey{}).(*operationSlot); ok {
		s.name = name
	}
}

type requestIDKey struct{}

// CallerFrom returns the authenticated caller of the request whose context is ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// RequestIDFrom returns the request id (the x-amzn-RequestId header) of ctx's request.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithCaller returns ctx carrying c; for tests of façades that call operations directly.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// Request is an authenticated request as a Service sees it. HTTP's body has been read: use Body.
type Request struct {
	HTTP *http.Request
	Body []byte
}

// Response is what a Service answers. The front door adds x-amzn-RequestId.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Service is one AWS service behind the front door, chosen by the credential-scope service name.
// Façades do not implement it by hand: they build one with NewJSONService or NewRESTService.
type Service interface {
	// Serve answers one authenticated request, naming the operation it ran ("" if none). A
	// non-nil error is rendered with ErrorResponse; one that is not an *Error becomes an
	// internal failure whose cause is logged, never sent.
	Serve(ctx context.Context, req *Request) (operation string, resp *Response, err error)
	// ErrorResponse renders e in the service's protocol.
	ErrorResponse(ctx context.Context, e *Error) *Response
}

// Handler is the AWS front door: it reads the body (up to MaxBody), verifies the SigV4
// signature against Keys, picks the Service named by the credential scope, and hands it the
// request with the Caller and request id in its context. Every response carries
// x-amzn-RequestId. Panics in a Service are recovered and answered as internal failures.
type Handler struct {
	Keys     KeyStore         // nil knows no key: every request is refused
	Now      func() time.Time // default time.Now
	MaxBody  int64            // default DefaultMaxBody
	Logger   *slog.Logger     // default: discard
	Services map[string]Service
	// Regions, when set, are the regions the server accepts: a request whose credential scope
	// names another gets InvalidSignatureException "Credential should be scoped to a valid
	// region, not '<region>'.", as an AWS endpoint answers a request signed for another region.
	// Nil accepts any region.
	Regions map[string]bool
	// Observe, if set, is told of every request: the scope's service name ("" when unknown),
	// the operation ("" when none was reached), the status and the time taken.
	Observe func(service, operation string, status int, d time.Duration)
	// NewRequestID, if set, makes request ids; default a random UUID.
	NewRequestID func() string

	keys keyCache // derived signing keys; a Handler must not be copied after first use
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	id := h.requestID()
	ctx := context.WithValue(r.Context(), requestIDKey{}, id)
	service, operation, resp := h.serve(ctx, r, id)
	hdr := w.Header()
	maps.Copy(hdr, resp.Header)
	hdr.Set("X-Amzn-Requestid", id)
	// 204 and 304 carry no body (and so no Content-Length or Content-Type).
	noBody := resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified
	if noBody {
		hdr.Del("Content-Type")
	} else {
		hdr["Content-Length"] = []string{fmt.Sprint(len(resp.Body))}
	}
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead && !noBody {
		_, _ = w.Write(resp.Body)
	}
	if h.Observe != nil {
		h.Observe(service, operation, resp.Status, h.now().Sub(start))
	}
}

func (h *Handler) serve(ctx context.Context, r *http.Request, id string) (service, operation string, resp *Response) {
	log := h.logger().With("request_id", id)

	authz := r.Header.Values("Authorization")
	if len(authz) == 0 {
		return "", "", fallbackError(r, id, authError(CodeMissingAuthenticationToken, "Missing Authentication Token"))
	}
	if len(authz) > 1 {
		return "", "", fallbackError(r, id, authError(CodeIncompleteSignature, "Only one Authorization header is allowed."))
	}
	a, err := ParseAuthorization(authz[0])
	if err != nil {
		e, _ := asError(err)
		return "", "", fallbackError(r, id, e)
	}
	svc, ok := h.Services[a.Service]
	if !ok { // reported as "" so that metrics labels stay bounded
		return "", "", fallbackError(r, id, authError(CodeInvalidSignature,
			"Credential should be scoped to correct service: '%s' is not served here (served: %s).",
			truncate(a.Service, 64), strings.Join(slices.Sorted(maps.Keys(h.Services)), ", ")))
	}
	fail := func(err error) (string, string, *Response) {
		e, internal := asError(err)
		if internal {
			log.Error("awsapi: request failed", "service", a.Service, "error", err)
		}
		return a.Service, "", svc.ErrorResponse(ctx, e)
	}
	if h.Regions != nil && !h.Regions[a.Region] {
		return fail(authError(CodeInvalidSignature, "Credential should be scoped to a valid region, not '%s'. ", truncate(a.Region, 64)))
	}

	if _, err := checkDate(r, &a, h.now()); err != nil {
		return fail(err)
	}
	body, err := h.readBody(r)
	if err != nil {
		return fail(err)
	}
	var key Key
	err = ErrUnknownKey
	if h.Keys != nil {
		key, err = h.Keys.LookupKey(ctx, a.AccessKeyID)
	}
	switch {
	case errors.Is(err, ErrUnknownKey):
		return fail(authError(CodeUnrecognizedClient, "%s", msgUnrecognizedClient))
	case err != nil:
		return fail(fmt.Errorf("look up access key: %w", err))
	}
	if err := verifySignature(r, &a, h.keys.get(key.SecretAccessKey, &a), body); err != nil {
		return fail(err)
	}
	if err := checkSessionToken(r, key, h.now()); err != nil {
		return fail(err)
	}

	ctx = context.WithValue(ctx, callerKey{}, Caller{AccountID: key.AccountID, AccessKeyID: key.AccessKeyID, Region: a.Region, Session: key.Session})
	operation, resp, err = h.call(ctx, svc, &Request{HTTP: r, Body: body})
	if err != nil {
		e, internal := asError(err)
		if internal {
			log.Error("awsapi: operation failed", "service", a.Service, "operation", operation, "error", err)
		}
		return a.Service, operation, svc.ErrorResponse(ctx, e)
	}
	if resp == nil {
		resp = &Response{Status: http.StatusOK}
	}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	return a.Service, operation, resp
}

// call runs the service, turning a panic into an error.
func (h *Handler) call(ctx context.Context, svc Service, req *Request) (op string, resp *Response, err error) {
	slot := &operationSlot{}
	ctx = context.WithValue(ctx, operationKey{}, slot)
	req.HTTP = req.HTTP.WithContext(ctx)
	defer func() {
		if p := recover(); p != nil {
			op, resp, err = slot.name, nil, fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return svc.Serve(ctx, req)
}

func (h *Handler) readBody(r *http.Request) ([]byte, error) {
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	tooLarge := Errorf(http.StatusRequestEntityTooLarge, CodeRequestEntityTooLarge,
		"Request body must not be larger than %d bytes.", limit)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, CodeSerialization, "Could not read the request body.")
	}
	if int64(len(body)) > limit {
		return nil, tooLarge
	}
	return body, nil
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (h *Handler) requestID() string {
	if h.NewRequestID != nil {
		return h.NewRequestID()
	}
	return newUUID()
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexDigits = "0123456789abcdef"
	out := make([]byte, 36)
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[c>>4], hexDigits[c&15]
		j += 2
	}
	return string(out)
}

// fallbackError renders an error raised before the service is known, in the protocol the
// request looks like: query (form body) → XML, else JSON with both __type and the header
// that every client reads. awsJson-looking requests get 400 for auth failures, as AWS answers.
func fallbackError(r *http.Request, requestID string, e *Error) *Response {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		return queryErrorResponse(requestID, e)
	case r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(ct, "application/x-amz-json"):
		return jsonErrorResponse(e, e.renderStatus(http.StatusBadRequest), e.Code, "message", "application/x-amz-json-1.1")
	default:
		return jsonErrorResponse(e, e.renderStatus(http.StatusForbidden), e.Code, "message", "application/json")
	}
}

func jsonErrorResponse(e *Error, status int, code, messageMember, contentType string) *Response {
	body, err := json.Marshal(jsonErrorBody(e, code, messageMember))
	if err != nil { // a Fields value that does not marshal: drop the fields
		body, _ = json.Marshal(map[string]string{"__type": code, messageMember: e.Message})
	}
	return &Response{
		Status: status,
		Header: http.Header{"Content-Type": {contentType}, "X-Amzn-Errortype": {code}},
		Body:   body,
	}
}
