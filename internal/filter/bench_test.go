package filter

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLongRules is issue 10's hog: 200 rules of long expressions (2,000 characters, a '*'
// every two) over 3,000 tables, each table checked once as a connector does. Each op is one
// whole scan's worth of Table calls.
func BenchmarkLongRules(b *testing.B) {
	var rules []Rule
	for i := range 200 {
		action := Exclude
		if i%2 == 0 {
			action = Include
		}
		rules = append(rules, Rule{Action: action, Database: "db", Namespace: "public",
			Table: "*" + strings.Repeat(string(rune('a'+i%26))+"*", 999) + "z"})
	}
	names := make([]string, 3000)
	for i := range names {
		names[i] = fmt.Sprintf("table_with_a_long_descriptive_name_%05d", i)
	}
	f := New(rules)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, n := range names {
			f.Table("db", "public", n)
		}
	}
}
