package datazone_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dz "github.com/aws/aws-sdk-go-v2/service/datazone"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// racers is how many identical requests each case sends at once.
const racers = 20

// race calls fn from racers goroutines released together and returns what each got: the id it
// answered with, or its error code.
func race(fn func(i int) (string, error)) []string {
	got := make([]string, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			id, err := fn(i)
			if err != nil {
				got[i] = "error " + errCode(err)
				return
			}
			got[i] = id
		})
	}
	close(start)
	wg.Wait()
	return got
}

// allSame checks every answer is the same successful id and returns it.
func allSame(t *testing.T, what string, got []string) string {
	t.Helper()
	for i, g := range got {
		if g != got[0] || g == "" || len(g) > 6 && g[:6] == "error " {
			t.Fatalf("%s: answers %q; want one id for all (answer %d differs)", what, got, i)
		}
	}
	return got[0]
}

// oneWins checks exactly one answer is an id and the others are the error code.
func oneWins(t *testing.T, what, code string, got []string) {
	t.Helper()
	won := 0
	for _, g := range got {
		switch g {
		case "error " + code:
		default:
			if len(g) > 6 && g[:6] == "error " {
				t.Fatalf("%s: answers %q; want one id and %s for the others", what, got, code)
			}
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%s: %d creates succeeded (%q), want exactly 1", what, won, got)
	}
}

// Twenty identical creates at once, as retries or as several clients racing, on both stores. On
// the PostgreSQL store one CreateDomain succeeded and the others got InternalServerException
// (a read after the failed insert, in its aborted transaction); names unique in a domain were
// checked, then inserted, so racing creates could all succeed.
func TestConcurrentCreates(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store string) {
		w := newWorld(t, servertest.Options{Store: store})
		ctx := context.Background()

		domain := allSame(t, "CreateDomain with one clientToken", race(func(int) (string, error) {
			out, err := w.dz.CreateDomain(ctx, &dz.CreateDomainInput{Name: aws.String("racing"), ClientToken: aws.String("domain-token")})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Id), nil
		}))
		domains, err := w.dz.ListDomains(ctx, &dz.ListDomainsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(domains.Items) != 2 {
			t.Fatalf("ListDomains = %d domains; want the world's and %s", len(domains.Items), domain)
		}

		oneWins(t, "CreateProject of one name", "ConflictException", race(func(int) (string, error) {
			out, err := w.dz.CreateProject(ctx, &dz.CreateProjectInput{DomainIdentifier: &domain, Name: aws.String("shared")})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Id), nil
		}))
		projects, err := w.dz.ListProjects(ctx, &dz.ListProjectsInput{DomainIdentifier: &domain})
		if err != nil {
			t.Fatal(err)
		}
		if len(projects.Items) != 1 {
			t.Fatalf("ListProjects = %d projects; want 1", len(projects.Items))
		}
		project := projects.Items[0].Id

		arn := w.secret("racing-db", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": 1, "username": "u", "password": "p", "dbname": "db"})
		create := func(name, token string) (string, error) {
			in := &dz.CreateDataSourceInput{DomainIdentifier: &domain, ProjectIdentifier: project, Name: aws.String(name),
				Type: aws.String("REDSHIFT"), Configuration: redshift(arn, rf("db", ""))}
			if token != "" {
				in.ClientToken = aws.String(token)
			}
			out, err := w.dz.CreateDataSource(ctx, in)
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Id), nil
		}
		ds := allSame(t, "CreateDataSource with one clientToken", race(func(int) (string, error) { return create("orders", "ds-token") }))
		oneWins(t, "CreateDataSource of one name, distinct tokens", "ConflictException", race(func(i int) (string, error) {
			return create("customers", fmt.Sprintf("token-%d", i))
		}))
		oneWins(t, "CreateDataSource of one name, no token", "ConflictException", race(func(int) (string, error) { return create("products", "") }))
		sources, err := w.dz.ListDataSources(ctx, &dz.ListDataSourcesInput{DomainIdentifier: &domain, ProjectIdentifier: project})
		if err != nil {
			t.Fatal(err)
		}
		if len(sources.Items) != 3 {
			t.Fatalf("ListDataSources = %d data sources; want orders, customers, products", len(sources.Items))
		}

		allSame(t, "StartDataSourceRun with one clientToken", race(func(int) (string, error) {
			out, err := w.dz.StartDataSourceRun(ctx, &dz.StartDataSourceRunInput{DomainIdentifier: &domain,
				DataSourceIdentifier: &ds, ClientToken: aws.String("run-token")})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Id), nil
		}))

		allSame(t, "DeleteDataSource with one clientToken", race(func(int) (string, error) {
			out, err := w.dz.DeleteDataSource(ctx, &dz.DeleteDataSourceInput{DomainIdentifier: &domain, Identifier: &ds,
				ClientToken: aws.String("delete-token")})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Id) + "/" + string(out.Status), nil
		}))
	})
}
