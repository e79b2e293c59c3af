package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/cronexpr"
)

// fieldDesc describes one field of an AWS cron expression.
type fieldDesc struct {
	name     string
	min, max int
	names    map[string]int // month and day names (upper case)
	hint     string         // added to out-of-range messages
}

var (
	minuteField = fieldDesc{name: "minute", min: 0, max: 59}
	hourField   = fieldDesc{name: "hour", min: 0, max: 23}
	domField    = fieldDesc{name: "day-of-month", min: 1, max: 31}
	monthField  = fieldDesc{name: "month", min: 1, max: 12, names: map[string]int{
		"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
		"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
	}}
	dowField = fieldDesc{name: "day-of-week", min: 1, max: 7, names: map[string]int{
		"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7,
	}, hint: " (SUN=1 ... SAT=7)"}
	yearField = fieldDesc{name: "year", min: 1970, max: 2199}
)

// cronSchedule evaluates a cron expression in loc. The engine (cronexpr) only ever sees wall times
// expressed in UTC, where every day has 24 hours; resolveWall maps its answers to instants in loc,
// which is where daylight saving time is handled.
type cronSchedule struct {
	loc   *time.Location
	years []bool // indexed by year-yearField.min
	// mu guards engine: cronexpr's Expression.Next writes scratch state into the expression.
	mu     sync.Mutex
	engine *cronexpr.Expression
}

func parseCron(expr, body string, loc *time.Location) (*cronSchedule, error) {
	fields := strings.Fields(body)
	if len(fields) != 6 {
		return nil, syntaxErr(expr, "%s; got %d%s", CronFields, len(fields), fieldCountHint(fields))
	}
	var engineFields [5]string
	var err error
	for i, fd := range []*fieldDesc{&minuteField, &hourField, nil, &monthField} {
		if fd == nil {
			continue
		}
		var set []bool
		if set, err = parseField(fd, fields[i]); err != nil {
			return nil, syntaxErr(expr, "%s", err)
		}
		engineFields[i] = engineList(set, fd.min, 0)
	}
	domAny, dowAny := fields[2] == "?", fields[4] == "?"
	if engineFields[2], err = parseDom(fields[2]); err != nil {
		return nil, syntaxErr(expr, "%s", err)
	}
	if engineFields[4], err = parseDow(fields[4]); err != nil {
		return nil, syntaxErr(expr, "%s", err)
	}
	years, err := parseField(&yearField, fields[5])
	if err != nil {
		return nil, syntaxErr(expr, "%s", err)
	}
	switch {
	case domAny && dowAny:
		return nil, syntaxErr(expr, "day-of-month and day-of-week cannot both be ?; give one of them a value or *")
	case !domAny && !dowAny:
		return nil, syntaxErr(expr, "day-of-month and day-of-week cannot both be specified; use ? in one of them")
	}
	engine, err := cronexpr.Parse(strings.Join(engineFields[:], " "))
	if err != nil {
		// Our validation accepts only what the engine understands; reaching here is a bug.
		return nil, syntaxErr(expr, "internal error: cron engine rejected %q: %v", strings.Join(engineFields[:], " "), err)
	}
	return &cronSchedule{loc: loc, years: years, engine: engine}, nil
}

// CronFields says what a cron() expression is made of; messages about a wrong field count, or
// about an expression where only cron() is accepted, start with it.
const CronFields = "cron() needs 6 fields: minutes hours day-of-month month day-of-week year"

// cronExample is a valid 6-field expression to show next to a message.
const cronExample = "cron(0 12 * * ? *)"

// fieldCountHint explains the usual reasons for a wrong field count: a 5-field Unix cron (no
// year, and no ? in a day field) or a 7-field Quartz cron (seconds first).
func fieldCountHint(fields []string) string {
	switch len(fields) {
	case 5:
		return " (a Unix crontab line has 5: add the year and put ? in day-of-month or day-of-week, e.g. " + cronExample + " for 12:00 every day)"
	case 7:
		return " (a Quartz cron has 7, starting with seconds: drop the seconds field, e.g. " + cronExample + ")"
	}
	return " (e.g. " + cronExample + " for 12:00 every day)"
}

// parseDom reads the day-of-month field and returns it in the engine's syntax.
func parseDom(f string) (string, error) {
	u := strings.ToUpper(f)
	switch {
	case f == "?" || f == "*":
		return f, nil
	case u == "L" || u == "LW":
		return u, nil
	case strings.HasPrefix(u, "L-"):
		return "", fieldErr(&domField, f, "offsets from the last day (L-n) are not supported; use L for the last day")
	case strings.ContainsAny(u, "LW"):
		if strings.ContainsAny(u, ",-/*") {
			return "", fieldErr(&domField, f, "L and W must stand alone in the field (e.g. L, LW or 15W), not in a list, range or step")
		}
		if !strings.HasSuffix(u, "W") || strings.Count(u, "W") != 1 || strings.Contains(u, "L") {
			return "", fieldErr(&domField, f, "want L (last day), LW (last weekday) or nW (weekday nearest day n)")
		}
		n, err := parseValue(&domField, f, u[:len(u)-1])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%dW", n), nil
	}
	set, err := parseField(&domField, f)
	if err != nil {
		return "", err
	}
	return engineList(set, domField.min, 0), nil
}

// parseDow reads the day-of-week field (SUN=1 ... SAT=7) and returns it in the engine's syntax
// (SUN=0 ... SAT=6).
func parseDow(f string) (string, error) {
	u := strings.ToUpper(f)
	switch {
	case f == "?" || f == "*":
		return f, nil
	case u == "L": // the last day of the week: Saturday
		return "6", nil
	case strings.Contains(u, "#"):
		if strings.ContainsAny(u, ",-/*") || strings.Count(u, "#") != 1 {
			return "", fieldErr(&dowField, f, "# must stand alone in the field (only one # expression is allowed, e.g. 3#2)")
		}
		day, nth, _ := strings.Cut(u, "#")
		d, err := parseValue(&dowField, f, day)
		if err != nil {
			return "", err
		}
		if !isDigits(nth) || len(nth) > 1 || nth < "1" || nth > "5" {
			return "", fieldErr(&dowField, f, fmt.Sprintf("week %q after # is out of range 1-5", cut(nth)))
		}
		return fmt.Sprintf("%d#%s", d-1, nth), nil
	case strings.HasSuffix(u, "L"):
		if strings.ContainsAny(u, ",-/*") {
			return "", fieldErr(&dowField, f, "L must stand alone in the field (e.g. 5L for the last Thursday), not in a list, range or step")
		}
		d, err := parseValue(&dowField, f, u[:len(u)-1])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%dL", d-1), nil
	}
	set, err := parseField(&dowField, f)
	if err != nil {
		return "", err
	}
	return engineList(set, dowField.min, -1), nil
}

// parseField reads a field made of values, ranges (a-b), steps (a/s, */s, a-b/s), lists of those,
// or *, and returns the set of values it selects, indexed by value-fd.min.
func parseField(fd *fieldDesc, f string) ([]bool, error) {
	if f == "?" {
		return nil, fieldErr(fd, f, "? is only allowed in day-of-month and day-of-week")
	}
	set := make([]bool, fd.max-fd.min+1)
	if f == "*" {
		for i := range set {
			set[i] = true
		}
		return set, nil
	}
	for _, item := range strings.Split(f, ",") {
		if item == "" {
			return nil, fieldErr(fd, f, "empty item in list")
		}
		if item == "*" || item == "?" {
			return nil, fieldErr(fd, f, item+" must stand alone in the field")
		}
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if !isDigits(stepText) || len(stepText) > 4 {
				return nil, fieldErr(fd, f, fmt.Sprintf("step %q is not a whole number", cut(stepText)))
			}
			step, _ = strconv.Atoi(stepText)
			if limit := fd.max - fd.min + 1; step < 1 || step > limit {
				return nil, fieldErr(fd, f, fmt.Sprintf("step %d is out of range 1-%d", step, limit))
			}
		}
		lo, hi := fd.min, fd.max
		if base != "*" {
			loText, hiText, isRange := strings.Cut(base, "-")
			var err error
			if lo, err = parseValue(fd, f, loText); err != nil {
				return nil, err
			}
			switch {
			case isRange:
				if hi, err = parseValue(fd, f, hiText); err != nil {
					return nil, err
				}
				if hi < lo {
					return nil, fieldErr(fd, f, fmt.Sprintf("range %s runs backwards; split it in two, e.g. %s-%d,%d-%s",
						base, loText, fd.max, fd.min, hiText))
				}
			case !hasStep:
				hi = lo
			}
		}
		for v := lo; v <= hi; v += step {
			set[v-fd.min] = true
		}
	}
	return set, nil
}

// parseValue reads one number or name of field fd; f is the whole field, for messages.
func parseValue(fd *fieldDesc, f, text string) (int, error) {
	if v, ok := fd.names[strings.ToUpper(text)]; ok {
		return v, nil
	}
	if !isDigits(text) {
		if text == "" {
			return 0, fieldErr(fd, f, "missing value")
		}
		return 0, fieldErr(fd, f, fmt.Sprintf("%q is not a valid value", cut(text)))
	}
	v, err := strconv.Atoi(text)
	if err != nil || v < fd.min || v > fd.max {
		if text == f {
			return 0, fmt.Errorf("%s field %q is out of range %d-%d%s", fd.name, cut(f), fd.min, fd.max, fd.hint)
		}
		return 0, fieldErr(fd, f, fmt.Sprintf("value %s is out of range %d-%d%s", cut(text), fd.min, fd.max, fd.hint))
	}
	return v, nil
}

func fieldErr(fd *fieldDesc, f, problem string) error {
	return fmt.Errorf("%s field %q: %s", fd.name, cut(f), problem)
}

// cut shortens a field quoted in an error message.
func cut(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "..."
	}
	return s
}

// engineList renders a value set as an explicit list for cronexpr, adding shift to each value.
func engineList(set []bool, min, shift int) string {
	var b strings.Builder
	all := true
	for i, ok := range set {
		if !ok {
			all = false
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i + min + shift))
	}
	if all {
		return "*"
	}
	return b.String()
}

// maxCronSteps bounds the work of one next call: each step either finds a fire time or skips a
// wall time that does not exist, a repeated wall time or a year not in the expression.
const maxCronSteps = 10000

func (c *cronSchedule) next(after time.Time) time.Time {
	w := wallOf(after.In(c.loc))
	if first := time.Date(yearField.min, time.January, 1, 0, 0, 0, 0, time.UTC); w.Before(first) {
		w = first.Add(-time.Second) // the engine knows no earlier year and ignores the zero time
	}
	for range maxCronSteps {
		w = c.nextWall(w)
		if w.IsZero() {
			return time.Time{}
		}
		t, exists := resolveWall(w, c.loc)
		if exists && t.After(after) {
			return t
		}
		// Skipped: the wall time does not exist today (spring forward), or its first occurrence
		// is not after after (so it already fired, or we are in the repeated hour of a fall back).
	}
	return time.Time{}
}

// nextWall returns the first wall time (in UTC fields) after w that matches the expression, or the
// zero time when there is none before 2100.
func (c *cronSchedule) nextWall(w time.Time) time.Time {
	for {
		c.mu.Lock()
		n := c.engine.Next(w)
		c.mu.Unlock()
		if n.IsZero() {
			return n
		}
		if c.years[n.Year()-yearField.min] {
			return n
		}
		y := n.Year() + 1
		for y <= yearField.max && !c.years[y-yearField.min] {
			y++
		}
		if y > yearField.max {
			return time.Time{}
		}
		// The engine returns times strictly after its argument; start one second before the year.
		w = time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-time.Second)
	}
}
