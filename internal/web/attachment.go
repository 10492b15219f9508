package web

import (
	"net/http"

	"github.com/gesta-er/gesta/internal/download"
)

// setAttachment sets an RFC 6266 Content-Disposition for a download: the
// value can hold no quote, CR or LF whatever the name was built from
// (download.FileName; FuzzDisposition checks it).
func setAttachment(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Disposition", download.Disposition(name))
}
