// Package sqlite reads the schema of a SQLite database file, and of the files attached to it, into
// a schema.Snapshot. It opens every file read-only (it never creates or changes one) and reads the
// catalog with a fixed number of bulk queries per database, joining sqlite_schema with the
// table-valued pragmas, inside one read-only transaction.
//
// Source.Path is the database file. Source.Params["attach"] = "name=path,name2=path2" attaches
// more files, read-only, under those schema names (SQLite attachments belong to one connection,
// so the connector makes them itself); each becomes a database of the snapshot with one namespace
// of the same name, like "main". The first '=' of an item ends the name, so a path may hold '='
// but not ','.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// Connector reads SQLite files. Now stamps snapshots; it defaults to time.Now.
type Connector struct {
	Now func() time.Time
}

// New returns a Connector that uses the wall clock.
func New() *Connector { return &Connector{Now: time.Now} }

var _ connector.Connector = (*Connector)(nil)

// Discover reads the schema of src.Path and its attachments.
func (c *Connector) Discover(ctx context.Context, src connector.Source, opts connector.Options) (*schema.Snapshot, error) {
	snap, _, err := c.scan(ctx, src, opts, false)
	return snap, err
}

// Floor runs exactly the catalog queries Discover runs, reads every row as raw bytes and drops
// it, and returns how many rows it read. It is the lower bound Discover is measured against.
func (c *Connector) Floor(ctx context.Context, src connector.Source, opts connector.Options) (int64, error) {
	_, st, err := c.scan(ctx, src, opts, true)
	return st.rows, err
}

// Namespaces lists the schema names of the file, "main" and the attached ones, sorted and
// filtered by opts.Filter.
func (c *Connector) Namespaces(ctx context.Context, src connector.Source, opts connector.Options) ([]string, error) {
	s, err := open(ctx, src, opts.WithDefaults(), false)
	if err != nil {
		return nil, err
	}
	defer s.close()
	names, err := s.databases(ctx)
	if err != nil {
		return nil, s.fail(err)
	}
	var out []string
	for _, n := range names {
		if s.opts.Filter.Namespace(n, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Ping opens the file read-only and reads its catalog's first page, which proves it is a SQLite
// database.
func (c *Connector) Ping(ctx context.Context, src connector.Source, opts connector.Options) error {
	s, err := open(ctx, src, opts.WithDefaults(), false)
	if err != nil {
		return err
	}
	defer s.close()
	err = s.query(ctx, "read the catalog", `SELECT 1 FROM sqlite_schema LIMIT 1`, nil, func(*sql.Rows) error { return nil }, nil)
	return s.fail(err)
}

// scanStats counts what one scan did.
type scanStats struct {
	queries int   // catalog queries run (not counting BEGIN, ROLLBACK and ATTACH)
	rows    int64 // rows read in floor mode
}

func (c *Connector) scan(ctx context.Context, src connector.Source, opts connector.Options, floor bool) (*schema.Snapshot, scanStats, error) {
	s, err := open(ctx, src, opts.WithDefaults(), floor)
	if err != nil {
		return nil, scanStats{}, err
	}
	defer s.close()
	now := c.Now
	if now == nil {
		now = time.Now
	}
	snap := &schema.Snapshot{Engine: connector.SQLite, CapturedAt: now().UTC()}
	err = s.discover(ctx, snap)
	st := scanStats{queries: s.queries, rows: s.rows}
	if err != nil {
		return nil, st, s.fail(err)
	}
	snap.Complete = true
	return snap.Normalize(), st, nil
}

// session is one read-only connection with its open transaction.
type session struct {
	src     connector.Source
	opts    connector.Options
	db      *sql.DB
	conn    *sql.Conn
	inTx    bool
	floor   bool
	queries int
	rows    int64
}

type attachment struct{ name, path string }

// open checks that the files exist and may be read, opens src.Path read-only on one
// connection, attaches the extra files and begins the transaction every catalog query runs in.
func open(ctx context.Context, src connector.Source, opts connector.Options, floor bool) (*session, error) {
	main, attach, err := parseSource(src)
	if err != nil {
		return nil, connector.Classify(src, connector.Unsupported, err)
	}
	for _, a := range append([]attachment{{name: "main", path: main}}, attach...) {
		what := ""
		if a.name != "main" {
			what = "attach " + a.name + ": "
		}
		if err := checkPaths(opts.Paths, a.path); err != nil {
			return nil, connector.Classify(src, connector.PermissionDenied, fmt.Errorf("%s%w", what, err))
		}
		if err := checkFile(a.path); err != nil {
			return nil, connector.Classify(src, kindOf(err), fmt.Errorf("%s%w", what, err))
		}
	}
	db, err := sql.Open("sqlite", fileURI(main, opts.StatementTimeout))
	if err != nil {
		return nil, connector.Classify(src, connector.Failed, err)
	}
	db.SetMaxOpenConns(1)
	s := &session{src: src, opts: opts, db: db, floor: floor}
	cctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	s.conn, err = db.Conn(cctx)
	if err != nil {
		s.close()
		return nil, s.fail(connectError(ctx, cctx, "open", err))
	}
	for _, a := range attach {
		// ATTACH cannot run inside a transaction, so it comes before BEGIN. The URI's mode=ro opens
		// the file read-only; query_only, set on the connection, covers it too.
		if _, err := s.conn.ExecContext(cctx, "ATTACH DATABASE ? AS "+quoteIdent(a.name), fileURI(a.path, 0)); err != nil {
			s.close()
			return nil, s.fail(connectError(ctx, cctx, "attach "+a.name, err))
		}
	}
	if _, err := s.conn.ExecContext(cctx, "BEGIN"); err != nil {
		s.close()
		return nil, s.fail(connectError(ctx, cctx, "begin", err))
	}
	s.inTx = true
	return s, nil
}

func (s *session) close() {
	if s.conn != nil {
		if s.inTx {
			// ROLLBACK must run even when the scan's ctx is cancelled.
			_, _ = s.conn.ExecContext(context.Background(), "ROLLBACK")
		}
		_ = s.conn.Close()
	}
	_ = s.db.Close()
}

// fail classifies an error of this session for the caller.
func (s *session) fail(err error) error {
	if err == nil {
		return nil
	}
	return connector.Classify(s.src, kindOf(err), err)
}

// checkFile makes sure path is an existing, readable regular file, so that opening it never
// creates one.
func checkFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database file %q does not exist: %w", path, fs.ErrNotExist)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("database file %q cannot be read: %w", path, fs.ErrPermission)
	case err != nil:
		return fmt.Errorf("database file %q: %w", path, err)
	case fi.IsDir():
		return fmt.Errorf("%q is a directory, not a SQLite database file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("database file %q cannot be read: %w", path, fs.ErrPermission)
		}
		return fmt.Errorf("database file %q: %w", path, err)
	}
	return f.Close()
}

// LocalPaths lists every file a scan of src may open: the database file, each attached file,
// and their journal, WAL and shared-memory companions, all absolute, from the one parser open
// uses.
func (c *Connector) LocalPaths(src connector.Source) ([]string, error) {
	main, attach, err := parseSource(src)
	if err != nil {
		return nil, connector.Classify(src, connector.Unsupported, err)
	}
	var out []string
	for _, p := range append([]string{main}, attachmentPaths(attach)...) {
		out = append(out, p)
		for _, c := range companions {
			out = append(out, p+c)
		}
	}
	return out, nil
}

var _ connector.LocalFiles = (*Connector)(nil)

// companions are the suffixes of the files SQLite opens next to a database file.
var companions = []string{"-journal", "-wal", "-shm"}

func attachmentPaths(as []attachment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.path
	}
	return out
}

// parseSource reads the database file and the attachments of src, every path made absolute.
func parseSource(src connector.Source) (string, []attachment, error) {
	if src.Path == "" {
		return "", nil, errors.New("no SQLite file path given")
	}
	main, err := filepath.Abs(src.Path)
	if err != nil {
		return "", nil, fmt.Errorf("database file %q: %w", src.Path, err)
	}
	attach, err := parseAttach(src.Params["attach"])
	if err != nil {
		return "", nil, err
	}
	for i := range attach {
		if attach[i].path, err = filepath.Abs(attach[i].path); err != nil {
			return "", nil, fmt.Errorf("attach %s: %w", attach[i].name, err)
		}
	}
	return main, attach, nil
}

// checkPaths refuses a database file the policy does not allow, and one whose journal, WAL or
// shared-memory file is a symbolic link: SQLite would read (or create) it wherever it leads, and
// a WAL it reads is applied over the database's own pages.
func checkPaths(policy connector.Paths, path string) error {
	if err := policy.Check(path); err != nil {
		return err
	}
	for _, c := range companions {
		fi, err := os.Lstat(path + c)
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link; SQLite would follow it, so the database is not opened", filepath.Base(path+c))
		}
		if err := policy.Check(path + c); err != nil {
			return err
		}
	}
	return nil
}

// parseAttach reads "name=path,name2=path2".
func parseAttach(spec string) ([]attachment, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	var out []attachment
	seen := map[string]bool{"main": true, "temp": true}
	for _, item := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(strings.TrimSpace(item), "=")
		name, path = strings.TrimSpace(name), strings.TrimSpace(path)
		if !ok || name == "" || path == "" {
			return nil, fmt.Errorf("attach %q: want name=path", item)
		}
		if seen[strings.ToLower(name)] {
			return nil, fmt.Errorf("attach %q: schema name %q is reserved or used twice", item, name)
		}
		seen[strings.ToLower(name)] = true
		out = append(out, attachment{name: name, path: path})
	}
	return out, nil
}

// fileURI is the read-only "file:" URI of path, made absolute (so no part of it can read as a
// URI authority) and escaped so that spaces, '?', '#' and '%' stay part of the path. With a busy
// timeout it also carries the connection pragmas.
func fileURI(path string, busy time.Duration) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	q := "mode=ro"
	if busy > 0 {
		q += "&_pragma=query_only(1)&_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")"
	}
	return u.String() + "?" + q
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// query runs one catalog query under the statement timeout and calls scan for each row. In floor
// mode it reads each row as raw bytes instead, shows it to peek when peek is not nil, and drops it.
func (s *session) query(ctx context.Context, what, q string, args []any, scan func(*sql.Rows) error, peek func([]sql.RawBytes)) error {
	qctx, cancel := context.WithTimeout(ctx, s.opts.StatementTimeout)
	defer cancel()
	s.queries++
	rows, err := s.conn.QueryContext(qctx, q, args...)
	if err != nil {
		return queryError(ctx, qctx, what, s.opts.StatementTimeout, err)
	}
	if s.floor {
		err = s.discard(rows, peek)
	} else {
		for err == nil && rows.Next() {
			err = scan(rows)
		}
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return queryError(ctx, qctx, what, s.opts.StatementTimeout, err)
	}
	return nil
}

func (s *session) discard(rows *sql.Rows, peek func([]sql.RawBytes)) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	raw := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		s.rows++
		if peek != nil {
			peek(raw)
		}
	}
	return nil
}

// queryError says what failed: the caller's cancellation, the statement timeout, or SQLite.
func queryError(ctx, qctx context.Context, what string, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case errors.Is(qctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: statement timeout of %s exceeded: %w", what, timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: %w", what, cleanError(err))
}

func connectError(ctx, cctx context.Context, what string, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: connect timeout exceeded: %w", what, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: %w", what, cleanError(err))
}

// sqliteError is a driver error with a one-line message: "no such table: main.gone" rather than
// "SQL logic error: no such table: main.gone (1)". It keeps the driver error in its chain.
type sqliteError struct {
	msg  string
	code int
	err  error
}

func (e *sqliteError) Error() string { return e.msg }
func (e *sqliteError) Unwrap() error { return e.err }

func cleanError(err error) error {
	var de *sqlitedrv.Error
	if !errors.As(err, &de) {
		return err
	}
	msg := de.Error()
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, "SQL logic error: ")
	code := de.Code() & 0xff
	if code == sqlite3.SQLITE_NOTADB {
		msg = "file is not a SQLite database (" + msg + ")"
	}
	return &sqliteError{msg: msg, code: code, err: err}
}

// kindOf maps a failure onto a connector.ErrorKind; Classify still recognises context errors.
func kindOf(err error) connector.ErrorKind {
	if errors.Is(err, fs.ErrNotExist) {
		return connector.DatabaseNotFound
	}
	if errors.Is(err, fs.ErrPermission) {
		return connector.PermissionDenied
	}
	var se *sqliteError
	if errors.As(err, &se) {
		switch se.code {
		case sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return connector.PermissionDenied
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return connector.Timeout
		}
	}
	return connector.Failed
}

// isNotADatabase reports whether err says the file is not a SQLite database.
func isNotADatabase(err error) bool {
	var se *sqliteError
	return errors.As(err, &se) && se.code == sqlite3.SQLITE_NOTADB
}
