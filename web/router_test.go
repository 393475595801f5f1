package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// TestRouterMatchesServeMux routes requests with a Router and with an
// http.ServeMux of the same patterns, each twice (the Router remembers
// matches), and compares: the status, the pattern and wildcard values, the
// Allow and Location fields.
func TestRouterMatchesServeMux(t *testing.T) {
	patterns := []string{
		"GET /items/{id}", "/items/{id}/parts/{part...}", "POST /items", "DELETE /items/{id}",
		"/static/", "/exact/{$}", "GET /a/b", "/a/{x}", "/{$}", "PUT /x/{y}/z",
		"other.example/a/b", "GET other.example/items/{id}",
	}
	rt := web.NewRouter()
	mux := http.NewServeMux()
	for _, p := range patterns {
		rt.Handle(p, WhereAsync)
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			out := r.Pattern
			for _, name := range strings.Split(r.URL.Query().Get("names"), ",") {
				if name != "" {
					out += " " + name + "=" + r.PathValue(name)
				}
			}
			w.Write([]byte(out))
		})
	}
	paths := []string{
		"/", "/items", "/items/", "/items/7", "/items/7/", "/items/7/parts/a/b/c", "/items/7/parts/",
		"/static", "/static/", "/static/css/x.css", "/exact", "/exact/", "/exact/more", "/a/b", "/a/c",
		"/a/b/", "/x/1/z", "/x/1/y", "/nothing", "/a/../items/3", "//items/4", "/items/%2F",
		"/items/a%20b",
	}
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"} {
		for _, host := range []string{"example.com", "other.example", "other.example:8080"} {
			for _, path := range paths {
				target := path + "?names=id,part,x,y"
				rec := httptest.NewRecorder()
				hr := httptest.NewRequest(method, target, nil)
				hr.Host = host
				mux.ServeHTTP(rec, hr)
				for round := range 2 {
					req := web.NewRequest(method, target, http.Header{"Host": {host}})
					resp, err := runtime.Run(rt.Serve(req))
					if err != nil {
						t.Fatalf("%s %s: %v", method, path, err)
					}
					what := method + " " + host + path + " (round " + string(rune('1'+round)) + ")"
					if resp.Status != rec.Code {
						t.Errorf("%s: status %d, ServeMux %d", what, resp.Status, rec.Code)
						continue
					}
					if rec.Code == 200 && method != "HEAD" && string(resp.Body) != rec.Body.String() {
						t.Errorf("%s: %q, ServeMux %q", what, resp.Body, rec.Body.String())
					}
					for _, f := range []string{"Allow", "Location"} {
						if got, want := resp.Header().Get(f), rec.Header().Get(f); got != want {
							t.Errorf("%s: %s %q, ServeMux %q", what, f, got, want)
						}
					}
				}
			}
		}
	}
}
