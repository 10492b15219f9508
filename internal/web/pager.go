package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// pageSize is how many rows a long list shows at once: 600 facilities on one
// page made a 39,000 px page.
const pageSize = 50

// Pager is one page of a long list, with the links to its neighbours; the
// page is kept in the URL (?pagina=N) with the list's other filters.
type Pager struct {
	Page, Pages, Total int
	First, Last        int // 1-based positions of the rows shown
	Prev, Next         string
}

// pageOf is the pager of a list of total rows, size a page, on the page the
// request asks for (?pagina=N, clamped): for lists paged in the query, the
// store reads rows First−1 … Last−1 and counts total.
func pageOf(r *http.Request, total, size int) Pager {
	p := Pager{Total: total, Pages: max(1, (total+size-1)/size)}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("pagina"))
	p.Page = min(max(p.Page, 1), p.Pages)
	from, to := (p.Page-1)*size, min(p.Page*size, total)
	p.First, p.Last = from+1, to
	link := func(page int) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("pagina", strconv.Itoa(page))
		return r.URL.Path + "?" + q.Encode()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	return p
}

// requestedPage is the 1-based page the request asks for, before the total
// is known (a list paged in the query reads it first).
func requestedPage(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("pagina"))
	return max(n, 1)
}
