package main

import (
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// readmeConfig parses the tables of README.md's "## Configuration"
// section: the flag (`--name`), variable and default columns of each row.
func readmeConfig(t *testing.T) map[string][2]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := make(map[string][2]string)
	in := false
	cols := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			in = line == "## Configuration"
			continue
		}
		if !in || !strings.HasPrefix(line, "|") {
			cols = map[string]int{}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cols) == 0 { // the header row
			for i, c := range cells {
				cols[strings.ToLower(c)] = i
			}
			continue
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		fi, ok1 := cols["flag"]
		vi, ok2 := cols["variable"]
		di, ok3 := cols["default"]
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("README configuration table without flag, variable and default columns: %v", cols)
		}
		name := strings.TrimPrefix(strings.Trim(cells[fi], "`"), "--")
		rows[name] = [2]string{strings.Trim(cells[di], "`"), strings.Trim(cells[vi], "`")}
	}
	return rows
}

// TestREADMEConfiguration keeps README's configuration table and the flags
// of serve and healthcheck in step: each flag is in the table with its
// variable and its default, and each row is a real flag.
func TestREADMEConfiguration(t *testing.T) {
	rows := readmeConfig(t)
	if len(rows) == 0 {
		t.Fatal("README.md has no table under '## Configuration'")
	}
	known := make(map[string]bool)
	for _, cmd := range []string{"serve", "healthcheck"} {
		for _, f := range flagsOf(subcommand(t, cmd)) {
			known[f.Name] = true
			row, ok := rows[f.Name]
			if !ok {
				t.Errorf("README configuration table has no row for %s --%s", cmd, f.Name)
				continue
			}
			if want := showDefault(f.DefValue); row[0] != want {
				t.Errorf("README: --%s default %q, want %q", f.Name, row[0], want)
			}
			if want := envVar(f.Name); row[1] != want {
				t.Errorf("README: --%s variable %q, want %q", f.Name, row[1], want)
			}
		}
	}
	for name := range rows {
		if !known[name] {
			t.Errorf("README configuration table lists --%s, which neither serve nor healthcheck has", name)
		}
	}
}

// TestREADMEGoVersion: the Go version the README asks for is go.mod's.
func TestREADMEGoVersion(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, l := range strings.Split(string(mod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			want = strings.TrimSpace(v)
		}
	}
	m := regexp.MustCompile(`Go \(?(\d+\.\d+(?:\.\d+)?) or later`).FindAllStringSubmatch(string(readme), -1)
	if len(m) == 0 {
		t.Fatal("README.md does not say which Go it needs ('Go X or later')")
	}
	for _, g := range m {
		if g[1] != want {
			t.Errorf("README.md asks for Go %s or later, go.mod for %s", g[1], want)
		}
	}
}

// TestVersionCommand: 'cutwatch version' prints the version line.
func TestVersionCommand(t *testing.T) {
	code, out, errs := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "cutwatch ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
		t.Errorf("cutwatch version: exit %d, %q (stderr %q), want one line with the Go version", code, out, errs)
	}
}

// TestHelpOneLetterFlags: help writes a one-letter flag as the README
// does (-v), not --v.
func TestHelpOneLetterFlags(t *testing.T) {
	code, out, _ := cli(t, "help", "eval")
	if code != 0 || !strings.Contains(out, "\n  -v ") || strings.Contains(out, "--v ") {
		t.Errorf("cutwatch help eval: exit %d, want -v in the flag table:\n%s", code, out)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// README's command lines and each command's usage write one-letter
	// flags as the help table does.
	lines := strings.Split(string(readme), "\n")
	for _, c := range rootCommand().Subcommands {
		lines = append(lines, c.ShortUsage, c.LongHelp)
	}
	for _, f := range []string{"v", "n"} {
		re := regexp.MustCompile(`(^|[\s\[|])--` + f + `\b`)
		for _, l := range lines {
			if strings.Contains(l, "cutwatch ") && re.MatchString(l) {
				t.Errorf("--%s where the help writes -%s: %q", f, f, l)
			}
		}
	}
}
