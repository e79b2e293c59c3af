package partexpr

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var keys = []Key{
	{Name: "year", Type: "string"},
	{Name: "month", Type: "int"},
	{Name: "day", Type: "date"},
	{Name: "amount", Type: "decimal(10,2)"},
	{Name: "ts", Type: "timestamp"},
	{Name: "region", Type: "varchar(10)"},
}

// part builds values in key order.
func part(year, month, day, amount, ts, region string) []string {
	return []string{year, month, day, amount, ts, region}
}

func TestMatch(t *testing.T) {
	p := part("2024", "3", "2024-03-05", "10.50", "2024-03-05 10:00:00", "eu-west-1")
	null := part("2024", NullValue, "2024-03-05", "1", "2024-03-05 10:00:00", NullValue)
	bad := part("2024", "march", "2024-03-05", "1", "2024-03-05 10:00:00", "x")
	for _, tc := range []struct {
		expr   string
		values []string
		want   bool
	}{
		{"", p, true},
		{"year = '2024'", p, true},
		{"YEAR = '2024'", p, true},
		{"`year` = '2023'", p, false},
		{"'2024' = year", p, true},
		{"year <> '2024'", p, false},
		{"year != '2023'", p, true},
		// int keys compare as numbers: 3 < 10, although '3' > '10' as text.
		{"month < 10", p, true},
		{"month < '10'", p, true},
		{"month >= 3 AND month <= 3", p, true},
		{"10 > month", p, true},
		// string keys compare as text, as crawlers make every key a string.
		{"year BETWEEN '2015' AND '2024'", p, true},
		{"year BETWEEN 2015 AND 2023", p, false},
		{"month BETWEEN 1 AND 2", p, false},
		{"month NOT BETWEEN 1 AND 2", p, true},
		{"day > '2024-03-01'", p, true},
		{"amount = 10.5", p, true},
		{"amount > 10.49 AND amount < '10.51'", p, true},
		{"ts >= '2024-03-05 09:59:59.999'", p, true},
		{"ts < '2024-03-05'", p, false},
		{"region LIKE 'eu-%'", p, true},
		{"region LIKE 'eu_west_1'", p, true},
		{"region LIKE 'us%'", p, false},
		{"region NOT LIKE 'us%'", p, true},
		{"region IN ('us-east-1', 'eu-west-1')", p, true},
		{"month IN (1, 2)", p, false},
		{"month NOT IN (1, 2)", p, true},
		{"year = '2023' OR month = 3", p, true},
		{"NOT (year = '2023' OR month = 3)", p, false},
		{"year = '2024' AND (month = 1 OR month = 3) AND region LIKE '%1'", p, true},
		{"month IS NULL", null, true},
		{"month IS NOT NULL", null, false},
		{"region IS NULL", p, false},
		// A null key makes comparisons unknown: neither the comparison nor its negation match.
		{"month = 3", null, false},
		{"NOT month = 3", null, false},
		{"month = 3 OR year = '2024'", null, true},
		// A value that is not of the key's type matches no comparison.
		{"month = 3", bad, false},
		{"month <> 3", bad, false},
	} {
		f, err := Parse(tc.expr, keys)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := f.Match(tc.values); got != tc.want {
			t.Errorf("%s on %q: got %v, want %v", tc.expr, tc.values, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"colour = 'red'", "colour is not a partition key"},
		{"year = ", "expected a value"},
		{"year = 'x' AND", "expected a partition key"},
		{"(year = 'x'", "expected ')'"},
		{"year = 'x')", `unexpected ")"`},
		{"month = 'three'", `"three" is not an int value for partition key month`},
		{"day < '2024-13-01'", "is not a date value"},
		{"year IN ('a' 'b')", "expected ',' or ')'"},
		{"year LIKE 5", "LIKE needs a quoted pattern"},
		{"year IS 'x'", "expected NULL after IS"},
		{"year = 'unterminated", "unterminated '"},
		{"year ~ 'x'", "unexpected character"},
		{"year BETWEEN 'a' OR 'b'", "expected AND in BETWEEN"},
		{"tags = 'x'", "tags is not a partition key"},
		{"year", "expected a comparison"},
		{"m = 'x'", "has type map<string,string>"},
	} {
		k := append(slices.Clone(keys), Key{Name: "m", Type: "map<string,string>"})
		_, err := Parse(tc.expr, k)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a syntax error mentioning %q", tc.expr, err, tc.want)
		}
	}
}

func TestPrefix(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{"year = '2024' AND region = 'x'", []string{"2024"}},
		{"year = '2024' AND month = 3", []string{"2024"}}, // month is an int: no byte prefix
		{"year = '2024' OR year = '2023'", nil},
		{"NOT year = '2024'", nil},
		{"month = 3", nil},
		{"year > '2024'", nil},
	} {
		f, err := Parse(tc.expr, keys)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.Prefix(), tc.want) {
			t.Errorf("%s: prefix %q, want %q", tc.expr, f.Prefix(), tc.want)
		}
	}
	f, err := Parse("region = 'eu' AND year = '2024' AND (year = '1999' OR day = '2024-01-01')", keys)
	if err != nil || len(f.Equal()) != 2 || f.Equal()[5] != "eu" || f.Equal()[0] != "2024" {
		t.Errorf("Equal: %v %v", f.Equal(), err)
	}
	// month = 1 on a string key compares with the literal's text.
	f, err = Parse("year = 'a' AND month = 1", []Key{{"year", "string"}, {"month", "string"}})
	if err != nil || !slices.Equal(f.Prefix(), []string{"a", "1"}) {
		t.Errorf("two string keys: %v %v", f, err)
	}
}

// FuzzParse: any input parses or fails with a *SyntaxError, never panics; a parsed filter
// agrees with its prefix (a partition outside the prefix never matches).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"year = '2024'", "month BETWEEN 1 AND 3", "NOT (region LIKE 'eu%' OR month IN (1,2))",
		"day IS NULL", "amount >= 1.5e2", "'x' <> `year`", "((((", "year = ''''"} {
		f.Add(s, "2024", "3")
	}
	f.Fuzz(func(t *testing.T, expr, v0, v1 string) {
		flt, err := Parse(expr, keys)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: %T %v", expr, err, err)
			}
			return
		}
		values := part(v0, v1, "2024-01-01", "1", "2024-01-01 00:00:00", v0)
		if flt.Match(values) {
			for i, pv := range flt.Prefix() {
				if values[i] != pv {
					t.Fatalf("%q matches %q outside its prefix %q", expr, values, flt.Prefix())
				}
			}
			for i, ev := range flt.Equal() {
				if values[i] != ev {
					t.Fatalf("%q matches %q although key %d is not %q", expr, values, i, ev)
				}
			}
		}
	})
}
