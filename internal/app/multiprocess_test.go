package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestChangesReachOtherProcesses runs two servers on one PostgreSQL: a change
// made through one reaches a board stream opened on the other (LISTEN/NOTIFY).
func TestChangesReachOtherProcesses(t *testing.T) {
	dsn, ok := storetest.DSN(t, "postgres")
	if !ok {
		t.Skipf("%s not set", storetest.EnvPostgres)
	}
	a, _, _ := serve(t, dsn, nil)
	b, _, _ := serve(t, dsn, nil)
	db, err := store.Open(storetest.Ctx(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := storetest.Ctx()
	cred, _ := db.Users.Credentials(ctx, "coordinamento@gesta.example")
	token, _, err := (&auth.Service{Store: db.Users}).CreateToken(ctx, cred.Actor.UserID, "multi")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: "037"})
	code := ""
	for _, f := range fs { // a declared facility: one counting from the registry takes no typed figure
		if !f.UsesRegistry && code == "" {
			code = f.Code
		}
	}
	if code == "" {
		t.Fatal("no declared facility in Bologna")
	}

	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", b+"/api/v1/board/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Change on A until B's stream reports it (B's listener connects shortly after start).
	for attempt := range 20 {
		f, err := db.Facilities.FindFacility(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		put, _ := http.NewRequest("PUT", a+"/api/v1/facilities/"+code+"/availability",
			strings.NewReader(fmt.Sprintf(`{"occupied": %d}`, attempt%2)))
		put.Header.Set("Authorization", "Bearer "+token)
		put.Header.Set("Content-Type", "application/json")
		put.Header.Set("If-Match", `"`+strconv.Itoa(f.Version)+`"`)
		r, err := http.DefaultClient.Do(put)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("PUT on A: %d", r.StatusCode)
		}
		deadline := time.After(500 * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("B's stream closed")
				}
				if strings.Contains(l, `"facility":"`+code+`"`) {
					return // B heard A's change
				}
			case <-deadline:
				break wait
			}
		}
	}
	t.Fatal("a change made on A never reached B's board stream")
}
