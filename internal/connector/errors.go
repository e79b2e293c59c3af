package connector

import (
	"context"
	"errors"
	"net"
	"strings"
)

// ErrorKind classifies why a discovery failed, so that each front door can map it onto its own
// error vocabulary (DataZone ACCESS_DENIED_EXCEPTION, DMS LastFailureMessage, AppSync detail...).
type ErrorKind string

// The kinds of connector failure.
const (
	Unreachable      ErrorKind = "unreachable"        // no answer at the address, DNS failure, refused
	AuthFailed       ErrorKind = "auth_failed"        // wrong user or password
	DatabaseNotFound ErrorKind = "database_not_found" // the database (or SQLite file) does not exist
	PermissionDenied ErrorKind = "permission_denied"  // logged in, but may not read the catalog
	Timeout          ErrorKind = "timeout"            // connect or statement timeout
	Canceled         ErrorKind = "canceled"           // the caller cancelled
	Unsupported      ErrorKind = "unsupported"        // no connector for the engine, or bad settings
	Failed           ErrorKind = "failed"             // anything else
)

// Error is a discovery failure with its kind. Its message never holds a password: Target is the
// redacted source, and connectors scrub driver messages with Scrub.
type Error struct {
	Kind   ErrorKind
	Target string
	Err    error
}

func (e *Error) Error() string {
	return e.Target + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a connector error, Failed for any other error.
func KindOf(err error) ErrorKind {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return Failed
}

// Classify wraps err with kind unless it is already an *Error; context and network errors are
// recognised whatever kind the caller guessed. The password, if any, is scrubbed from the message.
func Classify(src Source, kind ErrorKind, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		kind = Canceled
	case errors.Is(err, context.DeadlineExceeded):
		kind = Timeout
	default:
		var ne net.Error
		var oe *net.OpError
		var de *net.DNSError
		if errors.As(err, &de) || errors.As(err, &oe) {
			kind = Unreachable
		} else if errors.As(err, &ne) && ne.Timeout() {
			kind = Timeout
		}
	}
	return &Error{Kind: kind, Target: src.Redacted(), Err: scrubbed{err, src.Password}}
}

// scrubbed hides a secret in an error's message while keeping the chain for errors.Is/As.
type scrubbed struct {
	err    error
	secret string
}

func (s scrubbed) Error() string { return Scrub(s.err.Error(), s.secret) }
func (s scrubbed) Unwrap() error { return s.err }

// Scrub replaces every occurrence of secret in msg with "****". Secrets shorter than 4 characters
// are scrubbed too: a short password is still a password.
func Scrub(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "****")
}
