package awsapi

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
)

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// STS is the built-in "sts" service (query protocol): GetCallerIdentity only, so that
// `aws sts get-caller-identity --endpoint-url …` tells a user which account their key acts for.
type STS struct{}

type stsCallerIdentity struct {
	XMLName   xml.Name `xml:"GetCallerIdentityResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Arn       string   `xml:"GetCallerIdentityResult>Arn"`
	UserID    string   `xml:"GetCallerIdentityResult>UserId"`
	Account   string   `xml:"GetCallerIdentityResult>Account"`
	RequestID string   `xml:"ResponseMetadata>RequestId"`
}

// Serve implements Service.
func (STS) Serve(ctx context.Context, req *Request) (string, *Response, error) {
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
	switch {
	case action == "":
		return "", nil, Errorf(http.StatusBadRequest, "MissingAction", "Missing Action")
	case action != "GetCallerIdentity":
		return "", nil, Errorf(http.StatusBadRequest, "InvalidAction",
			"Could not find operation %s for version %s", truncate(action, 128), truncate(form.Get("Version"), 32))
	}
	c, _ := CallerFrom(ctx)
	body, err := xml.Marshal(stsCallerIdentity{
		Namespace: stsNamespace,
		Arn:       fmt.Sprintf("arn:aws:iam::%s:user/surveyor", c.AccountID),
		UserID:    c.AccessKeyID,
		Account:   c.AccountID,
		RequestID: RequestIDFrom(ctx),
	})
	if err != nil {
		return action, nil, fmt.Errorf("encode GetCallerIdentity: %w", err)
	}
	return action, &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"text/xml"}}, Body: body}, nil
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
