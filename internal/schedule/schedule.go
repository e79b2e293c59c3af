// Package schedule parses AWS schedule expressions — rate(...), cron(...) and at(...), as
// EventBridge, EventBridge Scheduler, AppIntegrations and DataZone accept them — and computes the
// next fire time of a schedule in its time zone.
//
// Time zones and daylight saving time: cron and at expressions are read as wall-clock times in the
// schedule's location; rate expressions ignore zones. Following EventBridge Scheduler, a cron fire
// whose wall time does not exist (the clock springs forward over it) is skipped, and a wall time that
// happens twice (the clock falls back) fires once, at its first occurrence. An at() time inside a
// spring-forward gap fires when the clock passes it (moved forward by the length of the gap); an
// ambiguous at() time fires at its first occurrence.
//
// Limits: cron fire times are computed with github.com/hashicorp/cronexpr, which knows the years
// 1970-2099. Years 2100-2199 are valid in an expression, as AWS allows, but Next never returns a time
// after 2099 (it returns the zero time: no more fires).
package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Kind is the form of a schedule expression.
type Kind int

// The kinds of schedule expression.
const (
	Rate Kind = iota + 1 // rate(N unit): every N minutes, hours or days from an anchor
	Cron                 // cron(min hour dom month dow year): wall-clock times in a location
	At                   // at(yyyy-mm-ddThh:mm:ss): once
)

func (k Kind) String() string {
	switch k {
	case Rate:
		return "rate"
	case Cron:
		return "cron"
	case At:
		return "at"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// SyntaxError says what is wrong with a schedule expression and where.
type SyntaxError struct {
	Expr string // the expression as given (cut short if very long)
	Msg  string // what is wrong, e.g. `minute field "61" is out of range 0-59`
}

func (e *SyntaxError) Error() string {
	if e.Expr == "" {
		return e.Msg
	}
	return e.Expr + ": " + e.Msg
}

// maxEchoed bounds how much of a rejected expression an error message repeats.
const maxEchoed = 200

func syntaxErr(expr, format string, args ...any) error {
	if len(expr) > maxEchoed {
		expr = strings.ToValidUTF8(expr[:maxEchoed], "") + "..."
	}
	return &SyntaxError{Expr: expr, Msg: fmt.Sprintf(format, args...)}
}

// next is what each kind of expression computes.
type next interface {
	next(after time.Time) time.Time
}

// Schedule is a parsed schedule expression, ready to say when it fires next. It is safe for
// concurrent use.
type Schedule struct {
	expr string
	kind Kind
	loc  *time.Location
	impl next
}

// Next returns the first fire time strictly after after, or the zero time when the schedule never
// fires again. Cron and at times are in the schedule's location.
func (s *Schedule) Next(after time.Time) time.Time { return s.impl.next(after) }

// String returns the expression as it was parsed.
func (s *Schedule) String() string { return s.expr }

// Kind says whether the schedule is a rate, cron or at expression.
func (s *Schedule) Kind() Kind { return s.kind }

// Location is the time zone cron and at expressions are read in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Parse reads a schedule expression. loc is the time zone of cron and at expressions (nil means
// UTC). anchor is when a rate schedule starts (its first fire, e.g. FirstExecutionFrom or the
// creation time); it is required for rate expressions and ignored by the others. Leading and
// trailing spaces around the expression are ignored.
func Parse(expr string, loc *time.Location, anchor time.Time) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, err := parse(expr, loc)
	if err != nil {
		return nil, err
	}
	if r, ok := s.impl.(*rateSchedule); ok {
		if anchor.IsZero() {
			return nil, fmt.Errorf("parse %s: a rate schedule needs a start time (anchor)", s.expr)
		}
		r.anchor = anchor
	}
	return s, nil
}

// Validate reports whether expr is a valid rate, cron or at expression, with a message that says
// what is wrong and where.
func Validate(expr string) error {
	_, err := parse(expr, time.UTC)
	return err
}

// ValidateCron is Validate for callers that accept only cron(...) expressions, such as DataZone
// data source schedules.
func ValidateCron(expr string) error {
	e := strings.TrimSpace(expr)
	if e != "" && !strings.HasPrefix(e, "cron(") && !strings.HasPrefix(e, "rate(") && !strings.HasPrefix(e, "at(") {
		hint := ""
		if looksLikeCronFields(e) {
			hint = "; write the fields inside cron()"
		}
		return syntaxErr(e, "only cron() is accepted here%s: %s, e.g. %s", hint, CronFields, cronExample)
	}
	s, err := parse(expr, time.UTC)
	if err != nil {
		return err
	}
	if s.kind != Cron {
		return syntaxErr(s.expr, "only cron() is accepted here, not %s(): %s, e.g. %s", s.kind, CronFields, cronExample)
	}
	return nil
}

func parse(expr string, loc *time.Location) (*Schedule, error) {
	e := strings.TrimSpace(expr)
	if e == "" {
		return nil, syntaxErr("", "schedule expression is empty; want rate(...), cron(...) or at(...)")
	}
	var (
		kind Kind
		body string
	)
	for _, k := range []Kind{Rate, Cron, At} {
		prefix := k.String() + "("
		if strings.HasPrefix(e, prefix) {
			if !strings.HasSuffix(e, ")") {
				return nil, syntaxErr(e, "missing closing parenthesis")
			}
			kind, body = k, e[len(prefix):len(e)-1]
			break
		}
	}
	var (
		impl next
		err  error
	)
	switch kind {
	case Rate:
		impl, err = parseRate(e, body)
	case Cron:
		impl, err = parseCron(e, body, loc)
	case At:
		impl, err = parseAt(e, body, loc)
	default:
		if looksLikeCronFields(e) {
			return nil, syntaxErr(e, "schedule expression must be rate(...), cron(...) or at(...); to run at wall-clock times write the fields inside cron(): %s, e.g. %s", CronFields, cronExample)
		}
		return nil, syntaxErr(e, "schedule expression must be rate(...), cron(...) or at(...)")
	}
	if err != nil {
		return nil, err
	}
	return &Schedule{expr: e, kind: kind, loc: loc, impl: impl}, nil
}

// looksLikeCronFields reports whether e is bare cron fields ("0 12 * * ?") someone forgot to wrap
// in cron(...): several space-separated fields made of cron characters.
func looksLikeCronFields(e string) bool {
	fields := strings.Fields(e)
	if len(fields) < 5 || len(fields) > 7 {
		return false
	}
	numeric := 0
	for _, f := range fields {
		if strings.Trim(f, "0123456789*?,-/#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
		if strings.ContainsAny(f[:1], "0123456789*?") {
			numeric++
		}
	}
	return numeric >= 3
}

// NextAfterDowntime decides what a scheduler does when it looks at a schedule whose planned fire
// time was lastPlanned. When lastPlanned is due (not after now) the schedule fires once now, however
// many fire times were missed, and next is the first fire time strictly after now. Otherwise nothing
// fires and lastPlanned stays the next fire time. A zero lastPlanned means the schedule is finished.
func NextAfterDowntime(s *Schedule, lastPlanned, now time.Time) (fireNow bool, next time.Time) {
	if lastPlanned.IsZero() {
		return false, time.Time{}
	}
	if lastPlanned.After(now) {
		return false, lastPlanned
	}
	return true, s.Next(now)
}
