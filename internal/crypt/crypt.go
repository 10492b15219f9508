// Package crypt encrypts special-category fields at rest (docs/registry.md, docs/access.md):
// AES-256-GCM with a random nonce, the key's id in every ciphertext so that
// keys can rotate while old values stay readable, and the record's identity as
// additional data so that a ciphertext cannot be moved to another record.
// Keys come from configuration (GESTA_SECRET_KEY or its _FILE), never from the
// database.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// prefix marks the format; a value without it is not ours.
const prefix = "g1:"

// Keyring holds the keys by id; the first is current (used to seal).
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// ErrNoKey means no key was configured.
var ErrNoKey = errors.New("crypt: no key configured (GESTA_SECRET_KEY)")

// Parse reads a key specification: "id:base64key[,id:base64key…]", the first
// being current; a bare base64 key gets the id "k1". Keys are 32 bytes.
func Parse(spec string) (*Keyring, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, ErrNoKey
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, part := range strings.Split(spec, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			id, b64 = "k1", id
		}
		if id == "" || strings.ContainsAny(id, ":,") {
			return nil, fmt.Errorf("crypt: key %d: bad id", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("crypt: key %q: want 32 bytes in base64", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("crypt: key id %q repeated", id)
		}
		k.aeads[id] = aead
		if i == 0 {
			k.current = id
		}
	}
	return k, nil
}

// NewKey returns a fresh key specification ("id:base64") for configuration.
func NewKey(id string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b), nil
}

// Seal encrypts plaintext bound to aad (e.g. "guest:<id>:vulnerability").
func (k *Keyring) Seal(plaintext, aad string) (string, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return prefix + k.current + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// ErrOpen is any failure to decrypt: unknown key, tampered text, wrong record.
var ErrOpen = errors.New("crypt: cannot decrypt")

// Open decrypts a value sealed with any key of the ring and the same aad.
func (k *Keyring) Open(sealed, aad string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrOpen
	}
	id, b64, ok := strings.Cut(rest, ":")
	aead, known := k.aeads[id]
	if !ok || !known {
		return "", ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", ErrOpen
	}
	pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(aad))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// KeyID returns the id of the key a value was sealed with ("" if not ours):
// a rotation job re-seals the values whose id is not the current one.
func KeyID(sealed string) string {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// Current returns the id of the sealing key.
func (k *Keyring) Current() string { return k.current }

// Reseal re-encrypts a value under the current key (key rotation).
func (k *Keyring) Reseal(sealed, aad string) (string, error) {
	if KeyID(sealed) == k.current {
		return sealed, nil
	}
	pt, err := k.Open(sealed, aad)
	if err != nil {
		return "", err
	}
	return k.Seal(pt, aad)
}

// Per-subject keys (crypto-shredding, docs/adr/0011-per-subject-keys.md):
// the fields about one person are sealed with a random data key of their
// own, stored wrapped (sealed) by the keyring. Destroying the wrapped key
// makes every value sealed with it unreadable, wherever a copy of the value
// lies. A subject-sealed value names its subject, so that the reader knows
// which key to fetch: "g2:<subject>:<base64(nonce|ciphertext)>".
const subjectPrefix = "g2:"

// DataKey is one subject's data key, unwrapped.
type DataKey struct {
	subject string
	aead    cipher.AEAD
}

func wrapAAD(subject string) string { return "subject:" + subject + ":key" }

func newAEAD(raw []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// NewDataKey draws a random data key for subject and returns it with its
// wrapped form (sealed by the current key of the ring, bound to the
// subject) for storage. The subject must not contain ':'.
func (k *Keyring) NewDataKey(subject string) (*DataKey, string, error) {
	if subject == "" || strings.Contains(subject, ":") {
		return nil, "", fmt.Errorf("crypt: bad subject %q", subject)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, "", err
	}
	wrapped, err := k.Seal(base64.StdEncoding.EncodeToString(raw), wrapAAD(subject))
	if err != nil {
		return nil, "", err
	}
	return &DataKey{subject: subject, aead: aead}, wrapped, nil
}

// DataKey unwraps a subject's stored key. A wrapped key re-sealed by
// Reseal(wrapped, "subject:<id>:key") follows the ring's rotation.
func (k *Keyring) DataKey(subject, wrapped string) (*DataKey, error) {
	b64, err := k.Open(wrapped, wrapAAD(subject))
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		return nil, ErrOpen
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &DataKey{subject: subject, aead: aead}, nil
}

// WrapAAD is the additional data a subject's wrapped key is sealed with
// (for Reseal during a rotation of the ring).
func WrapAAD(subject string) string { return wrapAAD(subject) }

// Seal encrypts plaintext with the subject's key, bound to aad and to the
// subject.
func (d *DataKey) Seal(plaintext, aad string) (string, error) {
	nonce := make([]byte, d.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := d.aead.Seal(nonce, nonce, []byte(plaintext), []byte(d.subject+"|"+aad))
	return subjectPrefix + d.subject + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Open decrypts a value sealed with this subject's key and the same aad.
func (d *DataKey) Open(sealed, aad string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, subjectPrefix+d.subject+":")
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < d.aead.NonceSize()+d.aead.Overhead() {
		return "", ErrOpen
	}
	pt, err := d.aead.Open(nil, raw[:d.aead.NonceSize()], raw[d.aead.NonceSize():], []byte(d.subject+"|"+aad))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// Subject returns the subject a value was sealed for, "" for a value sealed
// with the ring itself (or not ours).
func Subject(sealed string) string {
	rest, ok := strings.CutPrefix(sealed, subjectPrefix)
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(rest, ":")
	return s
}
