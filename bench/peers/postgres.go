package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is a throwaway PostgreSQL cluster in a temporary directory,
// listening only on a unix socket there.
type cluster struct {
	bin, dir string
	cred     *syscall.Credential // run as this user (postgres refuses root)
	DSN      string
}

// findPGBin returns the directory of PostgreSQL's server programs: bin if
// given, else Debian's newest /usr/lib/postgresql/*/bin, else initdb's on
// PATH.
func findPGBin(bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) > 0 {
		return filepath.Dir(m[len(m)-1]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)")
}

// startCluster initialises and starts a cluster with the programs in bin.
func startCluster(ctx context.Context, bin string) (*cluster, error) {
	dir, err := os.MkdirTemp("", "cutwatch-peers-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, and PostgreSQL will not: no 'postgres' user to run it as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run(ctx, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	opts := "-c listen_addresses='' -k " + dir
	if out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %w: %s %s", err, out, log)
	}
	c.DSN = "host=" + dir + " port=5432 user=postgres dbname=postgres sslmode=disable"
	return c, nil
}

func (c *cluster) run(ctx context.Context, prog string, arg ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), arg...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd.CombinedOutput()
}

// stop stops the cluster and removes its directory.
func (c *cluster) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", filepath.Join(c.dir, "data"))
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return os.RemoveAll(c.dir)
}

// pgEngine answers requests from PostgreSQL: docs with a tsvector column
// ('english' configuration: Snowball stemmer and stop words) under a GIN
// index, and the terms and numbers tables. It works in a schema of its
// own, dropped first, so a DSN to a shared database is safe to reuse.
type pgEngine struct {
	conn *pgx.Conn
}

const pgSchema = "cutwatch_peers"

func loadPG(ctx context.Context, dsn string, arts []article) (*pgEngine, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgresql: connect: %w", err)
	}
	e := &pgEngine{conn: conn}
	if err := e.load(ctx, arts); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	return e, nil
}

func (e *pgEngine) load(ctx context.Context, arts []article) error {
	for _, s := range []string{
		`DROP SCHEMA IF EXISTS ` + pgSchema + ` CASCADE`,
		`CREATE SCHEMA ` + pgSchema,
		`SET search_path TO ` + pgSchema,
		`CREATE TABLE docs (num bigint PRIMARY KEY, id text NOT NULL, title text NOT NULL, body text NOT NULL,
			tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title) || to_tsvector('english', body)) STORED)`,
		`CREATE TABLE terms (field text NOT NULL, value text NOT NULL, doc bigint NOT NULL)`,
		`CREATE TABLE numbers (field text NOT NULL, value bigint NOT NULL, doc bigint NOT NULL)`,
	} {
		if _, err := e.conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	var docs, terms, nums [][]any
	for _, a := range arts {
		docs = append(docs, []any{a.Num, a.ID, a.Title, a.Text})
		for _, f := range sortedKeys(a.Terms) {
			for _, v := range a.Terms[f] {
				terms = append(terms, []any{f, v, a.Num})
			}
		}
		for _, f := range sortedKeys(a.Numbers) {
			for _, v := range a.Numbers[f] {
				nums = append(nums, []any{f, v, a.Num})
			}
		}
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"docs", []string{"num", "id", "title", "body"}, docs},
		{"terms", []string{"field", "value", "doc"}, terms},
		{"numbers", []string{"field", "value", "doc"}, nums},
	} {
		if _, err := e.conn.CopyFrom(ctx, pgx.Identifier{pgSchema, t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.table, err)
		}
	}
	for _, s := range []string{
		`CREATE INDEX docs_tsv ON docs USING gin (tsv)`,
		`CREATE INDEX terms_fvd ON terms (field, value, doc)`,
		`CREATE INDEX terms_dfv ON terms (doc, field, value)`,
		`CREATE INDEX numbers_fvd ON numbers (field, value, doc)`,
		`CREATE INDEX numbers_dfv ON numbers (doc, field, value)`,
		`VACUUM ANALYZE docs`, `VACUUM ANALYZE terms`, `VACUUM ANALYZE numbers`,
	} {
		if _, err := e.conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (e *pgEngine) name() string { return "PostgreSQL" }

// size returns the bytes of the tables and their indexes.
func (e *pgEngine) size() (int64, error) {
	var n int64
	err := e.conn.QueryRow(context.Background(), `SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`, pgSchema).Scan(&n)
	return n, err
}

func (e *pgEngine) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgSchema+` CASCADE`)
	return errors.Join(err, e.conn.Close(ctx))
}

// tsquery returns the tsquery expression of cs: every clause required,
// a word through plainto_tsquery and a phrase through phraseto_tsquery.
func tsquery(a *args, cs []clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		fn := "plainto_tsquery"
		if c.Phrase {
			fn = "phraseto_tsquery"
		}
		parts[i] = fn + "('english', " + a.add(strings.Join(c.Words, " ")) + ")"
	}
	return "(" + strings.Join(parts, " && ") + ")"
}

const collateC = ` COLLATE "C"`

func (e *pgEngine) search(ctx context.Context, s spec) (result, error) {
	// One round trip: the counts and the hits in a batch.
	b := &pgx.Batch{}
	a := &args{pg: true}
	matches := "SELECT num FROM docs"
	if len(s.Clauses) > 0 {
		matches = "SELECT num FROM docs WHERE tsv @@ " + tsquery(a, s.Clauses)
	}
	b.Queue(countsSQL(a, s, matches, collateC), a.vals...)

	a = &args{pg: true}
	var inner, snippet string
	if len(s.Clauses) == 0 {
		inner = "SELECT docs.id, docs.body, " + sortValue(a, s) + " AS s, 0::real AS rk FROM docs WHERE true"
		snippet = "left(body, 200)"
	} else {
		q := tsquery(a, s.Clauses)
		inner = "SELECT docs.id, docs.body, " + sortValue(a, s) + " AS s, ts_rank(docs.tsv, " + q + ") AS rk FROM docs WHERE docs.tsv @@ " + q
		snippet = "ts_headline('english', body, " + q + ", 'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15')"
	}
	order := "s " + map[bool]string{true: "DESC", false: "ASC"}[s.SortDesc] + " NULLS LAST, rk DESC, id" + collateC
	inner += filtersSQL(a, "docs.num", s, -1) + " ORDER BY " + order + fmt.Sprintf(" LIMIT %d", s.Size)
	b.Queue("SELECT id, "+snippet+" FROM ("+inner+") t ORDER BY "+order, a.vals...)

	br := e.conn.SendBatch(ctx, b)
	defer br.Close()

	var res result
	crows, err := br.Query()
	if err != nil {
		return result{}, fmt.Errorf("postgresql counts: %w", err)
	}
	var crs []countRow
	for crows.Next() {
		var r countRow
		var facet int32
		if err := crows.Scan(&facet, &r.Value, &r.N); err != nil {
			crows.Close()
			return result{}, fmt.Errorf("postgresql counts: %w", err)
		}
		r.Facet = int(facet)
		crs = append(crs, r)
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return result{}, fmt.Errorf("postgresql counts: %w", err)
	}
	if err := fromCounts(&res, crs); err != nil {
		return result{}, fmt.Errorf("postgresql: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return result{}, fmt.Errorf("postgresql hits: %w", err)
	}
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.ID, &h.Snippet); err != nil {
			rows.Close()
			return result{}, fmt.Errorf("postgresql hits: %w", err)
		}
		res.Hits = append(res.Hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return result{}, fmt.Errorf("postgresql hits: %w", err)
	}
	return res, br.Close()
}

// sortValue returns the expression of an article's value to sort by: its
// largest (descending) or smallest (ascending) value of the sort field,
// or a constant for relevance.
func sortValue(a *args, s spec) string {
	if s.SortField == "" {
		return "0::bigint"
	}
	agg := "min"
	if s.SortDesc {
		agg = "max"
	}
	return "(SELECT " + agg + "(value) FROM numbers WHERE doc = docs.num AND field = " + a.add(s.SortField) + ")"
}
