package postgres_test

import (
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// TestPlantedFunctionsNeverRun plants, in the source's public schema, functions and operators
// named like the catalog functions a scan calls, each one recording that it ran and raising. The
// scan must succeed, read the right schema and run none of them.
func TestPlantedFunctionsNeverRun(t *testing.T) {
	d := testdb.New(t, connector.Postgres, "pgplant")
	d.Exec(t, testdb.PlantedSchema...)
	traps := testdb.PlantPostgres(t, d)

	snap := discover(t, d.Source, testOptions())
	if ran := traps.Ran(t); len(ran) > 0 {
		t.Fatalf("the scan ran planted code: %v", ran)
	}
	if got := strings.Join(tableNames(snap), ","); got != "public.events,public.events_2024,public.people,public.pet_owners,public.pets,public.planted_ran" {
		t.Errorf("tables = %s", got)
	}
	people := table(t, snap, "public", "people")
	if c := column(t, people, "feeling"); c.Type.Base != "enum" || strings.Join(c.Type.Values, ",") != "sad,ok,happy" || c.Default == nil || *c.Default != "'ok'::public.mood" {
		t.Errorf("people.feeling = %+v, default %v", c.Type, c.Default)
	}
	if c := column(t, people, "id"); c.Default == nil || *c.Default != "nextval('public.people_id_seq'::regclass)" || !c.AutoIncrement {
		t.Errorf("people.id default = %v", c.Default)
	}
	if len(people.Checks) != 1 || people.Checks[0].Expression != "age >= 0" {
		t.Errorf("people checks = %+v", people.Checks)
	}
	if people.PrimaryKey == nil || strings.Join(people.PrimaryKey.Columns, ",") != "id" || len(people.Uniques) != 1 || strings.Join(people.Uniques[0].Columns, ",") != "name" {
		t.Errorf("people keys: primary %+v uniques %+v", people.PrimaryKey, people.Uniques)
	}
	if ix := index(t, people, "people_lower_name"); len(ix.Parts) != 1 || ix.Parts[0].Expression != "lower(name)" {
		t.Errorf("people_lower_name = %+v", ix)
	}
	pets := table(t, snap, "public", "pets")
	if len(pets.ForeignKeys) != 1 || strings.Join(pets.ForeignKeys[0].Columns, ",") != "owner" || pets.ForeignKeys[0].RefTable != "people" || strings.Join(pets.ForeignKeys[0].RefColumns, ",") != "id" {
		t.Errorf("pets foreign keys = %+v", pets.ForeignKeys)
	}
	if v := table(t, snap, "public", "pet_owners"); !strings.Contains(v.ViewDefinition, "JOIN public.pets pe ON") {
		t.Errorf("view definition = %q", v.ViewDefinition)
	}
	if e := table(t, snap, "public", "events"); e.PartitionKey != "RANGE (at)" {
		t.Errorf("partition key = %q", e.PartitionKey)
	}
	if e := table(t, snap, "public", "events_2024"); e.PartitionBound != "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" || e.PartitionOf != "public.events" {
		t.Errorf("partition = %q of %q", e.PartitionBound, e.PartitionOf)
	}
	if ran := traps.Ran(t); len(ran) > 0 {
		t.Fatalf("the scan ran planted code: %v", ran)
	}
}
