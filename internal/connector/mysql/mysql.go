// Package mysql reads the schema of a MySQL 8 or MariaDB 10.11 server into a schema.Snapshot,
// with a fixed handful of bulk information_schema queries run in one read-only transaction.
//
// A MySQL database is modelled as a schema.Database holding one Namespace of the same name, so
// a table prints as db.table. With Source.Database set only that database is read; without it,
// every database but the system ones (mysql, information_schema, performance_schema, sys).
//
// MySQL and MariaDB hide from information_schema every table the account holds no privilege on:
// such tables cannot be reported as NoAccess, they are simply not seen. A table the account sees
// (it holds some privilege on it) but may not SELECT from is reported with Meta.NoAccess.
package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// Connector discovers MySQL and MariaDB sources. The zero value is not ready: use New.
type Connector struct {
	// Now stamps Snapshot.CapturedAt.
	Now func() time.Time
}

// New returns a Connector that stamps snapshots with the wall clock.
func New() *Connector { return &Connector{Now: time.Now} }

// session is one connection with its statement timeout set and a read-only transaction open.
type session struct {
	db      *sql.DB
	conn    *sql.Conn
	tx      *sql.Tx
	version string // as SELECT VERSION() printed it
	mariadb bool
}

func (s *session) close() {
	if s.tx != nil {
		_ = s.tx.Rollback() // read-only: nothing to keep
	}
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = s.db.Close()
}

// serverVersion renders the version as "MariaDB 10.11.19" or "MySQL 8.0.36".
func (s *session) serverVersion() string {
	if s.mariadb {
		v, _, _ := strings.Cut(s.version, "-MariaDB")
		return "MariaDB " + v
	}
	return "MySQL " + s.version
}

// config builds the driver configuration. The password only ever travels in this struct, never
// in a DSN string that could end up in an error. Of the URI's query parameters, tls is honoured
// (true, false, skip-verify or preferred); any other is refused rather than silently ignored.
func config(src connector.Source, opts connector.Options) (*mysql.Config, error) {
	cfg := mysql.NewConfig()
	for k, v := range src.Params {
		switch k {
		case "tls":
			switch v {
			case "true", "false", "skip-verify", "preferred":
				cfg.TLSConfig = v
			default:
				return nil, fmt.Errorf("tls=%q: use true, false, skip-verify or preferred", v)
			}
		default:
			return nil, fmt.Errorf("unsupported parameter %q: the mysql connector accepts tls", k)
		}
	}
	cfg.Net = "tcp"
	cfg.Addr = src.Address()
	if strings.HasPrefix(src.Host, "/") {
		// A host that is a path is the server's Unix socket (/run/mysqld/mysqld.sock); the
		// dialer refuses it unless the outbound policy allows sockets.
		cfg.Net, cfg.Addr = "unix", src.Host
	}
	// Every connection goes through the outbound policy, on the address actually dialled.
	cfg.DialFunc = opts.Dialer().DialContext
	cfg.User = src.User
	cfg.Passwd = src.Password
	cfg.DBName = src.Database
	cfg.ParseTime = true
	cfg.Timeout = opts.ConnectTimeout
	// The server-side statement timeout should fire first and say so; the read timeout is the
	// backstop for a server that stops answering.
	cfg.ReadTimeout = opts.StatementTimeout + opts.ConnectTimeout
	cfg.WriteTimeout = opts.StatementTimeout + opts.ConnectTimeout
	// Parameters are interpolated client-side so that each catalog query is one round trip in
	// the text protocol, not a prepare, execute and close.
	cfg.InterpolateParams = true
	cfg.Logger = &mysql.NopLogger{}
	return cfg, nil
}

// connect opens one connection within opts.ConnectTimeout.
func connect(ctx context.Context, src connector.Source, opts connector.Options) (*sql.DB, *sql.Conn, error) {
	cfg, err := config(src, opts)
	if err != nil {
		return nil, nil, connector.Classify(src, connector.Unsupported, err)
	}
	drv, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil, fail(ctx, src, "configure driver", err)
	}
	db := sql.OpenDB(drv)
	db.SetMaxOpenConns(1)
	cctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	conn, err := db.Conn(cctx)
	if err != nil {
		_ = db.Close()
		if ctx.Err() == nil && cctx.Err() != nil {
			err = fmt.Errorf("no answer within %s: %w", opts.ConnectTimeout, cctx.Err())
		}
		return nil, nil, fail(ctx, src, "connect", err)
	}
	return db, conn, nil
}

// open connects, sets the session statement timeout and begins the read-only transaction every
// catalog query runs in.
func open(ctx context.Context, src connector.Source, opts connector.Options) (*session, error) {
	db, conn, err := connect(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	s := &session{db: db, conn: conn}
	if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&s.version); err != nil {
		s.close()
		return nil, fail(ctx, src, "read server version", err)
	}
	s.mariadb = strings.Contains(s.version, "MariaDB")
	if _, err := conn.ExecContext(ctx, timeoutStatement(s.mariadb, opts.StatementTimeout)); err != nil {
		s.close()
		return nil, fail(ctx, src, "set statement timeout", err)
	}
	// database/sql turns ReadOnly into START TRANSACTION READ ONLY for this driver.
	s.tx, err = conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		s.close()
		return nil, fail(ctx, src, "start read-only transaction", err)
	}
	return s, nil
}

// timeoutStatement bounds every statement of the session, and metadata lock waits with it.
// MariaDB counts max_statement_time in seconds (fractions allowed), MySQL 8 max_execution_time
// in milliseconds; 0 would mean no limit, so the timeout is at least 1 ms.
func timeoutStatement(mariadb bool, d time.Duration) string {
	d = max(d, time.Millisecond)
	lockWait := max(int64((d+time.Second-1)/time.Second), 1)
	if mariadb {
		return fmt.Sprintf("SET SESSION max_statement_time = %s, lock_wait_timeout = %d",
			strconv.FormatFloat(d.Seconds(), 'f', 3, 64), lockWait)
	}
	return fmt.Sprintf("SET SESSION max_execution_time = %d, lock_wait_timeout = %d", d.Milliseconds(), lockWait)
}

// Discover reads the databases in scope into a normalized snapshot.
func (c *Connector) Discover(ctx context.Context, src connector.Source, opts connector.Options) (*schema.Snapshot, error) {
	opts = opts.WithDefaults()
	s, err := open(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	snap := &schema.Snapshot{Engine: connector.MySQL, ServerVersion: s.serverVersion(), CapturedAt: c.now(), Complete: true}
	p, err := listSchemas(ctx, s, src, opts)
	if err != nil {
		return nil, err
	}
	b := newBuilder(p, opts)
	for _, q := range catalogQueries(p) {
		if err := run(ctx, s, src, q, b); err != nil {
			return nil, err
		}
		if q.done != nil {
			q.done(b)
		}
	}
	b.finish(snap)
	return snap.Normalize(), nil
}

// Floor runs exactly the catalog queries of Discover, on the same kind of session, reads every
// row and discards it. It returns the number of rows read: the cost Discover cannot go below.
func (c *Connector) Floor(ctx context.Context, src connector.Source, opts connector.Options) (int64, error) {
	opts = opts.WithDefaults()
	s, err := open(ctx, src, opts)
	if err != nil {
		return 0, err
	}
	defer s.close()
	p, err := listSchemas(ctx, s, src, opts)
	if err != nil {
		return 0, err
	}
	n := int64(len(p.schemas))
	for _, q := range catalogQueries(p) {
		rows, err := count(ctx, s, q)
		if err != nil {
			return 0, fail(ctx, src, "read "+q.what, err)
		}
		n += rows
	}
	return n, nil
}

// Namespaces lists the databases in scope, sorted: with Source.Database set, that one.
func (c *Connector) Namespaces(ctx context.Context, src connector.Source, opts connector.Options) ([]string, error) {
	opts = opts.WithDefaults()
	s, err := open(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	p, err := listSchemas(ctx, s, src, opts)
	if err != nil {
		return nil, err
	}
	return p.schemas, nil
}

// Ping connects, runs one trivial read and closes.
func (c *Connector) Ping(ctx context.Context, src connector.Source, opts connector.Options) error {
	opts = opts.WithDefaults()
	db, conn, err := connect(ctx, src, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	defer conn.Close()
	var one int
	if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fail(ctx, src, "ping", err)
	}
	return nil
}

func (c *Connector) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// listSchemas runs the first catalog query: the databases in scope, and whether
// information_schema.STATISTICS has the EXPRESSION column (MySQL 8.0.13+ functional indexes).
func listSchemas(ctx context.Context, s *session, src connector.Source, opts connector.Options) (plan, error) {
	p := plan{mariadb: s.mariadb}
	q, args := schemasQuery(src.Database)
	rows, err := s.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return p, fail(ctx, src, "list databases", err)
	}
	defer rows.Close()
	seen := false
	for rows.Next() {
		var name string
		var hasExpr int
		if err := rows.Scan(&name, &hasExpr); err != nil {
			return p, fail(ctx, src, "list databases", err)
		}
		seen = true
		p.hasExpression = hasExpr > 0
		if opts.Filter.Namespace(name, name) {
			p.schemas = append(p.schemas, name)
		}
	}
	if err := rows.Err(); err != nil {
		return p, fail(ctx, src, "list databases", err)
	}
	if src.Database != "" && !seen {
		// Connecting to a missing database already fails with 1049; this covers a database
		// dropped between the connect and the query.
		return p, connector.Classify(src, connector.DatabaseNotFound, fmt.Errorf("database %q does not exist", src.Database))
	}
	slices.Sort(p.schemas)
	return p, nil
}

// run executes one catalog query and hands each row to its handler.
func run(ctx context.Context, s *session, src connector.Source, q catalogQuery, b *builder) error {
	rows, err := s.tx.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return fail(ctx, src, "read "+q.what, err)
	}
	defer rows.Close()
	row := make([]sql.RawBytes, q.columns)
	dest := make([]any, q.columns)
	for i := range row {
		dest[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fail(ctx, src, "read "+q.what, err)
		}
		q.handle(b, row)
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, src, "read "+q.what, err)
	}
	return nil
}

// count executes one catalog query and discards its rows.
func count(ctx context.Context, s *session, q catalogQuery) (int64, error) {
	rows, err := s.tx.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	row := make([]sql.RawBytes, q.columns)
	dest := make([]any, q.columns)
	for i := range row {
		dest[i] = &row[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
