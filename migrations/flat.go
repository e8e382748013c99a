package migrations

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// flatFS shows the .sql files of a tree's root and of its first-level directories as one flat
// directory: goose reads a single directory, and each feature keeps its migrations in its own.
type flatFS struct {
	src     fs.FS
	entries []fs.DirEntry
	paths   map[string]string // flat name → path in src
	err     error
}

var (
	_ fs.ReadDirFS  = flatFS{}
	_ fs.ReadFileFS = flatFS{}
)

func flatten(src fs.FS) flatFS {
	f := flatFS{src: src, paths: map[string]string{}}
	f.err = f.collect(".")
	if f.err != nil {
		return f
	}
	top, err := fs.ReadDir(src, ".")
	if err != nil {
		f.err = err
		return f
	}
	for _, d := range top {
		if d.IsDir() {
			if f.err = f.collect(d.Name()); f.err != nil {
				return f
			}
		}
	}
	slices.SortFunc(f.entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return f
}

func (f *flatFS) collect(dir string) error {
	list, err := fs.ReadDir(f.src, dir)
	if err != nil {
		return err
	}
	for _, e := range list {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		p := path.Join(dir, e.Name())
		if other, dup := f.paths[e.Name()]; dup {
			return fmt.Errorf("migration %s is both %s and %s", e.Name(), other, p)
		}
		f.paths[e.Name()] = p
		f.entries = append(f.entries, e)
	}
	return nil
}

func (f flatFS) resolve(op, name string) (string, error) {
	if f.err != nil {
		return "", &fs.PathError{Op: op, Path: name, Err: f.err}
	}
	p, ok := f.paths[name]
	if !ok {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return p, nil
}

// Open opens a migration by its flat name.
func (f flatFS) Open(name string) (fs.File, error) {
	if name == "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("list it with ReadDir")}
	}
	p, err := f.resolve("open", name)
	if err != nil {
		return nil, err
	}
	return f.src.Open(p)
}

// ReadFile reads a migration by its flat name.
func (f flatFS) ReadFile(name string) ([]byte, error) {
	p, err := f.resolve("read", name)
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(f.src, p)
}

// ReadDir lists every migration; "." is the only directory.
func (f flatFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if f.err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: f.err}
	}
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(f.entries), nil
}
