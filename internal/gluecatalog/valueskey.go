package gluecatalog

import (
	"errors"
	"strings"
)

// ValuesKey encodes partition values into one string whose bytewise order is the order of the
// value lists (element by element, a shorter list first), so partitions page by key with a
// range scan. Values are separated by 0x01; the bytes 0x00, 0x01 and 0x02 inside a value are
// escaped as 0x02 followed by 0x03, 0x04 or 0x05, which keeps both their order and every
// encoded byte inside a value above the separator. The key holds no NUL byte (PostgreSQL text
// cannot).
func ValuesKey(values []string) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(keySep)
		}
		for j := 0; j < len(v); j++ {
			c := v[j]
			if c <= keyEsc {
				b.WriteByte(keyEsc)
				b.WriteByte(c + 3)
				continue
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

const (
	keySep = 0x01
	keyEsc = 0x02
)

// ValuesFromKey decodes a ValuesKey; n is the number of values expected (a key of one empty
// value and a key of no values are both "").
func ValuesFromKey(key string, n int) ([]string, error) {
	out := make([]string, 0, n)
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch c {
		case keySep:
			out = append(out, b.String())
			b.Reset()
		case keyEsc:
			i++
			if i == len(key) || key[i] < 3 || key[i] > 5 {
				return nil, errors.New("malformed partition key")
			}
			b.WriteByte(key[i] - 3)
		default:
			b.WriteByte(c)
		}
	}
	if n > 0 || len(key) > 0 {
		out = append(out, b.String())
	}
	if len(out) != n {
		return nil, errors.New("partition key does not hold the expected number of values")
	}
	return out, nil
}

// prefixRange returns the half-open key range [lo, hi) of every partition whose leading values
// are prefix (nonempty); whole says the prefix holds every value (one partition at most).
func prefixRange(prefix []string, whole bool) (lo, hi string) {
	p := ValuesKey(prefix)
	if whole {
		return p, p + string(rune(keySep))
	}
	return p + string(rune(keySep)), p + string(rune(keyEsc))
}
