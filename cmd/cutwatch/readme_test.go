package main

import (
	"os"
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
