package filter

import "testing"

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
