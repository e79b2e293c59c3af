package files

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/surveyorhq/surveyor/internal/outbound"
)

// NotS3Error is an endpoint that answered an S3 list request successfully with something that
// is not an S3 answer: a web server, not an S3-compatible store.
type NotS3Error struct {
	Endpoint    string // without user info
	Status      int
	ContentType string
}

func (e *NotS3Error) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Sprintf("the endpoint %s is not an S3-compatible store: it answered a ListObjectsV2 request with HTTP %d and %s, not an S3 ListBucketResult document", e.Endpoint, e.Status, ct)
}

// s3Transport is the S3 client's HTTP transport: connections go through the outbound policy
// (the dialer checks every address connected to; a request sent through a proxy has its host
// checked here, since the proxy connects to it), and a successful answer to a list request must
// be an S3 ListBucketResult, so an arbitrary web server answering 200 is never read as an empty
// bucket.
type s3Transport struct {
	next   *http.Transport
	dialer *outbound.Dialer
}

func (t *s3Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.next.Proxy != nil {
		if proxy, err := t.next.Proxy(req); err == nil && proxy != nil {
			if err := t.dialer.Check(req.Context(), req.URL.Hostname()); err != nil {
				return nil, err
			}
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || !isListRequest(req) || resp.StatusCode/100 != 2 {
		return resp, err
	}
	br := bufio.NewReaderSize(resp.Body, 1024)
	head, _ := br.Peek(1024)
	if !isListBucketResult(head) {
		resp.Body.Close()
		return nil, &NotS3Error{Endpoint: endpointOf(req.URL), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type")}
	}
	resp.Body = readCloser{br, resp.Body}
	return resp, nil
}

// isListRequest: ListObjectsV2 is GET on the bucket with list-type=2 in the query.
func isListRequest(req *http.Request) bool {
	return req.Method == http.MethodGet && req.URL.Query().Get("list-type") == "2"
}

// isListBucketResult reports whether an answer begins as an S3 list document does: an
// optional XML declaration, then the ListBucketResult element.
func isListBucketResult(head []byte) bool {
	head = bytes.TrimLeft(head, "\ufeff \t\r\n")
	if bytes.HasPrefix(head, []byte("<?xml")) {
		end := bytes.Index(head, []byte("?>"))
		if end < 0 {
			return false
		}
		head = bytes.TrimLeft(head[end+2:], " \t\r\n")
	}
	return bytes.HasPrefix(head, []byte("<ListBucketResult"))
}

func endpointOf(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

type readCloser struct {
	io.Reader
	io.Closer
}

// checkEndpoint refuses an endpoint URL the S3 client cannot use safely: not http(s), without a
// host, or with a user name or password in it, which would travel in clear into messages and
// run results (the store's access key belongs in the secret's accessKeyId and secretAccessKey).
// Its messages never quote the user info.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return fmt.Errorf("the S3 endpoint is not a valid URL")
		}
		return fmt.Errorf("the S3 endpoint %q is not a valid URL", raw)
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("the S3 endpoint %s holds a user name or password: give the store's access key as the secret's accessKeyId and secretAccessKey instead", endpointOf(u))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("the S3 endpoint must be an http:// or https:// URL, not %q", u.Scheme+"://")
	case u.Host == "":
		return fmt.Errorf("the S3 endpoint %q has no host", raw)
	}
	return nil
}
