// Package store is Surveyor's own persistence: an embedded SQLite database in the data directory
// by default, or a PostgreSQL database shared by any number of `surveyor serve` processes.
//
// It owns the connection pools, the migrations (embedded, one folder per dialect, applied at
// Open) and transactions. Domain packages (secrets, runs, catalog, schedules, the façades'
// resources) write their SQL once with `?` placeholders against *Tx; Rebind turns them into `$n`
// for PostgreSQL, and Dialect lets a query branch where the engines really differ (row locking).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Dialect is the SQL engine behind a store.
type Dialect string

// The two dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is an open store.
type DB struct {
	Dialect Dialect
	// write is the pool transactions run on; for SQLite it holds one connection (one writer),
	// and read is a separate pool of readers. For PostgreSQL both are the same pool.
	write *sql.DB
	read  *sql.DB
	// stmts caches prepared statements of Read, by SQL text: hot lookups skip the parser.
	stmts sync.Map
}

// Open opens the store named by dsn: a postgres:// or postgresql:// URL, or a path to a
// directory in which the SQLite file surveyor.db is kept (created, mode 0700, if missing).
// Migrations are applied before it returns.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "surveyor.db")
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	write, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	db := &DB{Dialect: SQLite, write: write, read: read}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// privateFiles creates the store file with mode 0600 before SQLite opens it, so that its WAL
// and shared-memory files, which SQLite creates with the database file's mode, are 0600 too; a
// store left group- or world-readable by an older version is made private.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open store %s: %w", p, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("make store %s private: %w", p, err)
			}
		}
	}
	return nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// Connections are kept (up to 8 idle, for 5 minutes) rather than closed as soon as more than
	// database/sql's default of 2 are idle: the request path and the background workers (queue,
	// scheduler, leases) overlap, and a new connection costs a PostgreSQL backend that plans
	// every statement again and loads its catalog caches — about 100 ms on a GetPartitions page.
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(8)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to store: %w", redactDSN(err, dsn))
	}
	db := &DB{Dialect: Postgres, write: pool, read: pool}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error { return db.migrateTo(ctx, 0) }

// migrateTo applies the migrations up to version (0: all of them).
func (db *DB) migrateTo(ctx context.Context, version int64) error {
	dir, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return err
	}
	// Migration numbers are handed out per area and land in any order: a store that already has
	// a later one still gets an earlier one that landed after it.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several processes may start at once against one database: migrate under a lock.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.write, dir, opts...)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if version > 0 {
		_, err = p.UpTo(ctx, version)
	} else {
		_, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Close closes the pools.
func (db *DB) Close() error {
	db.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks the store answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Tx runs fn in a read-write transaction, committing when fn returns nil and rolling back
// otherwise. On SQLite the transaction takes the write lock at BEGIN (immediate), so it never
// fails half-way for a lock upgrade.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.tx(ctx, db.write, nil, fn)
}

// ReadTx runs fn in a read-only transaction: one consistent view for a multi-query read.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.tx(ctx, db.read, &sql.TxOptions{ReadOnly: db.Dialect == Postgres}, fn)
}

// Read runs fn with statements that each run on their own against the read pool, without a
// transaction: the cheapest way to do a lookup that one statement answers.
func (db *DB) Read(ctx context.Context, fn func(tx *Tx) error) error {
	return fn(&Tx{tx: &preparedPool{db: db}, dialect: db.Dialect})
}

// preparedPool runs statements on the read pool through cached prepared statements.
type preparedPool struct{ db *DB }

func (p *preparedPool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := p.db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (p *preparedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return nil, errors.New("store: Read is for reading; use Tx to write")
}

func (p *preparedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p *preparedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil {
		// *sql.Row carries its error to Scan only when built by database/sql; run the query
		// unprepared so the caller sees the same error there.
		return p.db.read.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (db *DB) tx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, dialect: db.Dialect}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Tx is a transaction (or, from Read, a series of single statements). Its methods take SQL with
// `?` placeholders.
type Tx struct {
	tx      queryer
	dialect Dialect
}

// queryer is what *sql.Tx and *sql.DB share.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is the engine the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.dialect }

// Exec runs a statement and returns the number of rows it changed.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, Rebind(t.dialect, query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, Rebind(t.dialect, query), args...)
}

// QueryRow runs a query expected to return at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, Rebind(t.dialect, query), args...)
}

// Rebind rewrites `?` placeholders as `$1, $2...` for PostgreSQL. A `?` inside a quoted string
// literal is left alone.
func Rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// redactDSN removes the DSN's password from a driver error.
func redactDSN(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "****"))
}
