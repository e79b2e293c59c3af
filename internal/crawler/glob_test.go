package crawler

import "testing"

func TestExclusionGlobs(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"*.csv", "a.csv", true},
		{"*.csv", "dir/a.csv", false},
		{"**.csv", "dir/sub/a.csv", true},
		{"departments/**", "departments/a/b.json", true},
		{"departments/**", "departmentsx/a.json", false},
		{"employees/*.csv", "employees/x.csv", true},
		{"employees/*.csv", "employees/y/x.csv", false},
		{"2015/0[2-9]/**", "2015/03/a.csv", true},
		{"2015/0[2-9]/**", "2015/01/a.csv", false},
		{"2015/0[!2-9]/**", "2015/01/a.csv", true},
		{"data?.csv", "data1.csv", true},
		{"data?.csv", "data12.csv", false},
		{"*.{csv,avro}", "x.avro", true},
		{"*.{csv,avro}", "x.json", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{".hidden*", ".hidden-file", true},
		{"**/tmp/**", "a/tmp/b.csv", true},
		{"**/tmp/**", "tmp/b.csv", true},
		{"logs", "logs/a.csv", true},
	} {
		x, err := CompileExclusions([]string{tc.pattern})
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if got := x.Excluded(tc.path); got != tc.want {
			t.Errorf("%q excludes %q: %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
	for _, bad := range []string{"[a-", "{a,{b}}", "a}", `x\`, "{a"} {
		if _, err := CompileGlob(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}
