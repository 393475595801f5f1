package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// testDir makes a directory of files: small ones, an empty one, one
// without a final newline, one far bigger than a read chunk with words
// across the chunk boundaries, and a subdirectory, which wc and copy skip.
func testDir(t *testing.T) (string, map[string][]byte) {
	dir := t.TempDir()
	var big strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&big, "word%03d  alpha\tbeta%d\n", i%1000, i)
	}
	files := map[string][]byte{
		"a.txt":   []byte("hello world\nfoo\n"),
		"b.txt":   []byte("  one two\r\n three"),
		"empty":   nil,
		"big.txt": []byte(big.String()),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "skipped"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func TestWordCount(t *testing.T) {
	dir, files := testDir(t)
	counts, err := runtime.Run(WordCountAsync([]string{dir}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range counts {
		name := filepath.Base(c.Name)
		names = append(names, name)
		data := files[name]
		want := Count{Name: c.Name, Lines: bytes.Count(data, []byte("\n")), Words: len(bytes.Fields(data)), Bytes: len(data)}
		if c != want {
			t.Errorf("%s: %+v, want %+v", name, c, want)
		}
		// And as the system's wc counts.
		if out, err := exec.Command("wc", "-l", "-w", "-c", c.Name).Output(); err == nil {
			if got := fmt.Sprintf("%d %d %d %s", c.Lines, c.Words, c.Bytes, c.Name); strings.Join(strings.Fields(string(out)), " ") != got {
				t.Errorf("wc says %q, we say %q", out, got)
			}
		}
	}
	if strings.Join(names, " ") != "a.txt b.txt big.txt empty" {
		t.Errorf("counted %v", names)
	}

	if _, err := runtime.Run(WordCountAsync([]string{dir, filepath.Join(dir, "nope")})); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("wc of a missing directory: %v", err)
	}
}

func TestCopyDir(t *testing.T) {
	src, files := testDir(t)
	dst := filepath.Join(t.TempDir(), "new", "dst")
	n, err := runtime.Run(CopyDirAsync(src, dst))
	if err != nil || n != len(files) {
		t.Fatalf("CopyDir = %d, %v; want %d files", n, err, len(files))
	}
	for name, data := range files {
		if got, err := os.ReadFile(filepath.Join(dst, name)); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: copied %d bytes, %v; want %d", name, len(got), err, len(data))
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "sub")); err == nil {
		t.Error("the subdirectory was copied")
	}
	if _, err := runtime.Run(CopyDirAsync(filepath.Join(src, "nope"), dst)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("copy of a missing directory: %v", err)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	counts, err := runtime.Run(DemoAsync(dir, 12))
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 12 {
		t.Fatalf("%d counts, want 12", len(counts))
	}
	for i, c := range counts {
		line := fmt.Sprintf("file %d says hello\n", i)
		want := Count{Name: filepath.Join(dir, "dst", fmt.Sprintf("f%02d.txt", i)), Lines: i + 1, Words: 4 * (i + 1), Bytes: len(line) * (i + 1)}
		if c != want {
			t.Errorf("count %d: %+v, want %+v", i, c, want)
		}
	}
}
