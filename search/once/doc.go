// Package once makes what must happen once per cluster happen once when
// cutwatch serve runs as several nodes on NATS JetStream (--nats), with
// NATS KV buckets and a work-queue stream: the leases by which one node
// at a time polls each feed source, the poll state the nodes share, the
// queue through which each match of a watch is delivered once however
// many nodes index the article, and the watches and sources themselves,
// which every node mirrors into its own watch.Hub and sources.Manager.
// It implements the cluster options of search/sources and search/watch;
// without them (the embedded default) nothing here runs.
package once
