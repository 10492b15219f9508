package crypt_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/crypt"
)

func ring(t *testing.T, spec string) *crypt.Keyring {
	t.Helper()
	k, err := crypt.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	spec, _ := crypt.NewKey("2026a")
	k := ring(t, spec)
	canary := "CANARY-HEALTH-0b7e"
	a, _ := k.Seal(canary, "guest:1:vulnerability")
	b, _ := k.Seal(canary, "guest:1:vulnerability")
	if a == b {
		t.Fatal("same plaintext, same ciphertext: the nonce is not random")
	}
	if strings.Contains(a, canary) || !strings.HasPrefix(a, "g1:2026a:") {
		t.Fatalf("sealed = %q", a)
	}
	if got, err := k.Open(a, "guest:1:vulnerability"); err != nil || got != canary {
		t.Fatalf("open = %q, %v", got, err)
	}
	// Bound to its record: moved to another, it does not open.
	if _, err := k.Open(a, "guest:2:vulnerability"); !errors.Is(err, crypt.ErrOpen) {
		t.Fatalf("other record: %v", err)
	}
	// Any flipped character is detected.
	for i := len("g1:2026a:"); i < len(a); i += 7 {
		flipped := a[:i] + string(a[i]^1) + a[i+1:]
		if _, err := k.Open(flipped, "guest:1:vulnerability"); err == nil {
			t.Fatalf("tampered at %d accepted", i)
		}
	}
}

func TestRotation(t *testing.T) {
	old, _ := crypt.NewKey("old")
	fresh, _ := crypt.NewKey("new")
	before := ring(t, old)
	var sealed []string
	for i := range 10_000 {
		s, err := before.Seal(fmt.Sprintf("valore %d", i), fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, s)
	}
	during := ring(t, fresh+","+old) // new key current, old still readable
	for i, s := range sealed {
		if got, err := during.Open(s, fmt.Sprint(i)); err != nil || got != fmt.Sprintf("valore %d", i) {
			t.Fatalf("old value %d during rotation: %q %v", i, got, err)
		}
		r, err := during.Reseal(s, fmt.Sprint(i))
		if err != nil || crypt.KeyID(r) != "new" {
			t.Fatalf("reseal %d: %v", i, err)
		}
		sealed[i] = r
	}
	after := ring(t, fresh)
	for i, s := range sealed {
		if got, err := after.Open(s, fmt.Sprint(i)); err != nil || got != fmt.Sprintf("valore %d", i) {
			t.Fatalf("after rotation %d: %v", i, err)
		}
	}
	if _, err := before.Open(sealed[0], "0"); err == nil {
		t.Fatal("the retired key opens re-sealed values")
	}
}

func TestParse(t *testing.T) {
	good, _ := crypt.NewKey("a")
	for name, spec := range map[string]string{"Empty": "", "Short": "a:AAAA", "BadB64": "a:!!!", "DupID": good + "," + good} {
		t.Run(name, func(t *testing.T) {
			if _, err := crypt.Parse(spec); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	bare := strings.TrimPrefix(good, "a:")
	if k := ring(t, bare); k.Current() != "k1" {
		t.Fatalf("bare key id = %q", k.Current())
	}
}
