package download_test

import (
	"mime"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/download"
)

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"bollettino-20261202-1030.csv": "bollettino-20261202-1030.csv",
		"../../etc/passwd":             "-..-etc-passwd",
		"..":                           "download",
		"":                             "download",
		"Perché è così.pdf":            "Perch----cos-.pdf",
		`a"; filename=evil.exe`:        "a---filename-evil.exe",
		strings.Repeat("n", 500):       strings.Repeat("n", 120),
	} {
		if got := download.FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDisposition: whatever a download's name is built from, the header
// parses as one attachment whose file name is a plain name — no path, no
// hidden file, no quote or line break, at most 120 bytes.
func FuzzDisposition(f *testing.F) {
	for _, s := range []string{"bollettino-20261202-1030.csv", "../../etc/passwd", "a\"; filename=evil.exe", "x\r\nSet-Cookie: a=b",
		"rapporto-accoglienza-bo-2026-12-02.pdf", "", "..", "ＲＥＰＯＲＴ.pdf", "C:\\Windows\\x.bat", strings.Repeat("n", 500)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v := download.Disposition(name)
		if strings.ContainsAny(v, "\r\n\x00") {
			t.Fatalf("header value %q holds a line break", v)
		}
		kind, params, err := mime.ParseMediaType(v)
		if err != nil || kind != "attachment" {
			t.Fatalf("%q does not parse as an attachment: %v", v, err)
		}
		fn := params["filename"]
		if fn == "" || len(fn) > 120 || strings.HasPrefix(fn, ".") || strings.ContainsAny(fn, `/\"`) {
			t.Fatalf("file name %q from %q", fn, name)
		}
		for _, r := range fn {
			if r >= 0x80 || r < 0x20 {
				t.Fatalf("file name %q holds %U", fn, r)
			}
		}
	})
}
