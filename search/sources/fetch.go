package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/cutwatch/cutwatch/search/netguard"
)

// Defaults of FetchOptions.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBody      = 4 << 20
	DefaultMaxRedirects = 5
	DefaultMinDelay     = 2 * time.Second
	// robotsTTL is how long a host's robots.txt is kept.
	robotsTTL = time.Hour
	// robotsMaxBody caps a robots.txt (Google reads 500 KiB of one).
	robotsMaxBody = 512 << 10
	// agentToken is the product token robots.txt groups are matched by.
	agentToken = "cutwatch"
)

// FetchOptions configure the HTTP fetches of feeds, pages and robots.txt.
type FetchOptions struct {
	// Contact is the URL in the User-Agent where a site's owner can learn
	// about the crawler and reach its operator.
	Contact string
	// AllowPrivate lets fetches reach loopback, private, link-local and
	// other non-public addresses (tests; a feed on an intranet).
	AllowPrivate bool
	// Timeout bounds one fetch, from dialling to the last byte.
	Timeout time.Duration
	// MaxBody is the largest body read; a larger one fails the fetch.
	MaxBody int64
	// MaxRedirects is how many redirects one fetch follows.
	MaxRedirects int
	// MinDelay is the least time between the start of two requests to
	// one host (there is never more than one at a time).
	MinDelay time.Duration
}

func (o FetchOptions) withDefaults() FetchOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.MinDelay < 0 {
		o.MinDelay = 0
	}
	return o
}

// UserAgent is the User-Agent header of every fetch.
func (o FetchOptions) UserAgent() string {
	ua := agentToken + "/1 (NHS job-cuts news search"
	if o.Contact != "" {
		ua += "; +" + o.Contact
	}
	return ua + ")"
}

// Errors of a fetch.
var (
	// ErrForbiddenAddress: the host resolves to an address fetches may
	// not reach (see FetchOptions.AllowPrivate).
	ErrForbiddenAddress = errors.New("address not allowed")
	// ErrTooLarge: the body is larger than FetchOptions.MaxBody.
	ErrTooLarge = errors.New("body too large")
	// ErrRobots: the host's robots.txt disallows the URL.
	ErrRobots = errors.New("disallowed by robots.txt")
)

// StatusError is an answer of a status other than 200 or 304.
type StatusError struct {
	Code int
	// RetryAfter is the wait a 429 or 503 asked for (0: none said).
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// fetcher makes the HTTP requests of all sources: one client whose dialer
// refuses non-public addresses, a politeness gate per host, and the
// hosts' robots.txt.
type fetcher struct {
	opts   FetchOptions
	client *http.Client
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	hosts  map[string]*host
	robots map[string]robotsEntry
}

// host is the politeness gate of one host: a token for the one request
// that may run, and when the last one started.
type host struct {
	token chan struct{}
	last  time.Time
}

type robotsEntry struct {
	data    *robotstxt.RobotsData
	fetched time.Time
}

func newFetcher(opts FetchOptions, now func() time.Time, sleep func(context.Context, time.Duration) error) *fetcher {
	opts = opts.withDefaults()
	f := &fetcher{opts: opts, now: now, sleep: sleep, hosts: map[string]*host{}, robots: map[string]robotsEntry{}}
	dialer := &net.Dialer{Timeout: opts.Timeout, Control: f.checkDial}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the address check
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
	}
	f.client = &http.Client{
		Transport: tr,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opts.MaxRedirects {
				return fmt.Errorf("more than %d redirects", opts.MaxRedirects)
			}
			return checkURL(req.URL)
		},
	}
	return f
}

// checkDial runs on every connection about to be made, with the address
// actually dialled (after DNS resolution, on every redirect): a name that
// resolves, or re-resolves, to a private address is refused here.
func (f *fetcher) checkDial(network, address string, _ syscall.RawConn) error {
	if f.opts.AllowPrivate {
		return nil
	}
	h, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, ErrForbiddenAddress)
	}
	if !netguard.Public(ip) {
		return fmt.Errorf("dial %s: %w", address, ErrForbiddenAddress)
	}
	return nil
}

// checkURL accepts http and https URLs with a host.
func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s: only http and https URLs are fetched", u.Redacted())
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%s: no host", u.Redacted())
	}
	return nil
}

// response is a fetched body with the headers a poll keeps.
type response struct {
	status       int // 200 or 304
	body         []byte
	url          *url.URL // after redirects
	etag         string
	lastModified string
}

// get fetches u politely: robots.txt first (unless u is one), at most one
// request at a time to a host and MinDelay between their starts, the
// validators etag and lastModified sent when not empty. It returns a
// response of status 200 or 304, or an error (a *StatusError for other
// statuses).
func (f *fetcher) get(ctx context.Context, u *url.URL, etag, lastModified string, accept string) (*response, error) {
	if err := checkURL(u); err != nil {
		return nil, err
	}
	if u.Path != "/robots.txt" {
		ok, err := f.allowed(ctx, u)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: %w", u.Redacted(), ErrRobots)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent())
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	release, err := f.acquire(ctx, u.Host)
	if err != nil {
		return nil, err
	}
	defer release()
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return &response{status: resp.StatusCode, url: resp.Request.URL, etag: etag, lastModified: lastModified}, nil
	default:
		se := &StatusError{Code: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), f.now())
		}
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), se)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: read body: %w", u.Redacted(), err)
	}
	if int64(len(body)) > f.opts.MaxBody {
		return nil, fmt.Errorf("fetch %s: %w (more than %d bytes)", u.Redacted(), ErrTooLarge, f.opts.MaxBody)
	}
	return &response{
		status:       resp.StatusCode,
		body:         body,
		url:          resp.Request.URL,
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
	}, nil
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// acquire waits for the host's token and for MinDelay since the host's
// last request started; release gives the token back.
func (f *fetcher) acquire(ctx context.Context, hostport string) (release func(), err error) {
	f.mu.Lock()
	h := f.hosts[hostport]
	if h == nil {
		h = &host{token: make(chan struct{}, 1)}
		f.hosts[hostport] = h
	}
	f.mu.Unlock()
	select {
	case h.token <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-h.token }
	if !h.last.IsZero() {
		if wait := h.last.Add(f.opts.MinDelay).Sub(f.now()); wait > 0 {
			if err := f.sleep(ctx, wait); err != nil {
				release()
				return nil, err
			}
		}
	}
	h.last = f.now()
	return release, nil
}

// allowed reports whether the robots.txt of u's host lets cutwatch fetch
// u. A robots.txt that is missing (4xx) allows everything; one that
// cannot be fetched (5xx) disallows everything for now, as RFC 9309 says.
func (f *fetcher) allowed(ctx context.Context, u *url.URL) (bool, error) {
	key := u.Scheme + "://" + u.Host
	f.mu.Lock()
	e, ok := f.robots[key]
	f.mu.Unlock()
	if !ok || f.now().Sub(e.fetched) > robotsTTL {
		ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
		var data *robotstxt.RobotsData
		resp, err := f.getRobots(ctx, ru)
		var se *StatusError
		switch {
		case err == nil:
			data, err = robotstxt.FromStatusAndBytes(resp.status, resp.body)
			if err != nil {
				data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil) // unreadable: as none
			}
		case errors.As(err, &se):
			data, _ = robotstxt.FromStatusAndBytes(se.Code, nil)
		default:
			return false, fmt.Errorf("robots.txt: %w", err)
		}
		e = robotsEntry{data: data, fetched: f.now()}
		f.mu.Lock()
		f.robots[key] = e
		f.mu.Unlock()
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if path == "" {
		path = "/"
	}
	return e.data.TestAgent(path, agentToken), nil
}

// getRobots fetches a robots.txt, of which only the first robotsMaxBody
// bytes are read (RFC 9309 asks at least 500 KiB be parsed). One larger
// than MaxBody reads as missing.
func (f *fetcher) getRobots(ctx context.Context, u *url.URL) (*response, error) {
	resp, err := f.get(ctx, u, "", "", "text/plain")
	if errors.Is(err, ErrTooLarge) {
		return &response{status: http.StatusNotFound}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(resp.body) > robotsMaxBody {
		resp.body = resp.body[:robotsMaxBody]
	}
	return resp, nil
}
