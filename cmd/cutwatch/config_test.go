package main

import (
	"bufio"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// subcommand returns the subcommand name of a fresh command tree.
func subcommand(t *testing.T, name string) *ffcli.Command {
	t.Helper()
	for _, c := range rootCommand().Subcommands {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no subcommand %q", name)
	return nil
}

// flagsOf lists the flags of a command in name order.
func flagsOf(c *ffcli.Command) []*flag.Flag {
	var fl []*flag.Flag
	c.FlagSet.VisitAll(func(f *flag.Flag) { fl = append(fl, f) })
	return fl
}

// commandAt returns the command of a fresh command tree at path (names
// of a subcommand and of its subcommands), or fails the test.
func commandAt(t *testing.T, root *ffcli.Command, path []string) *ffcli.Command {
	t.Helper()
	c := root
	for _, name := range path {
		i := slices.IndexFunc(c.Subcommands, func(s *ffcli.Command) bool { return s.Name == name })
		if i < 0 {
			t.Fatalf("no subcommand %q", strings.Join(path, " "))
		}
		c = c.Subcommands[i]
	}
	return c
}

// commandPaths lists the paths of every command below cs, subcommands of
// subcommands (such as 'store recover') included.
func commandPaths(cs []*ffcli.Command, prefix []string) [][]string {
	var out [][]string
	for _, c := range cs {
		p := append(slices.Clone(prefix), c.Name)
		out = append(out, p)
		out = append(out, commandPaths(c.Subcommands, p)...)
	}
	return out
}

// otherValue returns a value the flag accepts that differs from its
// default, or fails the test.
func otherValue(t *testing.T, path []string, name string) string {
	t.Helper()
	for _, v := range []string{"7", "3s", "5s", "true", "x"} {
		f := commandAt(t, rootCommand(), path).FlagSet.Lookup(name)
		if f.Value.Set(v) == nil && f.Value.String() != f.DefValue {
			return f.Value.String()
		}
	}
	t.Fatalf("%s --%s: no test value differs from its default %q", strings.Join(path, " "), name, commandAt(t, rootCommand(), path).FlagSet.Lookup(name).DefValue)
	return ""
}

// TestEveryFlagFromEnvironment sets each flag of each command (and of
// each subcommand's subcommands) through the variable its help names, and
// checks that parsing the command line as main does gives the flag that
// value, so help and behaviour agree.
func TestEveryFlagFromEnvironment(t *testing.T) {
	n := 0
	for _, path := range commandPaths(rootCommand().Subcommands, nil) {
		for _, f := range flagsOf(commandAt(t, rootCommand(), path)) {
			want := otherValue(t, path, f.Name)
			name := strings.Join(path, "/")
			t.Run(name+"/"+f.Name, func(t *testing.T) {
				t.Setenv(envVar(f.Name), want)
				root := rootCommand()
				if err := root.Parse(path); err != nil {
					t.Fatalf("parse with %s=%s: %v", envVar(f.Name), want, err)
				}
				got := commandAt(t, root, path).FlagSet.Lookup(f.Name).Value.String()
				if got != want {
					t.Errorf("%s=%s: --%s is %q, want %q", envVar(f.Name), want, f.Name, got, want)
				}
			})
			n++
		}
	}
	// A floor so that the loop cannot pass by seeing no flags at all.
	if n < 30 {
		t.Errorf("checked %d flags, want the 30 or more of all commands", n)
	}
}

// TestFlagBeatsEnvironment: a flag on the command line wins.
func TestFlagBeatsEnvironment(t *testing.T) {
	t.Setenv("CUTWATCH_ADDR", "127.0.0.1:1")
	root := rootCommand()
	if err := root.Parse([]string{"serve", "--addr", "127.0.0.1:2"}); err != nil {
		t.Fatal(err)
	}
	if got := root.Subcommands[0].FlagSet.Lookup("addr").Value.String(); got != "127.0.0.1:2" {
		t.Errorf("--addr = %q with CUTWATCH_ADDR set too, want the flag's 127.0.0.1:2", got)
	}
}

// helpRows parses the FLAGS table of a command's help into rows keyed by
// flag name: [default, variable].
func helpRows(t *testing.T, help string) map[string][2]string {
	t.Helper()
	rows := make(map[string][2]string)
	sc := bufio.NewScanner(strings.NewReader(help))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && strings.HasPrefix(f[0], "-") && f[0] != "-" {
			// --name, or -x for a one-letter flag
			rows[strings.TrimLeft(f[0], "-")] = [2]string{f[1], f[2]}
		}
	}
	return rows
}

// checkHelpLists checks that help lists every flag of command with its
// default and variable.
func checkHelpLists(t *testing.T, help, command string) {
	t.Helper()
	rows := helpRows(t, help)
	fl := flagsOf(subcommand(t, command))
	if len(fl) == 0 {
		t.Fatalf("%s has no flags", command)
	}
	for _, f := range fl {
		row, ok := rows[f.Name]
		if !ok {
			t.Errorf("help of %s does not list --%s:\n%s", command, f.Name, help)
			continue
		}
		if want := showDefault(f.DefValue); row[0] != want {
			t.Errorf("help of %s: --%s default %q, want %q", command, f.Name, row[0], want)
		}
		if want := envVar(f.Name); row[1] != want {
			t.Errorf("help of %s: --%s variable %q, want %q", command, f.Name, row[1], want)
		}
	}
}

func TestServeHelpListsFlags(t *testing.T) {
	code, stdout, stderr := cli(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: exit %d\n%s", code, stderr)
	}
	checkHelpLists(t, stdout+stderr, "serve")
	if !strings.Contains(stderr, "CUTWATCH_API_KEY") {
		t.Errorf("serve --help does not name CUTWATCH_API_KEY:\n%s", stderr)
	}
}

func TestHelpCommand(t *testing.T) {
	code, stdout, stderr := cli(t, "help")
	if code != 0 {
		t.Fatalf("help: exit %d\n%s", code, stderr)
	}
	// Every command, including those added after the first usage string.
	var names []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	in := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "COMMANDS":
			in = true
		case in && strings.HasPrefix(line, "  "):
			names = append(names, strings.Fields(line)[0])
		default:
			in = false
		}
	}
	for _, c := range rootCommand().Subcommands {
		if !slices.Contains(names, c.Name) {
			t.Errorf("help does not list the command %s (lists %v)", c.Name, names)
		}
	}
	for _, want := range []string{"gen", "bench", "healthcheck"} {
		if !slices.Contains(names, want) {
			t.Errorf("help does not list %s", want)
		}
	}
	checkHelpLists(t, stdout, "serve")

	for _, c := range rootCommand().Subcommands {
		if len(flagsOf(c)) == 0 {
			continue
		}
		code, stdout, stderr := cli(t, "help", c.Name)
		if code != 0 {
			t.Errorf("help %s: exit %d\n%s", c.Name, code, stderr)
			continue
		}
		checkHelpLists(t, stdout, c.Name)
	}

	for _, args := range [][]string{{"help", "nope"}, {"help", "serve", "index"}, {"nope"}, {}} {
		code, _, stderr := cli(t, args...)
		if code != 2 || !strings.Contains(stderr, "cutwatch help") {
			t.Errorf("cutwatch %q: exit %d, stderr %q; want 2 and a pointer to 'cutwatch help'", args, code, stderr)
		}
	}
}

// TestHealthcheckFindsServe: both commands default to the same address, so
// an unconfigured healthcheck checks an unconfigured server.
func TestHealthcheckFindsServe(t *testing.T) {
	s := subcommand(t, "serve").FlagSet.Lookup("addr").DefValue
	h := subcommand(t, "healthcheck").FlagSet.Lookup("addr").DefValue
	if s != h {
		t.Errorf("serve --addr defaults to %q, healthcheck --addr to %q", s, h)
	}
}
