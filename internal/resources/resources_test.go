package resources_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
	"github.com/surveyorhq/surveyor/internal/store/storetest"
)

// The scopes of the tests: acctA and, for isolation, another account and another region.
var (
	acctA   = scope.Scope{Account: "111111111111", Region: "us-east-1"}
	acctB   = scope.Scope{Account: "222222222222", Region: "us-east-1"}
	regionB = scope.Scope{Account: "111111111111", Region: "eu-west-1"}
)

type doc struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		kind := resources.Kind{Service: "datazone", Type: "project"}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for i := 0; i < 5; i++ {
				parent := "dom-a"
				if i%2 == 1 {
					parent = "dom-b"
				}
				id := fmt.Sprintf("p%d", i)
				if err := resources.Insert(ctx, tx, acctA, kind, resources.Record{ID: id, Name: "name-" + id, ParentID: parent, CreatedAt: t0.Add(time.Duration(i) * time.Second)}, doc{Name: id, Count: i}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = db.ReadTx(ctx, func(tx *store.Tx) error {
			r, err := resources.Get(ctx, tx, acctA, kind, "p3")
			var d doc
			if err != nil || r.Decode(&d) != nil || d.Count != 3 || r.ParentID != "dom-b" {
				t.Errorf("Get p3 = %+v %+v, %v", r, d, err)
			}
			if _, err := resources.Get(ctx, tx, acctB, kind, "p3"); !errors.Is(err, resources.ErrNotFound) {
				t.Errorf("other account: %v", err)
			}
			if _, err := resources.Get(ctx, tx, regionB, kind, "p3"); !errors.Is(err, resources.ErrNotFound) {
				t.Errorf("other region: %v", err)
			}
			if _, err := resources.GetByName(ctx, tx, regionB, kind, "name-p3"); !errors.Is(err, resources.ErrNotFound) {
				t.Errorf("other region by name: %v", err)
			}
			if page, _, err := resources.List(ctx, tx, regionB, kind, resources.ListQuery{}); err != nil || len(page) != 0 {
				t.Errorf("other region lists %d, %v; want none", len(page), err)
			}
			if _, err := resources.Get(ctx, tx, acctA, resources.Kind{Service: "dms", Type: "project"}, "p3"); !errors.Is(err, resources.ErrNotFound) {
				t.Errorf("other service: %v", err)
			}
			if r, err := resources.GetByName(ctx, tx, acctA, kind, "name-p2"); err != nil || r.ID != "p2" {
				t.Errorf("GetByName = %v, %v", r.ID, err)
			}
			var ids []string
			after := ""
			for {
				page, more, err := resources.List(ctx, tx, acctA, kind, resources.ListQuery{After: after, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page {
					ids = append(ids, r.ID)
				}
				if !more {
					break
				}
				after = page[len(page)-1].ID
			}
			if fmt.Sprint(ids) != "[p0 p1 p2 p3 p4]" {
				t.Errorf("paged ids = %v", ids)
			}
			parent := "dom-b"
			page, _, _ := resources.List(ctx, tx, acctA, kind, resources.ListQuery{ParentID: &parent})
			if len(page) != 2 {
				t.Errorf("children of dom-b = %d, want 2", len(page))
			}
			return nil
		})
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return resources.Insert(ctx, tx, acctA, kind, resources.Record{ID: "p1", CreatedAt: t0}, doc{})
		})
		if !errors.Is(err, resources.ErrExists) {
			t.Errorf("duplicate insert: %v", err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := resources.Update(ctx, tx, acctA, kind, "p1", "renamed", doc{Name: "x", Count: 9}, t0); err != nil {
				return err
			}
			return resources.Delete(ctx, tx, acctA, kind, "p0")
		}); err != nil {
			t.Fatal(err)
		}
		_ = db.ReadTx(ctx, func(tx *store.Tx) error {
			if r, err := resources.Get(ctx, tx, acctA, kind, "p1"); err != nil || r.Name != "renamed" {
				t.Errorf("after update: %+v %v", r, err)
			}
			if _, err := resources.Get(ctx, tx, acctA, kind, "p0"); !errors.Is(err, resources.ErrNotFound) {
				t.Errorf("after delete: %v", err)
			}
			return nil
		})
		if err := db.Tx(ctx, func(tx *store.Tx) error { return resources.Delete(ctx, tx, acctA, kind, "p0") }); !errors.Is(err, resources.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
	})
}

func TestUniqueNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		kind := resources.Kind{Service: "dms", Type: "endpoint"}
		now := time.Now()
		insert := func(id, name string, unique bool) error {
			return db.Tx(ctx, func(tx *store.Tx) error {
				return resources.Insert(ctx, tx, acctA, kind, resources.Record{ID: id, Name: name, UniqueName: unique, CreatedAt: now}, doc{})
			})
		}
		if err := insert("a", "source-db", true); err != nil {
			t.Fatal(err)
		}
		if err := insert("b", "source-db", true); !errors.Is(err, resources.ErrNameTaken) {
			t.Errorf("second unique name: %v, want ErrNameTaken", err)
		}
		if err := insert("a", "other", true); !errors.Is(err, resources.ErrExists) {
			t.Errorf("taken id: %v, want ErrExists", err)
		}
		if err := insert("c", "source-db", false); err != nil {
			t.Errorf("records that do not ask for a unique name may share it: %v", err)
		}
		if err := insert("d", "target-db", true); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			return resources.Update(ctx, tx, acctA, kind, "d", "source-db", doc{}, now)
		})
		if !errors.Is(err, resources.ErrNameTaken) {
			t.Errorf("rename onto a taken name: %v, want ErrNameTaken", err)
		}
		// Another account may use the name.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return resources.Insert(ctx, tx, acctB, kind, resources.Record{ID: "a", Name: "source-db", UniqueName: true, CreatedAt: now}, doc{})
		})
		if err != nil {
			t.Errorf("same name in another account: %v", err)
		}
		// And so may another region of the account, with the same id (ids from client tokens).
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return resources.Insert(ctx, tx, regionB, kind, resources.Record{ID: "a", Name: "source-db", UniqueName: true, CreatedAt: now}, doc{})
		})
		if err != nil {
			t.Errorf("same name and id in another region: %v", err)
		}
	})
}

// Names unique in their parent (DataZone projects and data sources in a domain): the store
// refuses a second one under the same parent, whatever the interleaving, and allows it under
// another parent.
func TestUniqueNamesInParent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		kind := resources.Kind{Service: "datazone", Type: "project"}
		now := time.Now()
		insert := func(id, parent, name string) error {
			return db.Tx(ctx, func(tx *store.Tx) error {
				return resources.Insert(ctx, tx, acctA, kind,
					resources.Record{ID: id, Name: name, ParentID: parent, UniqueNameInParent: true, CreatedAt: now}, doc{})
			})
		}
		// Twenty racing inserts of one name under one parent: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() { errs[i] = insert(fmt.Sprintf("p%02d", i), "dom-a", "analytics") })
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, resources.ErrNameTaken):
				t.Errorf("insert %d: %v, want ErrNameTaken", i, err)
			}
		}
		if won != 1 {
			t.Errorf("%d inserts of one name in one parent succeeded, want 1", won)
		}
		if err := insert("q1", "dom-b", "analytics"); err != nil {
			t.Errorf("the same name under another parent: %v", err)
		}
		if err := insert("q2", "dom-b", "marketing"); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			return resources.Update(ctx, tx, acctA, kind, "q2", "analytics", doc{}, now)
		})
		if !errors.Is(err, resources.ErrNameTaken) {
			t.Errorf("rename onto a name taken in the parent: %v, want ErrNameTaken", err)
		}
		// Unique-in-kind records are another index: a dms-style name may equal these.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return resources.Insert(ctx, tx, acctA, kind, resources.Record{ID: "k1", Name: "analytics", UniqueName: true, CreatedAt: now}, doc{})
		})
		if err != nil {
			t.Errorf("a unique-in-kind record named like a unique-in-parent one: %v", err)
		}
	})
}
