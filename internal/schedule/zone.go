package schedule

import (
	"fmt"
	"time"

	_ "time/tzdata" // zone data for hosts without /usr/share/zoneinfo
)

// dataZoneZones maps DataZone's Timezone enum to IANA zone names. It is never changed after it is
// built.
var dataZoneZones = withEtcZones(map[string]string{
	"UTC":                 "UTC",
	"AFRICA_JOHANNESBURG": "Africa/Johannesburg",
	"AMERICA_MONTREAL":    "America/Montreal",
	"AMERICA_NEW_YORK":    "America/New_York",
	"AMERICA_SAO_PAULO":   "America/Sao_Paulo",
	"ASIA_BAHRAIN":        "Asia/Bahrain",
	"ASIA_BANGKOK":        "Asia/Bangkok",
	"ASIA_CALCUTTA":       "Asia/Calcutta",
	"ASIA_DUBAI":          "Asia/Dubai",
	"ASIA_HONG_KONG":      "Asia/Hong_Kong",
	"ASIA_JAKARTA":        "Asia/Jakarta",
	"ASIA_KUALA_LUMPUR":   "Asia/Kuala_Lumpur",
	"ASIA_SEOUL":          "Asia/Seoul",
	"ASIA_SHANGHAI":       "Asia/Shanghai",
	"ASIA_SINGAPORE":      "Asia/Singapore",
	"ASIA_TAIPEI":         "Asia/Taipei",
	"ASIA_TOKYO":          "Asia/Tokyo",
	"AUSTRALIA_MELBOURNE": "Australia/Melbourne",
	"AUSTRALIA_SYDNEY":    "Australia/Sydney",
	"CANADA_CENTRAL":      "Canada/Central",
	"CET":                 "CET",
	"CST6CDT":             "CST6CDT",
	"ETC_GMT":             "Etc/GMT",
	"ETC_GMT0":            "Etc/GMT0",
	"EUROPE_DUBLIN":       "Europe/Dublin",
	"EUROPE_LONDON":       "Europe/London",
	"EUROPE_PARIS":        "Europe/Paris",
	"EUROPE_STOCKHOLM":    "Europe/Stockholm",
	"EUROPE_ZURICH":       "Europe/Zurich",
	"ISRAEL":              "Israel",
	"MEXICO_GENERAL":      "Mexico/General",
	"MST7MDT":             "MST7MDT",
	"PACIFIC_AUCKLAND":    "Pacific/Auckland",
	"US_CENTRAL":          "US/Central",
	"US_EASTERN":          "US/Eastern",
	"US_MOUNTAIN":         "US/Mountain",
	"US_PACIFIC":          "US/Pacific",
})

// withEtcZones adds ETC_GMT_ADD_0..12 as Etc/GMT+n and ETC_GMT_NEG_0..14 as Etc/GMT-n, literally as
// the names say (POSIX signs: Etc/GMT+5 is UTC-5).
func withEtcZones(m map[string]string) map[string]string {
	for n := 0; n <= 14; n++ {
		if n <= 12 {
			m[fmt.Sprintf("ETC_GMT_ADD_%d", n)] = fmt.Sprintf("Etc/GMT+%d", n)
		}
		m[fmt.Sprintf("ETC_GMT_NEG_%d", n)] = fmt.Sprintf("Etc/GMT-%d", n)
	}
	return m
}

// LoadLocation resolves a schedule's time zone: an IANA name ("Europe/London", "UTC") or a
// DataZone Timezone enum value ("EUROPE_LONDON", "ETC_GMT_ADD_5"). The empty name and "Local" are
// refused: a schedule must not depend on the host's zone.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q: name an IANA zone such as Europe/London", name)
	}
	iana, ok := dataZoneZones[name]
	if !ok {
		iana = name
	}
	loc, err := time.LoadLocation(iana)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: unknown zone", name)
	}
	return loc, nil
}

// resolveWall finds the instant at which the clocks of loc show the wall time w (whose fields, read
// in UTC, are the wall time). When the wall time happens twice, it returns the first instant. When
// it does not happen at all (a spring-forward gap), exists is false and t is the instant the clock
// passes it: w moved forward by the length of the gap.
func resolveWall(w time.Time, loc *time.Location) (t time.Time, exists bool) {
	// The true instant is within 14 hours of w read as UTC; look at every zone offset loc uses
	// in a window around it.
	var offsets []int
	for at, end := w.Add(-15*time.Hour), w.Add(15*time.Hour); at.Before(end); {
		_, off := at.In(loc).Zone()
		offsets = append(offsets, off)
		_, zoneEnd := at.In(loc).ZoneBounds()
		if zoneEnd.IsZero() || !zoneEnd.After(at) {
			break
		}
		at = zoneEnd
	}
	minOff := offsets[0]
	for _, off := range offsets {
		minOff = min(minOff, off)
		u := w.Add(-time.Duration(off) * time.Second).In(loc)
		if sameWall(u, w) && (!exists || u.Before(t)) {
			t, exists = u, true
		}
	}
	if !exists {
		t = w.Add(-time.Duration(minOff) * time.Second).In(loc)
	}
	return t, exists
}

// wallOf returns t's wall time in its own location, as the same fields in UTC.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func sameWall(t, w time.Time) bool {
	return wallOf(t).Equal(w)
}
