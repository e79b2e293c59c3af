package awsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrInvalidToken is returned by Tokens.Decode for any token it did not issue for the scope.
// Façades map it to their validation error ("The nextToken provided is invalid").
var ErrInvalidToken = errors.New("invalid pagination token")

// Tokens issues pagination tokens: the JSON of a cursor plus an HMAC-SHA256 tag over it and a
// scope, base64url-encoded. Tokens are opaque and tamper-proof but not secret (the cursor is
// readable), so put positions in them, never data. The scope binds a token to one listing: use
// account + operation + filters, so a token from another listing, account or filter is refused.
type Tokens struct {
	Key []byte // at least 16 bytes
}

const tagSize = 16 // bytes of HMAC-SHA256 kept

// Encode returns the token for cursor v in scope.
func (t Tokens) Encode(scope string, v any) (string, error) {
	if len(t.Key) < 16 {
		return "", errors.New("pagination token key shorter than 16 bytes")
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode pagination token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(append(payload, t.tag(scope, payload)...)), nil
}

// Decode checks token against scope and decodes its cursor into v; any failure is
// ErrInvalidToken.
func (t Tokens) Decode(scope, token string, v any) error {
	if len(t.Key) < 16 {
		return errors.New("pagination token key shorter than 16 bytes")
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) <= tagSize {
		return ErrInvalidToken
	}
	payload, tag := raw[:len(raw)-tagSize], raw[len(raw)-tagSize:]
	if !hmac.Equal(tag, t.tag(scope, payload)) {
		return ErrInvalidToken
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return ErrInvalidToken
	}
	return nil
}

func (t Tokens) tag(scope string, payload []byte) []byte {
	m := hmac.New(sha256.New, t.Key)
	m.Write([]byte("surveyor pagination v1\x00"))
	m.Write([]byte(fmt.Sprintf("%d:%s", len(scope), scope)))
	m.Write(payload)
	return m.Sum(nil)[:tagSize]
}
