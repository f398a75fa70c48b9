package dockercheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of deploy/compose.yaml the test reads.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		DependsOn   []string          `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestCompose checks deploy/compose.yaml and deploy/haproxy.cfg, which no
// test can start here (no images can be pulled): the NATS servers form one
// JetStream cluster (each routes to the others, one cluster name, unique
// server names, storage on a volume of its own); the cutwatch nodes reach
// every NATS server, have unique node names and volumes, and set only
// variables that are flags of 'cutwatch serve'; the load balancer checks
// /readyz and sends to every node; images are fully qualified; and
// Debian's haproxy accepts the configuration (required in CI, where
// .ci/run installs it).
func TestCompose(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	var natsSvcs, nodes []string
	for name, s := range c.Services {
		switch {
		case strings.HasPrefix(name, "nats-"):
			natsSvcs = append(natsSvcs, name)
		case strings.HasPrefix(name, "cutwatch-"):
			nodes = append(nodes, name)
		}
		if s.Image != "" {
			host, _, ok := strings.Cut(s.Image, "/")
			if !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
				t.Errorf("service %s: image %q is not fully qualified", name, s.Image)
			}
		}
	}
	slices.Sort(natsSvcs)
	slices.Sort(nodes)
	if len(natsSvcs) != 3 || len(nodes) != 3 {
		t.Fatalf("%d NATS servers and %d cutwatch nodes, want 3 and 3", len(natsSvcs), len(nodes))
	}

	// NATS: one JetStream cluster of the three.
	arg := func(cmd []string, flag string) string {
		if i := slices.Index(cmd, flag); i >= 0 && i+1 < len(cmd) {
			return cmd[i+1]
		}
		return ""
	}
	clusterNames, serverNames := map[string]bool{}, map[string]bool{}
	for _, name := range natsSvcs {
		s := c.Services[name]
		if !slices.Contains(s.Command, "--jetstream") {
			t.Errorf("%s: no --jetstream", name)
		}
		clusterNames[arg(s.Command, "--cluster_name")] = true
		serverNames[arg(s.Command, "--name")] = true
		routes := arg(s.Command, "--routes")
		for _, other := range natsSvcs {
			if other != name && !strings.Contains(routes, "nats://"+other+":6222") {
				t.Errorf("%s: --routes %q does not name %s", name, routes, other)
			}
		}
		if store := arg(s.Command, "--store_dir"); !slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasSuffix(v, ":"+store) }) {
			t.Errorf("%s: its JetStream store %q is not on a volume (%q)", name, store, s.Volumes)
		}
	}
	if len(clusterNames) != 1 || clusterNames[""] || len(serverNames) != 3 {
		t.Errorf("cluster names %v, server names %v: want one cluster name and three server names", clusterNames, serverNames)
	}

	// cutwatch: every node reaches every NATS server; only serve's variables.
	flags := serveVariables(t)
	nodeNames, volumes := map[string]bool{}, map[string]bool{}
	for _, name := range nodes {
		s := c.Services[name]
		for k := range s.Environment {
			if strings.HasPrefix(k, "CUTWATCH_") && !flags[k] {
				t.Errorf("%s: %s is not the variable of any flag of serve", name, k)
			}
		}
		for _, n := range natsSvcs {
			if !strings.Contains(s.Environment["CUTWATCH_NATS"], "nats://"+n+":4222") {
				t.Errorf("%s: CUTWATCH_NATS=%q does not name %s", name, s.Environment["CUTWATCH_NATS"], n)
			}
		}
		nodeNames[s.Environment["CUTWATCH_NODE"]] = true
		for _, v := range s.Volumes {
			volumes[v] = true
		}
	}
	if len(nodeNames) != 3 || nodeNames[""] || len(volumes) != 3 {
		t.Errorf("node names %v and volumes %v: want three of each, one per node", nodeNames, volumes)
	}

	// The load balancer: every node, checked with /readyz.
	cfgPath := filepath.Join(root, "deploy", "haproxy.cfg")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	servers := regexp.MustCompile(`(?m)^\s*server\s+\S+\s+(\S+):8080\b`).FindAllStringSubmatch(string(cfg), -1)
	var backends []string
	for _, m := range servers {
		backends = append(backends, m[1])
	}
	slices.Sort(backends)
	if !slices.Equal(backends, nodes) {
		t.Errorf("haproxy.cfg sends to %v, want the nodes %v", backends, nodes)
	}
	if !regexp.MustCompile(`(?m)^\s*option httpchk GET /readyz\s*$`).Match(cfg) {
		t.Errorf("haproxy.cfg does not check the nodes with GET /readyz")
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CUTWATCH_REQUIRE_HAPROXY") == "1" {
			t.Fatalf("haproxy is needed and CUTWATCH_REQUIRE_HAPROXY=1: %v", err)
		}
		t.Logf("SKIPPED: haproxy not installed (apt-get install haproxy): its check of haproxy.cfg did not run")
		return
	}
	if out, err := exec.Command(haproxy, "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c -f deploy/haproxy.cfg: %v\n%s", err, out)
	}
}

// serveVariables builds cutwatch and returns the variables of serve's
// flags, as 'cutwatch help serve' lists them.
func serveVariables(t *testing.T) map[string]bool {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cutwatch")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cutwatch")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	help, err := exec.Command(bin, "help", "serve").Output()
	if err != nil {
		t.Fatalf("cutwatch help serve: %v", err)
	}
	vars := map[string]bool{}
	for _, l := range strings.Split(string(help), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			for _, w := range strings.Fields(l) {
				if strings.HasPrefix(w, "CUTWATCH_") {
					vars[w] = true
				}
			}
		}
	}
	if !vars["CUTWATCH_ADDR"] {
		t.Fatalf("cutwatch help serve lists no CUTWATCH_ADDR: not the cutwatch binary?\n%s", help)
	}
	return vars
}
