package connector

import (
	"context"
	"errors"
	"net"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/surveyorhq/surveyor/internal/outbound"
)

// ErrorKind classifies why a discovery failed, so that each front door can map it onto its own
// error vocabulary (DataZone ACCESS_DENIED_EXCEPTION, DMS LastFailureMessage, AppSync detail...).
type ErrorKind string

// The kinds of connector failure.
const (
	Unreachable      ErrorKind = "unreachable"        // no answer at the address, DNS failure, refused
	AuthFailed       ErrorKind = "auth_failed"        // wrong user or password
	DatabaseNotFound ErrorKind = "database_not_found" // the database (or SQLite file) does not exist
	PermissionDenied ErrorKind = "permission_denied"  // may not read the catalog, or the outbound policy refused the connection
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
// recognised whatever kind the caller guessed. The password, if any, is scrubbed from the
// message, except from a *Failure, whose parts the connector built so that none holds it.
func Classify(src Source, kind ErrorKind, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	var refused *outbound.RefusedError
	switch {
	case errors.As(err, &refused):
		// The policy's own words: they name the host and the rule, and hold no secret.
		return &Error{Kind: PermissionDenied, Target: src.Redacted(), Err: &Failure{Doing: "connect", Reason: refused.Error(), Err: err}}
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
	var f *Failure
	if !errors.As(err, &f) {
		err = scrubbed{err, src.Password}
	}
	return &Error{Kind: kind, Target: src.Redacted(), Err: err}
}

// Failure is a one-line message a connector assembled from parts that never hold the password:
// what it was doing, in its own words ("connect", "read columns of app"), and why it failed —
// its own words again, or the server's and driver's, which the connector passed through Scrub.
// Classify leaves it as it is, so a password that happens to be a word of the connector's own
// text (a user, host or database name, "connect") is neither masked nor revealed by a mask.
type Failure struct {
	Doing  string
	Reason string
	Err    error
}

func (f *Failure) Error() string { return f.Doing + ": " + f.Reason }
func (f *Failure) Unwrap() error { return f.Err }

// scrubbed hides a secret in an error's message while keeping the chain for errors.Is/As.
type scrubbed struct {
	err    error
	secret string
}

func (s scrubbed) Error() string { return Scrub(s.err.Error(), s.secret) }
func (s scrubbed) Unwrap() error { return s.err }

// Scrub replaces each occurrence of secret in msg that stands as a whole token with "****": one
// not glued to a letter, digit or '_' on a side where the secret itself begins or ends with one.
// An occurrence inside a longer word ("e" in "connect", "pw" in "newcomer_pw") is left alone:
// masking it would garble the message and show which letters the secret is made of. Text that
// may echo a secret (a server's or driver's message) is scrubbed; a connector's own words are
// built without it (see Failure).
func Scrub(msg, secret string) string {
	if secret == "" || !strings.Contains(msg, secret) {
		return msg
	}
	first, _ := utf8.DecodeRuneInString(secret)
	last, _ := utf8.DecodeLastRuneInString(secret)
	var b strings.Builder
	copied := 0 // msg[:copied] is in b
	for at := 0; ; {
		i := strings.Index(msg[at:], secret)
		if i < 0 {
			break
		}
		i += at
		end := i + len(secret)
		before, _ := utf8.DecodeLastRuneInString(msg[:i])
		after, _ := utf8.DecodeRuneInString(msg[end:])
		if i > 0 && isWord(first) && isWord(before) || end < len(msg) && isWord(last) && isWord(after) {
			// Inside a longer word: look again one rune further, so an overlapping
			// occurrence is still found.
			_, n := utf8.DecodeRuneInString(msg[i:])
			at = i + n
			continue
		}
		b.WriteString(msg[copied:i])
		b.WriteString("****")
		copied, at = end, end
	}
	b.WriteString(msg[copied:])
	return b.String()
}

func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
