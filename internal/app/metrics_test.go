package app_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsAccess: the served /metrics follows --metrics-allow and
// --metrics-token (the guard's cases are in internal/web).
func TestMetricsAccess(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "gesta.db")
	base, _, _ := serve(t, dsn, map[string]string{"GESTA_METRICS_TOKEN": "tok-metrics"}, "--demo=false", "--metrics-allow", "none")
	if status, _ := get(t, base+"/metrics"); status != http.StatusForbidden {
		t.Fatalf("loopback not allowed, no token: %d", status)
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer tok-metrics")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "go_goroutines") {
		t.Fatalf("with the token: %d %.200s", resp.StatusCode, b)
	}
}
