package gluecatalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Connection property keys the catalog reads.
const (
	PropURL        = "JDBC_CONNECTION_URL"
	PropUsername   = "USERNAME"
	PropPassword   = "PASSWORD"
	PropSecretID   = "SECRET_ID"
	PropEnforceSSL = "JDBC_ENFORCE_SSL"
	PropHost       = "HOST"
	PropPort       = "PORT"
	PropDatabase   = "DATABASE"
	PropEngine     = "JDBC_ENGINE"
)

// CreateConnection stores a connection. Its PASSWORD property is sealed with the master key and
// kept apart from the document.
func (c Catalog) CreateConnection(ctx context.Context, tx *store.Tx, sc Scope, in ConnectionInput) error {
	doc, sealed, err := c.connectionDoc(sc, in)
	if err != nil {
		return err
	}
	now := c.now().UnixMilli()
	n, err := tx.Exec(ctx, `INSERT INTO glue_connections (account_id, region, name, doc, sealed_password, create_time, update_time)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, sc.Account, sc.Region, in.Name, doc, sealed, now, now)
	if err != nil {
		return fmt.Errorf("create connection %s: %w", in.Name, err)
	}
	if n == 0 {
		return &AlreadyExistsError{Kind: "Connection", Name: in.Name}
	}
	return nil
}

// connectionDoc checks in and returns its document without the password, and the password
// sealed ("" when there is none).
func (c Catalog) connectionDoc(sc Scope, in ConnectionInput) (doc, sealed string, err error) {
	if err := checkConnection(in); err != nil {
		return "", "", err
	}
	props := make(map[string]string, len(in.ConnectionProperties))
	for k, v := range in.ConnectionProperties {
		props[k] = v
	}
	if pw, ok := props[PropPassword]; ok {
		if c.Master == nil {
			return "", "", errors.New("connection passwords need the master key")
		}
		sealed = discovery.SealPassword(c.Master, sc.Account, pw)
		delete(props, PropPassword)
	}
	in.ConnectionProperties = props
	b, err := json.Marshal(in)
	return string(b), sealed, err
}

// checkConnection applies the model's rules for JDBC connections: a URL (or host, port and
// engine), and credentials as USERNAME and PASSWORD, SECRET_ID or a secret ARN (none for a
// jdbc:sqlite: file).
func checkConnection(in ConnectionInput) error {
	if in.ConnectionType != "JDBC" {
		return nil
	}
	p := in.ConnectionProperties
	if p[PropURL] == "" && (p[PropHost] == "" || p[PropPort] == "" || p[PropEngine] == "") {
		return invalid("A JDBC connection needs JDBC_CONNECTION_URL, or HOST, PORT and JDBC_ENGINE.")
	}
	if u := p[PropURL]; u != "" && !strings.HasPrefix(u, "jdbc:") {
		return invalid("JDBC_CONNECTION_URL must start with jdbc: (e.g. jdbc:postgresql://host:5432/db).")
	}
	if strings.HasPrefix(p[PropURL], "jdbc:sqlite:") {
		return nil
	}
	_, user := p[PropUsername]
	_, pw := p[PropPassword]
	secret := p[PropSecretID] != "" || in.AuthenticationConfiguration != nil && in.AuthenticationConfiguration.SecretArn != ""
	if user != pw || !user && !secret {
		return invalid("A JDBC connection needs USERNAME and PASSWORD, or SECRET_ID.")
	}
	return nil
}

// GetConnection returns connection name; its PASSWORD property is included, in clear, only
// when hidePassword is false (as Glue does).
func (c Catalog) GetConnection(ctx context.Context, tx *store.Tx, sc Scope, name string, hidePassword bool) (*Connection, error) {
	row := tx.QueryRow(ctx, `SELECT doc, sealed_password, create_time, update_time FROM glue_connections
		WHERE account_id = ? AND region = ? AND name = ?`, sc.Account, sc.Region, name)
	conn, err := c.scanConnection(sc, row.Scan, hidePassword)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Kind: "Connection", Name: name}
	}
	return conn, err
}

// ListConnections returns up to limit connections whose names sort after after and that keep
// accepts (nil keeps all), by name; more says whether others may follow.
func (c Catalog) ListConnections(ctx context.Context, tx *store.Tx, sc Scope, after string, limit int, hidePassword bool, keep func(*Connection) bool) (conns []Connection, more bool, err error) {
	rows, err := tx.Query(ctx, `SELECT doc, sealed_password, create_time, update_time FROM glue_connections
		WHERE account_id = ? AND region = ? AND name > ? ORDER BY name`, sc.Account, sc.Region, after)
	if err != nil {
		return nil, false, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		conn, err := c.scanConnection(sc, rows.Scan, hidePassword)
		if err != nil {
			return nil, false, err
		}
		if keep != nil && !keep(conn) {
			continue
		}
		if len(conns) == limit {
			return conns, true, nil
		}
		conns = append(conns, *conn)
	}
	return conns, false, rows.Err()
}

func (c Catalog) scanConnection(sc Scope, scan func(...any) error, hidePassword bool) (*Connection, error) {
	var (
		doc, sealed      string
		created, updated int64
	)
	if err := scan(&doc, &sealed, &created, &updated); err != nil {
		return nil, err
	}
	var in ConnectionInput
	if err := json.Unmarshal([]byte(doc), &in); err != nil {
		return nil, fmt.Errorf("decode connection: %w", err)
	}
	conn := &Connection{
		Name: in.Name, Description: in.Description, ConnectionType: in.ConnectionType, MatchCriteria: in.MatchCriteria,
		ConnectionProperties: in.ConnectionProperties, PhysicalConnectionRequirements: in.PhysicalConnectionRequirements,
		CreationTime: epoch(created), LastUpdatedTime: epoch(updated), Status: "READY", ConnectionSchemaVersion: 1,
	}
	if conn.ConnectionProperties == nil {
		conn.ConnectionProperties = map[string]string{}
	}
	if a := in.AuthenticationConfiguration; a != nil {
		conn.AuthenticationConfiguration = &AuthenticationConfiguration{AuthenticationType: a.AuthenticationType, SecretArn: a.SecretArn, KmsKeyArn: a.KmsKeyArn}
	}
	if sealed != "" && !hidePassword {
		if c.Master == nil {
			return nil, errors.New("connection passwords need the master key")
		}
		pw, err := discovery.OpenPassword(c.Master, sc.Account, sealed)
		if err != nil {
			return nil, fmt.Errorf("open the password of connection %s: %w", in.Name, err)
		}
		conn.ConnectionProperties[PropPassword] = pw
	}
	return conn, nil
}

// UpdateConnection replaces connection name with in (a different in.Name renames it; its tags
// follow). Like Glue, the properties are replaced whole: a PASSWORD left out is removed.
func (c Catalog) UpdateConnection(ctx context.Context, tx *store.Tx, sc Scope, name string, in ConnectionInput) error {
	doc, sealed, err := c.connectionDoc(sc, in)
	if err != nil {
		return err
	}
	if in.Name != name {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM glue_connections WHERE account_id = ? AND region = ? AND name = ?`,
			sc.Account, sc.Region, in.Name).Scan(&one)
		if err == nil {
			return &AlreadyExistsError{Kind: "Connection", Name: in.Name}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("update connection %s: %w", name, err)
		}
	}
	n, err := tx.Exec(ctx, `UPDATE glue_connections SET name = ?, doc = ?, sealed_password = ?, update_time = ?
		WHERE account_id = ? AND region = ? AND name = ?`, in.Name, doc, sealed, c.now().UnixMilli(), sc.Account, sc.Region, name)
	if err != nil {
		return fmt.Errorf("update connection %s: %w", name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Connection", Name: name}
	}
	if in.Name != name {
		return c.renameTags(ctx, tx, sc, "connection/"+name, "connection/"+in.Name)
	}
	return nil
}

// DeleteConnection deletes connection name and its tags.
func (c Catalog) DeleteConnection(ctx context.Context, tx *store.Tx, sc Scope, name string) error {
	n, err := tx.Exec(ctx, `DELETE FROM glue_connections WHERE account_id = ? AND region = ? AND name = ?`, sc.Account, sc.Region, name)
	if err != nil {
		return fmt.Errorf("delete connection %s: %w", name, err)
	}
	if n == 0 {
		return &NotFoundError{Kind: "Connection", Name: name}
	}
	return c.DeleteTags(ctx, tx, sc, "connection/"+name)
}

// ConnectionConfig returns the discovery configuration that reads the database of connection
// name: engine, host, port and database from its JDBC URL, credentials from USERNAME and the
// sealed PASSWORD, or from the SECRET_ID (or AuthenticationConfiguration.SecretArn) secret's
// username and password. A crawl or a connection test queues or runs exactly this.
func (c Catalog) ConnectionConfig(ctx context.Context, tx *store.Tx, sc Scope, name string) (discovery.Config, error) {
	var doc, sealed string
	err := tx.QueryRow(ctx, `SELECT doc, sealed_password FROM glue_connections WHERE account_id = ? AND region = ? AND name = ?`,
		sc.Account, sc.Region, name).Scan(&doc, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return discovery.Config{}, &NotFoundError{Kind: "Connection", Name: name}
	}
	if err != nil {
		return discovery.Config{}, fmt.Errorf("read connection %s: %w", name, err)
	}
	var in ConnectionInput
	if err := json.Unmarshal([]byte(doc), &in); err != nil {
		return discovery.Config{}, fmt.Errorf("decode connection %s: %w", name, err)
	}
	return jdbcConfig(in, sealed)
}

// InputConfig is ConnectionConfig for a connection that is not stored (TestConnection's
// TestConnectionInput); its password is sealed for the run.
func (c Catalog) InputConfig(sc Scope, in ConnectionInput) (discovery.Config, error) {
	doc, sealed, err := c.connectionDoc(sc, in)
	if err != nil {
		return discovery.Config{}, err
	}
	var stored ConnectionInput
	if err := json.Unmarshal([]byte(doc), &stored); err != nil {
		return discovery.Config{}, err
	}
	return jdbcConfig(stored, sealed)
}

// jdbcConfig maps a connection onto a discovery configuration.
func jdbcConfig(in ConnectionInput, sealed string) (discovery.Config, error) {
	p := in.ConnectionProperties
	var cfg discovery.Config
	if raw := p[PropURL]; raw != "" {
		var err error
		if cfg, err = ParseJDBCURL(raw); err != nil {
			return cfg, err
		}
	} else {
		engine := p[PropEngine]
		if engine == "" {
			engine = strings.ToLower(in.ConnectionType)
		}
		e, ok := connector.NormalizeEngine(engine)
		if !ok || e == connector.Files {
			return cfg, invalid("Connection %s: engine %q is not supported; use postgresql, mysql, mariadb or sqlite.", in.Name, engine)
		}
		port, err := strconv.Atoi(p[PropPort])
		if err != nil && p[PropPort] != "" {
			return cfg, invalid("Connection %s: PORT %q is not a number.", in.Name, p[PropPort])
		}
		cfg = discovery.Config{Engine: e, Host: p[PropHost], Port: port, Database: p[PropDatabase]}
	}
	cfg.User = p[PropUsername]
	cfg.SealedPassword = sealed
	if cfg.SealedPassword == "" {
		cfg.SecretID = p[PropSecretID]
		if cfg.SecretID == "" && in.AuthenticationConfiguration != nil {
			cfg.SecretID = in.AuthenticationConfiguration.SecretArn
		}
	}
	if strings.EqualFold(p[PropEnforceSSL], "true") {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		switch cfg.Engine {
		case connector.Postgres:
			cfg.Params["sslmode"] = "require"
		case connector.MySQL:
			cfg.Params["tls"] = "true"
		}
	}
	return cfg, nil
}

// ParseJDBCURL reads jdbc:postgresql://host[:port]/database, jdbc:mysql:// or jdbc:mariadb://
// (the same form) and Surveyor's jdbc:sqlite:/absolute/path.db. Of the URL's parameters only
// PostgreSQL's sslmode is kept; credentials never come from the URL.
func ParseJDBCURL(raw string) (discovery.Config, error) {
	rest, ok := strings.CutPrefix(raw, "jdbc:")
	if !ok {
		return discovery.Config{}, invalid("JDBC_CONNECTION_URL must start with jdbc:.")
	}
	if path, ok := strings.CutPrefix(rest, "sqlite:"); ok {
		if !strings.HasPrefix(path, "/") {
			return discovery.Config{}, invalid("jdbc:sqlite: needs an absolute path (jdbc:sqlite:/data/app.db).")
		}
		return discovery.Config{Engine: connector.SQLite, Path: path}, nil
	}
	scheme, _, _ := strings.Cut(rest, ":")
	engine, ok := connector.NormalizeEngine(scheme)
	if !ok || engine == connector.Files || engine == connector.SQLite {
		return discovery.Config{}, invalid("JDBC engine %q is not supported; use postgresql, mysql, mariadb or sqlite.", scheme)
	}
	u, err := url.Parse(rest)
	if err != nil || u.Host == "" {
		return discovery.Config{}, invalid("JDBC_CONNECTION_URL %q is not jdbc:<engine>://host:port/database.", raw)
	}
	cfg := discovery.Config{Engine: engine, Host: u.Hostname(), Database: strings.TrimPrefix(u.Path, "/")}
	if u.User != nil {
		return discovery.Config{}, invalid("JDBC_CONNECTION_URL must not hold credentials; use USERNAME and PASSWORD or SECRET_ID.")
	}
	if port := u.Port(); port != "" {
		if cfg.Port, err = strconv.Atoi(port); err != nil {
			return discovery.Config{}, invalid("JDBC_CONNECTION_URL port %q is not a number.", port)
		}
	}
	if mode := u.Query().Get("sslmode"); mode != "" && engine == connector.Postgres {
		cfg.Params = map[string]string{"sslmode": mode}
	}
	return cfg, nil
}
