package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/healthz"},
		{":9090", "http://127.0.0.1:9090/healthz"},
		{"[::]:8080", "http://127.0.0.1:8080/healthz"},
		{"[::1]:8080", "http://[::1]:8080/healthz"},
		{"localhost:8081", "http://localhost:8081/healthz"},
		{"cutwatch.internal:80", "http://cutwatch.internal:80/healthz"},
	} {
		got, err := healthURL(tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "8080", "127.0.0.1", "http://127.0.0.1:8080"} {
		if got, err := healthURL(bad); err == nil {
			t.Errorf("healthURL(%q) = %q, want an error", bad, got)
		}
	}
}

// TestHealthcheckAgainstServer runs the healthcheck command against a real
// server: healthy by flag, by CUTWATCH_ADDR (as in the container) and by
// --url; unhealthy on another status, when the server has gone, and when
// the peer does not answer in time.
func TestHealthcheckAgainstServer(t *testing.T) {
	addr, stop := startServe(t, defaultServeConfig(t.TempDir()))
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()

	code, stdout, stderr := cli(t, "healthcheck", "--addr", addr)
	if code != 0 || !strings.Contains(stdout, "healthy") || !strings.Contains(stdout, `"documents":5`) {
		t.Errorf("healthcheck --addr %s: exit %d, stdout %q, stderr %q; want 0 and the answer with 5 documents", addr, code, stdout, stderr)
	}

	t.Setenv("CUTWATCH_ADDR", addr)
	if code, stdout, stderr := cli(t, "healthcheck"); code != 0 || !strings.Contains(stdout, "http://"+addr+"/healthz") {
		t.Errorf("healthcheck with CUTWATCH_ADDR=%s: exit %d, stdout %q, stderr %q; want 0", addr, code, stdout, stderr)
	}
	if code, _, stderr := cli(t, "healthcheck", "--url", "http://"+addr+"/healthz"); code != 0 {
		t.Errorf("healthcheck --url: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := cli(t, "healthcheck", "--url", "http://"+addr+"/no-such-page"); code != 1 || !strings.Contains(stderr, "404") {
		t.Errorf("healthcheck of a 404 page: exit %d, stderr %q; want 1 and the status", code, stderr)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if code, _, stderr := cli(t, "healthcheck"); code != 1 || !strings.Contains(stderr, "unhealthy") || !strings.Contains(stderr, "refused") {
		t.Errorf("healthcheck of a stopped server: exit %d, stderr %q; want 1, unhealthy, refused", code, stderr)
	}
}

// TestHealthcheckTimeout: a peer that accepts the connection and never
// answers makes the check fail after --timeout, not hang.
func TestHealthcheckTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	code, _, stderr := cliWithin(t, "healthcheck", "--addr", ln.Addr().String(), "--timeout", "300ms")
	if code != 1 || !strings.Contains(stderr, "unhealthy") {
		t.Errorf("healthcheck of a silent peer: exit %d, stderr %q; want 1, unhealthy", code, stderr)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("healthcheck with --timeout 300ms took %v", took)
	}
}

func TestHealthcheckUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"healthcheck", "--addr", "8080"}, 2, "not host:port"},
		{[]string{"healthcheck", "extra"}, 2, "no arguments"},
		{[]string{"healthcheck", "--url", "ftp://127.0.0.1/healthz"}, 1, "not an http(s) URL"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("cutwatch %q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}
