package sqlite

// parser parses the CREATE statements of sqlite_schema on a goroutine of its own, while the
// catalog queries go on, so that a scan does not wait for the parsing: reading the catalog
// keeps one core busy inside SQLite, and the parsing can use another.
type parser struct {
	jobs   chan []parseJob
	batch  []parseJob
	done   chan struct{}
	closed bool
	tokens []token // scratch, used by the parsing goroutine only
}

// parseJob is one statement to parse and where its result goes: a table's create, a view's
// view, or an index's create. Nothing else reads those fields until wait returns.
type parseJob struct {
	text  string
	table *tableScan
	view  bool
	index *indexInfo
}

// parseBatch is how many statements travel to the parsing goroutine together, so that the
// hand-over costs little per statement.
const parseBatch = 128

func startParser() *parser {
	p := &parser{jobs: make(chan []parseJob, 8), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *parser) run() {
	defer close(p.done)
	for batch := range p.jobs {
		for _, j := range batch {
			switch {
			case j.index != nil:
				j.index.create = parseCreateIndex(j.text, &p.tokens)
				j.index.create.detach()
			case j.view:
				j.table.view = viewQuery(j.text, &p.tokens)
			default:
				j.table.create = parseCreateTable(j.text, &p.tokens)
				j.table.create.detach()
			}
		}
	}
}

// add queues a statement.
func (p *parser) add(j parseJob) {
	p.batch = append(p.batch, j)
	if len(p.batch) == parseBatch {
		p.jobs <- p.batch
		p.batch = make([]parseJob, 0, parseBatch)
	}
}

// wait returns once every statement queued is parsed. Nothing can be added after it; calling it
// again does nothing.
func (p *parser) wait() {
	if p.closed {
		return
	}
	p.closed = true
	if len(p.batch) > 0 {
		p.jobs <- p.batch
		p.batch = nil
	}
	close(p.jobs)
	<-p.done
}
