package natstest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestClusterR3 checks the harness gives a real 3-node JetStream cluster:
// an R=3 stream takes writes, keeps taking them with one server stopped
// (quorum), and the stopped server catches up when it comes back.
func TestClusterR3(t *testing.T) {
	c := Start(t, 3)
	nc, err := nats.Connect(c.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	// A new stream leader is elected once the stopped server's term times
	// out: seconds, but tens of seconds on two cores starved by other
	// tests under -race.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	c.Stop(2)
	stopped := time.Now()
	var ack *jetstream.PubAck
	for i := 0; ; i++ { // a new stream leader may be being elected
		// Each try has its own deadline: a publish sent to the stopped
		// server, or to a leader that stopped before answering, gets no
		// answer at all.
		try, cancelTry := context.WithTimeout(ctx, 2*time.Second)
		ack, err = js.Publish(try, "t.b", []byte("2"), jetstream.WithMsgID("b"))
		cancelTry()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("publish with one of three servers stopped: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("a write was acknowledged %v after a server stopped", time.Since(stopped).Round(time.Millisecond))
	if ack.Sequence != 2 {
		t.Fatalf("second message got sequence %d, want 2", ack.Sequence)
	}
	c.Restart(2)
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 || info.Config.Replicas != 3 {
		t.Fatalf("stream holds %d messages with %d replicas, want 2 and 3", info.State.Msgs, info.Config.Replicas)
	}
}
