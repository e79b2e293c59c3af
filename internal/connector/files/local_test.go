package files

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surveyorhq/surveyor/internal/connector"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinksDoNotLeadOutOfTheRoot: links to files outside the root, into the server's data
// directory, to nowhere, and to folders are not followed; each refused file is a failed asset
// with the reason, and nothing of what they point at reaches the snapshot. A link that stays
// inside the root is read as the file it points at.
func TestSymlinksDoNotLeadOutOfTheRoot(t *testing.T) {
	base := t.TempDir()
	root, outside, data := filepath.Join(base, "root"), filepath.Join(base, "outside"), filepath.Join(base, "data")
	write(t, filepath.Join(root, "orders", "a.csv"), "id,total\n1,2.5\n")
	write(t, filepath.Join(root, "real", "people.csv"), "person_id,person_name\n1,ann\n")
	write(t, filepath.Join(outside, "secret.csv"), "TOPSECRET_COLUMN,other\n1,2\n")
	write(t, filepath.Join(outside, "dir", "hidden.csv"), "HIDDEN_COLUMN\n1\n")
	write(t, filepath.Join(data, "master.key"), "S2V5TWF0ZXJpYWxOZXZlclRvQmVTZWVu\n")
	write(t, filepath.Join(root, "surveyor-data", "credentials.json"), `{"secretAccessKey":"x"}`+"\n")
	symlink(t, filepath.Join(outside, "secret.csv"), filepath.Join(root, "leak", "secret.csv"))
	symlink(t, filepath.Join(data, "master.key"), filepath.Join(root, "keys", "key.csv"))
	symlink(t, filepath.Join(outside, "nothing-here.csv"), filepath.Join(root, "dangling", "gone.csv"))
	symlink(t, filepath.Join(outside, "dir"), filepath.Join(root, "linked"))
	symlink(t, filepath.Join(root, "real", "people.csv"), filepath.Join(root, "alias", "people.csv"))

	paths := connector.Paths{Denied: []string{data, filepath.Join(root, "surveyor-data")}}
	snap, _ := discover(t, connector.Source{Engine: connector.Files, Path: root}, connector.Options{Paths: paths})
	raw, _ := json.Marshal(snap)
	for _, leaked := range []string{"TOPSECRET_COLUMN", "HIDDEN_COLUMN", "S2V5TWF0ZXJpYWxOZXZlclRvQmVTZWVu", "secretAccessKey"} {
		if strings.Contains(string(raw), leaked) {
			t.Errorf("the snapshot holds %s, read through a link or from the data directory", leaked)
		}
	}
	failed := map[string]string{}
	for _, f := range snap.Failed {
		failed[f.Ref.Namespace+"/"+f.Ref.Table] = f.Reason
	}
	outsideReason := "the file is a symbolic link that leads outside the folders this source may read; it is not followed"
	for key, want := range map[string]string{
		"leak/secret.csv":                outsideReason,
		"keys/key.csv":                   "the file is inside the server's data directory, which sources may not read",
		"dangling/gone.csv":              outsideReason,
		"surveyor-data/credentials.json": "the file is inside the server's data directory, which sources may not read",
	} {
		if failed[key] != want {
			t.Errorf("failed %s: %q, want %q", key, failed[key], want)
		}
	}
	if len(failed) != 4 {
		t.Errorf("failed assets = %v, want the 4 refused files", failed)
	}
	names := tableNames(snap)
	if slices.Contains(names, "root.linked") || slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "hidden") }) {
		t.Errorf("a linked folder was followed: %v", names)
	}
	alias := findTable(t, snap, "", "alias")
	if got := strings.Join(cols(alias.Columns), ","); got != "person_id bigint,person_name string" {
		t.Errorf("alias columns = %s; a link inside the root is read as its target", got)
	}
	if alias.Meta.SizeBytes == nil || *alias.Meta.SizeBytes != int64(len("person_id,person_name\n1,ann\n")) {
		t.Errorf("alias size = %v, want the target's size", alias.Meta.SizeBytes)
	}
}

// TestTheOpenFileIsChecked: the check runs on the file as opened, so a file swapped for a link
// after the name was checked is still refused.
func TestTheOpenFileIsChecked(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	write(t, filepath.Join(root, "ok.csv"), "a\n1\n")
	write(t, filepath.Join(outside, "secret.csv"), "s\n1\n")
	g, err := newGuard(root, connector.Paths{})
	if err != nil {
		t.Fatal(err)
	}
	before := g.options().BeforeRead
	for name, want := range map[string]bool{filepath.Join(root, "ok.csv"): true, filepath.Join(outside, "secret.csv"): false} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		err = before(func(v any) bool { *(v.(**os.File)) = f; return true })
		f.Close()
		if (err == nil) != want {
			t.Errorf("open %s: allowed = %v, want %v (%v)", name, err == nil, want, err)
		}
	}
}

// TestRootOutsideTheRootsIsRefused: the connector checks its root against the server's roots
// itself, whoever called it.
func TestRootOutsideTheRootsIsRefused(t *testing.T) {
	base := t.TempDir()
	write(t, filepath.Join(base, "elsewhere", "a.csv"), "a\n1\n")
	_, err := New().Discover(context.Background(), connector.Source{Engine: connector.Files, Path: filepath.Join(base, "elsewhere")},
		connector.Options{Paths: connector.Paths{Roots: []string{filepath.Join(base, "allowed")}}})
	if connector.KindOf(err) != connector.PermissionDenied || !strings.Contains(err.Error(), "--local-roots") {
		t.Errorf("discover outside the roots: %v, want permission denied naming --local-roots", err)
	}
}
