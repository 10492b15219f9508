// Package domain holds gesta's vocabulary: the types of the reception system,
// their validation rules, the service interfaces the adapters implement, error
// codes, the acting user carried in the context, and the permission policy.
//
// It imports nothing of ours: the store, the web UI, the JSON API, mail and the
// spreadsheet and PDF adapters all depend on it, never the other way round.
package domain
