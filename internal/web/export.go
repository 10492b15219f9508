package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/sheet"
	"github.com/gesta-er/gesta/internal/territory"
)

// sendTable writes a table as a download, CSV or XLSX by the path's extension.
func (s *Server) sendTable(w http.ResponseWriter, r *http.Request, name string, t sheet.Table) {
	ext := "csv"
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		ext = "xlsx"
	}
	filename := fmt.Sprintf("%s-%s.%s", name, t.RefTime.In(rome).Format("20060102-1504"), ext)
	setAttachment(w, filename)
	var err error
	if ext == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = sheet.WriteXLSX(w, t)
	} else {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err = sheet.WriteCSV(w, t)
	}
	if err != nil {
		s.Logger.Error("web: export", "err", err, "request_id", RequestID(r.Context()))
	}
	s.Logger.Info("export", "what", name, "format", ext, "rows", len(t.Rows), "request_id", RequestID(r.Context()))
}

func (s *Server) handleBoardExport(w http.ResponseWriter, r *http.Request) {
	b, err := s.Facilities.Board(r.Context(), facilityFilter(r.URL.Query()))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	t := sheet.Table{Title: s.t(r, "board.title"), RefTime: b.At, Source: territory.Attribution,
		Headers: []string{"provincia", "destinatari", "strutture", "posti_attivi", "bloccati", "occupati", "prenotati", "liberi", "da_confermare"}}
	for _, row := range append(b.Rows, b.Totals) {
		sigla, target := row.Sigla, string(row.Target)
		if row.ProvinceCode == "" {
			sigla, target = "TOTALE", ""
		}
		t.Rows = append(t.Rows, []any{sigla, target, row.Facilities, row.Active, row.Blocked, row.Occupied, row.Held, row.Free, row.Stale})
	}
	s.sendTable(w, r, "bollettino-posti-liberi", t)
}

func (s *Server) handleFacilitiesExport(w http.ResponseWriter, r *http.Request) {
	fs, err := s.Facilities.ListFacilities(r.Context(), facilityFilter(r.URL.Query()))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	b, err := s.Facilities.Board(r.Context(), domain.FacilityFilter{})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	t := sheet.Table{Title: s.t(r, "facilities.title"), RefTime: b.At, Source: territory.Attribution,
		Headers: []string{"codice", "nome", "tipologia", "destinatari", "ente_gestore", "provincia", "comune_istat", "comune",
			"posti_contrattualizzati", "posti_attivi", "bloccati", "occupati", "prenotati", "liberi", "stato",
			"confermata_il", "confermata_da", "da_confermare"}}
	for _, f := range fs {
		stale := "no"
		if f.Stale {
			stale = "si"
		}
		t.Rows = append(t.Rows, []any{f.Code, f.Name, string(f.Type), string(f.Target), f.GestoreName, f.ProvinceCode,
			f.ComuneCode, f.ComuneName, f.Contracted, f.Active, f.Blocked, f.Occupied, f.Held, f.Free, string(f.Status),
			f.ConfirmedAt, f.ConfirmedBy, stale})
	}
	s.sendTable(w, r, "strutture", t)
}
