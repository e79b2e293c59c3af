package appintegrations_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ai "github.com/aws/aws-sdk-go-v2/service/appintegrations"
	"github.com/aws/aws-sdk-go-v2/service/appintegrations/types"
	"github.com/aws/smithy-go"

	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

// race sends n requests at once and returns each answer: the id it got, or "error <code>".
func race(n int, fn func(i int) (string, error)) []string {
	got := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			id, err := fn(i)
			var ae smithy.APIError
			switch {
			case errors.As(err, &ae):
				got[i] = "error " + ae.ErrorCode()
			case err != nil:
				got[i] = "error " + err.Error()
			default:
				got[i] = id
			}
		})
	}
	close(start)
	wg.Wait()
	return got
}

func isError(answer string) bool { return len(answer) > 6 && answer[:6] == "error " }

// Twenty identical creates at once on both stores: one client token gives one resource and the
// same answer to all; one name gives one resource and DuplicateResourceException to the others.
func TestConcurrentCreates(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store string) {
		env := servertest.Start(t, servertest.Options{Store: store})
		c := ai.NewFromConfig(env.AWS())
		ctx := context.Background()
		uri := "file://localhost" + folder(t)
		// One first execution time for every request: identical requests must be identical, even
		// when they straddle a second.
		first := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
		create := func(name, token string) (string, error) {
			in := &ai.CreateDataIntegrationInput{Name: aws.String(name), KmsKey: aws.String(kmsKey), SourceURI: aws.String(uri),
				ScheduleConfig: &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 day)"),
					FirstExecutionFrom: aws.String(first)}}
			if token != "" {
				in.ClientToken = aws.String(token)
			}
			out, err := c.CreateDataIntegration(ctx, in)
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Id), nil
		}
		got := race(20, func(int) (string, error) { return create("racing", "integration-token") })
		for i, g := range got {
			if g != got[0] || isError(g) {
				t.Fatalf("CreateDataIntegration with one ClientToken: answers %q; answer %d differs", got, i)
			}
		}
		integration := got[0]
		got = race(20, func(i int) (string, error) { return create("named", fmt.Sprint("token-", i)) })
		won := 0
		for _, g := range got {
			switch {
			case g == "error DuplicateResourceException":
			case isError(g):
				t.Fatalf("CreateDataIntegration of one name: answers %q", got)
			default:
				won++
			}
		}
		if won != 1 {
			t.Fatalf("CreateDataIntegration of one name: %d succeeded (%q), want 1", won, got)
		}

		associate := func(token string) (string, error) {
			out, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{
				DataIntegrationIdentifier: aws.String(integration), ClientId: aws.String("client"), ClientToken: aws.String(token)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.DataIntegrationAssociationId), nil
		}
		got = race(20, func(int) (string, error) { return associate("association-token") })
		for i, g := range got {
			if g != got[0] || isError(g) {
				t.Fatalf("CreateDataIntegrationAssociation with one ClientToken: answers %q; answer %d differs", got, i)
			}
		}
		list, err := c.ListDataIntegrationAssociations(ctx, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: aws.String(integration)})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.DataIntegrationAssociations) != 1 {
			t.Errorf("%d associations after 20 creates with one ClientToken, want 1", len(list.DataIntegrationAssociations))
		}
	})
}

// Association client tokens were looked for among the integration's first 1,000 associations
// only: past them, a retry made a second association.
func TestAssociationTokenPastTheFirstThousand(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	c := ai.NewFromConfig(env.AWS())
	ctx := context.Background()
	integ, err := c.CreateDataIntegration(ctx, &ai.CreateDataIntegrationInput{Name: aws.String("busy"), KmsKey: aws.String(kmsKey),
		SourceURI: aws.String("file://localhost" + folder(t)),
		ScheduleConfig: &types.ScheduleConfiguration{ScheduleExpression: aws.String("rate(1 day)"),
			FirstExecutionFrom: aws.String(time.Now().Add(48 * time.Hour).Format(time.RFC3339))}})
	if err != nil {
		t.Fatal(err)
	}
	associate := func(token string) string {
		t.Helper()
		out, err := c.CreateDataIntegrationAssociation(ctx, &ai.CreateDataIntegrationAssociationInput{
			DataIntegrationIdentifier: integ.Id, ClientId: aws.String("client"), ClientToken: aws.String(token)})
		if err != nil {
			t.Fatalf("association %s: %v", token, err)
		}
		return aws.ToString(out.DataIntegrationAssociationId)
	}
	const n = 1001
	ids := make([]string, n)
	for i := range n {
		ids[i] = associate(fmt.Sprint("token-", i))
	}
	if again := associate(fmt.Sprint("token-", n-1)); again != ids[n-1] {
		t.Errorf("retry of association %d = %s, want %s (the one its token made)", n, again, ids[n-1])
	}
	total := 0
	p := ai.NewListDataIntegrationAssociationsPaginator(c, &ai.ListDataIntegrationAssociationsInput{DataIntegrationIdentifier: integ.Id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += len(page.DataIntegrationAssociations)
	}
	if total != n {
		t.Errorf("%d associations, want %d", total, n)
	}
}
