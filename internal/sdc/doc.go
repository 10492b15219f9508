// Package sdc is gesta's statistical disclosure control: the one step that
// turns raw counts into the figures the public site, its CSV and JSON files and
// its catalogue may show (PUBLIC-SITE.md §4.4, docs/disclosure-control.md).
//
// Pure Go: no database, no HTTP, no clock, no randomness. The same input gives
// the same output.
//
// # What the caller gives
//
// A Publication is a set of Tables. A table has a total (its margin) and the
// categories that add up to it; a figure that appears in several tables has the
// same Key in each, which is how linked tables are told apart from independent
// ones: the profile tables (sex, age, nationality, ...) share the metropolitan
// total; a comune's breakdown (Table.Comune) has that comune's figure of the
// comune table as its total. A table without a total is a set of independent
// figures (a month of the time series).
//
// # Rules implemented here (codes as in §4.4; the labels live in the i18n catalogues)
//
//   - R2 (allowed tables): a comune has at most one breakdown, of at most
//     Config.BreakdownMaxCategories categories, shown only when the comune's
//     total is at least Config.BreakdownMinTotal; age and nationality are never
//     broken down by comune (Protect returns an error). Cells of a breakdown
//     that may not be shown are hidden.
//   - R3 (category design): a category marked Fold (sex other than F/M, unknown
//     values, people of MSNA facilities in the comune table) counts in its total
//     and is never shown. TopN folds the nationalities below the top N.
//   - R4 (threshold): a count 1..T-1 is suppressed; T = Config.Threshold, or
//     Config.SensitiveThreshold for sensitive tables and cells (minors, MSNA,
//     vulnerable categories). A zero inside a table whose total is below
//     Config.ZeroTotalMin is suppressed too (group disclosure); zero totals and
//     zeros of larger tables are shown.
//   - R5 (secondary suppression): every relation total = Σ categories that has
//     a suppressed member gets at least two, and its suppressed categories add
//     up to at least T (smallest unsuppressed category first, non-zero before
//     zero, a figure that is the total of another table after the others, ties
//     in input order; the line's own total only when no category is left). Then
//     an audit solves, for every suppressed figure, the linear programme an
//     attacker would (every relation of the publication, published figures
//     within their rounding interval, suppressed figures ≥ 0) and suppresses
//     more until no suppressed figure can be narrowed to an interval shorter
//     than its T and no published non-zero figure can be recovered exactly.
//   - R6 (rounding): every published count is rounded to the nearest multiple
//     of Config.Base on its own, totals from the unrounded total (so the parts
//     may not add up to the total). PerThousand and Percent compute rates from
//     the protected counts, and none for a suppressed count.
//   - R7 (dominance): a comune with a single active facility, or whose largest
//     facility holds at least Config.DominanceShare of its guests, gets no
//     breakdown.
//   - R8 (time series): every month is protected with the same rules (the
//     caller protects each month's tables); Change refuses a month-on-month
//     difference at comune level for figures below Config.ChangeMin.
//   - R9 (consistency): checked by the tests (no public value in 1..T-1, every
//     published count a multiple of the base, idempotence, golden files, the
//     attack test); the caller keeps it by drawing every page, chart, map and
//     file from the one Result.
//
// # The publication's tables
//
// ProtectFigures is the builder the store calls inside a draft's
// transaction: from the raw counts it reads (domain.RawFigures) it designs
// the public tables — presenze-comuni with the guests of facilities for
// minors folded into the metropolitan total (R7), presenze-profilo with the
// shown categories of each dimension and every unknown or other value folded
// (R3), the top N nationalities, the stricter threshold for the 0-17 band,
// the MSNA household type and the facilities for minors (R4), the monthly
// series (R8), the plan arrivals by month and province of the region —
// protects them with
// Protect and computes the rates per 1,000 residents from the protected
// counts (R6). The store decides no disclosure rule.
//
// # Rules that belong to the caller
//
//   - R0: public handlers read only published publications, never raw counts.
//     PublicTables.Public (and Result.Public) drop the raw values and rule
//     codes that the coordinator's preview shows; public pages and files are
//     built from it.
//   - R1: monthly reference dates, the embargo and versioned corrections.
//   - R2 (d): no facility-level data, addresses or operator names reach the
//     raw figures in the first place.
//   - R8: flows (entries, exits) counted only at metropolitan level and by
//     month.
//   - R10: the methodology note.
//
// # Parameters
//
// Config holds the parameters; DefaultConfig is the policy of §4.4. They are
// policy, not tuning: changing any of them needs an architecture decision
// record (docs/adr) and a new methodology note.
//
// The build tag sdc_norounding switches rounding off. It exists only for the
// mutation check in .ci/run: the attack test must fail with it.
package sdc
