// Package cluster is cutwatch's cluster mode ('cutwatch serve --nats'):
// every node is a searchable replica of one corpus whose source of truth
// is a replicated, durable log of article records on NATS JetStream.
//
// The log is the stream CUTWATCH_ARTICLES (Options.Stream), replicated on
// Options.Replicas servers (3), in file storage, one subject per article
// (cutwatch.articles.<id as unpadded base64url>) holding only its latest
// message (MaxMsgsPerSubject 1): the stream is the whole corpus, and a new
// node replays all of it. A delete is a tombstone message (header
// Cutwatch-Op: delete) that replaces the article's last put.
//
// A write on any node (Node.PutSeq, Node.DeleteSeq, the api.Ingester of
// the write routes) is checked and tagged there (index.Writer.Prepare:
// bad input is a 4xx and changes nothing), then published with a
// Nats-Msg-Id (a hash of the article's content, or of the deletion and a
// nonce of the request), so that a publish retried within the stream's
// duplicate window is stored once; the write is answered only once
// JetStream has acknowledged it, which it does once a quorum of the
// stream's replicas has it. The answer carries the stream sequence.
//
// The publisher ships the entities its tagger found with the article
// (compressed with S2): the other nodes index them as they are instead of
// tagging each article again, so an article is tagged once per cluster,
// not once per node, and every node indexes the same entities.
//
// Every node applies the stream in order (an ordered consumer from the
// last applied sequence + 1; no server-side state per node) into its own
// article store and index through index.Writer.Apply, in batches, and the
// store records the stream sequence of the batch's last message in the
// same bbolt transaction as its articles. Since the index is brought up
// to date with the store at every open, a restart or a kill -9 resumes
// exactly after the last message applied: none skipped, none applied
// twice (a message at or below the recorded sequence is skipped).
//
// A read may ask for min_seq=N: Node.WaitSeq waits, woken by each apply,
// until the node has applied N, for at most Options.MinSeqWait.
package cluster
