package schedule

import (
	"testing"
	"time"
)

// FuzzParse proves Parse never panics and that a parsed schedule's Next never panics, returns a
// time not after its argument, or fails to move forward. Run: go test -fuzz=FuzzParse ./internal/schedule
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"rate(5 minutes)", "rate(1 day)", "rate(0 minutes)", "rate(99999999999999999999 days)",
		"cron(0 12 ? * MON-FRI *)", "cron(0 18 L * ? *)", "cron(15 10 ? * 6L 2027)",
		"cron(0 8 ? * 2#1 *)", "cron(0/15 * * * ? *)", "cron(0 0 1W * ? *)", "cron(0 0 LW * ? 2199)",
		"cron(0 12 * * * *)", "cron(0 0 31 2 ? *)", "cron(59 23 L-3 * ? *)", "cron(0 0 ? * L 1970)",
		"at(2026-03-29T01:30:00)", "at(9999-12-31T23:59:59)", "at(0000-01-01T00:00:00)", "", "cron()",
	} {
		f.Add(seed, int64(1768471200), "Europe/London")
	}
	zones := map[string]*time.Location{}
	for _, z := range []string{"UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe"} {
		zones[z] = mustLoad(f, z)
	}
	f.Fuzz(func(t *testing.T, expr string, afterUnix int64, zone string) {
		loc := zones[zone] // nil (UTC) for anything else
		s, err := Parse(expr, loc, time.Unix(1e9, 0))
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("Parse(%q) returned an empty error message", expr)
			}
			return
		}
		after := time.Unix(afterUnix%(1<<36), 0) // years about -200 to 4100
		prev := after
		for range 3 {
			next := s.Next(prev)
			if next.IsZero() {
				return
			}
			if !next.After(prev) {
				t.Fatalf("%s: Next(%s) = %s, not after it", expr, prev, next)
			}
			prev = next
		}
	})
}
