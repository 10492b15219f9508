package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/store/demo"
)

// TestMapLinksAreReachable: the province map is a group of links, never an
// image holding links (axe: nested-interactive). Every
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

// TestHomeScope: an operator's and a service's home show their own
// organisation in its province, not "the whole region" with nine provinces
// of zeros; the service's home says what it will find and where; the
// coordinator's late facilities are the region's.
func TestHomeScope(t *testing.T) {
	srv, _ := newServer(t)
	rows := regexp.MustCompile(`<th scope="row"><a href="/territorio\?provincia=`)
	for _, tc := range []struct {
		email, want string
		provinces   int
		service     bool
	}{
		{"operatore.bo@gesta.example", "Ente gestore · ", 1, false},
		{"servizio.bo@gesta.example", "Servizio territoriale · ", 1, true},
		{"coordinamento@gesta.example", "Coordinamento regionale · Tutta la regione", 9, false},
	} {
		c := client(t)
		if resp := post(t, c, srv.URL+"/login", url.Values{"email": {tc.email}, "password": {demo.DemoPassword}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in %s: %d", tc.email, resp.StatusCode)
		}
		_, body := get(t, c, srv.URL+"/home")
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: the home's scope line lacks %q", tc.email, tc.want)
		}
		if tc.provinces == 1 && strings.Contains(body, "Tutta la regione") {
			t.Errorf("%s: the home says the whole region", tc.email)
		}
		if n := len(rows.FindAllString(body, -1)); n != tc.provinces {
			t.Errorf("%s: %d provinces on the home, want %d", tc.email, n, tc.provinces)
		}
		if got := strings.Contains(body, `data-testid="service-home"`); got != tc.service {
			t.Errorf("%s: the service's guide shown %v, want %v", tc.email, got, tc.service)
		}
		if strings.Contains(body, "della tua provincia non sono confermate") && tc.provinces == 9 {
			t.Errorf("%s: the region's late facilities called \"of your province\"", tc.email)
		}
	}
}

// TestItalianReading: small things an Italian reader notices: dates as 02/12/2026, not 2026-12-02; the live board's status
// text not escaped as JavaScript (an attribute named data-on… is one to
// html/template).
func TestItalianReading(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	if resp := post(t, c, srv.URL+"/login", url.Values{"email": {"coordinamento@gesta.example"}, "password": {demo.DemoPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	_, board := get(t, c, srv.URL+"/bollettino")
	if !strings.Contains(board, `data-live-on="Aggiornamento in tempo reale attivo."`) {
		t.Errorf("the board's live status text is not plain text: %s", regexp.MustCompile(`data-live-on="[^"]*"`).FindString(board))
	}
	// The 90-day chart's days (axis and table) the Italian way.
	if !strings.Contains(board, "gesta-chart") || regexp.MustCompile(`>\d{4}-\d\d-\d\d<`).MatchString(board) {
		t.Errorf("the board's chart is missing or shows ISO dates: %v", regexp.MustCompile(`>\d{4}-\d\d-\d\d<`).FindAllString(board, 3))
	}
	_, dash := get(t, c, srv.URL+"/cruscotto")
	if regexp.MustCompile(`alla fine del \d{4}-\d\d-\d\d`).MatchString(dash) || !regexp.MustCompile(`alla fine del \d\d/\d\d/\d{4}`).MatchString(dash) {
		t.Errorf("the dashboard's date is not written the Italian way: %s", regexp.MustCompile(`alla fine del [^<]*`).FindString(dash))
	}
	// The monthly chart's axis says "gen 26", its table "gennaio 2026" (not "26-01", "2026-01").
	if regexp.MustCompile(`>\d\d-\d\d</text>`).MatchString(dash) || !regexp.MustCompile(`>[a-z]{3} \d\d</text>`).MatchString(dash) ||
		!regexp.MustCompile(`<th scope="row">[a-z]+ \d{4}</th>`).MatchString(dash) {
		t.Errorf("the monthly chart's months are codes: %v", regexp.MustCompile(`<text class="axis"[^>]*>[^<]*</text>`).FindAllString(dash, 3))
	}
}

// TestLongListsArePaged: the coordinator's facility list and daily
// confirmation show one page at a time, the page kept in the URL with the
// list's filters.
func TestLongListsArePaged(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	if resp := post(t, c, srv.URL+"/login", url.Values{"email": {"coordinamento@gesta.example"}, "password": {demo.DemoPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	row := regexp.MustCompile(`<td><a href="/strutture/([A-Z]{2}-\d+)">`)
	_, p1 := get(t, c, srv.URL+"/strutture?provincia=BO")
	first := row.FindAllStringSubmatch(p1, -1)
	next := regexp.MustCompile(`href="([^"]*pagina=2[^"]*)"`).FindStringSubmatch(p1)
	if len(first) == 0 || len(first) > 50 || next == nil || !strings.Contains(next[1], "provincia=BO") {
		t.Fatalf("/strutture?provincia=BO: %d rows, next page link %v", len(first), next)
	}
	_, p2 := get(t, c, srv.URL+strings.ReplaceAll(next[1], "&amp;", "&"))
	second := row.FindAllStringSubmatch(p2, -1)
	if len(second) == 0 || second[0][1] == first[0][1] {
		t.Errorf("page 2 shows %d rows, starting with %v (page 1 starts with %s)", len(second), second, first[0][1])
	}
	for _, m := range second {
		if !strings.HasPrefix(m[1], "BO-") {
			t.Errorf("page 2 lost the province filter: %s", m[1])
			break
		}
	}
	_, avail := get(t, c, srv.URL+"/disponibilita")
	if n := strings.Count(avail, `name="occupied" value=`); n == 0 || n > 2*50 {
		t.Errorf("/disponibilita shows %d forms, want one page", n)
	}
	if !strings.Contains(avail, `data-testid="pager"`) {
		t.Error("/disponibilita has no pager")
	}
	// The registry's entry form: hundreds of facilities are a searchable field, not a select.
	_, guests := get(t, c, srv.URL+"/ospiti")
	if strings.Contains(guests, `<select id="facility"`) || !strings.Contains(guests, `list="facility-list"`) {
		t.Error("/ospiti offers the region's facilities in a select")
	}
}
