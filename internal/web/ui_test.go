package web_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestMapLinksAreReachable: the province map is a group of links, never an
// image holding links (axe: nested-interactive, issue 18 point 15). Every
// svg that contains a link has no role="img", and each link has a name.
func TestMapLinksAreReachable(t *testing.T) {
	srv, _ := newServer(t)
	svg := regexp.MustCompile(`(?s)<svg[^>]*>.*?</svg>`)
	for _, path := range []string{"/", "/territorio"} {
		resp, body := get(t, client(t), srv.URL+path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		links := 0
		for _, s := range svg.FindAllString(body, -1) {
			if !strings.Contains(s, "<a ") {
				continue
			}
			open := s[:strings.Index(s, ">")]
			if strings.Contains(open, `role="img"`) {
				t.Errorf("%s: an svg with links has role=\"img\": %s", path, open)
			}
			for _, a := range regexp.MustCompile(`<a [^>]*>`).FindAllString(s, -1) {
				links++
				if !strings.Contains(a, `aria-label="`) {
					t.Errorf("%s: a map link without a name: %s", path, a)
				}
			}
		}
		if links < 9 {
			t.Errorf("%s: %d map links, want one per province", path, links)
		}
	}
}
