package partexpr

import (
	"math/big"
	"strconv"
	"strings"
	"time"
)

type kind int

const (
	kString kind = iota
	kInt
	kDecimal
	kDate
	kTimestamp
)

// keyType is a partition key's type as comparisons see it.
type keyType struct {
	kind     kind
	min, max int64 // integer range
}

// typeOf maps a Hive type name onto a comparable type; ok is false for types Glue cannot
// filter on.
func typeOf(hive string) (keyType, bool) {
	t := strings.ToLower(strings.TrimSpace(hive))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "", "string", "char", "varchar":
		return keyType{kind: kString}, true
	case "tinyint":
		return keyType{kInt, -1 << 7, 1<<7 - 1}, true
	case "smallint":
		return keyType{kInt, -1 << 15, 1<<15 - 1}, true
	case "int", "integer":
		return keyType{kInt, -1 << 31, 1<<31 - 1}, true
	case "bigint", "long":
		return keyType{kInt, -1 << 63, 1<<63 - 1}, true
	case "decimal":
		return keyType{kind: kDecimal}, true
	case "date":
		return keyType{kind: kDate}, true
	case "timestamp":
		return keyType{kind: kTimestamp}, true
	}
	return keyType{}, false
}

func (k Key) typ() keyType {
	t, _ := typeOf(k.Type)
	return t
}

// value is a typed value; only the member of its kind is set.
type value struct {
	s string
	i int64
	d *big.Rat
	t time.Time
}

// parse reads s as t; ok is false when s is not a value of t.
func (t keyType) parse(s string) (value, bool) {
	switch t.kind {
	case kString:
		return value{s: s}, true
	case kInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < t.min || n > t.max {
			return value{}, false
		}
		return value{i: n}, true
	case kDecimal:
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		if !ok {
			return value{}, false
		}
		return value{d: r}, true
	case kDate:
		d, err := time.Parse("2006-01-02", strings.TrimSpace(s))
		if err != nil {
			return value{}, false
		}
		return value{t: d}, true
	case kTimestamp:
		s = strings.TrimSpace(s)
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if ts, err := time.Parse(layout, s); err == nil {
				return value{t: ts}, true
			}
		}
		return value{}, false
	}
	return value{}, false
}

// compare returns -1, 0 or 1.
func (t keyType) compare(a, b value) int {
	switch t.kind {
	case kInt:
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	case kDecimal:
		return a.d.Cmp(b.d)
	case kDate, kTimestamp:
		return a.t.Compare(b.t)
	}
	return strings.Compare(a.s, b.s)
}
