// Package opendata describes the public site's datasets in DCAT-AP_IT (the
// Italian profile of DCAT-AP, PUBLIC-SITE.md §1.5) and renders the catalogue
// as JSON-LD (catalogo.jsonld) and Turtle (catalogo.ttl) for harvesting by
// dati.gov.it.
//
// Pure Go: the datasets' metadata (titles and descriptions in Italian and
// English, keywords, themes) are a table here; the web layer supplies the
// base URL and the dates. The URL scheme of the datasets' pages and files is
// fixed here too (LandingURL, FileURL), so that the catalogue and the routes
// cannot drift apart.
package opendata

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Vocabularies.
const (
	nsDCAT     = "http://www.w3.org/ns/dcat#"
	nsDCATAPIT = "http://dati.gov.it/onto/dcatapit#"
	nsDCT      = "http://purl.org/dc/terms/"
	nsFOAF     = "http://xmlns.com/foaf/0.1/"
	nsVCARD    = "http://www.w3.org/2006/vcard/ns#"
	nsSKOS     = "http://www.w3.org/2004/02/skos/core#"
	nsXSD      = "http://www.w3.org/2001/XMLSchema#"
	nsLOCN     = "http://www.w3.org/ns/locn#"

	euAuthority = "http://publications.europa.eu/resource/authority/"
	themeScheme = euAuthority + "data-theme"
	freqScheme  = euAuthority + "frequency"
	fileScheme  = euAuthority + "file-type"
	langScheme  = euAuthority + "language"

	// LicenseURI is CC BY 4.0, the licence of every dataset (AgID open-data
	// guidelines, req. 20).
	LicenseURI        = "https://creativecommons.org/licenses/by/4.0/"
	licenceTypeScheme = "http://purl.org/adms/licencetype/1.0"
	licenceTypeAttrib = "http://purl.org/adms/licencetype/Attribution"
	mediaTypes        = "http://www.iana.org/assignments/media-types/"
)

// Publisher is the organisation that publishes the data and holds the rights.
type Publisher struct {
	Name     string // Italian name
	IPA      string // code in the Indice delle Pubbliche Amministrazioni
	Homepage string
	Email    string // contact point
}

// DefaultPublisher is the Prefecture of Bologna, without a contact e-mail
// (the web layer sets it from configuration: the catalogue refuses to be
// built without one). The IPA code is the Ministry of the Interior's, "m_it"
// (PUBLIC-SITE.md §1.5 marks it unverified): check it, and the organisational
// unit, with the Prefecture before harvesting starts.
var DefaultPublisher = Publisher{
	Name:     "Prefettura - Ufficio territoriale del Governo di Bologna",
	IPA:      "m_it",
	Homepage: "https://www.prefettura.it/bologna/",
}

// Dates are one dataset's dates, from its latest published publication.
type Dates struct {
	Modified time.Time // last publication of the dataset
	Latest   time.Time // reference date of the files the download URLs point to
	Start    time.Time // temporal coverage: first reference date
	End      time.Time // and last
}

// Input is what the web layer supplies.
type Input struct {
	BaseURL   string // absolute, e.g. https://accoglienza.example.it
	Publisher Publisher
	Issued    time.Time        // first publication of the catalogue
	Modified  time.Time        // last change of the catalogue
	Dates     map[string]Dates // per dataset identifier; every dataset described
	// Only names the datasets to describe (those the site serves so far);
	// empty: every one of Datasets.
	Only []string
}

// Dataset is one dataset's fixed metadata.
type Dataset struct {
	ID            string
	TitleIT       string
	TitleEN       string
	DescriptionIT string
	DescriptionEN string
	KeywordsIT    []string
	KeywordsEN    []string
	Themes        []string // EU data themes (codes of the data-theme authority table)
	Source        string   // attribution of third-party data, if any
}

// Datasets are the public site's datasets; their identifiers and
// columns are a contract with re-users.
var Datasets = []Dataset{
	{
		ID:      "presenze-comuni",
		TitleIT: "Persone accolte nei CAS per comune della Città metropolitana di Bologna",
		TitleEN: "People hosted in CAS by municipality, Metropolitan City of Bologna",
		DescriptionIT: "Persone presenti nei centri di accoglienza straordinaria (CAS) alla data di riferimento, " +
			"per ciascuno dei 55 comuni e per il totale metropolitano, con i residenti e il tasso per 1.000 " +
			"residenti. Valori protetti dal controllo della riservatezza statistica: conteggi arrotondati a " +
			"multipli di 5, valori inferiori a 5 non pubblicati (stato \"soppresso\").",
		DescriptionEN: "People present in extraordinary reception centres (CAS) at the reference date, for " +
			"each of the 55 municipalities and the metropolitan total, with residents and the rate per 1,000 " +
			"residents. Figures protected by statistical disclosure control: counts rounded to multiples of 5, " +
			"values below 5 not published (status \"soppresso\").",
		KeywordsIT: []string{"accoglienza", "richiedenti asilo", "CAS", "comuni", "Bologna"},
		KeywordsEN: []string{"reception", "asylum seekers", "municipalities"},
		Themes:     []string{"SOCI", "GOVE", "REGI"},
	},
	{
		ID:      "presenze-profilo",
		TitleIT: "Persone accolte nei CAS per sesso, età, cittadinanza, tipo di nucleo, struttura e fase della procedura",
		TitleEN: "People hosted in CAS by sex, age, citizenship, household, facility type and procedure stage",
		DescriptionIT: "Profilo delle persone presenti nei CAS della Città metropolitana di Bologna alla data di " +
			"riferimento: una riga per categoria di ciascuna dimensione (sesso, classe di età, cittadinanza " +
			"per i primi 10 paesi, tipo di nucleo, tipo di struttura, fase della procedura di protezione " +
			"internazionale). Valori protetti: arrotondati a multipli di 5; soglia 5, 10 per i minori.",
		DescriptionEN: "Profile of the people present in CAS in the Metropolitan City of Bologna at the " +
			"reference date: one row per category of each dimension (sex, age band, citizenship for the top 10 " +
			"countries, household type, facility type, stage of the international protection procedure). " +
			"Protected figures: rounded to multiples of 5; threshold 5, 10 for minors.",
		KeywordsIT: []string{"accoglienza", "richiedenti asilo", "cittadinanza", "età", "genere"},
		KeywordsEN: []string{"reception", "asylum seekers", "citizenship", "age", "sex"},
		Themes:     []string{"SOCI", "GOVE"},
	},
	{
		ID:      "presenze-mensili",
		TitleIT: "Presenze, ingressi e uscite mensili nei CAS della Città metropolitana di Bologna",
		TitleEN: "Monthly presences, entries and exits in CAS, Metropolitan City of Bologna",
		DescriptionIT: "Serie mensile dall'inizio dei dati: persone presenti nei CAS l'ultimo giorno del mese, " +
			"ingressi e uscite del mese, per l'intera Città metropolitana. Valori protetti come gli altri " +
			"dataset.",
		DescriptionEN: "Monthly series since the data begin: people present in CAS on the last day of the " +
			"month, entries and exits of the month, for the whole Metropolitan City. Figures protected as in " +
			"the other datasets.",
		KeywordsIT: []string{"accoglienza", "serie storica", "ingressi", "uscite"},
		KeywordsEN: []string{"reception", "time series", "entries", "exits"},
		Themes:     []string{"SOCI", "GOVE"},
	},
	{
		ID:      "arrivi-piani",
		TitleIT: "Arrivi con i piani di riparto per provincia dell'Emilia-Romagna",
		TitleEN: "Arrivals with the distribution plans by province of Emilia-Romagna",
		DescriptionIT: "Persone arrivate nelle strutture di accoglienza con i piani di riparto regionali, per mese " +
			"della conferma dell'arrivo e per provincia dell'Emilia-Romagna, con il totale regionale. Valori " +
			"protetti come gli altri dataset: arrotondati a multipli di 5, valori inferiori a 5 non pubblicati.",
		DescriptionEN: "People who arrived in reception facilities with the regional distribution plans, by month " +
			"of the confirmed arrival and by province of Emilia-Romagna, with the regional total. Figures " +
			"protected as in the other datasets: rounded to multiples of 5, values below 5 not published.",
		KeywordsIT: []string{"accoglienza", "piani di riparto", "arrivi", "province", "Emilia-Romagna"},
		KeywordsEN: []string{"reception", "distribution plans", "arrivals", "provinces"},
		Themes:     []string{"SOCI", "GOVE", "REGI"},
	},
	{
		ID:      "cas-sai",
		TitleIT: "CAS e SAI a confronto nella Città metropolitana di Bologna",
		TitleEN: "CAS and SAI side by side, Metropolitan City of Bologna",
		DescriptionIT: "Persone presenti nei CAS (presenze) e posti finanziati della rete SAI (ordinari, DM-DS, " +
			"MSNA; progetti; comuni titolari), ciascuno con la propria data di riferimento. I dati SAI sono " +
			"posti, non persone: le due misure non vanno sommate se le date non coincidono.",
		DescriptionEN: "People present in CAS (presences) and funded places of the SAI network (ordinary, " +
			"DM-DS, unaccompanied minors; projects; municipalities holding a project), each with its own " +
			"reference date. SAI figures are places, not people: do not add the two unless the dates match.",
		KeywordsIT: []string{"accoglienza", "SAI", "CAS", "posti"},
		KeywordsEN: []string{"reception", "SAI", "places"},
		Themes:     []string{"SOCI", "GOVE"},
	},
	{
		ID:      "contesto-regionale",
		TitleIT: "Accoglienza in Emilia-Romagna e in Italia",
		TitleEN: "Reception in Emilia-Romagna and in Italy",
		DescriptionIT: "Persone in accoglienza in Emilia-Romagna e in Italia alle date pubblicate dal " +
			"Ministero dell'Interno nel cruscotto statistico giornaliero, per confronto con i dati " +
			"metropolitani.",
		DescriptionEN: "People in reception in Emilia-Romagna and in Italy at the dates published by the " +
			"Ministry of the Interior in its daily statistical dashboard, for comparison with the " +
			"metropolitan figures.",
		KeywordsIT: []string{"accoglienza", "Emilia-Romagna", "Italia", "cruscotto statistico"},
		KeywordsEN: []string{"reception", "Emilia-Romagna", "Italy"},
		Themes:     []string{"SOCI", "GOVE"},
		Source: "Fonte: Ministero dell'Interno, cruscotto statistico giornaliero; elaborazione ondata " +
			"(CC BY 4.0)",
	},
}

// datasets are the datasets the input describes.
func (in Input) datasets() []Dataset {
	if len(in.Only) == 0 {
		return Datasets
	}
	var out []Dataset
	for _, d := range Datasets {
		if slices.Contains(in.Only, d.ID) {
			out = append(out, d)
		}
	}
	return out
}

// Formats are the distributions of every dataset.
var Formats = []struct {
	Ext, FileType, MediaType, Label string
}{
	{"csv", "CSV", "text/csv", "CSV"},
	{"json", "JSON", "application/json", "JSON"},
}

// LandingURL is a dataset's human page (its access URL).
func LandingURL(base, id string) string {
	return strings.TrimSuffix(base, "/") + "/dati/" + id
}

// FileURL is a dataset's file for a reference date.
func FileURL(base, id string, date time.Time, ext string) string {
	return fmt.Sprintf("%s/dati/%s/%s.%s", strings.TrimSuffix(base, "/"), id, date.Format("2006-01-02"), ext)
}

// CatalogURL is the catalogue's own IRI.
func CatalogURL(base string) string {
	return strings.TrimSuffix(base, "/") + "/dati/catalogo"
}

// Catalog is a rendered-ready catalogue.
type Catalog struct {
	g *graph
}

func date(t time.Time) term { return typed(t.Format("2006-01-02"), nsXSD+"date") }

// Build checks the input and describes the catalogue.
func Build(in Input) (*Catalog, error) {
	u, err := url.Parse(in.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("opendata: base URL %q is not absolute", in.BaseURL)
	}
	p := in.Publisher
	if p.Name == "" || p.IPA == "" || p.Email == "" {
		return nil, fmt.Errorf("opendata: the publisher needs a name, an IPA code and an e-mail")
	}
	if in.Modified.IsZero() || in.Issued.IsZero() {
		return nil, fmt.Errorf("opendata: the catalogue needs its issued and modified dates")
	}
	for _, d := range in.datasets() {
		dd, ok := in.Dates[d.ID]
		if !ok || dd.Modified.IsZero() || dd.Latest.IsZero() || dd.Start.IsZero() || dd.End.IsZero() {
			return nil, fmt.Errorf("opendata: dataset %s has no dates", d.ID)
		}
		if dd.End.Before(dd.Start) {
			return nil, fmt.Errorf("opendata: dataset %s ends before it starts", d.ID)
		}
	}
	base := strings.TrimSuffix(in.BaseURL, "/")
	g := &graph{}
	cat := iri(CatalogURL(base))
	agent := iri(base + "/dati/catalogo#titolare")
	typ := func(s term, classes ...string) {
		for _, c := range classes {
			g.add(s, rdfType, iri(c))
		}
	}
	concept := func(c, scheme, label string) {
		typ(iri(c), nsSKOS+"Concept")
		g.add(iri(c), nsSKOS+"prefLabel", langLit(label, "it"))
		g.add(iri(c), nsSKOS+"inScheme", iri(scheme))
	}

	typ(cat, nsDCATAPIT+"Catalog", nsDCAT+"Catalog")
	g.add(cat, nsDCT+"title", langLit("Dati aperti sull'accoglienza nella Città metropolitana di Bologna", "it"))
	g.add(cat, nsDCT+"title", langLit("Open data on reception in the Metropolitan City of Bologna", "en"))
	g.add(cat, nsDCT+"description", langLit("Dataset della Prefettura di Bologna sulle persone accolte nei "+
		"centri di accoglienza della Città metropolitana, protetti dal controllo della riservatezza statistica.", "it"))
	g.add(cat, nsDCT+"description", langLit("Datasets of the Prefecture of Bologna on the people hosted in "+
		"the reception centres of the Metropolitan City, protected by statistical disclosure control.", "en"))
	g.add(cat, nsDCT+"publisher", agent)
	g.add(cat, nsDCT+"modified", date(in.Modified))
	g.add(cat, nsDCT+"issued", date(in.Issued))
	g.add(cat, nsFOAF+"homepage", iri(base+"/dati"))
	g.add(cat, nsDCT+"language", iri(langScheme+"/ITA"))
	g.add(cat, nsDCAT+"themeTaxonomy", iri(themeScheme))
	for _, d := range in.datasets() {
		g.add(cat, nsDCAT+"dataset", iri(LandingURL(base, d.ID)+"#dataset"))
	}

	typ(agent, nsDCATAPIT+"Agent", nsFOAF+"Agent")
	g.add(agent, nsFOAF+"name", langLit(p.Name, "it"))
	g.add(agent, nsDCT+"identifier", lit(p.IPA))
	if p.Homepage != "" {
		g.add(agent, nsFOAF+"homepage", iri(p.Homepage))
	}

	contact := iri(base + "/dati/catalogo#contatto")
	typ(contact, nsDCATAPIT+"Organization", nsVCARD+"Organization", nsVCARD+"Kind")
	g.add(contact, nsVCARD+"fn", lit(p.Name))
	g.add(contact, nsVCARD+"hasEmail", iri("mailto:"+p.Email))

	lic := iri(LicenseURI)
	typ(lic, nsDCATAPIT+"LicenseDocument", nsDCT+"LicenseDocument")
	g.add(lic, nsDCT+"type", iri(licenceTypeAttrib))
	g.add(lic, nsFOAF+"name", lit("Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)"))
	g.add(lic, "http://www.w3.org/2002/07/owl#versionInfo", lit("4.0"))
	concept(licenceTypeAttrib, licenceTypeScheme, "Attribuzione")

	spatial := blank("area")
	typ(spatial, nsDCT+"Location")
	g.add(spatial, nsLOCN+"geographicName", langLit("Città metropolitana di Bologna", "it"))
	g.add(spatial, nsDCATAPIT+"geographicalIdentifier", lit("ISTAT:237"))

	themes := map[string]string{"SOCI": "Popolazione e società", "GOVE": "Governo e settore pubblico",
		"REGI": "Regioni e città"}
	used := map[string]bool{}
	for _, d := range in.datasets() {
		dd := in.Dates[d.ID]
		ds := iri(LandingURL(base, d.ID) + "#dataset")
		typ(ds, nsDCATAPIT+"Dataset", nsDCAT+"Dataset")
		g.add(ds, nsDCT+"identifier", lit(p.IPA+":"+d.ID))
		g.add(ds, nsDCT+"title", langLit(d.TitleIT, "it"))
		g.add(ds, nsDCT+"title", langLit(d.TitleEN, "en"))
		g.add(ds, nsDCT+"description", langLit(d.DescriptionIT, "it"))
		g.add(ds, nsDCT+"description", langLit(d.DescriptionEN, "en"))
		g.add(ds, nsDCT+"modified", date(dd.Modified))
		for _, th := range d.Themes {
			g.add(ds, nsDCAT+"theme", iri(themeScheme+"/"+th))
			used[th] = true
		}
		g.add(ds, nsDCT+"rightsHolder", agent)
		g.add(ds, nsDCT+"publisher", agent)
		g.add(ds, nsDCT+"accrualPeriodicity", iri(freqScheme+"/MONTHLY"))
		period := blank("periodo-" + d.ID)
		g.add(ds, nsDCT+"temporal", period)
		g.add(ds, nsDCT+"spatial", spatial)
		g.add(ds, nsDCAT+"contactPoint", contact)
		g.add(ds, nsDCAT+"landingPage", iri(LandingURL(base, d.ID)))
		g.add(ds, nsDCT+"language", iri(langScheme+"/ITA"))
		for _, k := range d.KeywordsIT {
			g.add(ds, nsDCAT+"keyword", langLit(k, "it"))
		}
		for _, k := range d.KeywordsEN {
			g.add(ds, nsDCAT+"keyword", langLit(k, "en"))
		}
		if d.Source != "" {
			g.add(ds, nsDCT+"source", lit(d.Source))
		}
		for _, f := range Formats {
			dist := iri(LandingURL(base, d.ID) + "#" + f.Ext)
			g.add(ds, nsDCAT+"distribution", dist)
			typ(dist, nsDCATAPIT+"Distribution", nsDCAT+"Distribution")
			g.add(dist, nsDCT+"title", langLit(d.TitleIT+" ("+f.Label+")", "it"))
			g.add(dist, nsDCT+"description", langLit(fmt.Sprintf("File %s alla data di riferimento del %s.",
				f.Label, dd.Latest.Format("02/01/2006")), "it"))
			g.add(dist, nsDCT+"format", iri(fileScheme+"/"+f.FileType))
			g.add(dist, nsDCAT+"accessURL", iri(LandingURL(base, d.ID)))
			g.add(dist, nsDCAT+"downloadURL", iri(FileURL(base, d.ID, dd.Latest, f.Ext)))
			g.add(dist, nsDCT+"license", lic)
			g.add(dist, nsDCAT+"mediaType", iri(mediaTypes+f.MediaType))
			g.add(dist, nsDCT+"modified", date(dd.Modified))
		}
		typ(period, nsDCT+"PeriodOfTime")
		g.add(period, nsDCAT+"startDate", date(dd.Start))
		g.add(period, nsDCAT+"endDate", date(dd.End))
		g.add(period, nsDCATAPIT+"startDate", date(dd.Start))
		g.add(period, nsDCATAPIT+"endDate", date(dd.End))
	}

	// The controlled vocabularies' concepts used, with their schemes, so that
	// a validator (and a harvester) sees where each code comes from.
	var ths []string
	for th := range used {
		ths = append(ths, th)
	}
	slices.Sort(ths)
	for _, th := range ths {
		concept(themeScheme+"/"+th, themeScheme, themes[th])
	}
	concept(freqScheme+"/MONTHLY", freqScheme, "mensile")
	concept(langScheme+"/ITA", langScheme, "italiano")
	for _, f := range Formats {
		concept(fileScheme+"/"+f.FileType, fileScheme, f.Label)
	}
	return &Catalog{g: g}, nil
}

// Turtle is catalogo.ttl.
func (c *Catalog) Turtle() []byte { return c.g.turtle() }

// JSONLD is catalogo.jsonld.
func (c *Catalog) JSONLD() ([]byte, error) { return c.g.jsonld() }
