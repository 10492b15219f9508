package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// attachmentName makes a download's file name safe for a header and a file
// system: letters, digits, '.', '-' and '_' only (anything else becomes '-'),
// no leading dots (no hidden files, no ".."), at most 120 bytes, never empty.
func attachmentName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		if b.Len() >= 120 {
			break
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "download"
	}
	return s
}

// setAttachment sets an RFC 6266 Content-Disposition for a download: the
// value can hold no quote, CR or LF whatever the name was built from.
func setAttachment(w http.ResponseWriter, name string) {
	safe := attachmentName(name)
	w.Header().Set("Content-Disposition", `attachment; filename="`+safe+`"; filename*=UTF-8''`+url.PathEscape(safe))
}
