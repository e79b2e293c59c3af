package discovery

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// No silent zeros: a run that was asked for a schema or a folder that does not exist, or whose
// filters select nothing, fails and says what exists, rather than ending SUCCESS with nothing
// added. checkScope runs after a successful read, and costs nothing more when the read found
// what it was asked for.

// maxListed bounds how many existing names a message lists.
const maxListed = 20

// namespaceLister lists the namespaces of a source (schemas; MySQL databases; SQLite main and
// attached databases). The database connectors have it.
type namespaceLister interface {
	Namespaces(context.Context, connector.Source, connector.Options) ([]string, error)
}

// folderChecker says which of a files source's chosen folders hold no object, and lists the
// folders at the root (the files connector has it).
type folderChecker interface {
	MissingFolders(context.Context, connector.Source, connector.Options) (missing []string, where string, existing []string, err error)
}

// checkScope returns a *SourceError when the read selected nothing the user asked for: a
// folder (files sources) or a schema named in an INCLUDE rule that does not exist
// (RESOURCE_NOT_FOUND_EXCEPTION), or filters that select no table (VALIDATION_EXCEPTION).
// selected is how many tables (read or failed) the run keeps.
func (j *Job) checkScope(ctx context.Context, src connector.Source, opts connector.Options, snap *schema.Snapshot, selected int) error {
	if src.Engine == connector.Files {
		if err := j.checkFolders(ctx, src, opts); err != nil || selected > 0 {
			return err
		}
		// Nothing read: say so when filters chose what to read.
		var used []string
		for _, k := range []string{files.ParamExtensions, files.ParamInclude, files.ParamExclude} {
			if v := src.Params[k]; v != "" {
				used = append(used, k+"="+v)
			}
		}
		if len(opts.Filter.Rules) > 0 {
			used = append(used, describeRules(opts.Filter.Rules))
		}
		if len(used) == 0 {
			return nil
		}
		return &SourceError{ErrValidation, fmt.Sprintf("no data file in %s passes the filters (%s)", src.Redacted(), strings.Join(used, "; "))}
	}
	if len(opts.Filter.Rules) == 0 {
		return nil
	}
	// Schemas an INCLUDE rule names literally and the read did not come back with.
	seen := map[string]bool{}
	for _, d := range snap.Databases {
		for _, ns := range d.Namespaces {
			seen[ns.Name] = true
		}
	}
	for _, f := range snap.Failed {
		seen[f.Ref.Namespace] = true
	}
	var unseen []filter.Rule
	for _, r := range opts.Filter.Rules {
		if r.Action == filter.Include && literal(r.Namespace) != "" && !seen[r.Namespace] {
			unseen = append(unseen, r)
		}
	}
	if len(unseen) == 0 && selected > 0 {
		return nil
	}
	lister, ok := j.Connectors[src.Engine].(namespaceLister)
	if !ok {
		return nil
	}
	unfiltered := opts.WithDefaults()
	unfiltered.Filter = filter.Filter{}
	existing, err := lister.Namespaces(ctx, src, unfiltered)
	if err != nil {
		return err
	}
	db := databaseName(src, snap)
	for _, r := range unseen {
		if !slices.Contains(existing, r.Namespace) {
			return &SourceError{ErrResourceNotFound, fmt.Sprintf("%s '%s' not found in %s '%s'; it has: %s",
				namespaceWord(src.Engine), r.Namespace, databaseWord(src.Engine), first(literal(r.Database), db), listed(existing))}
		}
	}
	if selected > 0 {
		return nil
	}
	return &SourceError{ErrValidation, j.nothingSelected(ctx, src, opts, db, existing)}
}

// nothingSelected says that the filters select no table, and what the namespaces they name
// hold (or which namespaces exist).
func (j *Job) nothingSelected(ctx context.Context, src connector.Source, opts connector.Options, db string, existing []string) string {
	rules := describeRules(opts.Filter.Rules)
	if len(existing) == 0 {
		return fmt.Sprintf("the filters (%s) select no table: %s '%s' has no %s", rules, databaseWord(src.Engine), db, namespaceWord(src.Engine)+"s")
	}
	// Show the tables of the namespaces the rules name, read without the table patterns.
	var named []string
	for _, r := range opts.Filter.Rules {
		if r.Action == filter.Include && r.Namespace != "" && !strings.Contains(r.Namespace, "*") && !slices.Contains(named, r.Namespace) {
			named = append(named, r.Namespace)
		}
	}
	if len(named) > 0 {
		wide := opts.WithDefaults()
		var rs []filter.Rule
		for _, ns := range named {
			rs = append(rs, filter.Rule{Action: filter.Include, Database: "*", Namespace: ns, Table: "*"})
		}
		wide.Filter = filter.New(rs)
		if snap, err := j.Connectors.Discover(ctx, src, wide); err == nil {
			var parts []string
			for _, d := range snap.Databases {
				for _, ns := range d.Namespaces {
					var names []string
					for _, t := range ns.Tables {
						names = append(names, t.Name)
					}
					slices.Sort(names)
					what := "no tables"
					if len(names) > 0 {
						what = "tables " + listed(names)
					}
					parts = append(parts, fmt.Sprintf("%s '%s' has %s", namespaceWord(src.Engine), ns.Name, what))
				}
			}
			if len(parts) > 0 {
				return fmt.Sprintf("the filters (%s) match no table in %s '%s'; %s", rules, databaseWord(src.Engine), db, strings.Join(parts, "; "))
			}
		}
	}
	return fmt.Sprintf("the filters (%s) match no table in %s '%s'; its %ss: %s", rules, databaseWord(src.Engine), db, namespaceWord(src.Engine), listed(existing))
}

// checkFolders fails a files source whose chosen folders hold nothing.
func (j *Job) checkFolders(ctx context.Context, src connector.Source, opts connector.Options) error {
	fc, ok := j.Connectors[src.Engine].(folderChecker)
	if !ok {
		return nil
	}
	missing, where, existing, err := fc.MissingFolders(ctx, src, opts.WithDefaults())
	if err != nil || len(missing) == 0 {
		return err
	}
	quoted := make([]string, len(missing))
	for i, m := range missing {
		quoted[i] = "'" + m + "'"
	}
	word := "folder"
	if len(missing) > 1 {
		word = "folders"
	}
	return &SourceError{ErrResourceNotFound, fmt.Sprintf("%s %s not found in %s; it has: %s",
		word, strings.Join(quoted, ", "), where, listed(existing))}
}

// databaseName is the database a message names: the source's, else the snapshot's only one.
func databaseName(src connector.Source, snap *schema.Snapshot) string {
	if src.Database != "" {
		return src.Database
	}
	if src.Engine == connector.SQLite {
		return src.Path
	}
	if len(snap.Databases) == 1 {
		return snap.Databases[0].Name
	}
	return src.Host
}

func namespaceWord(engine string) string {
	switch engine {
	case connector.MySQL:
		return "database"
	case connector.SQLite:
		return "schema"
	}
	return "schema"
}

func databaseWord(engine string) string {
	switch engine {
	case connector.MySQL:
		return "server"
	case connector.SQLite:
		return "file"
	}
	return "database"
}

// literal is p when it has no wildcard, else "".
func literal(p string) string {
	if p == "*" || strings.Contains(p, "*") {
		return ""
	}
	return p
}

// listed is names joined by ", " (at most maxListed of them, then how many more), or "nothing".
func listed(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxListed)
}

// describeRules writes rules as "INCLUDE db.schema.table, EXCLUDE ...".
func describeRules(rules []filter.Rule) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		ref := strings.Join(slices.DeleteFunc([]string{r.Database, r.Namespace, r.Table}, func(s string) bool { return s == "" }), ".")
		parts[i] = string(r.Action) + " " + ref
	}
	return strings.Join(parts, ", ")
}

// countInScope counts the tables of snap (read or failed) that inScope keeps.
func countInScope(snap *schema.Snapshot, inScope func(schema.Ref) bool) int {
	n := 0
	for _, d := range snap.Databases {
		for _, ns := range d.Namespaces {
			for _, t := range ns.Tables {
				if inScope(schema.Ref{Database: d.Name, Namespace: ns.Name, Table: t.Name}) {
					n++
				}
			}
		}
	}
	for _, f := range snap.Failed {
		if inScope(f.Ref) {
			n++
		}
	}
	return n
}
