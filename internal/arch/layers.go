// Package arch states gesta's dependency rule as data: which of gesta's
// packages may import which. arch_test.go checks every import of the module
// (tests excluded) against it with `go list`, so an import that breaks the
// layering fails the build's tests. Adding a package means adding it here,
// in its layer.
//
// The layers, inside out:
//   - domain: the vocabulary, rules and service interfaces; imports nothing of ours.
//   - pure libraries with no I/O of ours: alloc (the engine), crypt, config, i18n, events, mail, download (safe
//     names for attachments, shared by web and api), territory (embedded reference data, in domain types), sdc (disclosure control: the publication's tables from domain.RawFigures).
//   - adapters, one per technology: store (SQL), auth, web, api, jobs, report, sheet. They import domain
//     (and the pure libraries they wrap), never each other — except that web renders report and sheet.
//   - application services that orchestrate an engine: placement.
//   - app: the wiring, imports everything; cmd/gesta calls it.
//   - tools beside the store: store/demo (synthetic data written through the store; its demo plans are
//     placed by the placement service, as a prefecture would) and store/storetest
//     (test databases); bench programs, which may use the store and its tools.
package arch

// Module is gesta's module path.
const Module = "github.com/gesta-er/gesta"

// Allowed maps each of gesta's packages (path inside the module) to the
// packages of the module it may import. A package missing from the map may
// not exist.
var Allowed = map[string][]string{
	"internal/domain": {},

	"internal/alloc":     {},
	"internal/alloc/gen": {"internal/alloc", "internal/territory"},
	"internal/sdc":       {"internal/domain"},
	"internal/opendata":  {},
	"internal/crypt":     {},
	"internal/config":    {},
	"internal/i18n":      {"internal/domain"},
	"internal/notify":    {},
	"internal/events":    {},
	"internal/mail":      {},
	"internal/territory": {"internal/domain"},
	"internal/download":  {},

	"internal/store":  {"internal/domain", "internal/crypt", "internal/sdc"},
	"internal/auth":   {"internal/domain", "internal/crypt"},
	"internal/api":    {"internal/domain", "internal/i18n", "internal/download"},
	"internal/jobs":   {"internal/domain", "internal/notify"},
	"internal/report": {"internal/domain"},
	"internal/anchor": {"internal/domain"},
	"internal/sheet":  {"internal/domain"},
	"internal/web": {"internal/domain", "internal/i18n", "internal/report", "internal/sheet", "internal/territory",
		"internal/opendata", "internal/download"},

	"internal/placement": {"internal/domain", "internal/alloc", "internal/territory"},

	"internal/app": {"internal/domain", "internal/alloc", "internal/crypt", "internal/config", "internal/i18n",
		"internal/events", "internal/mail", "internal/territory", "internal/store", "internal/auth", "internal/api",
		"internal/jobs", "internal/report", "internal/sheet", "internal/web", "internal/placement",
		"internal/store/demo", "internal/anchor"},
	"cmd/gesta": {"internal/app", "internal/config"},

	"internal/store/demo":      {"internal/domain", "internal/store", "internal/territory", "internal/placement"},
	"internal/store/storetest": {"internal/domain", "internal/store", "internal/territory", "internal/placement"},
	"internal/e2e":             {},
	"internal/arch":            {},

	"bench/internal/benchserver": {},
	"bench/alloc":                {"internal/alloc", "internal/alloc/gen", "internal/territory"},
	"bench/load":                 {"internal/store", "bench/internal/benchserver"},
	"bench/plans":                {"internal/store/demo", "bench/internal/benchserver"},
	"bench/population":           {"internal/domain", "internal/store", "bench/internal/benchserver"},
	"bench/startup":              {"bench/internal/benchserver"},
	"bench/morning":              {"internal/store", "bench/internal/benchserver"},
	"bench/idemkill":             {"internal/store", "bench/internal/benchserver"},
	"bench/public":               {"internal/store/demo", "bench/internal/benchserver"},
}
