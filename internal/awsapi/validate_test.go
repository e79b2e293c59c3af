package awsapi

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestValidator(t *testing.T) {
	tagKey := regexp.MustCompile(`^[a-zA-Z+-=._:/]+$`)
	for _, tc := range []struct {
		name  string
		check func(v *Validator)
		want  string // "" = valid
	}{
		{"all good", func(v *Validator) {
			v.Required("name", true)
			v.Length("name", "abc", 1, 3)
			v.Enum("status", "READY", "READY", "FAILED")
			v.Range("maxResults", 50, 1, 50)
		}, ""},
		{"required", func(v *Validator) { v.Required("EndpointArn", false) },
			"1 validation error detected: Value null at 'EndpointArn' failed to satisfy constraint: Member must not be null"},
		{"too long", func(v *Validator) { v.Length("name", "abcd", 1, 3) },
			"1 validation error detected: Value 'abcd' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3"},
		{"length counts characters, not bytes", func(v *Validator) { v.Length("name", "ééé", 1, 3) }, ""},
		{"length counts UTF-16 units", func(v *Validator) { v.Length("name", "😀😀", 1, 3) },
			"1 validation error detected: Value '😀😀' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3"},
		{"enum", func(v *Validator) { v.Enum("status", "DONE", "READY", "FAILED") },
			"1 validation error detected: Value 'DONE' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [READY, FAILED]"},
		{"range", func(v *Validator) { v.Range("maxResults", 0, 1, 50) },
			"1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"pattern", func(v *Validator) { v.Pattern("id", "a b", regexp.MustCompile(`^[\S]+$`)) },
			`1 validation error detected: Value 'a b' at 'id' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+$`},
		{"negative lookahead via WithoutPrefix", func(v *Validator) {
			v.PatternFunc("tags.aws:name", "aws:name", `^(?!aws:)[a-zA-Z+-=._:/]+$`, WithoutPrefix("aws:", tagKey))
			v.PatternFunc("tags.team", "team", `^(?!aws:)[a-zA-Z+-=._:/]+$`, WithoutPrefix("aws:", tagKey))
		}, "1 validation error detected: Value 'aws:name' at 'tags.aws:name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[a-zA-Z+-=._:/]+$"},
		{"sensitive value is not echoed", func(v *Validator) {
			v.Sensitive("SecretString")
			v.Length("SecretString", "", 1, 65536)
		}, "1 validation error detected: Value at 'SecretString' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"two violations", func(v *Validator) {
			v.Required("a", false)
			v.Count("b", 0, 1, 10)
		}, "2 validation errors detected: Value null at 'a' failed to satisfy constraint: Member must not be null; Value '[0 items]' at 'b' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewValidator("ValidationException", 400)
			tc.check(v)
			err := v.Err()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != "ValidationException" || e.Status != 400 || e.Message != tc.want {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tokens := Tokens{Key: []byte("0123456789abcdef0123456789abcdef")}
	type cursor struct{ After string }
	tok, err := tokens.Encode("123456789012/ListDataSources/project=p1", cursor{"table_42"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, "table_42") || strings.ContainsAny(tok, "+/=") {
		t.Errorf("token not opaque base64url: %s", tok)
	}
	var got cursor
	if err := tokens.Decode("123456789012/ListDataSources/project=p1", tok, &got); err != nil || got.After != "table_42" {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	flip := []byte(tok)
	flip[3] ^= 1
	for _, tc := range []struct{ name, scope, token string }{
		{"other listing", "123456789012/ListDataSources/project=p2", tok},
		{"other account", "210987654321/ListDataSources/project=p1", tok},
		{"tampered", "123456789012/ListDataSources/project=p1", string(flip)},
		{"truncated", "123456789012/ListDataSources/project=p1", tok[:len(tok)-2]},
		{"garbage", "123456789012/ListDataSources/project=p1", "not a token!"},
		{"empty", "123456789012/ListDataSources/project=p1", ""},
		{"other key", "123456789012/ListDataSources/project=p1", func() string {
			s, _ := Tokens{Key: []byte("another-key-of-16-bytes")}.Encode("123456789012/ListDataSources/project=p1", cursor{"x"})
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tokens.Decode(tc.scope, tc.token, &got); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("got %v, want ErrInvalidToken", err)
			}
		})
	}
	if _, err := (Tokens{Key: []byte("short")}).Encode("s", 1); err == nil {
		t.Error("short key accepted")
	}
}

func TestTimestamps(t *testing.T) {
	at := time.Date(2020, 5, 21, 0, 12, 29, 103_000_000, time.UTC)
	b, _ := EpochSeconds(at).MarshalJSON()
	if string(b) != "1590019949.103" {
		t.Errorf("epoch %s", b)
	}
	var e EpochSeconds
	if err := e.UnmarshalJSON(b); err != nil || !time.Time(e).Equal(at) {
		t.Errorf("epoch round trip %v %v", err, time.Time(e))
	}
	b, _ = ISO8601(at).MarshalJSON()
	if string(b) != `"2020-05-21T00:12:29.103Z"` {
		t.Errorf("iso %s", b)
	}
	var i ISO8601
	if err := i.UnmarshalJSON(b); err != nil || !time.Time(i).Equal(at) {
		t.Errorf("iso round trip %v %v", err, time.Time(i))
	}
}

// encoding/json replaces invalid UTF-8 and unpaired surrogate escapes with U+FFFD; DecodeJSON
// refuses them, so altered text is never stored.
func TestDecodeJSONRefusesBadUnicode(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string // "" = accepted, with Name decoded to wantName
		wantName   string
	}{
		{"plain", `{"Name":"café 日本"}`, "", "café 日本"},
		{"escaped pair", `{"Name":"\ud83d\ude00"}`, "", "😀"},
		{"escaped replacement char is a real character", `{"Name":"\ufffd"}`, "", "\ufffd"},
		{"escaped backslash before u", `{"Name":"\\ud800"}`, "", `\ud800`},
		{"invalid byte", "{\"Name\":\"a\xffb\"}", "not valid UTF-8", ""},
		{"truncated sequence", "{\"Name\":\"\xe6\x97\"}", "not valid UTF-8", ""},
		{"overlong encoding", "{\"Name\":\"\xc0\xaf\"}", "not valid UTF-8", ""},
		{"encoded surrogate", "{\"Name\":\"\xed\xa0\x80\"}", "not valid UTF-8", ""},
		{"invalid byte in a key", "{\"N\xffame\":\"x\"}", "not valid UTF-8", ""},
		{"lone high surrogate escape", `{"Name":"a\ud800b"}`, "unpaired UTF-16 surrogate escape at byte 10", ""},
		{"lone low surrogate escape", `{"Name":"\udc00"}`, "unpaired UTF-16 surrogate", ""},
		{"high surrogate then a non-surrogate escape", `{"Name":"\ud800\u0041"}`, "unpaired UTF-16 surrogate", ""},
		{"high surrogate at the end", `{"Name":"\ud800`, "unpaired UTF-16 surrogate", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in struct{ Name string }
			err := DecodeJSON([]byte(tc.body), &in, CodeSerialization, 400)
			if tc.want == "" {
				if err != nil || in.Name != tc.wantName {
					t.Fatalf("DecodeJSON = %v, Name %q; want accepted with %q", err, in.Name, tc.wantName)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeSerialization || e.Status != 400 || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("DecodeJSON = %v, want SerializationException containing %q", err, tc.want)
			}
		})
	}
}
