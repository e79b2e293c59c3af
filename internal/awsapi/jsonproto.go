package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

const jsonContentType = "application/x-amz-json-1.1"

// JSONProtocol describes an awsJson1.1 service.
type JSONProtocol struct {
	// TargetPrefix is the X-Amz-Target prefix: "AmazonDMSv20160101", "secretsmanager".
	TargetPrefix string
	// MessageMember names the error message member: "message" (DMS) or "Message" (Secrets Manager).
	MessageMember string
	// InternalErrorCode replaces CodeInternalFailure in answers: "InternalServiceError" for
	// Secrets Manager. Empty keeps "InternalFailure".
	InternalErrorCode string
	// ValidationErrorCode is the code of shape constraint violations (see Validate):
	// "InvalidInputException" (Glue), "InvalidParameterException" (Secrets Manager). Empty
	// means "ValidationException". Status 400.
	ValidationErrorCode string
}

// JSONOperation runs one awsJson1.1 operation on the raw request body and returns the response
// body. Build one with JSONOp.
type JSONOperation func(ctx context.Context, body []byte) ([]byte, error)

// JSONOp adapts a typed operation: it decodes the body into a new In (an empty body is {};
// malformed JSON or a member of the wrong type is a SerializationException), checks the
// constraints In declares in `aws` tags (Validate; the service answers violations with its
// ValidationErrorCode) and encodes the *Out fn returns (nil → {}). In's tags are compiled here,
// so a malformed tag panics when the service is built.
func JSONOp[In, Out any](fn func(ctx context.Context, in *In) (*Out, error)) JSONOperation {
	if t := reflect.TypeFor[In](); t.Kind() == reflect.Struct {
		mustCompileShape(t)
	}
	return func(ctx context.Context, body []byte) ([]byte, error) {
		in := new(In)
		if err := DecodeJSON(body, in, CodeSerialization, http.StatusBadRequest); err != nil {
			return nil, err
		}
		if err := Validate(in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return []byte("{}"), nil
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("encode response: %w", err)
		}
		return b, nil
	}
}

// DecodeJSON decodes body (empty or whitespace = {}) into v, which must be a pointer. Malformed
// JSON, trailing data or a member of the wrong type becomes an *Error with code and status.
// Unknown members are ignored, as AWS does.
func DecodeJSON(body []byte, v any, code string, status int) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return nil
	}
	if body[0] != '{' {
		return Errorf(status, code, "The request body must be a JSON object.")
	}
	// encoding/json would replace invalid UTF-8, and \u escapes of unpaired surrogates, with
	// U+FFFD and store the altered text: refuse them instead.
	if !utf8.Valid(body) {
		return Errorf(status, code, "The request body is not valid UTF-8.")
	}
	if at := loneSurrogate(body); at >= 0 {
		return Errorf(status, code, "The request body has an unpaired UTF-16 surrogate escape at byte %d.", at)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Errorf(status, code, "Value at '%s' must be of type %s.", te.Field, jsonTypeName(te.Type.Kind().String()))
		}
		return Errorf(status, code, "The request body is not valid JSON.")
	}
	if dec.More() {
		return Errorf(status, code, "The request body must hold one JSON object.")
	}
	var rest [1]byte
	if n, _ := dec.Buffered().Read(rest[:]); n > 0 && !isSpace(rest[0]) {
		return Errorf(status, code, "The request body must hold one JSON object.")
	}
	return nil
}

// loneSurrogate returns the offset of the first \u escape in b that is half of a UTF-16
// surrogate pair without its other half, or -1. Escapes only occur inside JSON strings, and a
// backslash outside one makes the body invalid JSON anyway, so b is scanned escape by escape.
func loneSurrogate(b []byte) int {
	if !bytes.Contains(b, []byte(`\u`)) {
		return -1
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 >= len(b) || b[i+1] != 'u' {
			i++ // a two-character escape such as \\ or \"
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok:
			return -1 // malformed: the decoder reports it
		case utf16.IsSurrogate(r) && r >= 0xDC00:
			return i // a low half first
		case utf16.IsSurrogate(r):
			if lo, ok := hex4(b, i+8); i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' || !ok || lo < 0xDC00 || lo > 0xDFFF {
				return i
			}
			i += 11
		default:
			i += 5
		}
	}
	return -1
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	case "slice", "array":
		return "list"
	case "map", "struct":
		return "structure"
	}
	return kind
}

// JSONService is an awsJson1.1 service: POST / with X-Amz-Target: <prefix>.<Operation>.
type JSONService struct {
	proto JSONProtocol
	ops   map[string]JSONOperation
}

// NewJSONService builds an awsJson1.1 service from its operations, keyed by operation name
// ("DescribeSchemas").
func NewJSONService(p JSONProtocol, ops map[string]JSONOperation) (*JSONService, error) {
	if p.TargetPrefix == "" {
		return nil, errors.New("json service: empty target prefix")
	}
	if p.MessageMember == "" {
		p.MessageMember = "message"
	}
	if p.ValidationErrorCode == "" {
		p.ValidationErrorCode = "ValidationException"
	}
	for name, op := range ops {
		if name == "" || strings.Contains(name, ".") || op == nil {
			return nil, fmt.Errorf("json service %s: bad operation %q", p.TargetPrefix, name)
		}
	}
	return &JSONService{proto: p, ops: ops}, nil
}

// Serve implements Service.
func (s *JSONService) Serve(ctx context.Context, req *Request) (string, *Response, error) {
	target := req.HTTP.Header.Get("X-Amz-Target")
	prefix, name, ok := strings.Cut(target, ".")
	if req.HTTP.Method != http.MethodPost || (req.HTTP.URL.Path != "/" && req.HTTP.URL.Path != "") {
		return "", nil, Errorf(http.StatusNotFound, CodeUnknownOperation,
			"Operation %s %s is not supported; awsJson1.1 requests are POST /.", req.HTTP.Method, truncate(req.HTTP.URL.Path, 100))
	}
	op := s.ops[name]
	if !ok || prefix != s.proto.TargetPrefix || op == nil {
		if target == "" {
			return "", nil, Errorf(http.StatusBadRequest, CodeUnknownOperation, "Missing X-Amz-Target header.")
		}
		return "", nil, Errorf(http.StatusBadRequest, CodeUnknownOperation,
			"Operation %s is not supported by this service.", truncate(target, 128))
	}
	noteOperation(ctx, name)
	body, err := op(ctx, req.Body)
	if err != nil {
		return name, nil, asValidationError(err, s.proto.ValidationErrorCode)
	}
	return name, &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {jsonContentType}}, Body: body}, nil
}

// ErrorResponse implements Service: header X-Amzn-ErrorType and {"__type", message member,
// fields}. Status defaults to 400; signature failures answer 400, as awsJson services do.
func (s *JSONService) ErrorResponse(_ context.Context, e *Error) *Response {
	code := e.Code
	if code == CodeInternalFailure && s.proto.InternalErrorCode != "" {
		code = s.proto.InternalErrorCode
	}
	return jsonErrorResponse(e, e.renderStatus(http.StatusBadRequest), code, s.proto.MessageMember, jsonContentType)
}
