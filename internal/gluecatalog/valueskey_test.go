package gluecatalog

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestValuesKeyRoundTrip(t *testing.T) {
	for _, values := range [][]string{
		{"2024"}, {"2024", "01"}, {"a\x00b", "\x01", "\x02\x03"}, {"é", "日本"}, {""}, {"", ""},
	} {
		got, err := ValuesFromKey(ValuesKey(values), len(values))
		if err != nil || !slices.Equal(got, values) {
			t.Errorf("%q: got %q, %v", values, got, err)
		}
	}
}

// TestValuesKeyOrder proves the key orders like the value lists, so paging by key is paging
// by values.
func TestValuesKeyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 3).Draw(t, "n")
		gen := rapid.SliceOfN(rapid.StringOf(rapid.RuneFrom([]rune{0, 1, 2, 3, 'a', 'b', 'é'})), n, n)
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		want := slices.Compare(a, b)
		got := compareStrings(ValuesKey(a), ValuesKey(b))
		if got != want {
			t.Fatalf("compare(%q, %q) = %d, keys compare %d", a, b, want, got)
		}
		lo, hi := prefixRange(a[:1], false)
		k := ValuesKey(b)
		inRange := k >= lo && k < hi
		if n > 1 && inRange != (b[0] == a[0]) {
			t.Fatalf("prefix %q range [%q,%q) holds %q: %v", a[:1], lo, hi, k, inRange)
		}
		lo, hi = prefixRange(a, true)
		if inWhole := k >= lo && k < hi; inWhole != slices.Equal(a, b) {
			t.Fatalf("whole %q range [%q,%q) holds %q: %v", a, lo, hi, k, inWhole)
		}
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
