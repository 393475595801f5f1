package web

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Files returns a handler that serves the files under root, named by the
// value of the route's wildcard (a "{path...}" wildcard):
//
//	r.Handle("GET /static/{path...}", web.Files("./public", "path"))
//
// A name with a ".." element is refused (404), as are names under root
// that are not regular files (a directory is served by its index.html).
func Files(root, wildcard string) Handler {
	return func(req *Request) runtime.Awaitable[*Response] {
		name := req.PathValue(wildcard)
		if strings.Contains(name, "\x00") || !fs.ValidPath(strings.TrimSuffix(name, "/")) && name != "" {
			return respond(statusResponse(http.StatusNotFound))
		}
		return ServeFileAsync(req, filepath.Join(root, filepath.FromSlash(path.Clean("/"+name))))
	}
}

// respond returns an awaitable of r, ready at once.
func respond(r *Response) runtime.Awaitable[*Response] {
	f := runtime.NewFuture[*Response]()
	f.SetResult(r)
	return f
}

// fileChunk is how much of a file ServeFile reads at a time.
const fileChunk = 64 << 10

// ServeFile answers req with the file name, read from disk on the thread
// pool, so that the loop serves other connections meanwhile: its type from
// its extension (or its first bytes), Last-Modified, 304 to an
// If-Modified-Since it satisfies, and 206 with one range to a Range field
// of one range (416 when it lies past the end; a Range of several ranges
// gets the whole file). A large file is sent a piece at a time, each
// waiting for the socket. A missing file is 404, an unreadable one 403.
//
// async
func ServeFile(req *Request, name string) (*Response, error) {
	f, err := await(runtime.Open(name))
	if err != nil {
		return fileError(err), nil
	}
	defer f.Close()
	fi, err := await(f.Stat())
	if err != nil {
		return fileError(err), nil
	}
	if fi.IsDir() {
		return await(ServeFileAsync(req, filepath.Join(name, "index.html")))
	}
	if !fi.Mode().IsRegular() {
		return statusResponse(http.StatusNotFound), nil
	}
	h := http.Header{}
	modified := fi.ModTime().UTC().Truncate(time.Second)
	if !fi.ModTime().IsZero() {
		h.Set("Last-Modified", modified.Format(http.TimeFormat))
		if t, err := http.ParseTime(req.Header().Get("If-Modified-Since")); err == nil && !modified.After(t) && req.Header().Get("Range") == "" {
			return &Response{Status: http.StatusNotModified, header: h}, nil
		}
	}
	h.Set("Accept-Ranges", "bytes")
	size := fi.Size()
	start, length, status := int64(0), size, http.StatusOK
	if rng := req.Header().Get("Range"); rng != "" {
		s, n, ok, single := parseRange(rng, size)
		switch {
		case !ok:
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			return &Response{Status: http.StatusRequestedRangeNotSatisfiable, header: h}, nil
		case single:
			start, length, status = s, n, http.StatusPartialContent
			h.Set("Content-Range", "bytes "+strconv.FormatInt(s, 10)+"-"+strconv.FormatInt(s+n-1, 10)+"/"+strconv.FormatInt(size, 10))
		}
	}
	ctype := mime.TypeByExtension(filepath.Ext(name))
	first := make([]byte, min(length, fileChunk))
	n, err := await(f.ReadAt(first, start))
	if err != nil && !errors.Is(err, io.EOF) {
		return fileError(err), nil
	}
	first = first[:n]
	if ctype == "" {
		ctype = http.DetectContentType(first)
	}
	h.Set("Content-Type", ctype)
	if int64(n) == length {
		return &Response{Status: status, header: h, Body: first}, nil
	}
	s, err := await(req.StreamLengthAsync(status, h, length))
	if err != nil {
		return nil, err
	}
	buf := first
	for off := int64(0); ; {
		if _, err := await(s.WriteAsync(buf)); err != nil {
			return nil, err
		}
		off += int64(len(buf))
		if off >= length {
			return s.Response(), nil
		}
		buf = buf[:min(int64(cap(buf)), length-off)]
		n, err := await(f.ReadAt(buf, start+off))
		if n == 0 && err != nil {
			return nil, err // the file shrank: the connection ends short
		}
		buf = buf[:n]
	}
}

// fileError is the response to a failure to open or read a file.
func fileError(err error) *Response {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return statusResponse(http.StatusNotFound)
	case errors.Is(err, fs.ErrPermission):
		return Text(http.StatusForbidden, "403 forbidden\n")
	}
	return statusResponse(http.StatusInternalServerError)
}

// parseRange reads a Range field against a file of size bytes: the start
// and length of its one range (single), or single false when it has several
// ranges or a unit other than bytes (the whole file is sent); ok false
// when it is malformed or lies past the end (416).
func parseRange(s string, size int64) (start, length int64, ok, single bool) {
	spec, found := strings.CutPrefix(s, "bytes=")
	if !found {
		return 0, 0, true, false
	}
	if strings.Contains(spec, ",") {
		return 0, 0, true, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if first == "" {
		// The last n bytes.
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false, false
		}
		n = min(n, size)
		return size - n, n, size > 0, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 || a >= size {
		return 0, 0, false, false
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, 0, false, false
		}
		b = min(b, size-1)
	}
	return a, b - a + 1, true, true
}
