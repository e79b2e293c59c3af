package console

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schema"
)

var pageNames = []string{"signin", "error", "sources", "source", "run", "asset", "diff", "erd", "search"}

func (c *Console) parseTemplates() error {
	c.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(c.funcs()).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("console: parse template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		"describe":    describeHTML,
		"ref":         func(r schema.Ref) string { return r.String() },
		"path":        url.PathEscape,
		"query":       url.QueryEscape,
		"when":        when,
		"ago":         c.ago,
		"dur":         duration,
		"runDuration": c.runDuration,
		"runTime":     runTime,
		"kind":        schema.KindNoun,
		"statusClass": statusClass,
		"words":       words,
		"terminal":    runs.Terminal,
		"lower":       strings.ToLower,
		"join":        strings.Join,
		"add":         func(a, b int) int { return a + b },
		"bytes":       humanBytes,
		"short": func(s string) string {
			if len(s) > 12 {
				return s[:12]
			}
			return s
		},
		"statusText": http.StatusText,
		"reason":     reason,
		"isPK": func(t *schema.Table, col string) bool {
			return t.PrimaryKey != nil && contains(t.PrimaryKey.Columns, col)
		},
		"isFK": func(t *schema.Table, col string) bool {
			for _, fk := range t.ForeignKeys {
				if contains(fk.Columns, col) {
					return true
				}
			}
			return false
		},
		"indexParts": func(ix schema.Index) string {
			var parts []string
			for _, p := range ix.Parts {
				s := p.Column
				if s == "" {
					s = p.Expression
				}
				if p.Descending {
					s += " DESC"
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, ", ")
		},
		"hasGlue": func(services []string) bool { return contains(services, "Glue") },
	}
}

// describeHTML renders a described change: names as code, the note muted.
func describeHTML(d schema.Description) template.HTML {
	var b strings.Builder
	b.WriteString(`<span class="sentence">`)
	for _, p := range d.Parts {
		if p.Code {
			b.WriteString("<code>" + html.EscapeString(p.Text) + "</code>")
		} else {
			b.WriteString(html.EscapeString(p.Text))
		}
	}
	b.WriteString(`</span>`)
	if d.Note != "" {
		b.WriteString(` <span class="note">` + html.EscapeString(d.Note) + `</span>`)
	}
	return template.HTML(b.String())
}

// when prints a time (or *time.Time) in UTC to the minute.
func when(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ago says how long ago (or in how long) a time is.
func (c *Console) ago(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	}
	d := c.cfg.Now().Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d.Hours()))
	default:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func (c *Console) runDuration(r runs.Run) string {
	if r.StartedAt == nil {
		return "—"
	}
	end := c.cfg.Now()
	if r.StoppedAt != nil {
		end = *r.StoppedAt
	}
	return duration(end.Sub(*r.StartedAt))
}

// runTime is when a run started, or was requested if it has not.
func runTime(r any) time.Time {
	var run runs.Run
	switch x := r.(type) {
	case runs.Run:
		run = x
	case *runs.Run:
		run = *x
	}
	if run.StartedAt != nil {
		return *run.StartedAt
	}
	return run.CreatedAt
}

func statusClass(s string) string {
	switch s {
	case runs.StatusSuccess, catalog.StatusCreated, catalog.StatusUnchanged:
		return "ok"
	case catalog.StatusUpdated:
		return "info"
	case runs.StatusPartiallySucceeded, catalog.StatusNoAccess, "NEVER_RUN":
		return "warn"
	case runs.StatusFailed:
		return "bad"
	case runs.StatusRequested, runs.StatusRunning:
		return "run"
	}
	return ""
}

// words turns a code like PARTIALLY_SUCCEEDED into "partially succeeded".
func words(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", " ")) }

// reason is why an activity failed or was skipped.
func reason(a catalog.Activity) string {
	switch {
	case a.ErrorMessage != "":
		return a.ErrorMessage
	case a.Status == catalog.StatusNoAccess:
		return "the source's credentials may not read this table"
	}
	return ""
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
