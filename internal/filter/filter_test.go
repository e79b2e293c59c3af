package filter

import (
	"regexp"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		glob, name string
		want       bool
	}{
		{"", "x", true},
		{"*", "", true},
		{"orders", "orders", true},
		{"orders", "Orders", false},
		{"ord*", "orders", true},
		{"*ers", "orders", true},
		{"o*d*s", "orders", true},
		{"o*x*s", "orders", false},
		{"*_old", "orders_old", true},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"tmp_*", "tmp", false},
	} {
		if got := match(tc.glob, tc.name); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.glob, tc.name, got, tc.want)
		}
	}
}

func TestFilterTable(t *testing.T) {
	inc := func(db, ns, tb string) Rule { return Rule{Include, db, ns, tb} }
	exc := func(db, ns, tb string) Rule { return Rule{Exclude, db, ns, tb} }
	for _, tc := range []struct {
		name  string
		rules []Rule
		table [3]string
		want  bool
	}{
		{"no rules selects everything", nil, [3]string{"db", "public", "t"}, true},
		{"exclude only keeps the rest", []Rule{exc("", "", "tmp_*")}, [3]string{"db", "public", "orders"}, true},
		{"exclude only drops the match", []Rule{exc("", "", "tmp_*")}, [3]string{"db", "public", "tmp_1"}, false},
		{"include only drops the rest", []Rule{inc("", "sales", "*")}, [3]string{"db", "public", "orders"}, false},
		{"include only keeps the match", []Rule{inc("", "sales", "*")}, [3]string{"db", "sales", "orders"}, true},
		{"last match wins: excluded", []Rule{inc("", "", "*"), exc("", "", "*_old")}, [3]string{"db", "s", "orders_old"}, false},
		{"last match wins: included again", []Rule{inc("", "", "*"), exc("", "", "*_old"), inc("", "", "orders_old")}, [3]string{"db", "s", "orders_old"}, true},
		{"order matters", []Rule{exc("", "", "*_old"), inc("", "", "*")}, [3]string{"db", "s", "orders_old"}, true},
		{"database part", []Rule{inc("other", "", "*")}, [3]string{"db", "s", "t"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Filter{Rules: tc.rules}
			if got := f.Table(tc.table[0], tc.table[1], tc.table[2]); got != tc.want {
				t.Errorf("Table(%v) = %v, want %v", tc.table, got, tc.want)
			}
		})
	}
}

func TestFilterNamespace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []Rule
		ns    string
		want  bool
	}{
		{"no rules", nil, "public", true},
		{"excluded whole namespace", []Rule{{Exclude, "", "audit", "*"}}, "audit", false},
		{"excluded some tables", []Rule{{Exclude, "", "audit", "x*"}}, "audit", true},
		{"included elsewhere", []Rule{{Include, "", "sales", "*"}}, "public", false},
		{"included here", []Rule{{Include, "", "sales", "a*"}}, "sales", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Filter{Rules: tc.rules}).Namespace("db", tc.ns); got != tc.want {
				t.Errorf("Namespace(%q) = %v, want %v", tc.ns, got, tc.want)
			}
		})
	}
}

func TestParsePattern(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rule
		err  bool
	}{
		{"orders", Rule{Include, "", "", "orders"}, false},
		{"public.ord*", Rule{Include, "", "public", "ord*"}, false},
		{"app.public.*", Rule{Include, "app", "public", "*"}, false},
		{"a.b.c.d", Rule{}, true},
		{"public.", Rule{}, true},
		{"", Rule{}, true},
	} {
		got, err := ParsePattern(Include, tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParsePattern(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParsePattern(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestGlobAgreesWithARegexp checks the linear matcher against regexp on every pattern over
// {a, b, *} up to 6 characters and every name over {a, b} up to 6 characters.
func TestGlobAgreesWithARegexp(t *testing.T) {
	words := func(alphabet string, max int) []string {
		out := []string{""}
		for i := 0; i < len(out); i++ {
			if len(out[i]) < max {
				for _, c := range alphabet {
					out = append(out, out[i]+string(c))
				}
			}
		}
		return out
	}
	patterns, names := words("ab*", 6), words("ab", 6)
	for _, p := range patterns {
		re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$")
		g := compileGlob(p)
		for _, n := range names {
			want := p == "" || re.MatchString(n)
			if got := g.match(n); got != want {
				t.Fatalf("glob %q on %q = %v, want %v", p, n, got, want)
			}
		}
	}
}

// TestCompiledFilterDecidesAsTheLiteral: New and a Filter literal select the same tables.
func TestCompiledFilterDecidesAsTheLiteral(t *testing.T) {
	rules := []Rule{{Include, "", "sales", "*"}, {Exclude, "", "*", "*_old"}, {Include, "db", "sales", "orders_old"}, {Exclude, "db2", "", ""}}
	compiled, literal := New(rules), Filter{Rules: rules}
	for _, db := range []string{"db", "db2"} {
		for _, ns := range []string{"sales", "hr"} {
			for _, tb := range []string{"orders", "orders_old", "x_old"} {
				if a, b := compiled.Table(db, ns, tb), literal.Table(db, ns, tb); a != b {
					t.Errorf("Table(%s, %s, %s): New %v, literal %v", db, ns, tb, a, b)
				}
			}
			if a, b := compiled.Namespace(db, ns), literal.Namespace(db, ns); a != b {
				t.Errorf("Namespace(%s, %s): New %v, literal %v", db, ns, a, b)
			}
		}
	}
}
