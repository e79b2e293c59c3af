package console_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	_ "modernc.org/sqlite"

	"github.com/surveyorhq/surveyor/internal/server"
)

func TestRootSendsBrowsersToTheConsoleAndKeepsTheAPI(t *testing.T) {
	w := newWorld(t, nil)
	b := w.web()
	if p := b.get("/"); p.status != http.StatusFound || p.location() != "/console/" {
		t.Errorf("browser GET /: %d to %q, want 302 to /console/", p.status, p.location())
	}
	req, _ := http.NewRequest(http.MethodGet, w.env.URL+"/", nil)
	if p := b.do(req); p.status == http.StatusFound {
		t.Errorf("GET / without Accept: text/html was redirected; AWS clients must get the API's answer")
	}
	if p := b.get("/console/sources"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/signin?next=") {
		t.Errorf("console without a session: %d to %q, want 303 to the sign-in page", p.status, p.location())
	}
	id, err := sts.NewFromConfig(w.env.AWS()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != w.env.Key.AccountID {
		t.Errorf("STS through the same port: %v, %v", id, err)
	}
}

func TestSignIn(t *testing.T) {
	w := newWorld(t, nil)
	key := w.env.Key
	for _, tc := range []struct {
		name, id, secret string
	}{
		{"unknown key", "AKIAUNKNOWNKEY000000", key.SecretAccessKey},
		{"wrong secret", key.AccessKeyID, "not-the-secret-but-long-enough-0000000000"},
		{"empty secret", key.AccessKeyID, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := w.web()
			form := b.get("/console/signin")
			start := time.Now()
			p := b.post("/console/signin", url.Values{"csrf": {csrf(t, form)}, "access_key_id": {tc.id}, "secret_access_key": {tc.secret}})
			if took := time.Since(start); took < signInDelay {
				t.Errorf("wrong keys answered after %v, want at least the %v delay", took, signInDelay)
			}
			if p.status != http.StatusUnauthorized || !strings.Contains(text(p.body), "These keys are not valid for this server") {
				t.Errorf("wrong keys: %d %q", p.status, text(p.body))
			}
			if strings.Contains(p.header.Get("Set-Cookie"), "surveyor_session") {
				t.Errorf("wrong keys set a session cookie")
			}
			if p := b.get("/console/sources"); p.status != http.StatusSeeOther {
				t.Errorf("after wrong keys the console answers %d, want 303 to sign in", p.status)
			}
		})
	}
	b := w.web()
	p := b.signIn(key)
	if p.status != http.StatusSeeOther || p.location() != "/console/sources" {
		t.Fatalf("sign in: %d to %q", p.status, p.location())
	}
	cookie := ""
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "surveyor_session=") {
			cookie = c
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/console/", "Expires="} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if p := b.get("/console/sources"); p.status != http.StatusOK || !strings.Contains(p.body, "Account "+key.AccountID) {
		t.Errorf("signed in, sources: %d", p.status)
	}
	if logs := w.log.String(); strings.Contains(logs, key.SecretAccessKey) || strings.Contains(logs, "AKIAUNKNOWNKEY000000") ||
		strings.Contains(logs, "not-the-secret") {
		t.Errorf("the log mentions keys:\n%s", logs)
	}
	// A next that leaves the console is ignored.
	form := w.web()
	f := form.get("/console/signin")
	if p := form.post("/console/signin", url.Values{"csrf": {csrf(t, f)}, "access_key_id": {key.AccessKeyID},
		"secret_access_key": {key.SecretAccessKey}, "next": {"//evil.example/"}}); p.location() != "/console/" {
		t.Errorf("next=//evil.example/ redirected to %q", p.location())
	}
}

func TestSessionEnds(t *testing.T) {
	w := newWorld(t, nil)
	b := w.web()
	b.mustSignIn(w.env.Key)
	home := b.get("/console/sources")
	if p := b.post("/console/signout", url.Values{"csrf": {csrf(t, home)}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.status)
	}
	if p := b.get("/console/sources"); p.status != http.StatusSeeOther {
		t.Errorf("after sign-out the console answers %d, want 303 to sign in", p.status)
	}

	// A copied cookie stops working at sign-out too, and expires.
	b.mustSignIn(w.env.Key)
	u, _ := url.Parse(w.env.URL + "/console/")
	stolen := w.web()
	stolen.c.Jar.SetCookies(u, b.c.Jar.Cookies(u))
	if p := stolen.get("/console/sources"); p.status != http.StatusOK {
		t.Fatalf("copied session: %d", p.status)
	}
	w.clock.advance(13 * time.Hour)
	if p := stolen.get("/console/sources"); p.status != http.StatusSeeOther {
		t.Errorf("a session 13 h old answers %d, want 303 to sign in", p.status)
	}
	// A cookie whose signature does not match is no session.
	forged := w.web()
	forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: "surveyor_session", Value: "abc.99999999999999.def", Path: "/console/"}})
	if p := forged.get("/console/sources"); p.status != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", p.status)
	}
}

func TestFormsNeedTheCSRFToken(t *testing.T) {
	w := newWorld(t, nil)
	domain, source := w.dataSource("shop", sqliteSecret(t, shopSQLite(t)), "main", "")
	b := w.web()
	b.mustSignIn(w.env.Key)
	page := b.get("/console/sources/" + source)
	token := csrf(t, page)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		origin     string
	}{
		{"run now without token", "/console/sources/" + source + "/run", url.Values{"client_token": {"t1"}}, ""},
		{"run now with another token", "/console/sources/" + source + "/run", url.Values{"csrf": {"x" + token}, "client_token": {"t2"}}, ""},
		{"sign out without token", "/console/signout", url.Values{}, ""},
		{"run now from another site", "/console/sources/" + source + "/run", url.Values{"csrf": {token}, "client_token": {"t3"}}, "http://evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, w.env.URL+tc.path, strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
				req.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			if p := b.do(req); p.status != http.StatusForbidden {
				t.Errorf("%d, want 403", p.status)
			}
		})
	}
	runs, err := w.dz.ListDataSourceRuns(context.Background(), dzListRuns(domain, source))
	if err != nil || len(runs.Items) != 0 {
		t.Errorf("refused forms started runs: %v %v", runs, err)
	}
	if p := b.get("/console/sources"); p.status != http.StatusOK {
		t.Errorf("the session ended after refused forms: %d", p.status)
	}
}

// TestRunNowAndTheRunPage runs a SQLite source from the console twice, with a change between,
// and reads the run page.
func TestRunNowAndTheRunPage(t *testing.T) {
	w := newWorld(t, nil)
	file := shopSQLite(t)
	domain, source := w.dataSource("shop", sqliteSecret(t, file), "main", "")
	b := w.web()
	b.mustSignIn(w.env.Key)

	runNow := func(token string) string {
		t.Helper()
		page := b.get("/console/sources/" + source)
		p := b.post("/console/sources/"+source+"/run", url.Values{"csrf": {csrf(t, page)}, "client_token": {token}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/runs/") {
			t.Fatalf("run now: %d to %q\n%s", p.status, p.location(), p.body)
		}
		id := strings.TrimPrefix(p.location(), "/console/runs/")
		id, _, _ = strings.Cut(id, "?")
		return id
	}
	first := runNow("first")
	if again := runNow("first"); again != first {
		t.Errorf("Run now with the same client token started run %s, then %s", first, again)
	}
	if r := w.waitRun(domain, first); r.Status != "SUCCESS" || aws.ToInt32(r.RunStatisticsForAssets.Added) != 3 {
		t.Fatalf("first run: %s %+v", r.Status, r.RunStatisticsForAssets)
	}
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`CREATE INDEX orders_by_customer ON orders (customer_id)`, `ALTER TABLE customers ADD COLUMN phone TEXT`, `DROP TABLE audit_log`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	second := runNow("second")
	w.waitRun(domain, second)
	p := b.get("/console/runs/" + second)
	if p.status != http.StatusOK {
		t.Fatalf("run page: %d", p.status)
	}
	got := text(p.body)
	for _, want := range []string{
		"0 added 2 updated 0 unchanged 0 skipped 0 failed 1 removed",
		"main.customers revision 2",
		"column phone added: TEXT",
		"main.orders revision 2",
		"index orders_by_customer added",
		"removed table main.audit_log",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("run page lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(p.body, `<article class="change"`) != 2 {
		t.Errorf("run page lists %d changed assets, want 2", strings.Count(p.body, `<article class="change"`))
	}
	// Activities filter by outcome.
	upd := b.get("/console/runs/" + second + "?outcome=SUCCEEDED_UPDATED")
	if n := strings.Count(upd.body, `data-outcome="SUCCEEDED_UPDATED"`); n != 2 || strings.Contains(upd.body, `data-outcome="UNCHANGED"`) {
		t.Errorf("updated activities: %d rows", n)
	}
	if p := b.get("/console/runs/" + second + "?outcome=NOPE"); p.status != http.StatusBadRequest {
		t.Errorf("unknown outcome: %d", p.status)
	}
	// The source page lists both runs, newest first.
	src := text(b.get("/console/sources/" + source).body)
	if i, j := strings.Index(src, second), strings.Index(src, first); i < 0 || j < 0 || i > j {
		t.Errorf("source page runs out of order or missing: %s", src)
	}
}

func TestARefusedRunShowsTheFacadesReason(t *testing.T) {
	w := newWorld(t, nil)
	// A data source whose secret does not exist is FAILED_CREATION: StartDataSourceRun refuses it.
	ctx := context.Background()
	domain, source := w.dataSource("shop", sqliteSecret(t, shopSQLite(t)), "main", "")
	if _, err := w.sm.DeleteSecret(ctx, deleteSecret("secret-shop")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.dz.UpdateDataSource(ctx, updateDescription(domain, source)); err != nil {
		t.Fatal(err)
	}
	b := w.web()
	b.mustSignIn(w.env.Key)
	page := b.get("/console/sources/" + source)
	if !strings.Contains(page.body, `id="run-now" disabled`) {
		t.Errorf("Run now is offered for a data source that cannot run")
	}
	p := b.post("/console/sources/"+source+"/run", url.Values{"csrf": {csrf(t, page)}, "client_token": {"x"}})
	if p.status != http.StatusSeeOther || !strings.Contains(p.location(), "error=") {
		t.Fatalf("run now of a failed data source: %d to %q", p.status, p.location())
	}
	if got := text(b.get(p.location()).body); !strings.Contains(got, "cannot run") {
		t.Errorf("source page does not say why: %s", got)
	}
}

func TestAccountsSeeOnlyTheirOwn(t *testing.T) {
	w := newWorld(t, nil)
	domain, source := w.dataSource("shop", sqliteSecret(t, shopSQLite(t)), "main", "")
	run, err := w.dz.StartDataSourceRun(context.Background(), startRun(domain, source))
	if err != nil {
		t.Fatal(err)
	}
	w.waitRun(domain, aws.ToString(run.Id))
	a := w.web()
	a.mustSignIn(w.env.Key)
	search := a.get("/console/search?q=email")
	assetID := regexp.MustCompile(`/console/assets/([a-z0-9]+)`).FindStringSubmatch(search.body)
	if assetID == nil {
		t.Fatalf("account A finds no email column:\n%s", text(search.body))
	}

	other := w.env.NewAccount(t, "222233334444")
	b := w.web()
	b.mustSignIn(other)
	if p := b.get("/console/sources"); strings.Contains(p.body, source) || !strings.Contains(p.body, "No sources yet") {
		t.Errorf("account B's sources page shows A's source")
	}
	for _, path := range []string{"/console/sources/" + source, "/console/runs/" + aws.ToString(run.Id),
		"/console/assets/" + assetID[1], "/console/assets/" + assetID[1] + "/diff", "/console/erd?source=" + source} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("account B GET %s: %d, want 404", path, p.status)
		}
	}
	if p := b.get("/console/search?q=email"); !strings.Contains(text(p.body), "0 table(s) match") {
		t.Errorf("account B's search finds A's tables: %s", text(p.body))
	}
	page := b.get("/console/sources")
	if p := b.post("/console/sources/"+source+"/run", url.Values{"csrf": {csrf(t, page)}, "client_token": {"b"}}); p.status != http.StatusNotFound {
		t.Errorf("account B runs A's source: %d", p.status)
	}
}

// The same key's session switched to another region sees nothing of the first region: sources,
// runs, assets, diagrams and search are per account and region, as the API is.
func TestRegionsSeeOnlyTheirOwn(t *testing.T) {
	w := newWorld(t, nil)
	domain, source := w.dataSource("shop", sqliteSecret(t, shopSQLite(t)), "main", "")
	run, err := w.dz.StartDataSourceRun(context.Background(), startRun(domain, source))
	if err != nil {
		t.Fatal(err)
	}
	w.waitRun(domain, aws.ToString(run.Id))
	b := w.web()
	b.mustSignIn(w.env.Key)
	search := b.get("/console/search?q=email")
	assetID := regexp.MustCompile(`/console/assets/([a-z0-9]+)`).FindStringSubmatch(search.body)
	if assetID == nil {
		t.Fatalf("us-east-1 finds no email column:\n%s", text(search.body))
	}
	page := b.get("/console/sources")
	if p := b.post("/console/region", url.Values{"csrf": {csrf(t, page)}, "region": {"eu-west-1"}, "back": {"/console/sources"}}); p.status != http.StatusSeeOther {
		t.Fatalf("switch to eu-west-1: %d", p.status)
	}
	if p := b.get("/console/sources"); strings.Contains(p.body, source) || !strings.Contains(p.body, "No sources yet") {
		t.Errorf("eu-west-1's sources page shows us-east-1's source")
	}
	for _, path := range []string{"/console/sources/" + source, "/console/runs/" + aws.ToString(run.Id),
		"/console/assets/" + assetID[1], "/console/assets/" + assetID[1] + "/diff", "/console/erd?source=" + source} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("eu-west-1 GET %s: %d, want 404", path, p.status)
		}
	}
	if p := b.get("/console/search?q=email"); !strings.Contains(text(p.body), "0 table(s) match") {
		t.Errorf("eu-west-1's search finds us-east-1's tables: %s", text(p.body))
	}
	// Back in us-east-1, everything is there again.
	page = b.get("/console/sources")
	if p := b.post("/console/region", url.Values{"csrf": {csrf(t, page)}, "region": {"us-east-1"}, "back": {"/console/sources"}}); p.status != http.StatusSeeOther {
		t.Fatalf("switch back to us-east-1: %d", p.status)
	}
	if p := b.get("/console/assets/" + assetID[1]); p.status != http.StatusOK {
		t.Errorf("us-east-1 GET its asset: %d", p.status)
	}
}

func TestSampleOnFirstStart(t *testing.T) {
	sampleDir := t.TempDir()
	w := newWorld(t, func(c *server.Config) { c.Sample, c.SampleDir = true, sampleDir })
	b := w.web()
	b.mustSignIn(w.env.Key)
	p := b.get("/console/sources")
	if !strings.Contains(p.body, server.SampleSource) {
		t.Fatalf("no sample source:\n%s", text(p.body))
	}
	runID := regexp.MustCompile(`/console/runs/([a-z0-9]+)`).FindStringSubmatch(p.body)
	if runID == nil {
		t.Fatalf("the sample has no run")
	}
	domains, err := w.dz.ListDomains(context.Background(), nil)
	if err != nil || len(domains.Items) != 1 {
		t.Fatalf("ListDomains: %v %v", domains, err)
	}
	r := w.waitRun(aws.ToString(domains.Items[0].Id), runID[1])
	if r.Status != "SUCCESS" || aws.ToInt32(r.RunStatisticsForAssets.Added) != 11 {
		t.Errorf("sample run: %s %+v", r.Status, r.RunStatisticsForAssets)
	}
	if !strings.HasSuffix(aws.ToString(domains.Items[0].PortalUrl), "/console/") || !strings.HasPrefix(aws.ToString(domains.Items[0].PortalUrl), w.env.URL) {
		t.Errorf("portalUrl %q does not point at the console", aws.ToString(domains.Items[0].PortalUrl))
	}
	if got := filepath.Join(sampleDir, "shop.db"); !strings.Contains(text(b.get("/console/sources").body), "shop (sample)") {
		t.Errorf("sample at %s not listed", got)
	}
}

func sqliteSecret(t *testing.T, file string) map[string]any {
	t.Helper()
	return map[string]any{"engine": "sqlite", "path": file}
}

// shopSQLite writes a small SQLite database: customers, orders referencing them, a log.
func shopSQLite(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "shop.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL)`,
		`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id), status TEXT)`,
		`CREATE TABLE audit_log (id INTEGER)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

// A Glue crawler is a source too: listed in its region, run with StartCrawler, its crawl
// statistics on the run page.
func TestGlueCrawlerFromTheConsole(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "lake")
	if err := os.MkdirAll(filepath.Join(root, "sales"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sales", "part-0.csv"), []byte("id,amount\n1,2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gc := glue.NewFromConfig(w.env.AWS())
	if _, err := gc.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("lake")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.CreateCrawler(ctx, &glue.CreateCrawlerInput{Name: aws.String("files"), Role: aws.String("AWSGlueServiceRole-x"),
		DatabaseName: aws.String("lake"), Targets: &gluetypes.CrawlerTargets{S3Targets: []gluetypes.S3Target{{Path: aws.String("file://" + root)}}}}); err != nil {
		t.Fatal(err)
	}
	b := w.web()
	b.mustSignIn(w.env.Key)
	list := b.get("/console/sources?service=Glue")
	id := regexp.MustCompile(`/console/sources/(glue-crawler-[0-9a-f]+)`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatalf("the crawler is not listed:\n%s", text(list.body))
	}
	page := b.get("/console/sources/" + id[1])
	p := b.post("/console/sources/"+id[1]+"/run", url.Values{"csrf": {csrf(t, page)}, "client_token": {"c1"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/runs/") {
		t.Fatalf("run the crawler now: %d %q\n%s", p.status, p.location(), text(p.body))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		cr, err := gc.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("files")})
		if err != nil {
			t.Fatal(err)
		}
		if cr.Crawler.State == gluetypes.CrawlerStateReady && cr.Crawler.LastCrawl != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("crawler still %s", cr.Crawler.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	run := text(b.get(strings.SplitN(p.location(), "?", 2)[0]).body)
	if !strings.Contains(run, "success") || !strings.Contains(run, "1 tables created") || !strings.Contains(run, "writes the Glue Data Catalog") {
		t.Errorf("crawl run page: %s", run)
	}
	// The session cannot switch to a region the server does not answer for (--regions is
	// the commercial partition by default; cn-north-1 is in the China partition).
	page = b.get("/console/sources")
	if p := b.post("/console/region", url.Values{"csrf": {csrf(t, page)}, "region": {"cn-north-1"}, "back": {"/console/sources"}}); p.status != http.StatusBadRequest {
		t.Errorf("a region the server does not answer for: %d", p.status)
	}
}
