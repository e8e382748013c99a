package tenantdata

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// The archive is a tar stream (ADR-025): manifest.json first, then one file per table,
// tables/<name>.jsonl, in foreign-key order (parents first, the job queue last). A table file has
// one line per row, in primary-key order: a JSON array of the row's values in the manifest's
// column order, each the value's PostgreSQL text form (UTC, ISO dates) as a JSON string, or null.
// The manifest gives each column's type, so every value reads back exactly.
const (
	// FormatName and FormatVersion identify the archive format in its manifest.
	FormatName    = "tenantcore-tenant-archive"
	FormatVersion = 1

	manifestName = "manifest.json"
	// maxManifest bounds what an import reads before it has checked anything.
	maxManifest = 16 << 20
	// maxLine bounds one row of a table file.
	maxLine = 64 << 20
)

// Manifest describes an archive.
type Manifest struct {
	Format        string       `json:"format"`
	FormatVersion int          `json:"format_version"`
	SchemaVersion int64        `json:"schema_version"`
	ExportedAt    time.Time    `json:"exported_at"`
	Tenant        TenantRecord `json:"tenant"`
	Tables        []TableFile  `json:"tables"`
}

// TenantRecord is the tenants row of the archive's tenant, values in their text forms.
type TenantRecord struct {
	ID        string `json:"id"`
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	IsActive  bool   `json:"is_active"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// TableFile describes one table's file.
type TableFile struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Columns []Column `json:"columns"`
	// Key is the row order: the primary key (for the job queue, its id, which is not exported).
	Key    []string `json:"key"`
	Rows   int64    `json:"rows"`
	SHA256 string   `json:"sha256"`
}

func tableFileName(table string) string { return "tables/" + table + ".jsonl" }

// writeEntry writes one file of the archive, of size bytes read from r.
func writeEntry(tw *tar.Writer, name string, size int64, when time.Time, r io.Reader) error {
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: when, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write archive entry %s: %w", name, err)
	}
	if _, err := io.Copy(tw, r); err != nil {
		return fmt.Errorf("write archive entry %s: %w", name, err)
	}
	return nil
}

// readManifest reads the archive's first entry, which must be the manifest.
func readManifest(tr *tar.Reader) (Manifest, error) {
	hdr, err := tr.Next()
	if err != nil {
		return Manifest{}, archiveError("no manifest", err)
	}
	if hdr.Name != manifestName {
		return Manifest{}, fmt.Errorf("%w: the first entry is %q, not %s", ErrArchive, hdr.Name, manifestName)
	}
	if hdr.Size > maxManifest {
		return Manifest{}, fmt.Errorf("%w: the manifest is larger than %d bytes", ErrArchive, maxManifest)
	}
	body, err := io.ReadAll(tr)
	if err != nil {
		return Manifest{}, archiveError("manifest", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: the manifest is not valid: %w", ErrArchive, err)
	}
	if m.Format != FormatName || m.FormatVersion != FormatVersion {
		return Manifest{}, fmt.Errorf("%w: format %q version %d, this build reads %q version %d", ErrArchive, m.Format, m.FormatVersion, FormatName, FormatVersion)
	}
	return m, nil
}

// archiveError names a read failure of the archive: a stream that ends early is truncated.
func archiveError(what string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s: the archive is truncated", ErrArchive, what)
	}
	return fmt.Errorf("%w: %s: %w", ErrArchive, what, err)
}

// appendRow appends one row as a line of a table file: values are text forms, nil is NULL.
func appendRow(buf []byte, values [][]byte) []byte {
	buf = append(buf, '[')
	for i, v := range values {
		if i > 0 {
			buf = append(buf, ',')
		}
		if v == nil {
			buf = append(buf, "null"...)
			continue
		}
		buf = appendJSONString(buf, v)
	}
	return append(buf, ']', '\n')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. PostgreSQL text is valid UTF-8 in a UTF8 database;
// an invalid byte (possible only in a SQL_ASCII one) becomes U+FFFD.
func appendJSONString(buf, s []byte) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
			i++
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, `\ufffd`...)
			} else {
				buf = append(buf, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(buf, '"')
}
