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
	Page, Pages, Total int // Total < 0: not counted (Pages then reaches one past the page when there is more)
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
	p.links(r)
	return p
}

// pageUncounted is the pager of a list that is not counted: the store read
// up to size+1 rows (got) from the requested page's first, so a next page
// exists when it found more than size.
func pageUncounted(r *http.Request, got, size int) Pager {
	p := Pager{Total: -1, Page: requestedPage(r)}
	p.Pages = p.Page
	if got > size {
		p.Pages++
	}
	p.First, p.Last = (p.Page-1)*size+1, (p.Page-1)*size+min(got, size)
	p.links(r)
	return p
}

// links sets the links to the neighbouring pages, the other parameters kept.
func (p *Pager) links(r *http.Request) {
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
}

// requestedPage is the 1-based page the request asks for, before the total
// is known (a list paged in the query reads it first).
func requestedPage(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("pagina"))
	return max(n, 1)
}
