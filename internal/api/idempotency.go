package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gesta-er/gesta/internal/domain"
)

// readPosts are POST operations that only read: a replayed answer would
// skip their access rows, so Idempotency-Key is ignored there.
var readPosts = map[string]bool{"search-guests-body": true}

// declareIdempotencyKey documents the Idempotency-Key header, and the
// answers it adds, on every POST the idempotency middleware serves (all but
// readPosts). The middleware reads the header itself, so the parameter is
// added to the document after the operations are registered.
func declareIdempotencyKey(doc *huma.OpenAPI) {
	maxLen := 255
	for _, item := range doc.Paths {
		op := item.Post
		if op == nil || readPosts[op.OperationID] {
			continue
		}
		op.Parameters = append(op.Parameters, &huma.Param{
			Name: "Idempotency-Key", In: "header", Required: false,
			Description: "Optional; printable ASCII, at most 255 characters, unique per user for 24 hours. " +
				"The same key with the same body replays the first answer (header Idempotent-Replayed: true) " +
				"without acting twice; with another body → 422; while the first is still running → 409.",
			Schema: &huma.Schema{Type: "string", MinLength: new(1), MaxLength: &maxLen, Pattern: "^[!-~]+$"},
		})
		if op.Responses == nil {
			op.Responses = map[string]*huma.Response{}
		}
		for code, what := range map[string]string{
			"409": "Conflict (also: a request with this Idempotency-Key is still running)",
			"422": "Unprocessable (also: this Idempotency-Key was used with another body)",
		} {
			if op.Responses[code] == nil {
				op.Responses[code] = &huma.Response{Description: what, Content: map[string]*huma.MediaType{
					"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/Problem"}},
				}}
			}
		}
	}
}

// maxIdemBody bounds the body kept for fingerprinting; a larger one is
// refused by huma's own limit anyway.
const maxIdemBody int64 = 1 << 20

// idempotency is a huma middleware for POSTs carrying Idempotency-Key
// (draft-ietf-httpapi-idempotency-key-header): per user, the same key and
// body replays the first response (Idempotent-Replayed: true) without a
// second effect; another body → 422; while the first is running → 409.
func (s *Server) idempotency(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		key := ctx.Header("Idempotency-Key")
		if s.Idempotency == nil || key == "" || ctx.Method() != http.MethodPost || readPosts[ctx.Operation().OperationID] {
			next(ctx)
			return
		}
		a, ok := domain.ActorFromContext(ctx.Context())
		if !ok || a.UserID == "" {
			next(ctx)
			return
		}
		l := s.localizer(ctx.Context())
		if !validIdemKey(key) {
			_ = huma.WriteErr(api, ctx, http.StatusBadRequest, l.T("err.api.idem_key"))
			return
		}
		r, w := humago.Unwrap(ctx)
		limit := max(maxIdemBody, ctx.Operation().MaxBodyBytes) // uploads are larger
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil || int64(len(body)) > limit {
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
			next(ctx) // huma answers the read error or the size limit
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		cctx, out, err := s.Idempotency.Claim(ctx.Context(), a.UserID, key, RequestHash(r.Method, r.URL.Path, canonicalBody(r.Header.Get("Content-Type"), body)))
		if err != nil {
			p, _ := s.problem(ctx.Context(), err).(*Problem)
			_ = huma.WriteErr(api, ctx, p.Status, p.Detail)
			return
		}
		switch out.State {
		case domain.IdemReplay:
			if out.ContentType != "" {
				ctx.SetHeader("Content-Type", out.ContentType)
			}
			ctx.SetHeader("Idempotent-Replayed", "true")
			ctx.SetHeader("Content-Length", strconv.Itoa(len(out.Body)))
			ctx.SetStatus(out.Status)
			_, _ = ctx.BodyWriter().Write(out.Body)
			return
		case domain.IdemMismatch:
			_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, l.T("err.api.idem_mismatch"))
			return
		case domain.IdemInFlight:
			_ = huma.WriteErr(api, ctx, http.StatusConflict, l.T("err.api.idem_in_flight"))
			return
		case domain.IdemLost:
			_ = huma.WriteErr(api, ctx, http.StatusConflict, l.T("err.api.idem_lost"))
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next(humago.NewContext(ctx.Operation(), r.WithContext(cctx), rec))
		if err := s.Idempotency.Finish(cctx, rec.status, rec.Header().Get("Content-Type"), rec.buf.Bytes()); err != nil {
			s.Logger.Error("api: idempotency response not stored", "err", err)
		}
	}
}

// RequestHash is the fingerprint a key is bound to: method, path and body.
func RequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalBody is what a key's fingerprint covers: the body itself, or
// for multipart/form-data each part's name, file name and content digest in
// order, so that a client retrying an upload with a new boundary (Go's and
// most clients' multipart writers draw one at random) replays the first
// answer instead of being refused as another request.
func canonicalBody(contentType string, body []byte) []byte {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return body
	}
	var out bytes.Buffer
	out.WriteString("multipart\n")
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out.Bytes()
		}
		if err != nil {
			return body
		}
		h := sha256.New()
		if _, err := io.Copy(h, p); err != nil {
			return body
		}
		fmt.Fprintf(&out, "%q %q %q %x\n", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), h.Sum(nil))
	}
}

// validIdemKey: 1–255 visible ASCII characters (the draft's keys are UUIDs
// or similar opaque strings).
func validIdemKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder passes a response through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	r.buf.Write(p)
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
