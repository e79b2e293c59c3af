package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"
	"github.com/aws/aws-sdk-go-v2/service/datazone/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// clock is the wall clock plus an offset a test can move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// logBuffer collects the server's log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// world is a running server, its clock and log, with SDK clients of its first account.
type world struct {
	t     *testing.T
	env   *servertest.Env
	clock *clock
	log   *logBuffer
	dz    *dz.Client
	sm    *secretsmanager.Client
}

const signInDelay = 150 * time.Millisecond

func newWorld(t *testing.T, tune func(*server.Config)) *world {
	t.Helper()
	w := &world{t: t, clock: &clock{}, log: &logBuffer{}}
	w.env = servertest.Start(t, servertest.Options{Now: w.clock.now, Tune: func(c *server.Config) {
		c.ConsoleSignInDelay = signInDelay
		c.Logger = slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if tune != nil {
			tune(c)
		}
	}})
	w.dz, w.sm = dz.NewFromConfig(w.env.AWS()), secretsmanager.NewFromConfig(w.env.AWS())
	return w
}

// dataSource creates a domain, a project, a secret holding secretJSON and a DataZone data
// source reading database (schema, when set) with it, and returns the domain and source ids.
func (w *world) dataSource(name string, secretJSON map[string]any, database, schema string) (domain, source string) {
	w.t.Helper()
	ctx := context.Background()
	d, err := w.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("domain-" + name)})
	if err != nil {
		w.t.Fatalf("CreateDomain: %v", err)
	}
	p, err := w.dz.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: d.Id, Name: aws.String("p" + strings.ReplaceAll(name, "-", ""))})
	if err != nil {
		w.t.Fatalf("CreateProject: %v", err)
	}
	b, _ := json.Marshal(secretJSON)
	secretName := "secret-" + name
	if _, err := w.sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(string(b))}); err != nil {
		w.t.Fatalf("CreateSecret: %v", err)
	}
	filter := types.RelationalFilterConfiguration{DatabaseName: aws.String(database)}
	if schema != "" {
		filter.SchemaName = aws.String(schema)
	}
	out, err := w.dz.CreateDataSource(ctx, &dz.CreateDataSourceInput{DomainIdentifier: d.Id, ProjectIdentifier: p.Id,
		Name: aws.String(name), Type: aws.String("POSTGRESQL"), ConnectionIdentifier: aws.String(secretName),
		Configuration: &types.DataSourceConfigurationInputMemberGlueRunConfiguration{Value: types.GlueRunConfigurationInput{
			RelationalFilterConfigurations: []types.RelationalFilterConfiguration{filter}}}})
	if err != nil {
		w.t.Fatalf("CreateDataSource: %v", err)
	}
	return aws.ToString(d.Id), aws.ToString(out.Id)
}

// waitRun polls GetDataSourceRun until the run ends.
func (w *world) waitRun(domain, runID string) *dz.GetDataSourceRunOutput {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := w.dz.GetDataSourceRun(context.Background(), &dz.GetDataSourceRunInput{DomainIdentifier: &domain, Identifier: &runID})
		if err != nil {
			w.t.Fatalf("GetDataSourceRun: %v", err)
		}
		switch r.Status {
		case types.DataSourceRunStatusSuccess, types.DataSourceRunStatusFailed, types.DataSourceRunStatusPartiallySucceeded:
			return r
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("run %s still %s after 60 s", runID, r.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// web is a browser-like HTTP client of the console: it keeps cookies and does not follow
// redirects, so tests see them.
type web struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (w *world) web() *web {
	jar, _ := cookiejar.New(nil)
	return &web{t: w.t, base: w.env.URL, c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

func (b *web) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *web) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	req.Header.Set("Accept", "text/html")
	return b.do(req)
}

// post sends a form as a same-origin browser would.
func (b *web) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the first form of a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("page has no csrf field:\n%s", p.body)
	}
	return m[1]
}

// signIn signs in with key and returns the answer to the sign-in form.
func (b *web) signIn(key awsapi.Key) page {
	b.t.Helper()
	form := b.get("/console/signin")
	return b.post("/console/signin", url.Values{"csrf": {csrf(b.t, form)}, "access_key_id": {key.AccessKeyID},
		"secret_access_key": {key.SecretAccessKey}, "next": {"/console/sources"}})
}

func (b *web) mustSignIn(key awsapi.Key) {
	b.t.Helper()
	if p := b.signIn(key); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in: %d\n%s", p.status, p.body)
	}
}

// text is a page's body without tags and with spaces collapsed, as a person reads it.
func text(body string) string {
	body = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`).ReplaceAllString(body, " ")
	body = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(body)
	return strings.Join(strings.Fields(body), " ")
}

func dzListRuns(domain, source string) *dz.ListDataSourceRunsInput {
	return &dz.ListDataSourceRunsInput{DomainIdentifier: &domain, DataSourceIdentifier: &source}
}

func startRun(domain, source string) *dz.StartDataSourceRunInput {
	return &dz.StartDataSourceRunInput{DomainIdentifier: &domain, DataSourceIdentifier: &source}
}

func deleteSecret(name string) *secretsmanager.DeleteSecretInput {
	return &secretsmanager.DeleteSecretInput{SecretId: &name, ForceDeleteWithoutRecovery: aws.Bool(true)}
}

func updateDescription(domain, source string) *dz.UpdateDataSourceInput {
	return &dz.UpdateDataSourceInput{DomainIdentifier: &domain, Identifier: &source, Description: aws.String("changed")}
}
