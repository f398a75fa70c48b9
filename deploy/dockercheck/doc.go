// Package dockercheck holds the tests of the repository's Dockerfile and
// .dockerignore. It has no code of its own: see dockerfile_test.go.
//
// It is a Go module of its own because it reads the Dockerfile with
// buildkit's parser (github.com/moby/buildkit/frontend/dockerfile/...),
// the one docker build uses, and requiring buildkit in the main go.mod
// would raise modules the server is built with (go.etcd.io/bbolt, the
// index's store, and github.com/pelletier/go-toml/v2, linked in through
// gin) for the sake of a test. 'go test ./...' at the repository root does
// not enter this directory: .ci/run runs it on its own, as
//
//	cd deploy/dockercheck && go vet ./... && go test ./...
package dockercheck
