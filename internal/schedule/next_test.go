package schedule

import (
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestCronNextKnownTimes pins fire times worked out by hand from a calendar.
// 2026-01-15 is a Thursday. Europe/London springs forward on 2026-03-29 at 01:00 GMT and falls
// back on 2026-10-25 at 02:00 BST.
func TestCronNextKnownTimes(t *testing.T) {
	for _, tc := range []struct {
		name, expr, zone, after string
		want                    []string // successive fire times, UTC; "" = never again
	}{
		{"weekdays at noon from Thursday", "cron(0 12 ? * MON-FRI *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-15T12:00:00Z", "2026-01-16T12:00:00Z", "2026-01-19T12:00:00Z"}},
		{"last day of month", "cron(0 18 L * ? *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-31T18:00:00Z", "2026-02-28T18:00:00Z", "2026-03-31T18:00:00Z"}},
		{"last day of February in a leap year", "cron(0 18 L 2 ? *)", "UTC", "2027-06-01T00:00:00Z",
			[]string{"2028-02-29T18:00:00Z"}},
		{"last Friday of each month of 2027", "cron(15 10 ? * 6L 2027)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2027-01-29T10:15:00Z", "2027-02-26T10:15:00Z"}},
		{"last Friday of 2027 then never", "cron(15 10 ? * 6L 2027)", "UTC", "2027-12-01T00:00:00Z",
			[]string{"2027-12-31T10:15:00Z", ""}},
		{"first Monday", "cron(0 8 ? * 2#1 *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-02-02T08:00:00Z", "2026-03-02T08:00:00Z"}},
		{"third Saturday", "cron(0 10 ? * 7#3 *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-17T10:00:00Z", "2026-02-21T10:00:00Z"}},
		{"fifth Monday skips months without one", "cron(0 8 ? * MON#5 *)", "UTC", "2026-01-01T00:00:00Z",
			[]string{"2026-03-30T08:00:00Z", "2026-06-29T08:00:00Z"}},
		{"every 15 minutes", "cron(0/15 * * * ? *)", "UTC", "2026-01-15T10:07:30Z",
			[]string{"2026-01-15T10:15:00Z", "2026-01-15T10:30:00Z", "2026-01-15T10:45:00Z", "2026-01-15T11:00:00Z"}},
		{"every 15 minutes from an exact fire time", "cron(*/15 * * * ? *)", "UTC", "2026-01-15T10:15:00Z",
			[]string{"2026-01-15T10:30:00Z"}},
		{"sub-second after", "cron(0 12 * * ? *)", "UTC", "2026-01-15T11:59:59.900Z",
			[]string{"2026-01-15T12:00:00Z", "2026-01-16T12:00:00Z"}},
		{"weekday nearest the 1st (Sunday 1st moves to Monday 2nd)", "cron(0 0 1W * ? *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z"}},
		{"weekday nearest a Saturday 1st stays in the month", "cron(0 0 1W * ? *)", "UTC", "2026-07-15T00:00:00Z",
			[]string{"2026-08-03T00:00:00Z"}},
		{"weekday nearest the 15th", "cron(0 9 15W * ? *)", "UTC", "2026-02-01T00:00:00Z",
			[]string{"2026-02-16T09:00:00Z", "2026-03-16T09:00:00Z", "2026-04-15T09:00:00Z"}},
		{"last weekday of month", "cron(0 0 LW * ? *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z"}},
		{"L in day-of-week is Saturday", "cron(0 12 ? * L *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-17T12:00:00Z", "2026-01-24T12:00:00Z"}},
		{"1 is Sunday", "cron(0 10 ? * 1 *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-18T10:00:00Z"}},
		{"7 is Saturday", "cron(0 10 ? * 7 *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-17T10:00:00Z"}},
		{"range 6-7 is Friday and Saturday", "cron(0 10 ? * 6-7 *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-16T10:00:00Z", "2026-01-17T10:00:00Z", "2026-01-23T10:00:00Z"}},
		{"step 1/3 is Sunday, Wednesday, Saturday", "cron(0 10 ? * 1/3 *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-17T10:00:00Z", "2026-01-18T10:00:00Z", "2026-01-21T10:00:00Z"}},
		{"last Sunday", "cron(0 10 ? * 1L *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2026-01-25T10:00:00Z"}},
		{"29 February", "cron(30 9 29 FEB ? *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2028-02-29T09:30:00Z", "2032-02-29T09:30:00Z"}},
		{"31 February never", "cron(0 0 31 2 ? *)", "UTC", "2026-01-15T10:00:00Z",
			[]string{""}},
		{"year step", "cron(0 0 1 1 ? 2030-2034/2)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2030-01-01T00:00:00Z", "2032-01-01T00:00:00Z", "2034-01-01T00:00:00Z", ""}},
		{"year list skips gaps", "cron(0 0 1 1 ? 2027,2040)", "UTC", "2026-01-15T10:00:00Z",
			[]string{"2027-01-01T00:00:00Z", "2040-01-01T00:00:00Z", ""}},
		{"past year never", "cron(0 0 1 1 ? 2020)", "UTC", "2026-01-15T10:00:00Z",
			[]string{""}},
		{"year after 2099 is beyond the engine", "cron(0 0 1 1 ? 2100)", "UTC", "2026-01-15T10:00:00Z",
			[]string{""}},
		{"from the zero time", "cron(0 0 1 1 ? *)", "UTC", "0001-01-01T00:00:00Z",
			[]string{"1970-01-01T00:00:00Z"}},

		{"New York noon is 17:00 UTC in winter", "cron(0 12 ? * MON-FRI *)", "America/New_York", "2026-01-15T10:00:00Z",
			[]string{"2026-01-15T17:00:00Z"}},
		{"DataZone zone name", "cron(0 12 ? * MON-FRI *)", "AMERICA_NEW_YORK", "2026-01-15T10:00:00Z",
			[]string{"2026-01-15T17:00:00Z"}},
		{"Etc/GMT+5 is UTC-5", "cron(0 12 * * ? *)", "ETC_GMT_ADD_5", "2026-01-15T10:00:00Z",
			[]string{"2026-01-15T17:00:00Z"}},
		{"London weekdays across spring forward", "cron(0 12 ? * MON-FRI *)", "Europe/London", "2026-03-27T10:00:00Z",
			[]string{"2026-03-27T12:00:00Z", "2026-03-30T11:00:00Z"}},
		{"London 01:30 does not exist on spring-forward day: skipped", "cron(30 1 * * ? *)", "Europe/London", "2026-03-28T12:00:00Z",
			[]string{"2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"}},
		{"London 01:30 happens twice on fall-back day: fires once, first", "cron(30 1 * * ? *)", "Europe/London", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"London every 15 minutes over spring forward has no gap in real time", "cron(0/15 * * * ? *)", "Europe/London", "2026-03-29T00:30:00Z",
			[]string{"2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z"}},
		{"London every 15 minutes does not repeat the fall-back hour", "cron(0/15 * * * ? *)", "Europe/London", "2026-10-25T00:30:00Z",
			[]string{"2026-10-25T00:45:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z"}},
		{"London from inside the repeated hour", "cron(0/15 * * * ? *)", "Europe/London", "2026-10-25T01:10:00Z",
			[]string{"2026-10-25T02:00:00Z"}},
		{"London last day of month at 23:30 in summer", "cron(30 23 L * ? *)", "Europe/London", "2026-06-01T00:00:00Z",
			[]string{"2026-06-30T22:30:00Z", "2026-07-31T22:30:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.expr, mustLoad(t, tc.zone), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			at := utc(tc.after)
			for i, want := range tc.want {
				got := s.Next(at)
				if want == "" {
					if !got.IsZero() {
						t.Fatalf("fire %d after %s = %s, want never again", i+1, at.UTC().Format(time.RFC3339), got.UTC().Format(time.RFC3339))
					}
					return
				}
				if !got.Equal(utc(want)) {
					t.Fatalf("fire %d after %s = %s, want %s", i+1, at.UTC().Format(time.RFC3339Nano), got.UTC().Format(time.RFC3339), want)
				}
				if got.Location() != s.Location() {
					t.Errorf("fire time is in %v, want the schedule's zone %v", got.Location(), s.Location())
				}
				at = got
			}
		})
	}
}

func TestAtNext(t *testing.T) {
	for _, tc := range []struct {
		name, expr, zone, after, want string
	}{
		{"before the instant", "at(2026-03-01T09:30:00)", "UTC", "2026-02-01T00:00:00Z", "2026-03-01T09:30:00Z"},
		{"at the instant: done", "at(2026-03-01T09:30:00)", "UTC", "2026-03-01T09:30:00Z", ""},
		{"after the instant: done", "at(2026-03-01T09:30:00)", "UTC", "2026-04-01T00:00:00Z", ""},
		{"in the schedule's zone", "at(2026-07-01T09:30:00)", "Europe/London", "2026-01-01T00:00:00Z", "2026-07-01T08:30:00Z"},
		{"inside the spring-forward gap: moved forward by the gap", "at(2026-03-29T01:30:00)", "Europe/London", "2026-01-01T00:00:00Z", "2026-03-29T01:30:00Z"},
		{"New York gap moves forward too", "at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00Z", "2026-03-08T07:30:00Z"},
		{"ambiguous London time: first occurrence", "at(2026-10-25T01:30:00)", "Europe/London", "2026-01-01T00:00:00Z", "2026-10-25T00:30:00Z"},
		{"ambiguous New York time: first occurrence", "at(2026-11-01T01:30:00)", "America/New_York", "2026-01-01T00:00:00Z", "2026-11-01T05:30:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.expr, mustLoad(t, tc.zone), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			got := s.Next(utc(tc.after))
			if tc.want == "" {
				if !got.IsZero() {
					t.Fatalf("Next = %s, want never again", got)
				}
				return
			}
			if !got.Equal(utc(tc.want)) {
				t.Fatalf("Next = %s, want %s", got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestRateNext(t *testing.T) {
	start := utc("2026-01-15T10:00:00Z")
	for _, tc := range []struct {
		name, expr, after string
		want              []string
	}{
		{"before the anchor: the anchor", "rate(5 minutes)", "2026-01-01T00:00:00Z", []string{"2026-01-15T10:00:00Z", "2026-01-15T10:05:00Z"}},
		{"at the anchor: one period later", "rate(5 minutes)", "2026-01-15T10:00:00Z", []string{"2026-01-15T10:05:00Z"}},
		{"between fires", "rate(1 hour)", "2026-01-15T12:30:00Z", []string{"2026-01-15T13:00:00Z", "2026-01-15T14:00:00Z"}},
		{"days ignore DST (24h steps)", "rate(1 day)", "2026-03-28T10:00:00Z", []string{"2026-03-29T10:00:00Z", "2026-03-30T10:00:00Z"}},
		{"long after", "rate(7 days)", "2036-01-15T10:00:00Z", []string{"2036-01-17T10:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.expr, mustLoad(t, "Europe/London"), start)
			if err != nil {
				t.Fatal(err)
			}
			at := utc(tc.after)
			for i, want := range tc.want {
				got := s.Next(at)
				if !got.Equal(utc(want)) {
					t.Fatalf("fire %d after %s = %s, want %s", i+1, at.UTC().Format(time.RFC3339), got.UTC().Format(time.RFC3339), want)
				}
				at = got
			}
		})
	}
}

func TestNextAfterDowntime(t *testing.T) {
	hourly, err := Parse("cron(0 * * * ? *)", time.UTC, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	once, err := Parse("at(2026-01-15T10:00:00)", time.UTC, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name             string
		s                *Schedule
		lastPlanned, now string
		wantFire         bool
		wantNext         string
	}{
		{"down for a day: one catch-up fire, next after now", hourly, "2026-01-15T10:00:00Z", "2026-01-16T10:20:00Z", true, "2026-01-16T11:00:00Z"},
		{"due exactly now", hourly, "2026-01-15T10:00:00Z", "2026-01-15T10:00:00Z", true, "2026-01-15T11:00:00Z"},
		{"not yet due", hourly, "2026-01-15T11:00:00Z", "2026-01-15T10:20:00Z", false, "2026-01-15T11:00:00Z"},
		{"one-time missed: fires once, then done", once, "2026-01-15T10:00:00Z", "2026-01-20T00:00:00Z", true, ""},
		{"finished schedule", once, "", "2026-01-20T00:00:00Z", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var last time.Time
			if tc.lastPlanned != "" {
				last = utc(tc.lastPlanned)
			}
			fire, next := NextAfterDowntime(tc.s, last, utc(tc.now))
			if fire != tc.wantFire {
				t.Errorf("fireNow = %v, want %v", fire, tc.wantFire)
			}
			if tc.wantNext == "" {
				if !next.IsZero() {
					t.Errorf("next = %s, want never again", next)
				}
			} else if !next.Equal(utc(tc.wantNext)) {
				t.Errorf("next = %s, want %s", next.UTC().Format(time.RFC3339), tc.wantNext)
			}
		})
	}
}

// TestNextIsSafeForConcurrentUse matters under -race: the cron engine keeps scratch state in its
// parsed expression, so Schedule must serialise it.
func TestNextIsSafeForConcurrentUse(t *testing.T) {
	s, err := Parse("cron(0 8 ? * 2#1 *)", mustLoad(t, "Europe/London"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := s.Next(utc("2026-01-15T10:00:00Z"))
	done := make(chan time.Time)
	for range 4 {
		go func() {
			var got time.Time
			for range 200 {
				got = s.Next(utc("2026-01-15T10:00:00Z"))
			}
			done <- got
		}()
	}
	for range 4 {
		if got := <-done; !got.Equal(want) {
			t.Errorf("concurrent Next = %s, want %s", got, want)
		}
	}
}
