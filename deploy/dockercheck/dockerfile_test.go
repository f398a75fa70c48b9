package dockercheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// No Docker engine runs on the build machines, so the image is never built
// here. These tests read the Dockerfile with buildkit's parser, the one
// 'docker build' uses, and check two kinds of things:
//   - mistakes with which the image still builds but does not run as it
//     should (root user, a HEALTHCHECK or ENTRYPOINT that is not the built
//     binary, a port or a volume the server does not use, a variable that
//     is no flag, a binary that needs libc), which no build would catch;
//   - mistakes that would break 'docker build' and that nothing else here
//     would see, since no build runs: a COPY source missing or left out by
//     .dockerignore, a build stage on an older Go than go.mod's.
//
// TestDockerBuildStep runs the build stage's 'go build' line and then the
// binary it makes, with the image's environment.

// root is the repository root: the build context of 'docker build .'.
const root = "../.."

// dockerfile is the repository's Dockerfile as buildkit reads it, with the
// variables of FROM, ENV, COPY, USER, EXPOSE, VOLUME, ... expanded as a
// build does.
type dockerfile struct {
	stages []instructions.Stage
	lex    *shell.Lex
	// runEnv holds, for each RUN, the ENV and ARG values set before it in
	// its stage.
	runEnv map[*instructions.RunCommand][]string
}

// readDockerfile parses the Dockerfile. Parser warnings, the warnings of
// buildkit's linter that apply while parsing, and a variable the
// Dockerfile does not set (the test cannot know a base image's) fail the
// test.
func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, url, msg string, loc []parser.Range) {
		t.Errorf("Dockerfile line %d: %s: %s (%s)", firstLine(loc), rule, msg, url)
	}})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	df := dockerfile{stages: stages, lex: shell.NewLex(res.EscapeToken), runEnv: map[*instructions.RunCommand][]string{}}

	// The ARGs before the first FROM apply to the FROM lines, and to a
	// stage that declares them again without a value.
	var global []string
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				global = append(global, kv.Key+"="+*kv.Value)
			}
		}
	}
	for i := range df.stages {
		s := &df.stages[i]
		r, err := df.expand(s.BaseName, global)
		if err != nil {
			t.Fatalf("Dockerfile line %d: FROM: %v", firstLine(s.Location), err)
		}
		s.BaseName = r.Result
		var env []string
		for _, c := range s.Commands {
			if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
				err := ex.Expand(func(w string) (string, error) {
					r, err := df.expand(w, env)
					return r.Result, err
				})
				if err != nil {
					t.Fatalf("Dockerfile line %d: %s: %v", firstLine(c.Location()), c.Name(), err)
				}
			}
			switch c := c.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					env = append(env, kv.Key+"="+kv.Value)
				}
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if kv.Value != nil {
						env = append(env, kv.Key+"="+*kv.Value)
					} else if v, ok := shell.EnvsFromSlice(global).Get(kv.Key); ok {
						env = append(env, kv.Key+"="+v)
					}
				}
			case *instructions.RunCommand:
				df.runEnv[c] = slices.Clone(env)
			}
		}
	}
	return df
}

// expand expands the variables of word from env, as a build does, and
// splits the result into words. A variable env does not set is an error.
func (df dockerfile) expand(word string, env []string) (shell.ProcessWordResult, error) {
	r, err := df.lex.ProcessWordWithMatches(word, shell.EnvsFromSlice(env))
	if err == nil && len(r.Unmatched) > 0 {
		err = fmt.Errorf("%q uses %v, which the Dockerfile does not set", word, slices.Sorted(maps.Keys(r.Unmatched)))
	}
	return r, err
}

// firstLine is the line where a located instruction starts.
func firstLine(loc []parser.Range) int {
	if len(loc) == 0 {
		return 0
	}
	return loc[0].Start.Line
}

// all returns the instructions of type C of a stage.
func all[C instructions.Command](s instructions.Stage) []C {
	var out []C
	for _, c := range s.Commands {
		if x, ok := c.(C); ok {
			out = append(out, x)
		}
	}
	return out
}

// last returns the last instruction of type C of a stage, the one in
// effect, or fails the test.
func last[C instructions.Command](t *testing.T, s instructions.Stage) C {
	t.Helper()
	cs := all[C](s)
	if len(cs) == 0 {
		var zero C
		name := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", zero), "*instructions."), "Command")
		t.Fatalf("the stage FROM %s has no %s", s.BaseName, strings.ToUpper(name))
	}
	return cs[len(cs)-1]
}

// goBuild is the 'go build' of a RUN: its variable assignments and its
// arguments after "go build".
type goBuild struct {
	env, args []string
	line      int
}

// findGoBuild returns the index of the stage that builds the binary and
// its 'go build'. The RUN must be one simple command, VAR=value... go
// build ARGS, so that the test can run it as the build stage's sh does.
func findGoBuild(t *testing.T, df dockerfile) (int, goBuild) {
	t.Helper()
	for i, s := range df.stages {
		for _, run := range all[*instructions.RunCommand](s) {
			line := firstLine(run.Location())
			words := run.CmdLine
			if run.PrependShell {
				r, err := df.expand(strings.Join(run.CmdLine, " "), df.runEnv[run])
				if err != nil {
					t.Fatalf("Dockerfile line %d: RUN: %v", line, err)
				}
				words = r.Words
			}
			g := slices.Index(words, "go")
			if g < 0 || g+1 >= len(words) || words[g+1] != "build" {
				continue
			}
			b := goBuild{env: words[:g], args: words[g+2:], line: line}
			for _, e := range b.env {
				if !strings.Contains(e, "=") {
					t.Fatalf("Dockerfile line %d: %q before 'go build' is not VAR=value", line, e)
				}
			}
			for _, w := range words {
				if strings.ContainsAny(w, ";&|<>()`$") {
					t.Fatalf("Dockerfile line %d: the go build RUN must be one simple command, found %q", line, w)
				}
			}
			return i, b
		}
	}
	t.Fatal("the Dockerfile has no RUN ... go build")
	return 0, goBuild{}
}

// output is the -o argument of the build.
func (b goBuild) output(t *testing.T) string {
	t.Helper()
	i := slices.Index(b.args, "-o")
	if i < 0 || i+1 >= len(b.args) {
		t.Fatalf("Dockerfile line %d: go build without -o FILE: %q", b.line, b.args)
	}
	return b.args[i+1]
}

// goLine returns the go directive of go.mod, e.g. 1.26.8.
func goLine(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

// versionAtLeast reports whether the Go version tag (1.26 or 1.26.8,
// optionally -suffixed) is the go.mod version or a later patch of the same
// minor release. A tag without patch (1.26) floats to the latest patch.
func versionAtLeast(tag, mod string) bool {
	tag, _, _ = strings.Cut(tag, "-")
	tp, mp := strings.Split(tag, "."), strings.Split(mod, ".")
	if len(tp) < 2 || len(mp) < 2 || tp[0] != mp[0] || tp[1] != mp[1] {
		return false
	}
	if len(tp) == 2 {
		return true
	}
	tpatch, err1 := strconv.Atoi(tp[2])
	mpatch := 0
	if len(mp) > 2 {
		mpatch, _ = strconv.Atoi(mp[2])
	}
	return err1 == nil && tpatch >= mpatch
}

func TestVersionAtLeast(t *testing.T) {
	for _, tc := range []struct {
		tag, mod string
		want     bool
	}{
		{"1.26.8", "1.26.8", true},
		{"1.26.9", "1.26.8", true},
		{"1.26", "1.26.8", true},
		{"1.26.8-bookworm", "1.26.8", true},
		{"1.26.7", "1.26.8", false},
		{"1.27.0", "1.26.8", false},
		{"1.25", "1.26.8", false},
		{"latest", "1.26.8", false},
	} {
		if got := versionAtLeast(tc.tag, tc.mod); got != tc.want {
			t.Errorf("versionAtLeast(%q, %q) = %v", tc.tag, tc.mod, got)
		}
	}
}

// userID is the user part of a USER or --chown value (user[:group]).
func userID(v string) string {
	u, _, _ := strings.Cut(v, ":")
	return u
}

// stageEnv returns the ENV settings of a stage.
func stageEnv(s instructions.Stage) map[string]string {
	env := map[string]string{}
	for _, e := range all[*instructions.EnvCommand](s) {
		for _, kv := range e.Env {
			env[kv.Key] = kv.Value
		}
	}
	return env
}

// TestDockerfile checks what a build would not catch: the runtime stage
// runs the built binary's serve, not as root, on every interface at the
// exposed port, with the index on the volume (which the user can write)
// and the seeds where serve reads them, and its HEALTHCHECK runs the
// binary's healthcheck in exec form (the runtime image has no shell); and
// that the build stage's Go is go.mod's, which the golang image (with
// GOTOOLCHAIN=local) needs to build at all.
func TestDockerfile(t *testing.T) {
	df := readDockerfile(t)
	bi, gb := findGoBuild(t, df)
	if bi == len(df.stages)-1 {
		t.Fatalf("the go build is in the last stage: want a build stage and a runtime stage")
	}
	build, final := df.stages[bi], df.stages[len(df.stages)-1]

	// The build stage: an older Go than go.mod's stops the build (the
	// golang image does not fetch another toolchain); a newer minor
	// release builds the image with a Go that CI does not test.
	ref, _, _ := strings.Cut(build.BaseName, "@")
	img, tag, _ := strings.Cut(ref, ":")
	if img != "golang" && img != "docker.io/library/golang" || !versionAtLeast(tag, goLine(t)) {
		t.Errorf("build stage FROM %s, want golang:<go.mod's %s or a later patch>", build.BaseName, goLine(t))
	}

	// The binary that runs is the one built, and it serves.
	ep := last[*instructions.EntrypointCommand](t, final)
	if ep.PrependShell || len(ep.CmdLine) != 1 {
		t.Fatalf("Dockerfile line %d: ENTRYPOINT %q, want the binary alone in exec form", firstLine(ep.Location()), ep.CmdLine)
	}
	bin, out := ep.CmdLine[0], gb.output(t)
	copied := false
	for _, c := range all[*instructions.CopyCommand](final) {
		dest := path.Clean(c.DestPath)
		if strings.HasSuffix(c.DestPath, "/") {
			dest = path.Join(dest, path.Base(out))
		}
		if (c.From == build.Name || c.From == strconv.Itoa(bi)) && len(c.SourcePaths) == 1 &&
			path.Clean(c.SourcePaths[0]) == path.Clean(out) && dest == bin {
			copied = true
		}
	}
	if !copied {
		t.Errorf("no COPY --from=%s %s %s: the ENTRYPOINT is not the binary the build stage made", build.Name, out, bin)
	}
	cmd := last[*instructions.CmdCommand](t, final)
	if cmd.PrependShell || !slices.Equal(cmd.CmdLine, []string{"serve"}) {
		t.Errorf("Dockerfile line %d: CMD %q (shell form %v), want [\"serve\"]", firstLine(cmd.Location()), cmd.CmdLine, cmd.PrependShell)
	}

	// Not root.
	user := last[*instructions.UserCommand](t, final)
	if u := userID(user.User); u == "" || u == "0" || u == "root" {
		t.Errorf("Dockerfile line %d: USER %s runs as root", firstLine(user.Location()), user.User)
	}

	// The server listens on every interface at the exposed port (serve's
	// default, 127.0.0.1:8080, is not reachable from outside a container).
	env := stageEnv(final)
	host, port, err := net.SplitHostPort(env["CUTWATCH_ADDR"])
	if err != nil || (host != "" && host != "0.0.0.0") {
		t.Errorf("ENV CUTWATCH_ADDR=%q, want 0.0.0.0:PORT so that the published port reaches the server (%v)", env["CUTWATCH_ADDR"], err)
	}
	var exposed []string
	for _, e := range all[*instructions.ExposeCommand](final) {
		for _, p := range e.Ports {
			exposed = append(exposed, strings.TrimSuffix(p, "/tcp"))
		}
	}
	if port == "" || !slices.Contains(exposed, port) {
		t.Errorf("EXPOSE %q does not have the server's port %q", exposed, port)
	}

	// The index on the volume, whose mount point the user owns: a new
	// named volume takes its ownership, so the server can write there.
	data := path.Clean(env["CUTWATCH_DATA"])
	var volumes []string
	for _, v := range all[*instructions.VolumeCommand](final) {
		for _, p := range v.Volumes {
			volumes = append(volumes, path.Clean(p))
		}
	}
	if env["CUTWATCH_DATA"] == "" || !slices.Contains(volumes, data) {
		t.Errorf("ENV CUTWATCH_DATA=%q is not a VOLUME (%q): the index would not outlive the container", env["CUTWATCH_DATA"], volumes)
	}
	owned := false
	for _, c := range all[*instructions.CopyCommand](final) {
		if path.Clean(c.DestPath) == data && c.Chown != "" && userID(c.Chown) == userID(user.User) {
			owned = true
		}
	}
	if !owned {
		t.Errorf("no COPY --chown=%s ... %s: the volume's mount point is not the user's, a new volume would not be writable", user.User, data)
	}

	// The seeds baked in where serve reads them.
	seeded := false
	for _, c := range all[*instructions.CopyCommand](final) {
		if c.From == "" && len(c.SourcePaths) == 1 && path.Clean(c.SourcePaths[0]) == "seeds" &&
			path.Clean(c.DestPath) == path.Clean(env["CUTWATCH_SEEDS"]) {
			seeded = true
		}
	}
	if env["CUTWATCH_SEEDS"] == "" || !seeded {
		t.Errorf("no COPY seeds/ to CUTWATCH_SEEDS=%q: the image would serve an empty index", env["CUTWATCH_SEEDS"])
	}

	// HEALTHCHECK runs the healthcheck command of the same binary, which
	// reads CUTWATCH_ADDR as serve does.
	hc := last[*instructions.HealthCheckCommand](t, final)
	if want := []string{"CMD", bin, "healthcheck"}; !slices.Equal(hc.Health.Test, want) {
		t.Errorf("Dockerfile line %d: HEALTHCHECK %q, want %q: the binary's healthcheck in exec form (the image has no shell)", firstLine(hc.Location()), hc.Health.Test, want)
	}
}

// TestDockerfileCopySources checks that every COPY --from names an earlier
// stage, that every file COPY reads from the build context exists and is
// kept by .dockerignore (as buildkit's own matcher reads it), every file in
// a copied directory too, and so is every file the build of ./cmd/cutwatch
// needs (Go files, embedded files, go.mod, go.sum).
func TestDockerfileCopySources(t *testing.T) {
	df := readDockerfile(t)
	ignore := dockerignore(t)
	var names []string
	needed := []string{"go.mod", "go.sum"}
	fromContext := 0
	for i, s := range df.stages {
		for _, c := range s.Commands {
			var sd instructions.SourcesAndDest
			var from string
			switch c := c.(type) {
			case *instructions.CopyCommand:
				sd, from = c.SourcesAndDest, c.From
			case *instructions.AddCommand:
				sd = c.SourcesAndDest
			default:
				continue
			}
			line := firstLine(c.Location())
			if from != "" {
				if n, err := strconv.Atoi(from); !slices.Contains(names, from) && (err != nil || n >= i) {
					t.Errorf("Dockerfile line %d: %s --from=%s names no earlier stage (have %q): the build would pull an image of that name", line, c.Name(), from, names)
				}
				continue
			}
			for _, src := range sd.SourcePaths {
				if strings.Contains(src, "://") {
					continue // ADD of a URL
				}
				fromContext++
				matches, _ := filepath.Glob(filepath.Join(root, src))
				if len(matches) == 0 {
					t.Errorf("Dockerfile line %d: %s %s: not in the build context", line, c.Name(), src)
				}
				// A directory's files must all be kept: the directory
				// itself may be excluded and its files included again.
				for _, m := range matches {
					if filepath.Clean(m) == filepath.Clean(root) {
						continue // COPY . .: its exclusions are meant
					}
					err := filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() {
							rel, err := filepath.Rel(root, p)
							needed = append(needed, filepath.ToSlash(rel))
							return err
						}
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		names = append(names, s.Name)
	}
	if fromContext == 0 {
		t.Fatal("no COPY from the build context")
	}
	needed = append(needed, buildFiles(t)...)
	slices.Sort(needed)
	for _, p := range slices.Compact(needed) {
		if excluded(t, ignore, p) {
			t.Errorf("%s is needed by the image build but .dockerignore leaves it out", p)
		}
	}
}

// dockerignore reads .dockerignore as buildkit does.
func dockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	return pm
}

// excluded reports whether the build context leaves out p (a slash path
// relative to the context root), matching each parent directory first as
// buildkit does while it walks the context.
func excluded(t *testing.T, pm *patternmatcher.PatternMatcher, p string) bool {
	t.Helper()
	var info patternmatcher.MatchInfo
	matched := false
	parts := strings.Split(path.Clean(p), "/")
	for i := range parts {
		var err error
		if matched, info, err = pm.MatchesUsingParentResults(strings.Join(parts[:i+1], "/"), info); err != nil {
			t.Fatalf(".dockerignore on %s: %v", p, err)
		}
	}
	return matched
}

// buildFiles lists, relative to the repository root, the Go and embedded
// files of the main module's packages that ./cmd/cutwatch is built from.
func buildFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "./cmd/cutwatch")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir                 string
			GoFiles, EmbedFiles []string
			Module              *struct{ Path string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || p.Module.Path != "github.com/cutwatch/cutwatch" {
			continue
		}
		rel, err := filepath.Rel(abs, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(files) < 20 {
		t.Fatalf("go list found %d files of the main module in the build, want all of them", len(files))
	}
	return files
}

// TestDockerBuildStep runs the Dockerfile's own 'go build' line (with -o
// pointed into a temp dir) from the repository root, as the build stage
// does from its copy of the context, then checks the binary: static (the
// runtime image has no libc) and trimmed by its build settings; the
// image's CUTWATCH_ variables are flags of its serve (an unknown one would
// be ignored without a word); and, run with the image's environment (its
// port and paths moved into the test's), serve comes up healthy by the
// binary's healthcheck, which says unhealthy once it stopped.
func TestDockerBuildStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	df := readDockerfile(t)
	_, gb := findGoBuild(t, df)
	dir := t.TempDir()
	bin := filepath.Join(dir, "cutwatch")
	args := slices.Clone(gb.args)
	args[slices.Index(args, "-o")+1] = bin
	build := exec.Command("go", append([]string{"build"}, args...)...)
	build.Dir = root
	// The golang image has a C compiler, so cgo is on there unless the
	// line turns it off: start from that, whatever this machine has.
	build.Env = append(append(os.Environ(), "CGO_ENABLED=1"), gb.env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s go build %s: %v\n%s", strings.Join(gb.env, " "), strings.Join(args, " "), err, out)
	}

	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, want := range []string{"build\tCGO_ENABLED=0", "build\t-trimpath=true"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("the binary's build settings lack %q (the Dockerfile's go build line %d):\n%s", want, gb.line, info)
		}
	}
	// -trimpath: the source file names in the binary are module paths,
	// not this checkout's directory.
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(exe, []byte(abs+"/")) {
		t.Errorf("the binary names the checkout's directory %s despite -trimpath", abs)
	}

	// The image's variables are flags of serve: each is in the VARIABLE
	// column of 'cutwatch help serve'.
	help, err := exec.Command(bin, "help", "serve").Output()
	if err != nil {
		t.Fatalf("cutwatch help serve: %v\n%s", err, help)
	}
	vars := map[string]bool{}
	for _, l := range strings.Split(string(help), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			for _, w := range strings.Fields(l) {
				vars[w] = strings.HasPrefix(w, "CUTWATCH_")
			}
		}
	}
	if !vars["CUTWATCH_ADDR"] {
		t.Fatalf("cutwatch help serve does not list CUTWATCH_ADDR: not the cutwatch binary?\n%s", help)
	}
	imageEnv := stageEnv(df.stages[len(df.stages)-1])
	for _, k := range slices.Sorted(maps.Keys(imageEnv)) {
		if strings.HasPrefix(k, "CUTWATCH_") && !vars[k] {
			t.Errorf("ENV %s is not the variable of any flag of serve", k)
		}
	}

	// serve and healthcheck with the image's environment, but a free
	// loopback port and the test's directories.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CUTWATCH_") {
			env = append(env, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(imageEnv)) {
		env = append(env, k+"="+imageEnv[k])
	}
	seeds, err := filepath.Abs(filepath.Join(root, "seeds"))
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	env = append(env, "CUTWATCH_ADDR="+freeAddr(t), "CUTWATCH_DATA="+data, "CUTWATCH_SEEDS="+seeds, "GIN_MODE=release")

	var log bytes.Buffer
	// ENTRYPOINT (the binary) and the runtime stage's CMD, as docker run.
	srv := exec.Command(bin, last[*instructions.CmdCommand](t, df.stages[len(df.stages)-1]).CmdLine...)
	srv.Env, srv.Stdout, srv.Stderr = env, &log, &log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	exited := false
	defer func() {
		if !exited {
			_ = srv.Process.Kill()
			<-done
		}
	}()
	check := func() (int, string) {
		c := exec.Command(bin, "healthcheck")
		c.Env = env
		out, err := c.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	// Like Docker in the HEALTHCHECK's start period: try until healthy.
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out := check()
		if code == 0 {
			break
		}
		select {
		case err := <-done:
			exited = true
			t.Fatalf("serve exited before it was healthy: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not healthy after 60 s: healthcheck exit %d: %s", code, out)
		}
		time.Sleep(250 * time.Millisecond)
	}
	_ = srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve still running 15 s after SIGTERM")
	}
	if code, out := check(); code != 1 || !strings.Contains(out, "unhealthy") {
		t.Errorf("healthcheck after the server stopped: exit %d, want 1\n%s", code, out)
	}
}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
