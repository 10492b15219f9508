package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestGuestExportButton: the coordinator finds the export links beside a
// present guest and downloads the JSON and the PDF as attachments; the JSON
// holds that guest and not the other one in the same facility and household;
// a prefecture user is refused.
func TestGuestExportButton(t *testing.T) {
	srv, db := newServer(t)
	ctx := storetest.Ctx()
	facilities, err := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{})
	if err != nil || len(facilities) == 0 {
		t.Fatal("no facility", err)
	}
	var ids []string
	for _, name := range []string{"Zeta-Esporta", "Zeta-Vicina"} {
		g := &domain.Guest{Surname: name, GivenName: "Prova", Sex: domain.SexFemale, Nationality: "ERI", HouseholdID: "H-web",
			BirthDate: time.Date(1990, 5, 5, 0, 0, 0, 0, time.UTC), Stage: domain.StageC3Lodged}
		if err := db.Guests.CreateGuest(ctx, g, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, g.ID, facilities[0].Code, db.Now().Add(-time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	coord := signIn(t, srv.URL, "coordinamento@gesta.example")
	_, page := get(t, coord, srv.URL+"/ospiti?struttura="+facilities[0].Code)
	if !strings.Contains(page, `href="/ospiti/`+ids[0]+`/esportazione.pdf"`) {
		t.Fatalf("no export link for the coordinator:\n%.400s", page)
	}
	resp, body := get(t, coord, srv.URL+"/ospiti/"+ids[0]+"/esportazione.json")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("json: %d %v", resp.StatusCode, resp.Header)
	}
	var exp domain.GuestExport
	if err := json.Unmarshal([]byte(body), &exp); err != nil || exp.Guest.ID != ids[0] {
		t.Fatalf("json: %v %+v", err, exp.Guest)
	}
	if strings.Contains(body, ids[1]) || strings.Contains(body, "Zeta-Vicina") {
		t.Error("the export holds the other guest")
	}
	resp, body = get(t, coord, srv.URL+"/ospiti/"+ids[0]+"/esportazione.pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	pref := signIn(t, srv.URL, "prefettura.bo@gesta.example")
	if resp, _ := get(t, pref, srv.URL+"/ospiti/"+ids[0]+"/esportazione.json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("prefecture: %d, want 403", resp.StatusCode)
	}
	_, page = get(t, pref, srv.URL+"/ospiti?struttura="+facilities[0].Code)
	if strings.Contains(page, "esportazione") {
		t.Error("export links shown to a prefecture user")
	}
}
