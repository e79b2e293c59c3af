package schedule

import (
	"testing"
	"time"

	datazonetypes "github.com/aws/aws-sdk-go-v2/service/datazone/types"
)

func TestLoadLocation(t *testing.T) {
	jan := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	jul := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name             string
		wantName         string
		janOffH, julOffH float64 // UTC offsets in hours
	}{
		{"UTC", "UTC", 0, 0},
		{"Europe/London", "Europe/London", 0, 1},
		{"EUROPE_LONDON", "Europe/London", 0, 1},
		{"AMERICA_NEW_YORK", "America/New_York", -5, -4},
		{"ASIA_HONG_KONG", "Asia/Hong_Kong", 8, 8},
		{"ASIA_CALCUTTA", "Asia/Calcutta", 5.5, 5.5},
		{"US_PACIFIC", "US/Pacific", -8, -7},
		{"AUSTRALIA_SYDNEY", "Australia/Sydney", 11, 10},
		{"ETC_GMT_ADD_5", "Etc/GMT+5", -5, -5},
		{"ETC_GMT_NEG_5", "Etc/GMT-5", 5, 5},
		{"ETC_GMT_NEG_14", "Etc/GMT-14", 14, 14},
		{"ETC_GMT_ADD_12", "Etc/GMT+12", -12, -12},
		{"Etc/GMT+5", "Etc/GMT+5", -5, -5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := LoadLocation(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if loc.String() != tc.wantName {
				t.Errorf("zone name = %q, want %q", loc, tc.wantName)
			}
			for _, c := range []struct {
				at   time.Time
				want float64
			}{{jan, tc.janOffH}, {jul, tc.julOffH}} {
				_, off := c.at.In(loc).Zone()
				if got := float64(off) / 3600; got != c.want {
					t.Errorf("offset on %s = %+.1fh, want %+.1fh", c.at.Format("2006-01-02"), got, c.want)
				}
			}
		})
	}
}

func TestLoadLocationRejects(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"", `time zone "": name an IANA zone such as Europe/London`},
		{"Local", `time zone "Local": name an IANA zone such as Europe/London`},
		{"Mars/Olympus_Mons", `time zone "Mars/Olympus_Mons": unknown zone`},
		{"ETC_GMT_ADD_13", `time zone "ETC_GMT_ADD_13": unknown zone`},
		{"europe_london", `time zone "europe_london": unknown zone`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadLocation(tc.name)
			if err == nil || err.Error() != tc.want {
				t.Errorf("LoadLocation(%q) = %v, want %q", tc.name, err, tc.want)
			}
		})
	}
}

// TestLoadLocationKnowsEveryDataZoneTimezone keeps the table in step with the SDK's enum.
func TestLoadLocationKnowsEveryDataZoneTimezone(t *testing.T) {
	values := datazonetypes.Timezone("").Values()
	if len(values) < 60 {
		t.Fatalf("the SDK lists %d DataZone time zones; expected about 65", len(values))
	}
	for _, v := range values {
		if _, ok := dataZoneZones[string(v)]; !ok {
			t.Errorf("DataZone time zone %s has no IANA name in dataZoneZones", v)
		}
		if _, err := LoadLocation(string(v)); err != nil {
			t.Errorf("LoadLocation(%s) = %v", v, err)
		}
	}
}
