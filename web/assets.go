package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The UI's templates and static files are embedded in the binary: there is
// no front-end build step and nothing is fetched from elsewhere.
var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// staticFile is one embedded static file, ready to serve.
type staticFile struct {
	name        string
	body        []byte
	contentType string
	version     string // short content hash, for cache-busting URLs
}

// staticFiles maps a path below /static/ to its file. It is built once at
// start-up from the embedded files.
var staticFiles = loadStatic()

func loadStatic() map[string]*staticFile {
	files := map[string]*staticFile{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		files[name] = &staticFile{name: name, body: body, contentType: ct, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("web: load embedded static files: %v", err)) // start-up only
	}
	return files
}

// assetURL is the URL of a static file with its content hash, so that it
// can be cached for good and a new build still loads the new file.
func assetURL(name string) (string, error) {
	f, ok := staticFiles[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + f.version, nil
}

// serveStatic answers GET /static/*file from the embedded files. A request
// carrying the file's current hash may be cached for a year; others must
// revalidate (ETag).
func (s *Server) serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	f, ok := staticFiles[name]
	if !ok {
		s.serveNoRoute(c)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+f.version+`"`)
	if c.Query("v") == f.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(c.Writer, c.Request, f.name, time.Time{}, bytes.NewReader(f.body))
}

// pages are the parsed templates, one per page, each combined with the
// shared layout. Parsed once at start-up.
var pages = struct {
	search, article, entity, error *template.Template
}{
	search:  parsePage("search.html"),
	article: parsePage("article.html"),
	entity:  parsePage("entity.html"),
	error:   parsePage("error.html"),
}

// parsePage parses a page's template with the layout and the charts'
// templates (charts.html), which any page may use.
func parsePage(name string) *template.Template {
	funcs := template.FuncMap{"asset": assetURL, "description": pageDescription}
	return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/charts.html", "templates/"+name))
}
