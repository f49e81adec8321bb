package config

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "" || c.RedisURL != "" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.BaseURL != "http://localhost:8080" {
		t.Fatalf("base URL derived from the address: got %q", c.BaseURL)
	}
	if c.MaxUploads != 5 || c.MaxUploadSize != 10<<20 || c.MaxConcurrentUploads != 2 || c.UploadQuota != 1<<30 {
		t.Fatalf("upload limits: %d, %d, %d, %d", c.MaxUploads, c.MaxUploadSize, c.MaxConcurrentUploads, c.UploadQuota)
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	c, err := Load([]string{"--addr", "127.0.0.1:9000", "--demo"},
		env(map[string]string{"PORTICO_ADDR": "127.0.0.1:7000", "PORTICO_LOG_FORMAT": "json"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Fatalf("flag should win: %q", c.Addr)
	}
	if c.LogFormat != "json" {
		t.Fatalf("environment should apply: %q", c.LogFormat)
	}
	if !c.Demo {
		t.Fatal("--demo without a value means true")
	}
	if c.BaseURL != "http://127.0.0.1:9000" {
		t.Fatalf("base URL: %q", c.BaseURL)
	}
}

func TestBadValueNamesTheSetting(t *testing.T) {
	cases := []struct{ env, value string }{
		{"PORTICO_ADDR", "nonsense"},
		{"PORTICO_BASE_URL", "example.com"},
		{"PORTICO_BASE_URL", "javascript:alert(1)"},
		{"PORTICO_DATABASE_URL", "mysql://x"},
		{"PORTICO_REDIS_URL", "http://x"},
		{"PORTICO_SMTP_URL", "smtp://"},
		{"PORTICO_MAIL_FROM", "a@b\r\nBcc: c@d"},
		{"PORTICO_SECRET_KEY", "short"},
		{"PORTICO_TRUSTED_PROXIES", "10.0.0.0/99"},
		{"PORTICO_LOG_FORMAT", "xml"},
		{"PORTICO_LOG_LEVEL", "loud"},
		{"PORTICO_MAX_UPLOAD_SIZE", "-1"},
		{"PORTICO_MAX_UPLOADS", "many"},
		{"PORTICO_MAX_CONCURRENT_UPLOADS", "-1"},
		{"PORTICO_UPLOAD_QUOTA", "1GB"},
		{"PORTICO_SESSION_MAX_AGE", "5s"},
		{"PORTICO_DEMO", "perhaps"},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			_, err := Load(nil, env(map[string]string{tc.env: tc.value}), &bytes.Buffer{})
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.env, tc.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.env) || strings.Contains(msg, "\n") {
				t.Fatalf("want one line naming %s, got %q", tc.env, msg)
			}
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	_, err := Load([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("want ErrHelp, got %v", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env()) || !strings.Contains(out.String(), "-"+s.name) {
			t.Errorf("--help does not list %s / --%s", s.env(), s.name)
		}
	}
	for _, def := range []string{":8080", "./data", "10485760"} {
		if !strings.Contains(out.String(), def) {
			t.Errorf("--help does not show the default %s", def)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"PORTICO_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "192.168.0.0/16" {
		t.Fatalf("proxies: %v", c.TrustedProxies)
	}
}
