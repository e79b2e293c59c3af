package connector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Source
		err  string
	}{
		{in: "postgres://bob:pw@db.local:6543/app?sslmode=disable", want: Source{Engine: Postgres, Host: "db.local", Port: 6543, User: "bob", Password: "pw", Database: "app", Params: map[string]string{"sslmode": "disable"}}},
		{in: "postgresql://bob@db.local/app", want: Source{Engine: Postgres, Host: "db.local", User: "bob", Database: "app", Params: map[string]string{}}},
		{in: "mysql://root@127.0.0.1:3306/shop", want: Source{Engine: MySQL, Host: "127.0.0.1", Port: 3306, User: "root", Database: "shop", Params: map[string]string{}}},
		{in: "mariadb://root@h/shop", want: Source{Engine: MySQL, Host: "h", User: "root", Database: "shop", Params: map[string]string{}}},
		{in: "sqlite:///var/data/app.db", want: Source{Engine: SQLite, Path: "/var/data/app.db", Params: map[string]string{}}},
		{in: "examples/shop.db", want: Source{Engine: SQLite, Path: "examples/shop.db"}},
		{in: "", err: "empty source URI"},
		{in: "notes.txt", err: "is not a URI"},
		{in: "ftp://h/x", err: `unsupported scheme "ftp"`},
		{in: "postgres://u:secret@h:70000/db", err: `port "70000"`},
		{in: "postgres:///db", err: "needs a host"},
		{in: "sqlite://", err: "needs a file path"},
		{in: "postgres://u:se cret@h/db%zz", err: "malformed"},
		{in: "u:secret@db.example/app", err: "****@db.example/app"},
		{in: "postgres//u:secret@host/app", err: "is not a URI"},
		{in: "postgres://u:secret/x@host/app", err: "malformed"},
		{in: "postgres://u:1234/x@host/app", err: "must be URL-encoded"},
		{in: "mysql://u:secret#1@host/app", err: "malformed"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseURI(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseURI(%q) error = %v, want one containing %q", tc.in, err, tc.err)
				}
				if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "1234") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("ParseURI(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	for _, tc := range []struct {
		src  Source
		want string
	}{
		{Source{Engine: Postgres, Host: "h", User: "bob", Password: "pw", Database: "app"}, "postgres://bob@h:5432/app"},
		{Source{Engine: MySQL, Host: "h", Port: 3307, User: "root", Password: "pw", Database: "shop"}, "mysql://root@h:3307/shop"},
		{Source{Engine: SQLite, Path: "/d/app.db"}, "sqlite:///d/app.db"},
		{Source{Engine: Files, Path: "s3://bucket/prefix", User: "AKIA", Password: "pw"}, "s3://bucket/prefix"},
	} {
		if got := tc.src.Redacted(); got != tc.want {
			t.Errorf("Redacted(%+v) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	src := Source{Engine: Postgres, Host: "h", User: "bob", Password: "hunter2", Database: "app"}
	for _, tc := range []struct {
		name string
		err  error
		kind ErrorKind
		want ErrorKind
	}{
		{"kind kept", errors.New(`password authentication failed for user "bob" (hunter2)`), AuthFailed, AuthFailed},
		{"canceled", fmt.Errorf("query: %w", context.Canceled), Failed, Canceled},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), Failed, Timeout},
		{"network", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, Failed, Unreachable},
		{"dns", &net.DNSError{Err: "no such host", Name: "h"}, Failed, Unreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Classify(src, tc.kind, tc.err)
			if KindOf(err) != tc.want {
				t.Errorf("kind = %s, want %s", KindOf(err), tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("message shows the password: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "postgres://bob@h:5432/app: ") {
				t.Errorf("message does not start with the redacted source: %v", err)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("the cause is not kept for errors.Is")
			}
			if again := Classify(src, Failed, err); again != err {
				t.Errorf("classifying twice rewrapped the error")
			}
		})
	}
	if KindOf(errors.New("plain")) != Failed || Classify(src, Failed, nil) != nil {
		t.Error("plain errors are Failed and nil stays nil")
	}
}

func TestNormalizeEngine(t *testing.T) {
	for in, want := range map[string]string{"aurora-postgresql": Postgres, "PostgreSQL": Postgres, "aurora": MySQL, "aurora-mysql": MySQL,
		"mariadb": MySQL, "sqlite3": SQLite, "s3": Files} {
		if got, ok := NormalizeEngine(in); !ok || got != want {
			t.Errorf("NormalizeEngine(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := NormalizeEngine("oracle"); ok {
		t.Error("oracle accepted")
	}
}

func TestScrubMasksOnlyTheWholePassword(t *testing.T) {
	for _, tc := range []struct {
		name, msg, secret, want string
	}{
		{"quoted token", `auth failed: password "hunter2" rejected`, "hunter2", `auth failed: password "****" rejected`},
		{"after =", "user=bob password=s3cr3t host=h", "s3cr3t", "user=bob password=**** host=h"},
		{"at both ends", "hunter2", "hunter2", "****"},
		{"every token", "pw pw,pw", "pw", "**** ****,****"},
		{"not inside a word", "connect: dial db.nonexistent", "e", "connect: dial db.nonexistent"},
		{"not the tail of a user name", `failed for user 'newcomer_pw'`, "pw", `failed for user 'newcomer_pw'`},
		{"not inside a host name", "cannot resolve host db.nonexistent", "xist", "cannot resolve host db.nonexistent"},
		{"dot ends a token", "host db.nonexistent", "db", "host ****.nonexistent"},
		{"punctuation password inside a word", "a-x-b", "-x-", "a****b"},
		{"unicode letters glue", "pässword", "ss", "pässword"},
		{"overlapping occurrence", "aab aa", "aa", "aab ****"},
		{"empty secret", "nothing", "", "nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Scrub(tc.msg, tc.secret); got != tc.want {
				t.Errorf("Scrub(%q, %q) = %q, want %q", tc.msg, tc.secret, got, tc.want)
			}
		})
	}
}

// A connector's own words are built without the password: Classify leaves a *Failure alone, so
// a short password that is part of the user, host or database name garbles nothing.
func TestClassifyKeepsAFailureAsBuilt(t *testing.T) {
	src := Source{Engine: Postgres, Host: "db.nonexistent", User: "newcomer_pw", Password: "pw", Database: "connect"}
	err := Classify(src, Unreachable, &Failure{Doing: "connect", Reason: "cannot resolve host db.nonexistent", Err: errors.New("x")})
	if want := "postgres://newcomer_pw@db.nonexistent:5432/connect: connect: cannot resolve host db.nonexistent"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	src.Password = "e"
	err = Classify(src, Failed, errors.New(`connect: server said "e" for newcomer_pw`))
	if want := `postgres://newcomer_pw@db.nonexistent:5432/connect: connect: server said "****" for newcomer_pw`; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}
