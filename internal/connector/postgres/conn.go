package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// session is one connection with one read-only, repeatable-read transaction: every catalog query
// of a scan sees the same snapshot and none can write.
type session struct {
	conn *pgx.Conn
	tx   pgx.Tx
	// database is the database the connection is on; version is what the server reported.
	database string
	version  string
	// afterLocksRead, when set (tests), runs after each reading of the locked relations.
	afterLocksRead func()
}

// open connects to src and begins the read-only transaction with the statement timeout of opts.
// Errors are classified and carry one clean line.
func open(ctx context.Context, src connector.Source, opts connector.Options) (*session, error) {
	opts = opts.WithDefaults()
	cfg, err := config(src, opts)
	if err != nil {
		return nil, connector.Classify(src, connector.Unsupported, err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, classify(ctx, src, "connect", err)
	}
	s := &session{conn: conn, database: cfg.Database, version: conn.PgConn().ParameterStatus("server_version")}
	s.tx, err = conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		s.close()
		return nil, classify(ctx, src, "begin read-only transaction", err)
	}
	// search_path holds only pg_catalog (and, last, this session's own empty pg_temp): no name
	// a catalog query uses — function, operator, type or relation — can resolve to an object the
	// source's users created, so a function planted in public under the name of a catalog
	// function (public.unnest(int2[]) wins over pg_catalog.unnest(anyarray)) never runs. The
	// queries qualify their functions and relations with pg_catalog as well.
	// The settings that change how the server prints names, defaults, bounds and view
	// definitions are pinned, so two scans of the same shape print the same text whatever the
	// role's own settings: every object outside pg_catalog qualified by its schema (as pg_dump
	// prints them); times in UTC, ISO.
	// lock_timeout: a catalog function that must lock a relation another session holds
	// exclusively (pg_get_viewdef, pg_get_expr...) gives up soon; Discover then leaves that
	// relation out and reports it failed (see lockedRelations).
	set := fmt.Sprintf("SET LOCAL statement_timeout = %d; SET LOCAL lock_timeout = %d; SET LOCAL search_path = pg_catalog, pg_temp; "+
		"SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = 'postgres'; "+
		"SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'",
		max(opts.StatementTimeout.Milliseconds(), 1), max(opts.LockTimeout.Milliseconds(), 1))
	// The catalog queries are cheap to plan and run once: JIT compiling them costs more than it
	// saves, and their sorts and hashes over a large catalog should stay in memory.
	set += "; SET LOCAL work_mem = '64MB'"
	if major(s.version) >= 11 {
		set += "; SET LOCAL jit = off"
	}
	if _, err := s.tx.Exec(ctx, set); err != nil {
		s.close()
		return nil, classify(ctx, src, "set statement timeout", err)
	}
	return s, nil
}

// major is the major version of a server_version such as "15.4 (Debian 15.4-1)"; 0 if unknown.
func major(version string) int {
	end := strings.IndexFunc(version, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(version)
	}
	n, _ := strconv.Atoi(version[:end])
	return n
}

// close ends the transaction (a rollback: nothing was written) and the connection. It uses a
// fresh context so that a cancelled scan still releases the server session.
func (s *session) close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if s.tx != nil {
		_ = s.tx.Rollback(ctx)
	}
	_ = s.conn.Close(ctx)
}

// config builds the pgx configuration from the source. The password is set on the parsed
// configuration, never written into a connection string that an error could echo.
func config(src connector.Source, opts connector.Options) (*pgx.ConnConfig, error) {
	params := map[string]string{"sslmode": "prefer"}
	for k, v := range src.Params {
		switch strings.ToLower(k) {
		case "password", "passfile":
			return nil, fmt.Errorf("parameter %q is not accepted in source parameters; use the source's credentials", k)
		case "service", "servicefile", "host", "hostaddr", "port":
			// A service file is read from this machine and may name any host; where to connect
			// is the source's host and port, nothing else.
			return nil, fmt.Errorf("parameter %q is not accepted in source parameters; the source's host and port say where to connect", k)
		}
		params[k] = v
	}
	host := src.Host
	if host == "" {
		host = "localhost"
	}
	port := src.Port
	if port == 0 {
		port = 5432
	}
	params["host"] = host
	params["port"] = strconv.Itoa(port)
	if src.User != "" {
		params["user"] = src.User
	}
	if src.Database != "" {
		params["dbname"] = src.Database
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var dsn strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&dsn, "%s='%s' ", k, strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(params[k]))
	}
	cfg, err := pgx.ParseConfig(dsn.String())
	if err != nil {
		// The connection string holds no password, so the parser's message may be shown.
		return nil, fmt.Errorf("invalid connection settings: %s", oneLine(err.Error()))
	}
	if cfg.Database == "" {
		// The server's rule: without a database name, the database named after the user.
		cfg.Database = cfg.User
	}
	cfg.ConnectTimeout = opts.ConnectTimeout
	// Every connection — each host of a list, the TLS and plain attempts, a cancel request —
	// resolves and dials through the outbound policy: a host that is a socket directory is
	// refused unless sockets are allowed, and a name is checked on the addresses it resolves to.
	dialer := opts.Dialer()
	cfg.DialFunc = dialer.DialContext
	cfg.LookupFunc = dialer.LookupHost
	// Always the source's own password: never one the parser found in this process's
	// PGPASSWORD or ~/.pgpass, which belong to the service, not to the source.
	cfg.Password = src.Password
	return cfg, nil
}

// classify maps a driver error onto a connector error kind with a one-line message saying what
// was being done: SQLSTATE for server errors, network errors as unreachable, and the caller's
// cancellation or deadline whatever the driver reported.
func classify(ctx context.Context, src connector.Source, doing string, err error) error {
	kind, msg := connector.Failed, ""
	var pe *pgconn.PgError
	var de *net.DNSError
	var oe *net.OpError
	switch {
	case ctx.Err() != nil:
		// The driver may report a cancelled query as SQLSTATE 57014 or a closed connection;
		// what matters is why: the caller cancelled or its deadline passed.
		return connector.Classify(src, connector.Failed, &connector.Failure{Doing: doing, Reason: ctxMessage(ctx.Err()), Err: ctx.Err()})
	case errors.As(err, &pe):
		// The server's words may echo what it was sent; the rest of the message is ours.
		msg = connector.Scrub(pe.Message, src.Password)
		switch pe.Code {
		case "28P01", "28000":
			kind = connector.AuthFailed
		case "3D000":
			kind = connector.DatabaseNotFound
		case "42501":
			kind = connector.PermissionDenied
		case "57014":
			kind, msg = connector.Timeout, "statement timeout exceeded"
		case "55P03":
			kind, msg = connector.Timeout, "lock timeout exceeded: another session holds a lock the scan needs"
		}
	case errors.As(err, &de):
		kind, msg = connector.Unreachable, "cannot resolve host "+de.Name
	case errors.As(err, &oe):
		kind, msg = connector.Unreachable, "cannot reach "+src.Address()+": "+netReason(oe)
		if oe.Timeout() {
			kind, msg = connector.Timeout, "no answer from "+src.Address()+" before the connect timeout"
		}
	case errors.Is(err, context.DeadlineExceeded):
		kind, msg = connector.Timeout, "no answer from "+src.Address()+" before the connect timeout"
	default:
		msg = connector.Scrub(oneLine(err.Error()), src.Password)
	}
	return connector.Classify(src, kind, &connector.Failure{Doing: doing, Reason: msg, Err: err})
}

func ctxMessage(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "deadline exceeded"
	}
	return "canceled"
}

// netReason is the last part of a network error: "connection refused", "no route to host".
func netReason(oe *net.OpError) string {
	if oe.Err == nil {
		return oe.Error()
	}
	msg := oe.Err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
