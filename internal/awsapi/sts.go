package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// STS is the built-in "sts" service (query protocol: form body in, XML out):
//
//   - GetCallerIdentity: the account, a stable user id derived from the key (AIDA… for a
//     long-term key, AROA…:session for an assumed role) and the caller's ARN;
//   - GetSessionToken and AssumeRole: temporary credentials (ASIA…) of the caller's account,
//     stored by Sessions, which expire and must be used with their session token;
//   - GetAccessKeyInfo: the account of any key this server knows.
//
// Every key of an account acts as the IAM user "surveyor"; there is no IAM, so any role of the
// caller's own account can be assumed and session policies are checked as JSON but not enforced.
type STS struct {
	Sessions SessionIssuer    // nil: GetSessionToken and AssumeRole are unavailable
	Keys     KeyStore         // for GetAccessKeyInfo
	Now      func() time.Time // default time.Now
}

// stsUser is the IAM user name every long-term key acts as.
const stsUser = "surveyor"

type stsMetadata struct {
	RequestID string `xml:"RequestId"`
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type stsCallerIdentity struct {
	XMLName   xml.Name    `xml:"GetCallerIdentityResponse"`
	Namespace string      `xml:"xmlns,attr"`
	Arn       string      `xml:"GetCallerIdentityResult>Arn"`
	UserID    string      `xml:"GetCallerIdentityResult>UserId"`
	Account   string      `xml:"GetCallerIdentityResult>Account"`
	Meta      stsMetadata `xml:"ResponseMetadata"`
}

type stsSessionToken struct {
	XMLName     xml.Name       `xml:"GetSessionTokenResponse"`
	Namespace   string         `xml:"xmlns,attr"`
	Credentials stsCredentials `xml:"GetSessionTokenResult>Credentials"`
	Meta        stsMetadata    `xml:"ResponseMetadata"`
}

type stsAssumedRole struct {
	XMLName          xml.Name       `xml:"AssumeRoleResponse"`
	Namespace        string         `xml:"xmlns,attr"`
	Credentials      stsCredentials `xml:"AssumeRoleResult>Credentials"`
	AssumedRoleID    string         `xml:"AssumeRoleResult>AssumedRoleUser>AssumedRoleId"`
	AssumedRoleArn   string         `xml:"AssumeRoleResult>AssumedRoleUser>Arn"`
	PackedPolicySize *int           `xml:"AssumeRoleResult>PackedPolicySize,omitempty"`
	SourceIdentity   string         `xml:"AssumeRoleResult>SourceIdentity,omitempty"`
	Meta             stsMetadata    `xml:"ResponseMetadata"`
}

type stsAccessKeyInfo struct {
	XMLName   xml.Name    `xml:"GetAccessKeyInfoResponse"`
	Namespace string      `xml:"xmlns,attr"`
	Account   string      `xml:"GetAccessKeyInfoResult>Account"`
	Meta      stsMetadata `xml:"ResponseMetadata"`
}

// Serve implements Service.
func (s STS) Serve(ctx context.Context, req *Request) (string, *Response, error) {
	var form url.Values
	var err error
	if req.HTTP.Method == http.MethodPost {
		form, err = url.ParseQuery(string(req.Body))
	} else {
		form, err = url.ParseQuery(req.HTTP.URL.RawQuery)
	}
	if err != nil {
		return "", nil, Errorf(http.StatusBadRequest, "MalformedQueryString", "The query string is malformed.")
	}
	action := form.Get("Action")
	op, ok := map[string]func(context.Context, url.Values) (any, error){
		"GetCallerIdentity": s.getCallerIdentity,
		"GetSessionToken":   s.getSessionToken,
		"AssumeRole":        s.assumeRole,
		"GetAccessKeyInfo":  s.getAccessKeyInfo,
	}[action]
	switch {
	case action == "":
		return "", nil, Errorf(http.StatusBadRequest, "MissingAction", "Missing Action")
	case !ok:
		return "", nil, Errorf(http.StatusBadRequest, "InvalidAction",
			"Could not find operation %s for version %s", truncate(action, 128), truncate(form.Get("Version"), 32))
	}
	noteOperation(ctx, action)
	out, err := op(ctx, form)
	if err != nil {
		return action, nil, err
	}
	body, err := xml.Marshal(out)
	if err != nil {
		return action, nil, fmt.Errorf("encode %s: %w", action, err)
	}
	return action, &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"text/xml"}}, Body: body}, nil
}

func (s STS) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// stsValidator reports violations as STS does: ValidationError, members in lower camel case.
func stsValidator() *Validator { return NewValidator("ValidationError", http.StatusBadRequest) }

// stsID is prefix and 17 characters of base32 derived from parts: a stable id such as AWS's
// unique ids of users (AIDA…) and roles (AROA…).
func stsID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return prefix + base32.StdEncoding.EncodeToString(h.Sum(nil))[:17]
}

// UserID is the unique id GetCallerIdentity reports for a long-term key: derived from the key id,
// so it is stable, but not the key id itself.
func UserID(accessKeyID string) string { return stsID("AIDA", "user", accessKeyID) }

// roleID is the unique id of a role, stable per role ARN.
func roleID(roleARN string) string { return stsID("AROA", "role", roleARN) }

// roleARNRe is an IAM role ARN: account, optional path, name.
var roleARNRe = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$`)

// identity is the caller's ARN and unique user id.
func identity(c Caller) (arn, userID string) {
	if c.Session != nil && c.Session.RoleARN != "" {
		m := roleARNRe.FindStringSubmatch(c.Session.RoleARN)
		name := ""
		if m != nil {
			name = m[2]
		}
		return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", c.AccountID, name, c.Session.SessionName),
			roleID(c.Session.RoleARN) + ":" + c.Session.SessionName
	}
	keyID := c.AccessKeyID
	if c.Session != nil {
		keyID = c.Session.ParentKeyID // GetSessionToken credentials act as the user that asked for them
	}
	return fmt.Sprintf("arn:aws:iam::%s:user/%s", c.AccountID, stsUser), UserID(keyID)
}

func (s STS) getCallerIdentity(ctx context.Context, _ url.Values) (any, error) {
	c, _ := CallerFrom(ctx)
	arn, userID := identity(c)
	return stsCallerIdentity{Namespace: stsNamespace, Arn: arn, UserID: userID, Account: c.AccountID,
		Meta: stsMetadata{RequestIDFrom(ctx)}}, nil
}

// formInt reads an optional integer form value.
func formInt(v *Validator, form url.Values, member, name string) (int64, bool) {
	raw := form.Get(member)
	if raw == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		v.Fail(name, raw, "Member must be an integer")
		return 0, false
	}
	return n, true
}

var (
	serialNumberRe   = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	tokenCodeRe      = regexp.MustCompile(`^\d*$`)
	sessionNameRe    = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRe     = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	policyTextRe     = regexp.MustCompile(`^[\t\n\r\x20-\x{FF}]+$`)
	stsTagKeyRe      = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	stsTagValueRe    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	maxPackedPolicy  = 2048
	chainedRoleLimit = time.Hour
)

// validateMFA checks SerialNumber and TokenCode (accepted for their form only: there are no MFA
// devices here).
func validateMFA(v *Validator, form url.Values) {
	if sn := form.Get("SerialNumber"); form.Has("SerialNumber") {
		v.Length("serialNumber", sn, 9, 256)
		v.Pattern("serialNumber", sn, serialNumberRe)
	}
	if tc := form.Get("TokenCode"); form.Has("TokenCode") {
		v.Length("tokenCode", tc, 6, 6)
		v.Pattern("tokenCode", tc, tokenCodeRe)
	}
}

func (s STS) credentials(ctx context.Context, req SessionRequest) (stsCredentials, error) {
	if s.Sessions == nil {
		return stsCredentials{}, errors.New("sts: no session issuer configured")
	}
	k, token, err := s.Sessions.IssueSession(ctx, req)
	if err != nil {
		return stsCredentials{}, err
	}
	return stsCredentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: token,
		Expiration: k.Session.Expires.UTC().Format("2006-01-02T15:04:05.000Z")}, nil
}

func (s STS) getSessionToken(ctx context.Context, form url.Values) (any, error) {
	c, _ := CallerFrom(ctx)
	v := stsValidator()
	d, ok := formInt(v, form, "DurationSeconds", "durationSeconds")
	if ok {
		v.Range("durationSeconds", d, 900, 129600)
	} else {
		d = 43200
	}
	validateMFA(v, form)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if c.Session != nil {
		return nil, Errorf(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	creds, err := s.credentials(ctx, SessionRequest{AccountID: c.AccountID, ParentKeyID: c.AccessKeyID,
		Expires: s.now().Add(time.Duration(d) * time.Second)})
	if err != nil {
		return nil, err
	}
	return stsSessionToken{Namespace: stsNamespace, Credentials: creds, Meta: stsMetadata{RequestIDFrom(ctx)}}, nil
}

// assumeRoleInput is AssumeRole's form, validated.
type assumeRoleInput struct {
	roleARN, sessionName, policy, sourceIdentity string
	duration                                     time.Duration
	tagBytes                                     int
}

func readAssumeRole(form url.Values) (assumeRoleInput, error) {
	in := assumeRoleInput{roleARN: form.Get("RoleArn"), sessionName: form.Get("RoleSessionName"),
		policy: form.Get("Policy"), sourceIdentity: form.Get("SourceIdentity"), duration: time.Hour}
	v := stsValidator()
	v.Required("roleArn", form.Has("RoleArn"))
	if form.Has("RoleArn") {
		v.Length("roleArn", in.roleARN, 20, 2048)
	}
	v.Required("roleSessionName", form.Has("RoleSessionName"))
	if form.Has("RoleSessionName") {
		v.Length("roleSessionName", in.sessionName, 2, 64)
		v.Pattern("roleSessionName", in.sessionName, sessionNameRe)
	}
	if d, ok := formInt(v, form, "DurationSeconds", "durationSeconds"); ok {
		v.Range("durationSeconds", d, 900, 43200)
		in.duration = time.Duration(d) * time.Second
	}
	if form.Has("Policy") {
		v.Length("policy", in.policy, 1, -1)
		if in.policy != "" {
			v.Pattern("policy", in.policy, policyTextRe)
		}
	}
	if form.Has("ExternalId") {
		v.Length("externalId", form.Get("ExternalId"), 2, 1224)
		v.Pattern("externalId", form.Get("ExternalId"), externalIDRe)
	}
	if form.Has("SourceIdentity") {
		v.Length("sourceIdentity", in.sourceIdentity, 2, 64)
		v.Pattern("sourceIdentity", in.sourceIdentity, sessionNameRe)
	}
	validateMFA(v, form)
	tags := 0
	for i := 1; form.Has(fmt.Sprintf("Tags.member.%d.Key", i)); i++ {
		tags++
		key, val := form.Get(fmt.Sprintf("Tags.member.%d.Key", i)), form.Get(fmt.Sprintf("Tags.member.%d.Value", i))
		v.Length(fmt.Sprintf("tags.%d.member.key", i), key, 1, 128)
		v.Pattern(fmt.Sprintf("tags.%d.member.key", i), key, stsTagKeyRe)
		v.Length(fmt.Sprintf("tags.%d.member.value", i), val, 0, 256)
		v.Pattern(fmt.Sprintf("tags.%d.member.value", i), val, stsTagValueRe)
		in.tagBytes += len(key) + len(val)
	}
	v.Count("tags", tags, 0, 50)
	if err := v.Err(); err != nil {
		return in, err
	}
	if !roleARNRe.MatchString(in.roleARN) {
		return in, Errorf(http.StatusBadRequest, "ValidationError", "%s is invalid", truncate(in.roleARN, 2048))
	}
	if in.policy != "" {
		var doc map[string]any
		if err := json.Unmarshal([]byte(in.policy), &doc); err != nil {
			return in, Errorf(http.StatusBadRequest, "MalformedPolicyDocument", "The policy is not in the valid JSON format.")
		}
	}
	return in, nil
}

func (s STS) assumeRole(ctx context.Context, form url.Values) (any, error) {
	c, _ := CallerFrom(ctx)
	in, err := readAssumeRole(form)
	if err != nil {
		return nil, err
	}
	if m := roleARNRe.FindStringSubmatch(in.roleARN); m[1] != c.AccountID {
		arn, _ := identity(c)
		return nil, Errorf(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: sts:AssumeRole on resource: %s (this server lets an account assume only its own roles)",
			arn, in.roleARN)
	}
	if c.Session != nil && c.Session.RoleARN != "" && in.duration > chainedRoleLimit {
		return nil, Errorf(http.StatusBadRequest, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	out := stsAssumedRole{Namespace: stsNamespace, SourceIdentity: in.sourceIdentity, Meta: stsMetadata{RequestIDFrom(ctx)}}
	if in.policy != "" || in.tagBytes > 0 {
		compact := len(strings.Join(strings.Fields(in.policy), ""))
		size := (compact + in.tagBytes) * 100 / maxPackedPolicy
		if size > 100 {
			return nil, Errorf(http.StatusBadRequest, "PackedPolicyTooLarge",
				"Packed size of session policies and session tags exceeds the limit: %d%% of the allowed size.", size)
		}
		out.PackedPolicySize = &size
	}
	parent := c.AccessKeyID
	if c.Session != nil {
		parent = c.Session.ParentKeyID
	}
	out.Credentials, err = s.credentials(ctx, SessionRequest{AccountID: c.AccountID, ParentKeyID: parent, RoleARN: in.roleARN,
		SessionName: in.sessionName, Expires: s.now().Add(in.duration)})
	if err != nil {
		return nil, err
	}
	out.AssumedRoleArn, out.AssumedRoleID = identity(Caller{AccountID: c.AccountID,
		Session: &Session{RoleARN: in.roleARN, SessionName: in.sessionName}})
	return out, nil
}

var accessKeyIDRe = regexp.MustCompile(`^\w*$`)

func (s STS) getAccessKeyInfo(ctx context.Context, form url.Values) (any, error) {
	id := form.Get("AccessKeyId")
	v := stsValidator()
	v.Required("accessKeyId", form.Has("AccessKeyId"))
	if form.Has("AccessKeyId") {
		v.Length("accessKeyId", id, 16, 128)
		v.Pattern("accessKeyId", id, accessKeyIDRe)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var k Key
	err := ErrUnknownKey
	if s.Keys != nil {
		k, err = s.Keys.LookupKey(ctx, id)
	}
	switch {
	case errors.Is(err, ErrUnknownKey):
		return nil, Errorf(http.StatusBadRequest, "InvalidParameterValue",
			"The access key ID %s does not belong to any account on this server.", id)
	case err != nil:
		return nil, err
	}
	return stsAccessKeyInfo{Namespace: stsNamespace, Account: k.AccountID, Meta: stsMetadata{RequestIDFrom(ctx)}}, nil
}

// ErrorResponse implements Service: the query protocol's <ErrorResponse>, with the codes STS
// uses for signature failures (InvalidClientTokenId, SignatureDoesNotMatch, ...), 403 for them.
func (STS) ErrorResponse(ctx context.Context, e *Error) *Response {
	return queryErrorResponse(RequestIDFrom(ctx), e)
}

type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

var queryAuthCodes = map[string]string{
	CodeUnrecognizedClient:         "InvalidClientTokenId",
	CodeInvalidSignature:           "SignatureDoesNotMatch",
	CodeIncompleteSignature:        "IncompleteSignature",
	CodeMissingAuthenticationToken: "MissingAuthenticationToken",
	CodeExpiredToken:               "ExpiredToken",
	CodeInternalFailure:            "InternalFailure",
}

func queryErrorResponse(requestID string, e *Error) *Response {
	code := e.Code
	if c, ok := queryAuthCodes[code]; ok {
		code = c
	}
	status := e.renderStatus(http.StatusForbidden)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(queryError{Namespace: stsNamespace, Type: typ, Code: code, Message: e.Message, RequestID: requestID})
	return &Response{Status: status, Header: http.Header{"Content-Type": {"text/xml"}}, Body: body}
}
