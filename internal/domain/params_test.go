package domain_test

import (
	"reflect"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

func TestParamsRoundTrip(t *testing.T) {
	s := domain.EncodeParams("Persons", 70, "Share", 0.25, "Status", domain.Label("plan.status.closed"), "Ref", "Geo Barents")
	got := domain.DecodeParams(s)
	want := map[string]any{"Persons": int64(70), "Share": 0.25, "Status": domain.Label("plan.status.closed"), "Ref": "Geo Barents"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip = %#v\nwant %#v (from %s)", got, want, s)
	}
	if domain.EncodeParams() != "" || domain.DecodeParams("") != nil || domain.DecodeParams("not json") != nil {
		t.Error("empty and malformed params must give nothing")
	}
}
