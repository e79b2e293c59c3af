package schedule

import (
	"regexp"
	"time"
)

// atSchedule fires once, at when.
type atSchedule struct {
	when time.Time
}

var atLayout = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`)

func parseAt(expr, body string, loc *time.Location) (*atSchedule, error) {
	if !atLayout.MatchString(body) {
		return nil, syntaxErr(expr, "want at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-01T09:30:00)")
	}
	// Parse as a UTC wall time first: Go's own resolution of gaps and repeated hours differs
	// between zones, so resolveWall decides.
	w, err := time.Parse("2006-01-02T15:04:05", body)
	if err != nil {
		return nil, syntaxErr(expr, "%q is not a valid date and time", body)
	}
	when, _ := resolveWall(w, loc)
	return &atSchedule{when: when}, nil
}

func (a *atSchedule) next(after time.Time) time.Time {
	if a.when.After(after) {
		return a.when
	}
	return time.Time{}
}
