package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// This file checks Next against an oracle written independently of the parser and of cronexpr:
// the generator below builds an expression's text together with the sets it means, and a
// brute-force walker steps through real instants a minute at a time, reading each one's wall clock
// in the schedule's zone. The walker's rules are the documented ones: a time fires when its wall
// clock matches every field; a wall time that happens twice fires only the first time; a wall time
// that never happens never fires.

var (
	monthNames = []string{"", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"", "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// genSet draws a field made of *, values, ranges, steps and lists, and returns its text and the
// values it selects. Values are drawn from lo-hi; lo-hi must be the field's whole range when star
// is true, and open is where the field's range ends (what a/s counts up to).
func genSet(t *rapid.T, label string, lo, hi, open int, names []string, star bool) (string, map[int]bool) {
	set := map[int]bool{}
	val := func(v int) string {
		if names != nil && rapid.Bool().Draw(t, label+" name") {
			return names[v]
		}
		return fmt.Sprint(v)
	}
	if star && rapid.IntRange(0, 4).Draw(t, label+" star") == 0 {
		if rapid.Bool().Draw(t, label+" star step") {
			s := rapid.IntRange(1, hi-lo+1).Draw(t, label+" step")
			for v := lo; v <= hi; v += s {
				set[v] = true
			}
			return fmt.Sprintf("*/%d", s), set
		}
		for v := lo; v <= hi; v++ {
			set[v] = true
		}
		return "*", set
	}
	var items []string
	for range rapid.IntRange(1, 3).Draw(t, label+" items") {
		a := rapid.IntRange(lo, hi).Draw(t, label+" a")
		switch rapid.IntRange(0, 3).Draw(t, label+" form") {
		case 0:
			set[a] = true
			items = append(items, val(a))
		case 1:
			b := rapid.IntRange(a, hi).Draw(t, label+" b")
			for v := a; v <= b; v++ {
				set[v] = true
			}
			items = append(items, val(a)+"-"+val(b))
		case 2:
			s := rapid.IntRange(1, hi-lo+1).Draw(t, label+" step")
			for v := a; v <= open; v += s {
				set[v] = true
			}
			items = append(items, fmt.Sprintf("%s/%d", val(a), s))
		case 3:
			b := rapid.IntRange(a, hi).Draw(t, label+" b")
			s := rapid.IntRange(1, hi-lo+1).Draw(t, label+" step")
			for v := a; v <= b; v += s {
				set[v] = true
			}
			items = append(items, fmt.Sprintf("%s-%s/%d", val(a), val(b), s))
		}
	}
	return strings.Join(items, ","), set
}

// oracle is what a generated expression means.
type oracle struct {
	minutes, hours, months, years map[int]bool
	day                           func(d time.Time) bool // d is a date at 00:00 UTC
}

func lastDay(d time.Time) int {
	return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isWeekend(d time.Time) bool {
	return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
}

// awsWeekday numbers days as AWS does: SUN=1 ... SAT=7.
func awsWeekday(d time.Time) int { return int(d.Weekday()) + 1 }

func genDom(t *rapid.T) (string, func(time.Time) bool) {
	switch rapid.IntRange(0, 5).Draw(t, "dom kind") {
	case 0:
		return "L", func(d time.Time) bool { return d.Day() == lastDay(d) }
	case 1:
		return "LW", func(d time.Time) bool {
			last := time.Date(d.Year(), d.Month(), lastDay(d), 0, 0, 0, 0, time.UTC)
			for isWeekend(last) {
				last = last.AddDate(0, 0, -1)
			}
			return d.Day() == last.Day()
		}
	case 2:
		n := rapid.IntRange(1, 31).Draw(t, "dom W day")
		return fmt.Sprintf("%dW", n), func(d time.Time) bool {
			if n > lastDay(d) {
				return false
			}
			target := time.Date(d.Year(), d.Month(), n, 0, 0, 0, 0, time.UTC)
			switch {
			case target.Weekday() == time.Saturday && n == 1:
				target = target.AddDate(0, 0, 2)
			case target.Weekday() == time.Saturday:
				target = target.AddDate(0, 0, -1)
			case target.Weekday() == time.Sunday && n == lastDay(d):
				target = target.AddDate(0, 0, -2)
			case target.Weekday() == time.Sunday:
				target = target.AddDate(0, 0, 1)
			}
			return d.Day() == target.Day()
		}
	default:
		text, set := genSet(t, "dom", 1, 31, 31, nil, true)
		return text, func(d time.Time) bool { return set[d.Day()] }
	}
}

func genDow(t *rapid.T) (string, func(time.Time) bool) {
	name := func(v int) string {
		if rapid.Bool().Draw(t, "dow name") {
			return dayNames[v]
		}
		return fmt.Sprint(v)
	}
	switch rapid.IntRange(0, 5).Draw(t, "dow kind") {
	case 0:
		return "L", func(d time.Time) bool { return d.Weekday() == time.Saturday }
	case 1:
		n := rapid.IntRange(1, 7).Draw(t, "dow L day")
		return name(n) + "L", func(d time.Time) bool {
			return awsWeekday(d) == n && d.Day()+7 > lastDay(d)
		}
	case 2:
		n := rapid.IntRange(1, 7).Draw(t, "dow # day")
		k := rapid.IntRange(1, 5).Draw(t, "dow # week")
		return fmt.Sprintf("%s#%d", name(n), k), func(d time.Time) bool {
			return awsWeekday(d) == n && (d.Day()-1)/7+1 == k
		}
	default:
		text, set := genSet(t, "dow", 1, 7, 7, dayNames, true)
		return text, func(d time.Time) bool { return set[awsWeekday(d)] }
	}
}

// genCron draws a cron expression. When focus is not zero, some fields are drawn to fire on the
// local day and hours around it (a clock change), where the daylight-saving rules matter.
func genCron(t *rapid.T, focus time.Time) (string, oracle) {
	var o oracle
	var f [6]string
	f[0], o.minutes = genSet(t, "minute", 0, 59, 59, nil, true)
	f[1], o.hours = genSet(t, "hour", 0, 23, 23, nil, true)
	if !focus.IsZero() && rapid.Bool().Draw(t, "hours around focus") {
		// The local hours from just before to just after the change, including any skipped.
		lo, hi := focus.Add(-time.Minute).Hour(), focus.Hour()
		lo, hi = min(lo, hi), max(lo, hi)
		if hi-lo > 3 { // the change crosses midnight
			f[1] = fmt.Sprintf("%d,%d", lo, hi)
			o.hours = map[int]bool{lo: true, hi: true}
		} else {
			// Always the hours in between (skipped or repeated), maybe the ends too.
			var hours []string
			o.hours = map[int]bool{}
			for h := lo; h <= hi; h++ {
				inside := h > lo && h < hi || lo == hi
				if inside || rapid.Bool().Draw(t, "focus hour") || h == hi && len(hours) == 0 {
					hours = append(hours, fmt.Sprint(h))
					o.hours[h] = true
				}
			}
			f[1] = strings.Join(hours, ",")
		}
	}
	f[3], o.months = genSet(t, "month", 1, 12, 12, monthNames, true)
	var dayFn func(time.Time) bool
	if !focus.IsZero() && rapid.Bool().Draw(t, "every day") {
		f[2], f[4] = "*", "?"
		dayFn = func(time.Time) bool { return true }
	} else if rapid.Bool().Draw(t, "dom or dow") {
		f[2], dayFn = genDom(t)
		f[4] = "?"
	} else {
		f[2] = "?"
		f[4], dayFn = genDow(t)
	}
	if rapid.IntRange(0, 2).Draw(t, "any year") > 0 {
		f[5] = "*"
		o.years = map[int]bool{}
		for y := 1970; y <= 2099; y++ {
			o.years[y] = true
		}
	} else {
		f[5], o.years = genSet(t, "year", 2024, 2032, 2199, nil, false)
	}
	o.day = func(d time.Time) bool {
		return o.years[d.Year()] && o.months[int(d.Month())] && dayFn(d)
	}
	return "cron(" + strings.Join(f[:], " ") + ")", o
}

// walk returns the first fire strictly after after, looking at the local dates from after's to
// until's, or the zero time if there is none.
func (o oracle) walk(loc *time.Location, after, until time.Time) time.Time {
	la := after.In(loc)
	for d := time.Date(la.Year(), la.Month(), la.Day(), 0, 0, 0, 0, time.UTC); !d.After(until); d = d.AddDate(0, 0, 1) {
		if !o.day(d) {
			continue
		}
		// Step through every real minute whose local date may be d, in order, so the first
		// occurrence of a repeated wall time is seen first.
		seen := map[[2]int]bool{}
		start := d.Add(-16 * time.Hour).Truncate(time.Minute)
		for u := start; u.Before(d.Add(40 * time.Hour)); u = u.Add(time.Minute) {
			l := u.In(loc)
			if l.Year() != d.Year() || l.Month() != d.Month() || l.Day() != d.Day() {
				continue
			}
			wall := [2]int{l.Hour(), l.Minute()}
			first := !seen[wall]
			seen[wall] = true
			if first && o.hours[l.Hour()] && o.minutes[l.Minute()] && u.After(after) {
				return l
			}
		}
	}
	return time.Time{}
}

// checkCronAgainstWalker draws an expression and compares three successive fire times with the
// walker's. Near a clock change, the expression is drawn to fire around it.
func checkCronAgainstWalker(t *rapid.T, zone string, nearChange bool) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Unix(rapid.Int64Range(utc("2024-01-01T00:00:00Z").Unix(), utc("2031-01-01T00:00:00Z").Unix()).Draw(t, "after"), 0)
	var focus time.Time
	if nearChange {
		_, change := after.In(loc).ZoneBounds()
		if change.IsZero() {
			t.Fatalf("%s has no clock change after %s", zone, after)
		}
		focus = change.In(loc)
		after = change.Add(time.Duration(rapid.IntRange(-180, 60).Draw(t, "minutes from change")) * time.Minute)
	}
	expr, o := genCron(t, focus)
	s, err := Parse(expr, loc, time.Time{})
	if err != nil {
		t.Fatalf("Parse(%q) = %v, want a valid expression", expr, err)
	}
	for i := range 3 {
		until := after.AddDate(2, 0, 0)
		want := o.walk(loc, after, until)
		got := s.Next(after)
		if want.IsZero() {
			// Nothing in the window: Next must not invent a fire inside it.
			if !got.IsZero() && !got.After(until.Add(-48*time.Hour)) {
				t.Fatalf("%s in %s: fire %d after %s = %s, brute force finds none before %s",
					expr, zone, i+1, after.In(loc), got, until)
			}
			return
		}
		if !got.Equal(want) {
			t.Fatalf("%s in %s: fire %d after %s = %s, brute force says %s",
				expr, zone, i+1, after.In(loc), got, want)
		}
		after = got
	}
}

func TestCronNextMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		zone := rapid.SampledFrom([]string{"UTC", "Europe/London", "America/New_York", "Asia/Kolkata"}).Draw(t, "zone")
		checkCronAgainstWalker(t, zone, false)
	})
}

// TestCronNextMatchesBruteForceAroundClockChanges aims at daylight saving time: hour-long and
// half-hour (Lord Howe) changes, forward and back, in both hemispheres.
func TestCronNextMatchesBruteForceAroundClockChanges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		zone := rapid.SampledFrom([]string{"Europe/London", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney"}).Draw(t, "zone")
		checkCronAgainstWalker(t, zone, true)
	})
}

func TestRateNextMatchesArithmetic(t *testing.T) {
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	rapid.Check(t, func(t *rapid.T) {
		unit := rapid.SampledFrom([]string{"minute", "hour", "day"}).Draw(t, "unit")
		n := rapid.IntRange(1, 1000).Draw(t, "n")
		expr := fmt.Sprintf("rate(%d %s)", n, unit)
		if n > 1 {
			expr = fmt.Sprintf("rate(%d %ss)", n, unit)
		}
		period := time.Duration(n) * units[unit]
		anchor := time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "anchor"), rapid.Int64Range(0, 999999999).Draw(t, "anchor ns"))
		after := time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "after"), rapid.Int64Range(0, 999999999).Draw(t, "after ns"))
		s, err := Parse(expr, time.UTC, anchor)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", expr, err)
		}
		got := s.Next(after)
		if !got.After(after) {
			t.Fatalf("%s from %s: Next(%s) = %s, not after", expr, anchor, after, got)
		}
		since := got.Sub(anchor)
		if since < 0 || since%period != 0 {
			t.Fatalf("%s from %s: Next(%s) = %s, not anchor + k*period", expr, anchor, after, got)
		}
		if since > 0 && got.Add(-period).After(after) {
			t.Fatalf("%s from %s: Next(%s) = %s, but %s is an earlier fire after it", expr, anchor, after, got, got.Add(-period))
		}
	})
}
