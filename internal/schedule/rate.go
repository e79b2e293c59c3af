package schedule

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// rateSchedule fires every period from anchor.
type rateSchedule struct {
	period time.Duration // whole minutes
	anchor time.Time
}

var rateUnits = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

func parseRate(expr, body string) (*rateSchedule, error) {
	parts := strings.Fields(body)
	if len(parts) != 2 {
		return nil, syntaxErr(expr, "want rate(value unit), e.g. rate(5 minutes)")
	}
	value, unitName := parts[0], parts[1]
	if !isDigits(value) {
		return nil, syntaxErr(expr, "value %q must be a positive whole number", value)
	}
	unit, ok := rateUnits[unitName]
	if !ok {
		return nil, syntaxErr(expr, "unknown unit %q; use minute(s), hour(s) or day(s)", unitName)
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return nil, syntaxErr(expr, "value %s is too large", value)
	}
	if n == 0 {
		return nil, syntaxErr(expr, "value %q must be a positive whole number", value)
	}
	plural := strings.HasSuffix(unitName, "s")
	if n == 1 && plural {
		return nil, syntaxErr(expr, "unit must be singular when the value is 1")
	}
	if n != 1 && !plural {
		return nil, syntaxErr(expr, "unit must be plural when the value is greater than 1")
	}
	return &rateSchedule{period: time.Duration(n) * unit}, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// next returns the first anchor + k*period (k >= 0) strictly after after. It counts in whole
// seconds so that anchors and times centuries apart cannot overflow a time.Duration.
func (r *rateSchedule) next(after time.Time) time.Time {
	if after.Before(r.anchor) {
		return r.anchor
	}
	p := int64(r.period / time.Second)
	k := (after.Unix() - r.anchor.Unix()) / p
	t := time.Unix(r.anchor.Unix()+k*p, int64(r.anchor.Nanosecond())).In(r.anchor.Location())
	for !t.After(after) {
		t = t.Add(r.period)
	}
	return t
}
