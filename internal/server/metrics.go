package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/surveyorhq/surveyor/internal/store"
)

// metrics is the Prometheus registry of one server: requests by service, operation and status,
// request latency, runs by state (read from the store at scrape time) and run durations.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	RunDuration *prometheus.HistogramVec
}

func newMetrics(db *store.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyor_requests_total", Help: "AWS API requests by service, operation and HTTP status.",
		}, []string{"service", "operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "surveyor_request_duration_seconds", Help: "AWS API request latency.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"service", "operation"}),
		RunDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "surveyor_run_duration_seconds", Help: "Discovery run duration by job and final status.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}, []string{"job", "status"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.RunDuration, &runStates{db: db},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeRequest(service, operation string, status int, d time.Duration) {
	if operation == "" {
		operation = "unknown"
	}
	m.requests.WithLabelValues(service, operation, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(service, operation).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// runStates reports how many runs are in each state, counted in the store when scraped, so every
// process sharing a store reports the same numbers.
type runStates struct{ db *store.DB }

var runStatesDesc = prometheus.NewDesc("surveyor_runs", "Runs by state.", []string{"state"}, nil)

func (r *runStates) Describe(ch chan<- *prometheus.Desc) { ch <- runStatesDesc }

func (r *runStates) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts := map[string]float64{"REQUESTED": 0, "RUNNING": 0, "SUCCESS": 0, "PARTIALLY_SUCCEEDED": 0, "FAILED": 0}
	_ = r.db.ReadTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT status, count(*) FROM runs GROUP BY status")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n float64
			if rows.Scan(&st, &n) == nil {
				counts[st] = n
			}
		}
		return rows.Err()
	})
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(runStatesDesc, prometheus.GaugeValue, n, st)
	}
}
