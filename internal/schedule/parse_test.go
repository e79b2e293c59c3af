package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var anchor = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestParseAcceptsValidExpressions(t *testing.T) {
	for _, tc := range []struct {
		expr string
		kind Kind
	}{
		{"rate(1 minute)", Rate},
		{"rate(5 minutes)", Rate},
		{"rate(1 hour)", Rate},
		{"rate(12 hours)", Rate},
		{"rate(1 day)", Rate},
		{"rate(7 days)", Rate},
		{"  rate(5 minutes)  ", Rate},
		{"cron(0 12 * * ? *)", Cron},
		{"cron(0 12 ? * MON-FRI *)", Cron},
		{"cron(0 12 ? * mon-fri *)", Cron},
		{"cron(0 18 L * ? *)", Cron},
		{"cron(0 18 LW * ? *)", Cron},
		{"cron(0 0 1W * ? *)", Cron},
		{"cron(15 10 ? * 6L 2027)", Cron},
		{"cron(15 10 ? * FRIL 2027)", Cron},
		{"cron(0 8 ? * 2#1 *)", Cron},
		{"cron(0 8 ? * MON#5 *)", Cron},
		{"cron(0 8 ? * L *)", Cron},
		{"cron(0/15 * * * ? *)", Cron},
		{"cron(*/15 * * * ? *)", Cron},
		{"cron(5-50/5 8-17 * * ? *)", Cron},
		{"cron(0,15,30,45 0-6,18-23 1-10,20 JAN,MAR-MAY,12 ? *)", Cron},
		{"cron(00 09 01 01 ? 2026)", Cron},
		{"cron(0 0 ? * SUN,SAT 2026-2199)", Cron},
		{"cron(0 0 ? * 1/2 2030/5)", Cron},
		{"at(2026-03-01T09:30:00)", At},
		{"at(2099-12-31T23:59:59)", At},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			s, err := Parse(tc.expr, time.UTC, anchor)
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want no error", tc.expr, err)
			}
			if s.Kind() != tc.kind {
				t.Errorf("Kind() = %v, want %v", s.Kind(), tc.kind)
			}
			if s.String() != strings.TrimSpace(tc.expr) {
				t.Errorf("String() = %q, want %q", s.String(), strings.TrimSpace(tc.expr))
			}
			if err := Validate(tc.expr); err != nil {
				t.Errorf("Validate(%q) = %v, want no error", tc.expr, err)
			}
		})
	}
}

func TestParseRejectsWithExactMessage(t *testing.T) {
	for _, tc := range []struct {
		name, expr, want string
	}{
		{"empty", "", "schedule expression is empty; want rate(...), cron(...) or at(...)"},
		{"unknown kind", "every(5 minutes)", "every(5 minutes): schedule expression must be rate(...), cron(...) or at(...)"},
		{"upper case keyword", "RATE(5 minutes)", "RATE(5 minutes): schedule expression must be rate(...), cron(...) or at(...)"},
		{"unclosed", "rate(5 minutes", "rate(5 minutes: missing closing parenthesis"},

		{"rate plural with 1", "rate(1 minutes)", "rate(1 minutes): unit must be singular when the value is 1"},
		{"rate singular with 5", "rate(5 minute)", "rate(5 minute): unit must be plural when the value is greater than 1"},
		{"rate plural hours with 1", "rate(1 hours)", "rate(1 hours): unit must be singular when the value is 1"},
		{"rate zero", "rate(0 minutes)", `rate(0 minutes): value "0" must be a positive whole number`},
		{"rate negative", "rate(-5 minutes)", `rate(-5 minutes): value "-5" must be a positive whole number`},
		{"rate fraction", "rate(1.5 hours)", `rate(1.5 hours): value "1.5" must be a positive whole number`},
		{"rate unknown unit", "rate(2 weeks)", `rate(2 weeks): unknown unit "weeks"; use minute(s), hour(s) or day(s)`},
		{"rate seconds", "rate(30 seconds)", `rate(30 seconds): unknown unit "seconds"; use minute(s), hour(s) or day(s)`},
		{"rate missing unit", "rate(5)", "rate(5): want rate(value unit), e.g. rate(5 minutes)"},
		{"rate too large", "rate(9999999999 days)", "rate(9999999999 days): value 9999999999 is too large"},

		{"cron both specified", "cron(0 12 * * * *)", "cron(0 12 * * * *): day-of-month and day-of-week cannot both be specified; use ? in one of them"},
		{"cron both values", "cron(0 12 1 * MON *)", "cron(0 12 1 * MON *): day-of-month and day-of-week cannot both be specified; use ? in one of them"},
		{"cron both ?", "cron(0 12 ? * ? *)", "cron(0 12 ? * ? *): day-of-month and day-of-week cannot both be ?; give one of them a value or *"},
		{"cron five fields", "cron(0 12 * * ?)", "cron(0 12 * * ?): cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 5 (a Unix crontab line has 5: add the year and put ? in day-of-month or day-of-week, e.g. cron(0 12 * * ? *) for 12:00 every day)"},
		{"cron seven fields", "cron(0 0 12 * * ? *)", "cron(0 0 12 * * ? *): cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 7 (a Quartz cron has 7, starting with seconds: drop the seconds field, e.g. cron(0 12 * * ? *))"},
		{"cron three fields", "cron(0 12 *)", "cron(0 12 *): cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 3 (e.g. cron(0 12 * * ? *) for 12:00 every day)"},
		{"bare cron fields", "0 12 * * ?", "0 12 * * ?: schedule expression must be rate(...), cron(...) or at(...); to run at wall-clock times write the fields inside cron(): cron() needs 6 fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 12 * * ? *)"},
		{"words", "every day at noon please", "every day at noon please: schedule expression must be rate(...), cron(...) or at(...)"},
		{"minute 61", "cron(61 12 * * ? *)", `cron(61 12 * * ? *): minute field "61" is out of range 0-59`},
		{"minute 61 in list", "cron(0,61 12 * * ? *)", `cron(0,61 12 * * ? *): minute field "0,61": value 61 is out of range 0-59`},
		{"hour 24", "cron(0 24 * * ? *)", `cron(0 24 * * ? *): hour field "24" is out of range 0-23`},
		{"dom 0", "cron(0 12 0 * ? *)", `cron(0 12 0 * ? *): day-of-month field "0" is out of range 1-31`},
		{"dom 32", "cron(0 12 32 * ? *)", `cron(0 12 32 * ? *): day-of-month field "32" is out of range 1-31`},
		{"month 13", "cron(0 12 1 13 ? *)", `cron(0 12 1 13 ? *): month field "13" is out of range 1-12`},
		{"month name", "cron(0 12 1 JANUARY ? *)", `cron(0 12 1 JANUARY ? *): month field "JANUARY": "JANUARY" is not a valid value`},
		{"dow 0", "cron(0 12 ? * 0 *)", `cron(0 12 ? * 0 *): day-of-week field "0" is out of range 1-7 (SUN=1 ... SAT=7)`},
		{"dow 8 in range", "cron(0 12 ? * 2-8 *)", `cron(0 12 ? * 2-8 *): day-of-week field "2-8": value 8 is out of range 1-7 (SUN=1 ... SAT=7)`},
		{"year 1969", "cron(0 12 * * ? 1969)", `cron(0 12 * * ? 1969): year field "1969" is out of range 1970-2199`},
		{"year 2200", "cron(0 12 * * ? 2200)", `cron(0 12 * * ? 2200): year field "2200" is out of range 1970-2199`},
		{"backwards range", "cron(0 22-2 * * ? *)", `cron(0 22-2 * * ? *): hour field "22-2": range 22-2 runs backwards; split it in two, e.g. 22-23,0-2`},
		{"step zero", "cron(*/0 * * * ? *)", `cron(*/0 * * * ? *): minute field "*/0": step 0 is out of range 1-60`},
		{"step too big", "cron(0 */25 * * ? *)", `cron(0 */25 * * ? *): hour field "*/25": step 25 is out of range 1-24`},
		{"step not a number", "cron(0/x * * * ? *)", `cron(0/x * * * ? *): minute field "0/x": step "x" is not a whole number`},
		{"empty list item", "cron(0,,5 * * * ? *)", `cron(0,,5 * * * ? *): minute field "0,,5": empty item in list`},
		{"missing range end", "cron(0 1- * * ? *)", `cron(0 1- * * ? *): hour field "1-": missing value`},
		{"? in minute", "cron(? 12 * * ? *)", `cron(? 12 * * ? *): minute field "?": ? is only allowed in day-of-month and day-of-week`},
		{"? in year", "cron(0 12 * * ? ?)", `cron(0 12 * * ? ?): year field "?": ? is only allowed in day-of-month and day-of-week`},
		{"star in list", "cron(*,5 12 * * ? *)", `cron(*,5 12 * * ? *): minute field "*,5": * must stand alone in the field`},
		{"L-3", "cron(0 12 L-3 * ? *)", `cron(0 12 L-3 * ? *): day-of-month field "L-3": offsets from the last day (L-n) are not supported; use L for the last day`},
		{"W in list", "cron(0 12 1W,15 * ? *)", `cron(0 12 1W,15 * ? *): day-of-month field "1W,15": L and W must stand alone in the field (e.g. L, LW or 15W), not in a list, range or step`},
		{"W out of range", "cron(0 12 32W * ? *)", `cron(0 12 32W * ? *): day-of-month field "32W": value 32 is out of range 1-31`},
		{"WL", "cron(0 12 WL * ? *)", `cron(0 12 WL * ? *): day-of-month field "WL": want L (last day), LW (last weekday) or nW (weekday nearest day n)`},
		{"two # expressions", "cron(0 12 ? * 2#1,3#2 *)", `cron(0 12 ? * 2#1,3#2 *): day-of-week field "2#1,3#2": # must stand alone in the field (only one # expression is allowed, e.g. 3#2)`},
		{"# week 6", "cron(0 12 ? * 2#6 *)", `cron(0 12 ? * 2#6 *): day-of-week field "2#6": week "6" after # is out of range 1-5`},
		{"# day 8", "cron(0 12 ? * 8#1 *)", `cron(0 12 ? * 8#1 *): day-of-week field "8#1": value 8 is out of range 1-7 (SUN=1 ... SAT=7)`},
		{"L in dow list", "cron(0 12 ? * 1,5L *)", `cron(0 12 ? * 1,5L *): day-of-week field "1,5L": L must stand alone in the field (e.g. 5L for the last Thursday), not in a list, range or step`},

		{"at without seconds", "at(2026-03-01T09:30)", "at(2026-03-01T09:30): want at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-01T09:30:00)"},
		{"at with zone", "at(2026-03-01T09:30:00Z)", "at(2026-03-01T09:30:00Z): want at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-01T09:30:00)"},
		{"at with fraction", "at(2026-03-01T09:30:00.5)", "at(2026-03-01T09:30:00.5): want at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-01T09:30:00)"},
		{"at February 30", "at(2026-02-30T09:30:00)", `at(2026-02-30T09:30:00): "2026-02-30T09:30:00" is not a valid date and time`},
		{"at hour 25", "at(2026-02-01T25:00:00)", `at(2026-02-01T25:00:00): "2026-02-01T25:00:00" is not a valid date and time`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.expr, time.UTC, anchor)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error %q", tc.expr, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tc.expr, err, tc.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *SyntaxError", err)
			}
			if verr := Validate(tc.expr); verr == nil || verr.Error() != tc.want {
				t.Errorf("Validate(%q) = %v, want %q", tc.expr, verr, tc.want)
			}
		})
	}
}

func TestParseRateNeedsAnchor(t *testing.T) {
	if _, err := Parse("rate(5 minutes)", time.UTC, time.Time{}); err == nil {
		t.Fatal("Parse of a rate without an anchor succeeded, want an error")
	}
	if _, err := Parse("cron(0 12 * * ? *)", time.UTC, time.Time{}); err != nil {
		t.Fatalf("Parse of a cron without an anchor = %v, want no error (cron needs none)", err)
	}
}

func TestValidateCronAcceptsOnlyCron(t *testing.T) {
	for _, tc := range []struct {
		expr, want string
	}{
		{"cron(0 12 ? * MON-FRI *)", ""},
		{"rate(5 minutes)", "rate(5 minutes): only cron() is accepted here, not rate(): cron() needs 6 fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 12 * * ? *)"},
		{"at(2026-03-01T09:30:00)", "at(2026-03-01T09:30:00): only cron() is accepted here, not at(): cron() needs 6 fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 12 * * ? *)"},
		{"15 3 * * ?", "15 3 * * ?: only cron() is accepted here; write the fields inside cron(): cron() needs 6 fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 12 * * ? *)"},
		{"daily", "daily: only cron() is accepted here: cron() needs 6 fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 12 * * ? *)"},
		{"cron(0 12 * * *)", "cron(0 12 * * *): cron() needs 6 fields: minutes hours day-of-month month day-of-week year; got 5 (a Unix crontab line has 5: add the year and put ? in day-of-month or day-of-week, e.g. cron(0 12 * * ? *) for 12:00 every day)"},
		{"cron(0 12 * * * *)", "cron(0 12 * * * *): day-of-month and day-of-week cannot both be specified; use ? in one of them"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			err := ValidateCron(tc.expr)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("ValidateCron(%q) = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestErrorMessageCutsLongExpressions(t *testing.T) {
	long := "cron(" + strings.Repeat("1", 5000) + ")"
	err := Validate(long)
	if err == nil {
		t.Fatal("Validate of a 5000-digit cron succeeded")
	}
	if len(err.Error()) > 1000 {
		t.Errorf("error message is %d bytes long; want it cut short", len(err.Error()))
	}
}
