package cluster

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Defaults of Options.
const (
	DefaultStream         = "CUTWATCH_ARTICLES"
	DefaultReplicas       = 3
	DefaultPublishTimeout = 5 * time.Second
	DefaultMinSeqWait     = 5 * time.Second
	// DuplicateWindow is how long the stream remembers a Nats-Msg-Id.
	DuplicateWindow = 2 * time.Minute
)

// ConnOptions say how to reach the NATS cluster: the flags --nats,
// --nats-creds, ... of 'cutwatch serve'.
type ConnOptions struct {
	// URLs are the servers, comma-separated ("nats://a:4222,nats://b:4222").
	URLs string
	// Creds is a credentials file (JWT and nkey seed).
	Creds string
	// NKey is a file holding an nkey seed.
	NKey string
	// User and Password, or Token.
	User, Password, Token string
	// TLSCA is a CA file to verify the servers with; TLSCert and TLSKey a
	// client certificate.
	TLSCA, TLSCert, TLSKey string
	// Name names the connection (the node's name).
	Name string
}

// natsOptions turns o into the client's options: reconnecting forever,
// also when the first connection fails (the node then starts without
// NATS and keeps trying in the background).
func (o ConnOptions) natsOptions() ([]nats.Option, error) {
	if strings.TrimSpace(o.URLs) == "" {
		return nil, errors.New("no NATS server URL")
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.Timeout(5 * time.Second),
		nats.PingInterval(5 * time.Second),
		nats.MaxPingsOutstanding(3),
	}
	for _, f := range []struct{ flag, path string }{{"--nats-creds", o.Creds}, {"--nats-nkey", o.NKey}, {"--nats-tls-ca", o.TLSCA}, {"--nats-tls-cert", o.TLSCert}, {"--nats-tls-key", o.TLSKey}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return nil, fmt.Errorf("%s: %w", f.flag, err)
		}
	}
	auth := 0
	if o.Creds != "" {
		auth++
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.NKey != "" {
		auth++
		opt, err := nats.NkeyOptionFromSeed(o.NKey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey: %w", err)
		}
		opts = append(opts, opt)
	}
	if o.User != "" || o.Password != "" {
		auth++
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Token != "" {
		auth++
		opts = append(opts, nats.Token(o.Token))
	}
	if auth > 1 {
		return nil, errors.New("give one of --nats-creds, --nats-nkey, --nats-user/--nats-password and --nats-token")
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return nil, errors.New("--nats-tls-cert and --nats-tls-key go together")
	}
	if o.TLSCert != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	return opts, nil
}
