package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// defaultAddr is the default of the --addr flags of serve and healthcheck,
// so that both find each other without configuration.
const defaultAddr = "127.0.0.1:8080"

func healthcheckCommand() *ffcli.Command {
	fs := newFlagSet("healthcheck")
	addr := fs.String("addr", defaultAddr, "address the server listens on, as serve's --addr; an unspecified host (0.0.0.0, ::, none) is checked on 127.0.0.1")
	target := fs.String("url", "", "URL to check instead of http://<addr>/healthz")
	timeout := fs.Duration("timeout", 3*time.Second, "longest time to wait for the answer")
	return &ffcli.Command{
		Name:       "healthcheck",
		ShortUsage: "cutwatch healthcheck [--addr HOST:PORT | --url URL] [--timeout D]",
		ShortHelp:  "Check that a running server answers /healthz (for the container's HEALTHCHECK).",
		LongHelp: "GETs http://<addr>/healthz (or --url), which runs a real one-hit search,\n" +
			"and exits 0 when the answer is 200 OK and 1 otherwise (refused, timed out,\n" +
			"or any other status), saying why on stderr. --addr reads CUTWATCH_ADDR like\n" +
			"serve's, so in the container it checks the server the same variable\n" +
			"configures; the runtime image has no shell or curl, hence this command.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: healthcheck takes no arguments, got %q", errUsage, args)
			}
			u := *target
			if u == "" {
				var err error
				if u, err = healthURL(*addr); err != nil {
					return err
				}
			}
			return runHealthcheck(ctx, os.Stdout, u, *timeout)
		},
	}
}

// healthURL is the /healthz URL of a server listening on addr (host:port).
// A server listening on every interface is reached on the IPv4 loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%w: --addr %q is not host:port: %v", errUsage, addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// runHealthcheck GETs u within timeout and returns nil when it answers
// 200 OK, printing the answer to out; otherwise an error saying why.
func runHealthcheck(ctx context.Context, out io.Writer, u string, timeout time.Duration) error {
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("unhealthy: %q is not an http(s) URL", u)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	answer := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: GET %s: %s: %s", u, resp.Status, answer)
	}
	fmt.Fprintf(out, "healthy: GET %s: %s: %s\n", u, resp.Status, answer)
	return nil
}
