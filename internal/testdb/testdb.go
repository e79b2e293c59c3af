// Package testdb gives tests a fresh, uniquely named database on the running PostgreSQL or
// MariaDB server, dropped when the test ends.
//
// The servers come from SURVEYOR_TEST_PG (default postgres://postgres@127.0.0.1:5432/test) and
// SURVEYOR_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test). When a server cannot be reached
// the test is skipped, unless SURVEYOR_REQUIRE_DBS=1 (set by .ci/run), which makes it fail.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // driver for the admin connection
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// Defaults when the environment names no server.
const (
	DefaultPG    = "postgres://postgres@127.0.0.1:5432/test"
	DefaultMySQL = "mysql://root@127.0.0.1:3306/test"
)

// Required reports whether tests must fail, not skip, when a server is missing.
func Required() bool { return os.Getenv("SURVEYOR_REQUIRE_DBS") == "1" }

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(format+" (SURVEYOR_REQUIRE_DBS=1)", args...)
	}
	t.Skipf(format, args...)
}

// Name returns a unique database name with the given prefix, safe to use unquoted.
func Name(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return strings.ToLower(prefix) + "_" + hex.EncodeToString(b)
}

// Server returns the admin source of the server for engine (connector.Postgres or connector.MySQL).
func Server(t testing.TB, engine string) connector.Source {
	t.Helper()
	env, def := "SURVEYOR_TEST_PG", DefaultPG
	if engine == connector.MySQL {
		env, def = "SURVEYOR_TEST_MYSQL", DefaultMySQL
	}
	raw := os.Getenv(env)
	if raw == "" {
		raw = def
	}
	src, err := connector.ParseURI(raw)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return src
}

// DB is a fresh database on a test server.
type DB struct {
	// Source connects to the new database as the admin user.
	Source connector.Source
	// SQL is an admin connection to it, for setting up fixtures.
	SQL *sql.DB
}

// Exec runs each statement, failing the test on the first error.
func (d *DB) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.SQL.Exec(s); err != nil {
			t.Fatalf("exec %q: %v", s, err)
		}
	}
}

// New creates a database named after prefix on the server for engine and drops it when the test
// ends.
func New(t testing.TB, engine, prefix string) *DB {
	t.Helper()
	admin := Server(t, engine)
	name := Name(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch engine {
	case connector.Postgres:
		conn, err := pgx.Connect(ctx, PGDSN(admin))
		if err != nil {
			unavailable(t, "postgres at %s: %v", admin.Address(), err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("create database %s: %v", name, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := pgx.Connect(ctx, PGDSN(admin))
			if err != nil {
				t.Logf("drop database %s: %v", name, err)
				return
			}
			defer c.Close(ctx)
			if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				t.Logf("drop database %s: %v", name, err)
			}
		})
	case connector.MySQL:
		db, err := sql.Open("mysql", MySQLDSN(admin))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			unavailable(t, "mysql at %s: %v", admin.Address(), err)
		}
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("create database %s: %v", name, err)
		}
		t.Cleanup(func() {
			db, err := sql.Open("mysql", MySQLDSN(admin))
			if err != nil {
				return
			}
			defer db.Close()
			if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
				t.Logf("drop database %s: %v", name, err)
			}
		})
	default:
		t.Fatalf("testdb: engine %q has no server", engine)
	}
	src := admin
	src.Database = name
	d := &DB{Source: src}
	var err error
	switch engine {
	case connector.Postgres:
		d.SQL, err = sql.Open("pgx", PGDSN(src))
	default:
		d.SQL, err = sql.Open("mysql", MySQLDSN(src))
	}
	if err != nil {
		t.Fatal(err)
	}
	d.SQL.SetMaxOpenConns(1) // session settings (search_path, sql_mode) then hold for every Exec
	t.Cleanup(func() { d.SQL.Close() })
	return d
}

// PGDSN renders a source as a pgx connection string.
func PGDSN(s connector.Source) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", userinfo(s), s.Address(), s.Database)
}

// MySQLDSN renders a source as a go-sql-driver/mysql DSN with multi-statements allowed.
func MySQLDSN(s connector.Source) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?parseTime=true&multiStatements=true", s.User, s.Password, s.Address(), s.Database)
}

func userinfo(s connector.Source) string {
	if s.Password == "" {
		return s.User
	}
	return s.User + ":" + s.Password
}
