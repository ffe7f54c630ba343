// Package scoring holds the domain rules for marking and results in
// bayskills (DESIGN §5 and §6): marking schemes, judging panels, conflict of
// interest, mark aggregation, totals, standardisation, ranking, medals and
// judge analytics.
//
// The package is deliberately pure: it performs no I/O and imports nothing
// but the standard library — no HTTP, no SQL, nothing else of the project —
// so every rule can be tested in isolation and reused by the store, the
// server and the command-line tools alike.
package scoring
