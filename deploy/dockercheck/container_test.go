package dockercheck

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// TestFullyQualifiedImages: podman and buildah refuse a short image name
// (golang:1.26) unless a registry search list is configured: every FROM
// names its registry.
func TestFullyQualifiedImages(t *testing.T) {
	df := readDockerfile(t)
	for _, s := range df.stages {
		name := s.BaseName
		if name == "scratch" || slices.ContainsFunc(df.stages, func(o instructions.Stage) bool { return o.Name == name }) {
			continue
		}
		host, _, ok := strings.Cut(name, "/")
		if !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
			t.Errorf("FROM %s: not fully qualified (want registry/name:tag, e.g. docker.io/library/golang:1.26.8)", name)
		}
	}
}

// podman returns the podman binary with the options this machine's
// sandbox needs, or skips loudly (failing when
// CUTWATCH_REQUIRE_CONTAINER=1, as in CI).
func podman(t *testing.T) func(args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("podman")
	if err == nil {
		if _, err = exec.LookPath("runc"); err != nil {
			err = fmt.Errorf("runc: %w", err)
		}
	}
	if err != nil {
		if os.Getenv("CUTWATCH_REQUIRE_CONTAINER") == "1" {
			t.Fatalf("podman and runc are needed and CUTWATCH_REQUIRE_CONTAINER=1: %v", err)
		}
		t.Skipf("SKIPPED: %v: the image was not built nor run (apt-get install podman buildah runc; CUTWATCH_REQUIRE_CONTAINER=1 makes this fail)", err)
	}
	// runc: crun refuses the hybrid cgroup layout of some sandboxes.
	return func(args ...string) *exec.Cmd {
		return exec.Command(bin, append([]string{"--runtime", "runc"}, args...)...)
	}
}

// runtimeStage turns the Dockerfile's last stage into a Containerfile
// built FROM scratch, for machines that cannot pull the base images: the
// base image's files this image uses (CA certificates, time zones, the
// nonroot user) are copied from the host's Debian packages into rootfs/,
// and what the stage copies from the build stage from out/, where the test
// builds it with the Dockerfile's own go build line. Every other
// instruction (USER, ENV, EXPOSE, VOLUME, HEALTHCHECK, ENTRYPOINT, CMD) is
// the Dockerfile's, as written.
func runtimeStage(t *testing.T, dockerfile, buildStage string) string {
	t.Helper()
	lines := strings.Split(dockerfile, "\n")
	from := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(l)), "FROM ") {
			from = i
		}
	}
	if from < 0 {
		t.Fatal("the Dockerfile has no FROM")
	}
	fromBuild := regexp.MustCompile(`--from=` + regexp.QuoteMeta(buildStage) + `\s+`)
	var out []string
	out = append(out, "# The runtime stage of the Dockerfile ("+strings.TrimSpace(lines[from])+") on scratch.", "FROM scratch", "COPY rootfs/ /")
	for _, l := range lines[from+1:] {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(l)), "COPY ") && fromBuild.MatchString(l) {
			l = fromBuild.ReplaceAllString(l, "")
			// COPY [--chown=...] /out/x /dest: the source is in the context
			f := strings.Fields(l)
			for i := 1; i < len(f)-1; i++ {
				if !strings.HasPrefix(f[i], "--") {
					f[i] = strings.TrimPrefix(f[i], "/")
				}
			}
			l = strings.Join(f, " ")
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestContainerImage builds the image's runtime stage with podman (on
// scratch, with a host-built static binary: see runtimeStage) and runs it
// as 'docker run -v VOLUME:/data IMAGE' would: /readyz answers, a search
// finds the seed articles, the server runs as the image's non-root user,
// and the index is on the volume, where a second container finds it.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a container; skipped with -short")
	}
	pm := podman(t)
	run := func(c *exec.Cmd) string {
		t.Helper()
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	df := readDockerfile(t)
	bi, gb := findGoBuild(t, df)
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.TempDir()
	// The binary, built by the Dockerfile's line into out/.
	outPath := strings.TrimPrefix(gb.output(t), "/")
	args := slices.Clone(gb.args)
	args[slices.Index(args, "-o")+1] = filepath.Join(ctx, outPath)
	build := exec.Command("go", append([]string{"build"}, args...)...)
	build.Dir = root
	build.Env = append(append(os.Environ(), "CGO_ENABLED=1"), gb.env...)
	run(build)
	// The build stage's other outputs: the volume's mount point.
	if err := os.MkdirAll(filepath.Join(ctx, "out", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(exec.Command("cp", "-r", filepath.Join(root, "seeds"), filepath.Join(ctx, "seeds")))
	// The base image's files, from the host's Debian packages.
	rootfs := filepath.Join(ctx, "rootfs")
	for _, p := range []string{"etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo"} {
		if _, err := os.Stat("/" + p); err != nil {
			t.Fatalf("/%s: %v (apt-get install ca-certificates tzdata)", p, err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(rootfs, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		run(exec.Command("cp", "-rL", "/"+p, filepath.Join(rootfs, p)))
	}
	for name, body := range map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":  "root:x:0:\nnonroot:x:65532:\n",
	} {
		if err := os.WriteFile(filepath.Join(rootfs, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tmp", "home/nonroot"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o1777); err != nil {
			t.Fatal(err)
		}
	}
	cf := runtimeStage(t, string(raw), df.stages[bi].Name)
	if err := os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(cf), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("localhost/cutwatch-test:%d", time.Now().UnixNano())
	vol := fmt.Sprintf("cutwatch-test-%d", time.Now().UnixNano())
	run(pm("build", "-q", "-t", tag, "-f", filepath.Join(ctx, "Containerfile"), ctx))
	t.Cleanup(func() {
		_ = pm("rmi", "-f", tag).Run()
		_ = pm("volume", "rm", "-f", vol).Run()
	})

	var inspect []struct {
		Config struct {
			User       string
			Env        []string
			Volumes    map[string]any
			Entrypoint []string
			Cmd        []string
		}
	}
	if err := json.Unmarshal([]byte(run(pm("image", "inspect", tag))), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("image inspect: %v", err)
	}
	cfg := inspect[0].Config
	if cfg.User != "65532:65532" || cfg.Volumes["/data"] == nil || !slices.Equal(cfg.Cmd, []string{"serve"}) {
		t.Errorf("image config: user %q, volumes %v, cmd %q; want 65532:65532, /data, serve", cfg.User, cfg.Volumes, cfg.Cmd)
	}

	// Host networking (the sandbox has no other): the image's address,
	// but on a free loopback port.
	addr := freeAddr(t)
	start := func(name string) {
		run(pm("run", "-d", "--name", name, "--network", "host",
			"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
			"-e", "CUTWATCH_ADDR="+addr, "-v", vol+":/data", tag))
		t.Cleanup(func() { _ = pm("rm", "-f", "-t", "1", name).Run() })
	}
	get := func(path string) (int, []byte, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	waitReady := func(name string) {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if st, _, err := get("/readyz"); err == nil && st == http.StatusOK {
				return
			}
			if time.Now().After(deadline) {
				logs, _ := pm("logs", name).CombinedOutput()
				t.Fatalf("/readyz of the container not 200 within 2 minutes\n%s", logs)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	name := strings.ReplaceAll(strings.TrimPrefix(tag, "localhost/cutwatch-test:"), ":", "-")
	first := "cutwatch-test-a-" + name
	start(first)
	waitReady(first)
	st, body, err := get("/api/search?q=nurses&facets=none")
	var res struct {
		Total int               `json:"total"`
		Hits  []json.RawMessage `json:"hits"`
	}
	if err != nil || st != http.StatusOK || json.Unmarshal(body, &res) != nil || res.Total == 0 {
		t.Fatalf("search in the container: %d %s %v, want the seed articles", st, body, err)
	}
	// The server process runs as the non-root user (podman top reads the
	// host's /proc: the image has no shell).
	top := strings.Split(run(pm("top", first, "huser", "user")), "\n")
	if len(top) < 2 {
		t.Errorf("podman top: %q, want a process", top)
	}
	for _, l := range top[1:] {
		if f := strings.Fields(l); len(f) != 2 || f[0] != "65532" || f[1] != "nonroot" {
			t.Errorf("a process of the container runs as %q, want 65532 (nonroot)", l)
		}
	}
	// The index is on the volume, written by the non-root user.
	mp := run(pm("volume", "inspect", "--format", "{{.Mountpoint}}", vol))
	entries, err := os.ReadDir(mp)
	if err != nil || len(entries) == 0 {
		t.Fatalf("volume %s at %s: %v, %d entries: the index is not on the volume", vol, mp, err, len(entries))
	}
	fi, err := os.Stat(filepath.Join(mp, "articles.db"))
	if err != nil {
		t.Fatalf("the article store is not on the volume: %v (has %v)", err, entries)
	}
	if uid := fileUID(fi); uid != 65532 {
		t.Errorf("articles.db on the volume owned by %d, want 65532", uid)
	}
	// A second container on the same volume serves the same index.
	run(pm("stop", "-t", "10", first))
	second := "cutwatch-test-b-" + name
	start(second)
	waitReady(second)
	st2, body2, err := get("/api/search?q=nurses&facets=none")
	var res2 struct {
		Total int `json:"total"`
	}
	if err != nil || st2 != http.StatusOK || json.Unmarshal(body2, &res2) != nil || res2.Total != res.Total {
		t.Errorf("search in a second container on the volume: %d %s, want %d hits", st2, body2, res.Total)
	}
}

// fileUID returns the owner of a file.
func fileUID(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
