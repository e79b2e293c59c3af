// Package console is Surveyor's web console, served under /console/ beside the AWS APIs: the
// sources of every façade with their runs, each run's typed changes and removed assets, each
// asset's shape and revision history with side-by-side diffs, ER diagrams of a schema, and search.
//
// Pages are rendered on the server with html/template and work without JavaScript; htmx (vendored,
// embedded) swaps filtered lists in place, and a little plain JavaScript pans and zooms the ER
// diagrams, which are laid out here in Go. Every asset is embedded: nothing is loaded from the
// network.
//
// People sign in with an access key of this server; the session (a signed, expiring, HttpOnly,
// SameSite=Strict cookie naming a row of console_sessions) sees exactly what that key's account
// sees through the API. Every form carries the session's CSRF token. What the console shows of a
// façade's sources, and how it starts a run, comes from the façade itself through the Sources
// interface, so a run started here is started exactly as the API starts it.
package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

//go:embed templates static
var files embed.FS

// Prefix is the path the console is served under.
const Prefix = "/console/"

// Defaults.
const (
	DefaultSessionTTL  = 12 * time.Hour
	DefaultSignInDelay = time.Second
)

// Config is what the console reads and how it behaves.
type Config struct {
	DB      *store.DB
	Runs    *runs.Queue
	Catalog *catalog.Catalog
	// Keys checks the access keys people sign in with.
	Keys awsapi.KeyStore
	// Sources are the façades' sources, one entry per façade.
	Sources []Sources
	// Region is a new session's region; Regions those a session may switch to (default: Region).
	Region  string
	Regions []string
	// SessionKey signs session cookies; derive it from the master key so that every process
	// sharing a store accepts the same cookies.
	SessionKey []byte
	// SessionTTL is how long a session lasts (DefaultSessionTTL when 0).
	SessionTTL time.Duration
	// SignInDelay is how long a sign-in with wrong keys waits before answering
	// (DefaultSignInDelay when 0; negative means none).
	SignInDelay time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// Console serves the web console. Build it with New.
type Console struct {
	cfg     Config
	pages   map[string]*template.Template
	handler http.Handler
}

// New builds the console.
func New(cfg Config) (*Console, error) {
	if cfg.DB == nil || cfg.Runs == nil || cfg.Catalog == nil || cfg.Keys == nil {
		return nil, errors.New("console: DB, Runs, Catalog and Keys are required")
	}
	if len(cfg.SessionKey) < 16 {
		return nil, errors.New("console: a session key of at least 16 bytes is required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.SignInDelay == 0 {
		cfg.SignInDelay = DefaultSignInDelay
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Regions) == 0 && cfg.Region != "" {
		cfg.Regions = []string{cfg.Region}
	}
	c := &Console{cfg: cfg}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	c.handler = c.routes()
	return c, nil
}

// ServeHTTP implements http.Handler for the paths under Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(static)))
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signIn)
	mux.HandleFunc("POST /console/signout", c.form(c.signOut))
	mux.HandleFunc("POST /console/region", c.form(c.setRegion))
	mux.HandleFunc("GET /console/{$}", c.page(c.sourcesPage))
	mux.HandleFunc("GET /console/sources", c.page(c.sourcesPage))
	mux.HandleFunc("GET /console/sources/{id}", c.page(c.sourcePage))
	mux.HandleFunc("POST /console/sources/{id}/run", c.form(c.runNow))
	mux.HandleFunc("GET /console/runs/{id}", c.page(c.runPage))
	mux.HandleFunc("GET /console/assets/{id}", c.page(c.assetPage))
	mux.HandleFunc("GET /console/assets/{id}/diff", c.page(c.diffPage))
	mux.HandleFunc("GET /console/erd", c.page(c.erdPage))
	mux.HandleFunc("GET /console/search", c.page(c.searchPage))
	mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.renderError(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.renderError(w, r, nil, http.StatusForbidden, "This form did not come from this console, so it was refused.")
	}))
	return securityHeaders(protect.Handler(mux))
}

// securityHeaders forbids framing, sniffing and any resource from elsewhere.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// staticFiles serves the embedded assets with a long cache lifetime.
func staticFiles(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// WantsConsole reports whether a request to the server's root comes from a browser rather than
// an AWS client: an unsigned GET that accepts HTML. The server redirects those to the console.
func WantsConsole(r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.Path != "/" {
		return false
	}
	if r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Signature") != "" || r.URL.Query().Get("X-Amz-Credential") != "" {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// view is what every page template gets.
type view struct {
	// Page names the page's template; Nav the navigation entry it belongs to.
	Page    string
	Title   string
	Nav     string
	Session *Session
	Regions []string
	// Path is the request's path and query, for forms that come back to the same page.
	Path  string
	Flash string
	D     any
}

// handlerFunc is a page or form handler of a signed-in session. It returns the page's view, or
// an error (a *pageError for 4xx answers).
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *Session) (*view, error)

// pageError is an error the person should read, with its HTTP status.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

func notFound(format string, args ...any) error {
	return &pageError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &pageError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// page wraps a GET page: it needs a session (else the sign-in page), and renders the view.
func (c *Console) page(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r)
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		if s == nil {
			http.Redirect(w, r, "/console/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = r.WithContext(s.callerContext(r.Context()))
		v, err := h(w, r, s)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		if v == nil {
			return // the handler answered itself
		}
		v.Session, v.Regions, v.Path = s, c.cfg.Regions, r.URL.RequestURI()
		if v.Flash == "" {
			v.Flash = r.URL.Query().Get("flash")
		}
		c.render(w, r, http.StatusOK, v.Page, v)
	}
}

// form wraps a POST: it needs a session and the session's CSRF token in the form.
func (c *Console) form(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r)
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		if s == nil {
			c.renderError(w, r, nil, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			c.renderError(w, r, s, http.StatusBadRequest, "The form could not be read.")
			return
		}
		if !s.checkCSRF(r.PostForm.Get("csrf")) {
			c.renderError(w, r, s, http.StatusForbidden, "This form carries no valid security token, so it was refused. Reload the page and try again.")
			return
		}
		r = r.WithContext(s.callerContext(r.Context()))
		v, err := h(w, r, s)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		if v != nil {
			v.Session, v.Regions, v.Path = s, c.cfg.Regions, r.URL.RequestURI()
			c.render(w, r, http.StatusOK, v.Page, v)
		}
	}
}

// fail answers an error: a *pageError as it says, anything else as an internal failure whose
// cause is logged and not shown.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *Session, err error) {
	var pe *pageError
	if errors.As(err, &pe) {
		c.renderError(w, r, s, pe.status, pe.msg)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	c.cfg.Logger.Error("console", "path", r.URL.Path, "err", err)
	c.renderError(w, r, s, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
}

func (c *Console) renderError(w http.ResponseWriter, r *http.Request, s *Session, status int, msg string) {
	v := &view{Page: "error", Title: http.StatusText(status), Session: s, Regions: c.cfg.Regions, Path: r.URL.RequestURI(),
		D: struct {
			Status  int
			Message string
		}{status, msg}}
	c.render(w, r, status, "error", v)
}

// render executes a page template into a buffer first, so a failing template never sends half a
// page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := c.pages[name]
	if !ok {
		c.cfg.Logger.Error("console: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.cfg.Logger.Error("console: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
