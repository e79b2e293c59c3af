package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/server"
)

func serveCommand() *cobra.Command {
	var (
		cfg       server.Config
		logFormat string
		logLevel  string
		noSample  bool
		ob        outboundFlags
		regions   string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the AWS APIs (Secrets Manager, STS, ...) and run discovery in the background",
		Long: `Serve the AWS APIs on --listen. Every request must be signed (SigV4) with a key of this server:
on first start with an empty store one key pair is created in the data directory, and
'surveyor env' prints it as environment variables for the AWS CLI and SDKs.

The web console is served on the same address under /console/ (a browser opening the address is
sent there): sign in with the same access key id and secret access key. On first start with a new
store the sample shop database (examples/shop.db) is registered as a DataZone data source and run
once, so the console shows something; --no-sample turns that off.

Every resource belongs to the account and region of the request that created it (the region of
its SigV4 credential scope): another region does not see it. --regions lists the regions accepted
(default: every region of the AWS commercial partition); --region is the default region (the
sample, 'surveyor env', and resources stored before regions were real).

The store is SQLite in --data-dir unless --store names a PostgreSQL database, which any number of
'surveyor serve' processes can share (give them all the same master key: SURVEYOR_MASTER_KEY).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			if cfg.Outbound, err = ob.policy(); err != nil {
				return err
			}
			cfg.Sample = !noSample
			if cfg.Regions, err = scope.ParseRegions(regions); err != nil {
				return fmt.Errorf("--regions: %w", err)
			}
			srv, err := server.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer srv.Close()
			return srv.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", server.DefaultListen, "address to serve on")
	f.StringVar(&cfg.DataDir, "data-dir", server.DefaultDataDir, "directory for the embedded store, master key and credentials")
	f.StringVar(&cfg.Store, "store", "", "postgres:// URL of a store shared by several processes (default: SQLite in --data-dir)")
	f.IntVar(&cfg.Workers, "workers", server.DefaultWorkers, "discovery runs executed at once by this process")
	f.DurationVar(&cfg.Lease, "run-lease", 30*time.Second, "how long a worker's claim on a run lasts without renewal; a crashed process's runs are taken over after it")
	f.DurationVar(&cfg.RunTimeout, "run-timeout", runs.DefaultRunTimeout, "how long one attempt of a run may take; then it fails (\"run exceeded the run timeout of ...\") and frees its worker")
	f.DurationVar(&cfg.AppSyncRetention, "appsync-retention", 7*24*time.Hour, "how long AppSync introspection results stay readable")
	f.StringSliceVar(&cfg.LocalRoots, "local-roots", nil, "folders that SQLite and file sources may be read from (default: any, except --data-dir)")
	ob.register(f)
	f.StringVar(&cfg.Region, "region", server.DefaultRegion, "default AWS region: of the sample, of sources made from the command line, of 'surveyor env', and of resources stored before regions were real")
	f.StringVar(&regions, "regions", "all", "comma-separated regions the AWS APIs accept (all: every region of the AWS commercial partition); a request signed for another gets InvalidSignatureException")
	f.BoolVar(&cfg.Dev, "dev", false, "development server: POST /_surveyor/reset (and /moto-api/reset) drops every resource of every account and region, unsigned; never use it for data you keep")
	f.BoolVar(&noSample, "no-sample", false, "do not register the sample shop database as a source when the store is new")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

func newLogger(w interface{ Write([]byte) (int, error) }, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("unknown --log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("unknown --log-format %q: use text or json", format)
}

func envCommand() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print the export lines that point the AWS CLI and SDKs at this server",
		Example: `  eval "$(surveyor env)"
  aws sts get-caller-identity`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := server.ReadCredentials(dataDir)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_DEFAULT_REGION=%s\n",
				c.AccessKeyID, c.SecretAccessKey, c.Endpoint, c.Region, c.Region)
			return err
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", server.DefaultDataDir, "data directory of the server")
	return cmd
}

func keysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage the access keys clients sign requests with"}
	var (
		cfg     server.Config
		account string
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key pair for an account (a new random account unless --account is given)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := server.CreateKey(context.WithoutCancel(cmd.Context()), cfg, account)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s # account %s\n",
				k.AccessKeyID, k.SecretAccessKey, k.AccountID)
			return err
		},
	}
	create.Flags().StringVar(&account, "account", "", "12-digit account id the key acts for")
	create.Flags().StringVar(&cfg.DataDir, "data-dir", server.DefaultDataDir, "data directory of the server")
	create.Flags().StringVar(&cfg.Store, "store", "", "postgres:// URL of a shared store")
	keys.AddCommand(create)
	return keys
}
