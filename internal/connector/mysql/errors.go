package mysql

import (
	"context"
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// kindOfNumber maps MySQL and MariaDB server error numbers onto connector error kinds.
func kindOfNumber(n uint16) connector.ErrorKind {
	switch n {
	case 1045: // ER_ACCESS_DENIED_ERROR: unknown user or wrong password
		return connector.AuthFailed
	case 1049: // ER_BAD_DB_ERROR
		return connector.DatabaseNotFound
	case 1044, 1142, 1227: // ER_DBACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED_ERROR
		return connector.PermissionDenied
	case 1969, 3024: // MariaDB max_statement_time, MySQL max_execution_time exceeded
		return connector.Timeout
	case 1205: // ER_LOCK_WAIT_TIMEOUT (metadata lock held by a DDL)
		return connector.Timeout
	}
	return connector.Failed
}

// fail classifies err from doing op, as one line: op in the connector's words, then the server's
// own words (without the "Error 1045 (28000):" prefix) or the driver's, with the password
// scrubbed. A cancelled or expired ctx wins over whatever the driver made of it (it closes the
// connection and may report a broken connection instead).
func fail(ctx context.Context, src connector.Source, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = cerr
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return connector.Classify(src, kindOfNumber(me.Number),
			&connector.Failure{Doing: op, Reason: connector.Scrub(oneLine(me.Message), src.Password), Err: me})
	}
	return connector.Classify(src, connector.Failed,
		&connector.Failure{Doing: op, Reason: connector.Scrub(oneLine(err.Error()), src.Password), Err: err})
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
