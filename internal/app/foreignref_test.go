package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// writeRefs lists every write of the web and the API with the references it
// carries, each walked below with a foreign one swapped in. A write missing
// here fails the matrix: a new one must say what it references, or why its
// references cannot leave the caller's scope.
var writeRefs = map[string]string{
	// Web.
	"POST /strutture":                        "gestore, comune",
	"POST /strutture/{code}":                 "facility, gestore, comune",
	"POST /strutture/{code}/prenotazioni":    "facility",
	"POST /strutture/{code}/blocchi":         "facility",
	"POST /strutture/{code}/recapiti":        "facility",
	"POST /disponibilita/{code}":             "facility",
	"POST /prenotazioni/{id}/rilascio":       "hold",
	"POST /prenotazioni/{id}/conversione":    "hold",
	"POST /importazioni/strutture":           "gestore, comune, facility (rows of the sheet)",
	"POST /importazioni/{id}":                "the import (its rows re-checked)",
	"POST /ospiti/ingressi":                  "facility, household",
	"POST /ospiti/uscite/{id}":               "stay",
	"POST /ospiti/ricerca":                   "- a search, no write",
	"POST /ospiti/elenco":                    "facility",
	"POST /ospiti/elenco/{id}":               "- the preview's own (stored for its author); its facility re-checked by the store",
	"POST /avvisi/{id}/letto":                "notification",
	"POST /segnalazioni":                     "guest (the API twin POST /reports; checked by the store)",
	"POST /segnalazioni/{id}/valutazione":    "report (the API twin POST /reports/{id}/triage)",
	"POST /casi/{id}/stato":                  "case (the API twin POST /cases/{id}/status)",
	"POST /casi/{id}/note":                   "case (the API twin POST /cases/{id}/notes)",
	"POST /casi/{id}/compiti":                "case (the API twin POST /cases/{id}/tasks)",
	"POST /profilo/sessioni/{id}/revoca":     "session",
	"POST /profilo/token/revoca":             "- the caller's own tokens by label",
	"POST /profilo/token":                    "- none",
	"POST /profilo/password":                 "- none",
	"POST /profilo/2fa":                      "- none",
	"POST /profilo/2fa/conferma":             "- none",
	"POST /lang":                             "- none",
	"POST /login":                            "- none",
	"POST /login/codice":                     "- none",
	"POST /logout":                           "- none",
	"POST /admin/utenti":                     "- office, gestore, service: the administrator's scope is the region",
	"POST /admin/utenti/{id}":                "- as above",
	"POST /admin/utenti/{id}/stato":          "- as above",
	"POST /admin/utenti/{id}/password":       "- as above",
	"POST /admin/utenti/{id}/2fa":            "- as above",
	"POST /piani":                            "- the coordinator's, region-wide",
	"POST /piani/{id}/ripartizione":          "- the coordinator's, region-wide",
	"POST /piani/{id}/ripartizione/modifica": "- the coordinator's, region-wide",
	"POST /piani/{id}/pubblicazione":         "- the coordinator's, region-wide",
	"POST /piani/{id}/elenco":                "- the coordinator's, region-wide",
	"POST /piani/{id}/elenco/{list}":         "- the coordinator's, region-wide",
	"POST /piani/{id}/rettifica":             "- the coordinator's, region-wide",
	"POST /piani/{id}/chiusura":              "- the coordinator's, region-wide",
	"POST /piani/{id}/annullamento":          "- the coordinator's, region-wide",
	"POST /chiavi":                           "- the coordinator's, region-wide",
	"POST /piani/{id}/presa-visione":         "- the office is the caller's",
	"POST /piani/{id}/messaggi":              "- the plan, visible to every office",
	"POST /piani/{id}/assegnazione/proposta": "- the caller's own share",
	"POST /piani/{id}/assegnazione":          "facility (the store's PlaceUnits, walked on the API twin)",
	"POST /piani/{id}/partenze":              "province (the store's RecordDeparture, walked on the API twin)",
	"POST /piani/{id}/arrivi":                "- the caller's own share's units",
	"POST /pubblicazioni":                    "- none: the metro area's figures, region-wide (publish is the coordinator's and the admin's)",
	"POST /pubblicazioni/{id}/pubblica":      "- the publication, region-wide (no province scope)",
	"POST /pubblicazioni/sai":                "- comuni of the metro area only (checked against the registry), region-wide figures",

	// Complex cases, continued: each walked by the store's tests or
	// an API twin, as the first case routes above.
	"POST /casi/{id}/compiti/{task}/fatto":       "case, task (the API twin POST /cases/{id}/tasks/{task}/done)",
	"POST /casi/{id}/misure":                     "case (the API twin POST /cases/{id}/measures)",
	"POST /casi/{id}/vulnerabilita":              "case (the API twin POST /cases/{id}/vulnerabilities)",
	"POST /casi/{id}/assegnazione":               "case (the worker is the caller: the API twin POST /cases/{id}/worker)",
	"POST /casi/{id}/invii":                      "case, service (the API twin POST /cases/{id}/referrals)",
	"POST /casi/{id}/accesso-straordinario":      "case (any: that is its point; the API twin POST /cases/{id}/break-glass)",
	"POST /casi/{id}/documenti":                  "case (the store's AttachToCase; walked in internal/store/case_document_test.go)",
	"POST /segnalazioni/{id}/documenti":          "report (only the caller's own, untriaged; the store's AttachToReport)",
	"POST /servizi/invii/{id}/risposta":          "referral (the API twin POST /referrals/{id}/accept|decline)",
	"POST /servizi/invii/{id}/esito":             "referral (the API twin POST /referrals/{id}/outcome)",
	"POST /tavoli":                               "- province: the caller's own (the coordinator's: any, region-wide)",
	"POST /tavoli/{id}/casi":                     "table, case (both in scope, of the same province; internal/store/case_table_test.go)",
	"POST /tavoli/{id}/decisioni":                "table",
	"POST /tavoli/{id}/impegni":                  "table, case (only one the table discussed)",
	"POST /tavoli/{id}/impegni/{followup}/fatto": "table, follow-up (of that table)",

	// API.
	"POST /facilities":                    "gestore, comune",
	"PATCH /facilities/{code}":            "facility, gestore, comune",
	"PUT /facilities/{code}/availability": "facility",
	"POST /facilities/{code}/holds":       "facility",
	"DELETE /holds/{id}":                  "hold",
	"POST /holds/{id}/convert":            "hold",
	"POST /guests":                        "household",
	"POST /guests/search":                 "- a search, no write",
	"POST /stays":                         "guest, facility",
	"POST /households/{id}/stays":         "household, facility",
	"POST /stays/{id}/exit":               "stay",
	"POST /publications":                  "- none: the metro area's figures, region-wide",
	"POST /publications/{id}/publish":     "- the publication, region-wide (no province scope)",
	// Complex cases: the store checks each reference in the write's
	// transaction (internal/store/case_test.go walks them: another entity's
	// guest, another province's report, case or service).
	"POST /reports":                      "guest (present in one of the caller's facilities)",
	"POST /reports/{id}/triage":          "report (the caller's province)",
	"POST /cases":                        "report or guest (the caller's province)",
	"POST /cases/{id}/status":            "case",
	"POST /cases/{id}/worker":            "case, user (of the case's prefecture or the coordination)",
	"POST /cases/{id}/vulnerabilities":   "case (the vulnerability is the case guest's own, from the registry)",
	"POST /cases/{id}/tasks":             "case",
	"POST /cases/{id}/tasks/{task}/done": "case, task (of that case)",
	"POST /cases/{id}/measures":          "case",
	"POST /cases/{id}/notes":             "case",
	"POST /cases/{id}/break-glass":       "case (any: that is its point; flagged and logged)",
	"POST /cases/{id}/referrals":         "case, service (of the case's province)",
	"POST /referrals/{id}/accept":        "referral (to the caller's service)",
	"POST /referrals/{id}/decline":       "referral (to the caller's service)",
	"POST /referrals/{id}/outcome":       "referral (to the caller's service)",
	"POST /inbox/{id}/read":              "notification",
	// Complex cases, continued: the API twins of the pages' writes, the
	// same store methods (TestCaseFilesAPI walks Ferrara's 404 on each).
	"POST /cases/{id}/documents":                   "case (the store's AttachToCase)",
	"POST /reports/{id}/documents":                 "report (only the caller's own, untriaged; the store's AttachToReport)",
	"POST /tables":                                 "- province: the caller's own (the coordinator's: any, region-wide)",
	"POST /tables/{id}/cases":                      "table, case (by id or pseudonym; both in scope, of the same province)",
	"PUT /tables/{id}/decisions":                   "table",
	"POST /tables/{id}/follow-ups":                 "table, case (only one the table discussed)",
	"POST /tables/{id}/follow-ups/{followup}/done": "table, follow-up (of that table)",
	"POST /plans":                                  "- the coordinator's, region-wide",
	"POST /plans/{id}/split":                       "- the coordinator's, region-wide",
	"POST /plans/{id}/split/adjust":                "- the coordinator's, region-wide",
	"POST /plans/{id}/publish":                     "- the coordinator's, region-wide",
	"POST /plans/{id}/close":                       "- the coordinator's, region-wide",
	"POST /plans/{id}/cancel":                      "- the coordinator's, region-wide",
	"POST /plans/{id}/amend":                       "- the coordinator's, region-wide",
	"POST /key-tables":                             "- the coordinator's, region-wide",
	"POST /plans/{id}/acknowledge":                 "- the office is the caller's",
	"POST /plans/{id}/messages":                    "- the plan, visible to every office",
	"POST /plans/{id}/placement/proposal":          "- the caller's own share",
	"POST /plans/{id}/placement":                   "facility",
	"POST /plans/{id}/departures":                  "province",
	"POST /plans/{id}/arrival":                     "- the caller's own share's units",
}

// checkWriteRefsComplete fails when a write of the policy is not in writeRefs.
func checkWriteRefsComplete(t *testing.T) {
	t.Helper()
	for _, policy := range []map[string]string{webPolicy, apiPolicy} {
		for op := range policy {
			if strings.HasPrefix(op, "GET ") {
				continue
			}
			if _, ok := writeRefs[op]; !ok {
				t.Errorf("write %s is not in writeRefs: say which references it carries", op)
			}
		}
	}
}

// refWorld is the demo's Ferrara users (the callers) and objects of Bologna
// (the foreign references), with Ferrara's own for the controls.
type refWorld struct {
	t    *testing.T
	base string
	db   *store.DB

	prefFE, opFE       string       // API tokens
	webPrefFE, webOpFE *http.Client // signed-in web sessions
	feGestore          string       // operatore.fe's managing entity
	feGestore2         string       // another of Ferrara's
	boGestore          string
	feComune, boComune string
	feFacility         string // operatore.fe's, roomy
	boFacility         string
	boHold             string
	boStay             string
	boGuest            string // Bologna's, without an open stay
	boHousehold        string
	boNotification     string
	boSession          string
}

// walkForeignRefs is the matrix's second dimension: for every write, the
// same call with a foreign reference swapped in is refused (404 or 422) and
// changes nothing, while the call with the caller's own reference succeeds.
func walkForeignRefs(t *testing.T, base string, db *store.DB) {
	checkWriteRefsComplete(t)
	w := newRefWorld(t, base, db)

	// The register: a facility handed to another province's managing entity,
	// or moved to another province's comune.
	newFacility := func(gestore, comune string) map[string]any {
		return map[string]any{"name": "Appartamento di prova", "type": "cas_appartamento", "target": "uomini",
			"gestore_id": gestore, "comune": comune, "capacity_contracted": 6, "capacity_active": 6}
	}
	w.refused("POST /facilities: another province's gestore", func() int {
		return w.api("POST", "/facilities", w.prefFE, newFacility(w.boGestore, w.feComune), nil)
	})
	w.refused("POST /facilities: another province's comune", func() int {
		return w.api("POST", "/facilities", w.prefFE, newFacility(w.feGestore, w.boComune), nil)
	})
	w.allowed("POST /facilities: own gestore and comune", http.StatusCreated, func() int {
		return w.api("POST", "/facilities", w.prefFE, newFacility(w.feGestore, w.feComune), nil)
	})
	w.refused("PATCH /facilities/{code}: another province's gestore", func() int {
		return w.api("PATCH", "/facilities/"+w.feFacility, w.prefFE, map[string]any{"gestore_id": w.boGestore}, w.ifMatch(w.feFacility))
	})
	w.refused("PATCH /facilities/{code}: another province's comune", func() int {
		return w.api("PATCH", "/facilities/"+w.feFacility, w.prefFE, map[string]any{"comune": w.boComune}, w.ifMatch(w.feFacility))
	})
	w.refused("PATCH /facilities/{code}: another province's facility", func() int {
		return w.api("PATCH", "/facilities/"+w.boFacility, w.prefFE, map[string]any{"name": "Presa"}, w.ifMatch(w.boFacility))
	})
	w.refused("POST /strutture: another province's gestore", func() int {
		return w.web(w.webPrefFE, "/strutture", w.facilityForm(domain.Facility{}, w.boGestore, w.feComune))
	})
	w.refused("POST /strutture: another province's comune", func() int {
		return w.web(w.webPrefFE, "/strutture", w.facilityForm(domain.Facility{}, w.feGestore, w.boComune))
	})
	fe := w.facility(w.feFacility)
	w.refused("POST /strutture/{code}: another province's gestore (the replayed form)", func() int {
		return w.web(w.webPrefFE, "/strutture/"+fe.Code, w.facilityForm(fe, w.boGestore, fe.ComuneCode))
	})
	w.refused("POST /strutture/{code}: another province's comune", func() int {
		return w.web(w.webPrefFE, "/strutture/"+fe.Code, w.facilityForm(fe, fe.GestoreID, w.boComune))
	})
	bo := w.facility(w.boFacility)
	w.refused("POST /strutture/{code}: another province's facility", func() int {
		return w.web(w.webPrefFE, "/strutture/"+bo.Code, w.facilityForm(bo, bo.GestoreID, bo.ComuneCode))
	})
	w.allowed("POST /strutture/{code}: another of the province's gestori", http.StatusSeeOther, func() int {
		return w.web(w.webPrefFE, "/strutture/"+fe.Code, w.facilityForm(fe, w.feGestore2, fe.ComuneCode))
	})
	w.allowed("PATCH /facilities/{code}: back to its gestore", http.StatusOK, func() int {
		return w.api("PATCH", "/facilities/"+w.feFacility, w.prefFE, map[string]any{"gestore_id": w.feGestore}, w.ifMatch(w.feFacility))
	})
	w.refused("POST /importazioni/strutture + apply: another province's gestore", func() int {
		return w.importSheet("Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi\n" +
			"Casa di prova;cas_appartamento;uomini;" + w.gestoreTaxCode(w.boGestore) + ";" + w.feComune + ";5;5\n")
	})
	w.refused("POST /importazioni/strutture + apply: another province's facility", func() int {
		return w.importSheet("Codice;Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi\n" +
			bo.Code + ";Presa;" + string(bo.Type) + ";" + string(bo.Target) + ";" + w.gestoreTaxCode(w.feGestore) + ";" +
			w.feComune + ";5;5\n")
	})

	// The ledger of another province's facility, and its holds.
	w.refused("PUT /facilities/{code}/availability: another province's facility", func() int {
		return w.api("PUT", "/facilities/"+w.boFacility+"/availability", w.opFE, map[string]any{"occupied": 1}, w.ifMatch(w.boFacility))
	})
	w.refused("POST /facilities/{code}/holds: another province's facility", func() int {
		return w.api("POST", "/facilities/"+w.boFacility+"/holds", w.prefFE, map[string]any{"places": 1,
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "reason": "prova"}, nil)
	})
	w.refused("DELETE /holds/{id}: another province's hold", func() int {
		return w.api("DELETE", "/holds/"+w.boHold, w.prefFE, nil, nil)
	})
	w.refused("POST /holds/{id}/convert: another province's hold", func() int {
		return w.api("POST", "/holds/"+w.boHold+"/convert", w.prefFE, nil, nil)
	})
	w.refused("POST /strutture/{code}/prenotazioni: another province's facility", func() int {
		return w.web(w.webPrefFE, "/strutture/"+w.boFacility+"/prenotazioni", url.Values{"places": {"1"}, "hours": {"2"}, "reason": {"prova"}})
	})
	w.refused("POST /strutture/{code}/blocchi: another province's facility", func() int {
		return w.web(w.webPrefFE, "/strutture/"+w.boFacility+"/blocchi", url.Values{"places": {"1"}, "reason": {"lavori"}})
	})
	w.refused("POST /strutture/{code}/recapiti: another province's facility", func() int {
		return w.web(w.webOpFE, "/strutture/"+w.boFacility+"/recapiti", url.Values{"version": {strconv.Itoa(bo.Version)},
			"contact_name": {"Presa"}})
	})
	w.refused("POST /disponibilita/{code}: another province's facility", func() int {
		return w.web(w.webOpFE, "/disponibilita/"+w.boFacility, url.Values{"version": {strconv.Itoa(bo.Version)}, "occupied": {"1"}})
	})
	w.refused("POST /prenotazioni/{id}/rilascio: another province's hold", func() int {
		return w.web(w.webPrefFE, "/prenotazioni/"+w.boHold+"/rilascio", url.Values{})
	})
	w.refused("POST /prenotazioni/{id}/conversione: another province's hold", func() int {
		return w.web(w.webPrefFE, "/prenotazioni/"+w.boHold+"/conversione", url.Values{})
	})

	// The registry: households, guests and stays of another province.
	guest := func(household string) map[string]any {
		g := map[string]any{"surname": "Prova", "given_name": "Nuovo", "sex": "M", "birth_date": "1990-01-01",
			"nationality": "NGA", "arrival_channel": "sea", "stage": string(domain.StageToFormalise)}
		if household != "" {
			g["household_id"], g["household_role"] = household, "other"
		}
		return g
	}
	w.refused("POST /guests: another province's household", func() int {
		return w.api("POST", "/guests", w.opFE, guest(w.boHousehold), nil)
	})
	feHousehold := "nucleo-fe-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var first, second struct {
		ID string `json:"id"`
	}
	w.allowed("POST /guests: a new household", http.StatusCreated, func() int {
		return w.apiOut("POST", "/guests", w.opFE, guest(feHousehold), nil, &first)
	})
	w.allowed("POST /guests: joining the caller's household", http.StatusCreated, func() int {
		return w.apiOut("POST", "/guests", w.opFE, guest(feHousehold), nil, &second)
	})
	entry := func(guestID, facility string) map[string]any {
		return map[string]any{"guest_id": guestID, "facility": facility, "entered_at": time.Now().UTC().Format(time.RFC3339)}
	}
	w.refused("POST /stays: another province's guest", func() int {
		return w.api("POST", "/stays", w.opFE, entry(w.boGuest, w.feFacility), nil)
	})
	w.refused("POST /stays: another province's facility", func() int {
		return w.api("POST", "/stays", w.opFE, entry(first.ID, w.boFacility), nil)
	})
	hhEntry := map[string]any{"facility": w.feFacility, "entered_at": time.Now().UTC().Format(time.RFC3339)}
	w.refused("POST /households/{id}/stays: another province's household", func() int {
		return w.api("POST", "/households/"+w.boHousehold+"/stays", w.opFE, hhEntry, nil)
	})
	w.refused("POST /households/{id}/stays: another province's facility", func() int {
		return w.api("POST", "/households/"+feHousehold+"/stays", w.opFE,
			map[string]any{"facility": w.boFacility, "entered_at": time.Now().UTC().Format(time.RFC3339)}, nil)
	})
	// A household with a member the caller cannot see (registered by the
	// system here) is judged whole: not found, nobody enters.
	mixed := "nucleo-misto-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var mine struct {
		ID string `json:"id"`
	}
	w.allowed("POST /guests: a household's first member", http.StatusCreated, func() int {
		return w.apiOut("POST", "/guests", w.opFE, guest(mixed), nil, &mine)
	})
	stranger := domain.Guest{Surname: "Estraneo", GivenName: "Membro", Sex: "F", BirthDate: time.Date(1992, 3, 1, 0, 0, 0, 0, time.UTC),
		Nationality: "NGA", HouseholdID: mixed, HouseholdRole: "partner", ArrivalChannel: "sea", Stage: domain.StageToFormalise}
	if err := db.Guests.CreateGuest(storetest.Ctx(), &stranger, nil); err != nil {
		t.Fatal(err)
	}
	w.refused("POST /households/{id}/stays: a household with a member out of scope", func() int {
		return w.api("POST", "/households/"+mixed+"/stays", w.opFE, hhEntry, nil)
	})
	w.allowed("POST /households/{id}/stays: the caller's household", http.StatusCreated, func() int {
		return w.api("POST", "/households/"+feHousehold+"/stays", w.opFE, hhEntry, nil)
	})
	w.refused("POST /stays/{id}/exit: another province's stay", func() int {
		return w.api("POST", "/stays/"+w.boStay+"/exit", w.opFE, map[string]any{"exited_at": time.Now().UTC().Format(time.RFC3339),
			"exit_reason": domain.ExitReasons[0]}, nil)
	})
	// Complex cases: a report or a case on another province's guest.
	report := map[string]any{"guest_id": w.boGuest, "category": "salute", "urgency": "urgente", "description": "prova"}
	w.refused("POST /reports: another province's guest", func() int {
		return w.api("POST", "/reports", w.opFE, report, nil)
	})
	w.refused("POST /segnalazioni: another province's guest", func() int {
		return w.web(w.webOpFE, "/segnalazioni", url.Values{"guest_id": {w.boGuest}, "category": {"salute"},
			"urgency": {"urgente"}, "description": {"prova"}})
	})
	w.refused("POST /cases: another province's guest", func() int {
		return w.api("POST", "/cases", w.prefFE, map[string]any{"guest_id": w.boGuest}, nil)
	})
	w.refused("POST /ospiti/ingressi: another province's facility (the new guest is not kept either)", func() int {
		return w.web(w.webOpFE, "/ospiti/ingressi", url.Values{"surname": {"Prova"}, "given_name": {"Ingresso"}, "sex": {"M"},
			"birth_date": {"1995-05-05"}, "nationality": {"NGA"}, "stage": {string(domain.StageToFormalise)},
			"facility": {w.boFacility}, "entered_at": {time.Now().In(rome).Format("2006-01-02T15:04")}})
	})
	w.refused("POST /ospiti/uscite/{id}: another province's stay", func() int {
		return w.web(w.webOpFE, "/ospiti/uscite/"+w.boStay, url.Values{"reason": {domain.ExitReasons[0]},
			"exited_at": {time.Now().In(rome).Format("2006-01-02T15:04")}})
	})
	w.refused("POST /ospiti/elenco: another province's facility", func() int {
		return w.upload(w.webOpFE, "/ospiti/elenco", map[string]string{"facility": w.boFacility}, "elenco.csv",
			"Cognome;Nome;Sesso;Data di nascita;Nazionalità;Data ingresso\nProva;Elenco;M;01/01/1990;Nigeria;01/11/2026\n")
	})

	// Plans: Ferrara places its share in Bologna's facilities, or records a
	// departure to Bologna.
	planID := w.publishedPlan()
	var prop struct {
		Assignments []map[string]any `json:"assignments"`
	}
	if s := w.apiOut("POST", "/plans/"+planID+"/placement/proposal", w.prefFE, nil, nil, &prop); s != http.StatusOK || len(prop.Assignments) == 0 {
		t.Fatalf("placement proposal: %d %+v", s, prop)
	}
	foreign := make([]map[string]any, len(prop.Assignments))
	for i, a := range prop.Assignments {
		foreign[i] = map[string]any{"unit": a["unit"], "facility": w.boFacility}
	}
	w.refused("POST /plans/{id}/placement: another province's facility", func() int {
		return w.api("POST", "/plans/"+planID+"/placement", w.prefFE, map[string]any{"assignments": foreign}, nil)
	})
	w.allowed("POST /plans/{id}/placement: the proposal", http.StatusOK, func() int {
		return w.api("POST", "/plans/"+planID+"/placement", w.prefFE, map[string]any{"assignments": prop.Assignments}, nil)
	})
	w.refused("POST /plans/{id}/departures: to another province", func() int {
		return w.api("POST", "/plans/"+planID+"/departures", w.prefFE, map[string]any{"province": "037", "vehicle": "pullman",
			"headcount": 1}, nil)
	})

	// What belongs to another user.
	w.refused("POST /inbox/{id}/read: another user's notification", func() int {
		return w.api("POST", "/inbox/"+w.boNotification+"/read", w.prefFE, nil, nil)
	})
	w.refused("POST /avvisi/{id}/letto: another user's notification", func() int {
		return w.web(w.webPrefFE, "/avvisi/"+w.boNotification+"/letto", url.Values{})
	})
	w.refused("POST /profilo/sessioni/{id}/revoca: another user's session", func() int {
		return w.web(w.webPrefFE, "/profilo/sessioni/"+w.boSession+"/revoca", url.Values{})
	})
}

var rome, _ = time.LoadLocation("Europe/Rome")

func newRefWorld(t *testing.T, base string, db *store.DB) *refWorld {
	ctx := storetest.Ctx()
	w := &refWorld{t: t, base: base, db: db, feComune: "038008", boComune: "037006"}
	actor := func(email string) domain.Actor {
		c, err := db.Users.Credentials(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return c.Actor
	}
	token := func(email string) string {
		tok, _, err := (&auth.Service{Store: db.Users}).CreateToken(ctx, actor(email).UserID, "riferimenti")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	w.prefFE, w.opFE = token("prefettura.fe@gesta.example"), token("operatore.fe@gesta.example")
	w.webPrefFE, w.webOpFE = signIn(t, base, "prefettura.fe@gesta.example"), signIn(t, base, "operatore.fe@gesta.example")
	w.feGestore = actor("operatore.fe@gesta.example").GestoreID
	for _, p := range []struct {
		code string
		into *string
	}{{"038", &w.feGestore2}, {"037", &w.boGestore}} {
		gs, err := db.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: p.code})
		if err != nil || len(gs) < 2 {
			t.Fatalf("gestori of %s: %v %d", p.code, err, len(gs))
		}
		for _, g := range gs {
			if g.ID != w.feGestore {
				*p.into = g.ID
				break
			}
		}
	}
	w.feFacility = roomyFacility(t, db, "038", "operatore.fe@gesta.example")
	w.boFacility = roomyFacility(t, db, "037", "")

	// Bologna's objects, made by Bologna's prefecture.
	boCtx := domain.NewContextWithActor(context.Background(), actor("prefettura.bo@gesta.example"))
	h, err := db.Facilities.Hold(boCtx, w.boFacility, 1, time.Now().Add(2*time.Hour), "riferimenti")
	if err != nil {
		t.Fatal(err)
	}
	w.boHold = h.ID
	mk := func(household string) domain.Guest {
		g := domain.Guest{Surname: "Bolognese", GivenName: "Ospite", Sex: "M", BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
			Nationality: "GMB", HouseholdID: household, HouseholdRole: "other", ArrivalChannel: "sea", Stage: domain.StageToFormalise}
		if household != "" {
			g.HouseholdRole = "head"
		}
		if err := db.Guests.CreateGuest(boCtx, &g, nil); err != nil {
			t.Fatal(err)
		}
		return g
	}
	present := mk("")
	st, err := db.Guests.RecordEntry(boCtx, present.ID, w.boFacility, time.Now().Add(-time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	w.boStay, w.boGuest = st.ID, mk("").ID
	w.boHousehold = "nucleo-bo-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	mk(w.boHousehold)
	sessions, err := db.Users.ListSessions(domain.NewContextWithActor(context.Background(), actor("prefettura.bo@gesta.example")), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) == 0 {
		signIn(t, base, "prefettura.bo@gesta.example")
		sessions, _ = db.Users.ListSessions(domain.NewContextWithActor(context.Background(), actor("prefettura.bo@gesta.example")), "")
	}
	if len(sessions) == 0 {
		t.Fatal("no session of Bologna's prefecture")
	}
	w.boSession = sessions[0].ID
	return w
}

// publishedPlan announces, splits and publishes a plan as the coordinator
// (region-wide), acknowledged by Ferrara, and leaves Bologna's notification
// of it in boNotification.
func (w *refWorld) publishedPlan() string {
	t := w.t
	ctx := storetest.Ctx()
	c, _ := w.db.Users.Credentials(ctx, "coordinamento@gesta.example")
	coord, _, err := (&auth.Service{Store: w.db.Users}).CreateToken(ctx, c.Actor.UserID, "riferimenti")
	if err != nil {
		t.Fatal(err)
	}
	var units []map[string]any
	for i := 1; i <= 60; i++ {
		units = append(units, map[string]any{"id": fmt.Sprintf("u%d", i), "size": 1, "group": "uomini"})
	}
	var p struct {
		ID string `json:"id"`
	}
	if s := w.apiOut("POST", "/plans", coord, map[string]any{"reference": "Riferimenti", "origin": "Ravenna",
		"expected_at": time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339), "units": units}, nil, &p); s != http.StatusCreated {
		t.Fatalf("plan: %d", s)
	}
	for _, step := range []string{"split", "publish"} {
		if s := w.api("POST", "/plans/"+p.ID+"/"+step, coord, nil, nil); s != http.StatusOK {
			t.Fatalf("plan %s: %d", step, s)
		}
	}
	if s := w.api("POST", "/plans/"+p.ID+"/acknowledge", w.prefFE, nil, nil); s != http.StatusOK {
		t.Fatalf("acknowledge: %d", s)
	}
	bo, _ := w.db.Users.Credentials(ctx, "prefettura.bo@gesta.example")
	inbox, err := w.db.Plans.Inbox(domain.NewContextWithActor(context.Background(), bo.Actor), 10)
	if err != nil || len(inbox) == 0 {
		t.Fatalf("Bologna's inbox: %v %d", err, len(inbox))
	}
	w.boNotification = inbox[0].ID
	return p.ID
}

func signIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {demo.DemoPassword}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %v %v", email, resp.StatusCode, err)
	}
	resp.Body.Close()
	return c
}

// refused runs a call with a foreign reference: 404 or 422, and nothing of
// the database's state changed.
func (w *refWorld) refused(name string, call func() int) {
	w.t.Helper()
	before := w.fingerprint()
	status := call()
	if status != http.StatusNotFound && status != http.StatusUnprocessableEntity {
		w.t.Errorf("%s: %d, want 404 or 422", name, status)
	}
	if after := w.fingerprint(); after != before {
		w.t.Errorf("%s: the state changed\n before %s\n after  %s", name, before, after)
	}
}

// allowed runs the control: the same call with the caller's own reference.
func (w *refWorld) allowed(name string, want int, call func() int) {
	w.t.Helper()
	if status := call(); status != want {
		w.t.Errorf("%s: %d, want %d", name, status, want)
	}
}

// fingerprint summarises what a write could change: the users' audit rows
// (every write appends one in its transaction) and the tables the walk's
// writes touch. Background jobs write as the system and touch none of them.
func (w *refWorld) fingerprint() string {
	var out string
	err := w.db.ReadTx(storetest.Ctx(), func(tx *store.Tx) error {
		for _, q := range []string{
			`SELECT COUNT(*) FROM audit_log WHERE actor NOT IN ('system', 'cli', 'scheduler', 'demo')`,
			`SELECT COUNT(*) FROM facilities`, `SELECT COALESCE(SUM(version), 0) FROM facilities`,
			`SELECT COUNT(*) FROM guests`, `SELECT COUNT(*) FROM stays`, `SELECT COUNT(*) FROM stays WHERE exited_at IS NULL`,
			`SELECT COUNT(*) FROM holds WHERE status = 'active'`, `SELECT COUNT(*) FROM facility_blocks`,
			`SELECT COUNT(*) FROM notifications WHERE read_at IS NULL`, `SELECT COUNT(*) FROM sessions`,
			`SELECT COUNT(*) FROM plan_units WHERE facility_id IS NOT NULL`, `SELECT COUNT(*) FROM plan_transports`,
			`SELECT COUNT(*) FROM imports WHERE applied_at IS NOT NULL`,
			`SELECT COUNT(*) FROM case_reports`, `SELECT COUNT(*) FROM cases`, `SELECT COUNT(*) FROM referrals`,
		} {
			var n int64
			if err := tx.QueryRowContext(storetest.Ctx(), q).Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			out += strconv.FormatInt(n, 10) + " "
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *refWorld) api(method, path, token string, body any, headers map[string]string) int {
	return w.apiOut(method, path, token, body, headers, nil)
}

func (w *refWorld) apiOut(method, path, token string, body any, headers map[string]string, out any) int {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.base+"/api/v1"+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

func (w *refWorld) web(c *http.Client, path string, form url.Values) int {
	w.t.Helper()
	resp, err := c.PostForm(w.base+path, form)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// upload posts a multipart form with one file and answers status and body.
func (w *refWorld) uploadBody(c *http.Client, path string, fields map[string]string, name, content string) (int, string) {
	w.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", w.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (w *refWorld) upload(c *http.Client, path string, fields map[string]string, name, content string) int {
	s, _ := w.uploadBody(c, path, fields, name, content)
	return s
}

var importID = regexp.MustCompile(`/importazioni/([0-9a-f-]{36})`)

// importSheet uploads a facility sheet as Ferrara's prefecture and applies
// it, answering the apply's status (the preview itself changes nothing).
func (w *refWorld) importSheet(csv string) int {
	w.t.Helper()
	status, body := w.uploadBody(w.webPrefFE, "/importazioni/strutture", nil, "strutture.csv", csv)
	m := importID.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		if status >= 400 && status < 500 {
			return status
		}
		w.t.Fatalf("import preview: %d, no import to apply", status)
	}
	return w.web(w.webPrefFE, "/importazioni/"+m[1], url.Values{})
}

func (w *refWorld) facility(code string) domain.Facility {
	f, err := w.db.Facilities.FindFacility(storetest.Ctx(), code)
	if err != nil {
		w.t.Fatal(err)
	}
	return f
}

func (w *refWorld) ifMatch(code string) map[string]string {
	return map[string]string{"If-Match": `"` + strconv.Itoa(w.facility(code).Version) + `"`}
}

func (w *refWorld) gestoreTaxCode(id string) string {
	var tax string
	err := w.db.ReadTx(storetest.Ctx(), func(tx *store.Tx) error {
		return tx.QueryRowContext(storetest.Ctx(), `SELECT tax_code FROM gestori WHERE id = $1`, id).Scan(&tax)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return tax
}

// facilityForm is the register form as the edit page posts it, with the
// managing entity and comune given.
func (w *refWorld) facilityForm(f domain.Facility, gestore, comune string) url.Values {
	if f.Name == "" {
		f = domain.Facility{Name: "Casa di prova", Type: domain.TypeCASAppartamento, Target: domain.TargetMen,
			Contracted: 5, Active: 5, Status: domain.StatusActive}
	}
	v := url.Values{"name": {f.Name}, "type": {string(f.Type)}, "target": {string(f.Target)}, "gestore_id": {gestore},
		"comune": {comune}, "address": {f.Address}, "contracted": {strconv.Itoa(f.Contracted)},
		"active": {strconv.Itoa(f.Active)}, "status": {string(f.Status)}, "version": {strconv.Itoa(f.Version)}}
	for _, x := range f.Features {
		v.Add("features", x)
	}
	return v
}
