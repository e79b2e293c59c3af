package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// TestSessionIsReadOnly proves that the transaction every catalog query runs in is read-only,
// repeatable-read, bounded by the statement timeout, and refuses writes.
func TestSessionIsReadOnly(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgro")
	d.Exec(t, "CREATE TABLE kept (id int)")
	ctx := context.Background()
	s, err := open(ctx, d.Source, connector.Options{ConnectTimeout: 5 * time.Second, StatementTimeout: 1234 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for _, tc := range []struct{ setting, want string }{
		{"transaction_read_only", "on"},
		{"transaction_isolation", "repeatable read"},
		{"statement_timeout", "1234ms"},
		{"search_path", "pg_catalog, pg_temp"},
		{"TimeZone", "UTC"},
	} {
		var got string
		if err := s.tx.QueryRow(ctx, "SELECT pg_catalog.current_setting($1)", tc.setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.setting, got, tc.want)
		}
	}
	_, err = s.tx.Exec(ctx, "INSERT INTO public.kept VALUES (1)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25006" {
		t.Errorf("insert in the scan transaction: %v, want SQLSTATE 25006 read_only_sql_transaction", err)
	}
}

func TestClassifyServerErrors(t *testing.T) {
	src := connector.Source{Engine: connector.Postgres, Host: "db", User: "bob", Password: "pw-secret", Database: "app"}
	for _, tc := range []struct {
		code, message string
		kind          connector.ErrorKind
		want          string
	}{
		{"28P01", `password authentication failed for user "bob"`, connector.AuthFailed, `connect: password authentication failed for user "bob"`},
		{"28000", `role "bob" does not exist`, connector.AuthFailed, `connect: role "bob" does not exist`},
		{"3D000", `database "app" does not exist`, connector.DatabaseNotFound, `connect: database "app" does not exist`},
		{"42501", `permission denied for table pg_authid`, connector.PermissionDenied, `connect: permission denied for table pg_authid`},
		{"57014", `canceling statement due to statement timeout`, connector.Timeout, `connect: statement timeout exceeded`},
		{"53300", `sorry, too many clients already (pw-secret)`, connector.Failed, `connect: sorry, too many clients already (****)`},
	} {
		t.Run(tc.code, func(t *testing.T) {
			// A server error as pgconn wraps it on connect: several lines of detail around it.
			wrapped := fmt.Errorf("failed to connect to `user=bob database=app`:\n\tdb:5432 (db): %w", &pgconn.PgError{Severity: "FATAL", Code: tc.code, Message: tc.message})
			err := classify(context.Background(), src, "connect", wrapped)
			if got := connector.KindOf(err); got != tc.kind {
				t.Errorf("kind = %s, want %s", got, tc.kind)
			}
			if got := err.Error(); got != "postgres://bob@db:5432/app: "+tc.want {
				t.Errorf("message = %q, want %q", got, "postgres://bob@db:5432/app: "+tc.want)
			}
		})
	}
}

func TestColumnTypeModifiers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		base   string
		typmod int32
		want   string // length/precision/scale
	}{
		{"varchar(20)", "varchar", 24, "20/-/-"},
		{"varchar without length", "varchar", -1, "-/-/-"},
		{"char(1)", "bpchar", 5, "1/-/-"},
		{"bit(8)", "bit", 8, "8/-/-"},
		{"numeric(10,2)", "numeric", (10<<16 | 2) + 4, "-/10/2"},
		{"numeric(5,-2)", "numeric", (5<<16 | (-2 & 0x7ff)) + 4, "-/5/-2"},
		{"numeric without precision", "numeric", -1, "-/-/-"},
		{"timestamp(0)", "timestamp", 0, "-/0/-"},
		{"timestamptz(6)", "timestamptz", 6, "-/6/-"},
		{"interval(3)", "interval", 0x7fff<<16 | 3, "-/3/-"},
		{"interval day", "interval", 8<<16 | 0xffff, "-/-/-"},
		{"int4 ignores typmod", "int4", -1, "-/-/-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ty := columnType(tc.name, tc.base, 0, tc.typmod)
			got := opt(ty.Length) + "/" + opt(ty.Precision) + "/" + opt(ty.Scale)
			if got != tc.want {
				t.Errorf("length/precision/scale = %s, want %s", got, tc.want)
			}
		})
	}
}

func opt[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func TestConfig(t *testing.T) {
	opts := connector.Options{}.WithDefaults()
	t.Run("defaults for a plain local server", func(t *testing.T) {
		cfg, err := config(connector.Source{Engine: connector.Postgres, Host: "127.0.0.1", User: "u", Password: "p'w\\d", Database: "d"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Host != "127.0.0.1" || cfg.Port != 5432 || cfg.User != "u" || cfg.Database != "d" || cfg.Password != "p'w\\d" || cfg.ConnectTimeout != opts.ConnectTimeout {
			t.Errorf("config = host %s port %d user %s db %s password %q timeout %v", cfg.Host, cfg.Port, cfg.User, cfg.Database, cfg.Password, cfg.ConnectTimeout)
		}
		if cfg.TLSConfig == nil || len(cfg.Fallbacks) != 1 || cfg.Fallbacks[0].TLSConfig != nil {
			t.Errorf("sslmode is not prefer: TLS %v, fallbacks %d", cfg.TLSConfig != nil, len(cfg.Fallbacks))
		}
	})
	t.Run("sslmode from params", func(t *testing.T) {
		cfg, err := config(connector.Source{Host: "h", Port: 6543, Params: map[string]string{"sslmode": "disable", "application_name": "surveyor"}}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.TLSConfig != nil || cfg.Port != 6543 || cfg.RuntimeParams["application_name"] != "surveyor" {
			t.Errorf("TLS %v port %d runtime params %v", cfg.TLSConfig != nil, cfg.Port, cfg.RuntimeParams)
		}
	})
	t.Run("password in params refused", func(t *testing.T) {
		_, err := config(connector.Source{Host: "h", Params: map[string]string{"password": "x"}}, opts)
		if err == nil || !strings.Contains(err.Error(), "not accepted") {
			t.Errorf("err = %v, want a refusal", err)
		}
	})
}

// TestShortPasswordsGarbleNothing: a real server error for a source whose short password is part
// of the database name, the user name and the message's words reads as the server said it.
func TestShortPasswordsGarbleNothing(t *testing.T) {
	admin := testdb.Server(t, connector.Postgres)
	for _, pw := range []string{"e", "on", "ist", "connect"} {
		t.Run(pw, func(t *testing.T) {
			src := admin
			src.Password, src.Database = pw, "surveyor_nonexistent_connect"
			_, err := New().Discover(context.Background(), src, connector.Options{ConnectTimeout: 5 * time.Second})
			if connector.KindOf(err) != connector.DatabaseNotFound {
				t.Fatalf("discover: %v, want database not found", err)
			}
			want := src.Redacted() + `: connect: database "surveyor_nonexistent_connect" does not exist`
			if err.Error() != want {
				t.Errorf("message = %q, want %q", err, want)
			}
		})
	}
}
