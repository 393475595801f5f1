// Command files reads and writes files through the thread pool
// (runtime.Open, File.Read, WriteFile...), many at once from one loop:
// wc counts the lines, words and bytes of the files of directories, one
// task per file; copy copies the files of a directory, one task per file;
// demo writes a dozen files at once, copies them and counts the copies.
//
//	files wc DIR...
//	files copy SRC DST
//	files demo
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/asyncgen/asyncgen/runtime"
)

// Count is what wc counts in a file.
type Count struct {
	Name                string
	Lines, Words, Bytes int
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\v' || b == '\f'
}

// CountFile reads the named file in chunks and counts its lines, words
// (runs of bytes that are not ASCII white space) and bytes.
//
// async
func CountFile(name string) (Count, error) {
	c := Count{Name: name}
	f, err := await(runtime.Open(name))
	if err != nil {
		return c, err
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	inWord := false
	for {
		n, err := await(f.Read(buf))
		for _, b := range buf[:n] {
			if b == '\n' {
				c.Lines++
			}
			if isSpace(b) {
				inWord = false
			} else if !inWord {
				inWord = true
				c.Words++
			}
		}
		c.Bytes += n
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return c, err
		}
	}
}

// WordCount counts the regular files of dirs, all at once, and returns
// the counts in order: directory by directory, by file name.
//
// async
func WordCount(dirs []string) ([]Count, error) {
	var counts []runtime.Awaitable[Count]
	for _, dir := range dirs {
		entries, err := await(runtime.ReadDir(dir))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				counts = append(counts, CountFileAsync(filepath.Join(dir, e.Name())))
			}
		}
	}
	return await(runtime.Gather(counts...))
}

// CopyFile copies src to dst (created, or truncated) in chunks, and
// returns the number of bytes copied.
//
// async
func CopyFile(src, dst string) (int, error) {
	in, err := await(runtime.Open(src))
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := await(runtime.Create(dst))
	if err != nil {
		return 0, err
	}
	// Close starts when called: the deferred one closes the file on the
	// error paths; after the awaited one below it does nothing.
	defer out.Close()
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, rerr := await(in.Read(buf))
		if n > 0 {
			if _, err := await(out.Write(buf[:n])); err != nil {
				return total, err
			}
			total += n
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return total, rerr
		}
	}
	_, err = await(out.Close())
	return total, err
}

// CopyDir copies the regular files of src into dst, which it creates if
// need be, all at once, and returns how many files it copied.
//
// async
func CopyDir(src, dst string) (int, error) {
	if _, err := await(runtime.MkdirAll(dst, 0o755)); err != nil {
		return 0, err
	}
	entries, err := await(runtime.ReadDir(src))
	if err != nil {
		return 0, err
	}
	var copies []runtime.Awaitable[int]
	for _, e := range entries {
		if e.Type().IsRegular() {
			copies = append(copies, CopyFileAsync(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())))
		}
	}
	results, err := await(runtime.GatherAll(copies...))
	if err != nil {
		return 0, err
	}
	_, err = runtime.Values(results)
	return len(copies), err
}

// Demo writes n files into dir/src at once, copies them into dir/dst at
// once, and counts the copies.
//
// async
func Demo(dir string, n int) ([]Count, error) {
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if _, err := await(runtime.Mkdir(src, 0o755)); err != nil {
		return nil, err
	}
	var writes []runtime.Awaitable[struct{}]
	for i := range n {
		text := strings.Repeat(fmt.Sprintf("file %d says hello\n", i), i+1)
		writes = append(writes, runtime.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d.txt", i)), []byte(text), 0o644))
	}
	if _, err := await(runtime.Gather(writes...)); err != nil {
		return nil, err
	}
	if _, err := await(CopyDirAsync(src, dst)); err != nil {
		return nil, err
	}
	return await(WordCountAsync([]string{dst}))
}

// printCounts prints counts as wc does, names relative to base if it is
// not empty, and a total line when there is more than one.
func printCounts(counts []Count, base string) {
	var total Count
	for _, c := range counts {
		name := c.Name
		if base != "" {
			name, _ = filepath.Rel(base, name)
		}
		fmt.Printf("%7d %7d %7d %s\n", c.Lines, c.Words, c.Bytes, name)
		total.Lines += c.Lines
		total.Words += c.Words
		total.Bytes += c.Bytes
	}
	if len(counts) > 1 {
		fmt.Printf("%7d %7d %7d total\n", total.Lines, total.Words, total.Bytes)
	}
}

func run(args []string) error {
	switch {
	case len(args) >= 2 && args[0] == "wc":
		counts, err := runtime.Run(WordCountAsync(args[1:]))
		printCounts(counts, "")
		return err
	case len(args) == 3 && args[0] == "copy":
		n, err := runtime.Run(CopyDirAsync(args[1], args[2]))
		fmt.Printf("copied %d files\n", n)
		return err
	case len(args) == 1 && args[0] == "demo":
		dir, err := os.MkdirTemp("", "asyncgen-files-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		counts, err := runtime.Run(DemoAsync(dir, 12))
		printCounts(counts, dir)
		return err
	}
	fmt.Fprintln(os.Stderr, "usage: files wc DIR... | files copy SRC DST | files demo")
	os.Exit(2)
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
