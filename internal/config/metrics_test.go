package config_test

import (
	"flag"
	"io"
	"net/netip"
	"testing"

	"github.com/gesta-er/gesta/internal/config"
)

func parseMetrics(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, _, err := config.Parse(fs, []string{"metrics-allow", "metrics-token"}, args, func(k string) string { return env[k] })
	return c, err
}

func TestMetricsOptions(t *testing.T) {
	c, err := parseMetrics(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if len(c.MetricsAllow) != 2 || c.MetricsAllow[0] != want[0] || c.MetricsAllow[1] != want[1] || c.MetricsToken != "" {
		t.Fatalf("default: loopback only, no token; got %v %q", c.MetricsAllow, c.MetricsToken)
	}
	c, err = parseMetrics(t, []string{"--metrics-allow", "10.1.2.3/16, 192.0.2.7"}, map[string]string{"GESTA_METRICS_TOKEN": "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MetricsAllow) != 2 || c.MetricsAllow[0] != netip.MustParsePrefix("10.1.0.0/16") ||
		c.MetricsAllow[1] != netip.MustParsePrefix("192.0.2.7/32") || c.MetricsToken != "tok" {
		t.Fatalf("configured: %v %q", c.MetricsAllow, c.MetricsToken)
	}
	if c, err = parseMetrics(t, []string{"--metrics-allow", "none"}, nil); err != nil || len(c.MetricsAllow) != 0 {
		t.Fatalf("none: %v %v", c.MetricsAllow, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.1/8/2"} {
		if _, err := parseMetrics(t, []string{"--metrics-allow", bad}, nil); err == nil {
			t.Errorf("--metrics-allow %q accepted", bad)
		}
	}
}
