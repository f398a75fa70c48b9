package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cutwatch/cutwatch/search/api"
)

// MinSeqHeader is the request header equivalent to the min_seq parameter.
const MinSeqHeader = "X-Cutwatch-Min-Seq"

// minSeqResponse is the body of a read refused because this node has not
// applied the write it asked for (503), or never will (400).
type minSeqResponse struct {
	Error   string `json:"error"`
	Reason  string `json:"reason"`
	Applied uint64 `json:"applied"`
	Wanted  uint64 `json:"wanted"`
}

// minSeq returns the min_seq a read asks for (the parameter, else the
// header; 0: none), or a 400 for a malformed one.
func minSeq(c *gin.Context) (uint64, error) {
	v, ok := c.GetQuery("min_seq")
	if !ok {
		v = c.GetHeader(MinSeqHeader)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, &httpError{http.StatusBadRequest, fmt.Sprintf("min_seq: %.40q is not a sequence number (the \"seq\" of a write's answer)", v)}
	}
	return n, nil
}

// waitMinSeq makes a read with min_seq (or X-Cutwatch-Min-Seq) wait until
// this server has applied that write (see api.SeqWaiter): 503 with the
// reason, the applied and the wanted sequence numbers when it has not
// within the bound (cluster mode: --min-seq-wait), 400 for a number this
// server will never apply (embedded mode) or a malformed one.
func (s *Server) waitMinSeq(html bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		n, err := minSeq(c)
		if err == nil && n > 0 && s.seqs != nil {
			err = s.seqs.WaitSeq(c.Request.Context(), n)
		}
		if err == nil {
			c.Next()
			return
		}
		status, body := http.StatusBadRequest, minSeqResponse{Error: err.Error()}
		var me *api.MinSeqError
		switch {
		case errors.As(err, &me):
			body = minSeqResponse{Error: me.Error(), Reason: me.Reason, Applied: me.Applied, Wanted: me.Wanted}
			if me.Retryable {
				status = http.StatusServiceUnavailable
				c.Header("Retry-After", "1")
			}
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			status, body.Error = http.StatusServiceUnavailable, "request cancelled while waiting for min_seq"
		default:
			var he *httpError
			if !errors.As(err, &he) {
				status, body.Error = http.StatusInternalServerError, "internal error"
				s.log.Error("min_seq wait failed", "err", err)
			}
		}
		if html {
			s.writeHTML(c, errorPage(status, body.Error))
		} else {
			writeJSON(c, status, body)
		}
		c.Abort()
	}
}

// serveCluster answers GET /api/cluster: this node's replication state
// (404 outside cluster mode).
func (s *Server) serveCluster(c *gin.Context) {
	if s.cluster == nil {
		writeJSON(c, http.StatusNotFound, errorBody{Error: "not in cluster mode (start 'cutwatch serve' with --nats)"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	writeJSON(c, http.StatusOK, s.cluster.Status(ctx, true))
}

// clusterCollector exports the replication state at scrape time.
type clusterCollector struct {
	cl                                    api.Cluster
	applied, stream, lag, msgs, pubErrors *prometheus.Desc
	caughtUp                              *prometheus.Desc
}

func newClusterCollector(cl api.Cluster) *clusterCollector {
	return &clusterCollector{cl: cl,
		applied:   prometheus.NewDesc("cutwatch_cluster_applied_seq", "Stream sequence of the last message this node applied to its store and index.", nil, nil),
		stream:    prometheus.NewDesc("cutwatch_cluster_stream_seq", "Last sequence of the article stream as this node last saw it.", nil, nil),
		lag:       prometheus.NewDesc("cutwatch_cluster_lag_messages", "Messages of the article stream this node has not applied yet.", nil, nil),
		msgs:      prometheus.NewDesc("cutwatch_cluster_applied_messages_total", "Messages of the article stream this node has applied (each once).", nil, nil),
		pubErrors: prometheus.NewDesc("cutwatch_cluster_publish_errors_total", "Writes the article stream did not acknowledge (no connection, no quorum, timeout).", nil, nil),
		caughtUp:  prometheus.NewDesc("cutwatch_cluster_caught_up", "1 once this node has applied the stream as it was when it started.", nil, nil),
	}
}

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.applied, c.stream, c.lag, c.msgs, c.pubErrors, c.caughtUp} {
		ch <- d
	}
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.cl.Status(context.Background(), false)
	up := 0.0
	if st.CaughtUp {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.applied, prometheus.GaugeValue, float64(st.Applied))
	ch <- prometheus.MustNewConstMetric(c.stream, prometheus.GaugeValue, float64(st.StreamLast))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(st.Lag))
	ch <- prometheus.MustNewConstMetric(c.msgs, prometheus.CounterValue, float64(st.AppliedMessages))
	ch <- prometheus.MustNewConstMetric(c.pubErrors, prometheus.CounterValue, float64(st.PublishErrors))
	ch <- prometheus.MustNewConstMetric(c.caughtUp, prometheus.GaugeValue, up)
}
