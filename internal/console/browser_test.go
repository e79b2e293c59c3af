package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/chromedp/chromedp"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// chromium finds the browser: SURVEYOR_CHROMIUM, else Debian's chromium on the PATH.
func chromium() string {
	if p := os.Getenv("SURVEYOR_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser drives a fresh headless Chromium, saving screenshots of what it shows.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	shot int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium()
	if path == "" {
		if testdb.Required() {
			t.Fatal("chromium is not installed (apt-get install chromium); SURVEYOR_REQUIRE_DBS=1 requires the browser test")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 960),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, dir: t.ArtifactDir()}
	// The first action starts the browser, which lives as long as the context of that call:
	// no deadline on this one.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// run does one step, with a generous deadline of its own: a loaded machine is slow, never
// stuck.
func (b *browser) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.screenshot("failed-" + strings.ReplaceAll(step, " ", "-"))
		b.t.Fatalf("%s: %v", step, err)
	}
}

// screenshot saves the whole page as NN-name.png in the test's artifact directory.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.shot++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
}

// value runs one action that reads something.
func value[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.screenshot("failed-" + strings.ReplaceAll(step, " ", "-"))
		b.t.Fatalf("%s: %v", step, err)
	}
	return v
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.Join(strings.Fields(value(b, "read "+sel, chromedp.Text(chromedp.CSS(sel)))), " ")
}

func (b *browser) strings(expr string) []string {
	b.t.Helper()
	return value(b, "evaluate "+expr, chromedp.Evaluate[[]string](expr))
}

func (b *browser) texts(sel string) []string {
	b.t.Helper()
	return b.strings(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.replace(/\s+/g, " ").trim())`, sel))
}

func (b *browser) signIn(base string, key awsapi.Key) {
	b.t.Helper()
	b.run("open the sign-in page",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#access_key_id")),
		chromedp.SendKeys(chromedp.CSS("#access_key_id"), key.AccessKeyID),
		chromedp.SendKeys(chromedp.CSS("#secret_access_key"), key.SecretAccessKey))
	b.screenshot("signin")
	b.run("sign in", chromedp.Submit(chromedp.CSS("#secret_access_key")), chromedp.WaitVisible(chromedp.CSS("#source-list")))
}

// runNow opens a source's page, presses Run now and waits on the run page (which refreshes
// itself) until the run succeeded. It returns the run page's path.
func (b *browser) runNow(base, source, shot string) string {
	b.t.Helper()
	b.run("run "+source+" now",
		chromedp.Navigate(base+"/console/sources/"+source),
		chromedp.WaitVisible(chromedp.CSS("#run-now")),
		chromedp.Click(chromedp.CSS("#run-now")),
		chromedp.WaitVisible(chromedp.CSS("#run")),
		chromedp.WaitVisible(chromedp.CSS("#run h1 .badge.ok")))
	loc := value(b, "read the run's address", chromedp.Location())
	b.screenshot(shot)
	return strings.TrimPrefix(loc, base)
}

// TestConsoleInABrowser is the console as a newcomer uses it, in a real Chromium: sign in, see
// the sample, run a PostgreSQL data source created through the SDK, change the database, run
// again, and read what changed, the revision diff, the ER diagram and search; another account
// sees none of it, and a form without its CSRF token is refused.
func TestConsoleInABrowser(t *testing.T) {
	b := newBrowser(t)
	d := testdb.New(t, connector.Postgres, "surveyor_console")
	d.Exec(t,
		`CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(100) NOT NULL, name text)`,
		`COMMENT ON COLUMN customers.email IS 'where receipts are sent'`,
		`CREATE TABLE products (id bigint PRIMARY KEY, sku text UNIQUE NOT NULL, price numeric(10,2))`,
		`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL CONSTRAINT orders_customer_fk REFERENCES customers (id), placed_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE order_items (order_id bigint REFERENCES orders (id), product_id bigint REFERENCES products (id), quantity int CHECK (quantity > 0), PRIMARY KEY (order_id, product_id))`,
		`CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text)`,
	)
	w := newWorld(t, func(c *server.Config) { c.Sample, c.SampleDir = true, t.TempDir() })
	base := w.env.URL

	// Sign in and see the sample.
	domains, err := w.dz.ListDomains(context.Background(), nil)
	if err != nil || len(domains.Items) != 1 {
		t.Fatalf("the sample's domain: %v %v", domains, err)
	}
	sampleRuns, err := w.dz.ListDataSourceRuns(context.Background(), dzListRuns(aws.ToString(domains.Items[0].Id), sampleSourceID(t, w)))
	if err != nil || len(sampleRuns.Items) != 1 {
		t.Fatalf("the sample's run: %v %v", sampleRuns, err)
	}
	w.waitRun(aws.ToString(domains.Items[0].Id), aws.ToString(sampleRuns.Items[0].Id))
	b.signIn(base, w.env.Key)
	b.run("reload the sources", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table.sources")))
	b.screenshot("sources-with-sample")
	if got := b.text("table.sources"); !strings.Contains(got, "shop (sample)") || !strings.Contains(got, "success") {
		t.Errorf("sources page: %q, want the sample with a successful run", got)
	}

	// A DataZone data source on the PostgreSQL database, created through the SDK, run from the console.
	domain, source := w.dataSource("shop-postgres", map[string]any{"engine": "postgres", "host": d.Source.Host, "port": d.Source.Port,
		"username": d.Source.User, "password": d.Source.Password, "dbname": d.Source.Database}, d.Source.Database, "public")
	b.run("open the new source", chromedp.Navigate(base+"/console/sources"), chromedp.WaitVisible(chromedp.CSS("table.sources")))
	if got := b.text("table.sources"); !strings.Contains(got, "shop-postgres") {
		t.Errorf("sources page lacks the new data source: %q", got)
	}
	b.runNow(base, source, "first-run")
	if got := b.text("#stats"); got != "5 added 0 updated 0 unchanged 0 skipped 0 failed 0 removed" {
		t.Errorf("first run statistics: %q", got)
	}

	// Change the database: a type, an index, a foreign key, a table.
	d.Exec(t,
		`ALTER TABLE customers ALTER COLUMN email TYPE varchar(255)`,
		`CREATE INDEX orders_by_customer ON orders (customer_id)`,
		`ALTER TABLE orders DROP CONSTRAINT orders_customer_fk`,
		`DROP TABLE audit_log`,
	)
	runPath := b.runNow(base, source, "second-run")
	if got := b.text("#stats"); got != "0 added 2 updated 2 unchanged 0 skipped 0 failed 1 removed" {
		t.Errorf("second run statistics: %q", got)
	}
	wantChanges := []string{ // as the page reads: the sentence, then the details
		"column email: character varying(100) → character varying(255)",
		"foreign key to customers dropped orders_customer_fk: (customer_id) → public.customers(id) ON UPDATE NO ACTION ON DELETE NO ACTION",
		"index orders_by_customer added btree(customer_id)",
	}
	if got := b.texts("#changes ul.typed li"); !slices.Equal(got, wantChanges) {
		t.Errorf("run page changes:\n got %q\nwant %q", got, wantChanges)
	}
	if got := b.texts("#changes article h3 > a"); !slices.Equal(got, []string{d.Source.Database + ".public.customers", d.Source.Database + ".public.orders"}) {
		t.Errorf("run page changed assets: %q", got)
	}
	if got := b.texts("#removed ul.removed li"); len(got) != 1 || !strings.Contains(got[0], d.Source.Database+".public.audit_log") {
		t.Errorf("run page removed assets: %q, want audit_log only", got)
	}

	// The revision diff of orders shows the same changes, side by side.
	b.run("open the diff of orders",
		chromedp.Click(chromedp.CSS(`#changes article[data-table="orders"] h3 .sub a`)),
		chromedp.WaitVisible(chromedp.CSS("table.sidebyside")))
	b.screenshot("revision-diff")
	if got := b.texts("#typed ul.typed li"); !slices.Equal(got, wantChanges[1:]) {
		t.Errorf("diff page changes:\n got %q\nwant %q", got, wantChanges[1:])
	}
	if added := strings.Join(b.texts("table.sidebyside tr.added"), "\n"); !strings.Contains(added, "orders_by_customer") {
		t.Errorf("side-by-side added rows: %q", added)
	}
	if removed := strings.Join(b.texts("table.sidebyside tr.removed"), "\n"); !strings.Contains(removed, "orders_customer_fk") {
		t.Errorf("side-by-side removed rows: %q", removed)
	}

	// The ER diagram: one node per table, one edge per foreign key, focus on a click.
	b.run("open the ER diagram",
		chromedp.Navigate(base+"/console/erd?source="+source+"&db="+d.Source.Database+"&ns=public"),
		chromedp.WaitVisible(chromedp.CSS("svg#erd")))
	nodes := b.strings(`Array.from(document.querySelectorAll("svg#erd g.node")).map(n => n.dataset.table).sort()`)
	edges := b.strings(`Array.from(document.querySelectorAll("svg#erd path.edge")).map(e => e.dataset.from + "->" + e.dataset.to).sort()`)
	if want := []string{"customers", "order_items", "orders", "products"}; !slices.Equal(nodes, want) {
		t.Errorf("diagram nodes %q, want %q", nodes, want)
	}
	if want := []string{"order_items->orders", "order_items->products"}; !slices.Equal(edges, want) {
		t.Errorf("diagram edges %q, want %q", edges, want)
	}
	b.screenshot("er-diagram")
	b.run("focus orders", chromedp.Click(chromedp.CSS(`svg#erd g.node[data-table="orders"] rect.box`)),
		chromedp.WaitVisible(chromedp.CSS(`svg#erd.focused`)))
	lit := b.strings(`Array.from(document.querySelectorAll("svg#erd g.node.hl")).map(n => n.dataset.table).sort()`)
	if want := []string{"order_items", "orders"}; !slices.Equal(lit, want) {
		t.Errorf("focus on orders highlights %q, want %q", lit, want)
	}
	b.screenshot("er-diagram-focus")

	// Search finds a column by its comment; the asset page shows keys and back-links.
	b.run("search",
		chromedp.Navigate(base+"/console/search"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "receipts"),
		chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS("table.results")))
	b.screenshot("search")
	if got := b.text("table.results"); !strings.Contains(got, "customers") || !strings.Contains(got, "email") || !strings.Contains(got, "where receipts are sent") {
		t.Errorf("search for receipts: %q", got)
	}
	b.run("open orders", chromedp.Navigate(base+"/console/search?q=orders"), chromedp.WaitVisible(chromedp.CSS("table.results")),
		chromedp.Click(`//table[contains(@class,"results")]//tr[td[contains(., ".public")]]//a[text()="orders"]`),
		chromedp.WaitVisible(chromedp.CSS("table.columns")))
	b.screenshot("asset")
	if got := b.text("ul.backlinks"); !strings.Contains(got, "order_items") {
		t.Errorf("orders is referenced by %q, want order_items", got)
	}

	// A form posted without its CSRF token is refused, and starts nothing.
	b.run("post Run now without the token",
		chromedp.Navigate(base+"/console/sources/"+source),
		chromedp.WaitVisible(chromedp.CSS("#run-now")),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.querySelector("form.runnow input[name=csrf]").remove(); document.querySelector("form.runnow").submit(); true`)(ctx, t)
			return err
		}),
		chromedp.WaitVisible(chromedp.CSS("section.problem")))
	b.screenshot("csrf-refused")
	if got := b.text("section.problem"); !strings.Contains(got, "403") || !strings.Contains(got, "no valid security token") {
		t.Errorf("form without token: %q", got)
	}
	if runs, err := w.dz.ListDataSourceRuns(context.Background(), dzListRuns(domain, source)); err != nil || len(runs.Items) != 2 {
		t.Errorf("runs after the refused form: %v %v, want 2", runs, err)
	}

	// Another account's session sees none of it.
	other := w.env.NewAccount(t, "222233334444")
	b.run("sign out", chromedp.Navigate(base+"/console/sources"), chromedp.WaitVisible(chromedp.CSS(".who button.link")),
		chromedp.Click(chromedp.CSS(".who button.link")), chromedp.WaitVisible(chromedp.CSS("#access_key_id")))
	b.signIn(base, other)
	b.screenshot("other-account")
	if got := b.text("#source-list"); strings.Contains(got, "shop") || !strings.Contains(got, "No sources yet") {
		t.Errorf("another account's sources: %q", got)
	}
	for _, path := range []string{"/console/sources/" + source, runPath} {
		b.run("open "+path+" as another account", chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("section.problem")))
		if got := b.text("section.problem"); !strings.Contains(got, "404") {
			t.Errorf("another account opens %s: %q", path, got)
		}
	}
	b.run("search as another account", chromedp.Navigate(base+"/console/search?q=receipts"), chromedp.WaitVisible(chromedp.CSS("main")))
	if got := b.text("main"); !strings.Contains(got, "0 table(s) match") {
		t.Errorf("another account's search: %q", got)
	}
	t.Logf("screenshots in %s", b.dir)
}

func sampleSourceID(t *testing.T, w *world) string {
	t.Helper()
	p := w.web()
	p.mustSignIn(w.env.Key)
	body := p.get("/console/sources?service=DataZone").body
	i := strings.Index(body, server.SampleSource)
	j := strings.LastIndex(body[:max(i, 0)], "/console/sources/")
	if i < 0 || j < 0 {
		t.Fatalf("no sample source listed")
	}
	id, _, _ := strings.Cut(body[j+len("/console/sources/"):], `"`)
	return id
}
