package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/cutwatch/cutwatch/search/api"
)

// Fair use of the public reads: each client (by address) has a token
// bucket of Options.RateLimit requests a second with bursts of
// Options.RateBurst; past it a read is answered 429 with Retry-After. A
// request with a valid key (the read key or the API key) is not counted.
// Expensive searches are limited by the search layer (a cost budget per
// request and a share of the search slots).

// Defaults of the rate limit of anonymous reads ('cutwatch serve'
// --rate-limit and --rate-burst).
const (
	DefaultRateLimit = 20
	DefaultRateBurst = 100
)

// clientSweep is how often buckets full again are forgotten.
const clientSweep = time.Minute

// rateLimiter keeps a token bucket per client address.
type rateLimiter struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	clients   map[string]*rate.Limiter
	lastSweep time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), clients: map[string]*rate.Limiter{}}
}

// allow takes a token of client's bucket; when there is none it returns
// false and the wait until there is one.
func (l *rateLimiter) allow(client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > clientSweep {
		// A full bucket is the same as a new one: forget it, so that the
		// map holds only clients seen in the last minutes.
		for k, b := range l.clients {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.clients, k)
			}
		}
		l.lastSweep = now
	}
	b := l.clients[client]
	if b == nil {
		b = rate.NewLimiter(l.limit, l.burst)
		l.clients[client] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// clientAddr is the address a request counts against: the value of the
// configured client address header (set by a trusted proxy in front; its
// last element, the one that proxy added, when it is a list such as
// X-Forwarded-For), else the peer's address. Without a configured header
// no header is believed.
func (s *Server) clientAddr(r *http.Request) string {
	if s.clientHeader != "" {
		if v := r.Header.Values(s.clientHeader); len(v) > 0 {
			last := v[len(v)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if last = strings.TrimSpace(last); last != "" {
				return last
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// keyHash is the SHA-256 of a key: keys are compared by their hashes in
// constant time, so neither a key's bytes nor its length leak through
// timing.
func keyHash(key string) [32]byte { return sha256.Sum256([]byte(key)) }

// bearer returns the hash of the request's bearer token and whether it
// has one.
func bearer(c *gin.Context) ([32]byte, bool) {
	scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return [32]byte{}, false
	}
	return keyHash(strings.TrimSpace(token)), true
}

// keyed reports whether the request carries the read key or the API key.
func (s *Server) keyed(c *gin.Context) bool {
	h, ok := bearer(c)
	if !ok {
		return false
	}
	read := s.readKeySet && subtle.ConstantTimeCompare(h[:], s.readKeyHash[:]) == 1
	admin := s.keySet && subtle.ConstantTimeCompare(h[:], s.keyHash[:]) == 1
	return read || admin
}

// publicRead is the middleware of the public reads (the API's GET routes
// and the UI's pages): CORS for the API, the read key when one is set, the
// rate limit of anonymous clients, and 503 while there is no index
// (needIndex).
func (s *Server) publicRead(html bool) gin.HandlerFunc {
	need := s.needIndex(html)
	return func(c *gin.Context) {
		if !html {
			allowCORS(c)
		}
		if _, err := url.ParseQuery(c.Request.URL.RawQuery); err != nil {
			// net/url drops a malformed pair silently (q=%zz would become
			// no query at all, matching everything): refuse it instead.
			s.refuse(c, html, http.StatusBadRequest, "query string: not valid URL encoding ("+api.Truncate(err.Error(), 100)+"): encode '%' as %25")
			return
		}
		keyed := s.keyed(c)
		if s.readKeySet && !keyed {
			c.Header("WWW-Authenticate", `Bearer realm="cutwatch"`)
			s.refuse(c, html, http.StatusUnauthorized, "this server's reads need a key: send 'Authorization: Bearer <read key>'")
			return
		}
		if !keyed && s.rate != nil {
			if ok, wait := s.rate.allow(s.clientAddr(c.Request), time.Now()); !ok {
				secs := int(math.Ceil(wait.Seconds()))
				c.Header("Retry-After", strconv.Itoa(secs))
				s.refuse(c, html, http.StatusTooManyRequests, "too many requests from your address: try again in "+strconv.Itoa(secs)+" s (or send a key)")
				return
			}
		}
		need(c)
	}
}

// refuse answers status with msg, as the HTML error page or JSON, and
// stops the request.
func (s *Server) refuse(c *gin.Context, html bool, status int, msg string) {
	if html {
		s.writeHTML(c, errorPage(status, msg))
	} else {
		writeJSON(c, status, errorBody{Error: msg})
	}
	c.Abort()
}

// allowCORS lets pages of any origin read the answer of a public GET:
// the API's reads are public data. Write routes never get the header.
func allowCORS(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	c.Header("Access-Control-Expose-Headers", "Retry-After, X-Export-Truncated")
}

// servePreflight answers a CORS preflight (OPTIONS) of a public GET
// route: GET and HEAD are allowed, with an Authorization header (for a
// read key); a preflight for any other method gets no CORS headers, so
// the browser does not send it.
func servePreflight(c *gin.Context) {
	m := c.GetHeader("Access-Control-Request-Method")
	if m == http.MethodGet || m == http.MethodHead {
		c.Header("Access-Control-Allow-Origin", "*")
		c.Header("Access-Control-Allow-Methods", "GET, HEAD")
		c.Header("Access-Control-Allow-Headers", "Authorization")
		c.Header("Access-Control-Max-Age", "86400")
	}
	c.Header("Allow", "GET, HEAD, OPTIONS")
	c.Status(http.StatusNoContent)
}

// compress gzips the answers of GET requests whose client accepts it
// (JSON, HTML, CSV, feeds; gin-contrib/gzip), except /metrics, which
// Prometheus' handler compresses itself. Error answers are not
// compressed (the middleware's choice), nor are write routes' answers.
var compress = gzip.Gzip(gzip.DefaultCompression, gzip.WithCustomShouldCompressFn(func(c *gin.Context) bool {
	r := c.Request
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path != "/metrics" &&
		strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
}))
