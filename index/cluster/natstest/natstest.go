// Package natstest starts real NATS servers with JetStream in the test's
// process, on loopback and free ports, as a cluster of any size: the NATS
// engine cutwatch's cluster mode runs on, not a mock of it. Servers can be
// stopped and started again on the same ports and storage, to test what a
// lost node does.
package natstest

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cluster is a NATS cluster of servers with JetStream, each with its own
// store directory, all on 127.0.0.1.
type Cluster struct {
	t       testing.TB
	name    string
	opts    []*server.Options
	servers []*server.Server // nil where stopped
}

// Start starts n servers (n ≥ 1; 3 for R=3 streams) and waits until
// JetStream answers through each of them. They are shut down at the end
// of the test.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, name: "cutwatch-test", servers: make([]*server.Server, n)}
	clientPorts, routePorts := freePorts(t, n), freePorts(t, n)
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		o := &server.Options{
			ServerName: fmt.Sprintf("nats-%d", i),
			Host:       "127.0.0.1",
			Port:       clientPorts[i],
			NoLog:      true,
			NoSigs:     true,
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("nats-%d", i)),
			// Small limits: tests store megabytes, not the default share
			// of the machine's memory and disk.
			JetStreamMaxMemory: 64 << 20,
			JetStreamMaxStore:  1 << 30,
		}
		if n > 1 {
			o.Cluster = server.ClusterOpts{Name: c.name, Host: "127.0.0.1", Port: routePorts[i]}
			o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		c.opts = append(c.opts, o)
	}
	for i := range c.opts {
		c.startServer(i)
	}
	t.Cleanup(c.Shutdown)
	c.WaitJetStream(30 * time.Second)
	return c
}

// URLs returns the client URLs of all servers, running or not, joined by
// commas as `cutwatch serve --nats` takes them.
func (c *Cluster) URLs() string {
	var u []string
	for i := range c.opts {
		u = append(u, c.URL(i))
	}
	return strings.Join(u, ",")
}

// URL returns the client URL of server i.
func (c *Cluster) URL(i int) string {
	return fmt.Sprintf("nats://127.0.0.1:%d", c.opts[i].Port)
}

// Stop shuts server i down and waits until it is gone; its storage stays
// for Restart.
func (c *Cluster) Stop(i int) {
	if s := c.servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.servers[i] = nil
	}
}

// Restart starts server i again on its ports and storage.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	if c.servers[i] == nil {
		c.startServer(i)
	}
}

// Server returns server i, or nil while it is stopped.
func (c *Cluster) Server(i int) *server.Server { return c.servers[i] }

// Shutdown stops every server.
func (c *Cluster) Shutdown() {
	for i := range c.servers {
		c.Stop(i)
	}
}

// WaitJetStream waits until JetStream answers an account request through
// every running server (the meta leader is elected and reachable), or
// fails the test after d.
func (c *Cluster) WaitJetStream(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for i, s := range c.servers {
		if s == nil {
			continue
		}
		for {
			err := accountInfo(c.URL(i))
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("natstest: JetStream through %s not ready after %v: %v", c.URL(i), d, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func accountInfo(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err
}

func (c *Cluster) startServer(i int) {
	c.t.Helper()
	s, err := server.NewServer(c.opts[i])
	if err != nil {
		c.t.Fatalf("natstest: server %d: %v", i, err)
	}
	go s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		s.Shutdown()
		c.t.Fatalf("natstest: server %d not ready for connections", i)
	}
	c.servers[i] = s
}

// freePorts returns n distinct ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("natstest: free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
