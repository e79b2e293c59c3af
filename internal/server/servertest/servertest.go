// Package servertest starts a complete Surveyor server for tests — store, workers, scheduler and
// every AWS façade — on a loopback port, and hands out aws.Config values signed with its keys, so
// façade tests drive it with the real aws-sdk-go-v2 clients.
package servertest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// Env is a running server.
type Env struct {
	URL    string
	Config server.Config
	// Key is the first account's key pair.
	Key awsapi.Key
}

// Options tune the server a test starts.
type Options struct {
	// Store is a postgres:// URL; empty means SQLite in a temporary data directory.
	Store string
	// Now replaces the clock (for schedules); nil is time.Now.
	Now func() time.Time
	// Lease is the run lease; 0 means 5 s, short enough for takeover tests.
	Lease   time.Duration
	Workers int
	// Log sends the server's log to t.Log.
	Log bool
	// Tune, when set, adjusts the server's configuration before it starts.
	Tune func(*server.Config)
}

// EachStore runs fn as a subtest "sqlite" with Options.Store "" (SQLite in the data directory)
// and as "postgres" with a fresh PostgreSQL store (skipped, or failed under
// SURVEYOR_REQUIRE_DBS=1, when the server is missing).
func EachStore(t *testing.T, fn func(t *testing.T, store string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) {
		fn(t, storetest.DSN(testdb.New(t, connector.Postgres, "surveyor_store")))
	})
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Lease == 0 {
		opts.Lease = 5 * time.Second
	}
	logger := slog.New(slog.DiscardHandler)
	if opts.Log {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	cfg := server.Config{
		DataDir: t.TempDir(), Store: opts.Store, Getenv: func(string) string { return "" },
		Now: opts.Now, Lease: opts.Lease, Workers: opts.Workers, Logger: logger,
	}
	if opts.Tune != nil {
		opts.Tune(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Logf("server stopped: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30 s")
		}
		srv.Close()
	})
	env := &Env{URL: "http://" + ln.Addr().String(), Config: cfg}
	// Serve writes the credentials file before it accepts requests; wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := server.ReadCredentials(cfg.DataDir)
		if err == nil {
			env.Key = awsapi.Key{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, AccountID: c.AccountID}
			return env
		}
		if time.Now().After(deadline) {
			t.Fatalf("server wrote no credentials: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// AWS returns an aws.Config for the first account.
func (e *Env) AWS() aws.Config { return e.AWSFor(e.Key) }

// AWSFor returns an aws.Config signed with key.
func (e *Env) AWSFor(key awsapi.Key) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""),
		Retryer:      RetryClosedConnection,
	}
}

// RetryClosedConnection is the retryer of the test clients: no retry at all, except one
// immediate retry of a request whose connection the client's own transport closed under it
// (net.ErrClosed). That is a known race between aws-sdk-go-v2 and net/http — the transport's
// writer goroutine closes the connection while the response body is read — which the SDK's
// default retryer absorbs for every user; without the retry a loaded machine turns it into
// "deserialization failed ... use of closed network connection" once in a few hundred calls.
// Every other error reaches the test as the server answered it.
func RetryClosedConnection() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 2
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			return aws.BoolTernary(errors.Is(err, net.ErrClosed))
		})}
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		o.RateLimiter = ratelimit.None
	})
}

// NewAccount creates a key pair for another account.
func (e *Env) NewAccount(t testing.TB, account string) awsapi.Key {
	t.Helper()
	k, err := server.CreateKey(context.Background(), e.Config, account)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
