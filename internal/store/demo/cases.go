package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
)

// Demo complex cases: in three provinces, four reports each about guests
// present in the demo operator's facilities — one left to triage, one closed,
// one case in assessment with a task and a note, one taken in charge with an
// art. 23 suspension and a referral to the province's mental-health service,
// under consent, accepted. Fictitious and deterministic (the guests are the
// first present adults by facility and surname); sealed, so only with a key.
// Documents and a network table: case_extras.go.
func loadCases(ctx context.Context, db *store.DB) error {
	cs := store.NewCaseService(db)
	as := func(email string) (context.Context, domain.Actor, error) {
		c, err := db.Users.Credentials(ctx, email+"@"+demoEmailDomain)
		if err != nil {
			return nil, domain.Actor{}, fmt.Errorf("demo cases: %s: %w", email, err)
		}
		return domain.NewContextWithActor(context.Background(), c.Actor), c.Actor, nil
	}
	day := db.Now().UTC().Truncate(24 * time.Hour)
	for _, sigla := range []string{"bo", "mo", "ra"} {
		op, _, err := as("operatore." + sigla)
		if err != nil {
			return err
		}
		pref, prefActor, err := as("prefettura." + sigla)
		if err != nil {
			return err
		}
		svc, svcActor, err := as("servizio." + sigla)
		if err != nil {
			return err
		}
		all, _, err := db.Guests.SearchPresent(op, domain.PresentFilter{Limit: 50})
		if err != nil {
			return err
		}
		// Unaccompanied minors' cases are restricted (the coordinator's): not
		// for the province's demo user.
		var present []domain.PresentGuest
		for _, p := range all {
			if !p.Guest.MSNA && len(present) < 4 {
				present = append(present, p)
			}
		}
		if len(present) < 4 {
			continue
		}
		file := func(i int, category, urgency, text string) (string, error) {
			r := &domain.Report{GuestID: present[i].Guest.ID, Category: category, Urgency: urgency, Description: text}
			return r.ID, cs.FileReport(op, r)
		}
		// 1: in assessment, with a task and a note.
		id, err := file(0, "salute", domain.UrgencyOrdinary, "L'ospite riferisce dolori addominali ricorrenti da due settimane; non ha ancora il medico di base.")
		if err != nil {
			return err
		}
		caseID, err := cs.TriageReport(pref, id, domain.TriageOpen, "")
		if err != nil {
			return err
		}
		assessment := caseID
		if err := cs.AssignWorker(pref, caseID, prefActor.UserID); err != nil {
			return err
		}
		if err := cs.SetStatus(pref, caseID, domain.CaseAssessment, 0); err != nil {
			return err
		}
		if _, err := cs.AddTask(pref, caseID, "Verificare l'iscrizione al Servizio sanitario e la scelta del medico", day.AddDate(0, 0, 5)); err != nil {
			return err
		}
		if _, err := cs.AddNote(pref, caseID, "Sentito l'ente gestore: accompagnamento al CUP previsto in settimana."); err != nil {
			return err
		}
		// 2: taken in charge, with a measure and an accepted referral.
		if id, err = file(1, "comportamento_aggressivo", domain.UrgencyUrgent, "Episodio di forte agitazione in mensa, con danni a un tavolo; nessun ferito. L'ospite riferisce insonnia."); err != nil {
			return err
		}
		if caseID, err = cs.TriageReport(pref, id, domain.TriageOpen, ""); err != nil {
			return err
		}
		for _, st := range []domain.CaseStatus{domain.CaseAssessment, domain.CaseTakenIn} {
			if err := cs.SetStatus(pref, caseID, st, 0); err != nil {
				return err
			}
		}
		if err := cs.AddMeasure(pref, caseID, &domain.Measure{Kind: domain.MeasureSuspension, DecidedOn: day.AddDate(0, 0, -3),
			DurationDays: 30, Reason: "Danneggiamento doloso di arredi della struttura (art. 23 c.2 lett. c)."}); err != nil {
			return err
		}
		refID, err := cs.Refer(pref, caseID, domain.ReferralRequest{ServiceID: svcActor.ServiceID,
			Reason: "Valutazione psichiatrica per disturbi del sonno e agitazione.",
			Consent: &domain.Consent{Given: true, Date: day.AddDate(0, 0, -2), RecordedBy: "operatrice legale della struttura",
				Purpose: "valutazione e presa in carico", Sections: []string{domain.SectionIdentity, domain.SectionReports}}})
		if err != nil {
			return err
		}
		if err := cs.AnswerReferral(svc, refID, true, "Primo colloquio fissato con mediatore linguistico."); err != nil {
			return err
		}
		extra := caseExtras{province: sigla, pref: pref, op: op, assessment: "", takenIn: caseID}
		// 3: closed by triage. 4: left to triage.
		if id, err = file(2, "conflitto", domain.UrgencyOrdinary, "Discussione tra due ospiti per i turni di pulizia, chiarita dall'operatore."); err != nil {
			return err
		}
		if _, err := cs.TriageReport(pref, id, domain.TriageClose, "Situazione risolta in struttura, nessun intervento necessario."); err != nil {
			return err
		}
		if extra.pending, err = file(3, "disagio_psichico", domain.UrgencyUrgent, "L'ospite non esce dalla stanza da tre giorni e rifiuta i pasti."); err != nil {
			return err
		}
		extra.assessment = assessment
		if err := loadCaseExtras(ctx, db, extra, day); err != nil {
			return fmt.Errorf("demo cases (%s): %w", sigla, err)
		}
	}
	return nil
}
