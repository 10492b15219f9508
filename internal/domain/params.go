package domain

import (
	"bytes"
	"encoding/json"
)

// Stored texts (a plan's timeline entry, a notification, an audit detail) are
// kept as a kind plus parameters, never as sentences: the adapters render them
// when read, in the reader's language, from the catalogue message of the kind
// ("timeline.placed", "notification.plan_published", "audit.hold.create").
//
// EncodeParams turns key/value pairs into the JSON kept in the database ("" for
// none). A Label value survives the round trip: its key is listed under
// "_labels", so that DecodeParams gives it back as a Label to translate.
func EncodeParams(kv ...any) string {
	m := Args(kv...)
	if len(m) == 0 {
		return ""
	}
	out := make(map[string]any, len(m)+1)
	var labels []string
	for k, v := range m {
		if l, ok := v.(Label); ok {
			labels = append(labels, k)
			v = string(l)
		}
		out[k] = v
	}
	if len(labels) > 0 {
		out[labelsKey] = labels
	}
	b, err := json.Marshal(out)
	if err != nil { // only plain values are passed; a failure is a programming error
		panic("domain: params: " + err.Error())
	}
	return string(b)
}

const labelsKey = "_labels"

// DecodeParams reads what EncodeParams wrote: whole numbers come back as
// int64 (so that they print as written and select plural forms), labels as
// Label. Empty or malformed text gives nil.
func DecodeParams(s string) map[string]any {
	if s == "" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil
	}
	labels, _ := m[labelsKey].([]any)
	delete(m, labelsKey)
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				m[k] = i
			} else if f, err := n.Float64(); err == nil {
				m[k] = f
			}
		}
	}
	for _, l := range labels {
		if k, ok := l.(string); ok {
			if s, ok := m[k].(string); ok {
				m[k] = Label(s)
			}
		}
	}
	return m
}
