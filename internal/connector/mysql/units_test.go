package mysql

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
)

func TestEnumValues(t *testing.T) {
	for _, tc := range []struct {
		declared string
		want     []string
	}{
		{"enum('a','b')", []string{"a", "b"}},
		{"set('red','green','blue')", []string{"red", "green", "blue"}},
		{"enum('it''s','a,b')", []string{"it's", "a,b"}},
		{`enum('back\\slash','x')`, []string{`back\slash`, "x"}},
		{"enum('')", []string{""}},
		{"enum('a)','(b')", []string{"a)", "(b"}},
	} {
		t.Run(tc.declared, func(t *testing.T) {
			if got := enumValues(tc.declared); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestColumnDefault(t *testing.T) {
	for _, tc := range []struct {
		name        string
		mariadb     bool
		raw         *string
		base, extra string
		want        string // "<none>" for no default
	}{
		{"no default", true, nil, "int", "", "<none>"},
		{"MariaDB nullable without default prints NULL", true, ptr("NULL"), "varchar", "", "<none>"},
		{"MariaDB quoted literal kept", true, ptr("'NULL'"), "varchar", "", "'NULL'"},
		{"MariaDB expression kept", true, ptr("concat('a','b')"), "varchar", "", "concat('a','b')"},
		{"MariaDB number kept", true, ptr("0"), "int", "", "0"},
		{"MySQL 8 bare string literal is quoted", false, ptr("it's"), "varchar", "", "'it''s'"},
		{"MySQL 8 empty string literal", false, ptr(""), "char", "", "''"},
		{"MySQL 8 bare date literal is quoted", false, ptr("2020-01-01"), "date", "", "'2020-01-01'"},
		{"MySQL 8 number stays bare", false, ptr("0.00"), "decimal", "", "0.00"},
		{"MySQL 8 CURRENT_TIMESTAMP", false, ptr("CURRENT_TIMESTAMP"), "timestamp", "DEFAULT_GENERATED", "CURRENT_TIMESTAMP"},
		{"MySQL 8 expression default", false, ptr("(uuid())"), "varchar", "DEFAULT_GENERATED", "(uuid())"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var raw []byte
			if tc.raw != nil {
				raw = []byte(*tc.raw)
			}
			if got := showPtr(columnDefault(tc.mariadb, raw, tc.base, tc.extra)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestKindOfServerError(t *testing.T) {
	for _, tc := range []struct {
		number uint16
		want   connector.ErrorKind
	}{
		{1045, connector.AuthFailed},
		{1049, connector.DatabaseNotFound},
		{1044, connector.PermissionDenied},
		{1142, connector.PermissionDenied},
		{1227, connector.PermissionDenied},
		{1969, connector.Timeout},
		{3024, connector.Timeout},
		{1064, connector.Failed},
	} {
		if got := kindOfNumber(tc.number); got != tc.want {
			t.Errorf("error %d: %s, want %s", tc.number, got, tc.want)
		}
	}
}

func TestTimeoutStatement(t *testing.T) {
	for _, tc := range []struct {
		mariadb bool
		d       time.Duration
		want    string
	}{
		{true, 60 * time.Second, "SET SESSION max_statement_time = 60.000, lock_wait_timeout = 60"},
		{true, 1500 * time.Millisecond, "SET SESSION max_statement_time = 1.500, lock_wait_timeout = 2"},
		{true, time.Microsecond, "SET SESSION max_statement_time = 0.001, lock_wait_timeout = 1"},
		{false, 60 * time.Second, "SET SESSION max_execution_time = 60000, lock_wait_timeout = 60"},
	} {
		if got := timeoutStatement(tc.mariadb, tc.d); got != tc.want {
			t.Errorf("%v %v: %q, want %q", tc.mariadb, tc.d, got, tc.want)
		}
	}
}

// TestStatementTimeoutFires runs a slow statement on the scan's session: the server stops it at
// the statement timeout and the error is classified as Timeout.
func TestStatementTimeoutFires(t *testing.T) {
	d := newFixture(t)
	ctx := context.Background()
	s, err := open(ctx, d.Source, connector.Options{StatementTimeout: 200 * time.Millisecond}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	start := time.Now()
	var slept int
	err = s.tx.QueryRowContext(ctx, "SELECT SLEEP(5) FROM information_schema.TABLES LIMIT 1").Scan(&slept)
	if err == nil {
		t.Fatalf("SELECT SLEEP(5) returned %d after %v, want the statement timeout to stop it", slept, time.Since(start))
	}
	cerr := fail(ctx, d.Source, "read tables", err)
	if connector.KindOf(cerr) != connector.Timeout || time.Since(start) > 3*time.Second {
		t.Errorf("after %v: %v (%s), want a timeout", time.Since(start), cerr, connector.KindOf(cerr))
	}
	if !strings.Contains(cerr.Error(), "max_statement_time") {
		t.Errorf("message %q does not name the limit", cerr)
	}
}

func TestOnUpdate(t *testing.T) {
	for extra, want := range map[string]string{
		"on update current_timestamp()":                    "current_timestamp()",
		"DEFAULT_GENERATED on update CURRENT_TIMESTAMP":    "CURRENT_TIMESTAMP",
		"DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)": "CURRENT_TIMESTAMP(3)",
		"auto_increment": "",
		"":               "",
	} {
		if got := onUpdate(extra); got != want {
			t.Errorf("onUpdate(%q) = %q, want %q", extra, got, want)
		}
	}
}

func TestURIParameters(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		tls    string
		err    string
	}{
		{params: nil, tls: ""},
		{params: map[string]string{"tls": "skip-verify"}, tls: "skip-verify"},
		{params: map[string]string{"tls": "maybe"}, err: `tls="maybe"`},
		{params: map[string]string{"sslmode": "require"}, err: `unsupported parameter "sslmode"`},
	} {
		cfg, err := config(connector.Source{Engine: connector.MySQL, Host: "h", Params: tc.params}, connector.Options{}.WithDefaults())
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("params %v: error %v, want one containing %q", tc.params, err, tc.err)
			}
			continue
		}
		if err != nil || cfg.TLSConfig != tc.tls {
			t.Errorf("params %v: TLSConfig %q, %v; want %q", tc.params, cfg.TLSConfig, err, tc.tls)
		}
	}
}
