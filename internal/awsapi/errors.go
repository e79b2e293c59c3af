package awsapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error as clients read it: Code becomes the X-Amzn-ErrorType header and the
// body's __type, Message the body's message member (named by the service), Fields any extra
// members of the modelled error shape (DMS ResourceAlreadyExistsFault's resourceArn, AppSync
// BadRequestException's reason). Status 0 means the protocol default (400).
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  map[string]any

	// auth marks errors raised by the front door's signature check, whose status depends on the
	// protocol (403 for restJson1 and query, 400 for awsJson1.1, as AWS answers).
	auth bool
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// WithField returns e with one extra body member set (e.g. "resourceArn"). It modifies e.
func (e *Error) WithField(name string, value any) *Error {
	if e.Fields == nil {
		e.Fields = map[string]any{}
	}
	e.Fields[name] = value
	return e
}

// Codes and messages raised by the front door itself.
const (
	// CodeInternalFailure is the code of the error a façade's non-*Error failure (or panic)
	// becomes. A protocol may rename it (JSONProtocol.InternalErrorCode, RESTProtocol...).
	CodeInternalFailure = "InternalFailure"
	// MessageInternalFailure is the only thing a client learns about an internal failure.
	MessageInternalFailure = "We encountered an internal error. Please try again."

	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeRequestEntityTooLarge      = "RequestEntityTooLargeException"
	CodeSerialization              = "SerializationException"
	CodeUnknownOperation           = "UnknownOperationException"
	CodeMethodNotAllowed           = "MethodNotAllowedException"
)

func authError(code, format string, args ...any) *Error {
	e := Errorf(http.StatusForbidden, code, format, args...)
	e.auth = true
	return e
}

func internalError() *Error {
	return &Error{Code: CodeInternalFailure, Message: MessageInternalFailure, Status: http.StatusInternalServerError}
}

// asError returns err as an *Error, and whether it had to be replaced by an internal failure.
func asError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, false
	}
	return internalError(), true
}

// renderStatus is the HTTP status of e under a protocol whose client faults default to 400 and
// whose auth failures answer authStatus.
func (e *Error) renderStatus(authStatus int) int {
	switch {
	case e.auth:
		return authStatus
	case e.Status == 0:
		return http.StatusBadRequest
	}
	return e.Status
}

// jsonErrorBody is {"__type": code, <messageMember>: message, ...fields}; __type and the message
// member win over Fields of the same name.
func jsonErrorBody(e *Error, code, messageMember string) map[string]any {
	body := make(map[string]any, len(e.Fields)+2)
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = code
	body[messageMember] = e.Message
	return body
}
