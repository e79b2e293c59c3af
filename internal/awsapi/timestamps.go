package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// EpochSeconds is a timestamp on the wire as AWS JSON protocols send it by default: seconds
// since the epoch as a JSON number with milliseconds (1590019949.103). DMS TStamp, Secrets
// Manager dates, DataZone CreatedAt/UpdatedAt.
type EpochSeconds time.Time

// MarshalJSON implements json.Marshaler.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *EpochSeconds) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("epoch seconds: %q is not a number", b)
	}
	sec, frac := math.Modf(f)
	*t = EpochSeconds(time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC())
	return nil
}

// ISO8601 is a timestamp on the wire as an ISO-8601 string with milliseconds
// ("2024-05-01T12:00:00.123Z"): DataZone DateTime members.
type ISO8601 time.Time

const iso8601Millis = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON implements json.Marshaler.
func (t ISO8601) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format(iso8601Millis))
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *ISO8601) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("iso8601: %w", err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("iso8601: %w", err)
	}
	*t = ISO8601(v.UTC())
	return nil
}
