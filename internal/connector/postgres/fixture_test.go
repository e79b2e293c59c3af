package postgres_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.golden.json from a scan of the fixture")

// golden is the snapshot with volatile fields blanked and the random database name replaced.
func golden(snap *schema.Snapshot) []byte {
	c := *snap
	c.CapturedAt = time.Time{}
	c.ServerVersion = ""
	c.Databases = make([]schema.Database, len(snap.Databases))
	for di, db := range snap.Databases {
		db.Name = "fixture"
		db.Namespaces = slices.Clone(db.Namespaces)
		for ni := range db.Namespaces {
			ns := &db.Namespaces[ni]
			ns.Tables = slices.Clone(ns.Tables)
			for ti := range ns.Tables {
				ns.Tables[ti].Meta = schema.Meta{}
			}
		}
		c.Databases[di] = db
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func TestFixtureMatchesGolden(t *testing.T) {
	d := newFixture(t)
	snap := discover(t, d.Source, testOptions())
	got := golden(snap)
	const path = "testdata/fixture.golden.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("snapshot differs from %s (run with -update after checking the change):\n%s", path, firstDifference(want, got))
	}
}

// firstDifference shows the first differing line of two texts with its line number.
func firstDifference(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + string(w) + "\n  got:  " + string(g)
		}
	}
	return ""
}

// TestFixtureFacts pins, independently of the golden file, what a user reads in a scan of the
// fixture.
func TestFixtureFacts(t *testing.T) {
	d := newFixture(t)
	snap := discover(t, d.Source, testOptions())

	if snap.Engine != "postgres" || !strings.HasPrefix(snap.ServerVersion, "PostgreSQL ") || !snap.Complete || snap.CapturedAt.IsZero() {
		t.Errorf("engine %q, version %q, complete %v, captured %v", snap.Engine, snap.ServerVersion, snap.Complete, snap.CapturedAt)
	}
	if len(snap.Databases) != 1 || snap.Databases[0].Name != d.Source.Database {
		t.Fatalf("databases = %+v, want only %s", snap.Databases, d.Source.Database)
	}
	var nsNames []string
	enums := map[string][]string{}
	for _, ns := range snap.Databases[0].Namespaces {
		nsNames = append(nsNames, ns.Name)
		for _, e := range ns.Enums {
			enums[ns.Name+"."+e.Name] = e.Values
		}
		if ns.Name == "app" && ns.Comment != "the application" {
			t.Errorf("schema app comment = %q", ns.Comment)
		}
	}
	if want := []string{"app", "billing", "public"}; !slices.Equal(nsNames, want) {
		t.Errorf("namespaces = %v, want %v", nsNames, want)
	}
	if got := enums["app.mood"]; !slices.Equal(got, []string{"sad", "ok", "happy"}) {
		t.Errorf("enum app.mood = %v, want [sad ok happy] in declaration order", got)
	}
	if got := enums["billing.invoice_state"]; !slices.Equal(got, []string{"draft", "sent", "paid"}) {
		t.Errorf("enum billing.invoice_state = %v", got)
	}

	t.Run("kinds", func(t *testing.T) {
		for _, tc := range []struct {
			ns, name string
			kind     schema.Kind
		}{
			{"app", "users", schema.KindTable},
			{"app", "active_products", schema.KindView},
			{"billing", "invoice_totals", schema.KindMaterializedView},
			{"billing", "events", schema.KindPartitionedTable},
			{"billing", "events_2024", schema.KindPartition},
			{"billing", "regional", schema.KindPartitionedTable},
			{"billing", "regional_eu", schema.KindPartition},
			{"billing", "remote_payments", schema.KindForeignTable},
		} {
			if got := table(t, snap, tc.ns, tc.name).Kind; got != tc.kind {
				t.Errorf("%s.%s kind = %s, want %s", tc.ns, tc.name, got, tc.kind)
			}
		}
	})

	t.Run("column types of all_types", func(t *testing.T) {
		tb := table(t, snap, "app", "all_types")
		n := func(v int) *int { return &v }
		l := func(v int64) *int64 { return &v }
		for _, tc := range []struct {
			col              string
			declared, base   string
			length           *int64
			precision, scale *int
			dims             int
			domain, enum     string
		}{
			{col: "c_int2", declared: "smallint", base: "int2"},
			{col: "c_int8", declared: "bigint", base: "int8"},
			{col: "c_numeric", declared: "numeric(10,2)", base: "numeric", precision: n(10), scale: n(2)},
			{col: "c_numeric_any", declared: "numeric", base: "numeric"},
			{col: "c_real", declared: "real", base: "float4"},
			{col: "c_double", declared: "double precision", base: "float8"},
			{col: "c_money", declared: "money", base: "money"},
			{col: "c_varchar", declared: "character varying(20)", base: "varchar", length: l(20)},
			{col: "c_char", declared: "character(3)", base: "bpchar", length: l(3)},
			{col: "c_uuid", declared: "uuid", base: "uuid"},
			{col: "c_timestamp3", declared: "timestamp(3) without time zone", base: "timestamp", precision: n(3)},
			{col: "c_timestamptz", declared: "timestamp with time zone", base: "timestamptz"},
			{col: "c_interval", declared: "interval", base: "interval"},
			{col: "c_jsonb", declared: "jsonb", base: "jsonb"},
			{col: "c_cidr", declared: "cidr", base: "cidr"},
			{col: "c_bytea", declared: "bytea", base: "bytea"},
			{col: "c_int_array", declared: "integer[]", base: "int4", dims: 1},
			{col: "c_text_matrix", declared: "text[]", base: "text", dims: 2},
			{col: "c_amount", declared: "app.positive_amount", base: "numeric", precision: n(12), scale: n(2), domain: "app.positive_amount"},
			{col: "c_mood", declared: "app.mood", base: "enum", enum: "app.mood"},
		} {
			t.Run(tc.col, func(t *testing.T) {
				got := column(t, tb, tc.col).Type
				if got.Declared != tc.declared || got.Base != tc.base || got.ArrayDims != tc.dims || got.Domain != tc.domain || got.Enum != tc.enum {
					t.Errorf("type = %+v, want declared %q base %q dims %d domain %q enum %q", got, tc.declared, tc.base, tc.dims, tc.domain, tc.enum)
				}
				if !equalPtr(got.Length, tc.length) || !equalPtr(got.Precision, tc.precision) || !equalPtr(got.Scale, tc.scale) {
					t.Errorf("length/precision/scale = %s/%s/%s, want %s/%s/%s", show(got.Length), show(got.Precision), show(got.Scale),
						show(tc.length), show(tc.precision), show(tc.scale))
				}
			})
		}
		if c := column(t, tb, "c_after_drop"); c.Position != 31 {
			t.Errorf("column after a dropped one has position %d, want 31 (dropped columns do not count)", c.Position)
		}
		if c := column(t, tb, "c_serial"); !c.AutoIncrement || c.Default == nil || !strings.HasPrefix(*c.Default, "nextval(") || c.Nullable {
			t.Errorf("serial column = %+v, want NOT NULL auto-increment with a nextval default", c)
		}
		if tb.PrimaryKey == nil || !slices.Equal(tb.PrimaryKey.Columns, []string{"c_int4", "c_serial"}) {
			t.Errorf("composite primary key = %+v, want (c_int4, c_serial)", tb.PrimaryKey)
		}
	})

	t.Run("users", func(t *testing.T) {
		tb := table(t, snap, "app", "users")
		if tb.Comment != "people who sign in" {
			t.Errorf("table comment = %q", tb.Comment)
		}
		if c := column(t, tb, "id"); c.Identity != "ALWAYS" || c.Default != nil {
			t.Errorf("id identity %q default %v, want ALWAYS and no default", c.Identity, c.Default)
		}
		if c := column(t, tb, "email"); c.Comment != "login address" || c.Type.Domain != "app.email" || c.Type.Base != "varchar" || !equalPtr(c.Type.Length, ptr(int64(254))) {
			t.Errorf("email = %+v", c)
		}
		if c := column(t, tb, "handle"); c.Collation != "C" {
			t.Errorf("handle collation = %q, want C", c.Collation)
		}
		if c := column(t, tb, "display_name"); c.Collation != "" {
			t.Errorf("display_name collation = %q, want none (the type's default)", c.Collation)
		}
		if c := column(t, tb, "moods"); c.Type.ArrayDims != 1 || c.Type.Enum != "app.mood" || !slices.Equal(c.Type.Values, []string{"sad", "ok", "happy"}) {
			t.Errorf("moods type = %+v, want an array of app.mood with its values", c.Type)
		}
		if len(tb.Uniques) != 1 || tb.Uniques[0].Name != "users_handle_key" || !slices.Equal(tb.Uniques[0].Columns, []string{"handle"}) {
			t.Errorf("uniques = %+v", tb.Uniques)
		}
		if i := index(t, tb, "users_email_lower_idx"); len(i.Parts) != 1 || i.Parts[0].Expression != "lower(email::text)" || i.Parts[0].Column != "" {
			t.Errorf("expression index = %+v", i)
		}
	})

	t.Run("products", func(t *testing.T) {
		tb := table(t, snap, "app", "products")
		if c := column(t, tb, "id"); c.Identity != "BY DEFAULT" {
			t.Errorf("id identity = %q, want BY DEFAULT", c.Identity)
		}
		if c := column(t, tb, "total"); c.GeneratedKind != "STORED" || c.Generated != "(price * (qty)::numeric)" || c.Default != nil {
			t.Errorf("generated column = %+v", c)
		}
		var checks []string
		for _, c := range tb.Checks {
			checks = append(checks, c.Name+": "+c.Expression)
		}
		if want := []string{"products_price_positive: price > 0::numeric", "products_qty_nonnegative: qty >= 0"}; !slices.Equal(checks, want) {
			t.Errorf("checks = %q, want %q", checks, want)
		}
		for _, tc := range []struct {
			name string
			want schema.Index
		}{
			{"products_pkey", schema.Index{Unique: true, Primary: true, Method: "btree", Parts: []schema.IndexPart{{Column: "id"}}}},
			{"products_lower_name_idx", schema.Index{Unique: true, Method: "btree", Parts: []schema.IndexPart{{Expression: "lower(name)"}}}},
			{"products_name_price_idx", schema.Index{Method: "btree", Parts: []schema.IndexPart{{Column: "name"}, {Column: "price", Descending: true}}}},
			{"products_live_idx", schema.Index{Method: "btree", Parts: []schema.IndexPart{{Column: "sku"}}, Predicate: "deleted_at IS NULL"}},
			{"products_sku_include_idx", schema.Index{Method: "btree", Parts: []schema.IndexPart{{Column: "sku"}}, Include: []string{"name", "price"}}},
			{"products_attrs_gin", schema.Index{Method: "gin", Parts: []schema.IndexPart{{Column: "attrs"}}}},
		} {
			got := index(t, tb, tc.name)
			tc.want.Name = tc.name
			if describe(got) != describe(tc.want) {
				t.Errorf("index %s = %s, want %s", tc.name, describe(got), describe(tc.want))
			}
		}
	})

	t.Run("foreign keys", func(t *testing.T) {
		fks := map[string]schema.ForeignKey{}
		for _, name := range []string{"invoices", "invoice_lines"} {
			for _, fk := range table(t, snap, "billing", name).ForeignKeys {
				fks[fk.Name] = fk
			}
		}
		for _, tc := range []struct {
			name string
			want string
		}{
			{"invoices_user_id_fkey", "(user_id) → app.users(id) ON UPDATE NO ACTION ON DELETE CASCADE deferrable=false/false"},
			{"invoices_reviewer_fkey", "(reviewer) → app.users(id) ON UPDATE CASCADE ON DELETE SET NULL deferrable=false/false"},
			{"invoice_lines_invoice_fkey", "(invoice_id) → billing.invoices(id) ON UPDATE NO ACTION ON DELETE NO ACTION deferrable=true/true"},
			{"invoice_lines_product_fkey", "(product_id) → app.products(id) ON UPDATE NO ACTION ON DELETE RESTRICT deferrable=false/false"},
		} {
			fk, ok := fks[tc.name]
			if !ok {
				t.Errorf("foreign key %s missing", tc.name)
				continue
			}
			got := fmt.Sprintf("(%s) → %s.%s(%s) ON UPDATE %s ON DELETE %s deferrable=%v/%v", strings.Join(fk.Columns, ", "),
				fk.RefNamespace, fk.RefTable, strings.Join(fk.RefColumns, ", "), fk.OnUpdate, fk.OnDelete, fk.Deferrable, fk.InitiallyDeferred)
			if got != tc.want {
				t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
			}
		}
		if got := table(t, snap, "billing", "event_notes").ForeignKeys; len(got) != 1 || got[0].RefTable != "events" ||
			!slices.Equal(got[0].RefColumns, []string{"id", "created_at"}) {
			t.Errorf("foreign keys to a partitioned table = %+v, want only event_notes_event_fkey → events(id, created_at)", got)
		}
		if pk := table(t, snap, "billing", "invoice_lines").PrimaryKey; pk == nil || !slices.Equal(pk.Columns, []string{"invoice_id", "line_no"}) {
			t.Errorf("invoice_lines primary key = %+v", pk)
		}
	})

	t.Run("views partitions foreign and unlogged tables", func(t *testing.T) {
		v := table(t, snap, "app", "active_products")
		if !strings.HasPrefix(v.ViewDefinition, "SELECT products.id") || !strings.Contains(v.ViewDefinition, "WHERE products.deleted_at IS NULL") || v.Comment != "products on sale" {
			t.Errorf("view = %q comment %q", v.ViewDefinition, v.Comment)
		}
		if m := table(t, snap, "billing", "invoice_totals"); !strings.Contains(m.ViewDefinition, "sum(invoice_lines.amount) AS total") {
			t.Errorf("materialized view definition = %q", m.ViewDefinition)
		}
		if p := table(t, snap, "billing", "events"); p.PartitionKey != "RANGE (created_at)" {
			t.Errorf("partition key = %q", p.PartitionKey)
		}
		if p := table(t, snap, "billing", "events_2025"); p.PartitionOf != "billing.events" ||
			p.PartitionBound != "FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')" {
			t.Errorf("partition of %q bound %q", p.PartitionOf, p.PartitionBound)
		}
		if p := table(t, snap, "billing", "regional_eu"); p.PartitionOf != "billing.regional" || p.PartitionBound != "FOR VALUES IN ('eu', 'uk')" {
			t.Errorf("list partition of %q bound %q", p.PartitionOf, p.PartitionBound)
		}
		if p := table(t, snap, "billing", "regional"); p.PartitionKey != "LIST (region)" {
			t.Errorf("list partition key = %q", p.PartitionKey)
		}
		if f := table(t, snap, "billing", "remote_payments"); f.Options["server"] != "warehouse" {
			t.Errorf("foreign table options = %v, want server warehouse", f.Options)
		}
		if u := table(t, snap, "billing", "scratch"); u.Options["persistence"] != "unlogged" {
			t.Errorf("unlogged table options = %v", u.Options)
		}
	})

	t.Run("meta", func(t *testing.T) {
		users := table(t, snap, "app", "users")
		if users.Meta.SizeBytes != nil || users.Meta.RowEstimate != nil {
			t.Errorf("never analyzed table has size %s and row estimate %s, want both unknown", show(users.Meta.SizeBytes), show(users.Meta.RowEstimate))
		}
		if v := table(t, snap, "app", "active_products"); v.Meta.SizeBytes != nil || v.Meta.RowEstimate != nil {
			t.Errorf("view meta = %+v, want no size and no estimate", v.Meta)
		}
		for _, a := range snap.Assets() {
			if a.Table.Meta.NoAccess {
				t.Errorf("%s is marked NoAccess for the owner", a.Ref)
			}
		}
	})
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func show[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func ptr[T any](v T) *T { return &v }

// describe renders an index the way a user would read it, to compare it whole.
func describe(i schema.Index) string {
	b, _ := json.Marshal(i)
	return string(b)
}
