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

func TestDataKeyShredding(t *testing.T) {
	spec, _ := crypt.NewKey("m1")
	k := ring(t, spec)
	canary := "CANARY-HEALTH-5ub7"
	a, wrappedA, err := k.NewDataKey("guestA")
	if err != nil {
		t.Fatal(err)
	}
	b, wrappedB, _ := k.NewDataKey("guestB")
	if strings.Contains(wrappedA, canary) || crypt.KeyID(wrappedA) != "m1" {
		t.Fatalf("wrapped = %q", wrappedA)
	}
	sa, _ := a.Seal(canary, "guest:A:vulnerability")
	sb, _ := b.Seal("B", "guest:B:vulnerability")
	if strings.Contains(sa, canary) || crypt.Subject(sa) != "guestA" || crypt.Subject(sb) != "guestB" {
		t.Fatalf("sealed = %q", sa)
	}
	if crypt.Subject(must(k.Seal("x", "y"))) != "" {
		t.Fatal("a master-sealed value names a subject")
	}
	// The stored, wrapped key opens the value; another subject's does not,
	// nor does the right key with another record's aad.
	again, err := k.DataKey("guestA", wrappedA)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sa, "guest:A:vulnerability"); err != nil || got != canary {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := b.Open(sa, "guest:A:vulnerability"); !errors.Is(err, crypt.ErrOpen) {
		t.Fatalf("other subject's key: %v", err)
	}
	if _, err := again.Open(sa, "guest:B:vulnerability"); !errors.Is(err, crypt.ErrOpen) {
		t.Fatalf("other record: %v", err)
	}
	// A wrapped key is bound to its subject: B's key cannot be passed off as A's.
	if _, err := k.DataKey("guestA", wrappedB); !errors.Is(err, crypt.ErrOpen) {
		t.Fatalf("wrapped key of another subject: %v", err)
	}
	// Without the wrapped key (destroyed) nothing opens A's value: the
	// master key alone does not.
	if _, err := k.Open(sa, "guest:A:vulnerability"); !errors.Is(err, crypt.ErrOpen) {
		t.Fatalf("master key opened a subject-sealed value: %v", err)
	}
	// Rotation of the ring re-wraps the data key; values stay readable.
	fresh, _ := crypt.NewKey("m2")
	during := ring(t, fresh+","+spec)
	rewrapped, err := during.Reseal(wrappedA, crypt.WrapAAD("guestA"))
	if err != nil || crypt.KeyID(rewrapped) != "m2" {
		t.Fatalf("rewrap: %v", err)
	}
	after, err := ring(t, fresh).DataKey("guestA", rewrapped)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.Open(sa, "guest:A:vulnerability"); err != nil || got != canary {
		t.Fatalf("after rotation = %q, %v", got, err)
	}
	if _, _, err := k.NewDataKey("a:b"); err == nil {
		t.Fatal("subject with ':' accepted")
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
