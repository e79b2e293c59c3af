// Package connector is the contract between discovery and the data sources it reads: a Source
// says where a source is and how to log in, a Connector reads it into a *schema.Snapshot, and an
// *Error says, without secrets, why it could not.
//
// The engines live in the sub-packages (postgres, mysql, sqlite, files). Nothing here knows about
// AWS; nothing in a façade talks to a driver.
package connector

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/outbound"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// Engines this package knows how to name. Aliases (aurora-postgresql, mariadb...) are folded by
// NormalizeEngine.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	SQLite   = "sqlite"
	Files    = "files"
)

// Source is where a data source is and how to log in to it.
type Source struct {
	Engine   string
	Host     string
	Port     int
	User     string
	Password string
	// Database is the database to connect to. For SQLite, Path is the file instead.
	Database string
	Path     string
	// Params are driver options from the URI query (sslmode...). Never secrets.
	Params map[string]string
}

// Options bound how a discovery runs.
type Options struct {
	Filter filter.Filter
	// ConnectTimeout bounds opening the connection; StatementTimeout bounds each catalog query.
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
	// LockTimeout bounds waiting for a lock another session holds on an object of the source
	// (a table under ALTER): the object is reported failed instead of stalling the scan.
	LockTimeout time.Duration
	// Paths bounds the files on this machine a source may read (SQLite files, folders of
	// files); the zero value allows every path.
	Paths Paths
	// Outbound is the policy every connection to a source passes (hosts, addresses, Unix
	// sockets); nil is outbound.Default(). Connectors dial only through Dialer.
	Outbound *outbound.Policy
}

// Dialer is the dialer connectors open every network connection with: the outbound policy,
// checked on the address actually dialled, and the connect timeout.
func (o Options) Dialer() *outbound.Dialer {
	return &outbound.Dialer{Policy: o.Outbound, Timeout: o.ConnectTimeout}
}

// Defaults for Options.
const (
	DefaultConnectTimeout   = 10 * time.Second
	DefaultStatementTimeout = 60 * time.Second
	DefaultLockTimeout      = 5 * time.Second
)

// WithDefaults fills zero timeouts; the default lock timeout is at most the statement timeout.
func (o Options) WithDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = DefaultStatementTimeout
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = min(DefaultLockTimeout, o.StatementTimeout)
	}
	return o
}

// Connector reads a source's schema. Implementations only ever read: every query runs in a
// read-only transaction with a statement timeout, and a cancelled ctx stops the scan.
type Connector interface {
	Discover(ctx context.Context, src Source, opts Options) (*schema.Snapshot, error)
}

// Registry maps an engine to its connector. Callers build one; there is no global registry.
type Registry map[string]Connector

// Discover runs the connector registered for src.Engine.
func (r Registry) Discover(ctx context.Context, src Source, opts Options) (*schema.Snapshot, error) {
	c, ok := r[src.Engine]
	if !ok {
		return nil, &Error{Kind: Unsupported, Target: src.Redacted(), Err: fmt.Errorf("no connector for engine %q", src.Engine)}
	}
	return c.Discover(ctx, src, opts.WithDefaults())
}

// NormalizeEngine folds engine names used by AWS and users onto ours: aurora-postgresql and
// postgresql → postgres; aurora, aurora-mysql and mariadb → mysql. It reports false for engines
// we cannot read.
func NormalizeEngine(name string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "postgres", "postgresql", "aurora-postgresql", "pg":
		return Postgres, true
	case "mysql", "mariadb", "aurora", "aurora-mysql":
		return MySQL, true
	case "sqlite", "sqlite3":
		return SQLite, true
	case "files", "file", "s3":
		return Files, true
	}
	return "", false
}

// ParseURI reads a source URI: postgres://user:pass@host:port/db, mysql://user:pass@host:port/db,
// sqlite:///path/to.db, or a plain path ending in .db, .sqlite or .sqlite3.
func ParseURI(raw string) (Source, error) {
	if raw == "" {
		return Source{}, fmt.Errorf("empty source URI")
	}
	if !strings.Contains(raw, "://") {
		if isSQLitePath(raw) {
			return Source{Engine: SQLite, Path: raw}, nil
		}
		return Source{}, fmt.Errorf("source %q is not a URI (postgres://, mysql://, sqlite://) or a .db file path", hideUserinfo(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse echoes the input, which may hold a password: say only what kind of error it is.
		return Source{}, fmt.Errorf("source URI is malformed: %s", urlErrorReason(err))
	}
	engine, ok := NormalizeEngine(u.Scheme)
	if !ok || engine == Files {
		return Source{}, fmt.Errorf("unsupported scheme %q: use postgres://, mysql:// or sqlite://", u.Scheme)
	}
	src := Source{Engine: engine, Params: map[string]string{}}
	if engine == SQLite {
		src.Path = u.Host + u.Path
		if u.Host == "" {
			src.Path = u.Path
		}
		if src.Path == "" {
			return Source{}, fmt.Errorf("sqlite URI needs a file path, e.g. sqlite:///var/data/app.db")
		}
		return src, nil
	}
	if u.User == nil && strings.Contains(strings.SplitN(raw, "://", 2)[1], "@") {
		// An unencoded '/', '?' or '#' in the password moved the '@' out of the authority.
		return Source{}, fmt.Errorf("%s URI: the user name or password holds a character that must be URL-encoded ('/' as %%2F, '@' as %%40, '#' as %%23, '?' as %%3F)", u.Scheme)
	}
	src.Host = u.Hostname()
	if src.Host == "" {
		return Source{}, fmt.Errorf("%s URI needs a host", u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Source{}, fmt.Errorf("port %q is not a number between 1 and 65535", p)
		}
		src.Port = n
	}
	if u.User != nil {
		src.User = u.User.Username()
		src.Password, _ = u.User.Password()
	}
	src.Database = strings.TrimPrefix(u.Path, "/")
	for k, v := range u.Query() {
		if len(v) > 0 {
			src.Params[k] = v[0]
		}
	}
	return src, nil
}

// hideUserinfo replaces everything before the last '@' of a would-be URI, where a user name and
// password would be, so an error can quote the rest.
func hideUserinfo(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "****@" + raw[i+1:]
	}
	return raw
}

func isSQLitePath(p string) bool {
	for _, ext := range []string{".db", ".sqlite", ".sqlite3", ".db3"} {
		if strings.HasSuffix(strings.ToLower(p), ext) {
			return true
		}
	}
	return false
}

func urlErrorReason(err error) string {
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err
	}
	msg := err.Error()
	if i := strings.Index(msg, " \""); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// Redacted is the source as a URI without its password, fit for logs and messages.
func (s Source) Redacted() string {
	switch s.Engine {
	case SQLite:
		return "sqlite://" + s.Path
	case Files:
		return s.Path // a folder or bucket URL; credentials travel in User/Password, never in it
	}
	u := url.URL{Scheme: s.Engine, Host: s.Address(), Path: "/" + s.Database}
	if s.User != "" {
		u.User = url.User(s.User)
	}
	return u.String()
}

// Address is host:port, with the engine's default port when none was given.
func (s Source) Address() string {
	port := s.Port
	if port == 0 {
		switch s.Engine {
		case Postgres:
			port = 5432
		case MySQL:
			port = 3306
		}
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}
