package awsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"
	scopeDate      = "20060102"
	// MaxSkew is how far X-Amz-Date may be from the server clock, as AWS allows.
	MaxSkew = 15 * time.Minute

	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgUnrecognizedClient = "The security token included in the request is invalid."
)

// Authorization is a parsed SigV4 Authorization header.
type Authorization struct {
	AccessKeyID   string
	Date          string // yyyymmdd from the credential scope
	Region        string
	Service       string
	SignedHeaders []string // as listed, lower-case
	Signature     string   // 64 lower-case hex digits
}

// scope is the credential scope "date/region/service/aws4_request".
func (a *Authorization) scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
}

// ParseAuthorization parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>`. Errors are *Error with the code AWS uses
// (IncompleteSignatureException, or InvalidSignatureException for a bad scope).
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != sigV4Algorithm {
		return a, authError(CodeIncompleteSignature,
			"Authorization header requires the %s algorithm; got %q.", sigV4Algorithm, truncate(alg, 40))
	}
	c, err := splitAuthorization(rest)
	if err != nil {
		return a, err
	}
	if err := a.parseCredential(c.credential); err != nil {
		return a, err
	}
	if a.SignedHeaders, err = parseSignedHeaders(c.signedHeaders); err != nil {
		return a, err
	}
	if len(c.signature) != sha256.Size*2 || strings.ToLower(c.signature) != c.signature {
		return a, authError(CodeIncompleteSignature, "Signature must be 64 lower-case hexadecimal digits.")
	}
	if _, err := hex.DecodeString(c.signature); err != nil {
		return a, authError(CodeIncompleteSignature, "Signature must be 64 lower-case hexadecimal digits.")
	}
	a.Signature = c.signature
	return a, nil
}

// authComponents are the three key=value components of an Authorization header, unparsed.
type authComponents struct {
	credential, signedHeaders, signature string
}

// splitAuthorization reads the comma-separated components after the algorithm: each of
// Credential, SignedHeaders and Signature exactly once, nothing else.
func splitAuthorization(rest string) (authComponents, error) {
	var c authComponents
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return c, authError(CodeIncompleteSignature,
				"Authorization header requires each component to be a key=value pair; got %q.", truncate(part, 60))
		}
		var dup bool
		switch k {
		case "Credential":
			dup, haveCred, c.credential = haveCred, true, v
		case "SignedHeaders":
			dup, haveSigned, c.signedHeaders = haveSigned, true, v
		case "Signature":
			dup, haveSig, c.signature = haveSig, true, v
		default:
			return c, authError(CodeIncompleteSignature,
				"Authorization header has an unknown component %q.", truncate(k, 40))
		}
		if dup {
			return c, authError(CodeIncompleteSignature, "Authorization header repeats the %q component.", k)
		}
	}
	var missing []string
	for _, m := range []struct {
		name string
		ok   bool
	}{{"Credential", haveCred}, {"Signature", haveSig}, {"SignedHeaders", haveSigned}} {
		if !m.ok {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", m.name))
		}
	}
	if len(missing) > 0 {
		return c, authError(CodeIncompleteSignature, "%s", strings.Join(missing, " "))
	}
	return c, nil
}

// parseCredential fills the access key and the credential scope (date, region, service) from
// keyid/date/region/service/aws4_request.
func (a *Authorization) parseCredential(cred string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return authError(CodeIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'",
			truncate(cred, 200))
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	if parts[4] != "aws4_request" {
		return authError(CodeInvalidSignature,
			"Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", truncate(parts[4], 40))
	}
	if a.AccessKeyID == "" || a.Region == "" || a.Service == "" {
		return authError(CodeIncompleteSignature, "Credential has an empty access key, region or service: '%s'",
			truncate(cred, 200))
	}
	if _, err := time.Parse(scopeDate, a.Date); err != nil || len(a.Date) != len(scopeDate) {
		return authError(CodeIncompleteSignature, "Credential has an invalid date: '%s'", truncate(a.Date, 20))
	}
	return nil
}

// parseSignedHeaders splits SignedHeaders: lower-case names separated by ';', host and
// x-amz-date among them.
func parseSignedHeaders(signed string) ([]string, error) {
	if signed == "" {
		return nil, authError(CodeIncompleteSignature, "SignedHeaders must not be empty.")
	}
	names := strings.Split(signed, ";")
	var host, date bool
	for _, h := range names {
		if h == "" || h != strings.ToLower(h) {
			return nil, authError(CodeIncompleteSignature,
				"SignedHeaders must list lower-case header names separated by ';', got '%s'.", truncate(signed, 200))
		}
		host = host || h == "host"
		date = date || h == "x-amz-date"
	}
	if !host || !date {
		return nil, authError(CodeInvalidSignature,
			"The 'host' and 'x-amz-date' headers must be signed; SignedHeaders is '%s'.", truncate(signed, 200))
	}
	return names, nil
}

// checkDate checks X-Amz-Date against the credential date and the clock.
func checkDate(r *http.Request, a *Authorization, now time.Time) (time.Time, error) {
	raw := r.Header.Values("X-Amz-Date")
	if len(raw) == 0 {
		return time.Time{}, authError(CodeIncompleteSignature,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(raw) > 1 {
		return time.Time{}, authError(CodeIncompleteSignature, "X-Amz-Date must be given once.")
	}
	t, err := time.Parse(amzDateFormat, raw[0])
	if err != nil {
		return time.Time{}, authError(CodeIncompleteSignature,
			"X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'; got '%s'.", truncate(raw[0], 40))
	}
	if t.Format(scopeDate) != a.Date {
		return t, authError(CodeInvalidSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.Date, t.Format(scopeDate), raw[0])
	}
	now = now.UTC()
	switch {
	case t.Before(now.Add(-MaxSkew)):
		return t, authError(CodeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			raw[0], now.Add(-MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	case t.After(now.Add(MaxSkew)):
		return t, authError(CodeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			raw[0], now.Add(MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	return t, nil
}

// payloadHash is the hash the signature covers: X-Amz-Content-Sha256 when given (and then it
// must match the body: an unsigned or streaming payload is refused, so a signed request's body
// cannot be swapped), else the SHA-256 of the body.
func payloadHash(r *http.Request, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	claimed := r.Header.Values("X-Amz-Content-Sha256")
	if len(claimed) == 0 {
		return computed, nil
	}
	if len(claimed) > 1 || claimed[0] != computed {
		return "", authError(CodeInvalidSignature,
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return computed, nil
}

// canonicalRequest builds the SigV4 canonical request for r as the SDK signers do for every
// service but S3: the escaped path escaped once more, the query sorted after encoding, the
// signed headers trimmed with inner spaces collapsed, host taken from r.Host.
func canonicalRequest(r *http.Request, signedHeaders []string, signedList, payload string) string {
	var b strings.Builder
	b.Grow(256 + len(r.URL.RawQuery))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	escapeURIPath(&b, path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, h := range signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		switch h {
		case "host":
			b.WriteString(collapseSpaces(r.Host))
		default:
			values := r.Header.Values(h)
			if len(values) == 0 && h == "content-length" && r.ContentLength >= 0 {
				values = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
			for i, v := range values {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strings.TrimSpace(collapseSpaces(v)))
			}
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedList)
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

const upperHex = "0123456789ABCDEF"

// escapeURIPath percent-encodes every byte of p except RFC 3986 unreserved characters and '/'.
func escapeURIPath(b *strings.Builder, p string) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if isUnreserved(c) || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// canonicalQuery decodes the raw query and re-encodes it the SigV4 way: every name and value
// RFC 3986-encoded (space as %20), pairs sorted by encoded name, then encoded value. A name
// without '=' has an empty value. A pair that does not decode is kept as sent, so that the
// signature simply does not match.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		pairs = append(pairs, pair{encodeQueryComponent(k), encodeQueryComponent(v)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func encodeQueryComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// collapseSpaces trims spaces at both ends and folds runs of spaces into one, as the signers do.
func collapseSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(s[i])
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey derives the SigV4 signing key for a's scope.
func signingKey(secret string, a *Authorization) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	return hmacSHA256(k, "aws4_request")
}

// signature computes the hex SigV4 signature of a canonical request.
func signature(key []byte, a *Authorization, amzDate, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := sigV4Algorithm + "\n" + amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

// keyCache keeps derived signing keys, which change once a day per key and scope. It is
// bounded: when full it starts over.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	secret string
	key    []byte
}

const keyCacheSize = 1024

func (c *keyCache) get(secret string, a *Authorization) []byte {
	id := a.AccessKeyID + "/" + a.scope()
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.m[id]; ok && k.secret == secret {
		return k.key
	}
	key := signingKey(secret, a)
	if c.m == nil || len(c.m) >= keyCacheSize {
		c.m = make(map[string]cachedKey)
	}
	c.m[id] = cachedKey{secret: secret, key: key}
	return key
}

// verifySignature checks a's signature over r and body with the signing key.
func verifySignature(r *http.Request, a *Authorization, key []byte, body []byte) error {
	if unsigned := unsignedAmzHeaders(r, a.SignedHeaders); len(unsigned) > 0 {
		return authError(CodeIncompleteSignature,
			"There were headers present in the request which were not signed: %s. Every x-amz-* header must be signed.",
			truncate(strings.Join(unsigned, ", "), 200))
	}
	payload, err := payloadHash(r, body)
	if err != nil {
		return err
	}
	signedList := strings.Join(a.SignedHeaders, ";")
	canonical := canonicalRequest(r, a.SignedHeaders, signedList, payload)
	want := signature(key, a, r.Header.Get("X-Amz-Date"), canonical)
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return authError(CodeInvalidSignature, "%s", msgSignatureMismatch)
	}
	return nil
}

// unsignedAmzHeaders lists, lower-cased and sorted, the x-amz-* headers of r that signed leaves
// out. As S3 does, every such header must be signed: X-Amz-Target picks the operation of an
// awsJson1.1 request, so a captured request signed without it could be sent to another one.
// aws-sdk-go-v2, botocore (boto3, the aws CLI) and the JavaScript SDK sign every x-amz-* header
// they send; x-amzn-trace-id, which some tools add unsigned, is not an x-amz-* header.
func unsignedAmzHeaders(r *http.Request, signed []string) []string {
	var out []string
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !slices.Contains(signed, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ErrUnknownKey is what a KeyStore returns (possibly wrapped) for an access key it does not know.
var ErrUnknownKey = errors.New("unknown access key")
