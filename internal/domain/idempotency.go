package domain

import "context"

// Idempotency outcomes of a claimed key (IdempotencyService.Claim).
const (
	IdemNew      = "new"       // first use: run the request, then Finish
	IdemReplay   = "replay"    // done before: answer Status, ContentType, Body again
	IdemMismatch = "mismatch"  // the key came with another request: 422
	IdemInFlight = "in_flight" // the first request is still running: 409
	IdemLost     = "lost"      // the effect committed but its process died before storing the response: 409, never a second effect
)

// IdemOutcome is what Claim found for a key.
type IdemOutcome struct {
	State       string
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyService remembers the responses of POSTs sent with an
// Idempotency-Key, per user, for 24 hours. Claim's context marks the key
// "committed" inside the first write transaction the request commits, so the
// effect and the mark are atomic; Finish stores the response.
type IdempotencyService interface {
	// Claim looks up the user's key for a request with this fingerprint:
	// IdemNew (claimed: run the request with the returned context, then
	// Finish), IdemReplay, IdemMismatch, IdemInFlight or IdemLost. Errors: the
	// database's (ECONFLICT busy, EUNAVAILABLE).
	Claim(ctx context.Context, userID, key, requestHash string) (context.Context, IdemOutcome, error)
	// Finish stores the response of a request claimed in ctx (a failure that
	// committed nothing frees the key instead); no claim in ctx: nothing.
	// Errors: the database's.
	Finish(ctx context.Context, status int, contentType string, body []byte) error
}
