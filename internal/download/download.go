// Package download names files that gesta hands out as attachments (exports,
// case documents, reports) so that the name is safe in a Content-Disposition
// header and on the user's disk, whatever it was built from. It is shared by
// the web pages and the API, which must not import each other.
package download

import (
	"net/url"
	"strings"
)

// maxName bounds a file name in bytes.
const maxName = 120

// FileName keeps the ASCII letters, digits, '.', '-' and '_' of name (anything
// else becomes '-'), drops leading dots (no hidden files, no ".."), cuts it at
// 120 bytes and never returns an empty name.
func FileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= maxName {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "download"
	}
	return s
}

// Disposition is an RFC 6266 Content-Disposition value for an attachment
// named after name: it can hold no quote, CR or LF.
func Disposition(name string) string {
	safe := FileName(name)
	return `attachment; filename="` + safe + `"; filename*=UTF-8''` + url.PathEscape(safe)
}
