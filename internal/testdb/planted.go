package testdb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Planted are functions and operators a hostile source owner put in a PostgreSQL database's
// public schema under the names of the catalog functions a scan calls (unnest, array_agg,
// format_type, pg_get_expr, lower, = on oid and int2, || on text...). Each one, when it runs,
// records its name in the table public.planted_ran through dblink — an autonomous write that
// survives the scan's read-only, rolled-back transaction — and then raises an exception. A scan
// that executes none of the source's code leaves the table empty.
type Planted struct {
	d *DB
}

// PlantedSchema is a small public schema that makes every catalog query of a PostgreSQL scan call
// the functions and operators PlantPostgres shadows: a foreign key and a unique key (unnest over
// int2[]), a check and defaults (pg_get_expr), an enum (array_agg over text), an expression index
// (pg_get_indexdef), a view (pg_get_viewdef) and a partitioned table (pg_get_partkeydef). Create
// it before planting.
var PlantedSchema = []string{
	"CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy')",
	`CREATE TABLE public.people (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  feeling public.mood DEFAULT 'ok',
  age int CHECK (age >= 0)
)`,
	"CREATE INDEX people_lower_name ON public.people (lower(name))",
	`CREATE TABLE public.pets (
  id int PRIMARY KEY,
  owner int REFERENCES public.people (id),
  name text
)`,
	"CREATE VIEW public.pet_owners AS SELECT p.name AS owner, pe.name AS pet FROM public.people p JOIN public.pets pe ON pe.owner = p.id",
	"CREATE TABLE public.events (at date NOT NULL, what text) PARTITION BY RANGE (at)",
	"CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
}

// PlantPostgres creates the traps in d (which must be a PostgreSQL database on a server with the
// dblink extension, part of PostgreSQL's contrib) and proves they are armed: with the source's
// own search_path, an unqualified call reaches a planted function.
func PlantPostgres(t testing.TB, d *DB) *Planted {
	t.Helper()
	conn := fmt.Sprintf("host=%s port=%d dbname=%s user=%s", d.Source.Host, d.Source.Port, d.Source.Database, d.Source.User)
	if d.Source.Port == 0 {
		conn = strings.Replace(conn, " port=0", "", 1)
	}
	if d.Source.Password != "" {
		conn += " password=" + d.Source.Password
	}
	trap := func(signature, returns string) string {
		return fmt.Sprintf(`CREATE FUNCTION public.%s RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog, public AS $f$
BEGIN
  PERFORM public.planted_mark(%s);
  RAISE EXCEPTION 'planted %s ran';
END $f$`, signature, returns, quote(signature), strings.ReplaceAll(signature, "'", "''"))
	}
	stmts := []string{
		"CREATE EXTENSION IF NOT EXISTS dblink SCHEMA public",
		"CREATE TABLE public.planted_ran (what text NOT NULL)",
		fmt.Sprintf(`CREATE FUNCTION public.planted_mark(what text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, public AS $f$
BEGIN
  PERFORM public.dblink_exec(%s, pg_catalog.format('INSERT INTO public.planted_ran (what) VALUES (%%L)', what));
END $f$`, quote(conn)),
		trap("unnest(smallint[])", "SETOF smallint"),
		trap("unnest(oid[])", "SETOF oid"),
		trap("format_type(oid, integer)", "text"),
		trap("pg_get_expr(pg_node_tree, oid)", "text"),
		trap("pg_get_expr(pg_node_tree, oid, boolean)", "text"),
		trap("pg_get_viewdef(oid, boolean)", "text"),
		trap("pg_get_indexdef(oid, integer, boolean)", "text"),
		trap("pg_get_partkeydef(oid)", "text"),
		trap("has_table_privilege(oid, text)", "boolean"),
		trap("current_setting(text)", "text"),
		trap("lower(text)", "text"),
		trap("generate_series(integer, integer)", "SETOF integer"),
		trap("planted_agg_step(text[], text)", "text[]"),
		"CREATE AGGREGATE public.array_agg(text) (SFUNC = public.planted_agg_step, STYPE = text[])",
		trap("planted_oideq(oid, oid)", "boolean"),
		trap("planted_int2eq(smallint, smallint)", "boolean"),
		trap("planted_oidint2eq(oid, smallint)", "boolean"),
		trap("planted_textcat(text, text)", "text"),
		"CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = public.planted_oideq)",
		"CREATE OPERATOR public.= (LEFTARG = smallint, RIGHTARG = smallint, FUNCTION = public.planted_int2eq)",
		"CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = smallint, FUNCTION = public.planted_oidint2eq)",
		"CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = public.planted_textcat)",
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range stmts {
		if _, err := d.SQL.ExecContext(ctx, s); err != nil {
			t.Fatalf("plant: %v\n%s", err, s)
		}
	}
	p := &Planted{d: d}
	// Armed: an unqualified unnest over int2[] with the source's search_path runs the planted one.
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = tx.ExecContext(ctx, "SET LOCAL search_path = public")
	_, err = tx.ExecContext(ctx, "SELECT unnest('{1}'::int2[])")
	_ = tx.Rollback()
	if err == nil || !strings.Contains(err.Error(), "planted unnest(smallint[]) ran") {
		t.Fatalf("the planted unnest is not armed: %v", err)
	}
	if ran := p.Ran(t); len(ran) != 1 || ran[0] != "unnest(smallint[])" {
		t.Fatalf("the marker of the control call = %v, want [unnest(smallint[])]", ran)
	}
	if _, err := d.SQL.ExecContext(ctx, "DELETE FROM public.planted_ran"); err != nil {
		t.Fatal(err)
	}
	return p
}

// Ran lists the planted functions that ran since the traps were armed.
func (p *Planted) Ran(t testing.TB) []string {
	t.Helper()
	rows, err := p.d.SQL.Query("SELECT what FROM public.planted_ran ORDER BY what")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
