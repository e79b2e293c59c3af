package server_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// matching returns the lines at WARN or ERROR and those containing any of also.
func (l *logLines) matching(also ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.SplitSeq(l.buf.String(), "\n") {
		keep := strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")
		for _, a := range also {
			keep = keep || strings.Contains(line, a)
		}
		if keep {
			out = append(out, line)
		}
	}
	return out
}

// During a 30 s store outage each process logged about 18 ERROR lines a second (every worker's
// claim, the scheduler's tick...). A server whose PostgreSQL store goes away for a few seconds
// now logs one line when it goes and one when it is back.
func TestStoreOutageIsLoggedOnce(t *testing.T) {
	proxy, src := testdb.NewProxy(t, testdb.New(t, connector.Postgres, "server_outage").Source)
	log := &logLines{}
	servertest.Start(t, servertest.Options{Store: storetest.DSN(&testdb.DB{Source: src}), Tune: func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(log, nil))
		c.Sample = false
	}})
	time.Sleep(500 * time.Millisecond) // let the pollers start against a store that answers
	proxy.Cut()
	// A few seconds of outage: dozens of polls before the fix. The length is no timing
	// assumption: longer only means more failed polls, which must still log once.
	time.Sleep(3 * time.Second)
	proxy.Restore()
	for deadline := time.Now().Add(60 * time.Second); len(log.matching("store reachable again")) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never logged that the store answers again:\n%s", strings.Join(log.matching(), "\n"))
		}
	}
	got := log.matching("store reachable again")
	if len(got) != 2 || !strings.Contains(got[0], "level=ERROR msg=\"store unreachable") || !strings.Contains(got[1], "level=INFO msg=\"store reachable again\"") {
		t.Fatalf("log of a 3 s store outage:\n%s\nwant one ERROR \"store unreachable\" and one INFO \"store reachable again\"", strings.Join(got, "\n"))
	}
}
