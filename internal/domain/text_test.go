package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gesta-er/gesta/internal/domain"
)

// validatable pairs a valid record with a way to put a name into one of its
// name fields.
type validatable struct {
	kind  string
	field string
	make  func(name string) interface{ Validate() error }
}

var nameFields = []validatable{
	{"guest", "surname", func(n string) interface{ Validate() error } {
		return &domain.Guest{Surname: n, GivenName: "Mamadou", Sex: domain.SexMale, BirthDate: time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC),
			Nationality: "GIN", Stage: domain.StageC3Lodged}
	}},
	{"guest", "given_name", func(n string) interface{ Validate() error } {
		return &domain.Guest{Surname: "Diallo", GivenName: n, Sex: domain.SexFemale, BirthDate: time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC),
			Nationality: "GIN", Stage: domain.StageC3Lodged}
	}},
	{"facility", "name", func(n string) interface{ Validate() error } {
		return &domain.Facility{Name: n, Type: domain.TypeCASCollettivo, Target: domain.TargetMen, GestoreID: "g1",
			ComuneCode: "037006", Contracted: 10, Active: 5, Status: domain.StatusActive}
	}},
	{"facility", "address", func(n string) interface{ Validate() error } {
		return &domain.Facility{Name: "Il Ponte", Address: n, Type: domain.TypeCASCollettivo, Target: domain.TargetMen, GestoreID: "g1",
			ComuneCode: "037006", Contracted: 10, Active: 5, Status: domain.StatusActive}
	}},
	{"gestore", "name", func(n string) interface{ Validate() error } {
		return &domain.Gestore{Name: n, TaxCode: "01234567890", ProvinceCode: "037"}
	}},
	{"user", "name", func(n string) interface{ Validate() error } {
		return &domain.User{Email: "mario.rossi@pref.example", Name: n, Role: domain.RoleAdmin}
	}},
}

// TestNamesRefuseControlAndBidi: control characters and
// bidirectional controls in names are a field error naming the character;
// real names in any script pass.
func TestNamesRefuseControlAndBidi(t *testing.T) {
	cases := []struct {
		name  string
		value string
		bad   string // the code point the message must name; "" = accepted
	}{
		{"plain", "Rossi", ""},
		{"accents and apostrophe", "N'Diaye Kéïta-Ñúñez", ""},
		{"arabic", "عبد الله", ""},
		{"persian with ZWNJ", "می\u200cخواهم", ""},
		{"tigrinya", "ሃብተ", ""},
		{"right-to-left override", "Rossi\u202Egpj.exe", "U+202E"},
		{"left-to-right override", "\u202DRossi", "U+202D"},
		{"embedding", "Ros\u202Asi", "U+202A"},
		{"isolate", "Rossi\u2066x\u2069", "U+2066"},
		{"right-to-left mark", "Rossi\u200F", "U+200F"},
		{"arabic letter mark", "\u061CRossi", "U+061C"},
		{"NUL", "Ros\x00si", "U+0000"},
		{"newline", "Rossi\nAdmin", "U+000A"},
		{"carriage return", "Rossi\r", "U+000D"},
		{"tab", "Rossi\tMario", "U+0009"},
		{"escape", "\x1b[31mRossi", "U+001B"},
		{"DEL", "Rossi\x7f", "U+007F"},
		{"C1 next line", "Rossi\u0085", "U+0085"},
		{"line separator", "Rossi\u2028", "U+2028"},
		{"zero-width space", "Ro\u200Bssi", "U+200B"},
		{"BOM", "\uFEFFRossi", "U+FEFF"},
	}
	for _, v := range nameFields {
		if err := v.make("Rossi").Validate(); err != nil {
			t.Fatalf("%s: the valid base record fails: %v", v.kind, err)
		}
		for _, c := range cases {
			t.Run(v.kind+"/"+v.field+"/"+c.name, func(t *testing.T) {
				err := v.make(c.value).Validate()
				if c.bad == "" {
					if err != nil {
						t.Fatalf("%q refused: %v", c.value, err)
					}
					return
				}
				msg := fieldErrors(err)[v.field]
				if domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(msg, c.bad) {
					t.Fatalf("%q: error %v, field %s message %q; want a field error naming %s", c.value, err, v.field, msg, c.bad)
				}
			})
		}
	}
	// Invalid UTF-8 is refused too.
	if err := nameFields[0].make("Ros\xffsi").Validate(); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("invalid UTF-8 accepted: %v", err)
	}
}

// FuzzNames: a name either validates and holds no control or bidirectional
// character, or is refused with a field error on the name.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"Rossi", "Rossi\u202Egpj.exe", "N'Diaye", "a\x00b", "\u2066x", "می\u200cخواهم", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if strings.TrimSpace(name) == "" {
			return
		}
		bad := !utf8.ValidString(name)
		for _, r := range name {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) ||
				r == 0x200E || r == 0x200F || r == 0x061C {
				bad = true
			}
		}
		for _, v := range nameFields {
			err := v.make(name).Validate()
			if err == nil && bad {
				t.Fatalf("%s %s: %q accepted", v.kind, v.field, name)
			}
			if err != nil && fieldErrors(err)[v.field] == "" {
				t.Fatalf("%s %s: %q refused without a message on the field: %v", v.kind, v.field, name, err)
			}
		}
	})
}

// fieldErrors returns each field's message as its id and arguments ("err.text.char{Char=U+202E Pos=6}").
func fieldErrors(err error) map[string]string {
	var e *domain.Error
	if !errors.As(err, &e) {
		return nil
	}
	out := map[string]string{}
	for k, f := range e.Fields {
		out[k] = (&domain.Error{MsgID: f.MsgID, Args: f.Args}).Error()
	}
	return out
}
