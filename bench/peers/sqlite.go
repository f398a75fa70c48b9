package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", FTS5 built in
)

// sqliteEngine answers requests from an SQLite database: an FTS5 table of
// titles and texts (Porter stemmer over unicode61) whose rowids are the
// articles' numbers, and the docs, terms and numbers tables.
type sqliteEngine struct {
	db   *sql.DB
	path string
}

// loadSQLite creates the database at path (which must not exist) and
// loads arts into it.
func loadSQLite(ctx context.Context, path string, arts []article) (*sqliteEngine, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(1) // one sequential client
	e := &sqliteEngine{db: db, path: path}
	if err := e.load(ctx, arts); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return e, nil
}

func (e *sqliteEngine) load(ctx context.Context, arts []article) error {
	for _, s := range []string{
		`CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61')`,
		`CREATE TABLE docs (num INTEGER PRIMARY KEY, id TEXT NOT NULL)`,
		`CREATE TABLE terms (field TEXT NOT NULL, value TEXT NOT NULL, doc INTEGER NOT NULL)`,
		`CREATE TABLE numbers (field TEXT NOT NULL, value INTEGER NOT NULL, doc INTEGER NOT NULL)`,
	} {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w (is FTS5 built in?)", s, err)
		}
	}
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	ins := func(q string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, q) }
	fts, err := ins(`INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	docs, err := ins(`INSERT INTO docs (num, id) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	terms, err := ins(`INSERT INTO terms (field, value, doc) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	nums, err := ins(`INSERT INTO numbers (field, value, doc) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, a := range arts {
		if _, err := fts.ExecContext(ctx, a.Num, a.Title, a.Text); err != nil {
			return err
		}
		if _, err := docs.ExecContext(ctx, a.Num, a.ID); err != nil {
			return err
		}
		for _, f := range sortedKeys(a.Terms) {
			for _, v := range a.Terms[f] {
				if _, err := terms.ExecContext(ctx, f, v, a.Num); err != nil {
					return err
				}
			}
		}
		for _, f := range sortedKeys(a.Numbers) {
			for _, v := range a.Numbers[f] {
				if _, err := nums.ExecContext(ctx, f, v, a.Num); err != nil {
					return err
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, s := range []string{
		`CREATE INDEX terms_fvd ON terms (field, value, doc)`,
		`CREATE INDEX terms_dfv ON terms (doc, field, value)`,
		`CREATE INDEX numbers_fvd ON numbers (field, value, doc)`,
		`CREATE INDEX numbers_dfv ON numbers (doc, field, value)`,
		`INSERT INTO fts (fts) VALUES ('optimize')`,
		`ANALYZE`,
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (e *sqliteEngine) name() string { return "SQLite FTS5" }

// size returns the bytes of the database's files.
func (e *sqliteEngine) size() (int64, error) {
	var n int64
	for _, p := range []string{e.path, e.path + "-wal"} {
		st, err := os.Stat(p)
		if err == nil {
			n += st.Size()
		} else if !os.IsNotExist(err) {
			return 0, err
		}
	}
	return n, nil
}

func (e *sqliteEngine) close() error { return e.db.Close() }

// ftsMatch returns the FTS5 query of cs: each clause a quoted phrase (a
// word is a phrase of one), all required.
func ftsMatch(cs []clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = `"` + strings.ReplaceAll(strings.Join(c.Words, " "), `"`, `""`) + `"`
	}
	return strings.Join(parts, " AND ")
}

func (e *sqliteEngine) search(ctx context.Context, s spec) (result, error) {
	var res result
	// The total and the facets, in one statement.
	a := &args{}
	matches := "SELECT num FROM docs"
	if len(s.Clauses) > 0 {
		matches = "SELECT rowid AS num FROM fts WHERE fts MATCH " + a.add(ftsMatch(s.Clauses))
	}
	crs, err := scanCounts(e.db.QueryContext(ctx, countsSQL(a, s, matches, ""), a.vals...))
	if err == nil {
		err = fromCounts(&res, crs)
	}
	if err != nil {
		return result{}, fmt.Errorf("sqlite counts: %w", err)
	}
	// The top hits with snippets.
	a = &args{}
	var q string
	if len(s.Clauses) == 0 {
		q = "SELECT docs.id, (SELECT substr(body, 1, 200) FROM fts WHERE fts.rowid = docs.num) FROM docs WHERE 1" +
			filtersSQL(a, "docs.num", s, -1) + " ORDER BY " + sortSQL(a, "docs.num", s) + "docs.id"
	} else {
		// The unary + keeps SQLite from handing the filters' rowid IN
		// (...) to FTS5, which would test the match article by article.
		m := a.add(ftsMatch(s.Clauses))
		q = "SELECT (SELECT id FROM docs WHERE docs.num = fts.rowid) AS id, snippet(fts, 1, '<mark>', '</mark>', '…', 30) FROM fts WHERE fts MATCH " + m +
			filtersSQL(a, "+fts.rowid", s, -1) + " ORDER BY " + sortSQL(a, "fts.rowid", s) + "rank, id"
	}
	q += fmt.Sprintf(" LIMIT %d", s.Size)
	rows, err := e.db.QueryContext(ctx, q, a.vals...)
	if err != nil {
		return result{}, fmt.Errorf("sqlite hits: %w", err)
	}
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.ID, &h.Snippet); err != nil {
			rows.Close()
			return result{}, fmt.Errorf("sqlite hits: %w", err)
		}
		res.Hits = append(res.Hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return result{}, fmt.Errorf("sqlite hits: %w", err)
	}
	return res, nil
}

func scanCounts(rows *sql.Rows, err error) ([]countRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []countRow
	for rows.Next() {
		var r countRow
		if err := rows.Scan(&r.Facet, &r.Value, &r.N); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sqlitePath returns where to create the database in dir.
func sqlitePath(dir string) string { return filepath.Join(dir, "peers.sqlite") }
