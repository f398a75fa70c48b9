package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// No Docker engine runs on the build machines, so the Dockerfile is checked
// by reading it: a small reader of the Dockerfile syntax the file uses
// (instructions, --flags, line continuations, comments, JSON and shell
// forms), which refuses anything it does not understand (heredocs, an
// escape directive, variables) rather than guess. The image's build step
// itself is run by TestDockerBuildStep and by .ci/run.

// instruction is one Dockerfile instruction.
type instruction struct {
	line  int               // line number where it starts
	cmd   string            // keyword in upper case: FROM, RUN, COPY, ...
	flags map[string]string // --name=value flags ("" for a bare --name)
	args  []string          // the arguments: JSON array items or shell words
	json  bool              // args were given in exec (JSON array) form
}

// stage is one FROM and the instructions after it.
type stage struct {
	base, name string
	ins        []instruction
}

// knownInstructions are the Dockerfile keywords the reader accepts.
var knownInstructions = []string{"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY",
	"ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}

// parseDockerfile reads a Dockerfile into its stages.
func parseDockerfile(r io.Reader) ([]stage, error) {
	var stages []stage
	sc := bufio.NewScanner(r)
	var logical strings.Builder
	start, n := 0, 0
	leading := true // still in the parser-directive lines at the top
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			d := strings.ToLower(strings.ReplaceAll(trimmed[1:], " ", ""))
			if leading && strings.HasPrefix(d, "escape=") {
				return nil, fmt.Errorf("line %d: the escape directive is not supported by this reader", n)
			}
			continue // comments are dropped, also inside a continuation
		}
		leading = false
		if trimmed == "" && logical.Len() == 0 {
			continue
		}
		if logical.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(strings.TrimRight(line, " \t"), `\`); ok {
			logical.WriteString(cont + " ")
			continue
		}
		logical.WriteString(line)
		in, err := parseInstruction(start, logical.String())
		logical.Reset()
		if err != nil {
			return nil, err
		}
		if in.cmd == "FROM" {
			st := stage{base: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "AS") {
				st.name = in.args[2]
			} else if len(in.args) != 1 {
				return nil, fmt.Errorf("line %d: FROM wants IMAGE [AS NAME], got %q", start, in.args)
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			return nil, fmt.Errorf("line %d: %s before the first FROM", start, in.cmd)
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if logical.Len() > 0 {
		return nil, fmt.Errorf("line %d: the file ends in a line continuation", start)
	}
	return stages, nil
}

// parseInstruction parses one logical line (continuations joined).
func parseInstruction(line int, s string) (instruction, error) {
	in := instruction{line: line, flags: map[string]string{}}
	kw, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	in.cmd = strings.ToUpper(kw)
	if !slices.Contains(knownInstructions, in.cmd) {
		return in, fmt.Errorf("line %d: unknown instruction %q", line, kw)
	}
	if strings.Contains(rest, "<<") {
		return in, fmt.Errorf("line %d: heredocs are not supported by this reader", line)
	}
	rest = strings.TrimSpace(rest)
	for strings.HasPrefix(rest, "--") {
		var f string
		f, rest, _ = strings.Cut(rest, " ")
		rest = strings.TrimSpace(rest)
		name, val, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		in.flags[name] = val
	}
	if in.cmd == "HEALTHCHECK" {
		kind, cmd, _ := strings.Cut(rest, " ")
		if !strings.EqualFold(kind, "CMD") {
			return in, fmt.Errorf("line %d: HEALTHCHECK wants [flags] CMD ..., got %q", line, rest)
		}
		rest = strings.TrimSpace(cmd)
	}
	if strings.HasPrefix(rest, "[") {
		if err := json.Unmarshal([]byte(rest), &in.args); err != nil {
			return in, fmt.Errorf("line %d: %s: bad JSON array %s: %v", line, in.cmd, rest, err)
		}
		in.json = true
	} else {
		var err error
		if in.args, err = shellWords(rest); err != nil {
			return in, fmt.Errorf("line %d: %s: %v", line, in.cmd, err)
		}
	}
	if len(in.args) == 0 {
		return in, fmt.Errorf("line %d: %s without arguments", line, in.cmd)
	}
	return in, nil
}

// shellWords splits s into words at blanks, honouring '...' and "..."
// quotes. Variables, backslashes and backquotes are refused: this reader
// does not expand them.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			if r == '$' || r == '\\' || r == '`' {
				return nil, fmt.Errorf("%q: %c is not supported by this reader", s, r)
			}
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case r == '$' || r == '\\' || r == '`':
			return nil, fmt.Errorf("%q: %c is not supported by this reader", s, r)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("%q: unterminated quote", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func TestParseDockerfileReader(t *testing.T) {
	good := "# syntax=docker/dockerfile:1\n\nFROM golang:1 AS b\nRUN a \\\n  # a comment inside\n  'b c' \\\n  d\nCOPY --from=b --chown=1:1 /x /y\nHEALTHCHECK --timeout=5s CMD [\"/app/x\", \"healthcheck\"]\n"
	st, err := parseDockerfile(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].name != "b" || st[0].base != "golang:1" || len(st[0].ins) != 3 {
		t.Fatalf("stages %+v", st)
	}
	run, cp, hc := st[0].ins[0], st[0].ins[1], st[0].ins[2]
	if !slices.Equal(run.args, []string{"a", "b c", "d"}) || run.line != 4 {
		t.Errorf("RUN: line %d args %q", run.line, run.args)
	}
	if cp.flags["from"] != "b" || cp.flags["chown"] != "1:1" || !slices.Equal(cp.args, []string{"/x", "/y"}) {
		t.Errorf("COPY: %+v", cp)
	}
	if !hc.json || hc.flags["timeout"] != "5s" || !slices.Equal(hc.args, []string{"/app/x", "healthcheck"}) {
		t.Errorf("HEALTHCHECK: %+v", hc)
	}
	for _, bad := range []string{
		"# escape=`\nFROM x\n",
		"RUN x\n",
		"FROM x\nRUN <<EOF\nx\nEOF\n",
		"FROM x\nRUN echo $HOME\n",
		"FROM x\nRUN 'open\n",
		"FROM x\nCMD [\"a\",]\n",
		"FROM x\nFETCH y\n",
		"FROM x\nRUN a \\\n",
		"FROM x y\n",
	} {
		if _, err := parseDockerfile(strings.NewReader(bad)); err == nil {
			t.Errorf("parseDockerfile(%q): no error", bad)
		}
	}
}

// dockerfile reads the repository's Dockerfile.
func dockerfile(t *testing.T) []stage {
	t.Helper()
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := parseDockerfile(f)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return st
}

// all returns the instructions cmd of a stage.
func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// last returns the last instruction cmd of a stage, which is the one in
// effect, or fails the test.
func (s stage) last(t *testing.T, cmd string) instruction {
	t.Helper()
	all := s.all(cmd)
	if len(all) == 0 {
		t.Fatalf("the stage FROM %s has no %s", s.base, cmd)
	}
	return all[len(all)-1]
}

// env returns the ENV settings of a stage.
func (s stage) env(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, in := range s.all("ENV") {
		for _, kv := range in.args {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("line %d: ENV %q is not KEY=VALUE", in.line, kv)
			}
			env[k] = v
		}
	}
	return env
}

// goBuild is the 'go build' of a RUN: its variable assignments, its
// arguments after "go build", and the instruction.
type goBuild struct {
	env  []string
	args []string
	in   instruction
}

// findGoBuild returns the RUN of the stage that builds the binary. The RUN
// must be exactly one command: VAR=value... go build ARGS.
func findGoBuild(t *testing.T, s stage) goBuild {
	t.Helper()
	for _, in := range s.all("RUN") {
		i := slices.Index(in.args, "go")
		if i < 0 || i+1 >= len(in.args) || in.args[i+1] != "build" {
			continue
		}
		b := goBuild{env: in.args[:i], args: in.args[i+2:], in: in}
		for _, e := range b.env {
			if !strings.Contains(e, "=") {
				t.Fatalf("line %d: %q before 'go build' is not VAR=value", in.line, e)
			}
		}
		for _, a := range b.args {
			if strings.ContainsAny(a, ";&|<>") {
				t.Fatalf("line %d: the go build RUN must be one command, found %q", in.line, a)
			}
		}
		return b
	}
	t.Fatalf("the stage FROM %s has no RUN ... go build", s.base)
	return goBuild{}
}

// output is the -o argument of the build.
func (b goBuild) output(t *testing.T) string {
	t.Helper()
	i := slices.Index(b.args, "-o")
	if i < 0 || i+1 >= len(b.args) {
		t.Fatalf("line %d: go build without -o FILE: %q", b.in.line, b.args)
	}
	return b.args[i+1]
}

// goLine returns the go directive of go.mod, e.g. 1.26.8.
func goLine(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../go.mod")
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

// userID is the user part of a USER value (user[:group]).
func userID(v string) string {
	u, _, _ := strings.Cut(v, ":")
	return u
}

// TestDockerfile checks the image the Dockerfile describes: a Go build
// stage on go.mod's toolchain making a static, trimmed binary; a distroless
// runtime stage running it as a non-root user, serving on the exposed port
// with its index on the volume and the seeds baked in; a HEALTHCHECK that
// runs the healthcheck command; and every variable a real flag.
func TestDockerfile(t *testing.T) {
	stages := dockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	// The build stage: go.mod's Go, modules in their own layer, then a
	// static, trimmed build of ./cmd/cutwatch.
	img, tag, _ := strings.Cut(build.base, ":")
	if img != "golang" || !versionAtLeast(tag, goLine(t)) {
		t.Errorf("build stage FROM %s, want golang:<go.mod's %s or a later patch>", build.base, goLine(t))
	}
	var modDownload, copyMod, copyAll int = -1, -1, -1
	for i, in := range build.ins {
		switch {
		case in.cmd == "COPY" && slices.Equal(in.args, []string{"go.mod", "go.sum", "./"}):
			copyMod = i
		case in.cmd == "RUN" && slices.Equal(in.args, []string{"go", "mod", "download"}):
			modDownload = i
		case in.cmd == "COPY" && slices.Equal(in.args, []string{".", "."}):
			copyAll = i
		}
	}
	if copyMod < 0 || !(copyMod < modDownload && modDownload < copyAll) {
		t.Errorf("build stage: want COPY go.mod go.sum ./, RUN go mod download, COPY . . in that order (at %d, %d, %d)", copyMod, modDownload, copyAll)
	}
	gb := findGoBuild(t, build)
	if !slices.Contains(gb.env, "CGO_ENABLED=0") {
		t.Errorf("line %d: go build without CGO_ENABLED=0 (env %q): the runtime image has no libc", gb.in.line, gb.env)
	}
	if !slices.Contains(gb.args, "-trimpath") {
		t.Errorf("line %d: go build without -trimpath: %q", gb.in.line, gb.args)
	}
	if gb.args[len(gb.args)-1] != "./cmd/cutwatch" {
		t.Errorf("line %d: go build of %q, want ./cmd/cutwatch", gb.in.line, gb.args[len(gb.args)-1])
	}
	out := gb.output(t)

	// The runtime stage: distroless static (or scratch).
	if !strings.HasPrefix(final.base, "gcr.io/distroless/static") && final.base != "scratch" {
		t.Errorf("runtime stage FROM %s, want gcr.io/distroless/static... or scratch", final.base)
	}

	// The binary that runs is the one built.
	ep := final.last(t, "ENTRYPOINT")
	if !ep.json || len(ep.args) != 1 {
		t.Fatalf("line %d: ENTRYPOINT %q, want the binary alone in exec form", ep.line, ep.args)
	}
	bin := ep.args[0]
	copied := false
	for _, in := range final.all("COPY") {
		if in.flags["from"] == build.name && len(in.args) == 2 && in.args[0] == out && in.args[1] == bin {
			copied = true
		}
	}
	if !copied {
		t.Errorf("no COPY --from=%s %s %s: the ENTRYPOINT is not the binary the build stage made", build.name, out, bin)
	}
	cmd := final.last(t, "CMD")
	if !cmd.json || !slices.Equal(cmd.args, []string{"serve"}) {
		t.Errorf("line %d: CMD %q (exec form %v), want [\"serve\"]", cmd.line, cmd.args, cmd.json)
	}

	// Not root.
	user := final.last(t, "USER")
	if u := userID(user.args[0]); u == "" || u == "0" || u == "root" {
		t.Errorf("line %d: USER %s runs as root", user.line, user.args[0])
	}

	// Every CUTWATCH_ variable is a real flag of serve.
	env := final.env(t)
	serveVars := map[string]bool{}
	for _, f := range flagsOf(subcommand(t, "serve")) {
		serveVars[envVar(f.Name)] = true
	}
	for k := range env {
		if strings.HasPrefix(k, envPrefix+"_") && !serveVars[k] {
			t.Errorf("ENV %s is not the variable of any flag of serve", k)
		}
	}

	// The server listens on every interface at the exposed port.
	host, port, err := net.SplitHostPort(env["CUTWATCH_ADDR"])
	if err != nil || (host != "" && host != "0.0.0.0") {
		t.Errorf("ENV CUTWATCH_ADDR=%q, want 0.0.0.0:PORT so the published port reaches the server (%v)", env["CUTWATCH_ADDR"], err)
	}
	var exposed []string
	for _, in := range final.all("EXPOSE") {
		for _, p := range in.args {
			exposed = append(exposed, strings.TrimSuffix(p, "/tcp"))
		}
	}
	if !slices.Contains(exposed, "8080") || port != "8080" {
		t.Errorf("EXPOSE %q, server port %q: want 8080 for both", exposed, port)
	}

	// The index on the volume, which the user can write.
	vol := final.last(t, "VOLUME")
	if !slices.Contains(vol.args, "/data") {
		t.Errorf("line %d: VOLUME %q, want /data", vol.line, vol.args)
	}
	if env["CUTWATCH_DATA"] != "/data" {
		t.Errorf("ENV CUTWATCH_DATA=%q, want /data: the index would not be on the volume", env["CUTWATCH_DATA"])
	}
	owned := false
	for _, in := range final.all("COPY") {
		if path.Clean(in.args[len(in.args)-1]) == "/data" && userID(in.flags["chown"]) == userID(user.args[0]) {
			owned = true
		}
	}
	if !owned {
		t.Errorf("no COPY --chown=%s ... /data: the volume's mount point is not the user's, a new volume would not be writable", user.args[0])
	}

	// The seeds baked in where serve looks for them.
	seeded := false
	for _, in := range final.all("COPY") {
		if in.flags["from"] == "" && len(in.args) == 2 && path.Clean(in.args[0]) == "seeds" &&
			path.Clean(in.args[1]) == path.Clean(env["CUTWATCH_SEEDS"]) {
			seeded = true
		}
	}
	if !seeded {
		t.Errorf("no COPY seeds/ to CUTWATCH_SEEDS=%q: the image would serve an empty index", env["CUTWATCH_SEEDS"])
	}

	// HEALTHCHECK runs the healthcheck command of the same binary, and
	// Docker waits longer than the command's own timeout.
	hc := final.last(t, "HEALTHCHECK")
	if !hc.json || !slices.Equal(hc.args, []string{bin, "healthcheck"}) {
		t.Errorf("line %d: HEALTHCHECK CMD %q, want [%q, \"healthcheck\"] in exec form (no shell in the image)", hc.line, hc.args, bin)
	}
	dockerTimeout, err := time.ParseDuration(hc.flags["timeout"])
	own, _ := time.ParseDuration(subcommand(t, "healthcheck").FlagSet.Lookup("timeout").DefValue)
	if err != nil || dockerTimeout <= own {
		t.Errorf("HEALTHCHECK --timeout=%q, want a duration longer than healthcheck's own %v", hc.flags["timeout"], own)
	}
	for _, name := range []string{"serve", "healthcheck"} {
		subcommand(t, name) // fails the test if the command does not exist
	}
}

// TestDockerfileCopySources checks that every COPY --from names an earlier
// stage and every file COPY reads from the build context exists and is not
// excluded by .dockerignore, nor is any file the build of ./cmd/cutwatch
// needs (Go files, embedded files, go.mod, go.sum).
func TestDockerfileCopySources(t *testing.T) {
	stages := dockerfile(t)
	ignore := dockerignore(t)
	var names []string
	var fromContext []string
	for _, s := range stages {
		for _, in := range append(s.all("COPY"), s.all("ADD")...) {
			if from, ok := in.flags["from"]; ok {
				if !slices.Contains(names, from) {
					t.Errorf("line %d: COPY --from=%s names no earlier stage (have %q)", in.line, from, names)
				}
				continue
			}
			for _, src := range in.args[:len(in.args)-1] {
				fromContext = append(fromContext, path.Clean(src))
				if _, err := os.Stat(filepath.Join("../..", src)); err != nil {
					t.Errorf("line %d: %s %s: not in the build context: %v", in.line, in.cmd, src, err)
				}
			}
		}
		names = append(names, s.name)
	}
	if len(fromContext) == 0 {
		t.Fatal("no COPY from the build context")
	}
	needed := append(fromContext, "go.mod", "go.sum")
	needed = append(needed, buildFiles(t)...)
	for _, p := range needed {
		if pat, ok := ignored(ignore, p); ok {
			t.Errorf("%s is needed by the image build but .dockerignore excludes it (%q)", p, pat)
		}
	}
	// The context leaves out what the build does not need.
	for _, p := range []string{".git", "data", "artifacts"} {
		if _, ok := ignored(ignore, p); !ok {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
}

// dockerignore reads the patterns of .dockerignore. Only plain patterns
// (filepath.Match syntax) are understood; the test refuses the others.
func dockerignore(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var pats []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "!") || strings.Contains(l, "**") {
			t.Fatalf(".dockerignore pattern %q: exceptions and ** are not supported by this test", l)
		}
		pats = append(pats, path.Clean(strings.TrimPrefix(l, "/")))
	}
	return pats
}

// ignored reports whether p (relative to the context root) or one of its
// parent directories matches an ignore pattern, as Docker excludes it.
func ignored(pats []string, p string) (string, bool) {
	for q := p; q != "." && q != "/"; q = path.Dir(q) {
		for _, pat := range pats {
			if ok, _ := path.Match(pat, q); ok {
				return pat, true
			}
		}
	}
	return "", false
}

// buildFiles lists, relative to the repository root, the Go and embedded
// files of this module's packages that ./cmd/cutwatch is built from.
func buildFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "./cmd/cutwatch")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
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
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(files) < 20 {
		t.Fatalf("go list found %d files of this module in the build, want all of them", len(files))
	}
	return files
}

// TestDockerBuildStep runs the Dockerfile's own 'go build' line (with -o
// pointed into a temp dir) from the repository root, as the build stage
// does from its copy of the context, then checks the binary: static and
// trimmed by its build settings, 'help' works, and 'healthcheck' with
// CUTWATCH_ADDR finds a 'serve' of the same binary healthy, then unhealthy
// once it stopped.
func TestDockerBuildStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	gb := findGoBuild(t, dockerfile(t)[0])
	dir := t.TempDir()
	bin := filepath.Join(dir, "cutwatch")
	args := slices.Clone(gb.args)
	args[slices.Index(args, "-o")+1] = bin
	build := exec.Command("go", append([]string{"build"}, args...)...)
	build.Dir = "../.."
	build.Env = append(os.Environ(), gb.env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s go build %s: %v\n%s", strings.Join(gb.env, " "), strings.Join(args, " "), err, out)
	}

	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, want := range []string{"build\tCGO_ENABLED=0", "build\t-trimpath=true"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("binary's build settings lack %q:\n%s", want, info)
		}
	}
	// -trimpath: the source file names in the binary are module paths,
	// not this checkout's directory.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(exe, []byte(root+"/")) {
		t.Errorf("the binary names the checkout's directory %s despite -trimpath", root)
	}
	if !bytes.Contains(exe, []byte("github.com/cutwatch/cutwatch/cmd/cutwatch/")) {
		t.Errorf("the binary does not name its sources by module path")
	}

	out, err := exec.Command(bin, "help").Output()
	if err != nil || !strings.Contains(string(out), "healthcheck") || !strings.Contains(string(out), "CUTWATCH_ADDR") {
		t.Fatalf("cutwatch help: %v\n%s", err, out)
	}

	srv := startChild(t, bin, filepath.Join(dir, "data"))
	stopped := false
	defer func() {
		if !stopped {
			srv.kill(t)
		}
	}()
	check := func() (int, string) {
		c := exec.Command(bin, "healthcheck")
		c.Env = append(os.Environ(), "CUTWATCH_ADDR="+srv.addr)
		out, err := c.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := check(); code != 0 {
		t.Errorf("healthcheck of a serving binary: exit %d\n%s", code, out)
	}
	srv.stop(t)
	stopped = true
	if code, out := check(); code != 1 || !strings.Contains(out, "unhealthy") {
		t.Errorf("healthcheck after the server stopped: exit %d, want 1\n%s", code, out)
	}
}
