package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/server"
)

// exitError ends the command with a status other than 1, printing nothing more.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func diffCommand() *cobra.Command {
	var (
		rules          []filter.Rule
		format         string
		connectTimeout time.Duration
		stmtTimeout    time.Duration
		ob             outboundFlags
	)
	cmd := &cobra.Command{
		Use:   "diff BEFORE AFTER",
		Short: "Print what changed between two schemas, and exit 2 when something did",
		Long: `Compare two schemas and print the typed change list: tables added and removed, and for each
changed table its changes ("column ` + "`email`" + `: varchar(100) → varchar(255)", "index ` + "`orders_by_customer`" + ` added",
"foreign key to ` + "`customers`" + ` dropped", "enum ` + "`status`" + ` gained ` + "`refunded`" + `"), as the web console shows them.

BEFORE and AFTER are each a JSON file written by 'surveyor scan URI --format json' or a source URI
(anything 'surveyor scan' reads), which is scanned now. --include and --exclude apply to both sides.

Exit status: 0 when nothing changed, 2 when something changed, 1 on error: what a CI job checks
for schema drift.`,
		Example: `  surveyor scan postgres://app@db:5432/app --format json > before.json
  surveyor diff before.json postgres://app@db:5432/app
  surveyor diff before.json after.json --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("unknown --format %q: use text or json", format)
			}
			f := filter.New(rules)
			policy, err := ob.policy()
			if err != nil {
				return err
			}
			opts := connector.Options{Filter: f, ConnectTimeout: connectTimeout, StatementTimeout: stmtTimeout, Outbound: policy}
			before, err := loadSchema(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			after, err := loadSchema(cmd.Context(), args[1], opts)
			if err != nil {
				return err
			}
			keep(before, f)
			keep(after, f)
			assets, enums := changesOnly(schema.Diff(before, after)), schema.DiffEnums(before, after)
			if format == "json" {
				err = writeDiffJSON(cmd.OutOrStdout(), assets, enums, before, after)
			} else {
				err = writeDiffText(cmd.OutOrStdout(), assets, enums, before, after)
			}
			if err != nil {
				return err
			}
			if len(assets) > 0 || len(enums) > 0 {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.Var(&ruleFlag{action: filter.Include, rules: &rules}, "include", "compare only tables matching `pattern` (repeatable, ordered)")
	fl.Var(&ruleFlag{action: filter.Exclude, rules: &rules}, "exclude", "leave out tables matching `pattern` (repeatable, ordered)")
	fl.StringVar(&format, "format", "text", "output format: text or json")
	fl.DurationVar(&connectTimeout, "connect-timeout", connector.DefaultConnectTimeout, "give up connecting after this long")
	fl.DurationVar(&stmtTimeout, "statement-timeout", connector.DefaultStatementTimeout, "cancel any catalog query running longer than this")
	ob.register(fl)
	return cmd
}

// loadSchema reads a JSON snapshot file, or scans a source URI.
func loadSchema(ctx context.Context, arg string, opts connector.Options) (*schema.Snapshot, error) {
	if b, err := os.ReadFile(arg); err == nil && len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '{' {
		var s schema.Snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s is not a schema written by `surveyor scan --format json`: %v", arg, err)
		}
		if len(s.Databases) == 0 && s.Engine == "" {
			return nil, fmt.Errorf("%s is not a schema written by `surveyor scan --format json`: no engine and no databases", arg)
		}
		return s.Normalize(), nil
	}
	src, err := connector.ParseURI(arg)
	if err != nil {
		return nil, fmt.Errorf("%s is neither a JSON schema file nor a source: %w", arg, err)
	}
	snap, err := server.Connectors().Discover(ctx, src, opts)
	if err != nil {
		return nil, fmt.Errorf("scan %w", err)
	}
	return snap.Normalize(), nil
}

// keep drops the tables the filter leaves out, so a file written without a filter compares
// with a filtered scan.
func keep(s *schema.Snapshot, f filter.Filter) {
	if f.IsZero() {
		return
	}
	for di := range s.Databases {
		db := &s.Databases[di]
		for ni := range db.Namespaces {
			ns := &db.Namespaces[ni]
			tables := ns.Tables[:0]
			for _, t := range ns.Tables {
				if f.Table(db.Name, ns.Name, t.Name) {
					tables = append(tables, t)
				}
			}
			ns.Tables = tables
		}
	}
}

func changesOnly(all []schema.AssetDiff) []schema.AssetDiff {
	var out []schema.AssetDiff
	for _, d := range all {
		if d.Status != schema.Unchanged {
			out = append(out, d)
		}
	}
	return out
}

// kinds maps every asset of the snapshots to its kind (the latest side's wins).
func kinds(snaps ...*schema.Snapshot) map[schema.Ref]schema.Kind {
	out := map[schema.Ref]schema.Kind{}
	for _, s := range snaps {
		for _, a := range s.Assets() {
			out[a.Ref] = a.Table.Kind
		}
	}
	return out
}

func writeDiffText(w io.Writer, assets []schema.AssetDiff, enums []schema.EnumDiff, before, after *schema.Snapshot) error {
	var b strings.Builder
	kind := kinds(before, after)
	for _, d := range assets {
		fmt.Fprintln(&b, schema.DescribeAsset(d, kind[d.Ref]).String())
		for _, c := range d.Changes {
			fmt.Fprintln(&b, "  "+schema.Describe(c).String())
		}
	}
	for _, e := range enums {
		fmt.Fprintln(&b, e.Describe().String())
	}
	fmt.Fprintln(&b, schema.Summary(assets, enums))
	_, err := io.WriteString(w, b.String())
	return err
}

// diffJSON is the --format json output: the typed changes with their descriptions.
type diffJSON struct {
	Changed bool        `json:"changed"`
	Summary string      `json:"summary"`
	Assets  []assetJSON `json:"assets"`
	Enums   []enumJSON  `json:"enums"`
}

type assetJSON struct {
	schema.AssetDiff
	Description string       `json:"description"`
	Changes     []changeJSON `json:"changes,omitempty"`
}

type changeJSON struct {
	schema.Change
	Description string `json:"description"`
}

type enumJSON struct {
	schema.EnumDiff
	Description string `json:"description"`
}

func writeDiffJSON(w io.Writer, assets []schema.AssetDiff, enums []schema.EnumDiff, before, after *schema.Snapshot) error {
	kind := kinds(before, after)
	out := diffJSON{Changed: len(assets) > 0 || len(enums) > 0, Summary: schema.Summary(assets, enums),
		Assets: []assetJSON{}, Enums: []enumJSON{}}
	for _, d := range assets {
		a := assetJSON{AssetDiff: d, Description: schema.DescribeAsset(d, kind[d.Ref]).String()}
		for _, c := range d.Changes {
			a.Changes = append(a.Changes, changeJSON{Change: c, Description: schema.Describe(c).String()})
		}
		out.Assets = append(out.Assets, a)
	}
	for _, e := range enums {
		out.Enums = append(out.Enums, enumJSON{EnumDiff: e, Description: e.Describe().String()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return errors.New("write diff: " + err.Error())
	}
	return nil
}
