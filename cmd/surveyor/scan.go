package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/render"
	"github.com/surveyorhq/surveyor/internal/server"
)

func scanCommand() *cobra.Command {
	var (
		rules          []filter.Rule
		format         string
		connectTimeout time.Duration
		stmtTimeout    time.Duration
		ob             outboundFlags
	)
	cmd := &cobra.Command{
		Use:   "scan URI",
		Short: "Read one source's schema and print it",
		Long: `Read the schema of one database and print every table, view, materialized view, partition and
foreign table with its columns, keys, indexes and comments.

URI is postgres://user:pass@host:port/db, mysql://user:pass@host:port/db, sqlite:///path/to.db or a
plain path to a .db file. The source is only read, in read-only transactions.

--include and --exclude take [database.][schema.]table patterns with * wildcards. They apply in the
order given and the last one that matches a table decides; with no --include, everything not
excluded is read.`,
		Example: `  surveyor scan examples/shop.db
  surveyor scan postgres://postgres@127.0.0.1:5432/app --include 'public.*' --exclude '*_old'
  surveyor scan mysql://root@127.0.0.1:3306/shop --format markdown`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validFormat(format) {
				return fmt.Errorf("unknown --format %q: use %s", format, strings.Join(render.Formats, ", "))
			}
			src, err := connector.ParseURI(args[0])
			if err != nil {
				return err
			}
			policy, err := ob.policy()
			if err != nil {
				return err
			}
			snap, err := server.Connectors().Discover(cmd.Context(), src, connector.Options{
				Filter:           filter.New(rules),
				ConnectTimeout:   connectTimeout,
				StatementTimeout: stmtTimeout,
				Outbound:         policy,
			})
			if err != nil {
				return fmt.Errorf("scan %w", err)
			}
			return render.Write(cmd.OutOrStdout(), format, snap)
		},
	}
	f := cmd.Flags()
	f.Var(&ruleFlag{action: filter.Include, rules: &rules}, "include", "read only tables matching `pattern` (repeatable, ordered)")
	f.Var(&ruleFlag{action: filter.Exclude, rules: &rules}, "exclude", "skip tables matching `pattern` (repeatable, ordered)")
	f.StringVar(&format, "format", "table", "output format: table, json or markdown")
	f.DurationVar(&connectTimeout, "connect-timeout", connector.DefaultConnectTimeout, "give up connecting after this long")
	f.DurationVar(&stmtTimeout, "statement-timeout", connector.DefaultStatementTimeout, "cancel any catalog query running longer than this")
	ob.register(f)
	return cmd
}

func validFormat(f string) bool {
	for _, ok := range render.Formats {
		if f == ok {
			return true
		}
	}
	return false
}

// ruleFlag appends --include and --exclude patterns to one list, so their order is kept.
type ruleFlag struct {
	action filter.Action
	rules  *[]filter.Rule
}

func (f *ruleFlag) Set(v string) error {
	r, err := filter.ParsePattern(f.action, v)
	if err != nil {
		return err
	}
	*f.rules = append(*f.rules, r)
	return nil
}

func (f *ruleFlag) String() string { return "" }
func (f *ruleFlag) Type() string   { return "pattern" }
